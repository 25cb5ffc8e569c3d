"""Schedules that depend only on the step: learning rate, KL weight beta, scheduled-sampling probability."""

from __future__ import annotations

import math


def learning_rate(step: int, start: float, decay: float, floor: float) -> float:
    """start * decay^step, never below floor (seed: 1e-3 decaying by 0.9999 a step to 1e-5)."""
    return max(start * decay**step, floor)


def kl_beta(step: int, max_beta: float, beta_rate: float) -> float:
    """MusicVAE's annealing: (1 - beta_rate^step) * max_beta."""
    return (1.0 - beta_rate**step) * max_beta


def sampling_probability(step: int, schedule: str, p: float, rate: float) -> float:
    """Probability of feeding the model its own sample instead of the true token.

    'teacher': 0 always. 'fixed': p (0.5 in the seed). 'inverse_sigmoid': 1 - k / (k + exp(step / k)) with
    k = rate, as MusicVAE's drum configs (0 at first, 0.5 at step k ln k, towards 1 after).
    """
    if schedule == "teacher":
        return 0.0
    if schedule == "fixed":
        return p
    if schedule == "inverse_sigmoid":
        x = step / rate
        if x > 700:
            return 1.0
        return 1.0 - rate / (rate + math.exp(x))
    raise ValueError(f"unknown sampling schedule {schedule!r}")
