"""An independent MIDI client (its own process) that records what arrives on a port, for the tests.

    python tests/midi_recorder.py --api jack --connect "Drum Machine" --out rec.jsonl [--virtual NAME] [--seconds S]

Each line: {"t_ns": arrival (perf_counter_ns, CLOCK_MONOTONIC), "jack_s": rtmidi's delta time, "msg": [...]}.
It stops after --seconds or on SIGTERM, and always writes what it got.

No Python callback: rtmidi would run it in JACK's process thread, where waiting for the interpreter lock made
the client miss cycles and lose their messages (seen: one hi-hat in a test of note order). rtmidi queues in C,
with each message's time since the one before (JACK's clock, stamped in its process thread); a loop empties the
queue every millisecond. The loop only ever sees a message after it came, so a message arrived no later than its
pick-up, nor than another message's pick-up moved by the JACK time between them, used within 50 ms only: over
seconds JACK's time may not keep to the wall clock (a clean-clone run placing every note by it saw kicks drift
from 11 to 90 ms late over 4 s; not shown to be the clock). Arrival times are the earliest, good to about a poll.
"""

import argparse
import json
import signal
import sys
import threading
import time

import rtmidi

POLL_S = 0.001  # how often the queue is emptied: the arrival times are good to about this
NEAR_NS = 50_000_000  # messages this close in JACK time bound each other's arrival


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--api", default="jack")
    ap.add_argument("--connect", help="output port to connect to (substring)")
    ap.add_argument("--virtual", help="open a virtual input port of this name instead")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    api = {"jack": rtmidi.API_UNIX_JACK, "alsa": rtmidi.API_LINUX_ALSA}[args.api]
    midi_in = rtmidi.MidiIn(rtapi=api, name="recorder", queue_size_limit=65536)
    midi_in.ignore_types(sysex=False, timing=False, active_sense=False)
    got: list[tuple[int, float, list[int]]] = []  # (picked up, perf_counter_ns; rtmidi's delta in s; message)
    if args.virtual:
        midi_in.open_virtual_port(args.virtual)
    else:
        deadline = time.monotonic() + 5
        while True:
            ports = midi_in.get_ports()
            match = [i for i, p in enumerate(ports) if args.connect in p]
            if match:
                midi_in.open_port(match[0])
                break
            if time.monotonic() > deadline:
                print(f"no port {args.connect!r} in {ports}", file=sys.stderr)
                return 2
            time.sleep(0.05)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    print("ready", flush=True)
    deadline = time.monotonic() + args.seconds
    while not done.is_set() and time.monotonic() < deadline:
        drain(midi_in, got)
        time.sleep(POLL_S)
    drain(midi_in, got)
    midi_in.close_port()
    with open(args.out, "w") as fh:
        for t_ns, (_, delta, msg) in zip(arrivals(got), got):
            fh.write(json.dumps({"t_ns": t_ns, "jack_s": delta, "msg": msg}) + "\n")
    return 0


def drain(midi_in, got: list) -> None:
    """Every message rtmidi holds, each with the time it was picked up."""
    while (event := midi_in.get_message()) is not None:
        got.append((time.perf_counter_ns(), event[1], event[0]))


def arrivals(got: list[tuple[int, float, list[int]]]) -> list[int]:
    """Each message's arrival on perf_counter (ns): no later than its own pick-up, nor than the pick-up of any message
    within NEAR_NS of it, moved by the JACK time between them (nearby ones only: see the module's note)."""
    jack_ns, total = [], 0.0
    for _, delta, _ in got:
        total += delta
        jack_ns.append(round(total * 1e9))
    times, first = [], 0
    for i, j_i in enumerate(jack_ns):
        while j_i - jack_ns[first] > NEAR_NS:
            first += 1
        best = got[i][0]
        for k in range(first, len(got)):
            if jack_ns[k] - j_i > NEAR_NS:
                break
            best = min(best, got[k][0] - (jack_ns[k] - j_i))
        times.append(best)
    return times


if __name__ == "__main__":
    sys.exit(main())
