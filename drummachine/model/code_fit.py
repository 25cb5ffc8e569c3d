"""Fit a groove's code to the groove: a few gradient steps from the encoder's code on how likely the decoder finds
the groove's own bars.

The encoder guesses a code in one pass, and its guess is not the best code for the groove (the "amortization gap"
of a VAE, Kim et al. 2018): on the validation drummers the bundled model's rebuilds from the encoder's code play
74% of steps right and miss one kick in five. The decoder can say, for any code, how likely it would play the
groove, and how that likelihood moves with the code (the model folder's `bar_fit.onnx`, one row a bar); a few Adam
steps on it, pulled back a little towards the encoder's code so that the code stays where the encoder puts codes,
make rebuilds the musician recognises (docs/RESULTS.md).

The optimiser is pure numpy over a callable, so it is tested without a model and the trainer can hand it a torch
gradient instead of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# codes (R, D) -> (negative log-likelihood of each row's bar (R,), its gradient (R, D))
LikelihoodGradient = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class FitSettings:
    """How hard a code is fitted to its groove (defaults chosen on the validation drummers: docs/RESULTS.md)."""

    steps: int = 20  # Adam steps; 0 keeps the encoder's code
    rate: float = 0.2  # Adam's step size, in code units
    anchor: float = 0.1  # pull back to the encoder's code: weight of 0.5 * ((z - mu) / sigma)^2 beside the NLL

    def __post_init__(self) -> None:
        if self.steps < 0 or not self.rate > 0 or not self.anchor >= 0:
            raise ValueError(f"fit settings need steps >= 0, rate > 0 and anchor >= 0, not {self}")


def fit_codes(likelihood: LikelihoodGradient, mu: np.ndarray, sigma: np.ndarray,
              settings: FitSettings = FitSettings()) -> np.ndarray:
    """Codes (R, D) fitted row by row from the encoder's `mu` (R, D) with its `sigma` (R, D).

    Each row keeps the best code it met (the lowest NLL plus anchor term), so a fitted code is never worse for
    its bar than the encoder's own."""
    mu = np.asarray(mu, np.float64)
    scale = np.maximum(np.asarray(sigma, np.float64), 1e-3)
    z = mu.copy()
    best, best_loss = mu.copy(), np.full(len(mu), np.inf)
    m, v = np.zeros_like(mu), np.zeros_like(mu)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(settings.steps + 1):
        nll, grad = likelihood(z.astype(np.float32))
        nll, grad = np.asarray(nll, np.float64), np.asarray(grad, np.float64)
        pull = (z - mu) / scale
        loss = nll + settings.anchor * 0.5 * (pull**2).sum(1)
        better = loss < best_loss
        best[better], best_loss[better] = z[better], loss[better]
        if step == settings.steps:
            break
        g = grad + settings.anchor * pull / scale
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        t = step + 1
        z = z - settings.rate * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return best.astype(np.float32)


def fit_groove(session, tokens: np.ndarray, mu: np.ndarray, sigma: np.ndarray,
               settings: FitSettings = FitSettings()) -> np.ndarray:
    """One groove's code (L,) fitted with the folder's fit graph (`session`, fmt.BAR_FIT; a model with a code per
    bar, so each bar's code is fitted to that bar alone): tokens (bars*16,) of the groove, the encoder's mu and
    sigma (L,) for it."""
    rows = session.get_inputs()[0].shape[0]
    bars = np.asarray(tokens, np.int64).reshape(rows, -1)

    def likelihood(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nll, grad = session.run(None, {"code": codes, "tokens": bars})
        return nll, grad

    fitted = fit_codes(likelihood, np.reshape(mu, (rows, -1)), np.reshape(sigma, (rows, -1)), settings)
    return fitted.reshape(-1)
