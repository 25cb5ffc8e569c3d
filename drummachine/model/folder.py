"""Open an exported model folder with onnxruntime, or say clearly what is wrong with it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from drummachine import limits
from drummachine.model import format as fmt
from drummachine.model.feel import Feel
from drummachine.model.fills import Fills
from drummachine.model.knobs import Knobs
from drummachine.model.repeats import check_rates

MODEL_ENV = "DRUMMACHINE_MODEL"
MODEL_PACKAGE = "drummachine_model"  # the bundled model as the wheel installs it (pyproject: package-dir)


def bundled_model_folder() -> Path:
    """The bundled model: assets/model in a checkout, else the data package an installed wheel carries."""
    checkout = Path(__file__).resolve().parents[2] / "assets" / "model"
    if checkout.is_dir():
        return checkout
    import importlib.util

    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else checkout


DEFAULT_MODEL = bundled_model_folder()


class ModelError(Exception):
    """A model folder that cannot be used; the message names the file and what was expected."""


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    sessions: dict  # graph file name -> onnxruntime.InferenceSession
    prior_mean: np.ndarray  # (latent,)
    prior_chol: np.ndarray  # (latent, latent), lower triangular
    config: dict
    training: dict
    evaluation: dict
    provider: str
    feel: Optional["Feel"] = None  # velocity and timing for the hits; None for a folder without feel.onnx
    knobs: Optional["Knobs"] = None  # attribute directions in the code space; None for a folder without them
    fills: Optional["Fills"] = None  # fill and landing directions of a bar's code; None for a folder without them
    bar_coherence: float = 0.0  # how much a groove's bars share their sampling draws (model/uniforms.py)
    temperature: Optional[float] = None  # the sampling temperature tuned with the prior (model.json); None: untuned
    repeat_rates: Optional[np.ndarray] = None  # (temperatures, bars) chance a bar copies the bar `lag` before
    repeat_temperatures: Optional[np.ndarray] = None  # the temperatures those rows were fitted at (repeats.py)

    @property
    def name(self) -> str:
        return self.folder.name


def default_model_folder() -> Path:
    return Path(os.environ.get(MODEL_ENV) or DEFAULT_MODEL)


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ModelError(
            "onnxruntime is not installed: install drummachine with the cpu extra (pip install -e '.[cpu]') "
            "or the gpu extra"
        ) from exc
    return onnxruntime


def choose_providers(available: Sequence[str], prefer_gpu: bool = True) -> list[str]:
    """CUDA first when this onnxruntime has it, always CPU after; never a provider that is not available."""
    chosen = [p for p in ("CUDAExecutionProvider",) if prefer_gpu and p in available]
    return chosen + ["CPUExecutionProvider"]


def _read_prior(path: Path, latent: int, bars: int) -> tuple:
    """Mean, Cholesky factor, bar coherence (0 for a prior written before it existed) and the chances that a bar
    copies an earlier one with the temperatures they were fitted at (None, None for a prior without them)."""
    if not path.is_file():
        raise ModelError(f"{path} is missing: a model folder holds the latent prior beside its graphs")
    try:
        arrays = fmt.read_arrays(path, ("mean", "chol"), "latent prior", optional=("bar_coherence", "repeat_rates",
                                                                                 "repeat_temperatures"))
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    mean, chol = arrays["mean"].astype(np.float32), arrays["chol"].astype(np.float32)
    if mean.shape != (latent,) or chol.shape != (latent, latent):
        raise ModelError(f"{path} is for a latent of {mean.shape}, the model's is {latent}")
    coherence = np.asarray(arrays.get("bar_coherence", 0.0), np.float64).reshape(-1)
    if coherence.size != 1 or not 0.0 <= coherence[0] <= 1.0:  # the comparison also refuses nan
        raise ModelError(f"{path} has a bar coherence of {coherence.tolist()}; it must be one number from 0 to 1")
    rates, temperatures = arrays.get("repeat_rates"), arrays.get("repeat_temperatures")
    if rates is not None or temperatures is not None:
        try:
            rates = np.asarray(rates if rates is not None else [], np.float64)
            temperatures = np.asarray(temperatures if temperatures is not None else [], np.float64)
        except (TypeError, ValueError):
            raise ModelError(f"{path} holds repeat chances that are not numbers") from None
        problem = check_rates(rates, temperatures, bars)
        if problem:
            raise ModelError(f"{path} {problem}")
    return mean, chol, float(coherence[0]), rates, temperatures


def _read_tuned_temperature(path: Path) -> Optional[float]:
    """The temperature `python -m export.prior --tune` chose for this model (model.json's prior_scales), so that
    a model's samples start where they matched the held-out grooves best; None when the folder says nothing."""
    if not path.is_file():
        return None
    try:
        scales = json.loads(path.read_text()).get("prior_scales") or {}
    except (OSError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path} cannot be read as the model's card data ({exc})") from exc
    if not isinstance(scales, dict) or not scales.get("tuned") or "temperature" not in scales:
        return None
    value = scales["temperature"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            limits.TEMPERATURE.low <= value <= limits.TEMPERATURE.high):
        raise ModelError(f"{path} has a tuned temperature of {value!r}; it must be a number from "
                         f"{limits.TEMPERATURE.low:g} to {limits.TEMPERATURE.high:g}")
    return float(value)


def open_model(folder: Optional[Path] = None, threads: int = 1, prefer_gpu: bool = True) -> ModelFiles:
    ort = _import_onnxruntime()
    folder = Path(folder) if folder is not None else default_model_folder()
    if not folder.is_dir():
        raise ModelError(f"no model folder at {folder}: expected a folder with {', '.join(fmt.GRAPH_FILES)} "
                         "(written by `python -m export`)")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    providers = choose_providers(ort.get_available_providers(), prefer_gpu)
    sessions, metas = {}, {}
    for name in fmt.graph_files_in(folder):
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{path} is missing: a model folder holds {', '.join(fmt.GRAPH_FILES)}")
        try:
            session = ort.InferenceSession(str(path), options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types for bad files
            raise ModelError(f"{path} is not a usable ONNX model ({str(exc).splitlines()[0][:200]})") from exc
        meta = session.get_modelmeta().custom_metadata_map
        version = meta.get(fmt.KEY_FORMAT)
        if version != str(fmt.FORMAT_VERSION):
            raise ModelError(f"{path} has model format {version or 'none'}, this drummachine reads format "
                             f"{fmt.FORMAT_VERSION}: export it again with `python -m export`")
        if json.loads(meta.get(fmt.KEY_VOCABULARY, "{}")) != json.loads(fmt.vocabulary_json()):
            raise ModelError(f"{path} was trained on another drum vocabulary than this drummachine's 9 classes")
        sessions[name], metas[name] = session, meta
    others = [name for name, m in metas.items() if m.get(fmt.KEY_CONFIG) != metas[fmt.ENCODER].get(fmt.KEY_CONFIG)]
    if others:
        raise ModelError(f"{', '.join(others)} in {folder} come from another model than {fmt.ENCODER}: export "
                         "the graphs together")
    meta = metas[fmt.ENCODER]
    config = json.loads(meta[fmt.KEY_CONFIG])
    if config.get("model") != "hier":
        raise ModelError(f"{folder} holds a {config.get('model')!r} model; the app needs the hierarchical VAE")
    if fmt.BAR_FIT in sessions:
        shape, bar_latent = sessions[fmt.BAR_FIT].get_inputs()[0].shape, int(config.get("bar_latent") or 0)
        if not bar_latent:
            raise ModelError(f"{folder / fmt.BAR_FIT} does not belong here: this model has one code for the whole "
                             "groove and takes no fit graph (remove the file)")
        if shape != [int(config["bars"]), bar_latent]:
            raise ModelError(f"{folder / fmt.BAR_FIT} fits {shape[0]} bars of {shape[1]} numbers; this model has "
                             f"{config['bars']} bars of {bar_latent}: export the folder again")
    provider = sessions[fmt.BAR_DECODER].get_providers()[0]
    mean, chol, coherence, repeat_rates, repeat_temperatures = _read_prior(
        folder / fmt.LATENT_PRIOR, int(config["latent"]), int(config["bars"]))
    try:
        feel = Feel.open(folder, options, providers)
        knobs = Knobs.open(folder, int(config["latent"]))
        fills = Fills.open(folder, int(config.get("bar_latent", 0)))
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    return ModelFiles(folder, sessions, mean, chol, config, json.loads(meta.get(fmt.KEY_TRAINING, "{}")),
                      json.loads(meta.get(fmt.KEY_EVALUATION, "{}")), provider, feel, knobs, fills, coherence,
                      _read_tuned_temperature(folder / fmt.INFO), repeat_rates, repeat_temperatures)
