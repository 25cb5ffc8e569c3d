import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from midi_builders import drum_file, groove_notes, save
from trainer.__main__ import main as trainer_main
from trainer.checkpoint import load_checkpoint, load_model, save_checkpoint
from trainer.dataset import DatasetConfig, build_dataset
from trainer.models import model_config
from trainer.train import default_train_config, train

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for i in range(24):
        save(drum_file(groove_notes(4, variant=i + 1), end_tick=4 * 1920), root / "midi" / f"g{i}.mid")
    build_dataset(root / "midi", root / "ds", DatasetConfig(workers=1), progress=False)
    return root / "ds"


def run(dataset, out, steps, seed=0, resume=False, model="hier"):
    return train(
        model_config(model, 2, "tiny"),
        default_train_config(2, steps=steps, batch=8, eval_every=2, checkpoint_every=2, log_every=1, seed=seed,
                             sampling="fixed", sampling_p=0.5),
        dataset, out, device="cpu", resume=resume, progress=False,
    )


def losses(out: Path) -> list[float]:
    return [float(r["loss"]) for r in csv.DictReader(open(out / "log.csv"))]


def test_same_seed_same_curve(dataset, tmp_path):
    run(dataset, tmp_path / "a", 4, seed=1)
    run(dataset, tmp_path / "b", 4, seed=1)
    run(dataset, tmp_path / "c", 4, seed=2)
    assert losses(tmp_path / "a") == losses(tmp_path / "b")
    assert losses(tmp_path / "a") != losses(tmp_path / "c")


def test_resume_continues_the_same_curve(dataset, tmp_path):
    run(dataset, tmp_path / "straight", 6)
    run(dataset, tmp_path / "split", 4)
    run(dataset, tmp_path / "split", 6, resume=True)
    assert losses(tmp_path / "split") == pytest.approx(losses(tmp_path / "straight"), rel=1e-5)
    assert len(losses(tmp_path / "split")) == 6


def test_a_run_leaves_checkpoint_log_and_plot(dataset, tmp_path):
    figures = run(dataset, tmp_path / "r", 4, model="flat")
    assert {"valid_accuracy", "loss", "kl"} <= set(figures)
    assert (tmp_path / "r" / "curves.png").stat().st_size > 1000
    model, ckpt = load_model(tmp_path / "r" / "checkpoint.pt")
    assert ckpt["step"] == 4 and ckpt["model_config"]["model"] == "flat"
    assert ckpt["data"]["files_read"] == 24
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "r").iterdir())


def test_the_cli_trains_and_evaluates(dataset, tmp_path, capsys):
    out = tmp_path / "cli"
    assert trainer_main(["train", "--model", "lstm", "--bars", "2", "--preset", "tiny", "--data", str(dataset),
                         "--out", str(out), "--steps", "3", "--batch", "4", "--no-progress", "--device", "cpu"]) == 0
    assert trainer_main(["evaluate", "--model", str(out), "--data", str(dataset), "--split", "train",
                         "--json", str(tmp_path / "scores.json")]) == 0
    table = capsys.readouterr().out
    assert "teacher-forced" in table and "free-running" in table and "lstm" in table


def test_the_cli_trains_a_model_with_a_code_per_bar(dataset, tmp_path, capsys):
    out = tmp_path / "bar"
    assert trainer_main(["train", "--model", "hier", "--bars", "2", "--bar-latent", "3", "--preset", "tiny",
                         "--data", str(dataset), "--out", str(out), "--steps", "2", "--batch", "4", "--no-progress",
                         "--device", "cpu", "--class-factors"]) == 0
    model, ckpt = load_model(out / "checkpoint.pt")
    assert ckpt["model_config"]["bar_latent"] == 3 and model.cfg.latent == 6
    assert ckpt["model_config"]["class_factors"] and model.decoder.bar.core.out_classes.dense.weight.abs().sum() > 0
    assert trainer_main(["train", "--model", "flat", "--bars", "2", "--bar-latent", "3", "--data", str(dataset),
                         "--out", str(tmp_path / "no")]) == 2
    assert "--bar-latent is for --model hier" in capsys.readouterr().err


def test_a_run_continues_another_under_new_settings(dataset, tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    common = ["train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset), "--batch", "4",
              "--no-progress", "--device", "cpu"]
    assert trainer_main(common + ["--out", str(first), "--steps", "2"]) == 0
    assert trainer_main(common + ["--out", str(second), "--steps", "4", "--sampling", "fixed", "--sampling-p", "0.5",
                                  "--continue-from", str(first / "checkpoint.pt")]) == 0
    _, ckpt = load_model(second / "checkpoint.pt")
    assert ckpt["step"] == 4 and ckpt["train_config"]["sampling"] == "fixed"
    assert ckpt["continued_from"]["step"] == 2 and ckpt["continued_from"]["train_config"]["sampling"] == "inverse_sigmoid"
    assert trainer_main(common + ["--out", str(tmp_path / "third"), "--steps", "4", "--bar-latent", "2",
                                  "--continue-from", str(first / "checkpoint.pt")]) == 2
    assert "holds another model" in capsys.readouterr().err


def test_a_checkpoint_from_before_dropout_continues_with_or_without_it(dataset, tmp_path):
    first = tmp_path / "first"
    common = ["train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset), "--batch", "4",
              "--no-progress", "--device", "cpu"]
    assert trainer_main(common + ["--out", str(first), "--steps", "2"]) == 0
    ckpt = load_checkpoint(first / "checkpoint.pt")
    del ckpt["model_config"]["dropout"]  # as every checkpoint saved before the setting existed
    save_checkpoint(first / "checkpoint.pt", ckpt)
    for name, extra in (("plain", []), ("dropped", ["--dropout", "0.2"])):
        assert trainer_main(common + ["--out", str(tmp_path / name), "--steps", "3", *extra,
                                      "--continue-from", str(first / "checkpoint.pt")]) == 0
    assert load_checkpoint(tmp_path / "dropped" / "checkpoint.pt")["model_config"]["dropout"] == 0.2


def test_a_run_continues_another_with_weight_decay_and_part_mixing(dataset, tmp_path):
    """The decay of the run that continues is the one used (a loaded optimizer state would bring back its own 0),
    and a training run with windows' parts handed round takes other steps than one without."""
    first = tmp_path / "first"
    common = ["train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset), "--batch", "4",
              "--no-progress", "--device", "cpu"]
    assert trainer_main(common + ["--out", str(first), "--steps", "2"]) == 0
    assert trainer_main(common + ["--out", str(tmp_path / "decayed"), "--steps", "3", "--weight-decay", "0.01",
                                  "--continue-from", str(first / "checkpoint.pt")]) == 0
    ckpt = load_checkpoint(tmp_path / "decayed" / "checkpoint.pt")
    assert ckpt["train_config"]["weight_decay"] == 0.01
    assert [g["weight_decay"] for g in ckpt["optimizer"]["param_groups"]] == [0.01]
    for name, extra in (("plain", []), ("mixed", ["--part-mix", "1"]),
                        ("kicks too", ["--part-mix", "1", "--part-layers", "hats,kick"])):
        assert trainer_main(common + ["--out", str(tmp_path / name), "--steps", "3", *extra]) == 0
    assert losses(tmp_path / "plain") != losses(tmp_path / "mixed") != losses(tmp_path / "kicks too")
    assert load_checkpoint(tmp_path / "kicks too" / "checkpoint.pt")["train_config"]["part_layers"] == "hats,kick"


@pytest.mark.parametrize("flag, value, said", [("--part-mix", "1.5", "--part-mix must be"),
                                              ("--weight-decay", "-0.1", "--weight-decay must be"),
                                              ("--part-layers", "hats,kik", "--part-layers: unknown part 'kik'")])
def test_a_bad_regulariser_is_named_by_its_flag(dataset, tmp_path, capsys, flag, value, said):
    assert trainer_main(["train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset),
                         "--out", str(tmp_path / "x"), flag, value]) == 2
    assert said in capsys.readouterr().err
    assert not (tmp_path / "x" / "checkpoint.pt").exists()


def test_a_bad_dropout_is_named_by_its_flag(dataset, tmp_path, capsys):
    assert trainer_main(["train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset),
                         "--out", str(tmp_path / "x"), "--dropout", "1.5"]) == 2
    assert "--dropout must be" in capsys.readouterr().err


def test_a_damaged_checkpoint_is_a_clear_error(tmp_path):
    bad = tmp_path / "checkpoint.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(bad)


def test_two_processes_with_gloo_keep_identical_replicas(dataset, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "trainer",
           "train", "--model", "hier", "--bars", "2", "--preset", "tiny", "--data", str(dataset), "--out", str(out),
           "--steps", "4", "--batch", "8", "--checkpoint-every", "2", "--log-every", "2", "--device", "cpu", "--no-progress"]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt["world_size"] == 2 and ckpt["step"] == 4
    a, b = ckpt["replica_checksums"]
    assert a == b
    assert [int(r["step"]) for r in csv.DictReader(open(out / "log.csv"))] == [2, 4]
