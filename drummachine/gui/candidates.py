"""The candidates strip: several grooves side by side as thumbnails. Click one to hear it from the next bar
line (click it again to go back to the groove), double-click to keep it."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from drummachine.gui import theme
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR


class CandidateStrip(QWidget):
    auditioned = Signal(object)  # the index clicked, or None to hear the groove again
    kept = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.hits: list[np.ndarray] = []  # each (bars, 16, 9) bool
        self.selected: Optional[int] = None
        self.setFixedHeight(46)
        self.setToolTip("candidates: click to hear one from the next bar line, double-click to keep it")

    def set_candidates(self, hits: list[np.ndarray], selected: Optional[int]) -> None:
        self.hits, self.selected = hits, selected
        self.update()

    def _rect(self, i: int) -> QRectF:
        n = max(len(self.hits), 1)
        w = min(150.0, (self.width() - 4) / n)
        return QRectF(2 + i * w, 2, w - 6, self.height() - 4)

    def index_at(self, x: float, y: float) -> Optional[int]:
        for i in range(len(self.hits)):
            if self._rect(i).contains(x, y):
                return i
        return None

    def paintEvent(self, _: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        if not self.hits:  # the empty strip says what will appear here
            p.setPen(theme.DIM)
            p.drawText(self.rect().adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       "Candidates (C): several new grooves appear here; click one to hear it, double-click to keep it")
        for i, hits in enumerate(self.hits):
            r = self._rect(i)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.ACCENT if i == self.selected else theme.CELL)
            p.drawRoundedRect(r, 4, 4)
            bars = min(hits.shape[0], 2)  # the first two bars: enough to tell grooves apart
            steps = bars * STEPS_PER_BAR
            cw, ch = (r.width() - 6) / steps, (r.height() - 6) / NUM_CLASSES
            for cls in range(NUM_CLASSES):
                colour = QColor(theme.CLASS_COLOURS[cls])
                p.setBrush(colour)
                row = hits[:bars, :, cls].reshape(-1)
                for step in np.flatnonzero(row):
                    p.drawRect(QRectF(r.left() + 3 + step * cw, r.top() + 3 + cls * ch, max(cw - 0.5, 1), max(ch - 0.5, 1)))
        p.end()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        i = self.index_at(e.position().x(), e.position().y())
        if i is not None:
            self.auditioned.emit(None if i == self.selected else i)

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        i = self.index_at(e.position().x(), e.position().y())
        if i is not None:
            self.kept.emit(i)
