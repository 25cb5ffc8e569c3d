"""A MIDI input in its own process that writes every message as it arrives, for long soak runs.

    python tests/midi_tap.py --client soak-tap --out tap.jsonl   # a JACK input port soak-tap:in

Unlike midi_recorder.py (which writes once, at the end, and stops after --seconds), this one streams (every
20 ms), so the robot can see while it runs whether the app is playing (the last of Start/Stop) and how many
notes came. Each line: [arrival in ns of JACK time since the first message, status, data...]. It runs until
SIGTERM. Beside it, OUT.clock pairs a monotonic reading taken just after each batch arrived with the arrival
time of the batch's last message ("MONOTONIC_NS T_NS" a line): the smallest difference is when the first
message arrived on time.monotonic_ns()'s clock (JACK's own clock is CLOCK_MONOTONIC), to within the gap
between an arrival and the next read; the soak places the JACK server's xrun lines on the take with it.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from pathlib import Path

PORT = "in"
POLL_S = 0.02  # how often arrived messages reach the file


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", required=True, help="JACK client name; the port is CLIENT:in")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import rtmidi

    # No Python callback: rtmidi would run it in JACK's process thread, where waiting for the interpreter
    # lock made the client miss cycles and lose those cycles' messages (seen: 2 clock ticks in 200). rtmidi
    # queues in C; this loop empties the queue.
    midi_in = rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK, name=args.client, queue_size_limit=65536)
    midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
    midi_in.open_virtual_port(PORT)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    t_s = 0.0  # JACK time of arrival from the first message on (rtmidi's deltas), exact to the frame
    with open(args.out, "w") as out, open(f"{args.out}.clock", "w") as clock:
        print("ready", flush=True)
        while True:
            stopping = done.wait(POLL_S)
            came = False
            while (event := midi_in.get_message()) is not None:
                msg, delta = event
                t_s += delta
                out.write(json.dumps([round(t_s * 1e9), *msg]) + "\n")
                came = True
            if came:
                clock.write(f"{time.monotonic_ns()} {round(t_s * 1e9)}\n")
                clock.flush()
            out.flush()
            if stopping:
                break
    midi_in.close_port()
    return 0


if __name__ == "__main__":
    sys.exit(main())
