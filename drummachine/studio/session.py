"""The musician's session: patterns, codes, morph slots and settings, with undo/redo and autosave.

Pure Python (no Qt): the window shows and edits a `Session`, and tests drive it without a window.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Optional

import numpy as np

from drummachine import limits

from drummachine.midi import note_maps
from drummachine.safe_files import atomic_write, remove_stale_temps, set_aside
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take, knob_tuple
from drummachine.studio.session_repair import Repairs, kind
from drummachine.config_folder import config_dir
from drummachine.groove.vocabulary import NUM_CLASSES
from drummachine.model.fills import FILL_EVERY
from drummachine.model.repeats import check_sources

SESSION_FILE = "session.json"
SESSION_VERSION = 1
BAR_CHOICES = (1, 2, 4, 8, 16)
UNDO_LIMIT = 200


@dataclass
class Settings:
    bpm: float = limits.BPM.default
    swing: float = limits.SWING.default
    temperature: float = limits.TEMPERATURE.default
    bars: int = limits.SESSION_BARS.default
    channel: int = limits.CHANNEL.default
    note_map: str = "General MIDI"
    port: str = ""  # "" is the virtual "Drum Machine" port
    clock_input: str = ""  # the port a DAW's MIDI clock comes in on, when following it (sync "midi")
    variation_amount: float = limits.VARIATION_AMOUNT.default
    morph_bars: int = limits.MORPH_BARS.default
    feel_amount: float = limits.FEEL.default  # 0: as written (the grid), 1: the drummers' feel
    feel_seed: int = limits.SEED.default
    feel_off: list[int] = field(default_factory=list)  # classes played as written, without the learned feel
    knobs: dict[str, float] = field(default_factory=dict)  # knob name -> position (-2..2), see model/knobs.py
    fill_every: int = 0  # a fill in the last bar of every this many (0: none; one of model/fills.py FILL_EVERY)
    follow: bool = True  # while playing, the grid shows the bar that sounds
    sound_output: str = "both"  # where notes go: "midi" (the port), "audio" (the built-in kit) or "both"
    sound_device: str = ""  # the built-in kit's sound device; "" is the system's default
    sound_volume: int = limits.VOLUME.default
    locked: list[int] = field(default_factory=list)
    muted: list[int] = field(default_factory=list)
    soloed: list[int] = field(default_factory=list)


class Session:
    def __init__(self, take: Optional[Take] = None, settings: Optional[Settings] = None):
        self.settings = settings or Settings()
        self.take = take or Take(Pattern.empty(self.settings.bars), label="empty")
        self.undo_stack: list[Take] = []
        self.redo_stack: list[Take] = []
        self.slot_a: Optional[Take] = None  # the morph's ends
        self.slot_b: Optional[Take] = None
        self.morph_position = 0.0
        self.view_bar = 0
        self.pad: dict = {}  # the 4-corner pad as plain data (studio/pad.py PadController.to_dict)
        self._velocity_cell: Optional[tuple[int, int, int]] = None  # the hit a velocity gesture is changing

    # --- the pattern -------------------------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern:
        return self.take.pattern

    def commit(self, take: Take) -> None:
        """A new take (an edit or a generation) that undo can step back from."""
        self._velocity_cell = None
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

    def set_velocity(self, bar: int, step: int, cls: int, velocity: int, base: Optional[Pattern] = None) -> None:
        """A hit's velocity (1..127), keeping its timing. One drag or wheel on one hit is one undoable edit:
        a further change to the same hit, with nothing else between, amends it. `base` is the pattern to
        edit when it is not the take's own (the studio writes the feel into it first, see Studio.set_velocity)."""
        velocity = limits.VELOCITY.check("velocity", velocity)
        pattern = self.pattern if base is None else base
        if not pattern.hits[bar, step, cls]:
            raise ValueError(f"there is no hit at bar {bar + 1}, step {step + 1} to give a velocity")
        v = pattern.velocities.copy()
        v[bar, step, cls] = velocity
        take = replace(self.take, pattern=Pattern(v, pattern.offsets), label="velocity")
        cell = (bar, step, cls)
        if self._velocity_cell == cell and self.take.label == "velocity":
            self.take = take  # the same gesture goes on: one undo step for the whole drag
        else:
            self.commit(take)
        self._velocity_cell = cell

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
        self.commit(replace(self.take, pattern=Pattern(self.pattern.velocities[idx]), label="length", repeats=()))

    def undo(self) -> bool:
        return self._step(self.undo_stack, self.redo_stack)

    def redo(self) -> bool:
        return self._step(self.redo_stack, self.undo_stack)

    def _step(self, back: list[Take], forth: list[Take]) -> bool:
        """Undo and redo are one move in two directions: take from one history, keep the current in the other."""
        if not back:
            return False
        self._velocity_cell = None
        forth.append(self.take)
        self.take = back.pop()
        self.settings.bars = self.pattern.bars
        self.view_bar = min(self.view_bar, self.pattern.bars - 1)
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
            "take": take_to_json(self.take),
            "undo": [take_to_json(t) for t in self.undo_stack[-50:]],
            "redo": [take_to_json(t) for t in self.redo_stack[-50:]],
            "slot_a": take_to_json(self.slot_a),
            "slot_b": take_to_json(self.slot_b),
            "morph_position": self.morph_position,
            "view_bar": self.view_bar,
            "pad": self.pad,
            "settings": asdict(self.settings),
        }

    @classmethod
    def from_json(cls, data: object, repairs: Optional[Repairs] = None) -> "Session":
        """A session from saved data, each field checked against the limits table and repaired where it can be.

        What had to change goes into `repairs.problems`; ValueError only when `data` is no session at all.
        """
        r = repairs or Repairs()
        if not isinstance(data, dict):
            raise ValueError(f"it holds {kind(data)}, not a session")
        if data.get("version") != SESSION_VERSION:
            raise ValueError(f"its format {data.get('version')!r} is not {SESSION_VERSION}")
        settings = _settings_from(data.get("settings"), r)
        take = (take_from_json(data.get("take"), "the current pattern", r)
                or Take(Pattern.empty(settings.bars), label="empty"))
        s = cls(take, settings)
        s.settings.bars = take.pattern.bars
        s.undo_stack = _takes_from(data.get("undo", []), "undo", r)
        s.redo_stack = _takes_from(data.get("redo", []), "redo", r)
        s.slot_a, s.slot_b = _slot_from(data.get("slot_a"), "slot A", r), _slot_from(data.get("slot_b"), "slot B", r)
        s.morph_position = r.number("morph_position", data.get("morph_position", 0.0), limits.MORPH_POSITION,
                                    limits.MORPH_POSITION.default)
        bars_shown = limits.Range(0, take.pattern.bars - 1, 0, integer=True)
        s.view_bar = r.number("view_bar", data.get("view_bar", 0), bars_shown, 0)
        s.pad = data.get("pad") if isinstance(data.get("pad"), dict) else {}  # checked by the pad as it loads
        return s

    def save(self, folder: Optional[Path] = None) -> Path:
        """Atomically, so a crash mid-write leaves the previous session whole."""
        folder = folder or config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        return atomic_write(folder / SESSION_FILE, lambda fh: fh.write(json.dumps(self.to_json()).encode()))

    @classmethod
    def load(cls, folder: Optional[Path] = None) -> tuple[Optional["Session"], str]:
        """The saved session (None when there is none) and a notice for the status bar ("" when all was well).

        Never raises for a damaged file: what can be repaired is, the file as it was is kept beside it under
        a name no later repair overwrites, and what cannot be read at all leaves a new session.
        """
        folder = folder or config_dir()
        path = folder / SESSION_FILE
        remove_stale_temps(path)
        if not path.is_file():
            return None, ""
        raw = path.read_bytes()
        repairs = Repairs()
        try:
            session = cls.from_json(json.loads(raw), repairs)
        except (ValueError, RecursionError) as exc:  # json's errors are ValueErrors (UnicodeDecodeError too)
            aside = set_aside(path, raw)
            os.unlink(path)
            return None, f"the saved session could not be read ({_clip(str(exc))}); it was kept as {aside.name}"
        known = note_maps.all_maps(folder)
        if session.settings.note_map not in known:
            repairs.note(f"note map {session.settings.note_map!r} is unknown, set to 'General MIDI'")
            session.settings.note_map = "General MIDI"
        if not repairs.problems:
            return session, ""
        aside = set_aside(path, raw)
        session.save(folder)  # the repaired session, so the next start does not repair (and set aside) again
        shown = "; ".join(repairs.problems[:3]) + (f"; and {len(repairs.problems) - 3} more"
                                                   if len(repairs.problems) > 3 else "")
        return session, f"the saved session was repaired ({shown}); the file as it was is kept as {aside.name}"


