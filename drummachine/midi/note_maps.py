"""Which MIDI note each drum class plays: General MIDI by default, presets for common drum racks, user maps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from drummachine import limits
from drummachine.safe_files import atomic_write, remove_stale_temps, set_aside
from drummachine.studio.session_repair import kind
from drummachine.config_folder import config_dir
from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES, OUTPUT_PITCHES

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


NOTE_NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
OCTAVE_OF_ZERO = -2  # note names count C1 = 36 (and middle C = C3 = 60), as the "Chromatic from C1" pads do


def parse_note(text: str) -> int:
    """A MIDI note from a number ('36') or a name ('C1' = 36, 'F#2' = 54, 'Db1' = 37, 'D#-1' = 15)."""
    t = text.strip()
    if t.isdigit() or (t[:1] == "-" and t[1:].isdigit()):
        return int(limits.NOTE.check("a note", int(t)))
    letter, rest = t[:1].upper(), t[1:]
    shift = {"#": 1, "b": -1}.get(rest[:1], 0)
    octave = rest[1:] if shift else rest
    if letter in NOTE_NAMES and octave.lstrip("-").isdigit() and octave.count("-") <= 1:
        note = NOTE_NAMES[letter] + shift + 12 * (int(octave) - OCTAVE_OF_ZERO)
        if limits.NOTE.low <= note <= limits.NOTE.high:
            return note
    raise ValueError(f"{text!r} is not a note: give 0-127 or a name from C-2 (0) to G8 (127), "
                     "such as C1 (36), F#2 or Db1")


def validate(note_map) -> tuple[int, ...]:
    """Nine notes in class order, each a number 0..127 or a note name."""
    pitches = []
    for p in note_map:
        if isinstance(p, str):
            pitches.append(parse_note(p))
        elif type(p) is int or (isinstance(p, np.integer)):
            pitches.append(int(limits.NOTE.check("a note", int(p))))
        else:
            raise ValueError(f"{p!r} is not a note")
    if len(pitches) != NUM_CLASSES:
        raise ValueError(f"a note map gives {NUM_CLASSES} notes in 0..127 ({', '.join(CLASS_NAMES)}), "
                         f"not {len(pitches)}")
    return tuple(pitches)


def read_user_maps(folder: Optional[Path] = None) -> tuple[dict[str, tuple[int, ...]], str]:
    """The user's saved maps and a notice ("" when all was well).

    A damaged file never stops a start: maps that are whole are kept, the rest dropped, a map named like a
    built-in preset is renamed (it would hide the preset), the file as it was is set aside, and the notice
    says so.
    """
    path = (folder or config_dir()) / USER_MAPS_FILE
    remove_stale_temps(path)
    if not path.is_file():
        return {}, ""
    raw = path.read_bytes()
    maps, problems = {}, []
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        data, problems = {}, [f"it is not JSON ({exc})"]
    if not isinstance(data, dict):
        data, problems = {}, [f"it holds {kind(data)}, not named maps"]
    for name, notes in data.items():
        try:
            pitches = validate(notes if isinstance(notes, list) else [notes])
        except ValueError as exc:
            problems.append(f"{name!r} was dropped: {exc}")
            continue
        if name in PRESETS or not name.strip():
            new = _free_name(f"{name.strip() or 'unnamed'} (saved)", {**PRESETS, **maps, **data})
            problems.append(f"{name!r} was renamed {new!r}" + (" (a built-in map has that name)" if name else ""))
            name = new
        maps[name] = pitches
    if not problems:
        return maps, ""
    try:
        aside = set_aside(path, raw)
        _write(path, maps)
        kept = f"the file as it was is kept as {aside.name}"
    except OSError as exc:
        kept = f"it could not be repaired ({exc.strerror or exc})"
    return maps, f"{path.name} was repaired ({'; '.join(problems[:3])}); {kept}"


def _free_name(name: str, taken: dict) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} {n}", n + 1
    return candidate


def _write(path: Path, maps: dict[str, tuple[int, ...]]) -> Path:
    payload = json.dumps({k: list(v) for k, v in maps.items()}, indent=1).encode()
    return atomic_write(path, lambda fh: fh.write(payload))


def load_user_maps(folder: Optional[Path] = None) -> dict[str, tuple[int, ...]]:
    """The user's saved maps (a damaged file is repaired as `read_user_maps` says)."""
    return read_user_maps(folder)[0]


def save_user_map(name: str, note_map, folder: Optional[Path] = None) -> Path:
    """Save (or replace) a map of the user's; the built-in presets' names are refused, so none is hidden."""
    if not name.strip():
        raise ValueError("a note map needs a name")
    if name in PRESETS:
        raise ValueError(f"{name!r} is a built-in note map; save yours under another name")
    folder = folder or config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    maps = load_user_maps(folder)
    maps[name] = validate(note_map)
    return _write(folder / USER_MAPS_FILE, maps)


def delete_user_map(name: str, folder: Optional[Path] = None) -> Path:
    """Remove a saved map; the built-in presets cannot be removed."""
    folder = folder or config_dir()
    maps = load_user_maps(folder)
    if name not in maps:
        what = "a built-in note map and cannot be deleted" if name in PRESETS else "not a saved note map"
        raise ValueError(f"{name!r} is {what}; saved maps: {', '.join(maps) or 'none'}")
    del maps[name]
    return _write(folder / USER_MAPS_FILE, maps)


def all_maps(folder: Optional[Path] = None) -> dict[str, tuple[int, ...]]:
    return {**PRESETS, **load_user_maps(folder)}


def resolve(name_or_notes: str, folder: Optional[Path] = None) -> tuple[int, ...]:
    """A preset or saved map by name, or nine comma-separated notes ('36,38,42,...' or 'C1,D1,F#1,...')."""
    maps = all_maps(folder)
    if name_or_notes in maps:
        return maps[name_or_notes]
    if "," in name_or_notes:
        return validate(p for p in name_or_notes.split(","))
    raise ValueError(f"unknown note map {name_or_notes!r}: one of {', '.join(maps)}, or 9 notes like 36,38,42,...")
