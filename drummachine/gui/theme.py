"""Colours and the style sheet: a dark instrument panel where hits glow in their instrument's colour."""

from PySide6.QtGui import QColor

BACKGROUND = QColor("#16181d")
PANEL = QColor("#1e2128")
CELL = QColor("#2a2e37")
CELL_BEAT = QColor("#323743")
TEXT = QColor("#d8dce6")
DIM = QColor("#7d8596")
PLAYHEAD = QColor(255, 255, 255, 46)
ACCENT = QColor("#f5a623")

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
