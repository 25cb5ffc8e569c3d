"""`drummachine render IN.mid -o OUT.wav`: a groove played through the built-in kit into a WAV file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from drummachine import limits
from drummachine.audio.render import RATES, RenderSettings, render
from drummachine.audio.wav import FORMATS, WavWriteError, write_wav


def add_render_command(sub) -> None:
    """The `render` subcommand on the CLI's subparsers."""
    from drummachine.cli import _ranged, output_file

    r = sub.add_parser("render", help="render a MIDI groove to a WAV file with the built-in drum kit",
                       exit_on_error=False)
    r.add_argument("groove", type=Path, metavar="IN.mid")
    r.add_argument("-o", "--output", type=output_file, help="the WAV file (default: IN.wav beside IN.mid)")
    _ranged(r, "--bars", limits.BARS, limits.BARS.default, "bars taken from the file")
    _ranged(r, "--bpm", limits.BPM, limits.BPM.default, "tempo")
    _ranged(r, "--swing", limits.SWING, limits.SWING.default, "50 is straight")
    r.add_argument("--mute", default="", help="instruments left out, e.g. crash,ride")
    r.add_argument("--rate", type=int, choices=RATES, default=48000, help="sample rate in Hz (default 48000)")
    r.add_argument("--format", choices=FORMATS, default="int16", help="16-bit PCM (default) or 32-bit float")
    r.set_defaults(run=cmd_render)


def cmd_render(args: argparse.Namespace) -> int:
    from drummachine.cli import parse_classes, plural
    from drummachine.midi.reader import read_groove
    from drummachine.live.player import PlayerSettings

    out = args.output or args.groove.with_suffix(".wav")
    pattern = read_groove(args.groove, args.bars)
    settings = PlayerSettings(bpm=args.bpm, swing=args.swing, muted=parse_classes(args.mute))
    started = time.perf_counter()
    audio = render(pattern, settings, RenderSettings(rate=args.rate))
    ms = (time.perf_counter() - started) * 1000
    try:
        write_wav(out, audio, args.rate, args.format)
    except WavWriteError as exc:
        print(f"drummachine: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: {plural(pattern.bars, 'bar')} at {args.bpm:g} BPM, {len(audio) / args.rate:.2f} s, "
          f"{args.rate} Hz {args.format} ({ms:.0f} ms)")
    return 0
