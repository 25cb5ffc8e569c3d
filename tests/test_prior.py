"""The latent prior of a model with a code per bar, refitted and tuned on validation grooves (export/prior.py)."""

import json
import shutil

import numpy as np
import pytest
from midi_builders import drum_file, groove_notes, save

from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from export.prior import main as prior_main
from trainer.dataset import DatasetConfig, build_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("data16")
    for i in range(30):
        save(drum_file(groove_notes(17, variant=i + 1), end_tick=17 * 1920), root / "midi" / f"g{i}.mid")
    build_dataset(root / "midi", root / "ds", DatasetConfig(workers=1), progress=False)
    return root / "ds"


def test_the_prior_is_tuned_on_validation_grooves_and_recorded(tiny_per_bar_model, dataset, tmp_path, capsys):
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    before = np.load(folder / fmt.LATENT_PRIOR)["chol"]
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--tune", "--samples", "3",
                       "--temperatures", "0", "1", "--section-scales", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "T 1 coherence 0.98 groove 0.80 bars 0.10 sections with the bars:" in out
    # then the section scale, at the grid's best, with its bar scale and that scale's neighbours
    tried = [line for line in out.splitlines() if "sections 0.50:" in line]
    assert 2 <= len(tried) <= 3 and "sections 0.30" not in out and "validation grooves:" in out
    assert len({line.split(" bars ")[0] for line in tried}) == 1
    info = json.loads((folder / fmt.INFO).read_text())
    assert info["prior_scales"]["tuned"] and "tuned on the validation grooves" in info["latent_prior"]
    assert info["prior_scales"]["sections"] in (None, 0.5)
    assert "bar variation" in (folder / fmt.CARD).read_text()
    engine = Engine(folder)
    assert not np.array_equal(engine.model.prior_chol, before)
    assert engine.sample(seed=1).pattern.bars == 16


def test_a_model_with_one_code_is_refused_in_one_sentence(tiny_model, dataset, capsys):
    assert prior_main(["--model", str(tiny_model), "--data", str(dataset)]) == 2
    assert "has one code for all its bars" in capsys.readouterr().err


def test_the_tuned_coherence_and_temperature_are_written_where_the_engine_reads_them(tiny_per_bar_model, dataset,
                                                                                      tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--bar-scale", "0.2",
                       "--coherence", "0.9", "--why", "chosen over ten draws on validation"]) == 0
    assert Engine(folder).model.bar_coherence == pytest.approx(0.9)
    info = json.loads((folder / fmt.INFO).read_text())
    assert info["prior_scales"]["bar_coherence"] == pytest.approx(0.9) and "bar coherence 0.9" in info["latent_prior"]
    assert info["latent_prior"].endswith("; chosen over ten draws on validation")
    assert "chosen over ten draws on validation" in (folder / fmt.CARD).read_text()


def test_a_coherence_outside_0_to_1_is_refused_in_one_sentence(tiny_per_bar_model, dataset, capsys):
    assert prior_main(["--model", str(tiny_per_bar_model), "--data", str(dataset), "--coherence", "2"]) == 2
    assert "--coherence is between 0 and 1, not 2" in capsys.readouterr().err
    assert prior_main(["--model", str(tiny_per_bar_model), "--data", str(dataset), "--tune",
                       "--coherences", "0.9", "-1"]) == 2
    assert "--coherences is between 0 and 1, not 0.9 -1" in capsys.readouterr().err


def test_a_section_scale_is_fitted_and_told_on_the_card(tiny_per_bar_model, dataset, tmp_path, capsys):
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    info = json.loads((folder / fmt.INFO).read_text())
    info["prior_scales"] = {"tuned": True, "temperature": 1.0}  # as a tuned model's
    (folder / fmt.INFO).write_text(json.dumps(info))
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--bar-scale", "0.2",
                       "--section-scale", "0.5"]) == 0
    assert "T=1 was tuned with its old prior" in capsys.readouterr().err  # an explicit prior drops it, and says so
    info = json.loads((folder / fmt.INFO).read_text())
    assert info["prior_scales"]["sections"] == 0.5
    assert info["files"][fmt.LATENT_PRIOR] == (folder / fmt.LATENT_PRIOR).stat().st_size
    assert "the section change (the first 8 bars against the last 8) x0.5" in (folder / fmt.CARD).read_text()
    assert Engine(folder).sample(seed=2).pattern.bars == 16


