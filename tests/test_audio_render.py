"""The built-in kit and offline rendering: what `drummachine render` and "Export audio..." write."""

from __future__ import annotations

import struct
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from audio_capture import onsets  # noqa: E402

from drummachine.audio.kit import KitConfig, synthesize_kit  # noqa: E402
from drummachine.audio.render import RenderSettings, render  # noqa: E402
from drummachine.audio.ring import HitRing  # noqa: E402
from drummachine.audio.wav import write_wav  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402
from drummachine.live.player import PlayerSettings  # noqa: E402

KICK, SNARE, CLOSED_HAT, OPEN_HAT, LOW_TOM = 0, 1, 2, 3, 4

# short sounds (kick, snare, closed hat, low tom), each at least 0.6 s after the one before, so every onset
# follows silence; steps 5 and 13 are odd, so swing moves them
SPARSE = {0: KICK, 5: SNARE, 10: CLOSED_HAT}


@pytest.fixture(scope="module")
def kit48():
    return synthesize_kit(KitConfig(rate=48000))


def sparse_pattern(bars: int = 2, velocity: int = 100) -> Pattern:
    v = np.zeros((bars, 16, 9), dtype=np.uint8)
    for step, cls in SPARSE.items():
        v[:, step, cls] = velocity
    return Pattern(v)


def read_wav16(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2) / 32767
        return data, w.getframerate()


def test_every_drum_is_loudest_on_its_first_sample(kit48):
    for cls, layers in enumerate(kit48.sounds):
        for x in layers:
            assert abs(x[0]) == np.abs(x).max() > 0.3, cls


def test_harder_hits_are_brighter(kit48):
    def centroid(x):
        power = np.abs(np.fft.rfft(x)) ** 2
        return float((np.fft.rfftfreq(len(x), 1 / 48000) * power).sum() / power.sum())

    for cls in (KICK, SNARE, CLOSED_HAT):
        soft, hard = kit48.sound(cls, 20), kit48.sound(cls, 127)
        assert centroid(hard) > centroid(soft) * 1.05, cls


@pytest.mark.parametrize("rate", [44100, 48000])
def test_each_hit_starts_at_the_sample_of_its_time(tmp_path, rate):
    bpm, swing = 97.0, 62.0
    audio = render(sparse_pattern(), PlayerSettings(bpm=bpm, swing=swing), RenderSettings(rate=rate))
    path = write_wav(tmp_path / "groove.wav", audio, rate)
    heard, file_rate = read_wav16(path)
    assert file_rate == rate
    step_s = 60 / bpm / 4
    expected = [(bar * 16 + step) * step_s + (step % 2) * (2 * swing / 100 - 1) * step_s
                for bar in range(2) for step in sorted(SPARSE)]
    found = onsets(heard, threshold=0.01, quiet=int(0.1 * rate))
    assert len(found) == len(expected)
    errors = found - np.asarray(expected) * rate
    assert np.abs(errors).max() <= 1.0, errors


def test_a_muted_drum_is_not_rendered():
    settings = PlayerSettings(bpm=120, muted=frozenset({SNARE}))
    found = onsets(render(sparse_pattern(1), settings), threshold=0.01, quiet=4800)
    step = 48000 * 60 / 120 / 4
    assert list(found) == [0, round(10 * step)]


def test_velocity_sets_the_level():
    loud = render(sparse_pattern(1, velocity=120), PlayerSettings(bpm=120))
    soft = render(sparse_pattern(1, velocity=40), PlayerSettings(bpm=120))
    ratio = np.abs(soft).max() / np.abs(loud).max()
    assert ratio == pytest.approx((40 / 120) ** 1.6, rel=0.02)


def test_a_closed_hat_chokes_the_open_hat():
    v = np.zeros((1, 16, 9), dtype=np.uint8)
    v[0, 0, OPEN_HAT] = 100
    ringing = render(Pattern(v), PlayerSettings(bpm=120))
    v[0, 2, CLOSED_HAT] = 100
    choked = render(Pattern(v), PlayerSettings(bpm=120))
    after = int(0.25 * 48000 + 0.12 * 48000 + 0.01 * 48000)  # closed hat at 0.25 s, 0.12 s long, 3 ms fade
    assert np.abs(ringing[after:after + 4800]).max() > 0.01
    assert np.abs(choked[after:]).max() == 0.0


def test_a_float_wav_holds_the_rendered_samples_exactly(tmp_path):
    audio = render(sparse_pattern(1), PlayerSettings(bpm=140), RenderSettings(rate=44100, tail_s=0.5))
    data = write_wav(tmp_path / "f.wav", audio, 44100, "float32").read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[20:36])
    assert (tag, channels, rate, bits) == (3, 2, 44100, 32)
    start = data.index(b"data") + 8
    assert np.array_equal(np.frombuffer(data[start:], dtype="<f4").reshape(-1, 2), audio)


def test_a_wav_in_a_missing_folder_is_refused_by_name(tmp_path):
    from drummachine.audio.wav import WavWriteError

    with pytest.raises(WavWriteError, match="nowhere"):
        write_wav(tmp_path / "nowhere" / "a.wav", np.zeros((10, 2)), 48000)


def test_the_hit_ring_hands_over_in_order_and_drops_what_is_cancelled():
    ring = HitRing(capacity=4)
    for k in range(5):
        ring.push(1000 + k, k, 100)
    assert ring.overflows == 1
    assert [ring.pop() for _ in range(2)] == [(1000, 0, 100), (1001, 1, 100)]
    ring.cancel()
    assert ring.peek_time() == -1
    ring.push(2000, 8, 64)
    assert ring.peek_time() == 2000 and ring.pop() == (2000, 8, 64)


def test_the_rendered_groove_carries_each_hits_feel_offset():
    import numpy as np

    from drummachine.audio.timeline import hits
    from drummachine.groove.pattern import Pattern
    from drummachine.live.player import PlayerSettings

    v = np.zeros((1, 16, 9), np.uint8)
    o = np.zeros((1, 16, 9), np.float32)
    v[0, 0, 0], o[0, 0, 0] = 100, -0.3  # held at 0: nothing before the start
    v[0, 4, 1], o[0, 4, 1] = 90, 0.2
    v[0, 8, 2] = 80
    got = list(hits(Pattern(v, o), PlayerSettings(bpm=150)))  # a step is 0.1 s
    assert [(round(h.at_s, 6), h.cls) for h in got] == [(0.0, 0), (0.42, 1), (0.8, 2)]
