"""A stand-in DAW in its own process: Start, 24 clock ticks a beat at a tempo, Stop; writes the tick times.

    python tests/clock_source.py --port "DAW clock" --bpm 125 --beats 8 --out ticks.txt [--hold]
"""

import argparse
import sys
import time

import rtmidi


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", default="DAW clock")
    ap.add_argument("--bpm", type=float, default=120.0)
    ap.add_argument("--beats", type=int, default=8)
    ap.add_argument("--out", required=True)
    ap.add_argument("--from-step", type=int, default=-1, help="send Song Position (in 16ths) and Continue, not Start")
    ap.add_argument("--hold", action="store_true", help="after Stop, keep the port until stdin closes")
    args = ap.parse_args()
    out = rtmidi.MidiOut(rtapi=rtmidi.API_UNIX_JACK, name="daw")
    out.open_virtual_port(args.port)
    print("ready", flush=True)
    sys.stdin.readline()  # the test says go
    tick_s = 60.0 / args.bpm / 24
    sent = []
    if args.from_step >= 0:
        out.send_message([0xF2, args.from_step & 0x7F, args.from_step >> 7])
        out.send_message([0xFB])
    else:
        out.send_message([0xFA])
    t0 = time.perf_counter()
    for k in range(24 * args.beats):
        target = t0 + k * tick_s
        while time.perf_counter() < target - 0.002:
            time.sleep(0.0005)
        while time.perf_counter() < target:
            pass
        out.send_message([0xF8])
        sent.append(time.perf_counter_ns())
    time.sleep(tick_s)
    out.send_message([0xFC])
    time.sleep(0.1)
    with open(args.out, "w") as fh:
        fh.write("\n".join(map(str, sent)))
    if args.hold:
        print("done", flush=True)
        sys.stdin.readline()  # the port stays until the test closes our stdin
    return 0


if __name__ == "__main__":
    sys.exit(main())
