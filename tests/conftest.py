import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the GUI tests need no display

# One BLAS/OpenMP thread per test process: the machine has 2 cores, and oversubscribed OpenMP threads
# slow a concurrent training run (or each other) down tenfold.
os.environ.setdefault("OMP_NUM_THREADS", "1")
try:
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass


import pytest  # noqa: E402


def _tiny_checkpoint(folder, bars=16, **overrides):
    import torch

    from trainer.checkpoint import save_checkpoint
    from trainer.models import build_model, count_parameters, model_config

    torch.manual_seed(0)
    cfg = model_config("hier", bars, "tiny", **overrides)
    model = build_model(cfg)
    if cfg.class_factors:  # class scores start at zero: give them weights, so that a graph without them differs
        for name, weight in model.named_parameters():
            if "out_classes" in name:
                torch.nn.init.normal_(weight, std=0.5)
    path = folder / "checkpoint.pt"
    save_checkpoint(path, {"model": model.state_dict(), "model_config": cfg.to_dict(), "step": 0, "seconds": 0.0,
                           "parameters": count_parameters(model), "data": {}, "train_config": {}})
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory):
    """An untrained tiny 16-bar hierarchical VAE saved as a trainer checkpoint."""
    return _tiny_checkpoint(tmp_path_factory.mktemp("ckpt"))


@pytest.fixture(scope="session")
def tiny_context_checkpoint(tmp_path_factory):
    """The same, with a bar decoder that reads the bar before."""
    return _tiny_checkpoint(tmp_path_factory.mktemp("ckpt_ctx"), bar_context=True)


@pytest.fixture(scope="session")
def tiny_context_model(tiny_context_checkpoint, tmp_path_factory):
    from export.onnx_export import export_checkpoint

    out = tmp_path_factory.mktemp("model_ctx") / "tiny_ctx"
    export_checkpoint(tiny_context_checkpoint, out, {}, progress=lambda m: None)
    return out


@pytest.fixture(scope="session")
def tiny_per_bar_checkpoint(tmp_path_factory):
    """The same with a code of 4 per bar (the groove's code is its 16 bar codes side by side)."""
    return _tiny_checkpoint(tmp_path_factory.mktemp("ckpt_bar"), bar_latent=4)


@pytest.fixture(scope="session")
def tiny_per_bar_model(tiny_per_bar_checkpoint, tmp_path_factory):
    from export.onnx_export import export_checkpoint

    out = tmp_path_factory.mktemp("model_bar") / "tiny_bar"
    export_checkpoint(tiny_per_bar_checkpoint, out, {}, progress=lambda m: None)
    return out


@pytest.fixture(scope="session")
def tiny_class_checkpoint(tmp_path_factory):
    """A code of 4 per bar, with token layers that learn each class on its own."""
    return _tiny_checkpoint(tmp_path_factory.mktemp("ckpt_class"), bar_latent=4, class_factors=True)


@pytest.fixture(scope="session")
def tiny_class_model(tiny_class_checkpoint, tmp_path_factory):
    from export.onnx_export import export_checkpoint

    out = tmp_path_factory.mktemp("model_class") / "tiny_class"
    export_checkpoint(tiny_class_checkpoint, out, {}, progress=lambda m: None)
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_checkpoint, tmp_path_factory):
    """That model exported as an app model folder."""
    from export.onnx_export import export_checkpoint

    out = tmp_path_factory.mktemp("model") / "tiny"
    export_checkpoint(tiny_checkpoint, out, {"teacher_forced_accuracy": 0.5}, progress=lambda m: None)
    return out


@pytest.fixture(scope="session")
def tiny_two_bar_model(tmp_path_factory):
    """A tiny 2-bar model: shorter than the 16-bar grooves a musician may put in the morph slots."""
    from export.onnx_export import export_checkpoint

    checkpoint = _tiny_checkpoint(tmp_path_factory.mktemp("ckpt2"), bars=2)
    out = tmp_path_factory.mktemp("model2") / "tiny2"
    export_checkpoint(checkpoint, out, {}, progress=lambda m: None)
    return out


@pytest.fixture(scope="session")
def tiny_feel_checkpoint(tmp_path_factory):
    """An untrained small feel model that reads the tempo, saved as a finished feel run (with a prior fitted to
    nothing: N(0, I))."""
    import numpy as np
    import torch

    from trainer.checkpoint import save_checkpoint
    from trainer.feel_model import FeelConfig, FeelVAE

    torch.manual_seed(1)
    cfg = FeelConfig(hidden=16, latent=4, tempo=True)
    model = FeelVAE(cfg)
    path = tmp_path_factory.mktemp("feel") / "checkpoint.pt"
    save_checkpoint(path, {"kind": "feel", "model": model.state_dict(), "optimizer": {}, "model_config": cfg.to_dict(),
                           "train_config": {}, "step": 0, "seconds": 0.0, "parameters": 0,
                           "prior_mean": np.zeros(4, np.float32), "prior_chol": np.eye(4, dtype=np.float32)})
    return path


@pytest.fixture(scope="session")
def tiny_feel_model(tiny_model, tiny_feel_checkpoint, tmp_path_factory):
    """The tiny VAE's model folder with that feel model exported beside it."""
    import shutil

    from export.feel_export import export_feel

    out = tmp_path_factory.mktemp("model_feel") / "tiny_feel"
    shutil.copytree(tiny_model, out)
    export_feel(tiny_feel_checkpoint, out)
    return out


@pytest.fixture(scope="session")
def tiny_knob_model(tiny_model, tmp_path_factory):
    """The tiny VAE's model folder with knobs made by export/knobs.py from random grooves."""
    import shutil

    import numpy as np

    from drummachine.model.engine import Engine
    from export.knobs import knob_vectors, training_codes, write_knobs

    out = tmp_path_factory.mktemp("model_knobs") / "tiny_knobs"
    shutil.copytree(tiny_model, out)
    rng = np.random.default_rng(0)
    hits = rng.random((200, 16, 16, 9)) < rng.uniform(0.05, 0.4, (200, 1, 1, 1))
    from drummachine.groove.vocabulary import pattern_to_tokens

    tokens = np.stack([pattern_to_tokens(h) for h in hits])
    codes = training_codes(Engine(out), tokens, progress=lambda m: None)
    write_knobs(out, knob_vectors(codes, hits))
    return out


@pytest.fixture
def jack(monkeypatch):
    """A real JACK MIDI server (dummy driver) for this test alone."""
    import uuid

    from jack_server import JackServer

    server = JackServer(f"dmt{uuid.uuid4().hex[:8]}").start()
    for k, v in server.env.items():
        monkeypatch.setenv(k, v)
    yield server
    server.stop()
