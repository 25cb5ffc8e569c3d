"""The app installs and runs on Python 3.11, 3.12 and 3.13.

The suite itself runs on one Python; for each of the others found on this machine (pyenv's, or pythonX.Y
on PATH) the built wheel goes into a fresh venv with the `cpu` extra and tests/installed_smoke.py
generates a clip with the model the wheel carries, reads it back and paints the window offscreen. A version
that is not installed is skipped, saying so. Each install downloads PySide6 and onnxruntime (and on 3.13
builds python-rtmidi, which has no wheel there): about a minute per version. tests/test_packaging.py checks
what the wheel holds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUPPORTED = ("3.11", "3.12", "3.13")
OTHERS = [v for v in SUPPORTED if v != f"{sys.version_info.major}.{sys.version_info.minor}"]


def find_python(version: str) -> Optional[Path]:
    """pyenv's newest X.Y, else pythonX.Y on PATH."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(pyenv.glob(f"{version}.*/bin/python{version}"), key=lambda p: [int(x) for x in
                   p.parts[-3].split(".") if x.isdigit()])
    if found:
        return found[-1]
    on_path = shutil.which(f"python{version}")
    return Path(on_path) if on_path else None


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    return next(out.glob("drummachine-*.whl"))


@pytest.mark.parametrize("version", OTHERS)
def test_the_wheel_installs_and_runs_on(version, wheel, tmp_path):
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} here (pyenv install {version}, or put python{version} on PATH)")
    venv = tmp_path / "venv"
    # nothing of the checkout may leak in: a PYTHONPATH holding it makes pip think drummachine is installed,
    # and a DRUMMACHINE_MODEL would hide a wheel without its model
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DRUMMACHINE_MODEL")}
    env["OMP_NUM_THREADS"] = "1"
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True, timeout=120, env=env)
    install = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[cpu]"],
                             capture_output=True, text=True, timeout=900, env=env)
    assert install.returncode == 0, f"pip install on Python {version} failed: {install.stderr[-2000:]}"
    smoke = subprocess.run([str(venv / "bin" / "python"), str(ROOT / "tests" / "installed_smoke.py"), str(tmp_path)],
                           cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert smoke.returncode == 0, f"Python {version}: {smoke.stdout[-1000:]}{smoke.stderr[-2000:]}"
    seen = json.loads(smoke.stdout.strip().splitlines()[-1])
    assert seen["python"].startswith(version + ".") and seen["bars"] == 4 and seen["hits"] > 0
    assert seen["window"] == [1280, 800] and seen["colours"] > 10, seen
