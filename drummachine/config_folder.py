"""Where the app keeps the user's files (note maps, session): the platform's config folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

CONFIG_ENV = "DRUMMACHINE_CONFIG"


def config_dir() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "drummachine"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "drummachine"
    return Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "drummachine"