def _pattern_json(p: Pattern) -> dict:
    out = {"bars": p.bars, "velocities": base64.b64encode(p.velocities.tobytes()).decode()}
    if p.offsets is not None:  # float16 keeps a step's offset to 1/2000 of a step
        out["offsets"] = base64.b64encode(p.offsets.astype(np.float16).tobytes()).decode()
    return out


def _clip(text: str, chars: int = 80) -> str:
    return text if len(text) <= chars else text[: chars - 3] + "..."


_SETTING_LIMITS = {"bpm": limits.BPM, "swing": limits.SWING, "temperature": limits.TEMPERATURE,
                   "bars": limits.SESSION_BARS, "channel": limits.CHANNEL,
                   "variation_amount": limits.VARIATION_AMOUNT, "morph_bars": limits.MORPH_BARS,
                   "feel_amount": limits.FEEL, "feel_seed": limits.SEED, "sound_volume": limits.VOLUME}
SOUND_OUTPUTS = ("midi", "audio", "both")


def _settings_from(d: object, r: Repairs) -> Settings:
    if not isinstance(d, dict):
        r.note(f"settings were {kind(d)}, defaults used")
        return Settings()
    defaults, values = Settings(), {}
    for f in fields(Settings):
        if f.name not in d:
            continue
        default, value = getattr(defaults, f.name), d[f.name]
        if f.name in _SETTING_LIMITS:
            values[f.name] = r.number(f.name, value, _SETTING_LIMITS[f.name], default)
        elif f.name == "knobs":
            values[f.name] = _knobs_from(value, r)
        elif f.name == "fill_every":
            values[f.name] = _fill_every_from(f.name, value, r)
        elif isinstance(default, bool):
            values[f.name] = r.switch(f.name, value, default)
        elif isinstance(default, str):
            values[f.name] = r.text(f.name, value, default)
        else:
            values[f.name] = r.classes(f.name, value)
    if values.get("sound_output", "both") not in SOUND_OUTPUTS:
        r.note(f"sound_output {values['sound_output']!r} is not one of {', '.join(SOUND_OUTPUTS)}, set to 'both'")
        values["sound_output"] = "both"
    return Settings(**values)


