"""MIDI reading time against file size: the reader must stay linear (goal: under 50 ms per 100 KB).

    python bench/midi_read.py [--kb 400] [--runs 5] [--json]

Cases, each built byte by byte at about --kb KB in a temporary folder:
  one over-long delta   one delta time written as a run of continuation bytes (the fuzzing find: refused)
  notes a bar apart     a note every bar, each after a 2-byte delta of 1,920 ticks (a valid, very long file)
  dense 16ths           a kick on every 16th with running status, 3 bytes an event (the most events per KB)
and, with --gmd DIR, the largest file under DIR as it is.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from drummachine.midi.reader import MidiReadError, read_drum_midi  # noqa: E402
from midi_builders import raw_smf, varint  # noqa: E402

END = b"\x00\xff\x2f\x00"


def cases(size: int) -> dict[str, bytes]:
    """Track bytes of about `size` bytes for each case, as whole files."""
    note_bar = b"\x00\x99\x24\x64" + varint(1920) + b"\x89\x24\x00"
    dense = b"\x00\x99\x24\x64" + b"\x78\x24\x64" * ((size - 4) // 3)
    return {
        "one over-long delta": raw_smf([b"\x00\x99\x24\x64" + b"\xff" * size + b"\x7f\x99\x26\x64" + END]),
        "notes a bar apart": raw_smf([note_bar * (size // len(note_bar)) + END]),
        "dense 16ths": raw_smf([dense + END]),
    }


def time_read(path: Path, runs: int) -> dict:
    times, outcome = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            take = read_drum_midi(path)
            outcome = f"read, {take.bar_count:,} bars"
        except MidiReadError as exc:
            outcome = f"refused ({exc.reason})"
        times.append((time.perf_counter() - t0) * 1000)
    kb = path.stat().st_size / 1000
    ms = statistics.median(times)
    return {"kb": round(kb, 1), "median_ms": round(ms, 2), "ms_per_100_kb": round(ms / kb * 100, 2), "outcome": outcome}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kb", type=int, default=400, help="size of each built file in KB")
    ap.add_argument("--runs", type=int, default=5, help="reads per case; the median is shown")
    ap.add_argument("--gmd", type=Path, help="also time the largest MIDI file under this folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.kb <= 0 or args.runs <= 0:
        print(f"midi_read: --kb and --runs must be above 0, got {args.kb} and {args.runs}", file=sys.stderr)
        return 2
    rows = {}
    with tempfile.TemporaryDirectory(prefix="midi_read") as tmp:
        for name, data in cases(args.kb * 1000).items():
            path = Path(tmp) / f"{name.replace(' ', '_')}.mid"
            path.write_bytes(data)
            rows[name] = time_read(path, args.runs)
    if args.gmd:
        largest = max(args.gmd.rglob("*.mid"), key=lambda p: p.stat().st_size, default=None)
        if largest is None:
            print(f"midi_read: no .mid files under {args.gmd}", file=sys.stderr)
            return 2
        rows[f"largest in {args.gmd.name}"] = time_read(largest, args.runs)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"| {'case':<26} | {'KB':>6} | {'median ms':>9} | {'ms / 100 KB':>11} | outcome")
    print(f"|{'-' * 28}|{'-' * 8}|{'-' * 11}|{'-' * 13}|{'-' * 22}")
    for name, r in rows.items():
        print(f"| {name:<26} | {r['kb']:>6.1f} | {r['median_ms']:>9.1f} | {r['ms_per_100_kb']:>11.1f} | {r['outcome']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
