import numpy as np
import pytest

from drummachine.groove.pattern import Pattern


def test_pattern_is_immutable_and_compares_by_value():
    p = Pattern.empty(2).with_hit(1, 4, 0, 90)
    assert p == Pattern.empty(2).with_hit(1, 4, 0, 90)
    assert p != Pattern.empty(2)
    with pytest.raises(ValueError):
        p.velocities[0, 0, 0] = 1


def test_tokens_and_back():
    p = Pattern.empty(1).with_hit(0, 0, 0, 100).with_hit(0, 0, 2, 100)
    assert p.tokens()[0] == 5
    assert Pattern.from_tokens(p.tokens()) == p


def test_bad_patterns_are_refused():
    with pytest.raises(ValueError):
        Pattern(np.zeros((1, 15, 9)))
    with pytest.raises(ValueError):
        Pattern(np.full((1, 16, 9), 200))


def test_concat_and_slice():
    a = Pattern.empty(1).with_hit(0, 0, 0, 100)
    b = Pattern.empty(2).with_hit(1, 3, 1, 50)
    ab = Pattern.concat([a, b])
    assert ab.bars == 3 and ab.bar_slice(1, 3) == b
