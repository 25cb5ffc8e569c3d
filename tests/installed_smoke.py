"""Smoke-test an installed drummachine (run by that install's Python, from a folder outside the repo).

    /tmp/venv/bin/python tests/installed_smoke.py OUT_DIR    # prints one JSON line of what it saw

Generates a clip with the console script, reads it back, opens and paints the window offscreen. Exits
non-zero with one sentence on the first thing that fails. tests/test_python_versions.py runs it per Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def generate_clip(out: Path) -> Path:
    clip = out / "smoke.mid"
    script = Path(sys.executable).parent / "drummachine"
    done = subprocess.run([str(script), "generate", "--bars", "4", "--seed", "7", "-o", str(clip)],
                          capture_output=True, text=True)
    if done.returncode != 0 or not clip.exists():
        raise SystemExit(f"drummachine generate failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return clip


def paint_window(out: Path) -> tuple[int, int, int]:
    """Width, height and distinct colours of the window grabbed offscreen."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from drummachine.gui.app import create_window
    from drummachine.gui.qt_check import check_qt_binding

    app = QApplication.instance() or QApplication([])
    check_qt_binding()
    window = create_window(config=out / "config", api=None)
    window.show()
    app.processEvents()
    image = window.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    window.close()
    return image.width(), image.height(), len(colours)


def main() -> int:
    out = Path(sys.argv[1])
    clip = generate_clip(out)
    from drummachine.midi.reader import read_groove

    groove = read_groove(clip)
    width, height, colours = paint_window(out)
    import onnxruntime
    import PySide6

    print(json.dumps({"python": sys.version.split()[0], "pyside6": PySide6.__version__,
                      "onnxruntime": onnxruntime.__version__, "bars": groove.bars,
                      "hits": int(groove.hits.sum()), "window": [width, height], "colours": colours}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
