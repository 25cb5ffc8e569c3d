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
TABS = ("morph", "knobs", "output", "pad")  # the window's panels, in their tabs' order


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

        tabs = window.panels.tabBar()
        named = {
            **{f"tab_{key}": rect_in(window, tabs, tabs.tabRect(i)) for i, key in enumerate(TABS)},
            "sync": rect(window.sync), "tap": rect(window.tap_button), "follow": rect(window.follow),
            "window": (0, 0, window.width(), window.height()),
            "generate": rect(window.generate_button), "variation": rect(window.variations_button),
            "undo": rect(window.undo_button), "redo": rect(window.redo_button), "play": rect(window.play_button),
            "grid": rect(window.grid), "strip": rect(window.strip), "morph_slider": rect(window.morph_slider),
            "morph_live": rect(window.morph_over), "bpm": rect(window.bpm), "bars": rect(window.bars),
            "candidates": rect(window.candidates_button), "candidate_strip": rect(window.candidate_strip),
        }
        for i, key in enumerate(TABS):  # a panel's controls are laid out once its tab has been shown
            window.panels.setCurrentIndex(i)
            app.processEvents()
            if key == "knobs":
                named.update({f"knob_{name}": rect(slider) for name, slider in window.knobs.items()})
                named["fill_every"] = rect(window.fill_every)
            if key == "pad":
                pad = window.pad_widget
                menu = pad.corner_menu(0)  # where its first two items lie, from the menu's top left (its popup point)
                menu.adjustSize()
                for key, action in zip(("groove", "sample"), menu.actions()):
                    named[f"corner_menu_{key}"] = menu.actionGeometry(action).getRect()
                named.update({"pad_surface": rect(pad.surface), "pad_on": rect(pad.on_button),
                              "pad_record": rect(pad.record_button), "pad_path": rect(pad.path_button),
                              "pad_path_bars": rect(pad.path_bars), "pad_keep": rect(pad.keep_button)})
        window.panels.setCurrentIndex(0)
        app.processEvents()
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


def rect_in(window, widget, r) -> Rect:
    """A rectangle in `widget`'s coordinates, in the window's."""
    from PySide6.QtCore import QPoint

    at = widget.mapTo(window, QPoint(r.x(), r.y()))
    return at.x(), at.y(), r.width(), r.height()


def layout_problems(window) -> list[str]:
    """What a musician would see wrong in the window as it is laid out now, on each panel: a control cut off by
    the window's edge or by its own panel, squeezed below the size it needs, or lying over another control.
    Empty when all is well."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox,
                                   QLabel, QTabBar, QWidget)

    from drummachine.gui.candidates import CandidateStrip
    from drummachine.gui.grid import BarStrip, StepGrid
    from drummachine.gui.pad_widget import PadSurface

    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider, QLabel, QTabBar, StepGrid, BarStrip,
             CandidateStrip, PadSurface)
    problems: list[str] = []
    whole = QRect(0, 0, window.width(), window.height())
    for i in range(window.panels.count()):
        window.panels.setCurrentIndex(i)
        QApplication.processEvents()
        shown = []
        for w in window.centralWidget().findChildren(QWidget):
            if not isinstance(w, kinds) or not w.isVisibleTo(window):
                continue
            if isinstance(w.parent(), (QAbstractSpinBox, QComboBox, QTabBar)):
                continue  # a number box's own line edit and a list's parts belong to their box
            at = w.mapTo(window, QPoint(0, 0))
            r = QRect(at.x(), at.y(), w.width(), w.height())
            name = f"{type(w).__name__} {getattr(w, 'text', lambda: '')() or w.objectName() or ''}".strip()
            if not whole.contains(r):
                problems.append(f"{name} at {r.getRect()} is cut off by the window {whole.getRect()}")
            elif w.visibleRegion().boundingRect().size() != w.size():
                problems.append(f"{name} at {r.getRect()} is partly hidden by its panel")
            need = w.minimumSizeHint()  # a styled number box hints a minimum height above its own size hint
            need.setHeight(min(need.height(), w.sizeHint().height()))
            if w.width() < need.width() - 1 or w.height() < need.height() - 1:
                problems.append(f"{name} is {w.width()}x{w.height()}, it needs {need.width()}x{need.height()}")
            shown.append((name, r, w))
        for a in range(len(shown)):
            for b in range(a + 1, len(shown)):
                (na, ra, wa), (nb, rb, wb) = shown[a], shown[b]
                if wa.isAncestorOf(wb) or wb.isAncestorOf(wa):
                    continue
                if ra.intersects(rb):
                    problems.append(f"{na} {ra.getRect()} overlaps {nb} {rb.getRect()}")
    window.panels.setCurrentIndex(0)
    return sorted(set(problems))


if __name__ == "__main__":
    print(json.dumps(control_rects()))
