"""The step grid of one bar (16 steps x 9 instruments) and the strip of bars above it."""

from __future__ import annotations

from typing import Optional, Sequence

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from drummachine import limits
from drummachine.gui import theme
from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES, STEPS_PER_BAR

NAME_W = 84
FLAG_W = 26
HEADER_H = 18  # the step numbers above the cells
FLAGS = ("lock", "mute", "solo", "feel")
FLAG_LABELS = {"lock": "L", "mute": "M", "solo": "S", "feel": "F"}
FLAG_COLOURS = {"lock": QColor("#f5a623"), "mute": QColor("#e53e3e"), "solo": QColor("#48bb78"),
                "feel": QColor("#63b3ed")}
FLAG_TIPS = {"lock": "L, lock: Generate, Variation and the knobs keep this instrument's hits (and its own feel)",
             "mute": "M, mute: this instrument is silent (live and in clips)",
             "solo": "S, solo: only soloed instruments play",
             "feel": "F, feel: this instrument plays the learned velocity and timing (off: as written)"}
GAP = 4
DRAG_SLOP_PX = 4  # a press that moves less than this is a click
VELOCITY_PER_PX = 1.0  # a velocity drag: one step of velocity per pixel, up is louder (127 in about 4 rows)
VELOCITY_PER_NOTCH = 8  # the wheel over a hit; 1 with Shift
CELL_TIP = "click: hit on/off; drag sideways: paint; drag a hit up/down or turn the wheel over it: its velocity"


def drag_gesture(on_hit: bool, dx: float, dy: float) -> Optional[str]:
    """What a press that moved (dx, dy) pixels is: None while still a click, "velocity" when it began on a hit and
    went mostly up or down, else "paint" (a drag across cells sets them all on or off, as the first cell flips)."""
    if max(abs(dx), abs(dy)) < DRAG_SLOP_PX:
        return None
    return "velocity" if on_hit and abs(dy) > abs(dx) else "paint"


def dragged_velocity(start: int, dy: float) -> int:
    """A hit's velocity after a vertical drag of `dy` pixels (Qt's y grows downwards: up is louder), 1..127."""
    return int(limits.VELOCITY.clamp(round(start - dy * VELOCITY_PER_PX)))


def wheeled_velocity(start: int, notches: float, fine: bool = False) -> int:
    """A hit's velocity after the wheel turned `notches` (positive: away from you, louder), 1..127."""
    return int(limits.VELOCITY.clamp(round(start + notches * (1 if fine else VELOCITY_PER_NOTCH))))


def beat_of(step: int) -> bool:
    """Steps 1, 5, 9 and 13 (0-based 0, 4, 8, 12) begin a beat: numbered brighter."""
    return step % 4 == 0


