"""The built-in drum kit: nine sounds synthesised once with numpy (oscillators, noise and envelopes).

Synthesised by the project, so no sample licence comes with them. Each sound is rendered at a few velocity
layers: a harder hit is louder and brighter (more click, more noise, a higher pitch sweep), as a struck drum is.
Every sound starts at full strength on its first sample (cosine-phase oscillators), so a hit scheduled at
sample n is heard from sample n: the renderer's and the live stream's timing can be checked to the sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES

# the 808's six square-wave oscillators (Hz): inharmonic, so together they ring like metal
METAL_HZ = (205.3, 304.4, 369.6, 522.7, 540.0, 800.0)


@dataclass(frozen=True)
class KitConfig:
    """How the kit is made: its sample rate, the velocity layers, and where each drum sits left to right."""

    rate: int = 48000
    layers: int = 4  # tone layers across velocity 1..127; the level follows velocity within a layer
    pan: tuple[float, ...] = (0.0, 0.0, 0.3, 0.3, -0.35, -0.1, 0.2, -0.4, 0.45)  # -1 left .. 1 right, by class
    peak: float = 0.35  # a hit at velocity 127 peaks here: headroom for several at once
    seed: int = 11

    def __post_init__(self) -> None:
        if not 8000 <= self.rate <= 192000:
            raise ValueError(f"a kit's sample rate must lie in 8000..192000 Hz, got {self.rate}")
        if len(self.pan) != NUM_CLASSES:
            raise ValueError(f"the kit needs a pan position for each of the {NUM_CLASSES} classes")


@dataclass(frozen=True)
class Kit:
    """`sounds[cls][layer]`: mono float32 samples at `config.rate`; `gains[cls]`: (left, right) pan gains."""

    config: KitConfig
    sounds: tuple[tuple[np.ndarray, ...], ...]
    gains: np.ndarray = field(repr=False)

    @property
    def rate(self) -> int:
        return self.config.rate

    def layer(self, velocity: int) -> int:
        """The tone layer a MIDI velocity 1..127 plays."""
        return min(self.config.layers - 1, (int(velocity) - 1) * self.config.layers // 127)

    def level(self, velocity: int) -> float:
        """The gain of a hit: a curve, since a velocity of 64 sounds about half as loud as 127, not a quarter."""
        return (int(velocity) / 127.0) ** 1.6

    def sound(self, cls: int, velocity: int) -> np.ndarray:
        return self.sounds[cls][self.layer(velocity)]


def _t(rate: int, seconds: float) -> np.ndarray:
    return np.arange(int(rate * seconds)) / rate


def _decay(t: np.ndarray, tau: float) -> np.ndarray:
    return np.exp(-t / tau)


def _filtered(noise: np.ndarray, rate: int, low_hz: float = 0.0, high_hz: float = 0.0, order: int = 2) -> np.ndarray:
    """Noise through a zero-phase Butterworth-shaped band (high-pass at `low_hz`, low-pass at `high_hz`),
    applied in the frequency domain: exact, and fast enough for a kit made once."""
    spectrum = np.fft.rfft(noise.astype(np.float32))
    f = np.fft.rfftfreq(len(noise), 1 / rate)
    gain = np.ones_like(f)
    if low_hz:
        gain /= np.sqrt(1 + (low_hz / np.maximum(f, 1e-3)) ** (2 * order))
    if high_hz:
        gain /= np.sqrt(1 + (f / high_hz) ** (2 * order))
    out = np.fft.irfft(spectrum * gain.astype(np.float32), len(noise))
    return out / (np.abs(out).max() or 1.0)


def _swept_cosine(t: np.ndarray, rate: int, start_hz: float, end_hz: float, sweep_s: float) -> np.ndarray:
    """A cosine whose pitch falls from `start_hz` to `end_hz` (exponentially, time constant `sweep_s`)."""
    freq = end_hz + (start_hz - end_hz) * np.exp(-t / sweep_s)
    phase = 2 * np.pi * np.concatenate(([0.0], np.cumsum(freq[:-1]) / rate))
    return np.cos(phase)


def _metal(t: np.ndarray, scale: float, made: dict) -> np.ndarray:
    """The six square waves (cosine phase: they all start high), pitched by `scale`; -1..1. Kept in `made`
    for the next velocity layer, which rings with the same metal."""
    key = (len(t), scale)
    if key in made:
        return made[key]
    high = sum(((hz * scale * t + 0.25) % 1.0 < 0.5).astype(np.float32) for hz in METAL_HZ)
    made[key] = (2 * high - len(METAL_HZ)) / len(METAL_HZ)
    return made[key]


def kick(rate: int, hard: float, rng: np.random.Generator) -> np.ndarray:
    t = _t(rate, 0.5)
    body = _swept_cosine(t, rate, 120 + 80 * hard, 48, 0.035) * _decay(t, 0.22)
    click = _filtered(rng.standard_normal(len(t)), rate, 1500, 9000) * _decay(t, 0.0025)
    click[0] = 1.0
    return body + (0.25 + 0.35 * hard) * click


def snare(rate: int, hard: float, rng: np.random.Generator) -> np.ndarray:
    t = _t(rate, 0.35)
    tone = (_swept_cosine(t, rate, 240, 185, 0.02) + 0.5 * np.cos(2 * np.pi * 330 * t)) * _decay(t, 0.07) / 1.5
    rattle = _filtered(rng.standard_normal(len(t)), rate, 1200, 5000 + 4000 * hard) * _decay(t, 0.09 + 0.05 * hard)
    rattle[0] = 1.0
    return 0.6 * tone + (0.5 + 0.4 * hard) * rattle


def hat(rate: int, hard: float, rng: np.random.Generator, made: dict, seconds: float, tau: float) -> np.ndarray:
    t = _t(rate, seconds)
    metal = _metal(t, 1.0, made)
    sizzle = rng.standard_normal(len(t)) / 3  # the band filter below shapes it with the metal
    body = _filtered(0.7 * metal + (0.4 + 0.3 * hard) * sizzle, rate, 6000, 8000 + 10000 * hard)  # soft: duller
    body *= _decay(t, tau)
    body[0] = 1.0
    return body


def tom(rate: int, hard: float, rng: np.random.Generator, hz: float) -> np.ndarray:
    t = _t(rate, 0.6)
    body = _swept_cosine(t, rate, hz * (1.6 + 0.4 * hard), hz, 0.05) * _decay(t, 0.12 + 18 / hz)
    skin = _filtered(rng.standard_normal(len(t)), rate, 400, 3000) * _decay(t, 0.01)
    return body + (0.15 + 0.2 * hard) * skin


def cymbal(rate: int, hard: float, rng: np.random.Generator, made: dict, seconds: float, tau: float, bell: float) -> np.ndarray:
    t = _t(rate, seconds)
    metal = 0.5 * _metal(t, 1.7, made) + 0.5 * _metal(t, 2.3, made)
    wash = rng.standard_normal(len(t)) / 3
    ring = _filtered((1 - bell) * wash + (0.6 + 0.3 * hard) * metal, rate, 3000 - 800 * hard)
    ping = np.cos(2 * np.pi * 3100 * t) * _decay(t, 0.25)
    out = (ring + bell * ping) * _decay(t, tau)
    out[0] = 1.0
    return out


def _make(cls: int, rate: int, hard: float, rng: np.random.Generator, made: dict) -> np.ndarray:
    name = CLASS_NAMES[cls]
    if cls == 0:
        return kick(rate, hard, rng)
    if cls == 1:
        return snare(rate, hard, rng)
    if cls == 2:
        return hat(rate, hard, rng, made, 0.12, 0.028)
    if cls == 3:
        return hat(rate, hard, rng, made, 0.8, 0.22)
    if cls in (4, 5, 6):
        return tom(rate, hard, rng, (95.0, 135.0, 185.0)[cls - 4])
    if cls == 7:
        return cymbal(rate, hard, rng, made, 2.2, 0.7, 0.0)
    if cls == 8:
        return cymbal(rate, hard, rng, made, 1.6, 0.45, 0.45)
    raise ValueError(f"no sound for class {cls} ({name})")


def synthesize_kit(config: KitConfig = KitConfig()) -> Kit:
    """Render every class at every velocity layer, normalised so a full-velocity hit peaks at `config.peak`
    and the hit's first sample is its loudest (the onset every timing check looks for)."""
    rng = np.random.default_rng(config.seed)
    sounds, made = [], {}
    for cls in range(NUM_CLASSES):
        layers = []
        for layer in range(config.layers):
            hard = layer / max(config.layers - 1, 1)
            x = _make(cls, config.rate, hard, rng, made)
            x[0] = np.abs(x).max()  # the transient: a drum is loudest the instant it is struck
            x = x / np.abs(x).max() * config.peak
            fade = min(len(x), int(config.rate * 0.005))  # no click where the sound is cut off
            x[-fade:] *= np.linspace(1, 0, fade)
            x = x.astype(np.float32)
            x.setflags(write=False)
            layers.append(x)
        sounds.append(tuple(layers))
    pan = np.asarray(config.pan, dtype=np.float64)
    gains = np.stack([np.sqrt((1 - pan) / 2), np.sqrt((1 + pan) / 2)], axis=1) * np.sqrt(2)  # equal power, 1 at centre
    gains.setflags(write=False)
    return Kit(config, tuple(sounds), gains)
