"""Fitting a groove's code to the groove: the optimiser on functions with known minima, then the exported graph
against torch, the engine's encode, and the evaluation that scores the app's rebuilds."""

import json
import shutil

import numpy as np
import pytest

from drummachine.model import format as fmt
from drummachine.model.code_fit import FitSettings, fit_codes


def quadratic(target: np.ndarray):
    """NLL 0.5 * |z - target|^2 per row, and its gradient."""
    def likelihood(z):
        d = z.astype(np.float64) - target
        return 0.5 * (d**2).sum(1), d
    return likelihood


def test_without_an_anchor_the_fit_reaches_the_likelihoods_best_code():
    target = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    z = fit_codes(quadratic(target), np.zeros((2, 3)), np.ones((2, 3)), FitSettings(steps=300, rate=0.05, anchor=0))
    assert z == pytest.approx(target, abs=0.02)


def test_the_anchor_holds_the_code_between_the_encoder_and_the_likelihood():
    # NLL 0.5 (z - 2)^2 and anchor a * 0.5 ((z - 0) / 1)^2: the best z is 2 / (1 + a)
    target = np.full((1, 1), 2.0)
    for anchor, best in ((1.0, 1.0), (3.0, 0.5)):
        z = fit_codes(quadratic(target), np.zeros((1, 1)), np.ones((1, 1)),
                      FitSettings(steps=400, rate=0.02, anchor=anchor))
        assert z[0, 0] == pytest.approx(best, abs=0.01)


def test_a_wider_encoder_sigma_lets_the_code_move_further():
    target = np.full((2, 1), 2.0)
    z = fit_codes(quadratic(target), np.zeros((2, 1)), np.array([[1.0], [3.0]]),
                  FitSettings(steps=400, rate=0.02, anchor=1.0))
    assert z[0, 0] == pytest.approx(1.0, abs=0.01) and z[1, 0] == pytest.approx(2 * 9 / 10, abs=0.01)


def test_no_steps_keep_the_encoders_code_and_a_row_never_ends_worse_than_it_began():
    mu = np.array([[0.3, -0.2]], np.float32)
    assert np.array_equal(fit_codes(quadratic(np.ones((1, 2))), mu, np.ones((1, 2)), FitSettings(steps=0)), mu)

    def bowl_at_mu(z):  # already at the best code: any step makes it worse, so the fit returns mu itself
        d = z.astype(np.float64) - mu
        return (d**2).sum(1) * 1e3, 2e3 * d + 1.0  # a gradient that points away from the minimum
    assert np.array_equal(fit_codes(bowl_at_mu, mu, np.ones((1, 2)), FitSettings(steps=10, rate=0.5)), mu)


@pytest.mark.parametrize("bad", [dict(steps=-1), dict(rate=0), dict(anchor=-0.1), dict(rate=float("nan"))])
def test_settings_that_cannot_fit_are_refused(bad):
    with pytest.raises(ValueError, match="fit settings"):
        FitSettings(**bad)


def test_a_per_bar_model_exports_a_fit_graph_that_matches_torch(tiny_per_bar_checkpoint, tiny_per_bar_model):
    from export.parity import bar_fit_difference
    from trainer.checkpoint import load_model

    info = json.loads((tiny_per_bar_model / fmt.INFO).read_text())
    assert fmt.BAR_FIT in info["files"] and info["parity"]["bar_fit_max_rel"] < 1e-4 and info["parity"]["passed"]
    model, _ = load_model(tiny_per_bar_checkpoint)
    rng = np.random.default_rng(3)
    assert bar_fit_difference(model, tiny_per_bar_model, {"real": rng.integers(0, 512, (1, 256))}, rng) < 1e-4


