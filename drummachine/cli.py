"""`drummachine`: the app with no arguments; `generate`, `morph`, `play` and `ports` headless."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

from drummachine import limits
from drummachine.midi.clip import ClipWriteError, write_clip
from drummachine.midi.reader import MidiReadError, read_groove
from drummachine.model.fills import FILL_EVERY
from drummachine.model.folder import ModelError
from drummachine.midi.ports import PortError
from drummachine.groove.vocabulary import CLASS_NAMES

if TYPE_CHECKING:  # the live player and Link load only when `play` runs
    import threading

    from drummachine.live.link_clock import LinkClock
    from drummachine.live.player import BarSource, Player
    from drummachine.model.engine import Engine


class _Parser(argparse.ArgumentParser):
    """argparse that raises its errors, so `main` reports every bad flag as one 'drummachine: ...' sentence."""

    def error(self, message: str):
        raise argparse.ArgumentError(None, message)


def ranged(flag: str, of: limits.Range) -> Callable[[str], limits.Number]:
    """An argparse type from the limits table: '--bpm must be between 40 and 300 BPM (got 0)'."""

    def parse(text: str) -> limits.Number:
        try:
            return of.check(flag, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


def output_file(text: str) -> Path:
    """-o/--output: a file name (an empty one would name the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the output file name is empty (-o/--output)")
    return Path(text)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _engine(args: argparse.Namespace):
    from drummachine.model.engine import Engine

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


def parse_knobs(items: list[str], engine) -> dict[str, float]:
    """--knob density=1.5 --knob kick=-1 -> {name: position}, each checked against the model's knobs."""
    knobs = engine.model.knobs
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--knob {item!r}: write NAME=POSITION, e.g. --knob density=1.5")
        if knobs is None:
            raise ValueError(f"--knob: the model in {engine.model.folder} has no knobs")
        try:
            position = float(value)
        except ValueError:
            raise ValueError(f"--knob {item!r}: the position must be a number from -2 to 2") from None
        out[name.strip()] = knobs.check(name.strip(), position)
    return out


def cmd_generate(args: argparse.Namespace) -> int:
    """Through the studio, as the window's Generate: the same lock, feel and clip rules."""
    from drummachine.groove.take import Take
    from drummachine.studio.session import Session, Settings
    from drummachine.studio.studio import Studio

    if args.lock_from and not args.lock:
        raise ValueError("--lock-from needs --lock, the instruments to keep from it (e.g. --lock kick,snare)")
    if args.lock and not args.lock_from:
        raise ValueError("--lock needs --lock-from FILE.mid, the groove whose hits are kept")
    engine = _engine(args)
    args.temperature = model_temperature(args.temperature, engine)
    settings = Settings(bpm=args.bpm, temperature=args.temperature, bars=args.bars, feel_amount=args.feel,
                        feel_seed=args.feel_seed, knobs=parse_knobs(args.knob, engine))
    studio = Studio(engine, Session(settings=settings), api=None)  # nothing of the user's session is touched
    if not studio.set_fill_every(args.fill_every):
        raise ValueError(f"--fill-every {args.fill_every}: {studio.notice}")
    if args.lock:
        studio.session.commit(Take(read_groove(args.lock_from, args.bars), label="file"))
        studio.session.settings.bars = args.bars
        for cls in parse_classes(args.lock):
            studio.flip("lock", cls)
    started = time.perf_counter()
    studio.generate(args.seed)
    if studio.notice:  # a model failure, in one sentence
        raise ValueError(studio.notice)
    take = studio.session.take
    studio.write_clip(args.output, track_name=f"drummachine seed {take.seed}")
    ms = (time.perf_counter() - started) * 1000
    fills = f"a fill every {args.fill_every} bars, " if args.fill_every else ""
    print(f"wrote {args.output}: {plural(args.bars, 'bar')}, seed {take.seed}, temperature {args.temperature}, "
          f"{fills}{feel_words(studio.has_feel, args.feel)}, {args.bpm:g} BPM, {int(take.pattern.hits.sum())} hits ({ms:.1f} ms on {engine.provider})")
    return 0


def feel_words(has_feel: bool, amount: float) -> str:
    """How a clip was played, for the line a command prints."""
    if has_feel and amount:
        return f"feel {amount:g}"
    return "on the grid" + (" (this model has no feel)" if amount else "")


def cmd_humanize(args: argparse.Namespace) -> int:
    from drummachine.midi.reader import read_drum_midi
    from drummachine.model.feel import FeelSettings

    engine = _engine(args)
    if engine.model.feel is None:
        raise ValueError(f"the model in {engine.model.folder} has no feel model (feel.onnx): humanize needs one")
    take = read_drum_midi(args.input)
    bpm = args.bpm if args.bpm is not None else take.bpm
    pattern = engine.model.feel.apply(take.as_pattern(), FeelSettings(args.amount, args.seed), bpm=bpm)
    write_clip(pattern, args.output, bpm=bpm, track_name=f"{args.input.stem} humanized")
    print(f"wrote {args.output}: {plural(pattern.bars, 'bar')} of {args.input.name} with "
          f"{feel_words(True, args.amount)}, seed {args.seed}, "
          f"{bpm:g} BPM, {int(pattern.hits.sum())} hits")
    return 0


def cmd_morph(args: argparse.Namespace) -> int:
    engine = _engine(args)
    a, b = read_groove(args.a, args.bars), read_groove(args.b, args.bars)
    started = time.perf_counter()
    if args.path == "steady":
        parts = engine.plan_morph(a, b, args.bars, seed=args.seed).steps(args.steps)
    else:
        parts = engine.interpolate(a, b, args.steps, args.bars, args.temperature, args.seed)
    ms = (time.perf_counter() - started) * 1000
    write_clip(parts, args.output, bpm=args.bpm, track_name=f"morph {args.a.stem} to {args.b.stem}")
    print(f"wrote {args.output}: {args.steps} steps of {plural(args.bars, 'bar')} from {args.a.name} to "
          f"{args.b.name} ({args.steps * args.bars} bars, {ms:.1f} ms)")
    return 0


def cmd_ports(args: argparse.Namespace) -> int:
    from drummachine.midi.ports import compiled_apis, list_ports, pick_api

    api = pick_api(args.api)
    print(f"MIDI API: {api} (compiled: {', '.join(compiled_apis())})")
    # rtmidi's output client lists the ports it can send to; its input client, those it can listen to
    print("ports drummachine can play into (--port):")
    for name in list_ports(api, "out"):
        print(f"  {name}")
    print("ports drummachine can follow the clock of (--follow):")
    for name in list_ports(api, "in"):
        print(f"  {name}")
    return 0


LINK_JOIN_S = 1.0  # Link apps on one network find each other within about half a second: look this long first
LINK_REPORT_S = 0.25  # how often `play --sync link` looks at the session's peers, tempo and transport


def cmd_play(args: argparse.Namespace) -> int:
    import contextlib
    import signal
    import threading

    from drummachine.midi import note_maps
    from drummachine.audio.choice import choice_from_args, open_player  # the built-in sound
    from drummachine.live.player import PlayerSettings
    from drummachine.midi.ports import MidiInput, MidiOutput, list_ports, pick_api

    if args.sync == "link" and args.follow:
        raise ValueError("--sync link and --follow cannot go together: play in a Link session, or follow a DAW's "
                         "MIDI clock")
    with contextlib.ExitStack() as held:
        # Link first: a missing extra is said before any port opens or model loads, and peers are found meanwhile
        link = held.enter_context(open_link_clock(args.bpm)) if args.sync == "link" else None
        _maps, notice = note_maps.read_user_maps()  # a damaged file is repaired (and kept aside), never fatal
        if notice:
            print(f"drummachine: {notice}", file=sys.stderr, flush=True)
        api = pick_api(args.api)
        for flag, name, kind in (("--port", args.port, "out"), ("--follow", args.follow, "in")):
            check_port(flag, name, list_ports(api, kind))
        settings = PlayerSettings(bpm=args.bpm, swing=args.swing, gate=args.gate, channel=args.channel - 1,
                                  note_map=note_maps.resolve(args.note_map), send_clock=not args.no_clock)
        source, what = _play_source(args)
        faults = lambda f: print(f"[{f.kind}] {f.message}", file=sys.stderr, flush=True)  # noqa: E731
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        say = lambda m: print(f"drummachine: {m}", file=sys.stderr, flush=True)  # noqa: E731
        player = held.enter_context(open_player(choice_from_args(args), lambda: MidiOutput(api, args.port), source,
                                                settings, say, on_fault=faults))
        try:
            if link is not None:
                _play_in_link(player, link, f"{what} on {player.output_name} ({api})", done, args.duration)
            elif args.follow:
                player.follow(lambda cb: MidiInput(api, args.follow, cb))
                print(f"following the clock of {args.follow}; playing {what} on {player.output_name} ({api})",
                      flush=True)
                done.wait(args.duration)
            else:
                player.start()
                print(f"playing {what} at {args.bpm:g} BPM on {player.output_name} ({api}); Ctrl-C stops", flush=True)
                done.wait(args.duration)
        except KeyboardInterrupt:
            pass
        if link is None:
            player.stop()
        else:  # closing the player (as we leave this block) leaves the session; the others play on
            staying = link.peers
    if link is not None:
        print("left the Link session" + (f"; {plural(staying, 'peer')} still in it" if staying else ""), flush=True)
    return 0


def _play_source(args: argparse.Namespace) -> tuple["BarSource", str]:
    """What `play` plays (a looped file, a generated groove, a morph), and the words for it."""
    from drummachine.live.sources import GrooveSource, LoopSource, MorphSource

    if args.pattern:
        return LoopSource(read_groove(args.pattern, 16)), f"{args.pattern.name} looped"
    engine = _engine(args)
    args.temperature = model_temperature(args.temperature, engine)
    if args.morph:
        a, b = (read_groove(p, args.bars) for p in args.morph)
        source = MorphSource(engine, engine.encode(a), engine.encode(b), args.morph_bars, min(args.bars, a.bars),
                             args.temperature, args.seed or 0)
        return source, f"morph {args.morph[0].name} -> {args.morph[1].name} over {args.morph_bars} bars"
    from drummachine.model.engine import new_seed
    from drummachine.model.feel import FeelSettings

    seed = new_seed() if args.seed is None else args.seed
    feel = FeelSettings(args.feel, args.feel_seed) if args.feel and engine.model.feel is not None else None
    repeats = engine.repeat_sources(seed, args.temperature, args.bars)
    source = GrooveSource(engine, engine.with_repeats(engine.random_latent(seed), repeats), args.bars, args.temperature,
                          seed, feel=feel, bpm=args.bpm, repeats=repeats)
    return source, f"{plural(args.bars, 'bar')}, seed {seed}, temperature {args.temperature}"


def _play_in_link(player: "Player", link: "LinkClock", what: str, done: "threading.Event",
                  duration: float | None) -> None:
    """Play `what` on `link` until `done` or `duration` seconds, saying what the session does meanwhile."""
    player.use_clock(link)  # the player owns it now: closing the player leaves the session
    peers = _join_link(link, LINK_JOIN_S)
    player.start()  # step 0 on the session's next bar line (quantum 4), or after 30 ms alone; if it plays, join it
    bpm = link.state(time.perf_counter_ns()).bpm
    company = f"with {plural(peers, 'peer')}" if peers else "alone (peers that join share its tempo and bars)"
    print(f"playing {what} in a Link session {company} at {bpm:g} BPM, bars on Link bar lines; Ctrl-C leaves the "
          "session", flush=True)
    _report_link(link, done, duration)


def open_link_clock(bpm: float) -> "LinkClock":
    """A LinkClock bringing `bpm` to the session (which keeps its own tempo if it has peers); a missing `link`
    extra is the user's to fix, so its one sentence goes out as a ValueError."""
    from drummachine.live.link_clock import LinkClock, LinkConfig, LinkUnavailable

    try:
        return LinkClock(LinkConfig(bpm=bpm))
    except LinkUnavailable as exc:
        raise ValueError(str(exc)) from None


def _join_link(link: "LinkClock", wait_s: float) -> int:
    """Wait up to `wait_s` for a first peer (unless one is there already), so that our start joins their bar lines
    rather than starting a session of our own that theirs then overrides; how many peers there are."""
    deadline = time.monotonic() + wait_s
    while link.peers == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    return link.peers


def _report_link(link: "LinkClock", done: "threading.Event", duration: float | None) -> None:
    """Until `done` or `duration` seconds: say when peers come and go, the tempo moves, the session stops or
    starts (a stopped session is waited for: a peer's start plays us again, on its bar line)."""
    deadline = None if duration is None else time.monotonic() + duration
    st = link.state(time.perf_counter_ns())
    seen = (link.peers, round(st.bpm, 2), st.playing)
    while True:
        left = LINK_REPORT_S if deadline is None else min(LINK_REPORT_S, deadline - time.monotonic())
        if left <= 0 or done.wait(left):
            return
        st = link.state(time.perf_counter_ns())
        now = (link.peers, round(st.bpm, 2), st.playing)
        if now[0] != seen[0]:
            print(f"Link: {plural(now[0], 'peer')}", flush=True)
        if now[1] != seen[1]:
            print(f"Link: the session's tempo is {now[1]:g} BPM", flush=True)
        if now[2] != seen[2]:
            print("Link: the session plays" if now[2] else "Link: the session stopped; a peer's start plays again",
                  flush=True)
        seen = now


def check_port(flag: str, port: str | None, names: list[str]) -> None:
    """Refuse a port name that matches none of `names` (as the port opener matches: whole, or a part)."""
    if port is not None and not any(port == n or port in n for n in names):
        listed = "; ".join(repr(n) for n in names) or "none (drummachine ports lists them)"
        raise ValueError(f"{flag}: no MIDI port named {port!r}; the ports here are: {listed}")


def cmd_note_map(args: argparse.Namespace) -> int:
    from drummachine.midi import note_maps

    if args.delete:
        if args.name or args.notes:
            raise ValueError("note-map --delete NAME takes no other name or notes")
        path = note_maps.delete_user_map(args.delete)
        print(f"deleted note map {args.delete!r} from {path}")
        return 0
    if args.name and not args.notes:
        raise ValueError(f"note-map {args.name!r} needs its 9 notes, e.g. "
                         f"note-map {args.name!r} 36,38,42,46,45,48,50,49,51")
    _maps, notice = note_maps.read_user_maps()
    if notice:
        print(f"drummachine: {notice}", file=sys.stderr)
    if args.name and args.notes:
        path = note_maps.save_user_map(args.name, note_maps.resolve(args.notes))
        print(f"saved note map {args.name!r} in {path}")
        return 0
    for name, notes in note_maps.all_maps().items():
        print(f"{name:<24} " + "  ".join(f"{c}={n}" for c, n in zip(CLASS_NAMES, notes)))
    return 0


def model_temperature(asked: Optional[float], engine: "Engine") -> float:
    """The temperature asked for, else the one tuned with the model's prior."""
    return engine.default_temperature if asked is None else asked


def _ranged(p: argparse.ArgumentParser, flag: str, of: limits.Range, default=None, help: str = "") -> None:
    """A flag checked against the limits table; its range (and default) go into --help."""
    shown = f" (default {default:g})" if default is not None else ""
    p.add_argument(flag, type=ranged(flag, of), default=default, metavar=of.span(),
                   help=f"{help}{'; ' if help else ''}{of.describe()}{shown}")


def _add_model_options(p: argparse.ArgumentParser, bpm_help: str = "tempo", bpm_default=limits.BPM.default) -> None:
    p.add_argument("--model", type=Path, help="model folder (default: the bundled assets/model)")
    _ranged(p, "--threads", limits.THREADS, limits.THREADS.default, "onnxruntime threads")
    _ranged(p, "--bpm", limits.BPM, bpm_default, bpm_help)


def build_parser() -> argparse.ArgumentParser:
    from drummachine.audio.choice import add_output_options  # the built-in sound: play's options, and render
    from drummachine.audio.render_command import add_render_command

    ap = _Parser(prog="drummachine", description="A generative drum machine.", exit_on_error=False)
    sub = ap.add_subparsers(dest="command", parser_class=_Parser)
    g = sub.add_parser("generate", help="sample a new groove and write it as a MIDI clip", exit_on_error=False)
    _ranged(g, "--bars", limits.BARS, limits.BARS.default)
    _ranged(g, "--seed", limits.SEED, None, "same seed, same groove (default: a new one, printed)")
    _ranged(g, "--temperature", limits.TEMPERATURE, None,
            "0 plays the likeliest hits for the code drawn (a new groove per seed); higher adds chance to every step "
            "(default: the model's tuned temperature, 1 for the bundled model)")
    _ranged(g, "--feel", limits.FEEL, limits.FEEL.default,
            "velocity and timing learned from drummers: 0 on the grid, 1 as they play, 1.5 exaggerated")
    _ranged(g, "--feel-seed", limits.SEED, limits.SEED.default, "another seed, another drummer's touch")
    g.add_argument("--knob", action="append", metavar="NAME=POSITION",
                   help="turn a knob, -2..2 (density, syncopation, kick, snare, hats, toms, cymbals); repeatable")
    g.add_argument("--fill-every", type=int, choices=(0, *FILL_EVERY), default=0, metavar="N",
                   help="a fill in the last bar of every N bars: " + ", ".join(map(str, FILL_EVERY))
                        + " (0: none; needs a model with fills)")
    g.add_argument("--lock", help="instruments to keep from --lock-from, e.g. kick,snare")
    g.add_argument("--lock-from", type=Path, help="MIDI file whose locked instruments are kept")
    g.add_argument("-o", "--output", type=output_file, default=Path("groove.mid"))
    _add_model_options(g)
    g.set_defaults(run=cmd_generate)
    h = sub.add_parser("humanize", help="play your own drum MIDI with the feel learned from drummers",
                       exit_on_error=False)
    h.add_argument("input", type=Path, help="a drum MIDI file (channel 10)")
    h.add_argument("-o", "--output", type=output_file, default=Path("humanized.mid"))
    _ranged(h, "--amount", limits.FEEL, limits.FEEL.default, "0 leaves it as written, 1.5 exaggerates")
    _ranged(h, "--seed", limits.SEED, limits.SEED.default, "another seed, another drummer's touch")
    _add_model_options(h, "tempo of the clip written (default: the file's own)", None)
    h.set_defaults(run=cmd_humanize)
    m = sub.add_parser("morph", help="interpolate from one groove to another, as one MIDI clip", exit_on_error=False)
    m.add_argument("a", type=Path)
    m.add_argument("b", type=Path)
    _ranged(m, "--steps", limits.MORPH_STEPS, limits.MORPH_STEPS.default, "grooves from A to B, both included")
    _ranged(m, "--bars", limits.MORPH_STEP_BARS, limits.MORPH_STEP_BARS.default,
            "bars of each step (and taken from A and B)")
    m.add_argument("--path", choices=["steady", "latent"], default="steady",
                   help="steady (default): A's cells turn into B's in the order the model suggests, an even share "
                        "per step, ends A and B themselves; latent: decode codes along the great circle (jumps)")
    _ranged(m, "--temperature", limits.MORPH_TEMPERATURE, limits.MORPH_TEMPERATURE.default, "with --path latent")
    _ranged(m, "--seed", limits.SEED, limits.SEED.default)
    m.add_argument("-o", "--output", type=output_file, default=Path("morph.mid"))
    _add_model_options(m)
    m.set_defaults(run=cmd_morph)
    pl = sub.add_parser("play", help="play live into a MIDI port (a virtual 'Drum Machine' port by default)",
                        exit_on_error=False)
    pl.add_argument("--port", help="an existing output port to play into, instead of the virtual port")
    pl.add_argument("--api", choices=["alsa", "jack", "coremidi", "windowsmm"], help="force a MIDI API")
    _ranged(pl, "--bars", limits.BARS, limits.BARS.default, "length of the loop")
    _ranged(pl, "--seed", limits.SEED, None)
    _ranged(pl, "--temperature", limits.TEMPERATURE, None, "(default: the model's tuned temperature)")
    _ranged(pl, "--feel", limits.FEEL, limits.FEEL.default, "the drummers' velocity and timing (0: the grid)")
    _ranged(pl, "--feel-seed", limits.SEED, limits.SEED.default)
    pl.add_argument("--morph", type=Path, nargs=2, metavar=("A.mid", "B.mid"), help="morph from A to B while playing")
    _ranged(pl, "--morph-bars", limits.MORPH_BARS, limits.MORPH_BARS.default, "bars the morph takes")
    pl.add_argument("--pattern", type=Path, help="loop this MIDI file's drums instead of generating")
    _ranged(pl, "--duration", limits.DURATION, limits.DURATION.default, "how long to play (default: until Ctrl-C)")
    _ranged(pl, "--channel", limits.CHANNEL, limits.CHANNEL.default, "MIDI channel")
    pl.add_argument("--note-map", default="General MIDI",
                    help="preset or saved map name, or 9 notes: numbers or names with C1 = 36 (36,38,... or C1,D1,...)")
    _ranged(pl, "--swing", limits.SWING, limits.SWING.default, "50 is straight")
    _ranged(pl, "--gate", limits.GATE, limits.GATE.default, "note length")
    pl.add_argument("--no-clock", action="store_true", help="do not send MIDI clock and Start/Stop")
    pl.add_argument("--follow", metavar="INPUT", help="follow the MIDI clock of this input port (DAW as master)")
    pl.add_argument("--sync", choices=["internal", "link"], default="internal",
                    help="internal (default): our own clock; link: play in an Ableton Link session on this network "
                         "(tempo, bar lines, start/stop shared; needs the [link] extra)")
    _add_model_options(pl)
    add_output_options(pl)
    pl.set_defaults(run=cmd_play)
    add_render_command(sub)
    from drummachine.cli_pad import add_pad_command

    add_pad_command(sub)
    nm = sub.add_parser("note-map", exit_on_error=False,
                        help="list note maps, save your own (note-map NAME 36,38,42,46,45,48,50,49,51), or delete one")
    nm.add_argument("name", nargs="?")
    nm.add_argument("notes", nargs="?", help="9 notes in class order (" + ", ".join(CLASS_NAMES)
                    + "): numbers 0-127 or names with C1 = 36, e.g. C1,D1,F#1,A#1,A1,C2,D2,C#2,D#2")
    nm.add_argument("--delete", metavar="NAME", help="delete a saved note map")
    nm.set_defaults(run=cmd_note_map)
    po = sub.add_parser("ports", help="list MIDI ports", exit_on_error=False)
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
    try:
        args = parser.parse_args(argv)
    except argparse.ArgumentError as err:
        # a range check's sentence names its flag already; argparse's own say "argument --api: ..."
        ours = isinstance(err.__context__, argparse.ArgumentTypeError)
        print(f"drummachine: {err.message if ours else err}", file=sys.stderr)
        return 2
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
