"""An independent MIDI client (its own process) that records what arrives on a port, for the tests.

    python tests/midi_recorder.py --api jack --connect "Drum Machine" --out rec.jsonl [--virtual NAME] [--seconds S]

Each line: {"t_ns": arrival (perf_counter_ns, CLOCK_MONOTONIC), "jack_s": rtmidi's delta time, "msg": [...]}.
It stops after --seconds or on SIGTERM, and always writes what it got.
"""

import argparse
import json
import signal
import sys
import threading
import time

import rtmidi


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
    got = []
    midi_in.set_callback(lambda event, _: got.append((time.perf_counter_ns(), event[1], event[0])))
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
    done.wait(args.seconds)
    midi_in.close_port()
    with open(args.out, "w") as fh:
        for t_ns, delta, msg in got:
            fh.write(json.dumps({"t_ns": t_ns, "jack_s": delta, "msg": msg}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
