"""Training windows with their bars' hat and ride layers handed round among their own bars."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from trainer.augment import LAYER_MASK, mix_parts  # noqa: E402


def windows(batch: int = 64, bars: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).integers(0, 512, (batch, bars * 16))).long()


def test_only_the_hat_and_ride_layer_moves_and_only_among_a_window_s_own_bars():
    tokens = windows()
    mixed = mix_parts(tokens, 1.0, torch.Generator().manual_seed(1))
    assert torch.equal(mixed & ~LAYER_MASK & 511, tokens & ~LAYER_MASK & 511)  # kick, snare, toms, crash stay
    layers = lambda t: sorted(map(tuple, (t & LAYER_MASK).view(16, 16).tolist()))  # noqa: E731
    for before, after in zip(tokens, mixed):
        assert layers(after) == layers(before)  # the same 16 bar layers, in another order
    assert not torch.equal(mixed, tokens)


def test_the_share_decides_how_many_windows_change_and_none_is_no_change():
    tokens = windows(batch=2000)
    assert torch.equal(mix_parts(tokens, 0.0, torch.Generator().manual_seed(1)), tokens)
    changed = (mix_parts(tokens, 0.3, torch.Generator().manual_seed(1)) != tokens).any(1).float().mean().item()
    assert changed == pytest.approx(0.3, abs=0.04)


def test_a_window_of_one_bar_is_left_alone():
    tokens = windows(bars=1)
    assert torch.equal(mix_parts(tokens, 1.0, torch.Generator().manual_seed(1)), tokens)


def test_each_group_moves_on_its_own_and_the_rest_stays():
    from trainer.augment import PARTS, layer_masks

    kick_mask = layer_masks("kick")[0]
    masks = layer_masks("hats,kick")
    assert masks == (LAYER_MASK, kick_mask)
    tokens = windows()
    mixed = mix_parts(tokens, 1.0, torch.Generator().manual_seed(1), masks)
    assert torch.equal(mixed & ~(LAYER_MASK | kick_mask) & 511, tokens & ~(LAYER_MASK | kick_mask) & 511)
    for mask in masks:
        layers = lambda t: sorted(map(tuple, (t & mask).view(16, 16).tolist()))  # noqa: E731
        assert all(layers(a) == layers(b) for a, b in zip(mixed, tokens))
    # the two groups are not moved together: some bar's kick now sits with another bar's hats than before
    pairs = lambda t: set(zip(map(tuple, (t & LAYER_MASK).view(16, 16).tolist()),  # noqa: E731
                             map(tuple, (t & kick_mask).view(16, 16).tolist())))
    assert any(pairs(a) != pairs(b) for a, b in zip(mixed, tokens))
    assert set(PARTS) == {"hats", "kick", "snare", "toms", "crash"}


def test_the_default_group_draws_as_before():
    """Runs trained before groups existed keep their random stream: one share draw, then one order per group."""
    tokens = windows()
    assert torch.equal(mix_parts(tokens, 0.5, torch.Generator().manual_seed(3)),
                       mix_parts(tokens, 0.5, torch.Generator().manual_seed(3), (LAYER_MASK,)))


@pytest.mark.parametrize("groups, named", [("hats,kik", "kik"), ("hats,hats", "hats"), ("hats,", "empty part"), ("hats++kick", "empty part"),
                                           ("toms+crash,crash", "crash")])
def test_a_misspelt_or_doubled_part_is_named(groups, named):
    from trainer.augment import layer_masks

    with pytest.raises(ValueError, match="--part-layers") as caught:
        layer_masks(groups)
    assert named in str(caught.value)
