"""Checkpoints: model, optimizer, RNG and step in one file, written atomically, with the configs inside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from drummachine.safe_files import atomic_write
from trainer.models import ModelConfig, build_model


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(Path(path), lambda fh: torch.save(payload, fh))


def load_checkpoint(path: Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # a damaged file surfaces as many error types
        raise ValueError(f"{path} is not a readable checkpoint ({type(exc).__name__}: {exc})") from exc


CHECKPOINT_NAMES = ("checkpoint.pt",)


def resolve_checkpoint(path: Path) -> Path:
    """A checkpoint file, or the one a run folder holds."""
    path = Path(path)
    if path.is_dir():
        for name in CHECKPOINT_NAMES:
            if (path / name).is_file():
                return path / name
        raise FileNotFoundError(f"{path} holds no {' or '.join(CHECKPOINT_NAMES)}")
    return path


def load_model(path: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """The trained model of a checkpoint (in eval mode) and the checkpoint itself."""
    ckpt = load_checkpoint(path)
    if "model_config" not in ckpt or "model" not in ckpt:
        raise ValueError(f"{path} is not a drummachine checkpoint (no model_config)")
    model = build_model(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt
