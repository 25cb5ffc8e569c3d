import pytest

from drummachine.live.sources import GrooveSource, LoopSource, MorphSource
from drummachine.model.engine import Engine
from drummachine.groove.pattern import Pattern


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model)


def test_a_loop_repeats_its_bars():
    p = Pattern.empty(3).with_hit(1, 0, 0, 100)
    src = LoopSource(p)
    assert [src.bar(i).hits.any() for i in range(6)] == [False, True, False, False, True, False]


def test_a_groove_source_plays_the_decoded_groove_bar_by_bar(engine):
    z = engine.random_latent(5)
    src = GrooveSource(engine, z, bars=4, temperature=0.9, seed=5)
    assert Pattern.concat([src.bar(i) for i in range(4)]) == engine.decode(z, 4, 0.9, 5)
    assert src.bar(5) == src.bar(1)


def test_a_morph_goes_from_a_to_b_and_can_turn_back(engine):
    za, zb = engine.random_latent(1), engine.random_latent(2)
    once = MorphSource(engine, za, zb, over_bars=5, bars=1)
    assert [once.position(i) for i in range(7)] == [0, 0.25, 0.5, 0.75, 1, 1, 1]
    assert once.bar(0) == engine.decode(za, 1, 0.0) and once.bar(4) == engine.decode(zb, 1, 0.0)
    back = MorphSource(engine, za, zb, over_bars=3, bars=1, pingpong=True)
    assert [back.position(i) for i in range(6)] == [0, 0.5, 1, 0.5, 0, 0.5]
