"""What an exported model folder holds: file names, metadata keys and the format version.

Written by `export` (torch side) and read by the engine (onnxruntime side); defined only here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from drummachine.groove.vocabulary import CLASS_NAMES, CLASS_PITCHES, NUM_TOKENS, OUTPUT_PITCHES, STEPS_PER_BAR

FORMAT_VERSION = 1
ENCODER = "encoder.onnx"
CONDUCTOR = "conductor.onnx"
BAR_STEP = "bar_step.onnx"
BAR_DECODER = "bar_decoder.onnx"
GRAPH_FILES = (ENCODER, CONDUCTOR, BAR_STEP, BAR_DECODER)
# Optional (a model with a code per bar): a bar's negative log-likelihood under its code, teacher-forced, and its
# gradient with respect to the code, for `bars` rows at a time (fixed shapes): code (bars, bar_latent), tokens
# (bars, 16) -> nll (bars,), grad (bars, bar_latent). The engine fits a groove's code with it (model/code_fit.py);
# a folder without it plays the encoder's code as it is.
BAR_FIT = "bar_fit.onnx"
OPTIONAL_GRAPH_FILES = (BAR_FIT,)


def graph_files_in(folder: Path) -> tuple[str, ...]:
    """The graph files a model folder holds: every required one, and each optional one that is there."""
    return GRAPH_FILES + tuple(name for name in OPTIONAL_GRAPH_FILES if (Path(folder) / name).is_file())


# The distribution "Generate" draws codes from: a Gaussian (mean, Cholesky factor) fitted to the encoder's codes
# of the training windows. A VAE whose KL stayed under its free bits is never pulled to N(0, I), and codes
# drawn from N(0, I) then decode to noise; codes drawn where the data's codes lie decode to grooves.
LATENT_PRIOR = "latent_prior.npz"
# Optional in it, tuned with the prior (export/prior.py): "bar_coherence", how much the bars of a groove share the
# random numbers their steps are sampled with (model/uniforms.py; 0 when absent).
# Also optional (export/prior.py; model/repeats.py): "repeat_rates" (temperatures x bars), the chance that a sampled
# bar plays the bar `lag` before it again, at each of "repeat_temperatures" (rising); none when absent.
# The feel model (optional: a folder without it plays rule velocities on the grid): velocity and timing for
# given hits, and the Gaussian its codes are drawn from for a feel seed.
FEEL = "feel.onnx"
FEEL_PRIOR = "feel_prior.npz"
FEEL_BARS = 2  # it reads the bar before and the bar it gives feel to
FEEL_TEMPO_CENTRE, FEEL_TEMPO_SCALE = 120.0, 40.0  # a feel model that reads the tempo reads (bpm - 120) / 40


def feel_tempo(bpm):
    """The tempo as a feel model reads it (a number, or an array of them)."""
    return (bpm - FEEL_TEMPO_CENTRE) / FEEL_TEMPO_SCALE
# Knobs (optional): for each musical attribute (drummachine/groove/attributes.py), a direction in the code
# space: the mean code of the training grooves high in it minus that of those low in it.
KNOBS = "knobs.npz"
# Fills (optional, for a model with a code per bar): the direction from the training beat bars' codes to those
# of the drummers' fills, and to the bars that come after a fill (where a drummer lands: a crash, a kick on one).
FILLS = "fills.npz"
CARD = "MODEL_CARD.md"
INFO = "model.json"

# keys of every graph's ONNX metadata
KEY_FORMAT = "drummachine_format"
KEY_VOCABULARY = "vocabulary"
KEY_CONFIG = "model_config"
KEY_TRAINING = "training"
KEY_EVALUATION = "evaluation"
KEY_FEEL_CONFIG = "feel_config"


def vocabulary_json() -> str:
    """The vocabulary a model was trained on; the engine refuses a model whose vocabulary differs."""
    return json.dumps(
        {"classes": list(CLASS_NAMES), "output_pitches": list(OUTPUT_PITCHES),
         "class_pitches": [list(p) for p in CLASS_PITCHES], "tokens": NUM_TOKENS, "steps_per_bar": STEPS_PER_BAR},
        sort_keys=True,
    )


def read_arrays(path: Path, names: tuple[str, ...], what: str, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The named arrays of a folder's .npz file (and those of `optional` it holds), or one ValueError naming the
    file when it is damaged or lacks one (numpy raises several types for a damaged archive)."""
    try:
        with np.load(path) as data:
            return {n: data[n] for n in names + tuple(o for o in optional if o in data.files)}
    except Exception as exc:
        raise ValueError(f"{path} is not a readable {what} ({exc})") from exc
