import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from drummachine.model import format as fmt
from drummachine.cli import main as cli_main
from drummachine.model.engine import Engine, Lock
from drummachine.midi.reader import read_drum_midi
from drummachine.model.folder import DEFAULT_MODEL, ModelError, choose_providers
from drummachine.groove.pattern import Pattern

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine(tiny_model):
    return Engine(tiny_model)


def groove(bars=2) -> Pattern:
    p = Pattern.empty(bars)
    for b in range(bars):
        for s in range(0, 16, 2):
            p = p.with_hit(b, s, 2, 70 + s)
        p = p.with_hit(b, 0, 0, 120).with_hit(b, 4, 1, 101).with_hit(b, 12, 1, 99)
    return p


def test_same_seed_same_pattern(engine):
    a = engine.sample(16, 0.9, seed=11)
    b = engine.sample(16, 0.9, seed=11)
    c = engine.sample(16, 0.9, seed=12)
    assert a.pattern == b.pattern and np.array_equal(a.z, b.z)
    assert a.pattern != c.pattern
    assert a.pattern.bars == 16 and a.seed == 11


def test_bar_by_bar_equals_all_at_once(engine):
    z = engine.random_latent(3)
    bars = list(engine.decode_bars(z, 8, 1.0, seed=3))
    assert len(bars) == 8 and all(b.bars == 1 for b in bars)
    assert Pattern.concat(bars) == engine.decode(z, 8, 1.0, seed=3)


def test_decoded_steps_are_valid_hits_with_velocities(engine):
    p = engine.sample(16, 1.5, seed=1).pattern
    assert p.velocities.shape == (16, 16, 9)
    assert ((p.velocities > 0) == p.hits).all()
    assert p.velocities[p.hits].min() >= 1 and p.tokens().max() < 512


def test_interpolation_ends_equal_the_ends_own_decodes(engine):
    za, zb = engine.random_latent(1), engine.random_latent(2)
    steps = engine.interpolate(za, zb, 5, bars=2, temperature=0.7, seed=4)
    assert len(steps) == 5
    assert steps[0] == engine.decode(za, 2, 0.7, 4)
    assert steps[-1] == engine.decode(zb, 2, 0.7, 4)
    a, b = groove(), engine.sample(2, 1.0, seed=9).pattern
    ends = engine.interpolate(a, b, 3, bars=2)
    assert ends[0] == engine.decode(engine.encode(a), 2, 0.0)
    assert ends[-1] == engine.decode(engine.encode(b), 2, 0.0)


def test_locked_instruments_are_kept_exactly(engine):
    ref = groove(2)
    lock = Lock(ref, frozenset({0, 1}))
    for seed in range(5):
        p = engine.sample(4, 1.5, seed=seed, lock=lock).pattern
        expect = np.concatenate([ref.velocities, ref.velocities])[..., :2]
        assert np.array_equal(p.velocities[..., :2], expect)


def test_variations_stay_at_the_code_with_amount_zero(engine):
    p = groove(2)
    same = engine.variations(p, amount=0.0, n=3, seed=1)
    assert len(same) == 3 and all(v.pattern == engine.decode(engine.encode(p), 2, 0.0) for v in same)
    moved = engine.variations(p, amount=2.0, n=3, seed=1)
    assert len({v.pattern.tokens().tobytes() for v in moved}) > 1


def test_short_patterns_are_looped_to_the_model_length_to_encode(engine):
    p = groove(2)
    assert np.allclose(engine.encode(p), engine.encode(Pattern.concat([p] * 8)))


def test_asking_for_too_many_bars_is_an_error(engine):
    with pytest.raises(ValueError, match="1 to 16 bars"):
        engine.sample(17)


