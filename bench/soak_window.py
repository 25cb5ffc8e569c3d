"""Soak the real window: the installed `drummachine` on Xvfb with a real JACK port, played by a seeded robot
musician for a long while (random clicks over the whole window, Generate, Variation, play/stop, undo/redo,
morph drags, painting, morph slots, the live morph).

    python bench/soak_window.py [--minutes 30] [--seed 1] [--audit-every 60] [--json] [--evidence DIR]

Prints what it did and what it measured: actions, RSS at start and (floors of the first and last thirds
after a 20 s warm-up; single samples swing by ~100 MiB as model runs allocate and free) its growth, the
peak, threads, notes received, and the note audits (every --audit-every seconds the robot stops, plays the
saved pattern for 4 s and compares every note with the pattern), then the exit status after closing the
window as a musician does. Goal: alive, RSS growth < 10 %, 0 lost notes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from window_robot import SoakConfig, SoakReport, control_layout, run_soak, soak_unavailable  # noqa: E402


def table(report: SoakReport, config: SoakConfig) -> str:
    mib = lambda kb: f"{kb / 1024:.0f} MiB"  # noqa: E731
    rows = [
        ("robot time", f"{report.seconds:.0f} s (seed {config.seed})"),
        ("actions", f"{sum(report.actions.values())}: " + ", ".join(f"{k} {v}" for k, v in
                                                                   sorted(report.actions.items()))),
        ("dialogs closed", str(report.dialogs_closed)),
        ("RSS at start", mib(report.rss_start_kb)),
        ("RSS floor, first third", mib(report.rss_warm_kb)),
        ("RSS floor, last third", mib(report.rss_end_kb)),
        ("RSS growth", f"{report.growth_pct:+.1f} %"),
        ("RSS peak", mib(report.rss_max_kb)),
        ("threads start / end / max", f"{report.threads_start} / {report.threads_end} / {report.threads_max}"),
        ("notes received", str(report.notes_received)),
        ("audits", f"{report.audits} ({report.audit_steps} steps)"),
        ("audit notes expected", str(report.notes_expected)),
        ("audit notes lost / extra", f"{report.notes_lost} / {report.notes_extra}"),
        ("missed by the tap / the dump (each on its own)", " / ".join(map(str, report.notes_lost_by_listener))),
        ("farthest audited note from its place", f"{report.note_worst_ms:.1f} ms"),
        ("notes while stopped", str(report.notes_after_stop)),
        ("incidents", "; ".join(report.incidents) or "none"),
        ("alive at the end", "yes" if report.alive else f"NO: {report.error}"),
        ("exit status on close", str(report.exit_status)),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--audit-every", type=float, default=60.0, help="seconds between note audits")
    ap.add_argument("--evidence", type=Path, help="folder for the session and MIDI of any audit that lost notes")
    ap.add_argument("--json", action="store_true", help="also print the figures as one JSON object")
    args = ap.parse_args()
    if args.minutes <= 0 or args.audit_every <= 0:
        print("soak_window.py: --minutes and --audit-every must be positive", file=sys.stderr)
        return 2
    why = soak_unavailable()
    if why:
        print(f"soak_window.py: cannot soak here: {why}", file=sys.stderr)
        return 2
    config = SoakConfig(seconds=args.minutes * 60, seed=args.seed, audit_every_s=args.audit_every,
                        evidence_dir=args.evidence)
    report = run_soak(config, control_layout(), progress=lambda line: print(line, flush=True))
    print(table(report, config))
    if report.error:
        print(f"\nstopped early: {report.error}\n{report.app_output_tail}")
    if args.json:
        print(json.dumps({"config": {"minutes": args.minutes, "seed": args.seed, "audit_every_s": args.audit_every},
                          **report.to_json()}))
    return 0 if report.alive and not report.error else 1


if __name__ == "__main__":
    sys.exit(main())
