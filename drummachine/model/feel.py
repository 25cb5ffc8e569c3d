"""Feel: how loud and how far off the grid a drummer would play the hits of a pattern (onnxruntime).

The feel model (trained by trainer/feel_model.py from GMD's per-hit velocities and timing) reads two bars
of hits, the bar before and the bar it gives feel to, with a code drawn for a seed; bar k's feel comes from
(bar k-1, bar k), bar 0's from (the bar played before it, or bar 0 itself). So a seed gives the same feel
bar by bar, as the live player asks, or all at once, as a clip does.

`amount` blends each hit from the pattern's own velocity and timing (0: as written, the grid for a generated
groove) to the learned ones (1), and past them (up to 1.5, exaggerated). Classes in `keep` (locked
instruments) keep their own velocity and timing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from drummachine import limits
from drummachine.groove.pattern import MAX_OFFSET, Pattern
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.model import format as fmt

MAX_AMOUNT = limits.FEEL.high


@dataclass(frozen=True)
class FeelSettings:
    """What the musician sets: how much feel, which feel (seed), and the classes left as written."""

    amount: float = 1.0
    seed: int = 0
    keep: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not 0.0 <= self.amount <= MAX_AMOUNT:
            raise ValueError(f"feel amount must lie in 0..{MAX_AMOUNT}, got {self.amount}")


class Feel:
    def __init__(self, session, mean: np.ndarray, chol: np.ndarray, config: dict):
        self._session = session
        self.mean, self.chol, self.config = mean, chol, config
        self.latent = int(mean.shape[0])

    @classmethod
    def open(cls, folder: Path, options, providers) -> Optional["Feel"]:
        """The folder's feel model, or None when it has none (the folder is a plain VAE's). A damaged feel
        file raises ValueError naming it."""
        import onnxruntime as ort

        path, prior = Path(folder) / fmt.FEEL, Path(folder) / fmt.FEEL_PRIOR
        if not path.is_file():
            return None
        try:
            session = ort.InferenceSession(str(path), options, providers=providers)
            meta = session.get_modelmeta().custom_metadata_map
            config = json.loads(meta.get(fmt.KEY_FEEL_CONFIG, "{}"))
            with np.load(prior) as data:
                mean, chol = data["mean"].astype(np.float32), data["chol"].astype(np.float32)
        except Exception as exc:  # onnxruntime and numpy raise their own types for damaged files
            raise ValueError(f"{path} (or {prior.name}) is not a usable feel model ({str(exc).splitlines()[0][:160]})") from exc
        if meta.get(fmt.KEY_FORMAT) != str(fmt.FORMAT_VERSION):
            raise ValueError(f"{path} has model format {meta.get(fmt.KEY_FORMAT)}, not {fmt.FORMAT_VERSION}")
        if chol.shape != (mean.shape[0],) * 2:
            raise ValueError(f"{prior} does not match its feel model")
        return cls(session, mean, chol, config)

    def code(self, seed: int) -> np.ndarray:
        """The feel code for a seed, drawn where the training performances' codes lie."""
        eps = np.random.default_rng([int(seed), 5]).standard_normal(self.latent).astype(np.float32)
        return self.mean + self.chol @ eps

    @property
    def reads_tempo(self) -> bool:
        return bool(self.config.get("tempo", False))

    def learned(self, pattern: Pattern, seed: int, previous: Optional[Pattern] = None,
                bpm: float = 120.0) -> tuple[np.ndarray, np.ndarray]:
        """Learned velocity (MIDI, 0..127 float) and offset (steps) for every cell of `pattern` (bars, 16, 9).

        `previous`: the bar played before bar 0 (live, the loop's last bar or the groove's previous bar).
        `bpm`: the tempo it is played at (a model that reads it plays a slow groove otherwise than a fast one)."""
        hits = pattern.hits.astype(np.float32)
        before = hits[:1] if previous is None or previous.bars == 0 else previous.hits[-1:].astype(np.float32)
        windows = np.concatenate([np.concatenate([before, hits[:-1]])[:, None], hits[:, None]], axis=1)
        windows = windows.reshape(pattern.bars, fmt.FEEL_BARS * STEPS_PER_BAR, NUM_CLASSES)
        z = np.broadcast_to(self.code(seed), (pattern.bars, self.latent)).astype(np.float32)
        feeds = {"hits": windows, "z": np.ascontiguousarray(z)}
        if self.reads_tempo:
            feeds["tempo"] = np.full(pattern.bars, fmt.feel_tempo(bpm), np.float32)
        velocity, offset = self._session.run(["velocity", "offset"], feeds)
        second = slice(STEPS_PER_BAR, None)  # each window's bar 2 is the bar given feel
        return 127.0 * velocity[:, second], offset[:, second]

    def apply(self, pattern: Pattern, settings: FeelSettings = FeelSettings(), previous: Optional[Pattern] = None,
              bpm: float = 120.0) -> Pattern:
        """The pattern played with feel at `bpm` (see the module's doc for `amount` and `keep`)."""
        if pattern.bars == 0 or settings.amount == 0 or not pattern.hits.any():
            return pattern
        velocity, offset = self.learned(pattern, settings.seed, previous, bpm)
        own_v, own_o = pattern.velocities.astype(np.float32), pattern.timing
        a = settings.amount
        v = own_v + a * (velocity - own_v)
        o = own_o + a * (offset - own_o)
        if settings.keep:
            kept = np.zeros(NUM_CLASSES, bool)
            kept[list(settings.keep)] = True
            v = np.where(kept, own_v, v)
            o = np.where(kept, own_o, o)
        v = np.clip(np.rint(v), 1, 127)
        o = np.clip(o, -MAX_OFFSET, MAX_OFFSET)
        return pattern.with_feel(v, o)
