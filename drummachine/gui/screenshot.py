"""Render the window as a musician sees it and save three PNGs (run under Xvfb by scripts/screenshot.sh):

- OUT (docs/screenshot.png): a 16-bar groove at seed 7, six candidates (one auditioned), the Morph tab with
  both slots filled (the groove shown is A), the kick locked and a playhead;
- OUT's name + "_knobs" (docs/screenshot_knobs.png): the "Feel and knobs" tab with two knobs turned and,
  when the model has fills, a fill every 8 bars (the bar strip marks the fill bars, the grid shows one);
- OUT's name + "_pad" (docs/screenshot_pad.png): the Pad tab, its four corners filled (the groove, two
  samples, a candidate), the pad on, a path recorded and the dot moved off it.

Everything is done through the window's and the studio's public methods, without a MIDI port (api=None), so
nothing plays.

    python -m drummachine.gui.screenshot docs/screenshot.png [--model DIR] [--size 1280x800]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

SEED = 7
CANDIDATES = 6
AUDITIONED = 1  # the candidate shown as being heard (0-based)
KNOBS = (("density", 1.2), ("syncopation", -0.8))  # turned when the model has them (else its first two)
FILL_EVERY = 8


def sibling(out: Path, suffix: str) -> Path:
    """docs/screenshot.png -> docs/screenshot_knobs.png"""
    return out.with_name(f"{out.stem}_{suffix}{out.suffix}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path, help="the main view's PNG; the knobs' and the pad's are written beside it")
    ap.add_argument("--model", type=Path)
    ap.add_argument("--size", default="1280x800")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from drummachine.gui.app import create_window

    app = QApplication(sys.argv)
    config = Path(tempfile.mkdtemp(prefix="drummachine-shot-"))
    window = create_window(args.model, config, api=None)
    studio, pad = window.studio, window.studio.pad
    w, h = (int(x) for x in args.size.split("x"))
    window.resize(w, h)
    window.show()

    def settle(seconds: float = 0.3) -> None:
        """Let the studio's worker finish and the window draw what it landed."""
        end = time.monotonic() + seconds
        while time.monotonic() < end or window.pending:
            app.processEvents()
            time.sleep(0.01)

    def shoot(out: Path) -> None:
        settle(0.5)
        out.parent.mkdir(parents=True, exist_ok=True)
        screen = window.screen()
        image = screen.grabWindow(window.winId()) if screen else window.grab()
        if image.isNull():
            image = window.grab()
        image.save(str(out))
        print(f"wrote {out} ({image.width()}x{image.height()})")

    def tab(title: str) -> None:
        for i in range(window.panels.count()):
            if window.panels.tabText(i) == title:
                window.panels.setCurrentIndex(i)
                return
        raise SystemExit(f"no {title!r} tab in the window")

    settle()
    if studio.engine is None:
        print(f"no model: {studio.notice}", file=sys.stderr)
        return 1

    # 1. The main view: a 16-bar groove at seed 7, candidates (one heard), the morph slots, the kick locked.
    window.fixed_seed.setChecked(True)
    window.seed.setValue(SEED)
    window.bars.setCurrentText("16")
    window.temperature.setValue(studio.engine.default_temperature)  # as a musician finds it: the tuned default
    settle()
    window.generate()
    settle()
    window.fill_slot("A", "current")
    settle()
    window.fill_slot("B", "sample")
    settle()
    window.fixed_seed.setChecked(False)
    studio.flip("lock", 0)  # before the candidates: an edit of the groove stops an audition
    settle()
    window.candidate_count.setValue(CANDIDATES)
    window.generate_candidates()
    settle()
    studio.audition(AUDITIONED)
    settle()
    tab("Morph")
    window.grid.set_playhead(6)
    window.strip.set_playing(0, 6)
    shoot(args.out)
    window.grid.set_playhead(-1)
    window.strip.set_playing(-1)

    # 2. Feel and knobs: two knobs turned, a fill every 8 bars (when the model has fills), a fill bar shown.
    tab("Feel and knobs")
    names = studio.knob_names
    turns = [(n, v) for n, v in KNOBS if n in names] or [(n, v) for n, (_, v) in zip(names, KNOBS)]
    for name, value in turns:
        studio.set_knob(name, value)
        settle()
    if not studio.no_fills():
        studio.set_fill_every(FILL_EVERY)
        settle()
        fills = studio.fill_bars()
        if fills:
            studio.show_bar(fills[0])
            settle()
    else:
        print(f"fills not shown: {studio.no_fills()}", file=sys.stderr)
    shoot(sibling(args.out, "knobs"))

    # 3. The pad: corners from the groove, two samples and a candidate; on; a path recorded; the dot moved.
    studio.show_bar(0)
    tab("Pad")
    pad.fill_corner(0, "current")
    pad.fill_corner(1, "sample")
    settle()
    pad.fill_corner(2, "sample")
    settle()
    pad.fill_corner(3, "candidate", candidate=AUDITIONED)
    settle()
    if not pad.set_live(True):
        print(f"the pad did not switch on: {studio.notice}", file=sys.stderr)
    pad.record(True)
    for i in range(41):  # a loop from near the top left round the middle, as a hand would drag it
        u = i / 40
        a = 2 * math.pi * u
        r = 0.32 - 0.1 * u
        pad.move(0.5 - r * math.cos(a) + 0.08 * math.sin(3 * a), 0.5 - r * math.sin(a))
        app.processEvents()
        time.sleep(0.03)
    pad.record(False)
    pad.move(0.62, 0.42)  # the dot moved off the path, inside its loop
    settle()
    window.pad_widget.refresh()
    shoot(sibling(args.out, "pad"))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
