import numpy as np
import pytest

from drummachine.groove import vocabulary as v


def test_every_token_round_trips_through_rows():
    tokens = np.arange(v.NUM_TOKENS)
    rows = v.tokens_to_rows(tokens)
    assert rows.shape == (512, 9)
    assert np.array_equal(v.rows_to_tokens(rows), tokens)
    assert len({tuple(r) for r in rows}) == 512


def test_bit_i_is_class_i():
    assert v.rows_to_tokens(np.eye(9, dtype=bool)).tolist() == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    assert v.token_name(0) == "rest"
    assert v.token_name(5) == "kick+closed hat"


def test_pattern_array_round_trips_through_tokens():
    rng = np.random.default_rng(0)
    hits = rng.random((16, 16, 9)) < 0.2
    tokens = v.pattern_to_tokens(hits)
    assert tokens.shape == (256,)
    assert np.array_equal(v.tokens_to_pattern(tokens), hits)


def test_every_general_midi_percussion_pitch_has_a_class():
    for pitch in list(range(35, 82)) + [22, 26, 27, 28, 29, 30, 31, 32, 33, 34, 82, 83, 84, 85, 86, 87]:
        assert v.pitch_to_class(pitch) >= 0, pitch


def test_output_pitches_read_back_as_their_own_class():
    for cls, pitch in enumerate(v.OUTPUT_PITCHES):
        assert v.pitch_to_class(pitch) == cls
    assert v.OUTPUT_PITCHES == (36, 38, 42, 46, 45, 48, 50, 49, 51)


def test_melodic_pitches_have_no_class():
    assert v.pitch_to_class(60 + 40) == -1
    assert v.pitch_to_class(200) == -1


def test_bad_shapes_and_tokens_are_refused():
    with pytest.raises(ValueError):
        v.tokens_to_rows(np.array([512]))
    with pytest.raises(ValueError):
        v.tokens_to_pattern(np.zeros(15, dtype=int))
    with pytest.raises(ValueError):
        v.pattern_to_tokens(np.zeros((2, 16, 8)))
