"""Render the window as a musician sees it and save a PNG (run under Xvfb by scripts/screenshot.sh).

    python -m drummachine.gui.screenshot docs/screenshot.png [--model DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--size", default="1280x800")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from drummachine.gui.app import create_window

    app = QApplication(sys.argv)
    config = Path(tempfile.mkdtemp(prefix="drummachine-shot-"))
    window = create_window(args.model, config, api=None)
    w, h = (int(x) for x in args.size.split("x"))
    window.resize(w, h)
    window.show()

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end or window.pending:
            app.processEvents()
            time.sleep(0.01)

    settle()
    window.fixed_seed.setChecked(True)
    window.seed.setValue(7)
    window.bars.setCurrentText("4")
    window.temperature.setValue(0.6)
    window.generate()
    settle()
    window.fill_slot("A", "current")
    settle()
    window.fill_slot("B", "sample")
    settle()
    window.fixed_seed.setChecked(False)
    window.morph_slider.blockSignals(True)
    window.morph_slider.setValue(35)
    window.morph_slider.blockSignals(False)
    window.morph_label.setText("35% of the way from A to B")
    window._flag("lock", 0)
    window.grid.set_playhead(6)
    window.strip.set_playing(0)
    settle(0.5)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    screen = window.screen()
    image = screen.grabWindow(window.winId()) if screen else window.grab()
    if image.isNull():
        image = window.grab()
    image.save(str(args.out))
    print(f"wrote {args.out} ({image.width()}x{image.height()})")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
