"""A model folder's tuned temperature (model.json's prior_scales, from `python -m export.prior --tune`) is where
its sampling starts: in a new session, and in the commands when no --temperature is given."""

import json
import shutil

import pytest

from drummachine import limits
from drummachine.cli import main
from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.folder import ModelError
from drummachine.studio.session import Session, Settings
from drummachine.studio.studio import Studio


def _with_scales(folder, tmp_path, scales):
    out = shutil.copytree(folder, tmp_path / "m", dirs_exist_ok=True)
    info = json.loads((out / fmt.INFO).read_text()) if (out / fmt.INFO).is_file() else {}
    (out / fmt.INFO).write_text(json.dumps({**info, "prior_scales": scales}))
    return out


def test_a_folder_without_a_tuned_temperature_starts_at_the_app_s_default(tiny_model, tmp_path):
    assert Engine(tiny_model).default_temperature == limits.TEMPERATURE.default
    untuned = _with_scales(tiny_model, tmp_path, {"groove": 1.0, "bars": 0.3, "tuned": False, "temperature": 0.4})
    assert Engine(untuned).default_temperature == limits.TEMPERATURE.default


def test_a_tuned_temperature_starts_a_new_session_and_the_commands(tiny_model, tmp_path, capsys):
    folder = _with_scales(tiny_model, tmp_path, {"groove": 1.0, "bars": 0.2, "tuned": True, "temperature": 0.4})
    engine = Engine(folder)
    assert engine.default_temperature == 0.4
    assert Studio(engine, None, tmp_path / "config", api=None).session.settings.temperature == 0.4
    saved = Session(settings=Settings(temperature=1.3))  # a musician's own choice stays
    assert Studio(engine, saved, tmp_path / "config", api=None).session.settings.temperature == 1.3
    assert main(["generate", "--model", str(folder), "--seed", "3", "-o", str(tmp_path / "a.mid")]) == 0
    assert "temperature 0.4" in capsys.readouterr().out
    assert main(["generate", "--model", str(folder), "--seed", "3", "--temperature", "0", "-o",
                 str(tmp_path / "b.mid")]) == 0
    assert "temperature 0.0" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["hot", 2.5, -1, True, None])
def test_a_damaged_tuned_temperature_is_named(tiny_model, tmp_path, value):
    folder = _with_scales(tiny_model, tmp_path, {"tuned": True, "temperature": value})
    with pytest.raises(ModelError, match="model.json has a tuned temperature"):
        Engine(folder)


def test_card_data_that_is_not_json_is_named(tiny_model, tmp_path):
    folder = shutil.copytree(tiny_model, tmp_path / "m")
    (folder / fmt.INFO).write_text("{ not json")
    with pytest.raises(ModelError, match="model.json cannot be read as the model's card data"):
        Engine(folder)
