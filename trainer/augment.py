"""Training windows a drummer could have played: new bars from the parts of a window's own bars.

With one code per bar, the model's reconstructions are limited by how few distinct bars 11k windows hold (the
validation loss rises after ~2,000 steps while training accuracy keeps climbing). A bar's time-keeping layer (closed
and open hat, ride) and its kick, snare, toms and crash are largely independent choices of the same player in the
same performance, so a window whose hat layers are handed round among its own bars holds bars of that player's
vocabulary that the file may not: more bars to learn from, none foreign to the window's style or tempo.
"""

from __future__ import annotations

import torch

from drummachine.groove.vocabulary import NUM_TOKENS, STEPS_PER_BAR

TIME_KEEPING = (2, 3, 8)  # closed hat, open hat, ride: the layer handed round (crash stays with the kick it lands on)
LAYER_MASK = sum(1 << c for c in TIME_KEEPING)
ALL_MASK = NUM_TOKENS - 1


def mix_parts(tokens: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """A batch of windows (batch x steps of token ids) where `share` of the windows (each by chance) have their
    bars' time-keeping layers shuffled among their own bars; the rest, and every window of one bar, unchanged."""
    batch, steps = tokens.shape
    bars = steps // STEPS_PER_BAR
    if share <= 0.0 or bars < 2:
        return tokens
    chosen = torch.rand(batch, device=tokens.device, generator=generator) < share
    order = torch.rand(batch, bars, device=tokens.device, generator=generator).argsort(dim=1)
    by_bar = tokens.view(batch, bars, STEPS_PER_BAR)
    layer = by_bar.bitwise_and(LAYER_MASK).gather(1, order.unsqueeze(-1).expand(-1, -1, STEPS_PER_BAR))
    mixed = by_bar.bitwise_and(ALL_MASK ^ LAYER_MASK).bitwise_or(layer).view(batch, steps)
    return torch.where(chosen.unsqueeze(1), mixed, tokens)
