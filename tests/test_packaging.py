"""The wheel holds every module of the three packages and the bundled model: pyproject lists the packages by
hand (the model ships as the data package `drummachine_model`), so a new subpackage must not be left out."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# what a build reads besides pyproject; built from a copy, so that setuptools' build/ stays out of the checkout
SOURCES = ("pyproject.toml", "README.md", "drummachine", "trainer", "export", "assets")


def test_the_wheel_holds_every_module_and_the_bundled_model(tmp_path):
    src = tmp_path / "src"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            src.mkdir(exist_ok=True)
            shutil.copy(ROOT / name, src / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, timeout=300)
    names = set(zipfile.ZipFile(next(wheels.glob("*.whl"))).namelist())
    modules = {p.relative_to(ROOT).as_posix() for top in ("drummachine", "trainer", "export")
               for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names, f"left out of the wheel: {sorted(modules - names)}"
    model = {f"drummachine_model/{p.name}" for p in (ROOT / "assets" / "model").iterdir() if p.is_file()}
    assert model and model <= names
