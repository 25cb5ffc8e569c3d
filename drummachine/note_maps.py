"""Which MIDI note each drum class plays: General MIDI by default, presets for common drum racks, user maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from drummachine.files import atomic_write
from drummachine.settings import config_dir
from drummachine.vocabulary import CLASS_NAMES, NUM_CLASSES, OUTPUT_PITCHES

# class order: kick, snare, closed hat, open hat, low tom, mid tom, high tom, crash, ride
PRESETS: dict[str, tuple[int, ...]] = {
    "General MIDI": OUTPUT_PITCHES,
    # pad samplers laid out chromatically from C1 = 36 (Maschine, MPC, Battery, Ableton's Drum Rack pads 1-9)
    "Chromatic from C1": tuple(range(36, 36 + NUM_CLASSES)),
    # Logic's Drum Kit Designer, EZdrummer, Addictive Drums and Superior Drummer follow GM for these pieces,
    # with the floor tom on 43 and the rack toms on 45 and 48 (GM 45/48/50 sound higher there)
    "GM kit, floor tom 43": (36, 38, 42, 46, 43, 45, 48, 49, 51),
    # FL Studio's FPC default pad layout
    "FL Studio FPC": (36, 40, 42, 46, 41, 45, 48, 49, 51),
}
USER_MAPS_FILE = "note_maps.json"


def validate(note_map) -> tuple[int, ...]:
    pitches = tuple(int(p) for p in note_map)
    if len(pitches) != NUM_CLASSES or not all(0 <= p <= 127 for p in pitches):
        raise ValueError(f"a note map gives {NUM_CLASSES} notes in 0..127 ({', '.join(CLASS_NAMES)})")
    return pitches


def load_user_maps(folder: Optional[Path] = None) -> dict[str, tuple[int, ...]]:
    """The user's saved maps; a damaged file is reported, never silently replaced."""
    path = (folder or config_dir()) / USER_MAPS_FILE
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {str(name): validate(notes) for name, notes in raw.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path} is not a valid note map file ({exc}); fix or remove it") from exc


def save_user_map(name: str, note_map, folder: Optional[Path] = None) -> Path:
    folder = folder or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    maps = load_user_maps(folder)
    maps[name] = validate(note_map)
    payload = json.dumps({k: list(v) for k, v in maps.items()}, indent=1).encode()
    return atomic_write(folder / USER_MAPS_FILE, lambda fh: fh.write(payload))


def all_maps(folder: Optional[Path] = None) -> dict[str, tuple[int, ...]]:
    return {**PRESETS, **load_user_maps(folder)}


def resolve(name_or_notes: str, folder: Optional[Path] = None) -> tuple[int, ...]:
    """A preset or saved map by name, or nine comma-separated notes ('36,38,42,...')."""
    maps = all_maps(folder)
    if name_or_notes in maps:
        return maps[name_or_notes]
    if "," in name_or_notes:
        return validate(p for p in name_or_notes.split(","))
    raise ValueError(f"unknown note map {name_or_notes!r}: one of {', '.join(maps)}, or 9 notes like 36,38,42,...")
