"""Hearing the built-in sound from outside: a JACK recorder in its own process, and onsets found in audio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

AUDIO_RECORDER = Path(__file__).with_name("audio_recorder.py")


def onsets(audio: np.ndarray, threshold: float, quiet: int) -> np.ndarray:
    """The first frame of each sound: above `threshold` (either channel) after at least `quiet` frames below it."""
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > threshold)
    if not len(loud):
        return loud
    starts = [loud[0]] + [b for a, b in zip(loud[:-1], loud[1:]) if b - a > quiet]
    return np.asarray(starts, dtype=np.int64)


@dataclass
class Recording:
    audio: np.ndarray  # frames x 2 from the recorder's first connected cycle
    meta: dict

    @property
    def rate(self) -> int:
        return int(self.meta["rate"])

    def frame_of(self, perf_ns: int) -> float:
        """The recording's frame of a perf_counter_ns time, on JACK's clock: from the nearest clock reading
        before it (JACK's frames run at the nominal rate between xruns, and may skip at one)."""
        pairs = np.asarray(self.meta["pairs"], dtype=np.float64)
        k = max(0, int(np.searchsorted(pairs[:, 0], perf_ns, side="right")) - 1)
        p0, f0 = pairs[k]
        return f0 + (perf_ns - p0) * self.rate / 1e9 - self.meta["first_frame"]

    def settled(self, frame: float, seconds: float = 1.0) -> bool:
        """Whether `frame` is not within `seconds` after a cycle the recorder missed (an xrun)."""
        return not any(0 <= frame - gap < seconds * self.rate for gap in self.meta["gap_frames"])

    def heard_frame_of(self, perf_ns: int) -> float:
        """Where a sound meant to leave the outputs at `perf_ns` is in the recording: the recorder takes the
        block as the player writes it, one playback latency before the outputs play it."""
        return self.frame_of(perf_ns) - self.meta["playback_latency"][0]


class AudioRecorder:
    """`tests/audio_recorder.py` in its own process, recording the ports whose name holds `connect`."""

    def __init__(self, out: Path, connect: str, seconds: float = 60.0):
        self.out = out
        self.proc = subprocess.Popen([sys.executable, str(AUDIO_RECORDER), "--connect", connect, "--out", str(out),
                                      "--seconds", str(seconds)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=os.environ.copy())

    def wait_ready(self, timeout: float = 15.0) -> None:
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"the audio recorder did not start: {line} {self.proc.stderr.read()}")
        time.sleep(0.05)

    def stop(self) -> Recording:
        self.proc.terminate()
        self.proc.wait(20)
        meta = json.loads(Path(f"{self.out}.json").read_text())
        return Recording(np.load(f"{self.out}.npy"), meta)
