"""Morph rules: A turns into B steadily, in the order the model's latent path suggests."""

import numpy as np
import pytest

from drummachine.groove.morph import MorphPlan, loop_to, plan_morph
from drummachine.groove.pattern import Pattern
from trainer.grooves import morph_smoothness


def two_grooves():
    a = Pattern.empty(2).with_hit(0, 0, 0, 120).with_hit(1, 4, 1, 100)
    b = a.with_hit(0, 8, 0, 90).with_hit(0, 2, 2, 70).with_hit(1, 6, 2, 71).with_hit(1, 4, 1, 0)
    return a, b  # they differ in 4 cells and agree on two


def test_the_ends_are_a_and_b_themselves_and_agreeing_cells_never_move():
    a, b = two_grooves()
    plan = plan_morph(a, b, np.stack([a.hits, b.hits]))
    assert plan.at(0) == a and plan.at(1) == b
    for t in np.linspace(0, 1, 9):
        assert plan.at(t).velocities[0, 0, 0] == 120  # kick on 1 in both: stays, with its velocity


def test_every_step_turns_an_even_share_and_the_path_is_direct():
    a, b = two_grooves()
    path = plan_morph(a, b, np.stack([a.hits, b.hits])).steps(5)
    m = morph_smoothness(np.stack([p.hits for p in path]))
    assert m == {"largest_step_share": 0.25, "path_over_direct": 1.0}


def test_cells_the_guide_takes_b_s_way_early_turn_first():
    a, b = two_grooves()
    early = a.hits.copy()
    early[1, 6, 2] = True  # halfway along, the decoded groove already has B's hat on bar 2 step 6
    plan = plan_morph(a, b, np.stack([a.hits, early, b.hits]))
    assert plan.at(0.25).hits[1, 6, 2] and (plan.at(0.25).hits != a.hits).sum() == 1


def test_a_turned_cell_takes_b_s_velocity():
    a, b = two_grooves()
    plan = plan_morph(a, b, np.stack([a.hits, b.hits]))
    assert plan.at(1.0).velocities[0, 8, 0] == 90


def test_lengths_must_agree_and_looping_makes_them():
    a, b = two_grooves()
    with pytest.raises(ValueError, match="loop them"):
        plan_morph(a.bar_slice(0, 1), b, np.zeros((1, 2, 16, 9), bool))
    assert loop_to(a.bar_slice(0, 1), 3).bars == 3 and loop_to(a.bar_slice(0, 1), 3).bar_slice(2, 3) == a.bar_slice(0, 1)


def test_the_engine_plans_a_morph_between_two_grooves(tiny_model):
    from drummachine.model.engine import Engine

    engine = Engine(tiny_model)
    a, b = two_grooves()
    plan = engine.plan_morph(a, b)
    assert isinstance(plan, MorphPlan) and plan.bars == 2
    assert plan.at(0) == a and plan.at(1) == b
    assert sorted(plan.order.tolist()) == sorted(np.flatnonzero(a.hits.reshape(-1) != b.hits.reshape(-1)).tolist())


def test_a_live_morph_with_a_plan_moves_bar_by_bar_from_a_to_b(tiny_model):
    from drummachine.live.sources import MorphSource
    from drummachine.model.engine import Engine

    engine = Engine(tiny_model)
    a, b = two_grooves()
    plan = engine.plan_morph(a, b)
    source = MorphSource(engine, engine.encode(a), engine.encode(b), over_bars=5, bars=2, plan=plan)
    assert source.bar(0) == a.bar_slice(0, 1)
    assert source.bar(4) == plan.at(1.0).bar_slice(0, 1) == b.bar_slice(0, 1)
    assert source.bar(2) == plan.at(0.5).bar_slice(0, 1)


def test_drummachine_morph_writes_a_steady_morph_from_a_to_b(tiny_model, tmp_path):
    from drummachine.cli import main as cli_main
    from drummachine.midi.clip import write_clip
    from drummachine.midi.reader import read_drum_midi

    a, b = two_grooves()
    write_clip(a, tmp_path / "a.mid", bpm=120)
    write_clip(b, tmp_path / "b.mid", bpm=120)
    out = tmp_path / "m.mid"
    assert cli_main(["morph", str(tmp_path / "a.mid"), str(tmp_path / "b.mid"), "--steps", "5", "--bars", "2",
                     "--model", str(tiny_model), "-o", str(out)]) == 0
    hits = read_drum_midi(out).spans[0].hits.reshape(5, 2, 16, 9)  # a second parser's view: the clip read back
    assert (hits[0] == a.hits).all() and (hits[-1] == b.hits).all()
    assert morph_smoothness(hits) == {"largest_step_share": 0.25, "path_over_direct": 1.0}