def _knobs_from(value: object, r: Repairs) -> dict[str, float]:
    """Knob positions: names to numbers in -2..2 (a knob the model lacks is kept: another model may have it)."""
    if not isinstance(value, dict):
        r.note(f"knobs were {kind(value)}, all set to 0")
        return {}
    return {str(k): r.number(f"knob {k}", v, limits.KNOB, 0.0) for k, v in value.items()}


def _fill_every_from(name: str, value: object, r: Repairs) -> int:
    """A fill every N bars: 0 (none) or one of FILL_EVERY; anything else is set to 0, with a note."""
    if isinstance(value, int) and not isinstance(value, bool) and (value == 0 or value in FILL_EVERY):
        return value
    r.note(f"{name} {value!r} is not 0 or one of {', '.join(map(str, FILL_EVERY))}, set to 0")
    return 0


def take_to_json(t: Optional[Take]) -> Optional[dict]:
    """A take as plain data for a session file (None stays None): the session's takes and the pad's corners."""
    if t is None:
        return None
    return {"pattern": _pattern_json(t.pattern), "z": list(t.z) if t.z is not None else None, "seed": t.seed,
            "temperature": t.temperature, "label": t.label, "knobs": dict(t.knobs), "fill_every": t.fill_every,
            "repeats": list(t.repeats)}


def take_from_json(d: object, name: str, r: Repairs) -> Optional[Take]:
    """A take from a session file's data, each field repaired where it can be (noted in `r` under `name`); None
    when it holds no pattern."""
    if not isinstance(d, dict):
        r.note(f"{name} was dropped: it is not a take")
        return None
    pattern = r.pattern(name, d.get("pattern"))
    if pattern is None:
        return None
    temperature = d.get("temperature")
    if temperature is not None:
        temperature = r.number(f"{name}'s temperature", temperature, limits.TEMPERATURE, limits.TEMPERATURE.default)
    return Take(pattern, r.code(f"{name}'s code", d.get("z")), r.seed(f"{name}'s seed", d.get("seed")),
                temperature, r.text(f"{name}'s label", d.get("label", ""), ""),
                knob_tuple(_knobs_from(d.get("knobs", {}), r)),
                _fill_every_from(f"{name}'s fill_every", d.get("fill_every", 0), r),
                _repeats_from(f"{name}'s repeats", d.get("repeats", []), pattern.bars, r))


def _repeats_from(name: str, value: object, bars: int, r: Repairs) -> tuple[int, ...]:
    """Which bars of a sampled take play an earlier bar again (model/repeats.py); none when damaged."""
    if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        problem = check_sources(value, len(value))
        if not problem:
            return tuple(value[:bars])  # a groove made shorter keeps the plan of the bars it has
    else:
        problem = "is not a list of bar numbers"
    r.note(f"{name} {problem}: no bar repeats another")
    return ()


def _takes_from(items: object, name: str, r: Repairs) -> list[Take]:
    if not isinstance(items, list):
        r.note(f"the {name} history is not a list, dropped")
        return []
    takes = [take_from_json(t, f"{name} step {i + 1}", r) for i, t in enumerate(items)]
    return [t for t in takes if t is not None][-UNDO_LIMIT:]


def _slot_from(d: object, name: str, r: Repairs) -> Optional[Take]:
    """A morph slot: a take (sessions before takes filled the slots held only a pattern and its code)."""
    if d is None:
        return None
    return take_from_json(d, name, r)
