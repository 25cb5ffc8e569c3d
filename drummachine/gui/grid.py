"""The step grid of one bar (16 steps x 9 instruments) and the strip of bars above it."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from drummachine.gui import theme
from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES, STEPS_PER_BAR

NAME_W = 104
FLAG_W = 22
FLAGS = ("lock", "mute", "solo", "feel")
FLAG_LABELS = {"lock": "L", "mute": "M", "solo": "S", "feel": "F"}
FLAG_COLOURS = {"lock": QColor("#f5a623"), "mute": QColor("#e53e3e"), "solo": QColor("#48bb78"),
                "feel": QColor("#63b3ed")}
FLAG_TIPS = {"lock": "lock: Generate and Variation keep this instrument's hits (and its own feel)",
             "mute": "mute", "solo": "solo", "feel": "feel: this instrument plays the learned velocity and timing"}
GAP = 4


class StepGrid(QWidget):
    """Click a cell to toggle it; drag to paint several. A hit shows its velocity as the height of its fill
    and, when it is played off the grid, a mark left (early) or right (late) of the cell's middle."""

    cells_painted = Signal(list, bool)  # [(step, cls)], on
    flag_toggled = Signal(str, int)  # "lock" | "mute" | "solo" | "feel", class

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.velocities = Pattern.empty(1).velocities[0]
        self.offsets = None  # (16, 9) steps off the grid, or None
        self.playhead = -1
        self.flags: dict[str, set[int]] = {f: set() for f in FLAGS}
        self._drag_on: Optional[bool] = None
        self._dragged: list[tuple[int, int]] = []
        self.setMinimumSize(760, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:  # each L/M/S/F button says what it does
            from PySide6.QtWidgets import QToolTip

            tip = self.flag_tip(e.pos().x(), e.pos().y())
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def sizeHint(self) -> QSize:
        return QSize(1000, 400)

    def show_bar(self, velocities, playhead: int = -1, offsets=None) -> None:
        self.velocities = velocities
        self.offsets = offsets
        self.playhead = playhead
        self.update()

    def set_playhead(self, step: int) -> None:
        if step != self.playhead:
            self.playhead = step
            self.update()

    def set_flags(self, lock, mute, solo, feel=()) -> None:
        self.flags = {"lock": set(lock), "mute": set(mute), "solo": set(solo), "feel": set(feel)}
        self.update()

    def flag_tip(self, x: float, y: float) -> str:
        for flag in FLAGS:
            for cls in range(NUM_CLASSES):
                if self.flag_rect(flag, cls).contains(x, y):
                    return f"{FLAG_TIPS[flag]} ({CLASS_NAMES[cls]})"
        return ""

    # --- geometry ----------------------------------------------------------------------------------------
    def _left(self) -> float:
        return NAME_W + len(FLAGS) * (FLAG_W + 3) + 10

    def _cell_size(self) -> tuple[float, float]:
        w = (self.width() - self._left() - 8 - 3 * 8) / STEPS_PER_BAR
        h = (self.height() - 8) / NUM_CLASSES
        return w, h

    def cell_rect(self, step: int, cls: int) -> QRectF:
        w, h = self._cell_size()
        x = self._left() + step * w + (step // 4) * 8
        return QRectF(x + GAP / 2, 4 + cls * h + GAP / 2, w - GAP, h - GAP)

    def flag_rect(self, flag: str, cls: int) -> QRectF:
        _, h = self._cell_size()
        x = NAME_W + FLAGS.index(flag) * (FLAG_W + 3)
        return QRectF(x, 4 + cls * h + (h - FLAG_W) / 2, FLAG_W, FLAG_W)

    def cell_at(self, x: float, y: float) -> Optional[tuple[int, int]]:
        for cls in range(NUM_CLASSES):
            for step in range(STEPS_PER_BAR):
                if self.cell_rect(step, cls).adjusted(-GAP / 2, -GAP / 2, GAP / 2, GAP / 2).contains(x, y):
                    return step, cls
        return None

    # --- painting -------------------------------------------------------------------------------------------
    def paintEvent(self, _: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), theme.BACKGROUND)
        font = QFont(self.font())
        font.setPointSize(10)
        p.setFont(font)
        for cls in range(NUM_CLASSES):
            first = self.cell_rect(0, cls)
            muted = cls in self.flags["mute"] or (self.flags["solo"] and cls not in self.flags["solo"])
            p.setPen(theme.DIM if muted else theme.TEXT)
            p.drawText(QRectF(6, first.top(), NAME_W - 10, first.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, CLASS_NAMES[cls].title())
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.CLASS_COLOURS[cls])
            p.drawRoundedRect(QRectF(0, first.top() + 4, 3, first.height() - 8), 1.5, 1.5)
            for flag in FLAGS:
                r = self.flag_rect(flag, cls)
                on = cls in self.flags[flag]
                p.setBrush(FLAG_COLOURS[flag] if on else theme.CELL)
                p.setPen(Qt.PenStyle.NoPen)
                p.drawRoundedRect(r, 4, 4)
                p.setPen(theme.BACKGROUND if on else theme.DIM)
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, FLAG_LABELS[flag])
            for step in range(STEPS_PER_BAR):
                r = self.cell_rect(step, cls)
                vel = int(self.velocities[step, cls])
                p.setPen(Qt.PenStyle.NoPen)
                if vel:  # the cell in the class's colour, faint; the velocity as how high the fill reaches
                    c = QColor(theme.CLASS_COLOURS[cls])
                    c.setAlphaF(0.3 if not muted else 0.15)
                    p.setBrush(c)
                    p.drawRoundedRect(r, 5, 5)
                    c.setAlphaF(0.95 if not muted else 0.3)
                    p.setBrush(c)
                    level = r.height() * (0.15 + 0.85 * vel / 127)
                    p.drawRoundedRect(QRectF(r.left(), r.bottom() - level, r.width(), level), 5, 5)
                    off = float(self.offsets[step, cls]) if self.offsets is not None else 0.0
                    if abs(off) >= 0.02:  # early (left) or late (right) of the step, to scale
                        x = r.center().x() + off * r.width()
                        p.setBrush(theme.TEXT)
                        p.drawRect(QRectF(x - 1, r.top() + 3, 2, r.height() - 6))
                else:
                    p.setBrush(theme.CELL_BEAT if (step // 4) % 2 == 0 else theme.CELL)
                    p.drawRoundedRect(r, 5, 5)
                if cls in self.flags["lock"] and vel:
                    p.setPen(theme.ACCENT)
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 5, 5)
        if 0 <= self.playhead < STEPS_PER_BAR:
            top, bottom = self.cell_rect(self.playhead, 0), self.cell_rect(self.playhead, NUM_CLASSES - 1)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.PLAYHEAD)
            p.drawRoundedRect(QRectF(top.left() - 2, top.top() - 2, top.width() + 4, bottom.bottom() - top.top() + 4), 6, 6)
        p.end()

    # --- mouse ----------------------------------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:
        pos = e.position()
        for flag in FLAGS:
            for cls in range(NUM_CLASSES):
                if self.flag_rect(flag, cls).contains(pos):
                    self.flag_toggled.emit(flag, cls)
                    return
        cell = self.cell_at(pos.x(), pos.y())
        if cell is None:
            return
        step, cls = cell
        self._drag_on = not bool(self.velocities[step, cls])
        self._dragged = [cell]

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._drag_on is None:
            return
        cell = self.cell_at(e.position().x(), e.position().y())
        if cell is not None and cell not in self._dragged:
            self._dragged.append(cell)

    def mouseReleaseEvent(self, _: QMouseEvent) -> None:
        if self._drag_on is not None and self._dragged:
            self.cells_painted.emit(list(self._dragged), self._drag_on)
        self._drag_on, self._dragged = None, []