class StepGrid(QWidget):
    """Click a cell to toggle it; drag sideways to paint several; drag a hit up or down (or turn the wheel over
    it) to change its velocity. A hit shows its velocity as the height of its fill and as a number, and, when it
    is played off the grid, a mark left (early) or right (late) of the cell's middle. Step numbers run along
    the top (beats brighter); `caption` says what the grid shows (a bar of the loop, or of the live morph)."""

    cells_painted = Signal(list, bool)  # [(step, cls)], on
    flag_toggled = Signal(str, int)  # "lock" | "mute" | "solo" | "feel", class
    velocity_changed = Signal(int, int, int)  # step, class, velocity

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.velocities = Pattern.empty(1).velocities[0]
        self.offsets = None  # (16, 9) steps off the grid, or None
        self.playhead = -1
        self.caption = ""
        self.read_only = False  # showing what plays (the live morph), not the groove that edits change
        self.flags: dict[str, set[int]] = {f: set() for f in FLAGS}
        self._press: Optional[tuple[float, float, int, int]] = None  # x, y, step, class of the press
        self._gesture: Optional[str] = None
        self._drag_on: Optional[bool] = None
        self._dragged: list[tuple[int, int]] = []
        self.setMinimumSize(660, HEADER_H + 8 + NUM_CLASSES * 22)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:  # each L/M/S/F button and each cell says what it does
            from PySide6.QtWidgets import QToolTip

            tip = self.tip_at(e.pos().x(), e.pos().y())
            if tip:
                QToolTip.showText(e.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)

    def sizeHint(self) -> QSize:
        return QSize(1000, 400)

    def show_bar(self, velocities, playhead: int = -1, offsets=None, caption: Optional[str] = None) -> None:
        self.velocities = velocities
        self.offsets = offsets
        self.playhead = playhead
        if caption is not None:
            self.caption = caption
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

    def tip_at(self, x: float, y: float) -> str:
        """The tooltip at a point: a flag button's, or a cell's (a hit's names its velocity)."""
        tip = self.flag_tip(x, y)
        cell = None if tip else self.cell_at(x, y)
        if cell is None:
            return tip
        step, cls = cell
        vel = int(self.velocities[step, cls])
        what = f"{CLASS_NAMES[cls]}, step {step + 1}" + (f": velocity {vel}" if vel else "")
        return f"{what}\n{CELL_TIP}"

    # --- geometry ----------------------------------------------------------------------------------------
    def _left(self) -> float:
        return NAME_W + len(FLAGS) * (FLAG_W + 3) + 8

    def _cell_size(self) -> tuple[float, float]:
        w = (self.width() - self._left() - 8 - 3 * 8) / STEPS_PER_BAR
        h = (self.height() - 8 - HEADER_H) / NUM_CLASSES
        return w, h

    def cell_rect(self, step: int, cls: int) -> QRectF:
        w, h = self._cell_size()
        x = self._left() + step * w + (step // 4) * 8
        return QRectF(x + GAP / 2, HEADER_H + 4 + cls * h + GAP / 2, w - GAP, h - GAP)

    def flag_rect(self, flag: str, cls: int) -> QRectF:
        _, h = self._cell_size()
        side = min(FLAG_W, h - 2)
        x = NAME_W + FLAGS.index(flag) * (FLAG_W + 3)
        return QRectF(x, HEADER_H + 4 + cls * h + (h - side) / 2, FLAG_W, side)

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
        small = QFont(font)
        small.setPointSize(8)
        bold = QFont(small)
        bold.setBold(True)
        self._paint_header(p, small, bold)
        p.setFont(font)
        for cls in range(NUM_CLASSES):
            first = self.cell_rect(0, cls)
            muted = cls in self.flags["mute"] or (self.flags["solo"] and cls not in self.flags["solo"])
            p.setPen(theme.DIM if muted else theme.TEXT)
            p.drawText(QRectF(6, first.top(), NAME_W - 8, first.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, CLASS_NAMES[cls].title())
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.CLASS_COLOURS[cls])
            p.drawRoundedRect(QRectF(0, first.top() + 4, 3, first.height() - 8), 1.5, 1.5)
            p.setFont(bold)
            for flag in FLAGS:
                r = self.flag_rect(flag, cls)
                on = cls in self.flags[flag]
                p.setBrush(FLAG_COLOURS[flag] if on else theme.FLAG_OFF)
                p.setPen(Qt.PenStyle.NoPen if on else theme.FLAG_EDGE)
                p.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
                p.setPen(theme.BACKGROUND if on else theme.FLAG_TEXT)
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, FLAG_LABELS[flag])
            for step in range(STEPS_PER_BAR):
                self._paint_cell(p, step, cls, muted, small)
            p.setFont(font)
        if 0 <= self.playhead < STEPS_PER_BAR:
            top, bottom = self.cell_rect(self.playhead, 0), self.cell_rect(self.playhead, NUM_CLASSES - 1)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(theme.PLAYHEAD)
            p.drawRoundedRect(QRectF(top.left() - 2, top.top() - 2, top.width() + 4, bottom.bottom() - top.top() + 4), 6, 6)
        p.end()

    def _paint_header(self, p: QPainter, small: QFont, bold: QFont) -> None:
        """Step numbers 1-16 over their columns, the first step of each beat brighter; the caption at the left."""
        p.setFont(bold)
        p.setPen(theme.ACCENT)
        p.drawText(QRectF(6, 0, self._left() - 8, HEADER_H), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   self.caption)
        for step in range(STEPS_PER_BAR):
            r = self.cell_rect(step, 0)
            p.setFont(bold if beat_of(step) else small)
            p.setPen(theme.TEXT if beat_of(step) else theme.DIM)
            p.drawText(QRectF(r.left(), 0, r.width(), HEADER_H), Qt.AlignmentFlag.AlignCenter, str(step + 1))

    def _paint_cell(self, p: QPainter, step: int, cls: int, muted: bool, small: QFont) -> None:
        """A hit: its cell dim in its instrument's colour, filled from the bottom as high as it is loud (127
        fills it), with its velocity written in it when the cell is wide enough."""
        r = self.cell_rect(step, cls)
        vel = int(self.velocities[step, cls])
        p.setPen(Qt.PenStyle.NoPen)
        if not vel:
            p.setBrush(theme.CELL_BEAT if (step // 4) % 2 == 0 else theme.CELL)
            p.drawRoundedRect(r, 5, 5)
            return
        c = QColor(theme.CLASS_COLOURS[cls])
        c.setAlphaF(0.22 if not muted else 0.12)
        p.setBrush(c)
        p.drawRoundedRect(r, 5, 5)
        c.setAlphaF(1.0 if not muted else 0.3)
        p.setBrush(c)
        level = max(3.0, r.height() * vel / 127)
        p.drawRoundedRect(QRectF(r.left(), r.bottom() - level, r.width(), level), 4, 4)
        off = float(self.offsets[step, cls]) if self.offsets is not None else 0.0
        if abs(off) >= 0.02:  # early (left) or late (right) of the step, to scale: a tick along the top edge,
            x = r.center().x() + off * r.width()  # clear of the velocity's number
            p.setBrush(theme.TEXT)
            p.drawRect(QRectF(x - 1, r.top() + 1, 2, min(6.0, r.height() / 4)))
        if r.width() >= 20 and r.height() >= 16:
            over_fill = level > r.height() / 2 + 5
            p.setFont(small)
            p.setPen(theme.BACKGROUND if over_fill and not muted else theme.TEXT)
            p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(vel))
        if cls in self.flags["lock"]:
            p.setPen(theme.ACCENT)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 5, 5)

    # --- mouse ----------------------------------------------------------------------------------------------
    def mousePressEvent(self, e: QMouseEvent) -> None:
        pos = e.position()
        for flag in FLAGS:
            for cls in range(NUM_CLASSES):
                if self.flag_rect(flag, cls).contains(pos):
                    self.flag_toggled.emit(flag, cls)
                    return
        cell = self.cell_at(pos.x(), pos.y())
        if cell is None or self.read_only:
            return
        step, cls = cell
        self._press = (pos.x(), pos.y(), step, cls)
        self._gesture = None
        self._drag_on = not bool(self.velocities[step, cls])
        self._dragged = [cell]

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._press is None:
            return
        x0, y0, step, cls = self._press
        x, y = e.position().x(), e.position().y()
        if self._gesture is None:
            self._gesture = drag_gesture(not self._drag_on, x - x0, y - y0)
            self._start_velocity = int(self.velocities[step, cls])
        if self._gesture == "velocity":
            velocity = dragged_velocity(self._start_velocity, y - y0)
            if velocity != int(self.velocities[step, cls]):
                self.velocity_changed.emit(step, cls, velocity)
            return
        cell = self.cell_at(x, y)
        if cell is not None and cell not in self._dragged:
            self._dragged.append(cell)

    def mouseReleaseEvent(self, _: QMouseEvent) -> None:
        if self._gesture != "velocity" and self._drag_on is not None and self._dragged:
            self.cells_painted.emit(list(self._dragged), self._drag_on)
        self._press, self._gesture, self._drag_on, self._dragged = None, None, None, []

    def wheelEvent(self, e) -> None:
        cell = self.cell_at(e.position().x(), e.position().y())
        notches = e.angleDelta().y() / 120
        if cell is None or self.read_only or not self.velocities[cell] or not notches:
            e.ignore()
            return
        fine = bool(e.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        velocity = wheeled_velocity(int(self.velocities[cell]), notches, fine)
        if velocity != int(self.velocities[cell]):
            self.velocity_changed.emit(cell[0], cell[1], velocity)
        e.accept()


class BarStrip(QWidget):
    """The bars of the pattern: click one to show it; the bar playing now is framed in green, with how far
    through it the playhead is, so it stays in sight when another bar is shown. A bar holding a fill has a mark
    along its top."""

    bar_chosen = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.bars, self.shown, self.playing, self.playing_step = 1, 0, -1, -1
        self.hit_counts: list[int] = [0]
        self.fills: frozenset[int] = frozenset()
        self.setFixedHeight(34)

    def set_state(self, bars: int, shown: int, hit_counts: list[int], fills: Sequence[int] = ()) -> None:
        """The bars, the one shown, each bar's hit count (a level under its number) and the bars holding a fill."""
        self.bars, self.shown, self.hit_counts, self.fills = bars, shown, hit_counts, frozenset(fills)
        self.update()

    def set_playing(self, bar: int, step: int = -1) -> None:
        """The bar that sounds (-1: stopped) and its step: marked whichever bar is shown."""
        if (bar, step) != (self.playing, self.playing_step):
            self.playing, self.playing_step = bar, step
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
            if i in self.fills:  # a fill: a mark along the bar's top
                p.setBrush(theme.FILL)
                p.drawRoundedRect(QRectF(r.left() + 4, r.top() + 2, r.width() - 8, 3), 1.5, 1.5)
            p.setPen(theme.BACKGROUND if i == self.shown else theme.TEXT)
            p.drawText(r.adjusted(0, -3, 0, -3), Qt.AlignmentFlag.AlignCenter, str(i + 1))
            if i == self.playing:  # a green frame, and how far through the bar it is
                p.setPen(QPen(theme.PLAYING, 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 5, 5)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(theme.PLAYING)
                done = (self.playing_step + 1) / STEPS_PER_BAR if self.playing_step >= 0 else 0
                p.drawRoundedRect(QRectF(r.left() + 4, r.bottom() - 5, (r.width() - 8) * done, 3), 1.5, 1.5)
        p.end()

    def mousePressEvent(self, e: QMouseEvent) -> None:
        for i in range(self.bars):
            if self._rect(i).contains(e.position()):
                self.bar_chosen.emit(i)
