"""The window must not corrupt Python's reference counts: PySide6 6.12.0 on Python 3.11 lost a reference to
None on every void Qt call, and the window aborted (none_dealloc) after about a minute of use."""

import sys

import pytest

pytest.importorskip("pytestqt")

from drummachine.gui.app import create_window  # noqa: E402
from drummachine.gui.qt_check import check_qt_binding, none_refcount_drift  # noqa: E402

needs_mortal_none = pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")


def test_the_installed_binding_passes_the_start_up_check():
    check_qt_binding()  # raises on a binding that leaks
    if sys.version_info < (3, 12):
        assert none_refcount_drift(1000) == 0


@needs_mortal_none
def test_a_thousand_paints_of_the_grid_and_the_window_leave_none_alone(qtbot, tiny_model, tmp_path):
    w = create_window(tiny_model, tmp_path / "config", api=None)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.pending == 0, timeout=10000)
    for _ in range(5):  # warm caches (fonts, pixmaps) before counting
        w.grid.repaint()
        w.repaint()
    before = sys.getrefcount(None)
    for _ in range(1000):
        w.grid.repaint()
        w.repaint()
    drift = before - sys.getrefcount(None)
    w.close()
    assert abs(drift) < 50, f"None lost {drift} references over 1,000 paints"