class BarStrip(QWidget):
    """The bars of the pattern: click one to show it; the bar playing now is marked."""

    bar_chosen = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.bars, self.shown, self.playing = 1, 0, -1
        self.hit_counts: list[int] = [0]
        self.setFixedHeight(34)

    def set_state(self, bars: int, shown: int, hit_counts: list[int]) -> None:
        self.bars, self.shown, self.hit_counts = bars, shown, hit_counts
        self.update()

    def set_playing(self, bar: int) -> None:
        if bar != self.playing:
            self.playing = bar
            self.update()

    def _rect(self, i: int) -> QRectF:
        w = min(80.0, (self.width() - 4) / max(self.bars, 1))
        return QRectF(2 + i * w, 2, w - 4, self.height() - 4)

    def paintEvent(self, _: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), theme.BACKGROUND)
        top = max(self.hit_counts or [1]) or 1
        for i in range(self.bars):
            r = self._rect(i)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.ACCENT if i == self.shown else theme.CELL)
            p.drawRoundedRect(r, 5, 5)
            level = self.hit_counts[i] / top if i < len(self.hit_counts) else 0
            fill = QColor(theme.BACKGROUND if i == self.shown else theme.DIM)
            fill.setAlphaF(0.5)
            p.setBrush(fill)
            p.drawRoundedRect(QRectF(r.left() + 4, r.bottom() - 5, (r.width() - 8) * level, 3), 1.5, 1.5)
            p.setPen(theme.BACKGROUND if i == self.shown else theme.TEXT)
            p.drawText(r.adjusted(0, -3, 0, -3), Qt.AlignmentFlag.AlignCenter, str(i + 1))
            if i == self.playing:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(QColor("#48bb78"))
                p.drawEllipse(QRectF(r.right() - 11, r.top() + 4, 7, 7))
        p.end()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        for i in range(self.bars):
            if self._rect(i).contains(e.position()):
                self.bar_chosen.emit(i)
