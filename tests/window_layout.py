"""Where the window's controls lie, for a robot that can only click X coordinates.

    QT_QPA_PLATFORM=offscreen python tests/window_layout.py   # prints {"name": [x, y, w, h], ...}

Qt draws its widgets itself, so xdotool sees one X window and no buttons. This lays the real MainWindow
out offscreen at the size the app opens with (same Qt, same fonts, same style sheet) and reports each
control's rectangle in window coordinates; run in its own process so the caller never imports Qt.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

Rect = tuple[int, int, int, int]


def control_rects() -> dict[str, Rect]:
    """Name -> (x, y, width, height) of each control the robot aims at, relative to the window."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication, QPushButton

    from drummachine.gui.main_window import MainWindow
    from drummachine.groove.vocabulary import NUM_CLASSES

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as config:
        from drummachine.model.engine import Engine

        window = MainWindow(Engine(), config=Path(config), api=None)  # the bundled model: its knob row too
        window.show()
        app.processEvents()

        def rect(widget) -> Rect:
            at = widget.mapTo(window, QPoint(0, 0))
            return at.x(), at.y(), widget.width(), widget.height()

        named = {
            "window": (0, 0, window.width(), window.height()),
            "generate": rect(window.generate_button), "variation": rect(window.variations_button),
            "undo": rect(window.undo_button), "redo": rect(window.redo_button), "play": rect(window.play_button),
            "grid": rect(window.grid), "strip": rect(window.strip), "morph_slider": rect(window.morph_slider),
            "morph_live": rect(window.morph_over), "bpm": rect(window.bpm), "bars": rect(window.bars),
            "candidates": rect(window.candidates_button), "candidate_strip": rect(window.candidate_strip),
            **{f"knob_{name}": rect(slider) for name, slider in window.knobs.items()},
        }
        grid = window.grid.mapTo(window, QPoint(0, 0))
        for cls in range(NUM_CLASSES):
            for flag in ("mute", "solo"):
                r = window.grid.flag_rect(flag, cls)
                named[f"{flag}_{cls}"] = (grid.x() + round(r.x()), grid.y() + round(r.y()), round(r.width()),
                                          round(r.height()))
        slot_buttons = sorted((b for b in window.findChildren(QPushButton) if b.text().startswith("←")),
                              key=lambda b: b.mapTo(window, QPoint(0, 0)).x())
        for button, slot in zip(slot_buttons, "AAABBB"):
            how = button.text().lstrip("← ").rstrip("…").strip()
            named[f"slot_{slot}_{how}"] = rect(button)
        window.close()
    return named


if __name__ == "__main__":
    print(json.dumps(control_rects()))