def test_providers_are_only_those_available():
    assert choose_providers(["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert choose_providers(["CUDAExecutionProvider", "CPUExecutionProvider"])[0] == "CUDAExecutionProvider"
    assert choose_providers(["CUDAExecutionProvider", "CPUExecutionProvider"], prefer_gpu=False) == ["CPUExecutionProvider"]


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no model folder at .*encoder.onnx"):
        Engine(tmp_path / "nothing")


def test_a_missing_graph_is_named(tiny_model, tmp_path):
    broken = shutil.copytree(tiny_model, tmp_path / "m")
    (broken / fmt.CONDUCTOR).unlink()
    with pytest.raises(ModelError, match="conductor.onnx is missing"):
        Engine(broken)


def test_a_corrupt_graph_is_named(tiny_model, tmp_path):
    broken = shutil.copytree(tiny_model, tmp_path / "m")
    (broken / fmt.BAR_DECODER).write_bytes(b"\x08\x07garbage" * 50)
    with pytest.raises(ModelError, match="bar_decoder.onnx is not a usable ONNX model"):
        Engine(broken)


def test_an_incompatible_format_is_refused(tiny_model, tmp_path):
    broken = shutil.copytree(tiny_model, tmp_path / "m")
    proto = onnx.load(str(broken / fmt.ENCODER))
    for prop in proto.metadata_props:
        if prop.key == fmt.KEY_FORMAT:
            prop.value = "99"
    onnx.save(proto, str(broken / fmt.ENCODER))
    with pytest.raises(ModelError, match="encoder.onnx has model format 99.*format 1"):
        Engine(broken)


def test_the_cli_writes_a_clip_and_reports_bad_input(tiny_model, tmp_path, capsys):
    out = tmp_path / "g.mid"
    assert cli_main(["generate", "--model", str(tiny_model), "--bars", "4", "--seed", "7", "-o", str(out)]) == 0
    assert read_drum_midi(out).spans[0].bars == 4
    morph = tmp_path / "m.mid"
    assert cli_main(["morph", str(out), str(out), "--steps", "3", "--bars", "2", "--model", str(tiny_model), "-o", str(morph)]) == 0
    assert read_drum_midi(morph).spans[0].bars == 6
    (tmp_path / "bad.mid").write_text("nope")
    assert cli_main(["morph", str(out), str(tmp_path / "bad.mid"), "--model", str(tiny_model), "-o", str(morph)]) == 2
    assert "not a Standard MIDI File" in capsys.readouterr().err


def test_the_app_never_imports_torch():
    code = "import sys, drummachine.model.engine, drummachine.cli, drummachine.midi.clip; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


@pytest.mark.skipif(not (DEFAULT_MODEL / fmt.ENCODER).is_file(), reason="no bundled model yet")
def test_the_bundled_model_generates(tmp_path):
    out = tmp_path / "groove.mid"
    assert cli_main(["generate", "--bars", "16", "--seed", "7", "--temperature", "0.8", "-o", str(out)]) == 0
    assert read_drum_midi(out).spans[0].bars == 16


def test_codes_are_drawn_from_the_model_prior(engine):
    eps = np.random.default_rng([5, 0]).standard_normal(engine.latent).astype(np.float32)
    expected = engine.model.prior_mean + engine.model.prior_chol @ eps
    assert np.allclose(engine.random_latent(5), expected)


def test_a_missing_latent_prior_is_named(tiny_model, tmp_path):
    broken = shutil.copytree(tiny_model, tmp_path / "m")
    (broken / fmt.LATENT_PRIOR).unlink()
    with pytest.raises(ModelError, match="latent_prior.npz is missing"):
        Engine(broken)


def test_a_model_that_reads_the_bar_before_decodes_the_same_bar_by_bar_and_at_once(tiny_context_model):
    from drummachine.live.sources import GrooveSource

    engine = Engine(tiny_context_model)
    assert engine.reads_previous_bar
    z = engine.random_latent(4)
    whole = engine.decode(z, 6, 0.9, seed=8)
    assert Pattern.concat(engine.decode_bars(z, 6, 0.9, seed=8)) == whole
    assert engine.decode_bar(z, 4, 0.9, seed=8) == whole.bar_slice(4, 5)
    assert engine.decode_many(np.stack([z, z]), 6, 0.9, seed=8)[1] == whole
    source = GrooveSource(engine, z, bars=6, temperature=0.9, seed=8)
    assert Pattern.concat([source.bar(i) for i in range(6)]) == whole


def test_the_bar_before_changes_what_such_a_model_plays(tiny_context_model):
    engine = Engine(tiny_context_model)
    z = engine.random_latent(5)
    plain = engine.decode_bar(z, 1, 0.0)
    busy = Pattern.from_tokens(np.full(16, 511))
    assert engine.decode_bar(z, 1, 0.0, previous=busy) != plain or engine.decode_bar(z, 1, 0.0, previous=Pattern.empty(1)) != plain
