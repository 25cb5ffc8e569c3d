"""An independent JACK audio client (its own process) recording what another client plays, for the tests and
the audio bench.

    python tests/audio_recorder.py --connect PortAudio --out rec [--seconds S]

Waits for the audio output ports whose name holds --connect, connects them to its own inputs, prints "ready",
and records until SIGTERM or --seconds. Writes rec.npy (frames x 2 float32, from its first connected cycle) and
rec.json: the JACK frame of the first recorded frame, perf_counter_ns/frame pairs read every half second (so a
frame maps to CLOCK_MONOTONIC, the clock of the player's timeline), the server's period and rate,
the playback latency of the physical outputs (what a sound player's block waits before it is heard), and the
frames where cycles were missed (an xrun: the server's clock and the player's re-settle after one).
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import jack
import numpy as np


def clock_pair(client: jack.Client, tries: int = 400) -> tuple[int, int]:
    """(perf_counter_ns, JACK frame) read together: the tightest of `tries` reads."""
    best = None
    for _ in range(tries):
        before = time.perf_counter_ns()
        frame = client.frame_time
        after = time.perf_counter_ns()
        if best is None or after - before < best[0]:
            best = (after - before, (before + after) // 2, frame)
    return best[1], best[2]


def playback_latency(port: str) -> list[int]:
    """[min, max] frames a physical output plays a block after it is written (JACK-Client cannot ask)."""
    server = os.environ.get("JACK_DEFAULT_SERVER")
    text = subprocess.run(["jack_lsp", *(["-s", server] if server else []), "-l", port],
                          capture_output=True, text=True, timeout=10).stdout
    found = re.search(r"port playback latency = \[ (\d+) (\d+) \]", text)
    if not found:
        raise RuntimeError(f"jack_lsp gave no playback latency for {port}: {text!r}")
    return [int(found.group(1)), int(found.group(2))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connect", required=True, help="record the audio output ports whose name holds this")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=60.0)
    args = ap.parse_args()
    client = jack.Client("audio-recorder", no_start_server=True)
    ins = [client.inports.register(f"in_{k}") for k in (1, 2)]
    capacity = int(client.samplerate * (args.seconds + 5))
    data = np.zeros((capacity, 2), dtype=np.float32)
    state = {"first": None, "n": 0, "last": None, "gaps": 0, "gap_frames": []}

    @client.set_process_callback
    def process(frames):
        if state["first"] is None:
            if not ins[0].connections:
                return
            state["first"] = client.last_frame_time
        at = client.last_frame_time - state["first"]
        if state["last"] is not None and at != state["last"]:
            state["gaps"] += 1
            state["gap_frames"].append(at)
        n = min(frames, capacity - at)
        if n > 0:
            for ch, port in enumerate(ins):
                data[at:at + n, ch] = port.get_array()[:n]
        state["last"] = at + frames
        state["n"] = max(state["n"], at + max(n, 0))

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with client:
        deadline = time.monotonic() + 10
        while True:
            ports = client.get_ports(args.connect, is_audio=True, is_output=True)
            if ports:
                break
            if time.monotonic() > deadline:
                print(f"no audio output port holding {args.connect!r}", file=sys.stderr, flush=True)
                return 2
            time.sleep(0.005)
        for src, dst in zip(ports, ins):
            client.connect(src, dst)
        while state["first"] is None:
            time.sleep(0.001)
        start = clock_pair(client)
        playback = client.get_ports("system:playback", is_audio=True, is_input=True)
        latency = playback_latency(playback[0].name) if playback else [0, 0]
        print("ready", flush=True)
        pairs = [start]
        deadline = time.monotonic() + args.seconds
        while not done.wait(0.5) and time.monotonic() < deadline:
            pairs.append(clock_pair(client, tries=50))  # JACK's frames skip at an xrun: map piece by piece
        end = clock_pair(client)
        pairs.append(end)
        first, n = state["first"], state["n"]
        np.save(f"{args.out}.npy", data[:n])
        with open(f"{args.out}.json", "w") as fh:
            json.dump({"first_frame": first, "frames": n, "start": start, "end": end, "pairs": pairs, "rate": client.samplerate,
                       "period": client.blocksize, "playback_latency": list(latency), "gaps": state["gaps"], "gap_frames": state["gap_frames"],
                       "ports": [p.name for p in ports]}, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
