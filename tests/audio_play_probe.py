"""The built-in sound playing a MIDI file on the player's timeline, in its own process, for the live tests and
the audio bench (PortAudio finds the JACK server of the environment when it starts, so each test's server
needs a fresh process).

    python tests/audio_play_probe.py GROOVE.mid --bpm 120 --swing 60 --seconds 4 [--device NAME]

Opens the sound device, prints "open DEVICE RATE", waits for a line on stdin, plays for --seconds, stops, and
prints one JSON line: the scheduled perf_counter_ns of every note-on the player sent, and the stream's counts.
"""

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drummachine.audio.output import AudioConfig, AudioOutput  # noqa: E402
from drummachine.audio.sounding_player import SilentOutput, SoundingPlayer  # noqa: E402
from drummachine.live.sources import LoopSource  # noqa: E402
from drummachine.midi.reader import read_groove  # noqa: E402
from drummachine.live.player import PlayerSettings  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("groove", type=Path)
    ap.add_argument("--bpm", type=float, default=120.0)
    ap.add_argument("--swing", type=float, default=50.0)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--device")
    args = ap.parse_args()
    source = LoopSource(read_groove(args.groove, 16))
    settings = PlayerSettings(bpm=args.bpm, swing=args.swing, send_clock=False)
    with AudioOutput(AudioConfig(device=args.device, volume=1.0)) as audio:
        print(f"open {audio.device_name} {audio.rate}", flush=True)
        sys.stdin.readline()
        with SoundingPlayer(SilentOutput, source, settings, audio=audio, record_sends=True) as player:
            player.start()
            time.sleep(args.seconds)
            player.stop()
            sends = [s.scheduled_ns for s in player.sends if s.message[0] & 0xF0 == 0x90]
        time.sleep(0.2)
        stats = {**asdict(audio.stats), "cpu_share": audio.stats.cpu_share(), "latency_s": audio.latency_s,
                 "clock_offset_ns": audio.clock.offset_ns, "realtime": player.realtime}
    print(json.dumps({"note_ons": sends, "stats": stats}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
