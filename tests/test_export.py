import json
import shutil

import onnx
import pytest
import torch

from drummachine.model import format as fmt
from export.onnx_export import export_checkpoint
from export.parity import check_parity
from trainer.checkpoint import load_model, save_checkpoint
from trainer.models import build_model, model_config


def test_export_writes_the_graphs_with_metadata(tiny_model):
    for name in fmt.GRAPH_FILES:
        meta = {p.key: p.value for p in onnx.load(str(tiny_model / name)).metadata_props}
        assert meta[fmt.KEY_FORMAT] == str(fmt.FORMAT_VERSION)
        assert json.loads(meta[fmt.KEY_VOCABULARY])["output_pitches"] == [36, 38, 42, 46, 45, 48, 50, 49, 51]
        assert json.loads(meta[fmt.KEY_CONFIG])["bars"] == 16
        assert json.loads(meta[fmt.KEY_EVALUATION]) == {"teacher_forced_accuracy": 0.5}
    info = json.loads((tiny_model / fmt.INFO).read_text())
    assert info["parity"]["passed"]


def test_onnx_matches_torch_within_1e_4_and_decodes_identically(tiny_checkpoint, tiny_model):
    model, _ = load_model(tiny_checkpoint)
    real = torch.randint(0, 512, (3, 256)).numpy()
    report = check_parity(model, tiny_model, real, seed=5)
    assert report["max_abs"] < 1e-4
    assert report["greedy_decodes_identical"] and report["decoded_bars"] == 16
    assert report["passed"]


def test_parity_fails_when_the_graphs_do_not_match_the_weights(tiny_checkpoint, tiny_model):
    model, _ = load_model(tiny_checkpoint)
    with torch.no_grad():
        model.decoder.bar.core.out.bias += 0.01
    assert not check_parity(model, tiny_model)["passed"]


def test_only_the_hierarchical_model_is_exported(tmp_path):
    cfg = model_config("flat", 2, "tiny")
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"model": build_model(cfg).state_dict(), "model_config": cfg.to_dict()})
    with pytest.raises(ValueError, match="only the hierarchical VAE"):
        export_checkpoint(path, tmp_path / "out", progress=lambda m: None)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["plain", "bar context", "per bar", "class factors"])
def test_an_exported_folder_scores_like_its_checkpoint(kind, request):
    import numpy as np

    from trainer.evaluate import score
    from trainer.evaluate_onnx import score_onnx

    suffix = {"plain": "", "bar context": "_context", "per bar": "_per_bar", "class factors": "_class"}[kind]
    checkpoint = request.getfixturevalue(f"tiny{suffix}_checkpoint")
    folder = request.getfixturevalue(f"tiny{suffix}_model")
    info = json.loads((folder / fmt.INFO).read_text())
    assert info["model_config"]["bar_context"] == (kind == "bar context") and info["parity"]["passed"]
    assert bool(info["model_config"]["bar_latent"]) == (kind in ("per bar", "class factors"))
    assert info["model_config"].get("class_factors", False) == (kind == "class factors")
    model, _ = load_model(checkpoint)
    tokens = np.random.default_rng(0).integers(0, 512, (6, 256))
    a = score(model, tokens, "torch")
    b, _ = score_onnx(folder, tokens, "onnx", fit=None)  # the checkpoint decodes the encoder's code as it is
    assert b.teacher_forced_accuracy == pytest.approx(a.teacher_forced_accuracy)
    assert b.free_running_accuracy == pytest.approx(a.free_running_accuracy)
    assert b.kl_per_sequence == pytest.approx(a.kl_per_sequence, rel=1e-4)


