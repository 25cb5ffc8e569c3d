"""The 4-corner pad in the studio: four corner grooves, a dot the musician drags between them while the groove
plays, a path recorded while dragging and played back over N bars, all saved with the session.

The `Studio` owns one `PadController` (`studio.pad`). While the pad is on (`set_live`), the pad is what the
player plays: the studio asks `sounding()` for its bar source, as it does for the loop and the live morph.
Every move hands the player the source again, which drops the bar it had made ahead, so the newest position
is heard from the next bar line. The maths (mixes, paths) is drummachine/groove/pad.py's.

A corner is heard as its own groove when the dot is exactly on it; everywhere else the pad plays the mix of
the four corner codes decoded at the session's temperature with the pad's seed, so a position always sounds
the same. The pad's state lives in `session.pad` (plain data), written on every change, so saving the
session saves the corners, the dot and the path.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np

from drummachine import limits
from drummachine.groove.pad import (CORNER_NAMES, CORNERS, MIXES, PadPath, PathRecorder, Position, PriorFrame,
                                    check_position, mix)
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.live.pad_source import PadSource
from drummachine.model.repeats import shared_sources
from drummachine.studio.session import take_from_json, take_to_json
from drummachine.studio.session_repair import Repairs
from drummachine.studio.take_source import take_from

if TYPE_CHECKING:
    from drummachine.studio.studio import Studio

CENTRE: Position = (0.5, 0.5)


class PadController:
    """Everything the pad does, for the window and the command line (which only forward and draw)."""

    def __init__(self, studio: "Studio", now: Callable[[], float] = time.monotonic):
        self.studio = studio
        self._now = now
        self.corners: list[Optional[Take]] = [None] * CORNERS
        self.position: Position = CENTRE
        self.path = PadPath()
        self.path_bars: int = limits.PAD_PATH_BARS.default
        self.seed: int = limits.SEED.default
        self.how: str = "slerp"
        self.live = False  # the pad is what plays
        self.playing_path = False  # ... along the recorded path, rather than at the dot
        self.recorder: Optional[PathRecorder] = None
        self._path_start = 0
        self._made: Optional[tuple[tuple, PadSource]] = None  # the source handed out last, and what it was made of
        self._prior: Optional[tuple[object, PriorFrame]] = None  # the model, and its prior frame
        self._load(studio.session.pad)

    # --- state ------------------------------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self.recorder is not None

    def ready(self) -> bool:
        """The one answer to "can the pad play?": a model, and four corners with codes it takes."""
        return self.studio.engine is not None and all(c is not None and self._fits(c) for c in self.corners)

    def _fits(self, take: Take) -> bool:
        engine = self.studio.engine
        return take.z is not None and engine is not None and len(take.z) == engine.latent

    def to_dict(self) -> dict:
        """Plain data for the session file: the corners (as takes), the dot, the path and how it plays."""
        return {"corners": [take_to_json(c) for c in self.corners], "position": list(self.position),
                "path": self.path.to_dict(), "path_bars": self.path_bars, "seed": self.seed, "mix": self.how}

    def _load(self, data: object) -> None:
        """The pad as the session left it; what is damaged is left out and said once."""
        if not data:
            return
        r = Repairs()
        if not isinstance(data, dict):
            r.note("the pad was not a mapping, left empty")
            data = {}
        corners = data.get("corners", [None] * CORNERS)
        if not isinstance(corners, list) or len(corners) != CORNERS:
            r.note(f"the pad's corners were not {CORNERS}, left empty")
            corners = [None] * CORNERS
        self.corners = [None if c is None else take_from_json(c, f"the pad's {CORNER_NAMES[i]} corner", r)
                        for i, c in enumerate(corners)]
        try:
            self.position = check_position(*data.get("position", CENTRE))
        except (TypeError, ValueError):
            r.note("the pad's dot was off the pad, set to the middle")
        try:
            self.path = PadPath.from_dict(data.get("path", {"points": []}))
        except ValueError as exc:
            r.note(f"the pad's path was dropped ({exc})")
        self.path_bars = r.number("the pad's path bars", data.get("path_bars", limits.PAD_PATH_BARS.default), limits.PAD_PATH_BARS,
                                  limits.PAD_PATH_BARS.default)
        self.seed = r.number("the pad's seed", data.get("seed", limits.SEED.default), limits.SEED, limits.SEED.default)
        self.how = data.get("mix", "slerp") if data.get("mix", "slerp") in MIXES else "slerp"
        if r.problems:
            self.studio.say("; ".join(r.problems))
        for i, take in enumerate(self.corners):  # codes of another model (another latent size) are made again
            if take is not None and not self._fits(take):
                self.corners[i] = replace(take, z=None)
                self._encode(i, self.corners[i])

    def _store(self, sound: bool = True) -> None:
        """The pad changed: into the session (saved soon), to the player from the next bar line, to the window."""
        self.studio.session.pad = self.to_dict()
        self.studio.touch(sound)

    # --- corners ----------------------------------------------------------------------------------------------
    def fill_corner(self, corner: int, how: str, path: Optional[Path] = None, candidate: Optional[int] = None) -> bool:
        """Corner 0-3 (top left, top right, bottom left, bottom right) from the current groove, a new sample, a
        MIDI file (read off the owner's thread) or a candidate. A groove without a code is encoded. False when
        a sample is asked for without a model."""
        self._check_corner(corner)
        return take_from(self.studio, how, lambda take: self.set_corner(corner, take), path, candidate)

    @staticmethod
    def _check_corner(corner: int) -> None:
        if not 0 <= corner < CORNERS:
            raise ValueError(f"the pad's corners are 1 to {CORNERS}, not {corner + 1}")

    def set_corner(self, corner: int, take: Take) -> None:
        """Corner 0-3 holds `take` (the command line's seeded samples and files come this way); encoded when it
        has no code this model takes."""
        self._check_corner(corner)
        self.corners[corner] = take
        if self.live and not self.ready():
            self.live = False  # until its code is known; the groove plays meanwhile
        self._store()
        self._encode(corner, take)

    def _encode(self, corner: int, take: Take) -> None:
        """A corner without a code (a file, an edit) gets the code of its groove, so the pad can mix it."""
        engine = self.studio.engine
        if engine is not None and not self._fits(take):
            pattern = take.pattern
            self.studio.submit("encoding", lambda: engine.encode(pattern),
                                lambda mu: self._encoded(corner, take, mu))

    def _encoded(self, corner: int, take: Take, mu) -> None:
        if self.corners[corner] is take:  # not refilled meanwhile
            self.corners[corner] = replace(take, z=mu)
            self._store()

    # --- the dot ----------------------------------------------------------------------------------------------
    def move(self, x: float, y: float) -> None:
        """The dot to (x, y): heard from the next bar line while the pad plays at the dot; recorded into the path
        while recording."""
        self.position = check_position(x, y)
        if self.recorder is not None:
            self.recorder.add(*self.position)
        self._store(sound=self.live and not self.playing_path)

    def set_live(self, on: bool) -> bool:
        """The pad plays (at the dot, or along the path if that is on) instead of the groove, from the next bar
        line. False (and a notice) when a corner is missing."""
        if on and not self.ready():
            self.studio.say("fill the pad's four corners first")
            return False
        self.live = on
        if on:
            self.studio.morph_live = False  # one thing plays in place of the groove: the pad now
        self._store()
        return True

    def code(self, position: Optional[Position] = None) -> np.ndarray:
        """The mixed code at `position` (the dot by default)."""
        return mix(self._codes(), *(position or self.position), how=self.how, frame=self._frame())

    def keep(self) -> bool:
        """The groove at the dot becomes the groove (an undoable take), at the session's length and temperature."""
        if not self.ready():
            self.studio.say("fill the pad's four corners first")
            return False
        studio = self.studio
        engine, temperature, seed = studio.engine, studio.session.settings.temperature, self.seed
        bars = min(studio.pattern.bars, engine.bars)
        repeats = self.repeats(bars)
        z = engine.with_repeats(self.code(), repeats)
        studio.make_take("decoding", lambda: Take(engine.decode(z, bars, temperature, seed, repeats=repeats or None),
                                                  z, seed, temperature, "pad", repeats=repeats))
        return True

    # --- the path ---------------------------------------------------------------------------------------------
    def record(self, on: bool) -> PadPath:
        """Start recording the dot's moves (from the first move on), or stop and keep them as the path, in bars
        at the session's tempo. Playing the path stops while a new one is recorded. The path (new or kept)."""
        if on:
            self.recorder = PathRecorder(self.studio.session.settings.bpm / 240.0, self._now)
            if self.playing_path:
                self.playing_path = False
                self._store()
            return self.path
        if self.recorder is not None:
            recorded, self.recorder = self.recorder.path(), None
            if len(recorded):
                self.path = recorded
                self._store(sound=False)
        return self.path

    def set_path(self, path: PadPath) -> None:
        self.path = path
        self._store(sound=self.playing_path)

    def set_path_bars(self, bars: int) -> None:
        """The bars the path is stretched over (a position per bar)."""
        self.path_bars = limits.PAD_PATH_BARS.check("path bars", bars)
        self._store(sound=self.playing_path)

    def play_path(self, on: bool) -> bool:
        """Play the recorded path (over `path_bars`, then again) from the next bar line, or the dot again. Turns
        the pad on. False (and a notice) without corners or a path."""
        if on and not len(self.path):
            self.studio.say("record a path on the pad first")
            return False
        if on and not self.ready():
            self.studio.say("fill the pad's four corners first")
            return False
        self.playing_path = on
        if on:
            player = self.studio.player
            self._path_start = player.position[0] + 1 if player is not None and player.playing else 0
            self.live, self.studio.morph_live = True, False
        self._store()
        return True

    def positions(self) -> tuple[Position, ...]:
        """The position of each bar the pad plays: the dot, or the path's one per bar."""
        return tuple(self.path.per_bar(self.path_bars)) if self.playing_path else (self.position,)

    # --- what sounds ------------------------------------------------------------------------------------------
    def _codes(self) -> np.ndarray:
        return np.stack([c.code for c in self.corners])

    def repeats(self, bars: int) -> tuple[int, ...]:
        """The bars every corner plays again (a sampled groove's copies, kept by its variations): mixed, they
        go on playing them (model/repeats.py shared_sources)."""
        return shared_sources([c.repeats for c in self.corners], bars)

    def _frame(self) -> PriorFrame:
        """The model's prior frame, made once (inverting its factor is the costly part)."""
        model = self.studio.engine.model
        if self._prior is None or self._prior[0] is not model:
            self._prior = (model, PriorFrame(np.asarray(model.prior_mean, np.float64),
                                             np.asarray(model.prior_chol, np.float64)))
        return self._prior[1]

    def sounding(self) -> tuple[tuple, Callable[[], PadSource]]:
        """What the studio hands the player while the pad plays: a key that changes whenever what should sound
        changes, and how to make the bar source. The source is kept while only the positions change (a model
        that reads the bar before plays on from the bar that sounded)."""
        key, make, _ = self._sources()
        return key, make

    def _sources(self) -> tuple[tuple, Callable[[], PadSource], Callable[[], PadSource]]:
        """sounding()'s key and maker, and a maker of a new source from the same state (for a clip)."""
        studio, st = self.studio, self.studio.session.settings
        feel = studio.feel_settings() if studio.has_feel and st.feel_amount else None
        bars = self.bars()
        made_of = (tuple(c.z for c in self.corners), tuple(c.pattern for c in self.corners),
                   tuple(c.repeats for c in self.corners), bars, st.temperature,
                   self.seed, self.how, feel, st.bpm)
        positions, start = self.positions(), self._path_start if self.playing_path else 0

        def fresh() -> PadSource:
            return PadSource(studio.engine, self._codes(), positions, start, bars, st.temperature, self.seed,
                             self.how, self._frame(), feel, st.bpm,
                             tuple(studio.performed(c.pattern) for c in self.corners), self.repeats(bars))

        def make() -> PadSource:
            if self._made is None or self._made[0] != made_of:
                self._made = (made_of, fresh())
            source = self._made[1]
            source.positions, source.start = positions, start
            return source

        return ("pad", made_of, positions, start), make, fresh

    def bars(self) -> int:
        """The bars of the groove the pad loops at a position: the longest corner's, at most the model's."""
        return min(max(c.pattern.bars for c in self.corners), self.studio.engine.bars)

    def bar(self, index: int) -> Pattern:
        """Bar `index` (the player's count of bars since Play) as the pad plays it: what the grid shows."""
        return self.sounding()[1]().bar(index)

    def caption(self, index: int) -> str:
        """What the grid says while the pad plays bar `index`: "pad" at the dot, "pad path bar k/n" along the path."""
        if not self.playing_path:
            return "pad"
        n = len(self.positions())
        return f"pad path bar {(index - self._path_start) % n + 1}/{n}"

    def performance(self, bars: Optional[int] = None) -> Pattern:
        """What the pad plays over `bars` bars (by default one pass of the path, or the groove's length at the
        dot), as one pattern: what a clip of the pad holds."""
        if not self.ready():
            raise ValueError("the pad needs its four corners (with codes) to play")
        source = self._sources()[2]()
        source.start = 0  # from the path's first bar
        if bars is None:
            bars = len(source.positions) if self.playing_path else source.bars
        return Pattern.concat(source.bar(i) for i in range(bars))
