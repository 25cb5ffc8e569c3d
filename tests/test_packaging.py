"""The wheel holds every module of the three packages and the bundled model: pyproject lists the packages by
hand (the model ships as the data package `drummachine_model`), so a new subpackage must not be left out."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_module_and_the_bundled_model(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    names = set(zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist())
    modules = {p.relative_to(ROOT).as_posix() for top in ("drummachine", "trainer", "export")
               for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names, f"left out of the wheel: {sorted(modules - names)}"
    model = {f"drummachine_model/{p.name}" for p in (ROOT / "assets" / "model").iterdir() if p.is_file()}
    assert model and model <= names
