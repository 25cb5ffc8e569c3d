"""Fills for a model with a code per bar: where the drummers' fills lie from their beats in the bar-code space.

GMD marks each performance as a beat or a fill. A fill file is a bar or two in which the drummer plays one
fill (the bar with the most hits is the fill; the rest is the run-up or silence). The fill direction is the
mean bar code of those fill bars minus the mean bar code of the training beat bars. The landing direction:
drummers end fills inside the beat performances too (a bar with three or more tom hits and more toms than
the bars before and after it), and the bar after such a bar is where they land; its mean code minus the beat
bars' is the landing direction. Only train-split files are read.

    python -m export.fills --model assets/model --data data/gmd --midi ../shared/data/groove-midi
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.model import format as fmt
from export.knobs import training_codes

TOMS = [4, 5, 6]
MIN_FILL_HITS = 4  # a fill file's fullest bar with fewer hits than this is no fill
TOM_FILL_HITS = 3  # a beat bar with this many tom hits is a fill inside a performance


def fill_file_bars(midi_root: Path) -> list[np.ndarray]:
    """The fill bar (16, 9) hits of every train-split fill file under a GMD folder."""
    from drummachine.midi.reader import MidiReadError, read_drum_midi
    from trainer.dataset import DatasetConfig
    from trainer.splits import assign_split, read_listed_splits, read_listed_styles

    listed, kinds = read_listed_splits(midi_root), read_listed_styles(midi_root)
    cfg = DatasetConfig()
    out = []
    for rel, (_, kind) in sorted(kinds.items()):
        if kind != "fill" or assign_split(rel, listed.get(rel), cfg.test_fraction, cfg.valid_fraction) != "train":
            continue
        try:
            hits = read_drum_midi(midi_root / rel).as_pattern().hits
        except (MidiReadError, ValueError):
            continue
        if len(hits) == 0:
            continue
        fullest = hits[int(hits.sum(axis=(1, 2)).argmax())]
        if fullest.sum() >= MIN_FILL_HITS:
            out.append(fullest)
    return out


def beat_and_landing_bars(hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """From beat windows (N, bars, 16, 9): every bar, and the bars that follow a fill played inside the beat."""
    toms = hits[..., TOMS].sum(axis=(2, 3))  # (N, bars)
    before = np.pad(toms, ((0, 0), (1, 0)))[:, :-1]
    after = np.pad(toms, ((0, 0), (0, 1)))[:, 1:]
    fill = (toms >= TOM_FILL_HITS) & (toms > before) & (toms > after)
    fill[:, 0] = False  # the bar before it is outside the window
    fill[:, -1] = False  # its landing is outside the window
    landing = np.roll(fill, 1, axis=1)
    return hits.reshape(-1, STEPS_PER_BAR, NUM_CLASSES), hits[landing]


def bar_codes(engine, bars: np.ndarray) -> np.ndarray:
    """Codes of single bars (N, 16, 9) through a per-bar encoder: (N, bar_latent)."""
    tokens = np.stack([Pattern.from_hits(b[None]).tokens() for b in bars])
    return training_codes(engine, tokens, batch=1024, progress=lambda m: None)


def fill_directions(engine, windows, midi_root: Path, limit: int = 40_000, progress=print) -> dict:
    """fill, landing (bar_latent,) and how many bars each came from."""
    if not engine.bar_latent:
        raise ValueError(f"the model in {engine.model.folder} has one code for all its bars: fills need a code per bar")
    kinds = np.asarray(windows.file_kind)[windows.file_index] if windows.file_kind is not None else None
    beat = windows.velocities > 0 if kinds is None else windows.velocities[kinds == "beat"] > 0
    beat = beat.reshape(len(beat), -1, STEPS_PER_BAR, NUM_CLASSES)
    beat_bars, landing_bars = beat_and_landing_bars(beat)
    rng = np.random.default_rng(0)
    beat_bars = beat_bars[rng.permutation(len(beat_bars))[:limit]]
    progress(f"reading fill files under {midi_root}")
    fills = fill_file_bars(midi_root)
    if len(fills) < 20 or len(landing_bars) < 20:
        raise ValueError(f"too few fills to learn from ({len(fills)} fill bars, {len(landing_bars)} landings)")
    progress(f"encoding {len(beat_bars)} beat bars, {len(fills)} fill bars, {len(landing_bars)} landing bars")
    beat_mean = bar_codes(engine, beat_bars).mean(axis=0)
    return {"fill": bar_codes(engine, np.stack(fills)).mean(axis=0) - beat_mean,
            "landing": bar_codes(engine, landing_bars).mean(axis=0) - beat_mean,
            "counts": {"beat_bars": int(len(beat_bars)), "fill_bars": int(len(fills)),
                       "landing_bars": int(len(landing_bars))}}


def main(argv: list[str] | None = None) -> int:
    from drummachine.model.engine import Engine
    from trainer.dataset import load_windows

    ap = argparse.ArgumentParser(prog="python -m export.fills", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="the model folder to add fills.npz to")
    ap.add_argument("--data", type=Path, required=True, help="the dataset the model was trained on")
    ap.add_argument("--midi", type=Path, required=True, help="the GMD folder (info.csv marks beat and fill files)")
    args = ap.parse_args(argv)
    try:
        engine = Engine(args.model)
        windows = load_windows(args.data, engine.bars, "train")
        found = fill_directions(engine, windows, args.midi, progress=lambda m: print(m, flush=True))
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = args.model / fmt.FILLS
    np.savez(path, fill=found["fill"].astype(np.float32), landing=found["landing"].astype(np.float32))
    model_json = args.model / fmt.INFO
    if model_json.is_file():
        from export.model_card import refresh_card

        data = json.loads(model_json.read_text())
        data["fills"] = found["counts"]
        model_json.write_text(json.dumps(data, indent=1))
        refresh_card(args.model)
    print(f"fill |vector| {np.linalg.norm(found['fill']):.2f}, landing |vector| {np.linalg.norm(found['landing']):.2f} "
          f"({json.dumps(found['counts'])}); wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
