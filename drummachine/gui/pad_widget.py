"""The 4-corner pad's view: a square with the four corner grooves as thumbnails, a dot to drag (heard from the
next bar line while the pad plays), the recorded path drawn, and its buttons. Thin over the studio's
`PadController`: every gesture is one call to it, and `refresh` draws what it holds."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QFileDialog, QGridLayout, QHBoxLayout, QLabel, QMenu, QPushButton, QSpinBox, QWidget

from drummachine import limits
from drummachine.groove.pad import CORNER_NAMES, CORNER_POSITIONS, Position
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.gui import theme
from drummachine.studio.pad import PadController

THUMB = 0.24  # a corner's thumbnail, as a share of the pad's side
DOT_RADIUS = 7.0
SIDE = 112  # pixels: the pad's side in the window's panel, which must leave the grid room at 960x640


def pick_midi_file(parent: QWidget) -> Optional[Path]:
    """A MIDI file the musician picks for a corner, or None."""
    name, _ = QFileDialog.getOpenFileName(parent, "A corner from a MIDI file", "", "MIDI files (*.mid *.midi)")
    return Path(name) if name else None


class PadSurface(QWidget):
    """The square: drag the dot; right-click near a corner to fill it."""

    def __init__(self, pad: PadController, corner_menu: Callable[[int], QMenu], parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.pad, self.corner_menu = pad, corner_menu
        self._dragging = False
        self.setMinimumSize(SIDE - 16, SIDE - 16)
        self.setToolTip("drag the dot: heard from the next bar line while the pad plays; "
                        "right-click near a corner to fill it")

    def sizeHint(self) -> QSize:
        return QSize(SIDE, SIDE)

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2 * DOT_RADIUS
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def point(self, position: Position) -> QPointF:
        """Where a pad position is drawn."""
        r = self.square()
        return QPointF(r.left() + position[0] * r.width(), r.top() + position[1] * r.height())

    def position_at(self, x: float, y: float) -> Position:
        """The pad position under a widget point (held to the pad's edge)."""
        r = self.square()
        return (min(max((x - r.left()) / r.width(), 0.0), 1.0), min(max((y - r.top()) / r.height(), 0.0), 1.0))

    def nearest_corner(self, x: float, y: float) -> int:
        px, py = self.position_at(x, y)
        return int(np.argmin([(px - cx) ** 2 + (py - cy) ** 2 for cx, cy in CORNER_POSITIONS]))

    def thumb_rect(self, corner: int) -> QRectF:
        r, side = self.square(), self.square().width() * THUMB
        cx, cy = CORNER_POSITIONS[corner]
        return QRectF(r.left() + cx * (r.width() - side), r.top() + cy * (r.height() - side), side, side)

    def paintEvent(self, _: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), theme.BACKGROUND)
        p.setPen(QPen(theme.FLAG_EDGE, 1))
        p.setBrush(theme.PANEL if self.pad.live else theme.CELL)
        p.drawRoundedRect(self.square(), 6, 6)
        for corner, take in enumerate(self.pad.corners):
            self._draw_corner(p, corner, None if take is None else take.pattern.hits)
        path = self.pad.recorder.path() if self.pad.recorder is not None else self.pad.path  # as it is drawn
        if len(path):
            p.setPen(QPen(theme.ACCENT if self.pad.playing_path or self.pad.recording else theme.DIM, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPolyline(QPolygonF([self.point((q.x, q.y)) for q in path.points]))
        p.setPen(QPen(theme.TEXT, 2))
        p.setBrush(theme.PLAYING if self.pad.live else theme.ACCENT)
        p.drawEllipse(self.point(self.pad.position), DOT_RADIUS, DOT_RADIUS)
        p.end()

    def _draw_corner(self, p: QPainter, corner: int, hits: Optional[np.ndarray]) -> None:
        """A corner's first bar as a tiny grid (steps across, instruments down), or its number when empty."""
        r = self.thumb_rect(corner)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.BACKGROUND)
        p.drawRoundedRect(r, 3, 3)
        if hits is None:
            p.setPen(theme.DIM)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(corner + 1))  # empty: its number, for the menu
            return
        cw, ch = (r.width() - 4) / STEPS_PER_BAR, (r.height() - 4) / NUM_CLASSES
        for cls in range(NUM_CLASSES):
            p.setBrush(QColor(theme.CLASS_COLOURS[cls]))
            for step in np.flatnonzero(hits[0, :, cls]):
                p.drawRect(QRectF(r.left() + 2 + step * cw, r.top() + 2 + cls * ch, max(cw - 0.5, 1), max(ch - 0.5, 1)))

    def mousePressEvent(self, e: QMouseEvent) -> None:
        x, y = e.position().x(), e.position().y()
        if e.button() == Qt.MouseButton.RightButton:
            self.corner_menu(self.nearest_corner(x, y)).popup(self.mapToGlobal(e.position().toPoint()))
            return
        self._dragging = True
        self.pad.move(*self.position_at(x, y))

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._dragging:
            self.pad.move(*self.position_at(e.position().x(), e.position().y()))

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        self._dragging = False


