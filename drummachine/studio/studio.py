"""The studio: the session, the model, the player and the morph rules in one object that owns every decision.

The window and the command line only drive a `Studio` and draw what it reports, so every button is a
method here, tested without a window (tests/test_studio.py). Two things come from the owner:
- `post`: how to run a callable on the owner's thread (the window's Qt signal). Model work then runs on
  the studio's own worker thread and lands through `post`; without `post` (the CLI, tests) it runs inline.
  Player callbacks (a step sounded, a port fault) also arrive through `post`.
- `on_change` / `on_status`: told when the session changed (redraw, and save soon) or only the status line.

The studio hands the player a new bar source only when what should sound changed (the pattern, the live
morph), never on a redraw, and writes every setting the musician changes into the session, so a restart
keeps them.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from drummachine import limits
from drummachine.groove.morph import MorphPlan
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.groove.vocabulary import CLASS_NAMES
from drummachine.live.player import Player, PlayerSettings
from drummachine.live.sources import LoopSource, MorphSource
from drummachine.live.tap_tempo import TapTempo
from drummachine.midi import note_maps
from drummachine.midi.clip import ClipWriteError, write_clip
from drummachine.midi.ports import VIRTUAL_PORT, MidiInput, MidiOutput, PortError, list_ports, pick_api
from drummachine.midi.reader import MidiReadError, read_groove
from drummachine.model.engine import Engine, Lock, new_seed
from drummachine.model.feel import FeelSettings
from drummachine.model.fills import check_every, fill_bars
from drummachine.studio.pad import PadController
from drummachine.studio.session import BAR_CHOICES, Session, Settings

SLOTS = ("A", "B")
SYNCS = ("internal", "midi", "link")  # our own clock, a DAW's MIDI clock followed, Ableton Link
FLAGS = {"lock": "locked", "mute": "muted", "solo": "soloed"}
VARIATION_MAX_TEMPERATURE = 0.5  # a variation stays near its groove: sampled no hotter than this
DECODED = ("sample", "variation", "knob", "fills", "pad")  # labels of takes decoded from their own code and seed


@dataclass(frozen=True)
class Job:
    """Model or file work the studio wants done off the owner's thread, and where its result lands.

    `finish` takes the result of `work`, or the exception it raised, on the owner's thread."""

    what: str  # shown while it runs: "generating", "reading a file", ...
    work: Callable[[], object]
    finish: Callable[[object], None]


def run_now(job: Job) -> None:
    """Run a job inline (the command line, tests): its failure is handed to it like a result."""
    try:
        result = job.work()
    except Exception as exc:  # noqa: BLE001 - a model or file failure is reported, never a crash
        result = exc
    job.finish(result)


MakePlayer = Callable[..., Player]


def _default_player(open_output, source, settings, **options) -> Player:
    from drummachine.audio.sounding_player import SoundingPlayer  # the built-in sound rides on the player

    return SoundingPlayer(open_output, source, settings, **options)


@dataclass(frozen=True)
class MorphProgress:
    """How far the live morph has come: bar `bar` of `over` on the way to `towards`, at `position` (0 A, 1 B)."""

    bar: int
    over: int
    position: float
    towards: str

    def describe(self) -> str:
        return f"morph bar {self.bar}/{self.over} → {self.towards} ({self.position:.0%} of the way from A to B)"


@dataclass(frozen=True)
class Playhead:
    """Where playback is, for the window: the bar that sounds (of the loop, or of the morph's groove) and its
    step; the bar the grid shows and the step to mark there (-1 when it shows another bar); the morph's
    progress while the live morph plays."""

    bar: int
    step: int
    shown: int
    grid_step: int
    morph: Optional[MorphProgress] = None
    pad: str = ""  # while the pad plays: what the grid's caption says ("pad", "pad path bar 3/8")