def test_a_negative_scale_is_refused_in_one_sentence(tiny_per_bar_model, dataset, capsys):
    assert prior_main(["--model", str(tiny_per_bar_model), "--data", str(dataset), "--section-scale", "-0.5"]) == 2
    assert "--section-scale is a spread's scale, at least 0, not -0.5" in capsys.readouterr().err
    assert prior_main(["--model", str(tiny_per_bar_model), "--data", str(dataset), "--tune",
                       "--bar-scales", "0.2", "-1"]) == 2
    assert "--bar-scales is a spread's scale, at least 0, not 0.2 -1" in capsys.readouterr().err


def test_the_grids_leaders_are_compared_again_over_draws_of_other_seeds(tiny_per_bar_model, dataset, tmp_path,
                                                                         capsys):
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--tune", "--samples", "3",
                       "--temperatures", "1", "--coherences", "0.9", "--groove-scales", "1", "--bar-scales", "0.2",
                       "0.1", "--section-scales", "0.5", "--draws", "2", "--finalist-margin", "17"]) == 0
    out = capsys.readouterr().out
    assert "2 settings within 17 of the best count" in out
    again = [line for line in out.splitlines() if " over 2 draws (" in line]
    assert len(again) == 2 + 2  # both grid settings, then the winner's bar scale and its neighbour with sections
    for line in again:  # the mean shown is the mean of the two draws' counts
        mean = float(line.split(": ")[1].split("/")[0])
        counts = [int(c) for c in line.split(" draws (")[1].split(")")[0].split()]
        assert len(counts) == 2 and mean == pytest.approx(sum(counts) / 2)
    assert json.loads((folder / fmt.INFO).read_text())["prior_scales"]["tuned"]


def test_draws_below_one_are_refused_in_one_sentence(tiny_per_bar_model, dataset, capsys):
    assert prior_main(["--model", str(tiny_per_bar_model), "--data", str(dataset), "--tune", "--draws", "0"]) == 2
    assert "--draws is at least 1, not 0" in capsys.readouterr().err


def test_the_chances_that_bars_repeat_are_fitted_from_the_training_grooves_unless_asked_not_to(
        tiny_per_bar_model, dataset, tmp_path, capsys):
    from drummachine.model.repeats import lag_rates
    from trainer.dataset import load_windows
    from trainer.groove_report import grooves_of

    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--bar-scale", "0.2", "--samples", "20"]) == 0
    assert "repeat chances at T=0.5 (a bar copies the bar 1, 2, 3, 4 ... before):" in capsys.readouterr().out
    prior = np.load(folder / fmt.LATENT_PRIOR)
    rates, temperatures = prior["repeat_rates"], prior["repeat_temperatures"]
    drummers = lag_rates(grooves_of(load_windows(dataset, 16, "train").tokens.astype(np.int64)))
    assert rates.shape == (len(temperatures), 16) and temperatures.tolist() == [0.0, 0.5, 0.8, 1.0, 1.5]
    assert np.all(rates[:, 0] == 0) and np.all(rates <= drummers + 1e-12) and rates.sum() > 0
    assert np.array_equal(Engine(folder).model.repeat_rates, rates)
    info = json.loads((folder / fmt.INFO).read_text())
    assert info["prior_scales"]["repeats"] and "a sampled bar copies an earlier bar with chance" in info["latent_prior"]
    assert "copies an earlier bar" in (folder / fmt.CARD).read_text()
    assert prior_main(["--model", str(folder), "--data", str(dataset), "--bar-scale", "0.2", "--no-repeats"]) == 0
    assert "repeat_rates" not in np.load(folder / fmt.LATENT_PRIOR).files and Engine(folder).model.repeat_rates is None
    assert "repeat_temperatures" not in np.load(folder / fmt.LATENT_PRIOR).files
    assert not json.loads((folder / fmt.INFO).read_text())["prior_scales"]["repeats"]
