"""Mutation fuzzing of the MIDI reader over a folder of real files: what escapes, and what is slow.

    python bench/fuzz_midi.py DIR [--minutes 5] [--max-inputs 0] [--seed 1] [--keep OUT] [--json]

Each input is one file of DIR with one to three seeded mutations (tests/midi_mutations.py: bit flips, byte
insert/delete, truncation, chunk lengths, header fields, huge delta times), written to a temporary file and
read with `read_drum_midi` as the dataset builder and the window do. Prints inputs tried per second, outcomes
by reason, exceptions other than MidiReadError by type (the goal is none), and the slowest inputs by CPU time
(the goal is none over 1 s; wall time is shown beside it, as a shared machine can stall a read for a second). Input n is `mutate(random.Random(f"{seed}:{n}"), files[k])`, named in the table;
--keep OUT also writes every unexpected and every slowest input there to replay.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from drummachine.midi.reader import MidiReadError, read_drum_midi  # noqa: E402
from midi_mutations import mutate  # noqa: E402
from trainer.dataset import find_midi_files  # noqa: E402

SLOW_SECONDS = 1.0
SLOWEST_SHOWN = 10


@dataclass
class FuzzRun:
    inputs: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)  # "read" or the MidiReadError reason
    unexpected: Counter = field(default_factory=Counter)  # exception type name -> count
    unexpected_examples: list = field(default_factory=list)  # (input, source, mutations, message)
    slowest: list = field(default_factory=list)  # heap of (cpu seconds, wall seconds, input, source, mutations, size)
    wall_over_1_s: int = 0

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "seconds": round(self.seconds, 1),
            "inputs_per_second": round(self.inputs / max(self.seconds, 1e-9), 1),
            "outcomes": dict(self.outcomes.most_common()),
            "unexpected_exceptions": dict(self.unexpected.most_common()),
            "unexpected_examples": [dict(zip(("input", "source", "mutations", "message"), e)) for e in self.unexpected_examples],
            "over_1_s": sum(1 for s in self.slowest if s[0] > SLOW_SECONDS),
            "wall_over_1_s": self.wall_over_1_s,
            "slowest": [dict(zip(("cpu_seconds", "wall_seconds", "input", "source", "mutations", "bytes"),
                                 (round(s[0], 4), round(s[1], 4), *s[2:]))) for s in sorted(self.slowest, reverse=True)],
        }


def fuzz(folder: Path, minutes: float, max_inputs: int, seed: int, keep: Path | None) -> FuzzRun:
    """Read mutated copies of the files under `folder` until the time or the input count runs out."""
    files = find_midi_files(folder)
    if not files:
        raise SystemExit(f"fuzz_midi: no MIDI files under {folder}")
    originals = [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in files]
    run = FuzzRun()
    deadline = time.perf_counter() + minutes * 60
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz_midi") as tmp:
        path = Path(tmp) / "input.mid"
        while time.perf_counter() < deadline and not (max_inputs and run.inputs >= max_inputs):
            n = run.inputs
            rng = random.Random(f"{seed}:{n}")
            source, original = originals[rng.randrange(len(originals))]
            data, how = mutate(rng, original)
            path.write_bytes(data)
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                read_drum_midi(path)
                run.outcomes["read"] += 1
            except MidiReadError as exc:
                run.outcomes[exc.reason] += 1
            except Exception as exc:  # noqa: BLE001 - counting what escapes is the point
                run.unexpected[type(exc).__name__] += 1
                if len(run.unexpected_examples) < 20:
                    run.unexpected_examples.append((n, source, how, f"{type(exc).__name__}: {exc}"[:200]))
                    _keep(keep, f"unexpected-{n}.mid", data)
            cpu, wall = time.thread_time() - c0, time.perf_counter() - t0
            run.wall_over_1_s += wall > SLOW_SECONDS
            entry = (cpu, wall, n, source, how, len(data))
            if len(run.slowest) < SLOWEST_SHOWN:
                heapq.heappush(run.slowest, entry)
                _keep(keep, f"slow-{n}.mid", data)
            elif cpu > run.slowest[0][0]:
                heapq.heapreplace(run.slowest, entry)
                _keep(keep, f"slow-{n}.mid", data)
            run.inputs += 1
    run.seconds = time.perf_counter() - started
    return run


def _keep(folder: Path | None, name: str, data: bytes) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)


def format_run(r: dict, folder: Path, seed: int) -> str:
    lines = [
        f"fuzzed {r['inputs']:,} inputs from {folder} (seed {seed}) in {r['seconds']:.0f} s: "
        f"{r['inputs_per_second']:.0f} inputs/s",
        "",
        f"| {'outcome':<22} | {'inputs':>8} |",
        f"|{'-' * 24}|{'-' * 10}|",
    ]
    lines += [f"| {k:<22} | {v:>8,} |" for k, v in r["outcomes"].items()]
    lines += ["", f"unexpected exceptions: {sum(r['unexpected_exceptions'].values())}"]
    lines += [f"  {k}: {v}" for k, v in r["unexpected_exceptions"].items()]
    lines += [f"  e.g. input {e['input']} ({e['source']}, {e['mutations']}): {e['message']}" for e in r["unexpected_examples"][:5]]
    lines += ["", f"inputs over {SLOW_SECONDS:.0f} s of CPU: {r['over_1_s']} (over {SLOW_SECONDS:.0f} s of wall time: "
              f"{r['wall_over_1_s']}); slowest by CPU:",
              f"| {'CPU ms':>8} | {'wall ms':>8} | {'input':>7} | {'bytes':>7} | {'source':<48} | mutations",
              f"|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 50}|{'-' * 30}"]
    lines += [f"| {s['cpu_seconds'] * 1000:>8.1f} | {s['wall_seconds'] * 1000:>8.1f} | {s['input']:>7} | {s['bytes']:>7} "
              f"| {s['source'][-48:]:<48} | {s['mutations']}" for s in r["slowest"]]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="folder of MIDI files to mutate (read recursively)")
    ap.add_argument("--minutes", type=float, default=5.0, help="stop after this long")
    ap.add_argument("--max-inputs", type=int, default=0, help="stop after this many inputs (0: no limit)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="write unexpected and slowest inputs here")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = ap.parse_args()
    if not args.folder.is_dir():
        print(f"fuzz_midi: {args.folder} is not a folder", file=sys.stderr)
        return 2
    if args.minutes <= 0:
        print(f"fuzz_midi: --minutes must be above 0, got {args.minutes}", file=sys.stderr)
        return 2
    result = fuzz(args.folder, args.minutes, args.max_inputs, args.seed, args.keep).to_dict()
    print(json.dumps(result, indent=1) if args.json else format_run(result, args.folder, args.seed))
    return 1 if result["unexpected_exceptions"] or result["over_1_s"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
