"""Bars that repeat an earlier bar exactly (drummachine/model/repeats.py): the chances fitted from grooves, the
copies a seed draws, and an engine whose prior carries them playing the very same bar again."""

import shutil
from dataclasses import replace

import numpy as np
import pytest

from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.folder import ModelError
from drummachine.model.repeats import (
    check_rates, check_sources, copy_sources, lag_rates, nearest_equal_lags, rates_at, shared_sources, with_copies,
)
from export.knobs import write_knobs


def _grooves(*orders):
    """Grooves whose bars are the given letters' bars (equal letters: equal bars)."""
    rng = np.random.default_rng(0)
    bars = {c: rng.random((16, 9)) < 0.3 for c in "ABCDEFGHIJKLMNOP"}
    return np.stack([np.stack([bars[c] for c in order]) for order in orders])


def test_each_bar_s_nearest_equal_earlier_bar_and_the_rate_of_each_lag():
    grooves = _grooves("AABA", "ABCD", "ABAB")
    assert nearest_equal_lags(grooves).tolist() == [[0, 1, 0, 2], [0, 0, 0, 0], [0, 0, 2, 2]]
    rates = lag_rates(grooves)
    assert rates[0] == 0
    assert rates[1] == pytest.approx(1 / 9)  # of the 9 bars with a bar before them, one equals it
    assert rates[2] == pytest.approx(3 / 6)  # of the 6 bars with a bar two before, three repeat it
    assert rates[3] == 0


def test_a_seed_draws_the_same_copies_and_a_copy_of_a_copy_plays_the_first_bar():
    none = np.zeros(16)
    assert copy_sources(3, none).tolist() == list(range(16))
    always = np.zeros(16)
    always[1] = 1.0  # every bar copies the bar before: all play bar 0
    assert copy_sources(3, always).tolist() == [0] * 16
    rates = np.zeros(16)
    rates[1:5] = 0.1
    a, b = copy_sources(7, rates), copy_sources(7, rates)
    assert np.array_equal(a, b) and all(a[i] <= i for i in range(16)) and all(a[a[i]] == a[i] for i in range(16))
    copied = [copy_sources(s, rates) for s in range(300)]
    share = np.mean([(c[1:] != np.arange(1, 16)).mean() for c in copied])
    assert 0.25 < share < 0.4  # about 0.4 for bars with four lags behind them, less for the first three


def test_a_copy_takes_its_source_bar_s_code_and_a_plan_that_is_not_one_is_named():
    z = np.arange(16 * 4, dtype=np.float32)
    sources = [0, 0, 2, 0, 4, 4, 2, 7, 8, 9, 10, 11, 12, 13, 14, 0]
    copied = with_copies(z, np.array(sources), 4).reshape(16, 4)
    assert np.array_equal(copied[3], z.reshape(16, 4)[0]) and np.array_equal(copied[7], z.reshape(16, 4)[7])
    assert check_sources(sources, 16) == ""
    assert "names sources for 16 bars, the groove has 8" in check_sources(sources, 8)
    assert "not an earlier bar playing itself" in check_sources([0, 2, 2], 16)  # a later bar
    assert "not an earlier bar playing itself" in check_sources([0, 0, 1], 16)  # a copy of a copy not resolved


@pytest.mark.parametrize("rates, temperatures, words", [
    (np.full((1, 15), 0.01), [1.0], "of shape (1, 15) at (1,) temperatures; the model has 16 bars"),
    (np.zeros((2, 16)), [1.0], "of shape (2, 16) at (1,) temperatures"),
    (np.zeros((2, 16)), [1.0, 0.5], "at temperatures that do not rise"),
    (np.r_[0.1, np.zeros(15)][None], [1.0], "not chances"),
    (np.r_[0, np.full(15, 0.1)][None], [1.0], "not chances"),
    (np.r_[0, np.nan, np.zeros(14)][None], [1.0], "not chances")])
def test_chances_that_are_not_chances_are_named(rates, temperatures, words):
    assert words in check_rates(rates, np.array(temperatures), 16)
    assert check_rates(np.r_[0, 0.05, 0.02, np.zeros(13)][None], np.array([1.0]), 16) == ""