def test_a_model_with_one_code_for_the_groove_has_no_fit_graph_and_encodes_as_before(tiny_model):
    from drummachine.model.engine import Engine
    from drummachine.groove.pattern import Pattern

    assert not (tiny_model / fmt.BAR_FIT).exists()
    engine = Engine(tiny_model)
    pattern = Pattern(np.random.default_rng(0).integers(0, 2, (4, 16, 9)) * 100)
    assert not engine.fits_codes and np.array_equal(engine.encode(pattern), engine.encode(pattern, fit=False))


def test_the_engine_fits_a_code_that_the_decoder_finds_likelier(tiny_per_bar_model):
    import onnxruntime as ort

    from drummachine.model.engine import Engine
    from drummachine.groove.pattern import Pattern

    engine = Engine(tiny_per_bar_model)
    assert engine.fits_codes
    pattern = Pattern(np.random.default_rng(1).integers(0, 2, (16, 16, 9)) * 90)
    mu, fitted = engine.encode(pattern, fit=False), engine.encode(pattern)
    assert fitted.shape == mu.shape and not np.array_equal(fitted, mu)
    graph = ort.InferenceSession(str(tiny_per_bar_model / fmt.BAR_FIT))
    feeds = {"tokens": pattern.tokens().astype(np.int64).reshape(16, 16)}
    nll = lambda z: graph.run(None, {"code": z.reshape(16, -1), **feeds})[0].sum()  # noqa: E731
    assert nll(fitted) < nll(mu)
    assert np.array_equal(Engine(tiny_per_bar_model, fit=FitSettings(steps=0)).encode(pattern), mu)


def test_add_fit_writes_the_graph_into_a_folder_exported_before_it(tiny_per_bar_checkpoint, tiny_per_bar_model,
                                                                   tiny_checkpoint, tmp_path):
    from export.__main__ import main

    folder = tmp_path / "old"
    shutil.copytree(tiny_per_bar_model, folder)
    (folder / fmt.BAR_FIT).unlink()
    assert main(["--checkpoint", str(tiny_per_bar_checkpoint), "--out", str(folder), "--add-fit"]) == 0
    assert (folder / fmt.BAR_FIT).is_file()
    assert json.loads((folder / fmt.INFO).read_text())["files"][fmt.BAR_FIT] > 0
    # another checkpoint's folder is refused, and left as it was
    before = sorted(p.name for p in folder.iterdir())
    assert main(["--checkpoint", str(tiny_checkpoint), "--out", str(folder), "--add-fit"]) == 2
    assert sorted(p.name for p in folder.iterdir()) == before


def test_evaluation_scores_the_fitted_rebuilds_and_pairs_them_with_the_encoders(tiny_per_bar_model):
    from trainer.evaluate_onnx import rebuild_onnx

    tokens = np.random.default_rng(2).integers(0, 512, (3, 256))
    plain = rebuild_onnx(tiny_per_bar_model, tokens, fit=None)
    fitted = rebuild_onnx(tiny_per_bar_model, tokens, fit=FitSettings(steps=5))
    assert plain["fit_steps"] == 0 and fitted["fit_steps"] == 5
    assert np.array_equal(plain["mu"], fitted["mu"]) and np.array_equal(plain["codes"], plain["mu"])
    assert not np.array_equal(fitted["codes"], fitted["mu"])


def test_a_fit_graph_of_another_model_is_refused_by_name(tiny_per_bar_model, tiny_model, tmp_path):
    from drummachine.model.folder import ModelError, open_model

    folder = tmp_path / "mixed"
    shutil.copytree(tiny_model, folder)  # one code for the groove: a fit graph of bars cannot be its
    shutil.copy(tiny_per_bar_model / fmt.BAR_FIT, folder / fmt.BAR_FIT)
    with pytest.raises(ModelError, match="bar_fit.onnx in .* come from another model"):
        open_model(folder)