def test_the_latent_prior_is_a_gaussian_fitted_to_the_training_codes(tiny_checkpoint):
    import numpy as np

    from export.onnx_export import fit_latent_prior

    model, _ = load_model(tiny_checkpoint)
    tokens = np.random.default_rng(1).integers(0, 512, (300, 256))
    prior = fit_latent_prior(model, tokens)
    with torch.no_grad():
        mus = model.encoder(torch.from_numpy(tokens))[0].double().numpy()
    assert prior["windows"] == 300
    assert np.allclose(prior["mean"], mus.mean(0), atol=1e-5)
    chol = prior["chol"].astype(np.float64)
    assert np.allclose(chol @ chol.T, np.cov(mus.T) + 1e-3 * np.eye(mus.shape[1]), atol=1e-4)
    none = fit_latent_prior(model, None)
    assert none["windows"] == 0 and np.array_equal(none["chol"], np.eye(model.cfg.latent))


def test_the_cli_scores_an_exported_folder_on_any_midi(tiny_model, tmp_path, capsys):
    import json as _json

    from midi_builders import drum_file, groove_notes, save
    from trainer.__main__ import main as trainer_main

    for i in range(3):
        save(drum_file(groove_notes(17, variant=i + 1), end_tick=17 * 1920), tmp_path / "midi" / f"{i}.mid")
    out = tmp_path / "scores.json"
    assert trainer_main(["evaluate", "--model", str(tiny_model), "--midi", str(tmp_path / "midi"), "--json", str(out)]) == 0
    scores = _json.loads(out.read_text())[0]
    # 2 windows a file, but file i's second window equals file i+1's first (the extra kick moves one step a bar)
    assert scores["windows"] == 4 and scores["split"].startswith("midi:")
    assert "hier onnx" in capsys.readouterr().out



def test_bar_codes_are_fitted_as_a_groove_plus_stationary_bar_variations():
    import numpy as np

    from export.onnx_export import groove_and_bar_gaussian

    rng = np.random.default_rng(0)
    groove = rng.standard_normal((4000, 1, 2))  # what a window's bars share
    codes = 3.0 + groove + 0.5 * rng.standard_normal((4000, 8, 2))  # and what each bar adds
    mean, cov = groove_and_bar_gaussian(codes)
    assert mean.shape == (16,) and np.allclose(mean, 3.0, atol=0.05)
    blocks = cov.reshape(8, 2, 8, 2)
    assert np.allclose(blocks[0, :, 0], np.eye(2) * 1.25, atol=0.08)  # shared 1 + own 0.25 on every bar
    assert np.allclose(blocks[0, :, 7], np.eye(2), atol=0.08) and np.allclose(blocks[2, :, 5], blocks[0, :, 3])
    assert np.allclose(cov, cov.T) and np.linalg.eigvalsh(cov).min() > -1e-9
    # shrinking the bars' variations leaves the groove's spread and narrows each bar around it
    _, small = groove_and_bar_gaussian(codes, bar_scale=0.5)
    small = small.reshape(8, 2, 8, 2)
    assert np.allclose(small[0, :, 7], blocks[0, :, 7], atol=0.05)
    assert np.allclose(small[0, :, 0] - small[0, :, 7], (blocks[0, :, 0] - blocks[0, :, 7]) / 4, atol=0.02)


