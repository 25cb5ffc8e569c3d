"""`drummachine`: the app with no arguments; `generate`, `morph`, `play` and `ports` headless."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from drummachine.clip import ClipWriteError, write_clip
from drummachine.midi_reader import MidiReadError, read_drum_midi
from drummachine.model_files import ModelError
from drummachine.pattern import Pattern
from drummachine.vocabulary import CLASS_NAMES


def _engine(args: argparse.Namespace):
    from drummachine.engine import Engine

    return Engine(args.model, threads=args.threads)


def parse_classes(text: str) -> frozenset[int]:
    """'kick,snare' or '0,1' -> class indices."""
    names = {n.replace(" ", ""): i for i, n in enumerate(CLASS_NAMES)}
    out = set()
    for part in filter(None, (p.strip().lower().replace(" ", "") for p in text.split(","))):
        if part.isdigit() and int(part) < len(CLASS_NAMES):
            out.add(int(part))
        elif part in names:
            out.add(names[part])
        else:
            raise ValueError(f"unknown instrument {part!r}: use {', '.join(CLASS_NAMES)}")
    return frozenset(out)


def read_groove(path: Path, bars: int) -> Pattern:
    """The first `bars` bars of the 4/4 drums in a MIDI file."""
    pattern = read_drum_midi(path).as_pattern()
    return pattern.bar_slice(0, min(bars, pattern.bars))


def cmd_generate(args: argparse.Namespace) -> int:
    from drummachine.engine import Lock

    engine = _engine(args)
    lock = None
    if args.lock:
        if not args.lock_from:
            raise ValueError("--lock needs --lock-from FILE.mid, the groove whose hits are kept")
        lock = Lock(read_groove(args.lock_from, args.bars), parse_classes(args.lock))
    started = time.perf_counter()
    groove = engine.sample(args.bars, args.temperature, args.seed, lock)
    ms = (time.perf_counter() - started) * 1000
    write_clip(groove.pattern, args.output, bpm=args.bpm, track_name=f"drummachine seed {groove.seed}")
    print(f"wrote {args.output}: {args.bars} bars, seed {groove.seed}, temperature {args.temperature}, "
          f"{args.bpm:g} BPM, {int(groove.pattern.hits.sum())} hits ({ms:.1f} ms on {engine.provider})")
    return 0


def cmd_morph(args: argparse.Namespace) -> int:
    engine = _engine(args)
    a, b = read_groove(args.a, args.bars), read_groove(args.b, args.bars)
    started = time.perf_counter()
    parts = engine.interpolate(a, b, args.steps, args.bars, args.temperature, args.seed)
    ms = (time.perf_counter() - started) * 1000
    write_clip(parts, args.output, bpm=args.bpm, track_name=f"morph {args.a.stem} to {args.b.stem}")
    print(f"wrote {args.output}: {args.steps} steps of {args.bars} bars from {args.a.name} to {args.b.name} "
          f"({args.steps * args.bars} bars, {ms:.1f} ms)")
    return 0


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", type=Path, help="model folder (default: the bundled assets/model)")
    p.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    p.add_argument("--bpm", type=float, default=120.0)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="drummachine", description="A generative drum machine.")
    sub = ap.add_subparsers(dest="command")
    g = sub.add_parser("generate", help="sample a new groove and write it as a MIDI clip")
    g.add_argument("--bars", type=int, default=16)
    g.add_argument("--seed", type=int, help="same seed, same groove (default: a new one, printed)")
    g.add_argument("--temperature", type=float, default=0.8, help="0 is the most likely groove; higher is wilder")
    g.add_argument("--lock", help="instruments to keep from --lock-from, e.g. kick,snare")
    g.add_argument("--lock-from", type=Path, help="MIDI file whose locked instruments are kept")
    g.add_argument("-o", "--output", type=Path, default=Path("groove.mid"))
    _add_model_options(g)
    g.set_defaults(run=cmd_generate)
    m = sub.add_parser("morph", help="interpolate from one groove to another, as one MIDI clip")
    m.add_argument("a", type=Path)
    m.add_argument("b", type=Path)
    m.add_argument("--steps", type=int, default=8)
    m.add_argument("--bars", type=int, default=2, help="bars of each step (and taken from A and B)")
    m.add_argument("--temperature", type=float, default=0.0)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("-o", "--output", type=Path, default=Path("morph.mid"))
    _add_model_options(m)
    m.set_defaults(run=cmd_morph)
    return ap


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (ModelError, MidiReadError, ClipWriteError, ValueError) as exc:
        print(f"drummachine: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
