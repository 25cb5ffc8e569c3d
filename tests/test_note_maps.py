import pytest

from drummachine import note_maps


def test_general_midi_is_the_default_and_presets_are_complete():
    assert note_maps.PRESETS["General MIDI"] == (36, 38, 42, 46, 45, 48, 50, 49, 51)
    for name, notes in note_maps.PRESETS.items():
        assert len(notes) == 9 and len(set(notes)) == 9, name


def test_a_user_map_is_saved_and_found_by_name(tmp_path):
    note_maps.save_user_map("My kit", [24, 26, 30, 32, 41, 43, 45, 37, 39], tmp_path)
    assert note_maps.resolve("My kit", tmp_path) == (24, 26, 30, 32, 41, 43, 45, 37, 39)
    assert "General MIDI" in note_maps.all_maps(tmp_path)


def test_nine_notes_work_as_a_map_and_bad_ones_are_refused(tmp_path):
    assert note_maps.resolve("36,37,38,39,40,41,42,43,44", tmp_path) == tuple(range(36, 45))
    with pytest.raises(ValueError, match="9 notes"):
        note_maps.resolve("Nope", tmp_path)
    with pytest.raises(ValueError):
        note_maps.resolve("1,2,3", tmp_path)


def test_a_damaged_map_file_is_reported(tmp_path):
    (tmp_path / "note_maps.json").write_text('{"x": [1, 2]}')
    with pytest.raises(ValueError, match="not a valid note map file"):
        note_maps.load_user_maps(tmp_path)


def test_the_cli_saves_and_lists_a_map(tmp_path, monkeypatch, capsys):
    from drummachine.cli import main

    monkeypatch.setenv("DRUMMACHINE_CONFIG", str(tmp_path))
    assert main(["note-map", "Pads", "60,61,62,63,64,65,66,67,68"]) == 0
    assert main(["note-map"]) == 0
    out = capsys.readouterr().out
    assert "Pads" in out and "kick=60" in out and "General MIDI" in out
