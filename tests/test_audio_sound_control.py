"""The window's sound choice without a window (SoundControl), and its panel's "Export audio..."."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from audio_capture import onsets
from drummachine.audio.sound_control import SoundControl
from drummachine.audio.sounding_player import SilentOutput, SoundingPlayer
from drummachine.live.sources import LoopSource
from drummachine.groove.pattern import Pattern
from drummachine.live.player import PlayerSettings


def kick_and_snare() -> Pattern:
    v = np.zeros((1, 16, 9), dtype=np.uint8)
    v[0, 0, 0], v[0, 5, 1] = 120, 100  # the snare on an odd step: swing moves it
    return Pattern(v)


@pytest.fixture
def player():
    with SoundingPlayer(SilentOutput, LoopSource(kick_and_snare()), PlayerSettings()) as p:
        yield p


def test_a_missing_sound_device_is_said_once_and_midi_plays_on(player):
    said: list[str] = []
    control = SoundControl(said.append, output="audio", device="no such card")
    control.attach(player)
    control.apply(opening=True)
    control.apply(opening=True)
    assert len(said) == 1 and "'no such card'" in said[0] and said[0].endswith("playing MIDI only")
    assert not control.sounding and player.midi_notes  # the notes still go to the MIDI port


def test_the_device_opens_at_play_not_with_the_window(player):
    said: list[str] = []
    control = SoundControl(said.append, output="both", device="no such card")
    control.attach(player)
    assert said == []


def test_midi_only_opens_no_device(player):
    said: list[str] = []
    control = SoundControl(said.append, output="midi", device="no such card")
    control.attach(player)
    control.apply(opening=True)
    assert said == [] and not control.sounding and player.midi_notes


def test_an_unknown_output_is_refused():
    with pytest.raises(ValueError, match="'speakers'"):
        SoundControl(print, output="speakers")


def test_export_audio_writes_the_groove_with_its_swing_and_mutes(qtbot, tmp_path):
    from drummachine.gui.sound_panel import SoundPanel

    said: list[str] = []
    settings = PlayerSettings(bpm=100, swing=60)
    panel = SoundPanel(SoundControl(said.append), lambda: [kick_and_snare()], lambda: settings, said.append)
    qtbot.addWidget(panel)
    assert panel.export(tmp_path / "groove.wav")
    assert said == [f"exported {tmp_path / 'groove.wav'}"]
    with wave.open(str(tmp_path / "groove.wav")) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2) / 32767
        rate = w.getframerate()
    step_s = 60 / 100 / 4
    assert list(onsets(audio, 0.01, int(0.1 * rate))) == [0, round((5 + 0.2) * step_s * rate)]  # 60 %: 0.2 step late


def test_export_audio_into_a_missing_folder_says_which(qtbot, tmp_path):
    from drummachine.gui.sound_panel import SoundPanel

    said: list[str] = []
    panel = SoundPanel(SoundControl(said.append), lambda: [kick_and_snare()], PlayerSettings, said.append)
    qtbot.addWidget(panel)
    assert not panel.export(tmp_path / "gone" / "groove.wav")
    assert "gone" in said[0] and "does not exist" in said[0]