class Studio:
    def __init__(self, engine: Optional[Engine], session: Optional[Session] = None, config: Optional[Path] = None,
                 api: Optional[str] = "auto", post: Optional[Callable[[Callable[[], None]], None]] = None,
                 on_change: Callable[[], None] = lambda: None, on_status: Callable[[], None] = lambda: None,
                 on_step: Callable[[int, int], None] = lambda bar, step: None,
                 make_player: MakePlayer = _default_player):
        self.engine = engine
        # a new session starts at the model's tuned temperature; a saved one keeps the musician's
        self.session = session or Session(settings=Settings(temperature=engine.default_temperature) if engine else None)
        self.config = config
        self.api = self._pick_api(api)
        self._post = post
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="studio") if post else None
        self.on_change, self.on_status, self.on_step = on_change, on_status, on_step
        self._make_player = make_player
        self.player: Optional[Player] = None
        self.sound = None  # the built-in sound's SoundControl, when the owner gives one (see attach_sound)
        self.jobs: list[str] = []  # what runs now, for the status line
        self.last_ms: Optional[float] = None
        self.notice = ""
        self.port_state = "stopped"
        self.morph_live = False
        self.sync = "internal"  # where the tempo comes from: our own clock, a DAW's MIDI clock, or Ableton Link
        self.tapper = TapTempo()
        self.candidates: list[Take] = []  # grooves offered side by side (Generate candidates)
        self.auditioning: Optional[int] = None  # the candidate the player plays instead of the groove
        self.unsaved = False
        self._morph_plan: Optional[tuple[tuple, MorphPlan]] = None
        self._performed: Optional[tuple[tuple, Pattern]] = None
        self._sounding: Optional[object] = None  # what the player was last given to play
        self._morph_takes: dict[int, tuple[Take, float]] = {}  # id of a take the slider made -> (it, position)
        self._forget_foreign_codes()
        self.pad = PadController(self)  # last: loading the pad may submit encodes, which need all of the above

    def _forget_foreign_codes(self) -> None:
        """Drop the codes of takes a model of another code size made (a session saved before the bundled model
        changed): moving such a code with this model's knobs, fills or noise cannot work. The grooves keep
        their hits; whatever needs a code encodes them again, as it does an edit or a file."""
        if self.engine is None:
            return
        s, latent = self.session, self.engine.latent
        fits = lambda t: t is None or t.z is None or len(t.z) == latent  # noqa: E731
        takes = [s.take, s.slot_a, s.slot_b, *s.undo_stack, *s.redo_stack]
        if all(fits(t) for t in takes):
            return
        forget = lambda t: t if fits(t) else replace(t, z=None, knobs=(), fill_every=0)  # noqa: E731
        s.take, s.slot_a, s.slot_b = forget(s.take), forget(s.slot_a), forget(s.slot_b)
        s.undo_stack[:] = [forget(t) for t in s.undo_stack]
        s.redo_stack[:] = [forget(t) for t in s.redo_stack]
        self.say("this session's grooves were made by another model: they keep their hits, and their codes are "
                 "made again from them when needed")

    @staticmethod
    def _pick_api(api: Optional[str]) -> Optional[str]:
        if api != "auto":
            return api
        try:
            return pick_api()
        except PortError:
            return None

    # --- reporting -------------------------------------------------------------------------------------------
    @property
    def pattern(self) -> Pattern:
        return self.session.pattern

    @property
    def pending(self) -> int:
        return len(self.jobs)

    def say(self, message: str) -> None:
        """A notice for the status line, kept until the next one."""
        self.notice = message
        self.on_status()

    def status_line(self) -> str:
        info = self.engine.model if self.engine else None
        named = f"model {info.name}" if info and info.name != "model" else "model"  # not "model model"
        parts = [f"{named}: {info.config['bars']}-bar {info.config['model']} VAE" + (" with feel" if info.feel else "")
                 + f" ({info.provider.replace('ExecutionProvider', '')})" if info else "no model"]
        if self.last_ms is not None:
            parts.append(f"last generation {self.last_ms:.1f} ms")
        parts.append(f"MIDI: {self.port_state}" + (f" via {self.api}" if self.api else " (no MIDI system found)"))
        if self.sync == "link" and self.player is not None:
            peers = int(getattr(self.player.clock, "peers", 0))
            parts.append(f"Link: {peers} peer{'s' if peers != 1 else ''}")
        if self.sync == "midi" and self.player is not None:
            bpm = self.player.tempo_from_clock()
            parts.append(f"MIDI clock from {self.session.settings.clock_input}: "
                         + ("playing" if self.playing else "waiting for the DAW's Start" if self.armed else "stopped")
                         + (f" at {bpm:.1f} BPM" if bpm else ""))
        if self.jobs:
            parts.append(f"{self.jobs[-1]}…")
        if self.notice:
            parts.append(self.notice)
        return "   ·   ".join(parts)

    def _changed(self, sound: bool = True) -> None:
        """The session changed: the player hears it from the next bar line, the owner redraws and saves."""
        if sound:
            self.auditioning = None  # the groove changed: it is what plays again
        self.touch(sound)

    def touch(self, sound: bool = True) -> None:
        """A part the studio holds beside the groove changed (the pad): saved soon, redrawn and, when `sound`,
        handed to the player for the next bar line if what should sound changed. A candidate being heard stays."""
        self.unsaved = True
        if sound:
            self._resound()
        self.on_change()

    # --- background work -------------------------------------------------------------------------------------
    def submit(self, what: str, work: Callable[[], object], land: Callable[[object], None],
                failed: str = "generation failed") -> None:
        self.jobs.append(what)
        self.on_status()

        def finish(result: object) -> None:
            self.jobs.remove(what)
            if isinstance(result, Exception):
                self.say(f"{failed}: {result}")
                return
            land(result)
            self.on_status()

        job = Job(what, work, finish)
        if self._worker is None:
            run_now(job)
            return

        def off_thread() -> None:
            try:
                result = job.work()
            except Exception as exc:  # noqa: BLE001
                result = exc
            self._post(lambda: job.finish(result))

        self._worker.submit(off_thread)

    def _timed(self, make: Callable[[], object]) -> Callable[[], tuple[object, float]]:
        def work():
            t0 = time.perf_counter()
            out = make()
            return out, (time.perf_counter() - t0) * 1000

        return work

    def make_take(self, what: str, make: Callable[[], Take]) -> None:
        """Make a take with the model (off the owner's thread, timed for the status line) and make it the groove:
        an undoable take, heard from the next bar line. Every button that makes a new groove comes here."""
        self.submit(what, self._timed(make), self._generated)

    # --- generating ------------------------------------------------------------------------------------------
    def _lock(self) -> Optional[Lock]:
        locked = self.session.settings.locked
        return Lock(self.pattern, frozenset(locked)) if locked else None

    def generate(self, seed: Optional[int] = None) -> bool:
        """A new groove at the session's bars and temperature (locked instruments keep their hits).
        False when there is no model."""
        if self.engine is None:
            return False
        st, engine, lock = self.session.settings, self.engine, self._lock()
        bars, temperature = st.bars, st.temperature
        seed = new_seed() if seed is None else seed
        knobs, every = self.knob_positions(), self.fill_every
        self.make_take("generating", lambda: engine.sample(bars, temperature, seed, lock, knobs, every))
        return True

    def variation(self) -> bool:
        """A groove near this one, `variation_amount` away."""
        if self.engine is None:
            return False
        st, engine, lock, take = self.session.settings, self.engine, self._lock(), self.session.take
        amount, temperature, seed = st.variation_amount, min(st.temperature, VARIATION_MAX_TEMPERATURE), new_seed()
        # a decoded groove varies from its own code and keeps the knobs and fills that code holds, so turning
        # them later takes off what is there (an edit is encoded, holding none)
        decoded = take.label in DECODED and take.z is not None

        def work() -> Take:
            if not decoded:
                return engine.variations(take.pattern, amount, 1, temperature, seed, lock)[0]
            fills = self._fills_of(take, min(take.pattern.bars, engine.bars))  # back on after the copy plan
            made = engine.variations(take.pattern, amount, 1, temperature, seed, lock, take.code - fills,
                                     take.repeats, fills)[0]
            return replace(made, knobs=take.knobs, fill_every=take.fill_every)

        self.make_take("generating", work)
        return True

    def generate_candidates(self, count: int = limits.CANDIDATES.default) -> bool:
        """`count` new grooves side by side (the groove itself stays): audition one, keep one."""
        if self.engine is None:
            return False
        count = limits.CANDIDATES.check("candidates", count)
        st, engine, lock, knobs = self.session.settings, self.engine, self._lock(), self.knob_positions()
        bars, temperature, seeds, every = st.bars, st.temperature, [new_seed() for _ in range(count)], self.fill_every

        def land(result) -> None:
            takes, ms = result
            self.last_ms, self.candidates, self.auditioning = ms, takes, None
            self._resound()
            self.on_change()

        self.submit("generating", self._timed(lambda: [engine.sample(bars, temperature, seed, lock, knobs, every)
                                                       for seed in seeds]), land)
        return True

    def audition(self, index: Optional[int]) -> None:
        """Play candidate `index` from the next bar line instead of the groove (None: the groove again)."""
        if index is not None:
            self.candidate(index)  # a number that is no candidate is refused
        self.auditioning = index
        self._resound()
        self.on_change()

    def keep(self, index: int) -> None:
        """Candidate `index` becomes the groove (an undoable take); the others stay on offer."""
        self.session.commit(self.candidate(index))
        self._changed()  # which plays the groove again

    def candidate(self, index: int) -> Take:
        """Candidate `index` (0-based); ValueError saying how many there are for a number that is none."""
        if not 0 <= index < len(self.candidates):
            raise ValueError(f"there are {len(self.candidates)} candidates, no number {index + 1}")
        return self.candidates[index]

    def _generated(self, result) -> None:
        take, ms = result
        self.last_ms = ms
        self.session.commit(take)
        self._changed()

    # --- knobs -------------------------------------------------------------------------------------------------
    @property
    def knob_names(self) -> list[str]:
        """The knobs this model has (none without knobs.npz)."""
        knobs = self.engine.model.knobs if self.engine is not None else None
        return list(knobs.names) if knobs is not None else []

    def knob_positions(self) -> dict[str, float]:
        """The session's knob positions for the knobs this model has."""
        return {n: v for n, v in self.session.settings.knobs.items() if n in self.knob_names and v}

    def set_knob(self, name: str, position: float) -> bool:
        """Turn a knob: the groove is decoded again from its code moved along the knob's attribute (an undoable
        take); Generate keeps the knob. False without a model or knobs."""
        if self.engine is None or self.engine.model.knobs is None:
            return False
        position = self.engine.model.knobs.check(name, position)
        self.session.settings.knobs[name] = position
        self._redecode("turning", "knob")
        self._changed(sound=False)
        return True

    # --- fills ---------------------------------------------------------------------------------------------------
    def no_fills(self) -> str:
        """Why "a fill every N bars" cannot be had, in one sentence ("" when it can): the window's tooltip, the
        command line's error and the studio's refusal say the same."""
        if self.engine is None:
            return "fills need a model"
        if not self.engine.has_fills:
            return "this model has no fills: they need a model with a code per bar and its fills.npz"
        return ""

    @property
    def fill_every(self) -> int:
        """The fills Generate and candidates make: the session's "a fill every N bars", 0 with a model without
        fills (the setting is kept for a model that has them)."""
        return 0 if self.no_fills() else self.session.settings.fill_every

    def set_fill_every(self, every: int) -> bool:
        """A fill in the last bar of every `every` (4, 8 or 16; 0: none), saved: Generate and candidates make
        them, and the groove is decoded again from its own code with the fills it had taken off and these put
        on (an undoable take, same seed and temperature). False, with a notice, when the model has no fills."""
        every = check_every(every)
        if every and self.no_fills():
            self.say(self.no_fills())
            return False
        self.session.settings.fill_every = every
        if self.engine is not None:
            self._redecode("filling", "fills")
        self._changed(sound=False)
        return True

    def fill_bars(self) -> list[int]:
        """The bars of the groove that hold a fill (0-based): what the bar strip marks."""
        return fill_bars(self.pattern.bars, self.session.take.fill_every)

    def _redecode(self, what: str, label: str) -> None:
        """The groove decoded again with the session's knobs and fills: from its own code less the knobs and fills
        it was made with (same seed and temperature), or, for an edit, a file or a morph, from the code of what is
        there, decoded as faithfully as sampling allows. An undoable take; an empty groove stays as it is."""
        engine, take, lock = self.engine, self.session.take, self._lock()
        knobs, every = self.knob_positions(), self.fill_every
        if take.z is None and not take.pattern.hits.any():
            return  # nothing to decode: the settings wait for Generate
        temperature = self.session.settings.temperature
        decoded = take.label in DECODED and take.z is not None
        seed = take.seed or 0

        bars = min(take.pattern.bars, engine.bars)

        def work() -> Take:
            repeats = take.repeats if decoded else ()  # a sampled take's bars that repeat go on repeating
            if decoded:
                base = take.code - engine.knob_offset(dict(take.knobs)) - self._fills_of(take, bars)
                temp = take.temperature
            else:
                base, temp = engine.encode(take.pattern), min(temperature, VARIATION_MAX_TEMPERATURE)
            temp = temperature if temp is None else temp
            z = engine.with_repeats(base + engine.knob_offset(knobs), repeats) + engine.fill_offset(every, bars=bars)
            pattern = engine.decode(z, bars, temp, seed, lock, repeats)
            return Take(pattern, z, seed, temp, label, knobs, every, repeats)

        self.make_take(what, work)

    def _fills_of(self, take: Take, bars: int) -> np.ndarray:
        """The fill offset a take's code holds; none when this model has no fills (a session from another model:
        its code is taken as it is)."""
        if not take.fill_every or not self.engine.has_fills:
            return np.zeros(self.engine.latent, np.float32)
        return self.engine.fill_offset(take.fill_every, bars=bars)

    # --- settings the musician turns -----------------------------------------------------------------------------
    def set_temperature(self, value: float) -> None:
        self.session.settings.temperature = limits.TEMPERATURE.check("temperature", value)
        self._changed(sound=False)

    def set_variation_amount(self, value: float) -> None:
        self.session.settings.variation_amount = limits.VARIATION_AMOUNT.check("variation amount", value)
        self._changed(sound=False)

    def set_bars(self, bars: int) -> None:
        """The loop length: shorter cuts, longer repeats what is there (undoable)."""
        if bars not in BAR_CHOICES:
            raise ValueError(f"bars must be one of {', '.join(map(str, BAR_CHOICES))}, not {bars}")
        self.session.set_bars(bars)
        self._changed()

    # --- editing ---------------------------------------------------------------------------------------------
    def toggle(self, step: int, cls: int) -> bool:
        """Click a cell of the bar shown; whether it is now hit."""
        on = self.session.toggle(self.session.view_bar, step, cls)
        self._changed()
        return on

    def paint(self, cells: list[tuple[int, int]], on: bool) -> None:
        """A drag over cells (step, class) of the bar shown: one undoable edit."""
        self.session.paint([(self.session.view_bar, step, cls) for step, cls in cells], on)
        self._changed()

    def velocity(self, step: int, cls: int) -> int:
        """The velocity a hit of the bar shown sounds at (with its feel), 0 for no hit: what the grid shows."""
        return int(self.performed().velocities[self.session.view_bar, step, cls])

    def set_velocity(self, step: int, cls: int, velocity: int) -> int:
        """Set how hard a hit of the bar shown sounds (1..127; the grid's drag, wheel and accent clicks): one
        gesture on one hit is one undoable edit, heard from the next bar line, saved and in clips. With the
        learned feel on for that instrument, its feel is first written into the groove and its F switch set
        off (a notice says so): the feel would otherwise replace the velocity you set. Returns it."""
        velocity = limits.VELOCITY.clamp(velocity)
        bar, st = self.session.view_bar, self.session.settings
        base = None
        felt = self.has_feel and st.feel_amount > 0 and cls not in self.feel_settings().keep
        if felt:  # what sounds now becomes what is written for this instrument: nothing else changes
            performed, written = self.performed(), self.pattern
            v, o = written.velocities.copy(), written.timing.copy()
            v[..., cls], o[..., cls] = performed.velocities[..., cls], performed.timing[..., cls]
            base = Pattern(v, o)
            st.feel_off = sorted(set(st.feel_off) | {cls})
        self.session.set_velocity(bar, step, cls, int(velocity), base)
        if felt:
            self.say(f"{CLASS_NAMES[cls]}: its feel is written into the groove (F off), so the velocities you set "
                     "are what plays")
        self._changed()
        return int(velocity)

    def show_bar(self, bar: int) -> None:
        """Show bar `bar` on the grid. While playing and following, choosing a bar stops following (the grid
        stays where the musician looks; the bar that sounds stays marked)."""
        self.session.view_bar = min(max(int(bar), 0), self.pattern.bars - 1)
        if self.playing and self.session.settings.follow:
            self.session.settings.follow = False
            self.say(f"follow off: the grid stays on bar {self.session.view_bar + 1}")
        self._changed(sound=False)

    def flip(self, flag: str, cls: int) -> None:
        """Lock, mute or solo a class (again: undo it). Mutes and solos are heard from the next step."""
        st = self.session.settings
        key = FLAGS[flag]
        setattr(st, key, Session.flip(getattr(st, key), cls))
        if self.player is not None and key != "locked":
            self.player.update(muted=self.session.audible())
        self._changed(sound=key == "locked")  # a locked class keeps its own feel: the loop may sound otherwise

    def undo(self) -> bool:
        if not self.session.undo():
            return False
        self._changed()
        return True

    def redo(self) -> bool:
        if not self.session.redo():
            return False
        self._changed()
        return True

    # --- morph slots ------------------------------------------------------------------------------------------
    def slot(self, name: str) -> Optional[Take]:
        return self.session.slot_a if name == "A" else self.session.slot_b

    def _set_slot(self, name: str, take: Optional[Take]) -> None:
        if name not in SLOTS:
            raise ValueError(f"the morph slots are A and B, not {name!r}")
        setattr(self.session, "slot_a" if name == "A" else "slot_b", take)

    def fill_slot(self, name: str, how: str, path: Optional[Path] = None) -> bool:
        """Slot A or B from the current groove, a new sample, or a MIDI file (read off the owner's thread).
        A groove without a code is encoded, so that the morph can follow the model's path."""
        if how == "current":
            self._slot_filled(name, self.session.take)
        elif how == "sample":
            if self.engine is None:
                return False
            engine, bars, temperature, seed = self.engine, self.pattern.bars, self.session.settings.temperature, new_seed()
            self.submit("generating", lambda: engine.sample(bars, temperature, seed),
                         lambda take: self._slot_filled(name, take))
        elif how == "file":
            if path is None:
                raise ValueError("a slot from a file needs the file")
            self.submit("reading a file", lambda: _read_file(path), lambda read: self._slot_file_read(name, read),
                         failed="the file could not be read")
        else:
            raise ValueError(f"a slot is filled from 'current', 'sample' or 'file', not {how!r}")
        return True

    def _slot_file_read(self, name: str, read) -> None:
        if isinstance(read, MidiReadError):
            self.say(str(read))  # names the file and the reason
            return
        self._slot_filled(name, Take(read, label="file"))

    def _slot_filled(self, name: str, take: Take) -> None:
        self._set_slot(name, take)
        self._morph_changed()
        if take.z is None and self.engine is not None:
            engine, pattern = self.engine, take.pattern
            self.submit("encoding", lambda: engine.encode(pattern), lambda mu: self._encoded(name, take, mu))

    def _encoded(self, name: str, take: Take, mu) -> None:
        current = self.slot(name)
        if current is not None and current.pattern == take.pattern:  # not refilled meanwhile
            self._set_slot(name, replace(current, z=mu))
            self._changed(sound=False)

    def _morph_changed(self) -> None:
        """The slots changed: a live morph moves on to the new ends at the next bar line."""
        if self.morph_live and not self.morph_ready():
            self.morph_live = False
        self._changed()

    # --- morphing --------------------------------------------------------------------------------------------
    def morph_ready(self) -> bool:
        """The one answer to "can we morph?": both slots filled and a model to order the change."""
        return self.engine is not None and self.session.slot_a is not None and self.session.slot_b is not None

    def morph_plan(self, a: Optional[Pattern] = None, b: Optional[Pattern] = None) -> MorphPlan:
        """The steady morph from A to B (the slots' grooves unless given), kept while they stay the same: the
        slider, the live morph and the clip all play this one plan, at the longer slot's length (at most the
        model's). Safe on the worker: the cache is swapped whole."""
        if a is None or b is None:
            a, b = self.session.slot_a.pattern, self.session.slot_b.pattern
        a, b = self.performed(a), self.performed(b)  # the ends as they sound, so the morph keeps their feel
        key = (a.velocities.tobytes(), a.timing.tobytes(), a.bars, b.velocities.tobytes(), b.timing.tobytes(), b.bars)
        cached = self._morph_plan  # read once: the worker may swap the cache between a check and a second read
        if cached is None or cached[0] != key:
            cached = self._morph_plan = (key, self.engine.plan_morph(a, b))
        return cached[1]

    def set_morph(self, t: float) -> bool:
        """Show the groove at `t` between A and B (an undoable take); the ends are A and B themselves.
        False (and a notice) when the slots are not both filled."""
        s = self.session
        s.morph_position = limits.MORPH_POSITION.check("morph position", t)
        if s.slot_a is None or s.slot_b is None:
            self.say("fill slots A and B to morph")
            return False
        if t in (0.0, 1.0):
            end = s.slot_a if t == 0 else s.slot_b
            self._commit_morph(replace(end, label="morph end"), t)
            self._changed()
            return True
        if self.engine is None:
            return False
        a, b = s.slot_a.pattern, s.slot_b.pattern
        key = (a.velocities.tobytes(), b.velocities.tobytes())

        def land(result) -> None:
            pattern, ms = result
            self.last_ms = ms
            now = (s.slot_a, s.slot_b)
            if abs(s.morph_position - t) > 1e-9 or None in now or key != (now[0].pattern.velocities.tobytes(),
                                                                           now[1].pattern.velocities.tobytes()):
                return  # the slider (or a slot) has moved on since: this result is stale
            self._commit_morph(Take(pattern, label="morph"), t)
            self._changed()

        self.submit("morphing", self._timed(lambda: self.morph_plan(a, b).at(t)), land)  # the plan decodes 9 codes
        return True

    def live_morph_source(self) -> MorphSource:
        """The morph as the player plays it: A to B and back, a step of the plan per bar."""
        plan = self.morph_plan()
        return MorphSource(self.engine, None, None, self.session.settings.morph_bars, plan.bars, plan=plan,
                           pingpong=True)

    def set_morph_live(self, on: bool) -> bool:
        """Morph while playing (A to B and back over `morph_bars` bars). False (and a notice) when not ready."""
        if on and not self.morph_ready():
            self.say("fill slots A and B first")
            return False
        self.morph_live = on
        if on:
            self.pad.live = False  # one thing plays in place of the groove: the morph now
        self._resound()
        self.on_change()
        return True

    def set_morph_bars(self, bars: int) -> None:
        self.session.settings.morph_bars = limits.MORPH_BARS.check("morph bars", bars)
        self._changed()

    # --- feel ------------------------------------------------------------------------------------------------
    @property
    def has_feel(self) -> bool:
        return self.engine is not None and self.engine.model.feel is not None

    def feel_settings(self) -> FeelSettings:
        """The session's feel; locked instruments keep their own velocity and timing, as do classes set off."""
        st = self.session.settings
        return FeelSettings(st.feel_amount, st.feel_seed, frozenset(st.locked) | frozenset(st.feel_off))

    def performed(self, pattern: Optional[Pattern] = None) -> Pattern:
        """A pattern (the session's by default) as it sounds: with the model's feel, looped (bar 1 follows the
        last bar). What the player plays, the grid shows and a clip holds."""
        pattern = self.pattern if pattern is None else pattern
        if not self.has_feel or self.session.settings.feel_amount == 0 or pattern.bars == 0:
            return pattern
        settings, bpm = self.feel_settings(), self.session.settings.bpm
        feel = self.engine.model.feel
        key = (pattern.velocities.tobytes(), pattern.timing.tobytes(), settings, bpm if feel.reads_tempo else None)
        cached = self._performed  # read once: the worker may swap the cache between a check and a second read
        if cached is None or cached[0] != key:
            felt = feel.apply(pattern, settings, previous=pattern.bar_slice(pattern.bars - 1, pattern.bars), bpm=bpm)
            cached = self._performed = (key, felt)
        return cached[1]

    def set_feel(self, amount: Optional[float] = None, seed: Optional[int] = None) -> None:
        """How much of the learned feel (0 as written .. 1.5), and which (a seed): heard from the next bar line."""
        st = self.session.settings
        if amount is not None:
            st.feel_amount = limits.FEEL.check("feel amount", amount)
        if seed is not None:
            st.feel_seed = limits.SEED.check("feel seed", seed)
        self._changed()

    def set_feel_class(self, cls: int, on: bool) -> None:
        """Feel for one instrument on or off (off: it plays as written)."""
        st = self.session.settings
        st.feel_off = sorted(set(st.feel_off) - {cls} if on else set(st.feel_off) | {cls})
        self._changed()

    # --- transport -------------------------------------------------------------------------------------------
    def player_settings(self) -> PlayerSettings:
        st = self.session.settings
        try:
            notes = note_maps.resolve(st.note_map, self.config)
        except ValueError:
            notes = note_maps.PRESETS["General MIDI"]
        return PlayerSettings(bpm=st.bpm, swing=st.swing, channel=st.channel - 1, note_map=notes,
                              muted=self.session.audible())

    def _source(self):
        if self.pad.live and self.pad.ready():
            return self.pad.sounding()
        if self.morph_live and self.morph_ready():
            return ("morph", self.morph_plan(), self.session.settings.morph_bars), self.live_morph_source
        if self.auditioning is not None:
            heard = self.performed(self.candidates[self.auditioning].pattern)
            return ("candidate", heard), lambda: LoopSource(heard)
        performed = self.performed()
        return ("loop", performed), lambda: LoopSource(performed)

    def _resound(self) -> None:
        """Give the player what should sound now, only when that changed (it lands at the next bar line)."""
        if self.player is None:
            return
        key, make = self._source()
        if key != self._sounding:
            self._sounding = key
            self.player.set_source(make())

    def _open_output(self) -> MidiOutput:
        if self.api is None:
            raise PortError("no MIDI system found (ALSA, JACK, CoreMIDI or Windows MM)")
        port = self.session.settings.port
        return MidiOutput(self.api, port or None)

    def ensure_player(self) -> Player:
        """The player on the chosen port (the virtual port by default), made once and kept."""
        if self.player is None:
            key, make = self._source()
            self.player = self._make_player(self._open_output, make(), self.player_settings(),
                                            on_fault=lambda fault: self._from_player(self._fault, fault.message),
                                            on_step=lambda bar, step: self._from_player(self.on_step, bar, step))
            self._sounding = key
            if self.sync != "internal":
                try:
                    self._attach_clock(self.player, self.sync)
                except (RuntimeError, PortError) as exc:
                    self.sync = "internal"
                    self.say(str(exc))
            if self.sound is not None:
                self.sound.attach(self.player)
            self.port_state = self.player.output_name if self.player.output_ok else "unavailable"
            self.on_status()
        return self.player

    # --- the built-in sound -----------------------------------------------------------------------------------
    def attach_sound(self, control) -> None:
        """The built-in kit's controls (audio/sound_control.py), set as the session left them; what the
        musician changes there is saved with the session."""
        st = self.session.settings
        control.output, control.device, control.volume = st.sound_output, st.sound_device or None, st.sound_volume
        control.on_change = self._sound_changed
        self.sound = control
        if self.player is not None:
            control.attach(self.player)

    def _sound_changed(self) -> None:
        st, control = self.session.settings, self.sound
        st.sound_output, st.sound_device, st.sound_volume = control.output, control.device or "", int(control.volume)
        self._changed(sound=False)

    # --- the clock -------------------------------------------------------------------------------------------
    def _make_clock(self, sync: str):
        st = self.session.settings
        if sync == "link":
            from drummachine.live.link_clock import LinkClock, LinkConfig  # the optional [link] extra

            return LinkClock(LinkConfig(bpm=st.bpm))
        from drummachine.live.internal_clock import InternalClock

        return InternalClock(st.bpm)

    def _attach_clock(self, player: Player, sync: str) -> None:
        """Give the player the clock `sync` names: a followed MIDI clock listens on the session's clock input
        (PortError when that port is not there); the others are clocks it reads."""
        if sync == "midi":
            port, api = self.session.settings.clock_input, self.api
            if not port or api is None:
                raise PortError("choose the port your DAW sends its MIDI clock on")
            player.follow(lambda heard: MidiInput(api, port, heard))
        else:
            player.use_clock(self._make_clock(sync))

    def clock_inputs(self) -> list[str]:
        """The ports whose MIDI clock can be followed (a DAW's clock output), our own port left out."""
        return self._other_ports("in")

    def _other_ports(self, kind: str) -> list[str]:
        """The MIDI system's ports of `kind` ("out": to play into, "in": to listen to) but our own virtual port;
        none without a MIDI system."""
        if not self.api:
            return []
        try:
            return [p for p in list_ports(self.api, kind) if not p.endswith(":" + VIRTUAL_PORT)]
        except PortError:
            return []

    def set_sync(self, sync: str, clock_input: Optional[str] = None) -> bool:
        """Keep time by our own clock ("internal"), follow a DAW's MIDI clock on `clock_input` ("midi": the DAW
        starts, stops, places and times us; the port is saved), or play with every Ableton Link app on the
        network ("link": tempo and bar line shared, start and stop too). False, and a notice, when it cannot
        (Link's extra not installed, no such clock port): the clock in use stays. Playing goes on, from the new
        clock's bar line (following, from the DAW's next Start)."""
        if sync not in SYNCS:
            raise ValueError(f"sync is one of {', '.join(SYNCS)}, not {sync!r}")
        st = self.session.settings
        same_port = clock_input is None or clock_input == st.clock_input
        if sync == self.sync and self.player is not None and (sync != "midi" or same_port):
            return True
        player = self.ensure_player()
        if sync == "midi":
            port = st.clock_input if clock_input is None else clock_input
            if not port or port not in self.clock_inputs():
                self.say(f"no MIDI clock port {port!r}: choose the port your DAW sends its clock on" if port
                         else "choose the port your DAW sends its MIDI clock on")
                return False
            st.clock_input = port
            self.unsaved = True
        try:
            playing = player.playing
            self._attach_clock(player, sync) if sync == "midi" else player.use_clock(self._make_clock(sync))
        except (RuntimeError, PortError) as exc:  # LinkUnavailable names the extra; a port that just went
            self.say(str(exc))
            return False
        self.sync = sync
        if playing and sync != "midi":
            player.start()
        self.say({"link": "Ableton Link on", "midi": f"following the MIDI clock of {st.clock_input}: the DAW "
                  "starts and stops", "internal": ""}[sync])
        return True

    def tap(self, at_s: Optional[float] = None) -> Optional[float]:
        """A tap of tap tempo (`at_s` in seconds, time.monotonic() by default): from the second tap on, the
        tempo is the median of the recent intervals, set as if typed (heard from the next step, saved, shared
        with Link). None until then, and while following a DAW's clock (its tempo rules)."""
        if self.sync == "midi":
            self.say("the tempo is the DAW's while following its MIDI clock")
            return None
        bpm = self.tapper.tap(time.monotonic() if at_s is None else at_s)
        if bpm is not None:
            self.set_transport(bpm=bpm)
        return bpm

    def shared_clock(self) -> Optional[tuple[float, int]]:
        """With Link or a followed MIDI clock: the tempo now and how many Link peers share it; the tempo is kept
        in the session (within our range) when a peer or the DAW changed it. None on our own clock, and while a
        followed DAW has sent too few ticks to tell."""
        if self.player is None or self.sync == "internal":
            return None
        clock = self.player.clock
        if self.sync == "midi":
            bpm = self.player.tempo_from_clock()
            if bpm is None:
                return None
        else:
            bpm = float(clock.state(time.perf_counter_ns()).bpm)
        kept = limits.BPM.clamp(round(bpm, 1 if self.sync == "midi" else 2))
        if abs(kept - self.session.settings.bpm) >= (0.1 if self.sync == "midi" else 0.01):
            self.session.settings.bpm = kept
            self.player.settings = replace(self.player.settings, bpm=kept)  # no set_bpm back: theirs stands
            self.unsaved = True
        return bpm, int(getattr(clock, "peers", 0))

    @property
    def armed(self) -> bool:
        """Play was pressed and not stopped: with a followed clock, it plays whenever the DAW runs."""
        return self.player is not None and self.player.armed

    def _from_player(self, handler: Callable, *args) -> None:
        """Player callbacks come on its threads: hand them to the owner's thread."""
        if self._post is None:
            handler(*args)
        else:
            self._post(lambda: handler(*args))

    def _fault(self, message: str) -> None:
        if self.player is not None:
            self.port_state = self.player.output_name if self.player.output_ok else "lost, reconnecting"
        self.say(message)

    @property
    def playing(self) -> bool:
        return self.player is not None and self.player.playing

    def play(self) -> None:
        player = self.ensure_player()
        if player.playing:
            return
        self._sounding = None
        self._resound()
        if self.sound is not None:
            self.sound.apply(opening=True)  # the sound device opens at the first Play
        player.start()
        self.on_status()

    def stop(self) -> None:
        if self.player is not None and self.player.playing:
            self.player.stop()
        self.on_status()

    def toggle_play(self) -> bool:
        """Play or stop; whether it plays now (following a DAW's clock: whether it is armed to play along)."""
        on = self.armed if self.sync == "midi" else self.playing
        (self.stop if on else self.play)()
        return self.armed if self.sync == "midi" else self.playing

    def step_sounded(self, bar: int, step: int) -> "Playhead":
        """A step sounded (the player's count of bars since Play): where that is, what the grid should show and,
        with the live morph on, how far the morph has come. Following, the grid moves to the bar that sounds
        (not an edit: nothing is saved for it). While the pad plays, its bar sounds, and the caption says so."""
        morph, pad = None, ""
        if self.pad.live and self.pad.ready():
            bars, pad = self.pad.bars(), self.pad.caption(bar)
        elif self.morph_live and self.morph_ready():
            source = self.live_morph_source()
            bars = source.plan.bars
            leg, to_b = source.leg(bar)
            morph = MorphProgress(leg + 1, source.over_bars, source.position(bar), "B" if to_b else "A")
        else:
            bars = self.pattern.bars
        playing = bar % bars
        if self.session.settings.follow and playing < self.pattern.bars:
            self.session.view_bar = playing
        shown = self.session.view_bar
        return Playhead(playing, step, shown, step if shown == playing else -1, morph, pad)

    def morph_bar(self, bar: int) -> Pattern:
        """Bar `bar` (the player's count) of the live morph as it sounds: what the grid shows while following it."""
        return self.live_morph_source().bar(bar)

    def set_follow(self, on: bool) -> None:
        """While playing, the grid shows the bar that sounds (on), or stays on the bar chosen (off). Saved."""
        self.session.settings.follow = bool(on)
        self._changed(sound=False)

    def morph_state(self) -> Optional[float]:
        """Where the groove shown sits on the morph from A to B (0 is A, 1 is B), or None when it is not on it
        (an edit, a sample, an undo to something else): the slider's label follows the groove, not the slider."""
        s = self.session
        if s.slot_a is None or s.slot_b is None:
            return None
        if s.take.label in ("morph", "morph end") and id(s.take) in self._morph_takes:
            return self._morph_takes[id(s.take)][1]
        for end, take in ((0.0, s.slot_a), (1.0, s.slot_b)):
            if s.pattern == take.pattern:
                return end
        return None

    def _commit_morph(self, take: Take, t: float) -> None:
        """A groove from the slider: kept with its position, so undo and redo can say where on the morph it is."""
        self.session.commit(take)
        live = {id(x) for x in (*self.session.undo_stack, *self.session.redo_stack, self.session.take)}
        self._morph_takes = {k: v for k, v in self._morph_takes.items() if k in live}
        self._morph_takes[id(take)] = (take, t)  # the take is held, so its id is never reused meanwhile

    def set_transport(self, bpm: Optional[float] = None, swing: Optional[float] = None,
                      channel: Optional[int] = None, note_map: Optional[str] = None) -> None:
        """Tempo, swing, MIDI channel (1-16) and note map: saved, and heard from the next step."""
        st = self.session.settings
        if bpm is not None:
            st.bpm = limits.BPM.check("BPM", bpm)
        if swing is not None:
            st.swing = limits.SWING.check("swing", swing)
        if channel is not None:
            st.channel = limits.CHANNEL.check("channel", channel)
        if note_map is not None:
            note_maps.resolve(note_map, self.config)  # an unknown map is refused here, with its name
            st.note_map = note_map
        if self.player is not None:
            ps = self.player_settings()
            self.player.update(bpm=ps.bpm, swing=ps.swing, channel=ps.channel, note_map=ps.note_map)
        self._changed(sound=bpm is not None)  # a feel that reads the tempo plays otherwise at another

    def ports(self) -> list[str]:
        """The ports the player can play into, besides its own virtual port."""
        return self._other_ports("out")

    def set_port(self, port: str) -> None:
        """Play into `port` ("" for the virtual port): the player is remade on it, still playing if it was."""
        self.session.settings.port = port
        if self.player is not None:
            playing = self.player.playing
            self.player.close()
            self.player = None
            if playing:
                self.play()
        self._changed(sound=False)

    # --- clips -----------------------------------------------------------------------------------------------
    def clip_patterns(self) -> list[Pattern]:
        """What a clip holds, as it sounds: the pattern with its feel and without its muted instruments, or with
        the live morph on, one pass of the morph from A to B; with the pad on, what the pad plays (one pass of its
        path)."""
        if self.pad.live and self.pad.ready():
            patterns = [self.pad.performance()]
        elif self.morph_live and self.morph_ready():
            source = self.live_morph_source()
            patterns = [Pattern.concat(source.bar(i) for i in range(source.over_bars))]
        else:
            patterns = [self.performed()]
        silent = sorted(self.session.audible())
        if not silent:
            return patterns
        out = []
        for p in patterns:
            v = p.velocities.copy()
            v[..., silent] = 0
            out.append(Pattern(v, p.offsets))
        return out

    def write_clip(self, path: Path, track_name: str = "drummachine") -> Path:
        """The clip as it sounds (tempo, swing, feel, mutes, note map) at `path`; ClipWriteError names why not."""
        st = self.session.settings
        notes = self.player_settings().note_map
        return write_clip(self.clip_patterns(), path, bpm=st.bpm, swing=st.swing, note_map=notes,
                          track_name=track_name)

    def export(self, path: Path) -> bool:
        """The clip as it sounds (tempo, swing, feel, mutes, note map) written to `path`; False and a notice
        naming the path when it cannot be."""
        try:
            self.write_clip(path)
        except ClipWriteError as exc:
            self.say(str(exc))
            return False
        self.say(f"exported {path}")
        return True

    def temp_clip(self) -> Path:
        """A clip in the temporary folder, for dragging into a DAW."""
        folder = Path(tempfile.gettempdir()) / "drummachine-clips"
        folder.mkdir(exist_ok=True)
        return self.write_clip(folder / f"groove-{self.session.take.seed or 'edit'}-{time.time_ns()}.mid")

    # --- lifetime --------------------------------------------------------------------------------------------
    def save(self) -> bool:
        try:
            self.session.save(self.config)
        except OSError as exc:
            self.say(f"could not save the session: {exc}")
            return False
        self.unsaved = False
        return True

    def close(self) -> None:
        self.save()
        if self.player is not None:
            self.player.close()
            self.player = None
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)


def _read_file(path: Path):
    """A slot's groove from a file: a bad file comes back as its error (a notice), not as a failure."""
    try:
        return read_groove(path)
    except MidiReadError as exc:
        return exc
