"""The drum vocabulary shared by the trainer and the app: classes, pitches and step tokens.

A step is a 9-bit mask over the drum classes (bit i set when class i is hit), so every step is one of
512 tokens. This is the only module that knows how pitches map to classes and classes to tokens.
"""

from __future__ import annotations

import numpy as np

CLASS_NAMES: tuple[str, ...] = (
    "kick",
    "snare",
    "closed hat",
    "open hat",
    "low tom",
    "mid tom",
    "high tom",
    "crash",
    "ride",
)
NUM_CLASSES = len(CLASS_NAMES)
NUM_TOKENS = 1 << NUM_CLASSES  # 512
STEPS_PER_BAR = 16
STEPS_PER_BEAT = 4
DRUM_CHANNEL = 9  # MIDI channel 10, zero-based as mido counts

# One output pitch per class, as MusicVAE renders its 9 classes.
OUTPUT_PITCHES: tuple[int, ...] = (36, 38, 42, 46, 45, 48, 50, 49, 51)

# Every General MIDI percussion pitch (35-81), the GM2/Roland extras (22, 26, 27-34, 82-87), mapped onto the
# 9 classes by sound and function (the magenta note-seq default drum mapping).
CLASS_PITCHES: tuple[tuple[int, ...], ...] = (
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)


def pitch_class_table() -> np.ndarray:
    """Class index for each of the 128 MIDI pitches, -1 for a pitch no class takes."""
    table = np.full(128, -1, dtype=np.int8)
    for cls, pitches in enumerate(CLASS_PITCHES):
        for pitch in pitches:
            if table[pitch] != -1:
                raise ValueError(f"pitch {pitch} is mapped to two classes")
            table[pitch] = cls
    return table


PITCH_TO_CLASS = pitch_class_table()
_BIT_WEIGHTS = (1 << np.arange(NUM_CLASSES)).astype(np.int64)


def pitch_to_class(pitch: int) -> int:
    """Drum class of a MIDI pitch, or -1 when the pitch is no drum we model."""
    return int(PITCH_TO_CLASS[pitch]) if 0 <= pitch < 128 else -1


def rows_to_tokens(rows: np.ndarray) -> np.ndarray:
    """Multi-hot rows (..., 9) of hits (any nonzero value is a hit) -> tokens (...) in 0..511."""
    rows = np.asarray(rows)
    if rows.shape[-1] != NUM_CLASSES:
        raise ValueError(f"expected a last axis of {NUM_CLASSES} classes, got shape {rows.shape}")
    return ((rows != 0).astype(np.int64) @ _BIT_WEIGHTS).astype(np.int16)


def tokens_to_rows(tokens: np.ndarray) -> np.ndarray:
    """Tokens (...) in 0..511 -> boolean multi-hot rows (..., 9)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    if tokens.size and (tokens.min() < 0 or tokens.max() >= NUM_TOKENS):
        raise ValueError(f"tokens must lie in 0..{NUM_TOKENS - 1}")
    return (tokens[..., None] & _BIT_WEIGHTS) != 0


def pattern_to_tokens(hits: np.ndarray) -> np.ndarray:
    """A pattern array (bars, 16, 9) -> its token sequence (bars * 16,)."""
    hits = np.asarray(hits)
    if hits.ndim != 3 or hits.shape[1:] != (STEPS_PER_BAR, NUM_CLASSES):
        raise ValueError(f"expected a pattern of shape (bars, 16, 9), got {hits.shape}")
    return rows_to_tokens(hits.reshape(-1, NUM_CLASSES))


def tokens_to_pattern(tokens: np.ndarray) -> np.ndarray:
    """A token sequence (bars * 16,) -> a boolean pattern array (bars, 16, 9)."""
    tokens = np.asarray(tokens)
    if tokens.ndim != 1 or tokens.size % STEPS_PER_BAR:
        raise ValueError(f"expected a whole number of 16-step bars, got {tokens.shape}")
    return tokens_to_rows(tokens).reshape(-1, STEPS_PER_BAR, NUM_CLASSES)


def class_mask(classes) -> int:
    """The bits of `classes` in a token: a token keeps class c as another does when their bits under the
    mask agree."""
    return sum(1 << int(c) for c in set(classes))


def tokens_with_class(cls: int) -> np.ndarray:
    """The tokens (indices into 0..511) in which class `cls` is hit."""
    return np.flatnonzero(np.arange(NUM_TOKENS) >> cls & 1)


def tokens_keeping(reference: np.ndarray, classes) -> np.ndarray:
    """(len(reference), 512) booleans: which tokens hit exactly the `classes` that each reference token hits
    (the other classes free). What a lock on those classes allows at each step."""
    mask = class_mask(classes)
    reference = np.asarray(reference, dtype=np.int64)
    return (np.arange(NUM_TOKENS)[None, :] & mask) == (reference[:, None] & mask)


def token_name(token: int) -> str:
    """Readable name of a token, e.g. 'kick+closed hat', or 'rest' for 0."""
    names = [CLASS_NAMES[c] for c in range(NUM_CLASSES) if token >> c & 1]
    return "+".join(names) if names else "rest"
