"""`drummachine`: the app with no arguments; `generate`, `morph`, `play` and `ports` headless."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from drummachine.clip import ClipWriteError, write_clip
from drummachine.midi_reader import MidiReadError, read_groove
from drummachine.model_files import ModelError
from drummachine.ports import PortError
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


def cmd_ports(args: argparse.Namespace) -> int:
    from drummachine.ports import compiled_apis, list_ports, pick_api

    api = pick_api(args.api)
    print(f"MIDI API: {api} (compiled: {', '.join(compiled_apis())})")
    print("outputs (drummachine can play into):")
    for name in list_ports(api, "in"):
        print(f"  {name}")
    print("inputs (drummachine can follow the clock of):")
    for name in list_ports(api, "out"):
        print(f"  {name}")
    return 0


def cmd_play(args: argparse.Namespace) -> int:
    import signal
    import threading

    from drummachine import note_maps
    from drummachine.bar_sources import GrooveSource, LoopSource, MorphSource
    from drummachine.player import Player, PlayerSettings
    from drummachine.ports import MidiInput, MidiOutput, pick_api

    api = pick_api(args.api)
    settings = PlayerSettings(bpm=args.bpm, swing=args.swing, gate=args.gate, channel=args.channel - 1,
                              note_map=note_maps.resolve(args.note_map), send_clock=not args.no_clock)
    if args.pattern:
        source, what = LoopSource(read_groove(args.pattern, 16)), f"{args.pattern.name} looped"
    else:
        engine = _engine(args)
        if args.morph:
            a, b = (read_groove(p, args.bars) for p in args.morph)
            source = MorphSource(engine, engine.encode(a), engine.encode(b), args.morph_bars, min(args.bars, a.bars),
                                 args.temperature, args.seed or 0)
            what = f"morph {args.morph[0].name} -> {args.morph[1].name} over {args.morph_bars} bars"
        else:
            from drummachine.engine import new_seed

            seed = new_seed() if args.seed is None else args.seed
            source = GrooveSource(engine, engine.random_latent(seed), args.bars, args.temperature, seed)
            what = f"{args.bars} bars, seed {seed}, temperature {args.temperature}"
    faults = lambda f: print(f"[{f.kind}] {f.message}", file=sys.stderr, flush=True)  # noqa: E731
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with Player(lambda: MidiOutput(api, args.port), source, settings, on_fault=faults) as player:
        if args.follow:
            player.follow(lambda cb: MidiInput(api, args.follow, cb))
            print(f"following the clock of {args.follow}; playing {what} on {player.output_name} ({api})", flush=True)
        else:
            player.start()
            print(f"playing {what} at {args.bpm:g} BPM on {player.output_name} ({api}); Ctrl-C stops", flush=True)
        try:
            done.wait(args.duration)
        except KeyboardInterrupt:
            pass
        player.stop()
    return 0


def cmd_note_map(args: argparse.Namespace) -> int:
    from drummachine import note_maps

    if args.name and args.notes:
        path = note_maps.save_user_map(args.name, note_maps.resolve(args.notes))
        print(f"saved note map {args.name!r} in {path}")
        return 0
    for name, notes in note_maps.all_maps().items():
        print(f"{name:<24} " + "  ".join(f"{c}={n}" for c, n in zip(CLASS_NAMES, notes)))
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
    pl = sub.add_parser("play", help="play live into a MIDI port (a virtual 'Drum Machine' port by default)")
    pl.add_argument("--port", help="an existing output port to play into, instead of the virtual port")
    pl.add_argument("--api", choices=["alsa", "jack", "coremidi", "windowsmm"], help="force a MIDI API")
    pl.add_argument("--bars", type=int, default=16, help="length of the loop (1-16)")
    pl.add_argument("--seed", type=int)
    pl.add_argument("--temperature", type=float, default=0.8)
    pl.add_argument("--morph", type=Path, nargs=2, metavar=("A.mid", "B.mid"), help="morph from A to B while playing")
    pl.add_argument("--morph-bars", type=int, default=8, help="bars the morph takes")
    pl.add_argument("--pattern", type=Path, help="loop this MIDI file's drums instead of generating")
    pl.add_argument("--duration", type=float, help="seconds to play (default: until Ctrl-C)")
    pl.add_argument("--channel", type=int, default=10, choices=range(1, 17), metavar="1-16")
    pl.add_argument("--note-map", default="General MIDI", help="preset or saved map name, or 9 notes 36,38,...")
    pl.add_argument("--swing", type=float, default=50.0, help="50 (straight) to 75 percent")
    pl.add_argument("--gate", type=float, default=0.5, help="note length, fraction of a 16th")
    pl.add_argument("--no-clock", action="store_true", help="do not send MIDI clock and Start/Stop")
    pl.add_argument("--follow", metavar="INPUT", help="follow the MIDI clock of this input port (DAW as master)")
    _add_model_options(pl)
    pl.set_defaults(run=cmd_play)
    nm = sub.add_parser("note-map", help="list note maps, or save your own: note-map NAME 36,38,42,46,45,48,50,49,51")
    nm.add_argument("name", nargs="?")
    nm.add_argument("notes", nargs="?", help="9 notes in class order: " + ", ".join(CLASS_NAMES))
    nm.set_defaults(run=cmd_note_map)
    po = sub.add_parser("ports", help="list MIDI ports")
    po.add_argument("--api", choices=["alsa", "jack", "coremidi", "windowsmm"])
    po.set_defaults(run=cmd_ports)
    return ap


def has_display() -> bool:
    import os

    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("win32", "darwin")


def open_app_or_generate(parser: argparse.ArgumentParser) -> int:
    """No arguments: the window where there is a screen; else a groove written headless, and how to do more."""
    if has_display():
        try:
            from drummachine.gui.app import run_app
        except ImportError as exc:
            print(f"drummachine: the window cannot start ({exc}); writing a groove instead", file=sys.stderr)
        else:
            return run_app()
    print("no display: writing a 16-bar groove headless (drummachine --help lists everything)")
    return parser.parse_args(["generate"]).run(parser.parse_args(["generate"]))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        return open_app_or_generate(parser)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except (ModelError, MidiReadError, ClipWriteError, PortError, ValueError) as exc:
        print(f"drummachine: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
