"""`trainer evaluate` on a built dataset: the seed table, then the groove report with intervals, drummers and
the loop baselines, on the screen, in markdown and in JSON."""

import json

import numpy as np
from midi_builders import drum_file, groove_notes, save
from trainer.__main__ import main as trainer_main
from trainer.dataset import build_dataset


import pytest

from trainer.groove_report import paired_differences


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("eval")
    for i in range(60):  # 17-bar performances by two 'drummers', so there are 16-bar windows in every split
        save(drum_file(groove_notes(17, variant=i + 1), end_tick=17 * 1920), root / "midi" / f"drummer{i % 2}" / f"t{i}.mid")
    build_dataset(root / "midi", root / "data", progress=False)
    return root / "data"


def test_evaluate_reports_intervals_baselines_and_drummers(tiny_model, data, tmp_path, capsys):
    out, md = tmp_path / "scores.json", tmp_path / "report.md"
    assert trainer_main(["evaluate", "--model", str(tiny_model), "--data", str(data),
                         "--json", str(out), "--report", str(md)]) == 0
    printed = capsys.readouterr().out
    assert "loop most common bar" in printed and "95% intervals by file" in printed
    report = json.loads(out.read_text())[0]["report"]
    assert set(report["accuracy"]) == {"teacher-forced", "free-running", "loop first bar", "loop most common bar"}
    acc = report["accuracy"]["free-running"]
    assert acc["low"] <= acc["value"] <= acc["high"]
    assert set(report["per_drummer"]) <= {"drummer0", "drummer1"}
    assert report["hit_f1"]["loop first bar"]["kick"]["value"] > 0
    assert "distinct bars" in report["structure"] and md.read_text().startswith("## ")


def test_two_models_are_compared_on_the_same_windows_with_paired_intervals(tiny_model, tiny_per_bar_model, data,
                                                                           tmp_path, capsys):
    out, md = tmp_path / "scores.json", tmp_path / "report.md"
    assert trainer_main(["evaluate", "--model", str(tiny_model), str(tiny_model), str(tiny_per_bar_model),
                         "--data", str(data), "--json", str(out), "--report", str(md)]) == 0
    assert "paired against" in capsys.readouterr().out and "paired against" in md.read_text()
    rows = json.loads(out.read_text())
    assert "paired_against_first" not in rows[0]
    same = rows[1]["paired_against_first"]  # the first model against itself: nothing differs
    assert set(same) == {"teacher-forced", "free-running", "F1 kick", "F1 snare", "F1 closed hat"}
    assert all(v["value"] == v["low"] == v["high"] == 0 for v in same.values())
    other = rows[2]["paired_against_first"]
    assert other["teacher-forced"]["low"] <= other["teacher-forced"]["value"] <= other["teacher-forced"]["high"]


def test_a_paired_difference_is_the_difference_of_the_two_scores():
    tokens = np.array([[1, 2, 3, 4] * 4, [5, 6, 7, 0] * 4, [1, 1, 1, 1] * 4], np.int64)
    files = np.array([0, 1, 2])
    good = {"teacher_forced_correct": np.array([16, 16, 16]), "rebuilt": tokens.copy()}
    bad_tokens = tokens.copy()
    bad_tokens[:, ::2] = 0  # every other step silent
    bad = {"teacher_forced_correct": np.array([8, 8, 8]), "rebuilt": bad_tokens}
    d = paired_differences(tokens, files, good, bad)
    assert d["teacher-forced"].value == pytest.approx(0.5)
    assert d["free-running"].value == pytest.approx(((tokens == tokens).sum() - (bad_tokens == tokens).sum()) / tokens.size)
    assert d["F1 kick"].value > 0 and d["F1 kick"].low > 0


def test_a_fit_is_paired_with_the_encoders_codes_and_its_figures_reach_the_card(tiny_per_bar_checkpoint,
                                                                                 tiny_per_bar_model, data, tmp_path,
                                                                                 capsys):
    import shutil

    from drummachine.model import format as fmt
    from export.__main__ import main as export_main

    out = tmp_path / "fit.json"
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    assert trainer_main(["evaluate", "--model", str(folder), str(folder), "--fit-steps", "0", "3",
                         "--data", str(data), "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [r["fit_steps"] for r in rows] == [0, 3] and "codes fitted in 3 steps" in rows[1]["model"]
    assert set(rows[1]["paired_against_first"]) == {"teacher-forced", "free-running", "F1 kick", "F1 snare",
                                                    "F1 closed hat"}
    assert export_main(["--checkpoint", str(tiny_per_bar_checkpoint), "--out", str(folder), "--add-fit",
                        "--fit-evaluation", "test", str(out)]) == 0
    card = (folder / fmt.CARD).read_text()
    assert "## Codes fitted to the groove" in card and "On the test split" in card and "| F1 kick |" in card
    # one row, or the fit first, is not a paired evaluation of a fit: refused in one sentence, the folder unchanged
    out.write_text(json.dumps(rows[::-1]))
    capsys.readouterr()
    assert export_main(["--checkpoint", str(tiny_per_bar_checkpoint), "--out", str(folder), "--add-fit",
                        "--fit-evaluation", "test", str(out)]) == 2
    assert "must score one folder twice" in capsys.readouterr().err and (folder / fmt.CARD).read_text() == card


def test_fit_steps_must_be_one_for_all_or_one_per_model(tiny_model, data, capsys):
    assert trainer_main(["evaluate", "--model", str(tiny_model), str(tiny_model), str(tiny_model),
                         "--fit-steps", "0", "3", "--data", str(data)]) == 2
    assert "--fit-steps takes one number" in capsys.readouterr().err


def _real_grooves(files: int, per_file: int, seed: int = 0):
    """Grooves of `files` performances, each a few windows of one busy or sparse pattern with a little noise."""
    rng = np.random.default_rng(seed)
    hits, owners = [], []
    for f in range(files):
        base = rng.random((1, 16, 9)) < rng.uniform(0.1, 0.3)
        for _ in range(per_file):
            noise = rng.random((16, 16, 9)) < 0.03
            hits.append(np.broadcast_to(base, (16, 16, 9)) ^ noise)
            owners.append(f)
    return np.array(hits), np.array(owners)


def test_real_grooves_read_as_samples_are_resampled_by_their_files():
    from trainer.groove_report import sample_figure_rows

    real, files = _real_grooves(12, 5)
    as_own = sample_figure_rows(real, files, real, sample_files=files)
    assert all(v["matches"] for v in as_own.values())  # a set matches every figure of its own
    as_windows = sample_figure_rows(real, files, real)
    width = lambda e: e.high - e.low  # noqa: E731
    # windows of one file share its groove: resampled as independent samples their interval is too narrow
    assert width(as_own["hits per bar"]["samples"]) > width(as_windows["hits per bar"]["samples"])
    assert as_own["hits per bar"]["samples"].value == as_windows["hits per bar"]["samples"].value
