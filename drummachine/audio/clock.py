"""From the audio stream's clock to the player's perf_counter timeline.

PortAudio stamps each callback with `currentTime` and `outputBufferDacTime` (when the block's first frame
leaves the converter) on the stream's own clock: system time on ALSA and CoreAudio, JACK's frame clock under
JACK, an arbitrary origin on WASAPI. The offset from that clock to `time.perf_counter_ns` is read in each
callback; a read can only come late (the callback waits for the GIL between PortAudio's stamp and ours), so
the smallest offset seen lately is the estimate: late reads never move it. "Lately" is the current and the
previous window of `window` callbacks, so a real change of the offset (the device's clock drifting, or
skipping after an xrun) is followed within two windows. Plain integers only: it runs in the callback.
"""

from __future__ import annotations

import time

_NONE = 1 << 62


class StreamClock:
    def __init__(self, window: int = 64):
        self.window = window
        self._n = 0
        self._current = _NONE  # smallest offset in this window
        self._previous = _NONE  # and in the one before
        self.offset_ns = 0  # perf_counter_ns - stream time, the current estimate
        self.last_jitter_ns = 0  # how late the latest read came, against the estimate

    def observe(self, stream_time_s: float, now_ns: int | None = None) -> int:
        """Record one (stream time, perf_counter) pair read together; the updated offset in ns."""
        now_ns = time.perf_counter_ns() if now_ns is None else now_ns
        sample = now_ns - int(stream_time_s * 1e9)
        if sample < self._current:
            self._current = sample
        self._n += 1
        if self._n % self.window == 0:
            self._previous, self._current = self._current, _NONE
        self.offset_ns = min(self._current, self._previous)
        self.last_jitter_ns = sample - self.offset_ns
        return self.offset_ns

    def restart(self) -> None:
        """Forget what was seen (after an xrun the stream's clock may have jumped)."""
        self._current = self._previous = _NONE

    def to_perf_ns(self, stream_time_s: float) -> int:
        """A stream time on the perf_counter timeline."""
        return int(stream_time_s * 1e9) + self.offset_ns
