"""The window fits half a 1920 screen: the installed app on a real X server (Xvfb) tells the window manager a
minimum size of at most 960x640 (WM_NORMAL_HINTS, read with xprop, as a window manager reads it)."""

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from soak_app import App, app_command
from xvfb import XServer, missing_x_tools

pytestmark = pytest.mark.skipif(bool(missing_x_tools()) or shutil.which("xprop") is None
                                or not app_command().exists(), reason="needs Xvfb, xdotool, xprop and the app")


def test_the_window_s_minimum_size_is_at_most_960x640(tmp_path):
    import subprocess

    with XServer() as x, tempfile.TemporaryDirectory(dir=tmp_path) as folder:
        app = App(Path(folder), x.display, {})
        try:
            window = app.wait_for_window(120)
            hints = subprocess.run(["xprop", "-id", str(window), "WM_NORMAL_HINTS"], capture_output=True, text=True,
                                   env={"DISPLAY": x.display}).stdout
        finally:
            app.close()
    found = re.search(r"program specified minimum size: (\d+) by (\d+)", hints)
    assert found, hints
    width, height = int(found.group(1)), int(found.group(2))
    assert width <= 960 and height <= 640, hints