def test_a_fit_graph_for_other_bars_is_refused_by_name(tiny_per_bar_checkpoint, tiny_per_bar_model, tmp_path):
    """The same model's graph traced for 8 rows: its shape, not its metadata, gives it away."""
    import onnx
    import torch

    from drummachine.model.folder import ModelError, open_model
    from export.graphs import bar_fit_graph
    from export.onnx_export import _export, embed_metadata_into
    from trainer.checkpoint import load_model

    folder = tmp_path / "eight"
    shutil.copytree(tiny_per_bar_model, folder)
    model, _ = load_model(tiny_per_bar_checkpoint)
    graph, args = bar_fit_graph(model, 8)
    with torch.no_grad():
        _export(graph, args, folder / fmt.BAR_FIT, ["code", "tokens"], ["nll", "grad"], {})
    embed_metadata_into(folder / fmt.BAR_FIT,
                        {e.key: e.value for e in onnx.load(str(folder / fmt.ENCODER)).metadata_props})
    with pytest.raises(ModelError, match=r"bar_fit.onnx fits 8 bars of 4 numbers; this model has 16 bars of 4"):
        open_model(folder)


def test_add_fit_refuses_a_folder_of_the_same_config_but_other_weights(tiny_per_bar_model, tmp_path):
    import torch

    from conftest import _tiny_checkpoint
    from export.__main__ import main
    from trainer.checkpoint import load_model, save_checkpoint

    path = _tiny_checkpoint(tmp_path, bar_latent=4)  # the fixture's config and seed: the same weights
    model, ckpt = load_model(path)
    with torch.no_grad():
        model.encoder.mu.bias += 0.1  # another step of the same run
    save_checkpoint(path, {**ckpt, "model": model.state_dict()})
    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    before = sorted(p.name for p in folder.iterdir())
    assert main(["--checkpoint", str(path), "--out", str(folder), "--add-fit"]) == 2
    assert sorted(p.name for p in folder.iterdir()) == before


def test_exporting_the_fit_graph_leaves_the_model_as_it_was(tiny_per_bar_checkpoint, tmp_path):
    from export.onnx_export import export_bar_fit
    from trainer.checkpoint import load_model

    model, _ = load_model(tiny_per_bar_checkpoint)
    model.train()
    export_bar_fit(model, tmp_path)
    assert all(m.training for m in model.modules()) and all(p.requires_grad for p in model.parameters())


def test_a_checkpoint_is_fitted_as_its_exported_folder_is(tiny_per_bar_checkpoint, tiny_per_bar_model):
    """torch's gradient and the fit graph's take the same steps: the same codes, the same rebuilds."""
    from trainer.checkpoint import load_model
    from trainer.evaluate import rebuild
    from trainer.evaluate_onnx import rebuild_onnx

    tokens = np.random.default_rng(4).integers(0, 512, (3, 256))
    model, _ = load_model(tiny_per_bar_checkpoint)
    settings = FitSettings(steps=5)
    torch_record = rebuild(model, tokens, fit=settings)
    onnx_record = rebuild_onnx(tiny_per_bar_model, tokens, fit=settings)
    assert torch_record["fit_steps"] == onnx_record["fit_steps"] == 5
    assert np.array_equal(torch_record["rebuilt"], onnx_record["rebuilt"])
    assert np.array_equal(torch_record["teacher_forced_correct"], onnx_record["teacher_forced_correct"])
    assert not np.array_equal(rebuild(model, tokens)["rebuilt"], torch_record["rebuilt"])  # the fit changed them


def test_a_model_with_one_code_for_the_groove_is_scored_with_its_encoders_code(tiny_checkpoint):
    from trainer.checkpoint import load_model
    from trainer.evaluate import rebuild

    model, _ = load_model(tiny_checkpoint)
    tokens = np.random.default_rng(5).integers(0, 512, (2, 256))
    record = rebuild(model, tokens, fit=FitSettings(steps=5))
    assert record["fit_steps"] == 0 and np.array_equal(record["rebuilt"], rebuild(model, tokens)["rebuilt"])