def test_the_chances_are_read_between_the_fitted_temperatures_and_held_beyond_them():
    rates = np.zeros((2, 16))
    rates[0, 1], rates[1, 1] = 0.0, 0.04
    temperatures = np.array([0.0, 1.0])
    assert rates_at(rates, temperatures, 0.5)[1] == pytest.approx(0.02)
    assert rates_at(rates, temperatures, 2.0)[1] == pytest.approx(0.04)
    assert rates_at(rates, temperatures, 0.0)[1] == 0.0


def _with_repeats(folder, out, rates, temperatures=(1.0,)):
    shutil.copytree(folder, out)
    prior = dict(np.load(out / fmt.LATENT_PRIOR))
    np.savez(out / fmt.LATENT_PRIOR, **prior, repeat_rates=rates, repeat_temperatures=np.array(temperatures))
    return out


def _lag1(chance):
    rates = np.zeros((1, 16))
    rates[0, 1] = chance
    return rates


def test_a_bar_that_copies_plays_the_very_same_bar_at_any_temperature(tiny_per_bar_model, tmp_path):
    engine = Engine(_with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.5)))
    plain = Engine(tiny_per_bar_model)
    assert plain.model.repeat_rates is None and engine.model.repeat_rates[0, 1] == 0.5
    seen = 0
    for seed in range(12):
        take = engine.sample(None, 1.5, seed)
        sources = copy_sources(seed, _lag1(0.5)[0])
        assert take.repeats == (tuple(sources) if (sources != np.arange(16)).any() else ())
        hits, z = take.pattern.hits, take.code
        for b in range(1, 16):
            if sources[b] != b:
                seen += 1
                assert np.array_equal(hits[b], hits[sources[b]])
                assert np.array_equal(z.reshape(16, -1)[b], z.reshape(16, -1)[sources[b]])
        # decoded again from its code and copy plan, bar by bar or all at once, it plays the same
        assert np.array_equal(engine.decode(z, None, 1.5, seed, repeats=take.repeats).hits, hits)
        assert all(np.array_equal(engine.decode_bar(z, b, 1.5, seed, repeats=take.repeats).hits[0], hits[b])
                   for b in (0, 5, 15))
        assert np.array_equal(np.stack([p.hits[0] for p in engine.decode_bars(z, None, 1.5, seed, None,
                                                                               take.repeats)]), hits)
    assert seen > 40
    # a prior without chances samples as before: the Gaussian's code, each bar its own draws
    take = plain.sample(None, 1.0, 3)
    assert take.repeats == () and np.array_equal(take.code, plain.random_latent(3))
    assert np.array_equal(take.pattern.hits, plain.decode(plain.random_latent(3), None, 1.0, 3).hits)


def test_knobs_keep_the_repeats_and_a_fill_leaves_the_copies_of_its_bar_be(tiny_per_bar_model, tmp_path):
    folder = _with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.9))
    latent = Engine(folder).latent
    rng = np.random.default_rng(1)
    write_knobs(folder, {"density": (rng.standard_normal(latent).astype(np.float32), 1.0, 2.0)})
    np.savez(folder / fmt.FILLS, fill=np.full(4, 3.0, np.float32), landing=np.full(4, -3.0, np.float32))
    engine = Engine(folder)
    take = engine.sample(None, 1.0, 5, knobs={"density": 1.5})
    z = take.code.reshape(16, -1)
    sources = copy_sources(5, _lag1(0.9)[0])
    assert (sources != np.arange(16)).sum() > 8 and take.repeats == tuple(sources)
    assert all(np.array_equal(z[b], z[sources[b]]) for b in range(16))
    assert all(np.array_equal(take.pattern.hits[b], take.pattern.hits[sources[b]]) for b in range(16))
    filled = engine.sample(None, 1.0, 5, knobs={"density": 1.5}, fill_every=4)
    moved = [0, 3, 4, 7, 8, 11, 12, 15]  # fill bars and the bars they land on
    rest = [b for b in range(16) if b not in moved]
    assert np.array_equal(filled.pattern.hits[rest], take.pattern.hits[rest])


def _studio(folder, tmp_path):
    from drummachine.studio.session import Session
    from drummachine.studio.studio import Studio

    studio = Studio(Engine(folder), Session(), tmp_path / "config", api=None)
    studio.session.settings.bars = 16
    studio.session.settings.temperature = 1.0
    return studio


