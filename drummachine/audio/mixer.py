"""The voice mixer: hits started at an exact frame of a block, mixed into a stereo buffer.

The offline renderer and the live stream's callback both mix through it, so what a WAV export sounds like is
what the speakers play. Everything it needs is allocated when it is made (the voice table, the scratch
buffers): mixing a block creates no array data, so it can run inside an audio callback.

Each drum sounds once at a time, as on a hardware drum machine: a new hit of a class ends the one still
ringing with a short fade (and a closed hat chokes an open one, as a hi-hat pedal does). So at most two
voices a class are ever mixed, and the callback's cost stays bounded however long the cymbals ring.
"""

from __future__ import annotations

import numpy as np

from drummachine.audio.kit import Kit
from drummachine.groove.vocabulary import NUM_CLASSES

CLOSED_HAT, OPEN_HAT = 2, 3
MAX_VOICES = 2 * NUM_CLASSES + 2  # one ringing and one fading per class, and a spare pair
FADE_S = 0.003  # how fast a retriggered or choked hit fades out


class Mixer:
    """Sounding hits and where each has got to. `trigger` starts one at a frame of the next block;
    `mix` fills a block (frames x 2, float32) and advances every voice."""

    def __init__(self, kit: Kit, max_frames: int = 8192):
        self.kit = kit
        self.max_frames = max_frames
        self._sample: list = [None] * MAX_VOICES  # the mono sound each voice plays (None: free)
        self._cls = np.full(MAX_VOICES, -1, dtype=np.int64)
        self._pos = np.zeros(MAX_VOICES, dtype=np.int64)  # its sample index at the next block's first frame
        self._end = np.zeros(MAX_VOICES, dtype=np.int64)  # the sample index it stops at
        self._fade_at = np.zeros(MAX_VOICES, dtype=np.int64)  # where its fade-out starts (== _end: none)
        self._gain = np.zeros((MAX_VOICES, 2), dtype=np.float32)  # left, right
        self._age = np.zeros(MAX_VOICES, dtype=np.int64)  # when it started: the oldest is taken first
        self._started = 0
        self._live = 0  # voices sounding
        fade = max(1, int(kit.rate * FADE_S))
        self._ramp = np.linspace(1.0, 0.0, fade, dtype=np.float32)[:, None]
        self._scratch = np.zeros((max_frames, 2), dtype=np.float32)
        self.stolen = 0  # hits that found every voice busy and ended the oldest

    @property
    def sounding(self) -> int:
        return self._live

    def _release(self, slot: int, at_frame: int) -> None:
        """Fade voice `slot` out from `at_frame` of the next block."""
        fade_at = int(self._pos[slot]) + at_frame
        if fade_at < self._fade_at[slot]:
            self._fade_at[slot] = max(fade_at, 0)
            self._end[slot] = min(int(self._end[slot]), self._fade_at[slot] + len(self._ramp))

    def trigger(self, cls: int, velocity: int, frame: int) -> None:
        """Start a hit of class `cls` at `frame` of the next block mixed (0 = its first frame)."""
        if velocity <= 0:
            return
        for i in range(MAX_VOICES):
            if self._sample[i] is not None and (self._cls[i] == cls or (cls == CLOSED_HAT and self._cls[i] == OPEN_HAT)):
                self._release(i, frame)
        slot = next((i for i, s in enumerate(self._sample) if s is None), -1)
        if slot < 0:
            slot = int(self._age.argmin())
            self.stolen += 1
        else:
            self._live += 1
        sample = self.kit.sound(cls, velocity)
        self._sample[slot] = sample
        self._cls[slot] = cls
        self._pos[slot] = -int(frame)
        self._end[slot] = self._fade_at[slot] = len(sample)
        level = self.kit.level(velocity)
        np.multiply(self.kit.gains[cls], level, out=self._gain[slot])
        self._started += 1
        self._age[slot] = self._started

    def silence(self) -> None:
        """End every sounding voice now (a stop, a device change)."""
        for i in range(MAX_VOICES):
            self._sample[i] = None
            self._age[i] = 0
        self._live = 0

    def mix(self, out: np.ndarray, gain: float = 1.0) -> None:
        """Overwrite `out` (frames x 2) with the next block of every sounding voice, times `gain`."""
        frames = out.shape[0]
        if frames > self.max_frames:
            raise ValueError(f"a block of {frames} frames is more than this mixer's {self.max_frames}")
        out.fill(0.0)
        if not self._live:
            return
        for i in range(MAX_VOICES):
            sample = self._sample[i]
            if sample is None:
                continue
            pos, end, fade_at = int(self._pos[i]), int(self._end[i]), int(self._fade_at[i])
            first = -pos if pos < 0 else 0  # the frame of this block it starts sounding at
            start = pos if pos > 0 else 0
            n = min(frames - first, end - start)
            if n > 0:
                part = self._scratch[:n]
                np.multiply(sample[start:start + n, None], self._gain[i], out=part)
                if fade_at < start + n:  # some of this block is in its fade-out
                    k = max(start, fade_at)
                    faded = part[k - start:]
                    np.multiply(faded, self._ramp[k - fade_at:start + n - fade_at], out=faded)
                lane = out[first:first + n]
                np.add(lane, part, out=lane)
            self._pos[i] = pos + frames
            if pos + frames >= end:
                self._sample[i] = None
                self._age[i] = 0
                self._live -= 1
        if gain != 1.0:
            np.multiply(out, gain, out=out)
