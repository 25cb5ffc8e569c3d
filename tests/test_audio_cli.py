"""`drummachine render` and the play command's sound options, as a user types them."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from audio_capture import onsets
from drummachine.cli import main
from drummachine.midi.clip import write_clip
from drummachine.groove.pattern import Pattern


@pytest.fixture
def groove(tmp_path):
    """Two bars: kick on 1, snare on the odd step 5 (swing moves it), a crash on bar 2's 1."""
    v = np.zeros((2, 16, 9), dtype=np.uint8)
    v[:, 0, 0], v[:, 5, 1], v[1, 0, 7] = 110, 100, 120
    return write_clip(Pattern(v), tmp_path / "groove.mid")


def test_render_writes_the_groove_at_its_tempo_and_swing(groove, tmp_path, capsys):
    out = tmp_path / "groove.wav"
    assert main(["render", str(groove), "-o", str(out), "--bpm", "90", "--swing", "62", "--rate", "44100",
                 "--mute", "crash"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out}: 2 bars at 90 BPM")
    with wave.open(str(out)) as w:
        rate = w.getframerate()
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2) / 32767
    step = 60 / 90 / 4 * rate
    expected = [0, (5 + 0.24) * step, 16 * step, (21 + 0.24) * step]  # swing 62 %: odd steps 0.24 step late
    assert rate == 44100
    assert np.abs(onsets(audio, 0.01, int(0.1 * rate)) - expected).max() <= 1


def test_render_writes_beside_the_midi_file_by_default(groove):
    assert main(["render", str(groove)]) == 0
    assert groove.with_suffix(".wav").stat().st_size > 44


def test_render_refuses_a_missing_file_by_name(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nothing.mid")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drummachine: ") and "nothing.mid" in err and len(err.strip().splitlines()) == 1


def test_render_refuses_a_rate_it_does_not_write(groove, capsys):
    assert main(["render", str(groove), "--rate", "22050"]) == 2
    assert "--rate" in capsys.readouterr().err


def test_render_into_a_missing_folder_names_it(groove, tmp_path, capsys):
    assert main(["render", str(groove), "-o", str(tmp_path / "gone" / "a.wav")]) == 2
    assert "gone" in capsys.readouterr().err


def test_play_refuses_a_volume_out_of_range(capsys):
    assert main(["play", "--volume", "120"]) == 2
    assert capsys.readouterr().err.strip() == "drummachine: --volume must be between 0 and 100 percent (got 120)"


def test_auto_sounds_on_the_virtual_port_and_leaves_a_daw_port_to_the_daw():
    from drummachine.audio.choice import OutputChoice

    assert OutputChoice("auto").resolved == "both"
    assert OutputChoice("auto", plays_into_a_daw=True).resolved == "midi"
    assert OutputChoice("audio", plays_into_a_daw=True).resolved == "audio"
