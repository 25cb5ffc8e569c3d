"""The musician's session: patterns, codes, morph slots and settings, with undo/redo and autosave.

Pure Python (no Qt): the window shows and edits a `Session`, and tests drive it without a window.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Optional

import numpy as np

from drummachine.files import atomic_write
from drummachine.pattern import Pattern
from drummachine.settings import config_dir
from drummachine.vocabulary import NUM_CLASSES, STEPS_PER_BAR

SESSION_FILE = "session.json"
SESSION_VERSION = 1
BAR_CHOICES = (1, 2, 4, 8, 16)
UNDO_LIMIT = 200


@dataclass(frozen=True)
class Slot:
    """A morph end: a groove and its latent code (None until encoded)."""

    pattern: Pattern
    z: Optional[tuple[float, ...]] = None


@dataclass(frozen=True)
class Take:
    """What undo/redo moves between: the pattern, the code it came from and how it was made."""

    pattern: Pattern
    z: Optional[tuple[float, ...]] = None
    seed: Optional[int] = None
    label: str = ""


@dataclass
class Settings:
    bpm: float = 120.0
    swing: float = 50.0
    temperature: float = 0.8
    bars: int = 2
    channel: int = 10
    note_map: str = "General MIDI"
    port: str = ""  # "" is the virtual "Drum Machine" port
    variation_amount: float = 0.5
    morph_bars: int = 8
    locked: list[int] = field(default_factory=list)
    muted: list[int] = field(default_factory=list)
    soloed: list[int] = field(default_factory=list)


class Session:
    def __init__(self, take: Optional[Take] = None, settings: Optional[Settings] = None):
        self.settings = settings or Settings()
        self.take = take or Take(Pattern.empty(self.settings.bars), label="empty")
        self.undo_stack: list[Take] = []
        self.redo_stack: list[Take] = []
        self.slot_a: Optional[Slot] = None
        self.slot_b: Optional[Slot] = None
        self.morph_position = 0.0
        self.view_bar = 0

    # --- the pattern -------------------------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern:
        return self.take.pattern

    def commit(self, take: Take) -> None:
        """A new take (an edit or a generation) that undo can step back from."""
        self.undo_stack.append(self.take)
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        self.take = take
        self.settings.bars = take.pattern.bars
        self.view_bar = min(self.view_bar, take.pattern.bars - 1)

    def toggle(self, bar: int, step: int, cls: int, velocity: int = 100) -> bool:
        """Click on a cell: a hit appears (at `velocity`) or goes. Returns whether the cell is now hit."""
        on = not self.pattern.hits[bar, step, cls]
        self.commit(replace(self.take, pattern=self.pattern.with_hit(bar, step, cls, velocity if on else 0),
                            label="edit"))
        return on

    def paint(self, cells: list[tuple[int, int, int]], on: bool, velocity: int = 100) -> None:
        """A drag across cells: one undoable edit that sets them all on or off."""
        v = self.pattern.velocities.copy()
        for bar, step, cls in cells:
            v[bar, step, cls] = velocity if on else 0
        if not np.array_equal(v, self.pattern.velocities):
            self.commit(replace(self.take, pattern=Pattern(v), label="edit"))

    def set_bars(self, bars: int) -> None:
        """Change the loop length: shorter cuts, longer repeats what is there."""
        if bars not in BAR_CHOICES:
            raise ValueError(f"bars must be one of {BAR_CHOICES}")
        if bars == self.pattern.bars:
            return
        idx = np.arange(bars) % self.pattern.bars
        self.commit(replace(self.take, pattern=Pattern(self.pattern.velocities[idx]), label="length"))

    def undo(self) -> bool:
        if not self.undo_stack:
            return False
        self.redo_stack.append(self.take)
        self.take = self.undo_stack.pop()
        self.settings.bars = self.pattern.bars
        self.view_bar = min(self.view_bar, self.pattern.bars - 1)
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        self.undo_stack.append(self.take)
        self.take = self.redo_stack.pop()
        self.settings.bars = self.pattern.bars
        return True

    # --- instruments ---------------------------------------------------------------------------------------
    def audible(self) -> frozenset[int]:
        """The classes muted for playback: the muted ones, or all but the soloed ones."""
        if self.settings.soloed:
            return frozenset(c for c in range(NUM_CLASSES) if c not in self.settings.soloed)
        return frozenset(self.settings.muted)

    @staticmethod
    def flip(items: list[int], cls: int) -> list[int]:
        return sorted(set(items) ^ {cls})

    # --- saving ------------------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "version": SESSION_VERSION,
            "take": _take_json(self.take),
            "undo": [_take_json(t) for t in self.undo_stack[-50:]],
            "redo": [_take_json(t) for t in self.redo_stack[-50:]],
            "slot_a": _slot_json(self.slot_a),
            "slot_b": _slot_json(self.slot_b),
            "morph_position": self.morph_position,
            "view_bar": self.view_bar,
            "settings": asdict(self.settings),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Session":
        if data.get("version") != SESSION_VERSION:
            raise ValueError(f"session format {data.get('version')} is not {SESSION_VERSION}")
        known = Settings.__dataclass_fields__
        s = cls(_take_from(data["take"]), Settings(**{k: v for k, v in data["settings"].items() if k in known}))
        s.undo_stack = [_take_from(t) for t in data.get("undo", [])]
        s.redo_stack = [_take_from(t) for t in data.get("redo", [])]
        s.slot_a, s.slot_b = _slot_from(data.get("slot_a")), _slot_from(data.get("slot_b"))
        s.morph_position = float(data.get("morph_position", 0.0))
        s.view_bar = min(int(data.get("view_bar", 0)), s.pattern.bars - 1)
        return s

    def save(self, folder: Optional[Path] = None) -> Path:
        """Atomically, so a crash mid-write leaves the previous session whole."""
        folder = folder or config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return atomic_write(folder / SESSION_FILE, lambda fh: fh.write(json.dumps(self.to_json()).encode()))

    @classmethod
    def load(cls, folder: Optional[Path] = None) -> Optional["Session"]:
        """The saved session, or None when there is none; a damaged file is set aside, never lost."""
        path = (folder or config_dir()) / SESSION_FILE
        if not path.is_file():
            return None
        try:
            return cls.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            aside = path.with_suffix(".damaged.json")
            os.replace(path, aside)
            raise ValueError(f"the saved session could not be read ({exc}); it was kept as {aside}") from exc


def _pattern_json(p: Pattern) -> dict:
    return {"bars": p.bars, "velocities": base64.b64encode(p.velocities.tobytes()).decode()}


def _pattern_from(d: dict) -> Pattern:
    raw = np.frombuffer(base64.b64decode(d["velocities"]), dtype=np.uint8)
    return Pattern(raw.reshape(int(d["bars"]), STEPS_PER_BAR, NUM_CLASSES))


def _take_json(t: Take) -> dict:
    return {"pattern": _pattern_json(t.pattern), "z": list(t.z) if t.z is not None else None, "seed": t.seed,
            "label": t.label}


def _take_from(d: dict) -> Take:
    return Take(_pattern_from(d["pattern"]), tuple(d["z"]) if d.get("z") is not None else None, d.get("seed"),
                d.get("label", ""))


def _slot_json(s: Optional[Slot]) -> Optional[dict]:
    return None if s is None else {"pattern": _pattern_json(s.pattern), "z": list(s.z) if s.z else None}


def _slot_from(d: Optional[dict]) -> Optional[Slot]:
    return None if d is None else Slot(_pattern_from(d["pattern"]), tuple(d["z"]) if d.get("z") else None)
