"""Bad MIDI files at the edges: `trainer dataset` and `trainer evaluate --midi` leave them out of a folder,
say which and why, and go on with the rest; `drummachine` says one sentence instead of a traceback."""

from drummachine.cli import main as drummachine_main
from trainer.__main__ import main as trainer_main
from trainer.dataset import build_dataset
from trainer.evaluate import windows_from_midi
from midi_builders import drum_file, groove_notes, raw_smf, save


def midi_folder(tmp_path):
    """Two good grooves, a truncated file, a text file named .mid, and a file whose one delta time is a
    20 KB run of continuation bytes (mido's reading of it let OverflowError out and aborted both commands)."""
    folder = tmp_path / "midi"
    save(drum_file(groove_notes(16)), folder / "good.mid")
    save(drum_file(groove_notes(16, variant=5)), folder / "other.mid")
    good = (folder / "good.mid").read_bytes()
    (folder / "cut.mid").write_bytes(good[:-40])
    (folder / "notes.mid").write_text("not music")
    (folder / "huge.mid").write_bytes(raw_smf([b"\x00\x99\x24\x64" + b"\xff" * 20_000 + b"\x7f\x99\x26\x64\x00\xff\x2f\x00"]))
    return folder


def test_refused_files_are_recorded_with_reason_and_message(tmp_path):
    folder = midi_folder(tmp_path)
    skipped = {}
    tokens = windows_from_midi(folder, 2, skipped)
    assert len(tokens) > 0
    assert sorted(skipped) == ["cut.mid", "huge.mid", "notes.mid"]
    assert skipped["cut.mid"][0] == "corrupt" and skipped["cut.mid"][1].startswith(f"{folder / 'cut.mid'}: damaged MIDI")
    assert skipped["notes.mid"][0] == "not_midi"


def test_the_cli_reports_skipped_files_before_the_scores(tiny_checkpoint, tmp_path, capsys):
    folder = midi_folder(tmp_path)
    assert trainer_main(["evaluate", "--model", str(tiny_checkpoint), "--midi", str(folder), "--limit", "4"]) == 0
    out = capsys.readouterr().out
    assert "skipped: corrupt 2, not_midi 1" in out
    assert f"  e.g. {folder / 'cut.mid'}: damaged MIDI data: track 2 is cut short" in out  # sorted: cut before huge
    assert f"  e.g. {folder / 'notes.mid'}: not a Standard MIDI File" in out
    assert out.index("skipped:") < out.index("| model")


def test_the_dataset_build_skips_them_and_names_each_reason(tmp_path):
    folder = midi_folder(tmp_path)
    summary = build_dataset(folder, tmp_path / "data", progress=False)
    assert summary["files_read"] == 2
    assert summary["files_skipped"] == {"corrupt": 2, "not_midi": 1}
    messages = summary["skipped_examples"]["corrupt"]
    assert any(m.startswith(f"{folder / 'huge.mid'}: damaged MIDI data: track 1: a delta time") for m in messages)


def test_the_app_cli_names_a_bad_file_in_one_line(tiny_model, tmp_path, capsys):
    folder = midi_folder(tmp_path)
    argv = ["morph", str(folder / "huge.mid"), str(folder / "good.mid"), "--model", str(tiny_model),
            "-o", str(tmp_path / "m.mid")]
    assert drummachine_main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"drummachine: {folder / 'huge.mid'}: damaged MIDI data: track 1: a delta time at byte 4 runs over 4 bytes\n"
    assert not (tmp_path / "m.mid").exists()