class PadWidget(QWidget):
    """The pad and its buttons: on/off, record a path, play it over N bars, keep the groove at the dot."""

    def __init__(self, pad: PadController, pick_file: Optional[Callable[[], Optional[Path]]] = None,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.pad = pad
        self.pick_file = pick_file or (lambda: pick_midi_file(self))
        self.surface = PadSurface(pad, self.corner_menu)
        self.on_button = self._button("Pad on", "the pad plays instead of the groove, from the next bar line",
                                      lambda on: self.pad.set_live(on))
        self.record_button = self._button("Record", "record the dot's moves as a path (again to stop)",
                                          lambda on: self.pad.record(on))
        self.path_button = self._button("Play path", "play the recorded path over the bars beside it",
                                        lambda on: self.pad.play_path(on))
        bars = limits.PAD_PATH_BARS
        self.path_bars = QSpinBox(minimum=bars.low, maximum=bars.high, value=pad.path_bars, suffix=" bars")
        self.path_bars.setToolTip("bars the path is played over")
        self.path_bars.valueChanged.connect(lambda bars: self.pad.set_path_bars(bars))
        self.keep_button = QPushButton("Keep")
        self.keep_button.setToolTip("the groove at the dot becomes the groove (undoable)")
        self.keep_button.clicked.connect(lambda: self.pad.keep())
        buttons = QGridLayout()  # beside the square, so the pad fits a panel as low as the window's others
        for i, w in enumerate((self.on_button, self.keep_button, self.record_button, self.path_button)):
            buttons.addWidget(w, i // 2, i % 2)
        buttons.addWidget(self.path_bars, 2, 1)
        buttons.setRowStretch(3, 1)
        self.hint = QLabel("Right-click near a corner to fill it: the groove, a new sample, a MIDI file or a "
                           "candidate. With the pad on, drag the dot while it plays: each move is heard from the "
                           "next bar line. Record a drag and play it back over the bars set.")
        self.hint.setObjectName("dim")
        self.hint.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.surface)
        layout.addLayout(buttons)
        layout.addWidget(self.hint, 1)
        self.refresh()

    def _button(self, text: str, tip: str, act: Callable[[bool], object]) -> QPushButton:
        b = QPushButton(text, checkable=True)
        b.setToolTip(tip)
        b.clicked.connect(lambda on: (act(on), self.refresh()))  # a refusal (no corners) unchecks it again
        return b

    def corner_menu(self, corner: int) -> QMenu:
        """How a corner is filled: the groove, a new sample, a file, or one of the candidates."""
        menu = QMenu(f"{CORNER_NAMES[corner]} corner", self)
        menu.addAction("The groove", lambda: self.pad.fill_corner(corner, "current"))
        menu.addAction("A new sample", lambda: self.pad.fill_corner(corner, "sample"))
        menu.addAction("A MIDI file…", lambda: self._from_file(corner))
        for i in range(len(self.pad.studio.candidates)):
            menu.addAction(f"Candidate {i + 1}", lambda i=i: self.pad.fill_corner(corner, "candidate", candidate=i))
        return menu

    def _from_file(self, corner: int) -> None:
        path = self.pick_file()
        if path is not None:
            self.pad.fill_corner(corner, "file", path)

    def refresh(self) -> None:
        """Draw the pad as the studio holds it (the window calls this on every change)."""
        pad = self.pad
        for button, on in ((self.on_button, pad.live), (self.record_button, pad.recording),
                           (self.path_button, pad.playing_path)):
            button.setChecked(on)
        self.path_button.setEnabled(bool(len(pad.path)))
        if self.path_bars.value() != pad.path_bars:
            self.path_bars.blockSignals(True)
            self.path_bars.setValue(pad.path_bars)
            self.path_bars.blockSignals(False)
        self.surface.update()
