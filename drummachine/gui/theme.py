"""Colours and the style sheet: a dark instrument panel where hits glow in their instrument's colour."""

import tempfile
from pathlib import Path
from typing import Optional

from PySide6.QtGui import QColor, QPalette

BACKGROUND = QColor("#16181d")
PANEL = QColor("#1e2128")
CELL = QColor("#2a2e37")
CELL_BEAT = QColor("#323743")
TEXT = QColor("#d8dce6")
DIM = QColor("#7d8596")
PLAYHEAD = QColor(255, 255, 255, 46)
ACCENT = QColor("#f5a623")
PLAYING = QColor("#48bb78")  # the bar that sounds now, wherever the grid looks
FILL = QColor("#ed64a6")  # a bar that holds a fill, marked in the bar strip
FLAG_OFF = QColor("#2f3440")  # an L/M/S/F button that is off: a raised key with a readable letter
FLAG_EDGE = QColor("#5a6172")
FLAG_TEXT = QColor("#c3c9d5")

# kick, snare, closed hat, open hat, low/mid/high tom, crash, ride
CLASS_COLOURS = [QColor(c) for c in ("#ff5a5f", "#ffb347", "#4fd1c5", "#38b2ac", "#9f7aea", "#b794f4",
                                     "#d6bcfa", "#63b3ed", "#f6e05e")]

STYLE = """
QWidget { background: #16181d; color: #d8dce6; font-size: 13px; }
QGroupBox { border: 1px solid #2c3039; border-radius: 8px; margin-top: 14px; padding: 8px; background: #1b1e24; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #7d8596; font-weight: 600; }
QPushButton { background: #2a2e37; border: 1px solid #353a45; border-radius: 6px; padding: 6px 12px; }
QPushButton:hover { background: #333844; }
QPushButton:pressed, QPushButton:checked { background: #f5a623; color: #16181d; border-color: #f5a623; }
QPushButton#primary { background: #f5a623; color: #16181d; font-weight: 700; border: none; padding: 7px 16px; }
QPushButton#primary:hover { background: #ffb84a; }
QPushButton#play { font-size: 15px; font-weight: 700; min-width: 88px; }
QSpinBox, QDoubleSpinBox, QComboBox { background: #232730; border: 1px solid #353a45; border-radius: 5px;
    padding: 3px 6px; min-height: 22px; }
QSpinBox, QDoubleSpinBox { padding-right: 18px; }
QSpinBox::up-button, QDoubleSpinBox::up-button { subcontrol-origin: border; subcontrol-position: top right;
    width: 16px; border-left: 1px solid #353a45; border-top-right-radius: 5px; background: #2c313b; }
QSpinBox::down-button, QDoubleSpinBox::down-button { subcontrol-origin: border; subcontrol-position: bottom right;
    width: 16px; border-left: 1px solid #353a45; border-bottom-right-radius: 5px; background: #2c313b; }
QSpinBox::up-button:hover, QDoubleSpinBox::up-button:hover,
QSpinBox::down-button:hover, QDoubleSpinBox::down-button:hover { background: #3a404c; }
QComboBox::drop-down { width: 18px; border-left: 1px solid #353a45; }
QTabWidget::pane { border: 1px solid #2c3039; border-radius: 8px; background: #1b1e24; top: -1px; }
QTabBar::tab { background: #1e2128; color: #7d8596; border: 1px solid #2c3039; border-bottom: none;
    border-top-left-radius: 6px; border-top-right-radius: 6px; padding: 5px 14px; margin-right: 2px; }
QTabBar::tab:selected { background: #1b1e24; color: #d8dce6; }
QToolTip { background: #232730; color: #d8dce6; border: 1px solid #4a505e; padding: 4px; }
QSlider::groove:horizontal { height: 6px; background: #2a2e37; border-radius: 3px; }
QSlider::sub-page:horizontal { background: #f5a623; border-radius: 3px; }
QSlider::handle:horizontal { background: #d8dce6; width: 16px; margin: -6px 0; border-radius: 8px; }
QLabel, QCheckBox { background: transparent; }
QLabel#dim { color: #7d8596; }
QLabel#slot { background: #232730; border-radius: 6px; padding: 6px 10px; min-width: 150px; }
QLabel#drag { background: #232730; border: 1px dashed #f5a623; border-radius: 6px; padding: 6px 12px; color: #f5a623; }
QStatusBar { background: #111317; color: #7d8596; }
QCheckBox::indicator { width: 15px; height: 15px; border: 1px solid #4a505e; border-radius: 4px; background: #232730; }
QCheckBox::indicator:checked { background: #f5a623; border-color: #f5a623; }
"""


def palette() -> QPalette:
    """Light text on the dark panel for what the style sheet leaves Qt's own style to draw: the arrows of the
    number boxes and lists are drawn in the button text colour, dark (nearly invisible here) by default."""
    pal = QPalette()
    for role, colour in ((QPalette.ColorRole.ButtonText, TEXT), (QPalette.ColorRole.WindowText, TEXT),
                         (QPalette.ColorRole.Text, TEXT), (QPalette.ColorRole.Button, CELL),
                         (QPalette.ColorRole.Window, BACKGROUND), (QPalette.ColorRole.Base, PANEL)):
        pal.setColor(role, colour)
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, DIM)
    return pal


ARROW_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="6" viewBox="0 0 10 6">'
             '<path d="{path}" fill="{colour}"/></svg>')
ARROWS = {"up": "M0 6 L5 0 L10 6 Z", "down": "M0 0 L5 6 L10 0 Z"}


def style_sheet(folder: Optional[Path] = None) -> str:
    """The style sheet with arrows a musician can see on the number boxes and lists. Qt's style sheets draw
    a styled box's arrows only from image files, so two small SVGs are written to `folder` (a folder in the
    temporary directory by default) once and named here."""
    folder = folder or Path(tempfile.gettempdir()) / "drummachine-theme"
    rules = []
    for direction, path in ARROWS.items():
        for state, colour in (("", TEXT.name()), (":disabled", DIM.name())):
            svg = folder / f"arrow-{direction}{'-off' if state else ''}.svg"
            text = ARROW_SVG.format(path=path, colour=colour)
            try:
                if not svg.is_file() or svg.read_text() != text:
                    folder.mkdir(parents=True, exist_ok=True)
                    svg.write_text(text)
            except OSError:
                return STYLE  # no arrows drawn is no reason not to open the window
            boxes = (f"QSpinBox::{direction}-arrow{state}, QDoubleSpinBox::{direction}-arrow{state}"
                     + (f", QComboBox::down-arrow{state}" if direction == "down" else ""))
            rules.append(f"{boxes} {{ image: url({svg.as_posix()}); width: 9px; height: 6px; }}")
    return STYLE + "\n".join(rules) + "\n"