def test_a_turned_hit_is_played_with_bs_timing():
    import numpy as np

    from drummachine.groove.morph import plan_morph
    from drummachine.groove.pattern import Pattern

    a = Pattern(np.zeros((1, 16, 9), np.uint8))
    v = np.zeros((1, 16, 9), np.uint8)
    v[0, 4, 1] = 90
    o = np.zeros((1, 16, 9), np.float32)
    o[0, 4, 1] = 0.2
    b = Pattern(v, o)
    plan = plan_morph(a, b, np.zeros((0, 1, 16, 9), bool))
    assert plan.at(0.0).offsets is None and plan.at(1.0) == b


def test_a_morph_between_two_loops_is_a_loop_at_every_step():
    one_a = Pattern.empty(1).with_hit(0, 0, 0, 120).with_hit(0, 4, 1, 100).with_hit(0, 2, 2, 60)
    one_b = Pattern.empty(1).with_hit(0, 0, 0, 110).with_hit(0, 6, 0, 90).with_hit(0, 12, 1, 100).with_hit(0, 10, 2, 70)
    a, b = loop_to(one_a, 4), loop_to(one_b, 4)
    rng = np.random.default_rng(0)
    guide = rng.random((5, 4, 16, 9)) < 0.5  # a guide that disagrees from bar to bar
    plan = plan_morph(a, b, guide, seed=3)
    path = plan.steps(9)
    assert path[0] == a and path[-1] == b
    for p in path:
        assert all(np.array_equal(p.velocities[i], p.velocities[0]) for i in range(4))
    m = morph_smoothness(np.stack([q.hits for q in path]))
    assert m["path_over_direct"] == 1.0 and m["largest_step_share"] <= 0.25


def test_only_bars_both_ends_repeat_turn_together():
    a = loop_to(Pattern.empty(1).with_hit(0, 0, 0, 120), 3)
    b = a.with_hit(0, 8, 0, 100).with_hit(1, 8, 0, 100).with_hit(2, 9, 0, 100)  # bar 3 of B is its own
    plan = plan_morph(a, b, np.stack([a.hits, b.hits]), seed=1)
    assert plan.ends is not None and sorted(np.diff(np.concatenate([[0], plan.ends]))) == [1, 2]
    for t in np.linspace(0, 1, 7):
        p = plan.at(t)
        assert np.array_equal(p.velocities[0], p.velocities[1])  # bars 1 and 2 stay one bar


def test_a_hit_both_play_glides_to_b_s_velocity_and_timing():
    a = Pattern(Pattern.empty(1).with_hit(0, 0, 0, 120).velocities, np.zeros((1, 16, 9), np.float32))
    off = np.zeros((1, 16, 9), np.float32)
    off[0, 0, 0] = -0.2
    b = Pattern(Pattern.empty(1).with_hit(0, 0, 0, 80).with_hit(0, 8, 1, 90).velocities, off)
    plan = plan_morph(a, b, np.stack([a.hits, b.hits]))
    assert plan.at(0) == a and plan.at(1) == b
    half = plan.at(0.5)
    assert half.velocities[0, 0, 0] == 100 and half.offsets[0, 0, 0] == pytest.approx(-0.1)


def test_the_glide_ends_on_b_s_timing_exactly():
    rng = np.random.default_rng(4)
    hits = Pattern.empty(2).with_hit(0, 0, 0, 100).with_hit(1, 3, 2, 60).velocities
    a = Pattern(hits, rng.uniform(-0.5, 0.5, hits.shape).astype(np.float32))
    b = Pattern(hits, rng.uniform(-0.5, 0.5, hits.shape).astype(np.float32))
    plan = plan_morph(a, b, np.stack([a.hits, b.hits]))
    assert plan.at(1) == b and plan.steps(9)[-1] == b and plan.at(0) == a


def test_copied_bars_turn_together_when_feel_gives_them_their_own_velocities():
    rng = np.random.default_rng(5)
    a = loop_to(Pattern.empty(1).with_hit(0, 0, 0, 100).with_hit(0, 4, 1, 90), 4)
    b = loop_to(Pattern.empty(1).with_hit(0, 2, 0, 100).with_hit(0, 12, 1, 90), 4)
    felt = [Pattern(np.where(p.velocities > 0, rng.integers(40, 127, p.velocities.shape), 0).astype(np.uint8),
                    rng.uniform(-0.3, 0.3, p.velocities.shape).astype(np.float32)) for p in (a, b)]
    plan = plan_morph(*felt, np.stack([a.hits, b.hits]), seed=2)
    for p in plan.steps(9):
        assert all(np.array_equal(p.hits[i], p.hits[0]) for i in range(4))
