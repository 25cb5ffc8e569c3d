"""From the audio stream's clock to the player's perf_counter timeline.

PortAudio stamps each callback with `currentTime` and `outputBufferDacTime` (when the block's first frame
leaves the converter) on the stream's own clock: system time on ALSA and CoreAudio, JACK's frame clock under
JACK, an arbitrary origin on WASAPI. The offset from that clock to `time.perf_counter_ns` is read in each
callback; a read can only come late (the callback waits for the GIL between PortAudio's stamp and ours),
so the smallest offset of the last `window` callbacks is the estimate: late reads never move it.
"""

from __future__ import annotations

import time

import numpy as np


class StreamClock:
    def __init__(self, window: int = 512):
        self._offsets = np.full(window, np.iinfo(np.int64).max, dtype=np.int64)
        self._n = 0
        self.offset_ns = 0  # perf_counter_ns - stream time, the current estimate
        self.last_jitter_ns = 0  # how late the latest read came, against the estimate

    def observe(self, stream_time_s: float, now_ns: int | None = None) -> int:
        """Record one (stream time, perf_counter) pair read together; the updated offset in ns."""
        now_ns = time.perf_counter_ns() if now_ns is None else now_ns
        sample = now_ns - int(stream_time_s * 1e9)
        self._offsets[self._n % len(self._offsets)] = sample
        self._n += 1
        self.offset_ns = int(self._offsets.min())
        self.last_jitter_ns = sample - self.offset_ns
        return self.offset_ns

    def to_perf_ns(self, stream_time_s: float) -> int:
        """A stream time on the perf_counter timeline."""
        return int(stream_time_s * 1e9) + self.offset_ns