def test_turning_knobs_and_switching_fills_on_a_sampled_groove_keep_its_repeats_and_its_other_bars(
        tiny_per_bar_model, tmp_path):
    folder = _with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.6))
    rng = np.random.default_rng(2)
    write_knobs(folder, {"density": (rng.standard_normal(64).astype(np.float32), 1.0, 2.0)})
    np.savez(folder / fmt.FILLS, fill=np.full(4, 3.0, np.float32), landing=np.full(4, -3.0, np.float32))
    studio = _studio(folder, tmp_path)
    try:
        studio.generate(seed=9)
        sampled = studio.session.take
        sources = list(sampled.repeats)
        assert sources and sum(s != b for b, s in enumerate(sources)) > 4

        def repeats_hold() -> bool:
            hits = studio.session.take.pattern.hits
            return studio.session.take.repeats == sampled.repeats and all(
                np.array_equal(hits[b], hits[s]) for b, s in enumerate(sources))

        assert studio.set_knob("density", 1.0) and repeats_hold()
        knobbed = studio.session.take.pattern.hits
        assert np.array_equal(knobbed, studio.engine.sample(16, 1.0, 9, knobs={"density": 1.0}).pattern.hits)
        assert studio.set_fill_every(4) and studio.session.take.repeats == sampled.repeats
        # a fill bar and the bar it lands on change; every other bar, copies of a fill bar too, stays as it was
        rest = [b for b in range(16) if b not in (0, 3, 4, 7, 8, 11, 12, 15)]
        assert np.array_equal(studio.session.take.pattern.hits[rest], knobbed[rest])
        assert studio.set_fill_every(0) and studio.set_knob("density", 0.0)
        assert studio.session.take.pattern == sampled.pattern and repeats_hold()
    finally:
        studio.close()


def test_a_session_file_keeps_a_take_s_repeats_and_repairs_damaged_ones():
    from drummachine.groove.pattern import Pattern
    from drummachine.groove.take import Take
    from drummachine.studio.session import take_from_json, take_to_json
    from drummachine.studio.session_repair import Repairs

    take = Take(Pattern.empty(4), (0.0,) * 16, 3, 1.0, "sample", repeats=(0, 0, 2, 0))
    data = take_to_json(take)
    r = Repairs()
    assert take_from_json(data, "take", r).repeats == (0, 0, 2, 0) and not r.problems
    for damaged in ([0, 2, 2, 3], "x", [0, 0, 1, 0], [0, True, 2, 3]):
        r = Repairs()
        assert take_from_json({**data, "repeats": damaged}, "take", r).repeats == ()
        assert len(r.problems) == 1 and r.problems[0].startswith("take's repeats ")
        assert r.problems[0].endswith(": no bar repeats another")
    r = Repairs()
    old = {k: v for k, v in data.items() if k != "repeats"}  # a session file from before repeats
    assert take_from_json(old, "take", r).repeats == () and not r.problems


def test_damaged_chances_are_named_in_one_sentence(tiny_per_bar_model, tmp_path):
    with pytest.raises(ModelError, match="latent_prior.npz holds repeat chances that are not chances"):
        Engine(_with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(1.5)))
    with pytest.raises(ModelError, match="latent_prior.npz holds repeat chances of shape \\(3,\\) at \\(1,\\) "
                                         "temperatures; the model has 16 bars"):
        Engine(_with_repeats(tiny_per_bar_model, tmp_path / "n", np.zeros(3)))
    with pytest.raises(ModelError, match="latent_prior.npz holds repeat chances that are not numbers"):
        Engine(_with_repeats(tiny_per_bar_model, tmp_path / "o", np.array(["a"] * 16)[None]))


def test_a_shorter_groove_keeps_the_plan_of_its_own_bars_and_saves_it(tiny_per_bar_model, tmp_path):
    from drummachine.groove.take import Take
    from drummachine.studio.session import take_from_json, take_to_json
    from drummachine.studio.session_repair import Repairs

    engine = Engine(_with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.9)))
    take = engine.sample(4, 1.0, 5)
    assert take.pattern.bars == 4 and take.repeats == tuple(copy_sources(5, _lag1(0.9)[0])[:4])
    assert all(np.array_equal(take.pattern.hits[b], take.pattern.hits[s]) for b, s in enumerate(take.repeats))
    r = Repairs()
    assert take_from_json(take_to_json(take), "take", r).repeats == take.repeats and not r.problems
    shorter = take_to_json(take) | {"pattern": take_to_json(Take(take.pattern.bar_slice(0, 2)))["pattern"]}
    assert take_from_json(shorter, "take", r).repeats == take.repeats[:2] and not r.problems  # cut, not repaired


