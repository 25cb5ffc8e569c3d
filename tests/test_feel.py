"""Feel in the app: the exported feel model gives velocity and timing per bar, the same bar by bar or all
at once; amount 0 leaves a pattern as written; locked classes keep their own; files without feel still open."""

import numpy as np
import pytest

from drummachine.groove.pattern import Pattern
from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.feel import FeelSettings
from drummachine.model.folder import ModelError


def groove(bars: int, seed: int) -> Pattern:
    rng = np.random.default_rng(seed)
    return Pattern(np.where(rng.random((bars, 16, 9)) < 0.25, 100, 0))


@pytest.fixture(scope="module")
def feel(tiny_feel_model):
    return Engine(tiny_feel_model).model.feel


def test_a_model_folder_without_feel_opens_without_it(tiny_model):
    assert Engine(tiny_model).model.feel is None


def test_a_damaged_feel_file_is_refused_by_name(tiny_feel_model, tmp_path):
    import shutil

    bad = tmp_path / "m"
    shutil.copytree(tiny_feel_model, bad)
    (bad / fmt.FEEL).write_bytes(b"not onnx")
    with pytest.raises(ModelError, match="feel.onnx"):
        Engine(bad)


def test_feel_moves_velocities_and_timing_of_the_hits_only(feel):
    p = groove(4, 1)
    felt = feel.apply(p, FeelSettings(amount=1.0, seed=3))
    assert np.array_equal(felt.hits, p.hits)
    assert felt.offsets is not None and np.abs(felt.timing).max() <= 0.5
    assert not np.array_equal(felt.velocities, p.velocities)
    assert (felt.timing[~p.hits] == 0).all()


def test_the_same_seed_gives_the_same_feel_bar_by_bar_or_all_at_once(feel):
    p = groove(8, 2)
    s = FeelSettings(amount=1.0, seed=11)
    whole = feel.apply(p, s)
    bars = [feel.apply(p.bar_slice(0, 1), s)] + [feel.apply(p.bar_slice(k, k + 1), s, previous=p.bar_slice(k - 1, k))
                                                 for k in range(1, 8)]
    assert Pattern.concat(bars) == whole
    assert feel.apply(p, FeelSettings(seed=12)) != whole  # another seed, another feel


def test_amount_zero_is_the_pattern_as_written_and_keep_holds_locked_classes(feel):
    p = groove(2, 4)
    assert feel.apply(p, FeelSettings(amount=0.0)) is p
    half, full = (feel.apply(p, FeelSettings(amount=a, seed=1)) for a in (0.5, 1.0))
    hits = p.hits
    # half way: every hit's velocity lies between the written and the learned one
    lo, hi = np.minimum(p.velocities, full.velocities), np.maximum(p.velocities, full.velocities)
    assert ((half.velocities[hits] >= lo[hits] - 1) & (half.velocities[hits] <= hi[hits] + 1)).all()
    kept = feel.apply(p, FeelSettings(amount=1.0, seed=1, keep=frozenset({0, 1})))
    assert np.array_equal(kept.velocities[..., :2], p.velocities[..., :2]) and (kept.timing[..., :2] == 0).all()
    with pytest.raises(ValueError, match="feel amount"):
        FeelSettings(amount=2.0)


def test_humanize_plays_a_users_own_midi_with_feel_and_keeps_every_hit(tiny_feel_model, tiny_model, tmp_path, capsys):
    from drummachine.cli import main
    from drummachine.midi.clip import write_clip
    from drummachine.midi.reader import read_drum_midi

    src = write_clip(groove(4, 9), tmp_path / "mine.mid", bpm=97)
    out = tmp_path / "human.mid"
    assert main(["humanize", str(src), "-o", str(out), "--model", str(tiny_feel_model), "--seed", "3"]) == 0
    back = read_drum_midi(out)
    assert back.bpm == pytest.approx(97, abs=0.01)  # the file's own tempo
    p = back.as_pattern()
    assert np.array_equal(p.hits, groove(4, 9).hits) and p.offsets is not None
    assert main(["humanize", str(src), "-o", str(out), "--model", str(tiny_model)]) == 2
    assert "has no feel model" in capsys.readouterr().err
    assert main(["humanize", str(src), "--amount", "2", "--model", str(tiny_feel_model)]) == 2
    assert "--amount must be between 0 and 1.5" in capsys.readouterr().err


def test_generate_with_feel_writes_learned_velocities_and_timing(tiny_feel_model, tmp_path):
    from drummachine.cli import main
    from drummachine.midi.reader import read_drum_midi

    grid, felt = tmp_path / "grid.mid", tmp_path / "felt.mid"
    assert main(["generate", "--seed", "5", "--bars", "2", "--feel", "0", "-o", str(grid), "--model", str(tiny_feel_model)]) == 0
    assert main(["generate", "--seed", "5", "--bars", "2", "-o", str(felt), "--model", str(tiny_feel_model)]) == 0
    g, f = read_drum_midi(grid).as_pattern(), read_drum_midi(felt).as_pattern()
    assert np.array_equal(g.hits, f.hits) and g.offsets is None and f.offsets is not None


def test_a_feel_that_reads_the_tempo_plays_a_slow_groove_otherwise_than_a_fast_one(feel):
    assert feel.reads_tempo
    p = groove(2, 6)
    assert feel.apply(p, bpm=80) != feel.apply(p, bpm=160)
    assert feel.apply(p, bpm=80) == feel.apply(p, bpm=80)


def test_a_groove_played_bar_by_bar_carries_the_same_feel_as_all_at_once(tiny_feel_model):
    from drummachine.live.sources import GrooveSource
    from drummachine.model.feel import FeelSettings

    engine = Engine(tiny_feel_model)
    z = engine.random_latent(3)
    settings = FeelSettings(1.0, 4)
    live = GrooveSource(engine, z, 4, 0.8, 3, feel=settings, bpm=100)
    bars = [live.bar(i) for i in range(4)]
    plain = engine.decode(z, 4, 0.8, 3)
    assert Pattern.concat(bars) == engine.model.feel.apply(plain, settings, bpm=100)
    assert live.bar(4) == engine.model.feel.apply(plain, settings, previous=plain.bar_slice(3, 4), bpm=100).bar_slice(0, 1)


def test_locked_hits_keep_their_own_timing_through_generate(tiny_feel_model):
    from drummachine.model.engine import Lock

    v = np.zeros((2, 16, 9), np.uint8)
    o = np.zeros((2, 16, 9), np.float32)
    v[:, [0, 8], 0], o[:, [0, 8], 0] = 110, -0.2  # a kick that pushes
    mine = Pattern(v, o)
    engine = Engine(tiny_feel_model)
    new = engine.sample(2, 0.8, 5, Lock(mine, frozenset({0}))).pattern
    assert np.array_equal(new.velocities[..., 0], v[..., 0])
    assert np.allclose(new.timing[..., 0], o[..., 0])
