"""Which split a source file belongs to: stable under renames of the data folder, never by window."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

SPLITS = ("train", "valid", "test")
GMD_SPLIT_NAMES = {"train": "train", "validation": "valid", "test": "test"}


def path_fraction(relpath: str) -> float:
    """A number in [0, 1) fixed by the file's path relative to the data folder (sha256, so stable everywhere)."""
    digest = hashlib.sha256(relpath.replace("\\", "/").encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def assign_split(relpath: str, listed: str | None, test_fraction: float, valid_fraction: float) -> str:
    """The split of one file.

    A split listed by the dataset (GMD's info.csv) is honoured; since GMD's own test files are not shipped,
    `test_fraction` of its train files (by path hash) are held out as our test split. Unlisted files are cut
    test / valid / train by the same hash.
    """
    h = path_fraction(relpath)
    if listed is not None:
        split = GMD_SPLIT_NAMES.get(listed, "train")
        if split == "train" and h < test_fraction:
            return "test"
        return split
    if h < test_fraction:
        return "test"
    if h < test_fraction + valid_fraction:
        return "valid"
    return "train"


def read_listed_splits(root: Path) -> dict[str, str]:
    """GMD's `info.csv` (midi_filename -> split), or nothing when the folder has none."""
    info = root / "info.csv"
    if not info.is_file():
        return {}
    with open(info, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        if not rows.fieldnames or not {"midi_filename", "split"} <= set(rows.fieldnames):
            return {}
        return {row["midi_filename"].replace("\\", "/"): row["split"] for row in rows}


def read_listed_styles(root: Path) -> dict[str, tuple[str, str]]:
    """GMD's `info.csv` (midi_filename -> (style, beat or fill)), or nothing when the folder has none: what the
    feel evaluation asks of held-out files (are they swung?)."""
    info = root / "info.csv"
    if not info.is_file():
        return {}
    with open(info, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        if not rows.fieldnames or not {"midi_filename", "style", "beat_type"} <= set(rows.fieldnames):
            return {}
        return {row["midi_filename"].replace("\\", "/"): (row["style"], row["beat_type"]) for row in rows}
