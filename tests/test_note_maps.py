import pytest

from drummachine.midi import note_maps


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


def _asides(folder) -> list:
    return sorted(folder.glob("note_maps.json.damaged-*"))


@pytest.mark.parametrize("text", ["[1, 2]", "null", '"maps"', "{not json"])
def test_a_map_file_that_holds_no_maps_is_set_aside_and_the_presets_still_work(tmp_path, text):
    (tmp_path / "note_maps.json").write_text(text)
    maps, notice = note_maps.read_user_maps(tmp_path)
    assert maps == {} and "note_maps.json was repaired" in notice
    assert _asides(tmp_path)[0].read_text() == text and _asides(tmp_path)[0].name in notice
    assert note_maps.resolve("General MIDI", tmp_path) == note_maps.PRESETS["General MIDI"]


def test_a_damaged_map_is_dropped_and_the_whole_ones_kept(tmp_path):
    (tmp_path / "note_maps.json").write_text('{"x": [1, 2], "Pads": [60, 61, 62, 63, 64, 65, 66, 67, 68]}')
    maps, notice = note_maps.read_user_maps(tmp_path)
    assert maps == {"Pads": tuple(range(60, 69))}
    assert "'x' was dropped: a note map gives 9 notes" in notice
    assert note_maps.read_user_maps(tmp_path) == (maps, "")  # repaired on disk: the next start is quiet


def test_a_saved_map_named_like_a_preset_is_renamed_and_never_hides_it(tmp_path):
    (tmp_path / "note_maps.json").write_text('{"General MIDI": [60, 61, 62, 63, 64, 65, 66, 67, 68]}')
    maps, notice = note_maps.read_user_maps(tmp_path)
    assert maps == {"General MIDI (saved)": tuple(range(60, 69))} and "renamed 'General MIDI (saved)'" in notice
    assert note_maps.resolve("General MIDI", tmp_path) == (36, 38, 42, 46, 45, 48, 50, 49, 51)


def test_saving_under_a_preset_name_is_refused(tmp_path):
    with pytest.raises(ValueError, match="'General MIDI' is a built-in note map"):
        note_maps.save_user_map("General MIDI", list(range(60, 69)), tmp_path)
    assert not (tmp_path / "note_maps.json").exists()


def test_a_saved_map_can_be_deleted_and_a_preset_cannot(tmp_path):
    note_maps.save_user_map("Pads", list(range(60, 69)), tmp_path)
    note_maps.save_user_map("Kit", list(range(36, 45)), tmp_path)
    note_maps.delete_user_map("Pads", tmp_path)
    assert note_maps.load_user_maps(tmp_path) == {"Kit": tuple(range(36, 45))}
    with pytest.raises(ValueError, match="built-in note map and cannot be deleted"):
        note_maps.delete_user_map("General MIDI", tmp_path)
    with pytest.raises(ValueError, match="'Pads' is not a saved note map; saved maps: Kit"):
        note_maps.delete_user_map("Pads", tmp_path)


@pytest.mark.parametrize("name, note", [("C1", 36), ("c3", 60), ("F#2", 54), ("Db1", 37), ("D#-1", 15), ("C-2", 0),
                                        ("G8", 127), ("42", 42)])
def test_notes_are_numbers_or_names_with_c1_at_36(name, note):
    assert note_maps.parse_note(name) == note


@pytest.mark.parametrize("text", ["H2", "G#8", "C-3", "128", "-1", "--1", "C", "1.5", ""])
def test_a_note_that_is_not_one_is_refused_in_one_sentence(text):
    with pytest.raises(ValueError, match="not a note|between 0 and 127"):
        note_maps.parse_note(text)


def test_a_map_given_by_note_names_equals_the_chromatic_preset(tmp_path):
    assert note_maps.resolve("C1,C#1,D1,D#1,E1,F1,F#1,G1,G#1", tmp_path) == note_maps.PRESETS["Chromatic from C1"]


def test_the_cli_saves_and_lists_a_map(tmp_path, monkeypatch, capsys):
    from drummachine.cli import main

    monkeypatch.setenv("DRUMMACHINE_CONFIG", str(tmp_path))
    assert main(["note-map", "Pads", "60,61,62,63,64,65,66,67,68"]) == 0
    assert main(["note-map"]) == 0
    out = capsys.readouterr().out
    assert "Pads" in out and "kick=60" in out and "General MIDI" in out
