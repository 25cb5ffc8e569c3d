"""The sampler's random numbers (model/uniforms.py) and a model folder's bar coherence, with the real engine."""

import shutil

import numpy as np
import pytest

from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.folder import ModelError
from drummachine.model.uniforms import bar_uniforms


def test_no_coherence_keeps_the_draws_of_before_bit_for_bit():
    old = np.stack([np.clip(np.random.default_rng([7, 1, b]).random(16, dtype=np.float32), 1e-7, 1.0)
                    for b in (0, 3, 5)])
    assert np.array_equal(bar_uniforms(7, [0, 3, 5], 0.0), old)


def test_full_coherence_gives_every_bar_the_same_draws_and_none_gives_each_its_own():
    same = bar_uniforms(3, range(4), 1.0)
    assert np.array_equal(same, np.broadcast_to(same[0], same.shape))
    own = bar_uniforms(3, range(4), 0.0)
    assert not np.allclose(own[0], own[1])


def test_a_bar_reads_the_same_draws_asked_for_alone_or_with_others():
    together = bar_uniforms(11, range(8), 0.9)
    assert np.array_equal(bar_uniforms(11, [5], 0.9)[0], together[5])


@pytest.mark.parametrize("coherence", [0.0, 0.5, 0.95])
def test_every_draw_is_still_uniform_so_each_step_follows_the_model(coherence):
    draws = np.concatenate([bar_uniforms(seed, range(16), coherence).ravel() for seed in range(400)])
    assert draws.min() > 0 and draws.max() <= 1
    counts = np.histogram(draws, bins=10, range=(0, 1))[0] / len(draws)
    assert np.abs(counts - 0.1).max() < 0.01


def test_coherence_ties_the_bars_together_as_much_as_asked():
    def corr(c):
        d = np.stack([bar_uniforms(s, [0, 1], c) for s in range(500)])
        return np.corrcoef(d[:, 0].ravel(), d[:, 1].ravel())[0, 1]
    assert abs(corr(0.0)) < 0.05
    assert 0.4 < corr(0.5) < 0.6
    assert corr(0.95) > 0.9


def test_a_coherence_outside_0_to_1_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        bar_uniforms(1, [0], 1.5)


def _with_prior(folder, tmp_path, **extra):
    out = shutil.copytree(folder, tmp_path / "m", dirs_exist_ok=True)
    prior = dict(np.load(out / fmt.LATENT_PRIOR))
    np.savez(out / fmt.LATENT_PRIOR, **{**prior, **extra})
    return out


def test_a_folder_s_coherence_is_read_and_a_folder_without_one_samples_as_before(tiny_per_bar_model, tmp_path):
    plain = Engine(tiny_per_bar_model)
    assert plain.model.bar_coherence == 0.0
    coupled = Engine(_with_prior(tiny_per_bar_model, tmp_path, bar_coherence=np.float32(1.0)))
    assert coupled.model.bar_coherence == 1.0
    # full coherence: bars whose codes are equal play the same hits, however hot the sampling
    z = np.tile(plain.random_latent(2)[: plain.latent // plain.bars], plain.bars)
    hot = coupled.decode(z, None, 1.5, seed=4).hits
    assert all(np.array_equal(hot[0], bar) for bar in hot[1:])
    assert not all(np.array_equal(b0, b1) for b0, b1 in zip(plain.decode(z, None, 1.5, seed=4).hits,
                                                              plain.decode(z, None, 1.5, seed=4).hits[1:]))
    # bar by bar equals all at once, each bar from its own code and draws
    partly = Engine(_with_prior(tiny_per_bar_model, tmp_path / "b", bar_coherence=np.float32(0.9)))
    z = plain.random_latent(3)
    whole = partly.decode(z, None, 0.9, seed=6).hits
    assert all(np.array_equal(partly.decode_bar(z, b, 0.9, seed=6).hits[0], whole[b]) for b in range(plain.bars))


@pytest.mark.parametrize("value", [np.float32(1.5), np.array([0.2, 0.3], np.float32), np.float32(np.nan)])
def test_a_damaged_coherence_is_named(tiny_per_bar_model, tmp_path, value):
    with pytest.raises(ModelError, match="latent_prior.npz has a bar coherence"):
        Engine(_with_prior(tiny_per_bar_model, tmp_path, bar_coherence=value))
