"""Every command-line value is checked against the one limits table, and refused in one sentence naming its flag."""

import subprocess
import sys
import time

import pytest
from jack_server import Recorder, jack_available

from drummachine import limits
from drummachine.cli import main
from drummachine.midi.reader import read_drum_midi


def refusal(capsys, argv: list[str]) -> str:
    """What `drummachine ARGV` says on stderr; it must exit 2 having written nothing to stdout."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    return err.strip()


@pytest.mark.parametrize("argv, sentence", [
    (["generate", "--bpm", "0"], "--bpm must be between 40 and 300 BPM (got 0)"),
    (["generate", "--bpm", "10000"], "--bpm must be between 40 and 300 BPM (got 10000)"),
    (["generate", "--bpm", "inf"], "--bpm must be between 40 and 300 BPM (a finite number is needed, got 'inf')"),
    (["play", "--bpm", "1000"], "--bpm must be between 40 and 300 BPM (got 1000)"),
    (["generate", "--temperature", "nan"],
     "--temperature must be between 0 and 2 (a finite number is needed, got 'nan')"),
    (["generate", "--temperature", "-1"], "--temperature must be between 0 and 2 (got -1)"),
    (["play", "--bars", "0"], "--bars must be between 1 and 16 bars (got 0)"),
    (["play", "--bars", "17"], "--bars must be between 1 and 16 bars (got 17)"),
    (["generate", "--bars", "two"], "--bars must be between 1 and 16 bars (a whole number is needed, got 'two')"),
    (["morph", "a.mid", "b.mid", "--steps", "20000"], "--steps must be between 2 and 64 steps (got 20000)"),
    (["morph", "a.mid", "b.mid", "--steps", "1"], "--steps must be between 2 and 64 steps (got 1)"),
    (["play", "--duration", "-1"], "--duration must be between 0.1 and 604800 seconds (got -1)"),
    (["generate", "--seed", "-5"], "--seed must be between 0 and 2147483647 (got -5)"),
    (["generate", "--seed", str(2**70)], f"--seed must be between 0 and 2147483647 (got {2**70})"),
    (["play", "--channel", "17"], "--channel must be between 1 and 16 (got 17)"),
    (["play", "--swing", "90"], "--swing must be between 50 and 75 percent (got 90)"),
    (["play", "--gate", "0"], "--gate must be between 0.05 and 1 of a 16th (got 0)"),
    (["play", "--morph-bars", "1"], "--morph-bars must be between 2 and 64 bars (got 1)"),
    (["generate", "--threads", "0"], "--threads must be between 1 and 64 (got 0)"),
])
def test_a_value_out_of_range_is_one_sentence_naming_the_flag(capsys, argv, sentence):
    assert refusal(capsys, argv) == f"drummachine: {sentence}"


def test_an_empty_output_name_is_refused_by_name(capsys, tmp_path):
    assert refusal(capsys, ["generate", "-o", ""]) == "drummachine: the output file name is empty (-o/--output)"


def test_lock_from_without_lock_is_refused(capsys, tmp_path, tiny_model):
    said = refusal(capsys, ["generate", "--lock-from", str(tmp_path / "mine.mid"), "--model", str(tiny_model)])
    assert said.startswith("drummachine: --lock-from needs --lock")


def test_argparse_own_errors_come_as_one_line_too(capsys):
    assert refusal(capsys, ["play", "--api", "midi"]).startswith("drummachine: argument --api: invalid choice: 'midi'")
    assert refusal(capsys, ["generate", "--bogus"]) == "drummachine: unrecognized arguments: --bogus"


@pytest.mark.parametrize("bpm", [limits.BPM.low, limits.BPM.high])
def test_every_tempo_the_cli_takes_reads_back_from_its_clip(tmp_path, tiny_model, bpm, capsys):
    out = tmp_path / "edge.mid"
    assert main(["generate", "--model", str(tiny_model), "--bars", "1", "--seed", "1", "--bpm", str(bpm),
                 "-o", str(out)]) == 0
    assert read_drum_midi(out).bpm == pytest.approx(bpm, abs=0.01)
    assert "wrote " + str(out) + ": 1 bar, seed 1" in capsys.readouterr().out


def test_the_clip_writer_refuses_a_tempo_its_reader_would_refuse(tmp_path):
    from drummachine.midi.clip import write_clip
    from drummachine.groove.pattern import Pattern

    with pytest.raises(ValueError, match=r"the clip's tempo must be between 40 and 300 BPM \(got 10000\)"):
        write_clip(Pattern.empty(1), tmp_path / "fast.mid", bpm=10000)
    assert list(tmp_path.iterdir()) == []


def test_an_output_name_as_long_as_the_file_system_allows_is_written(tmp_path, tiny_model):
    out = tmp_path / ("g" * 251 + ".mid")
    assert main(["generate", "--model", str(tiny_model), "--bars", "1", "-o", str(out)]) == 0
    assert read_drum_midi(out).bpm == 120.0


def test_note_maps_take_note_names_and_a_saved_one_can_be_deleted(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DRUMMACHINE_CONFIG", str(tmp_path))
    assert main(["note-map", "Pads", "C1,C#1,D1,D#1,E1,F1,F#1,G1,G#1"]) == 0
    assert main(["note-map"]) == 0
    assert "Pads                     kick=36  snare=37" in capsys.readouterr().out
    assert main(["note-map", "--delete", "Pads"]) == 0
    assert capsys.readouterr().out.startswith("deleted note map 'Pads' from ")
    assert main(["note-map"]) == 0
    assert "Pads" not in capsys.readouterr().out
    assert refusal(capsys, ["note-map", "X", "36,38,C9"]).startswith("drummachine: 'C9' is not a note")
    assert refusal(capsys, ["note-map", "--delete", "General MIDI"]) == \
        "drummachine: 'General MIDI' is a built-in note map and cannot be deleted; saved maps: none"


def _play(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drummachine", "play", "--api", "jack", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_a_missing_port_fails_fast_listing_the_ports_there_are(jack, tmp_path, tiny_model):
    daw = Recorder(tmp_path, virtual="DAW in")
    try:
        started = time.monotonic()
        done = _play("--port", "My DAW", "--duration", "30", "--model", str(tiny_model))
        seconds = time.monotonic() - started
    finally:
        daw.stop()
    assert done.returncode == 2 and seconds < 20, done.stderr
    assert done.stderr.startswith("drummachine: --port: no MIDI port named 'My DAW'; the ports here are: ")
    assert "recorder:DAW in" in done.stderr


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_ports_lists_a_daw_input_among_those_drummachine_can_play_into(jack, tmp_path):
    daw = Recorder(tmp_path, virtual="DAW in")
    try:
        done = subprocess.run([sys.executable, "-m", "drummachine", "ports", "--api", "jack"], capture_output=True,
                              text=True, timeout=60)
    finally:
        daw.stop()
    play_into, follow = done.stdout.split("ports drummachine can follow")
    assert "recorder:DAW in" in play_into and "recorder:DAW in" not in follow


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_a_missing_clock_port_is_refused_the_same_way(jack, tiny_model):
    done = _play("--follow", "DAW clock", "--duration", "30", "--model", str(tiny_model))
    assert done.returncode == 2
    assert done.stderr.startswith("drummachine: --follow: no MIDI port named 'DAW clock'; the ports here are: ")


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_a_port_that_is_there_is_played_into(jack, tmp_path, tiny_model):
    daw = Recorder(tmp_path, virtual="DAW in")
    try:
        done = _play("--port", "DAW in", "--duration", "1", "--bars", "1", "--seed", "2", "--model", str(tiny_model))
    finally:
        got = daw.stop()
    assert done.returncode == 0, done.stderr
    assert "playing 1 bar, seed 2" in done.stdout and any(m["msg"][0] == 0xF8 for m in got)  # clock ticks arrived


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_a_damaged_note_map_file_does_not_stop_play_with_the_default_map(jack, tmp_path, tiny_model, monkeypatch):
    (tmp_path / "note_maps.json").write_text("[not, json")
    monkeypatch.setenv("DRUMMACHINE_CONFIG", str(tmp_path))
    done = _play("--duration", "0.5", "--bars", "1", "--model", str(tiny_model))
    assert done.returncode == 0, done.stderr
    assert "drummachine: note_maps.json was repaired (it is not JSON" in done.stderr and "playing 1 bar" in done.stdout
    assert [p.read_text() for p in tmp_path.glob("note_maps.json.damaged-*")] == ["[not, json"]
