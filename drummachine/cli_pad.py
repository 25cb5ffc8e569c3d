"""`drummachine pad`: the window's 4-corner pad on the command line. Four corner grooves (MIDI files or seeds),
a path through the pad (a point per bar, or a named shape), and the bars the pad plays along it written as
one MIDI clip, through the same studio pad the window drives.

    drummachine pad kick.mid 7 12 fills.mid --shape circle --bars 16 -o pad.mid
    drummachine pad A.mid B.mid C.mid D.mid --path "0,0 0.5,0 1,0.5 1,1" -o pad.mid
"""

from __future__ import annotations

import argparse
from pathlib import Path

from drummachine import limits
from drummachine.groove.pad import CORNER_NAMES, CORNERS, MIXES, SHAPES, PadPath, parse_points, shape_path


def add_pad_command(sub) -> None:
    """Register `pad` on drummachine's subcommands (cli.py's build_parser calls this)."""
    from drummachine.cli import _add_model_options, _ranged, output_file

    p = sub.add_parser("pad", exit_on_error=False,
                       help="play a path through a pad of four corner grooves, as one MIDI clip")
    p.add_argument("corners", nargs=CORNERS, metavar="CORNER",
                   help="four grooves, " + ", ".join(CORNER_NAMES) + ": each a MIDI file, or a seed (a new groove "
                        "sampled with it)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--path", metavar="X,Y ...",
                     help="where the pad is at each bar, x and y from 0 to 1 (0,0 top left; 1,1 bottom right), "
                          "e.g. '0,0 1,0 1,1'")
    how.add_argument("--shape", choices=sorted(SHAPES), help="a named path (default: circle)")
    _ranged(p, "--bars", limits.PAD_PATH_BARS, None,
            "bars the path is stretched over (default: a bar per --path point, or 8 for a shape)")
    _ranged(p, "--temperature", limits.TEMPERATURE, None,
            "how the pad's codes are decoded, and seed corners sampled (default: the model's tuned temperature)")
    _ranged(p, "--seed", limits.SEED, 0, "the sampler's seed at every point of the pad")
    p.add_argument("--mix", choices=MIXES, default="slerp",
                   help="slerp (default): great circles in the prior's frame; bilinear: area-weighted codes")
    _ranged(p, "--feel", limits.FEEL, limits.FEEL.default, "the drummers' velocity and timing (0: the grid)")
    _ranged(p, "--feel-seed", limits.SEED, limits.SEED.default)
    _ranged(p, "--swing", limits.SWING, limits.SWING.default, "50 is straight")
    p.add_argument("-o", "--output", type=output_file, default=Path("pad.mid"))
    _add_model_options(p)
    p.set_defaults(run=cmd_pad)


def pad_path(args: argparse.Namespace) -> tuple[PadPath, int, str]:
    """The path asked for, the bars it is played over, and its name for the line printed."""
    if args.path is not None:
        points = parse_points(args.path)
        return PadPath.through(points), args.bars or len(points), f"{len(points)} points"
    shape = args.shape or "circle"
    bars = args.bars or limits.PAD_PATH_BARS.default
    return shape_path(shape, bars), bars, f"a {shape}"


def cmd_pad(args: argparse.Namespace) -> int:
    """Through the studio's pad, as the window's: the same mix, corners, feel and clip writer."""
    from drummachine.cli import _engine, feel_words, model_temperature, plural
    from drummachine.groove.take import Take
    from drummachine.midi.clip import write_clip
    from drummachine.midi.reader import read_groove
    from drummachine.studio.session import Session, Settings
    from drummachine.studio.studio import Studio

    path, bars, named = pad_path(args)
    engine = _engine(args)
    args.temperature = model_temperature(args.temperature, engine)
    settings = Settings(bpm=args.bpm, swing=args.swing, temperature=args.temperature, feel_amount=args.feel,
                        feel_seed=args.feel_seed)
    studio = Studio(engine, Session(settings=settings), api=None)  # nothing of the user's session is touched
    pad = studio.pad
    pad.seed, pad.how = args.seed, args.mix
    for corner, given in enumerate(args.corners):
        if given.isdigit():
            seed = limits.SEED.check(f"corner {corner + 1}'s seed", given)
            pad.set_corner(corner, engine.sample(None, args.temperature, seed))
        else:
            pad.set_corner(corner, Take(read_groove(Path(given)), label="file"))
    if studio.notice:  # a model failure, in one sentence
        raise ValueError(studio.notice)
    pad.set_path(path)
    pad.set_path_bars(bars)
    pad.play_path(True)
    played = pad.performance()
    notes = studio.player_settings().note_map
    write_clip([played], args.output, bpm=args.bpm, swing=args.swing, note_map=notes, track_name="drummachine pad")
    print(f"wrote {args.output}: {plural(bars, 'bar')} along {named} through the pad ({args.mix}), "
          f"temperature {args.temperature}, seed {args.seed}, {feel_words(studio.has_feel, args.feel)}, "
          f"{args.bpm:g} BPM, {int(played.hits.sum())} hits")
    return 0
