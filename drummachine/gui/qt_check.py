"""Refuse to start on a Qt binding that corrupts Python's reference counts.

PySide6 6.12.0 on Python < 3.12 drops one reference to `None` on every Qt call that returns nothing
(QPainter.setPen, QColor.setAlphaF, ...). Each paint of the grid costs about 570 references and Python
aborts with `none_dealloc` within a minute of use. pyproject keeps that combination from installing; this
check catches any other way it gets in (a hand-installed wheel, a later release with the same fault) and
says so in one sentence instead of crashing mid-performance.
"""

from __future__ import annotations

import sys


class QtBindingError(RuntimeError):
    """The installed PySide6 cannot run the window safely on this Python."""


def none_refcount_drift(calls: int = 200) -> int:
    """How many references to None `calls` void Qt calls lose (0 on a sound binding)."""
    from PySide6.QtGui import QColor

    color = QColor(10, 20, 30)
    before = sys.getrefcount(None)
    for _ in range(calls):
        color.setAlphaF(0.5)
    return before - sys.getrefcount(None)


def check_qt_binding() -> None:
    """Raise QtBindingError when void Qt calls leak references to None (immortal from Python 3.12)."""
    if sys.version_info >= (3, 12):
        return
    lost = none_refcount_drift()
    if lost > 20:  # a sound binding loses none; the faulty one loses one per call
        import PySide6

        raise QtBindingError(
            f"PySide6 {PySide6.__version__} on Python {sys.version_info.major}.{sys.version_info.minor} loses a "
            f"reference to None on every Qt call ({lost} in 200) and would crash the window: install "
            f"'PySide6-Essentials<6.12' or use Python 3.12 or newer."
        )