def test_a_section_change_gets_a_scale_of_its_own():
    import numpy as np

    from export.onnx_export import groove_and_bar_gaussian

    rng = np.random.default_rng(1)
    section = np.where(np.arange(8) < 4, 1.0, -1.0)[None, :, None] * rng.standard_normal((4000, 1, 2))
    codes = rng.standard_normal((4000, 1, 2)) + section + 0.3 * rng.standard_normal((4000, 8, 2))
    _, pooled = groove_and_bar_gaussian(codes, bar_scale=0.5)
    mean, cov = groove_and_bar_gaussian(codes, bar_scale=0.5, section_scale=1.0)
    assert mean.shape == (16,) and np.allclose(cov, cov.T) and np.linalg.eigvalsh(cov).min() > -1e-9

    def spread(c, i, j):  # the variance of bar j's code minus bar i's, first dimension
        c = c.reshape(8, 2, 8, 2)
        return c[i, 0, i, 0] + c[j, 0, j, 0] - 2 * c[i, 0, j, 0]

    # the data: bars in one half differ by their own noise (2 x 0.09); across the halves the section adds 4 x 1
    assert spread(cov, 0, 1) == pytest.approx(0.25 * 0.18, abs=0.02)  # the bars' variation, shrunk by 0.5^2
    assert spread(cov, 0, 4) == pytest.approx(0.25 * 0.18 + 4.0, rel=0.1)  # the section change, kept whole
    # pooled with the bars' variations, the section change was shrunk with them and spread over every lag
    assert spread(pooled, 0, 4) < 1.5 and spread(pooled, 0, 1) > 2 * spread(cov, 0, 1)
    # section scale 0: the two halves are one groove
    _, none = groove_and_bar_gaussian(codes, bar_scale=0.5, section_scale=0.0)
    assert spread(none, 0, 4) == pytest.approx(spread(none, 0, 1), abs=0.02)
    # halves need an even number of bars, at least 4
    for bars in (2, 7):
        with pytest.raises(ValueError, match=f"an even number of bars, at least 4, not {bars}"):
            groove_and_bar_gaussian(codes[:, :bars], section_scale=1.0)


def test_the_card_s_hand_written_notes_beside_the_checkpoint_survive_a_new_export(tiny_checkpoint, tmp_path):
    from export.onnx_export import CARD_NOTES, export_checkpoint

    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(tiny_checkpoint, run / "checkpoint.pt")
    notes = {"training_note": "continued from run a at step 9", "previous_model": ["the old one looped"]}
    (run / CARD_NOTES).write_text(json.dumps(notes))
    for _ in range(2):  # exported again into the same folder: the notes are still there
        export_checkpoint(run / "checkpoint.pt", tmp_path / "out", {}, progress=lambda m: None)
    info = json.loads((tmp_path / "out" / fmt.INFO).read_text())
    assert {k: info[k] for k in notes} == notes
    card = (tmp_path / "out" / fmt.CARD).read_text()
    assert "continued from run a at step 9" in card and "the old one looped" in card


def test_damaged_card_notes_are_named_and_the_folder_is_left_alone(tiny_checkpoint, tmp_path):
    from export.onnx_export import CARD_NOTES, export_checkpoint

    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(tiny_checkpoint, run / "checkpoint.pt")
    for damaged in ('{"previous_model": ["unclosed"', '{"previous_model": "a string, not a list"}',
                    '{"training_note": 3}', '{"notes": "an unknown key"}', '["not", "an", "object"]'):
        (run / CARD_NOTES).write_text(damaged)
        with pytest.raises(ValueError, match="card_notes.json is not a card notes file"):
            export_checkpoint(run / "checkpoint.pt", tmp_path / "out", {}, progress=lambda m: None)
        assert not (tmp_path / "out").exists()


def test_the_card_s_command_names_every_regulariser_the_run_used():
    from export.model_card import train_command

    model = {"model": "hier", "bars": 16, "bar_latent": 16, "dropout": 0.3}
    train = {"batch": 32, "steps": 3500, "lr": 0.001, "lr_decay": 0.9999, "free_bits": 256, "max_beta": 0.2,
             "beta_rate": 0.9995, "sampling": "fixed", "sampling_p": 0.5, "seed": 0, "part_mix": 0.5,
             "weight_decay": 0.01, "word_dropout": 0.0}
    command = train_command(model, train)
    assert all(flag in command for flag in ("--part-mix 0.5", "--weight-decay 0.01", "--dropout 0.3",
                                            "--bar-latent 16"))
    assert "--word-dropout" not in command and "--part-layers" not in command  # the default layers go unsaid
    assert "--part-layers hats,kick" in train_command(model, {**train, "part_layers": "hats,kick"})
    assert "--class-factors" not in command and "--class-factors" in train_command({**model, "class_factors": True},
                                                                                     train)
