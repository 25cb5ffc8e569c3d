"""Start the window: the bundled model, the saved session, the MIDI system that answers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from drummachine.midi import note_maps
from drummachine.model.engine import Engine
from drummachine.model.folder import ModelError
from drummachine.studio.session import Session


def load_session(config: Optional[Path] = None) -> tuple[Optional[Session], str]:
    """The saved session (None: start a new one) and what the status bar should say about the files read.

    Damaged files are repaired or set aside by their loaders; only a config folder that cannot be read
    or written at all is left here, and the window opens anyway.
    """
    try:
        _maps, maps_note = note_maps.read_user_maps(config)
        session, note = Session.load(config)
    except OSError as exc:
        return None, f"the saved session could not be read ({exc.strerror or exc}); a new one was started"
    return session, "; ".join(filter(None, (note, maps_note)))


def create_window(model: Optional[Path] = None, config: Optional[Path] = None, api: Optional[str] = "auto"):
    from drummachine.gui.main_window import MainWindow

    session, note = load_session(config)
    try:
        engine, error = Engine(model), ""
    except ModelError as exc:
        engine, error = None, f"model not loaded: {exc}"
    window = MainWindow(engine, session, config, api, engine_error="; ".join(filter(None, (error, note))))
    if engine is not None and not window.studio.session.pattern.hits.any():
        window.fixed_seed.setChecked(True)
        window.seed.setValue(7)
        window.generate()
        window.fixed_seed.setChecked(False)
    return window


def run_app(model: Optional[Path] = None) -> int:
    from PySide6.QtWidgets import QApplication

    from drummachine.gui.qt_check import QtBindingError, check_qt_binding

    try:
        check_qt_binding()
    except QtBindingError as exc:
        print(f"drummachine: {exc}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("drummachine")
    window = create_window(model)
    window.show()
    return app.exec()
