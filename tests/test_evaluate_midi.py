"""`trainer evaluate --midi DIR`: files the reader refuses are left out and reported, as `trainer dataset` does."""

from trainer.__main__ import main as trainer_main
from trainer.evaluate import windows_from_midi
from midi_builders import drum_file, groove_notes, save


def midi_folder(tmp_path):
    """Two good grooves, one truncated file and one text file named .mid."""
    folder = tmp_path / "midi"
    save(drum_file(groove_notes(16)), folder / "good.mid")
    save(drum_file(groove_notes(16, variant=5)), folder / "other.mid")
    good = (folder / "good.mid").read_bytes()
    (folder / "cut.mid").write_bytes(good[:-40])
    (folder / "notes.mid").write_text("not music")
    return folder


def test_refused_files_are_recorded_with_reason_and_message(tmp_path):
    folder = midi_folder(tmp_path)
    skipped = {}
    tokens = windows_from_midi(folder, 2, skipped)
    assert len(tokens) > 0
    assert sorted(skipped) == ["cut.mid", "notes.mid"]
    assert skipped["cut.mid"][0] == "corrupt" and skipped["cut.mid"][1].startswith(f"{folder / 'cut.mid'}: damaged MIDI")
    assert skipped["notes.mid"][0] == "not_midi"


def test_the_cli_reports_skipped_files_before_the_scores(tiny_checkpoint, tmp_path, capsys):
    folder = midi_folder(tmp_path)
    assert trainer_main(["evaluate", "--model", str(tiny_checkpoint), "--midi", str(folder), "--limit", "4"]) == 0
    out = capsys.readouterr().out
    assert "skipped: corrupt 1, not_midi 1" in out
    assert f"  e.g. {folder / 'cut.mid'}: damaged MIDI data: track 2 is cut short" in out
    assert f"  e.g. {folder / 'notes.mid'}: not a Standard MIDI File" in out
    assert out.index("skipped:") < out.index("| model")
