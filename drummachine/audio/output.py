"""The live audio stream: the built-in kit on a sound device, on the player's timeline to the sample.

The player's thread pushes each hit (perf_counter_ns, class, velocity) into a lock-free ring as it schedules
it, ahead of its time. Each callback maps its block onto the perf_counter timeline through the stream's own
clock (`outputBufferDacTime`, see `clock.py`) and starts every hit due in the block at the frame of its
time, not at the block's start. The callback creates no arrays and takes no lock: the ring, the voice table
and the mix buffers are made when the stream opens. PortAudio clips what goes past full scale.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from drummachine.audio.clock import StreamClock
from drummachine.audio.kit import Kit, KitConfig, synthesize_kit
from drummachine.audio.mixer import Mixer
from drummachine.audio.ring import HitRing

MAX_BLOCK = 8192


class AudioUnavailable(Exception):
    """No sound device could be opened; the message says which and why, in one sentence."""


@dataclass(frozen=True)
class AudioConfig:
    device: Optional[str] = None  # a name or part of one, as `output_devices` lists; None: the system's default
    volume: float = 0.8  # master gain 0..1
    latency: str = "low"  # PortAudio's suggested latency: 'low' or 'high'

    def __post_init__(self) -> None:
        if not 0 <= self.volume <= 1:
            raise ValueError(f"volume must lie in 0..1, got {self.volume}")


@dataclass
class StreamStats:
    """What the callback counted; read from any thread."""

    callbacks: int = 0
    xruns: int = 0  # blocks PortAudio reports as under-run (the device ran dry)
    hits: int = 0
    late_hits: int = 0  # hits whose time had passed when their block was mixed: they start at its first frame
    late_near_xrun: int = 0  # of those, the ones within 64 blocks after an xrun (the stream's clock re-settling)
    max_late_ns: int = 0
    callback_ns: int = 0  # wall time spent inside the callback
    callback_cpu_ns: int = 0  # CPU time the callback's thread spent in it (what it costs the machine)
    max_callback_ns: int = 0
    errors: int = 0
    first_error: str = ""
    opened_ns: int = field(default_factory=time.perf_counter_ns)

    def cpu_share(self) -> float:
        """The callback's share of one core since the stream opened (its CPU time over wall time)."""
        return self.callback_cpu_ns / max(1, time.perf_counter_ns() - self.opened_ns)


def output_devices() -> list[str]:
    """The names of the sound devices that can play, as PortAudio lists them (empty when it finds none)."""
    import sounddevice as sd

    try:
        return [d["name"] for d in sd.query_devices() if d["max_output_channels"] > 0]
    except sd.PortAudioError:
        return []


def _import_sounddevice():
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library itself is missing
        raise AudioUnavailable(f"built-in sound needs the sounddevice package and PortAudio ({exc})") from exc
    return sd


class AudioOutput:
    """An open sound device playing the kit. A context manager; `closed` once `close` ran (safe twice)."""

    def __init__(self, config: AudioConfig = AudioConfig(), kit: Optional[Kit] = None, ring_capacity: int = 4096):
        sd = _import_sounddevice()
        self.config = config
        self.volume = config.volume
        self.ring = HitRing(ring_capacity)
        self.stats = StreamStats()
        self.clock = StreamClock()
        self.closed = False
        try:
            info = sd.query_devices(config.device, "output")
        except (ValueError, sd.PortAudioError) as exc:
            names = "; ".join(repr(n) for n in output_devices()) or "none"
            which = f"audio device {config.device!r}" if config.device else "default audio output device"
            raise AudioUnavailable(f"no {which} here ({exc}); output devices: {names}") from exc
        self.device_name = str(info["name"])
        self.rate = int(info["default_samplerate"])
        self.channels = min(2, int(info["max_output_channels"]))
        self.kit = kit if kit is not None and kit.rate == self.rate else synthesize_kit(KitConfig(rate=self.rate))
        self._mixer = Mixer(self.kit, MAX_BLOCK)
        self._stereo = np.zeros((MAX_BLOCK, 2), dtype=np.float32)  # for a one-channel device
        self._ns_per_frame = 1e9 / self.rate
        self._since_xrun = 1 << 30  # blocks since the last xrun
        try:
            self._stream = sd.OutputStream(samplerate=self.rate, device=info["index"], channels=self.channels,
                                           dtype="float32", latency=config.latency, callback=self._callback)
            self._stream.start()
        except sd.PortAudioError as exc:
            raise AudioUnavailable(f"audio device {self.device_name!r} could not be opened ({exc})") from exc
        self.latency_s = float(self._stream.latency)

    # --- the player's side ------------------------------------------------------------------------------
    def push(self, at_ns: int, cls: int, velocity: int) -> None:
        """Play a hit of class `cls` at `at_ns` on the perf_counter timeline (from one thread only)."""
        self.ring.push(at_ns, cls, velocity)

    def cancel(self) -> None:
        """Drop hits queued and not yet started (a stop); what sounds rings out."""
        self.ring.cancel()

    # --- the audio thread ----------------------------------------------------------------------------------
    def _callback(self, outdata, frames, time_info, status) -> None:
        started, cpu = time.perf_counter_ns(), time.thread_time_ns()
        stats = self.stats
        try:
            self._since_xrun += 1
            if status.output_underflow:
                stats.xruns += 1
                self._since_xrun = 0
                self.clock.restart()
            offset = self.clock.observe(time_info.currentTime, started)
            first_ns = int(time_info.outputBufferDacTime * 1e9) + offset  # when frame 0 leaves the converter
            end_ns = first_ns + frames * self._ns_per_frame
            ring, mixer = self.ring, self._mixer
            at = ring.peek_time()
            while 0 <= at < end_ns:
                at, cls, velocity = ring.pop()
                frame = round((at - first_ns) / self._ns_per_frame)
                if frame < 0:
                    stats.late_hits += 1
                    stats.late_near_xrun += self._since_xrun < 64
                    stats.max_late_ns = max(stats.max_late_ns, first_ns - at)
                    frame = 0
                mixer.trigger(cls, velocity, frame)
                stats.hits += 1
                at = ring.peek_time()
            if self.channels == 2:
                mixer.mix(outdata, self.volume)
            else:
                block = self._stereo[:frames]
                mixer.mix(block, self.volume * 0.5)
                np.add(block[:, 0], block[:, 1], out=outdata[:, 0])
        except Exception as exc:  # noqa: BLE001 - the device must get a block; the owner reads first_error
            outdata.fill(0)
            stats.errors += 1
            if not stats.first_error:
                stats.first_error = f"{type(exc).__name__}: {exc}"
        took = time.perf_counter_ns() - started
        stats.callbacks += 1
        stats.callback_ns += took
        stats.callback_cpu_ns += time.thread_time_ns() - cpu
        stats.max_callback_ns = max(stats.max_callback_ns, took)

    # --- life ---------------------------------------------------------------------------------------------
    @property
    def lost(self) -> bool:
        """Whether the device went away under the open stream (its server stopped, it was unplugged)."""
        return not self.closed and not self._stream.active

    def close(self) -> None:
        if self.closed:
            return
        if self.lost:
            # PortAudio would wait forever for a device that is gone, here and in the Pa_Terminate sounddevice
            # runs at exit: leave the stream be, and let the process's end free it
            self.closed = True
            import atexit

            import sounddevice as sd

            atexit.unregister(getattr(sd, "_exit_handler", lambda: None))
            return
        self.closed = True
        self._stream.stop()
        self._stream.close()

    def __enter__(self) -> "AudioOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
