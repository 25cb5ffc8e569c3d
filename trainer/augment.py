"""Training windows a drummer could have played: new bars from the parts of a window's own bars.

With one code per bar, the model's reconstructions are limited by how few distinct bars 11k windows hold (the
validation loss rises after ~2,000 steps while training accuracy keeps climbing). A bar's time-keeping layer (closed
and open hat, ride) and its kick, snare, toms and crash are largely independent choices of the same player in the
same performance, so a window whose hat layers are handed round among its own bars holds bars of that player's
vocabulary that the file may not: more bars to learn from, none foreign to the window's style or tempo. Other layers
(the kick; toms with their crash) can be handed round too, each group on its own.
"""

from __future__ import annotations

import torch

from drummachine.groove.vocabulary import NUM_TOKENS, STEPS_PER_BAR

# the parts that can be handed round, by class (kick 0, snare 1, closed hat 2, open hat 3, toms 4-6, crash 7, ride 8)
PARTS: dict[str, tuple[int, ...]] = {"hats": (2, 3, 8), "kick": (0,), "snare": (1,), "toms": (4, 5, 6), "crash": (7,)}
LAYER_MASK = sum(1 << c for c in PARTS["hats"])  # the time-keeping layer (the crash stays with the kick it lands on)
ALL_MASK = NUM_TOKENS - 1
DEFAULT_GROUPS = "hats"  # what --part-mix hands round unless --part-layers says otherwise


def layer_masks(groups: str) -> tuple[int, ...]:
    """Token masks of the layer groups named as `hats,kick` or `hats,toms+crash`: each comma-separated group is
    handed round on its own, the parts joined by + move together; a part in two groups is refused."""
    masks, seen = [], set()
    for group in groups.split(","):
        parts = [p.strip() for p in group.split("+")]
        unknown = [p for p in parts if p not in PARTS]
        if unknown:
            what = f"unknown part {unknown[0]!r}" if unknown[0] else "an empty part"
            raise ValueError(f"--part-layers: {what} in {groups!r}; parts are {', '.join(PARTS)}, joined by + "
                             "within a group and , between groups")
        if seen & set(parts):
            raise ValueError(f"--part-layers: {sorted(seen & set(parts))[0]} is in two groups of {groups!r}")
        seen |= set(parts)
        masks.append(sum(1 << c for p in parts for c in PARTS[p]))
    return tuple(masks)


def mix_parts(tokens: torch.Tensor, share: float, generator: torch.Generator,
              masks: tuple[int, ...] | None = None) -> torch.Tensor:
    """A batch of windows (batch x steps of token ids) where `share` of the windows (each by chance) have their
    bars' layers (each mask a group, by default the time-keeping layer) shuffled among their own bars, each group in
    its own order; the rest, and every window of one bar, unchanged."""
    masks = layer_masks(DEFAULT_GROUPS) if masks is None else masks
    batch, steps = tokens.shape
    bars = steps // STEPS_PER_BAR
    if share <= 0.0 or bars < 2:
        return tokens
    chosen = torch.rand(batch, device=tokens.device, generator=generator) < share
    by_bar = tokens.view(batch, bars, STEPS_PER_BAR)
    mixed = by_bar.bitwise_and(ALL_MASK ^ sum(masks))
    for mask in masks:
        order = torch.rand(batch, bars, device=tokens.device, generator=generator).argsort(dim=1)
        layer = by_bar.bitwise_and(mask).gather(1, order.unsqueeze(-1).expand(-1, -1, STEPS_PER_BAR))
        mixed = mixed.bitwise_or(layer)
    return torch.where(chosen.unsqueeze(1), mixed.view(batch, steps), tokens)