def test_the_chances_follow_the_temperature_the_groove_is_sampled_at(tiny_per_bar_model, tmp_path):
    rates = np.zeros((2, 16))
    rates[1, 1] = 0.9  # none at T = 0, most bars copying at T = 1 and above
    engine = Engine(_with_repeats(tiny_per_bar_model, tmp_path / "m", rates, (0.0, 1.0)))
    assert engine.sample(None, 0.0, 2).repeats == () and engine.repeat_sources(2, 0.0) is None
    hot = engine.sample(None, 1.2, 2)
    assert sum(s != b for b, s in enumerate(hot.repeats)) > 8 and hot.repeats == engine.repeat_sources(2, 1.2)


def test_a_variation_of_a_sampled_groove_keeps_its_copy_plan(tiny_per_bar_model, tmp_path):
    folder = _with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.6))
    np.savez(folder / fmt.FILLS, fill=np.full(4, 3.0, np.float32), landing=np.full(4, -3.0, np.float32))
    studio = _studio(folder, tmp_path)
    try:
        assert studio.set_fill_every(4)
        studio.generate(seed=9)
        sampled = studio.session.take
        assert sampled.repeats and studio.variation()
        varied = studio.session.take
        assert varied.label == "variation" and varied.repeats == sampled.repeats and varied.fill_every == 4
        z, hits = varied.code.reshape(16, -1), varied.pattern.hits
        fills = studio.engine.fill_offset(4).reshape(16, -1)
        for b, s in enumerate(varied.repeats):  # a copy holds its source's varied code, the fill offsets aside
            assert np.allclose(z[b] - fills[b], z[s] - fills[s], atol=1e-5)
            if not fills[b].any() and not fills[s].any():
                assert np.array_equal(hits[b], hits[s])
        assert not np.array_equal(varied.code, sampled.code)
    finally:
        studio.close()


def test_a_mix_repeats_the_bars_every_one_of_its_grooves_repeats():
    assert shared_sources([(0, 0, 2, 3), (0, 0, 2, 2)], 4) == (0, 0, 2, 3)  # bar 2 copies bar 1 in both
    assert shared_sources([(0, 0, 2, 3), (0, 1, 2, 3)], 4) == ()  # one of them plays bar 2 itself
    assert shared_sources([(0, 0), (0, 0)], 4) == (0, 0, 2, 3)  # shorter plans: later bars play themselves
    assert shared_sources([(0, 0), ()], 2) == () and shared_sources([], 3) == ()


def test_the_pad_mixing_variations_of_one_sampled_groove_plays_its_copies(tiny_per_bar_model, tmp_path):
    folder = _with_repeats(tiny_per_bar_model, tmp_path / "m", _lag1(0.6))
    studio = _studio(folder, tmp_path)
    try:
        studio.generate(seed=9)
        plan = studio.session.take.repeats
        assert plan
        studio.pad.fill_corner(0, "current")
        for corner in (1, 2, 3):
            assert studio.variation()
            studio.pad.fill_corner(corner, "current")
        assert studio.pad.repeats(16) == plan
        studio.pad.move(0.3, 0.6)
        source = studio.pad.sounding()[1]()
        bars = [source.bar(i).hits[0] for i in range(16)]
        assert all(np.array_equal(bars[b], bars[s]) for b, s in enumerate(plan))
        assert studio.pad.keep()
        kept = studio.session.take
        assert kept.label == "pad" and kept.repeats == plan
        assert all(np.array_equal(kept.pattern.hits[b], kept.pattern.hits[s]) for b, s in enumerate(plan))
        # a corner that repeats nothing (a groove from a file, an edit): the mix repeats nothing either
        studio.pad.set_corner(3, replace(studio.pad.corners[3], repeats=()))
        assert studio.pad.repeats(16) == ()
    finally:
        studio.close()
