import json
from pathlib import Path

import pytest

from drummachine.groove.pattern import Pattern
from midi_builders import drum_file, groove_notes, save
from trainer.dataset import DatasetConfig, build_dataset, load_windows
from trainer.splits import assign_split, path_fraction
from trainer.windows import windows

GMD = Path(__file__).resolve().parents[2] / "shared" / "data" / "groove-midi"


def make_folder(root: Path, files: int = 30) -> Path:
    for i in range(files):
        save(drum_file(groove_notes(6, variant=i + 1), end_tick=6 * 1920), root / f"set{i % 3}" / f"take{i}.mid")
    (root / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    (root / "readme.mid").write_text("hello")
    save(drum_file(groove_notes(2), channel=3), root / "bass.mid")
    save(drum_file([(0, 36, 100)], signatures=[(0, 7, 8)]), root / "odd.mid")
    save(drum_file(groove_notes(2), bpm=5.0), root / "slow.mid")
    return root


def test_split_is_a_stable_function_of_the_path():
    assert path_fraction("a/b.mid") == path_fraction("a\\b.mid")
    assert 0 <= path_fraction("x.mid") < 1
    assert assign_split("x.mid", "validation", 0.1, 0.1) == "valid"
    held = [f"d/{i}.mid" for i in range(2000) if assign_split(f"d/{i}.mid", "train", 0.1, 0.1) == "test"]
    assert 150 < len(held) < 250


def test_window_rule_drops_mostly_empty_windows():
    p = Pattern.empty(4).with_hit(0, 0, 0, 100).with_hit(1, 0, 0, 100).with_hit(3, 0, 0, 100)
    kept = [keep for _, keep in windows(p, 2)]
    assert kept == [True, False, False]


def test_build_skips_bad_files_with_reasons_and_writes_everything(tmp_path):
    midi = make_folder(tmp_path / "midi")
    out = tmp_path / "out"
    summary = build_dataset(midi, out, DatasetConfig(workers=2), progress=False)
    assert summary["files_found"] == 35
    assert summary["files_read"] == 30
    assert summary["files_skipped"] == {"absurd_tempo": 1, "corrupt": 1, "no_drums": 1, "not_4_4": 1, "not_midi": 1}
    assert summary["bars"]["total"] == 180
    assert json.loads((out / "summary.json").read_text())["files_read"] == 30
    assert sorted(p.name for p in out.iterdir()) == ["summary.json", "windows_16bar.npz", "windows_2bar.npz"]
    # each 6-bar file gives five 2-bar windows and no 16-bar window
    w2 = summary["windows"]["2"]
    assert sum(s["windows"] + s["duplicates_dropped"] for s in w2.values()) == 30 * 5
    assert sum(s["windows"] for s in summary["windows"]["16"].values()) == 0
    assert summary["class_hit_rate"]["closed hat"] == pytest.approx(0.5)


def test_no_window_of_a_test_file_is_in_training(tmp_path):
    midi = make_folder(tmp_path / "midi", files=40)
    build_dataset(midi, tmp_path / "out", progress=False)
    train = load_windows(tmp_path / "out", 2, "train")
    test = load_windows(tmp_path / "out", 2, "test")
    assert len(train) and len(test)
    train_files = {train.files[i] for i in train.file_index}
    test_files = {test.files[i] for i in test.file_index}
    assert not train_files & test_files
    for f in test_files:
        assert assign_split(f, None, 0.1, 0.1) == "test"


def test_windows_hold_tokens_and_velocities_of_the_source(tmp_path):
    midi = tmp_path / "midi"
    save(drum_file(groove_notes(2), end_tick=2 * 1920), midi / "one.mid")
    build_dataset(midi, tmp_path / "out", DatasetConfig(test_fraction=0, valid_fraction=0), progress=False)
    w = load_windows(tmp_path / "out", 2, "train")
    assert w.tokens.shape == (1, 32) and w.velocities.shape == (1, 32, 9)
    assert w.tokens[0, 0] == 1 | 4 and w.velocities[0, 0, 0] == 110


def test_an_empty_folder_is_a_clear_error_and_writes_nothing(tmp_path):
    (tmp_path / "midi").mkdir()
    (tmp_path / "midi" / "junk.mid").write_text("junk")
    with pytest.raises(ValueError, match="no usable drum MIDI"):
        build_dataset(tmp_path / "midi", tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_a_missing_dataset_names_the_command_that_builds_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="python -m trainer dataset"):
        load_windows(tmp_path, 2, "train")


@pytest.mark.skipif(not GMD.is_dir(), reason="Groove MIDI Dataset not present in ../shared/data")
def test_groove_midi_dataset_summary_matches_measured_counts(tmp_path):
    s = build_dataset(GMD, tmp_path / "gmd", progress=False)
    assert s["files_found"] == 1021
    assert s["files_read"] == 1009
    assert s["files_skipped"] == {"not_4_4": 12}
    assert s["files_per_split"] == {"train": 795, "valid": 122, "test": 92}
    assert s["bars"] == {"train": 16561, "valid": 2265, "test": 2143, "total": 20969}
    assert {k: v["windows"] for k, v in s["windows"]["2"].items()} == {"train": 14037, "valid": 1953, "test": 1879}
    assert {k: v["windows"] for k, v in s["windows"]["16"].items()} == {"train": 11078, "valid": 1456, "test": 1459}
    assert s["onsets"]["unmapped_onsets"] == 0
    assert [t["token"] for t in s["top_tokens"][:3]] == [0, 2, 4]
