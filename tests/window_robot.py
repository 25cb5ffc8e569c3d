"""A robot musician for the real window: the installed `drummachine` on an X server and a JACK server,
driven by seeded random clicks and keys, watched for crashes, memory, threads and lost notes.

Used by tests/test_window_soak.py (a few minutes, in CI) and bench/soak_window.py (30 minutes). The app
runs as its own process exactly as a musician starts it; the robot only clicks, types and listens.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from jack_server import JackServer
from note_audit import WHOLE, Audit, audit_listeners, is_note_on, notes_after_stop, take_ended
from soak_app import App, Tap, app_command
from xvfb import XServer, missing_x_tools, screenshot

HERE = Path(__file__).resolve().parent
QUIET_S = 3.0  # after the robot's last input, what it asked for has happened (a generation takes ~0.1 s)
MIN_AUDIT_HITS = 8  # fewer hits in the loop and the robot generates a groove before an audit


@dataclass
class SoakConfig:
    """How long and how the robot plays; the CI test and the bench differ only in these."""

    seconds: float = 150.0  # of robot play, after the window is up
    warmup_s: float = 20.0  # RSS growth is measured from here: model load, first paints and caches are done
    seed: int = 1
    audit_every_s: float = 40.0  # a note audit (stop, play a known pattern, compare) this often, and at the end
    audit_play_s: float = 4.0
    sample_every_s: float = 2.0  # RSS and thread samples
    start_timeout_s: float = 120.0
    pause_s: tuple[float, float] = (0.05, 0.35)  # between two actions
    evidence_dir: Optional[Path] = None  # an audit that lost notes leaves its session and MIDI here


@dataclass
class SoakReport:
    """What a soak measured (nothing here is estimated: every figure is a sample, a count or a comparison)."""

    seconds: float = 0.0
    actions: dict = field(default_factory=dict)
    # RSS swings by ~100 MiB between samples (a model run allocates, the allocator hands it back later), so
    # growth compares floors: the lowest sample in the first third after the warm-up with the lowest in the
    # last third. Leaked memory is never handed back, so a leak lifts the floor; a passing peak does not.
    rss_start_kb: int = 0  # when the window was up
    rss_warm_kb: int = 0  # floor of the first third after the warm-up
    rss_end_kb: int = 0  # floor of the last third
    rss_max_kb: int = 0
    threads_start: int = 0
    threads_end: int = 0
    threads_max: int = 0
    notes_received: int = 0
    audits: int = 0
    audit_steps: int = 0  # the takes' complete steps (the longest listener's)
    audit_judged_steps: float = 0.0  # of them, the steps the audits judged (where the listeners' whole takes reached)
    notes_expected: int = 0  # in the audits
    notes_lost: int = 0
    notes_extra: int = 0
    note_worst_ms: float = 0.0  # the largest distance of an audited note from its place (told, not judged)
    note_misses: list[str] = field(default_factory=list)  # the audits' lost and extra notes in words (the first 20)
    notes_lost_by_listener: list = field(default_factory=lambda: [0, 0])  # the tap's and the dump's own misses
    audit_steps_by_listener: list = field(default_factory=lambda: [0, 0])  # the steps each of them heard
    audits_a_listener_cut: int = 0  # audits in which a listener heard under 90% of the take's complete steps
    notes_lost_in_xruns: int = 0  # in the audits: lost where the JACK server said it missed a cycle (note_audit)
    audit_xruns: list = field(default_factory=list)  # the server's xrun lines during the audits' takes (first 20)
    server_xruns: int = 0  # the server's xrun lines over the whole soak
    notes_after_stop: int = 0
    dialogs_closed: int = 0
    incidents: list = field(default_factory=list)  # what a musician would have noticed (see Robot.incident)
    alive: bool = False  # the app still ran when the robot finished
    exit_status: Optional[int] = None  # after the robot closed the window as a musician would
    error: str = ""  # what stopped the soak early, if anything
    app_output_tail: str = ""

    @property
    def growth_pct(self) -> float:
        """RSS growth from the first third after the warm-up to the last third, in percent."""
        return 100.0 * (self.rss_end_kb - self.rss_warm_kb) / self.rss_warm_kb if self.rss_warm_kb else 0.0

    def to_json(self) -> dict:
        return {**asdict(self), "rss_growth_pct": round(self.growth_pct, 2)}


def soak_unavailable(python: Path = Path(sys.executable)) -> str:
    """Why a soak cannot run here ('' when it can)."""
    missing = missing_x_tools() + [tool for tool in ("jackd", "jack_midi_dump", "stdbuf") if not shutil.which(tool)]
    if missing:
        return f"{', '.join(missing)} not installed (scripts/setup.sh --test installs them)"
    if not app_command(python).exists():
        return f"no drummachine console script beside {python} (pip install -e .)"
    return ""


class Robot:
    """Seeded random actions on the window: clicks anywhere, buttons, keys, drags on the grid and the morph."""

    def __init__(self, app: App, tap: Tap, layout: dict[str, list[int]], seed: int,
                 evidence_dir: Optional[Path] = None, server: Optional[JackServer] = None):
        self.app, self.tap, self.layout, self.evidence_dir = app, tap, layout, evidence_dir
        self.server = server  # its xrun lines place the notes of a cycle it dropped (note_audit.py)
        self.xrun_lines: list[str] = []  # those that came during the audits' takes
        self.rng = random.Random(seed)
        self.actions: Counter = Counter()
        self.dialogs_closed = 0
        self.incidents: list[str] = []
        self.last_input = time.monotonic()
        self.open_panel = "morph"  # the tab the window shows
        self.menu: list[tuple[float, Callable[[], None]]] = [
            (30, self.click_anywhere), (8, self.generate), (6, self.variation), (8, self.play_stop),
            (7, self.undo), (3, self.redo), (8, self.morph_drag), (6, self.paint_drag), (5, self.fill_slot),
            (1, self.live_morph), (3, self.candidates), (3, self.knob), (2, self.pad),
        ]

    # --- aiming ------------------------------------------------------------------------------------------
    def point_in(self, name: str) -> tuple[int, int]:
        x, y, w, h = self.layout[name]
        return self.rng.randint(x + 2, x + w - 3), self.rng.randint(y + 2, y + h - 3)

    def centre(self, name: str) -> tuple[int, int]:
        x, y, w, h = self.layout[name]
        return x + w // 2, y + h // 2

    def click(self, x: int, y: int) -> None:
        self.last_input = time.monotonic()
        self.app.xdo("mousemove", "--window", str(self.app.window), str(x), str(y), "click", "1")

    def key(self, keys: str) -> None:
        self.last_input = time.monotonic()
        self.app.xdo("key", keys)

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> None:
        w = str(self.app.window)
        self.last_input = time.monotonic()
        self.app.xdo("mousemove", "--window", w, *map(str, start), "mousedown", "1", "sleep", "0.05",
                     "mousemove", "--window", w, *map(str, end), "sleep", "0.05", "mouseup", "1")

    # --- what a musician does ----------------------------------------------------------------------------
    def click_anywhere(self) -> None:
        """Anywhere but the live-morph box, the candidates and, unless another panel is known to be open, the pad's
        on, record and path buttons (the robot must know what plays, see live_morph, candidates and pad: a click on
        a candidate plays it in place of the groove, which the session file does not say, and a soak once audited
        a candidate a random click had started 3 s before as 10 lost notes), and the clock list (a DAW's clock
        chosen by chance would leave Play waiting for a DAW that never starts)."""
        x, y, w, h = self.layout["window"]
        names = ["morph_live", "candidate_strip", "sync"] + (["pad_on", "pad_record", "pad_path"]
                                                            if self.open_panel in ("", "pad") else [])
        avoid = [self.layout[name] for name in names]
        while True:
            px, py = self.rng.randrange(x, x + w), self.rng.randrange(y, y + h)
            if not any(ax - 4 <= px <= ax + aw + 4 and ay - 4 <= py <= ay + ah + 4 for ax, ay, aw, ah in avoid):
                break
        if py >= self.layout["tab_morph"][1] - 4 and py <= self.layout["tab_morph"][1] + self.layout["tab_morph"][3] + 4:
            self.open_panel = ""  # on or beside the tabs: which panel is open is not known now
        self.click(px, py)

    def panel(self, name: str) -> None:
        """Open a panel's tab (morph, knobs, output) before using its controls, as a musician does (only when
        another is open: the window opens on the morph, and only a click on a tab changes it)."""
        if self.open_panel != name:
            self.click(*self.centre(f"tab_{name}"))
            self.open_panel = name

    def generate(self) -> None:
        self.key("g") if self.rng.random() < 0.5 else self.click(*self.centre("generate"))

    def variation(self) -> None:
        self.key("v") if self.rng.random() < 0.5 else self.click(*self.centre("variation"))

    def play_stop(self) -> None:
        self.key("space") if self.rng.random() < 0.7 else self.click(*self.centre("play"))

    def undo(self) -> None:
        self.key("ctrl+z") if self.rng.random() < 0.7 else self.click(*self.centre("undo"))

    def redo(self) -> None:
        self.key("ctrl+shift+z") if self.rng.random() < 0.7 else self.click(*self.centre("redo"))

    def morph_drag(self) -> None:
        self.panel("morph")
        y = self.centre("morph_slider")[1]
        x, _, w, _ = self.layout["morph_slider"]
        self.drag((self.rng.randint(x, x + w), y), (self.rng.randint(x, x + w), y))

    def paint_drag(self) -> None:
        self.drag(self.point_in("grid"), self.point_in("grid"))

    def fill_slot(self) -> None:
        self.panel("morph")
        self.click(*self.centre(f"slot_{self.rng.choice('AB')}_{self.rng.choice(['current', 'sample'])}"))

    def candidates(self) -> None:
        """A few candidates; hear one, then keep it or go back to the groove (never left auditioning: the
        note audits compare with the groove the session holds)."""
        self.key("c") if self.rng.random() < 0.5 else self.click(*self.centre("candidates"))
        if not self.settled():
            return
        x, y, w, h = self.layout["candidate_strip"]
        target = (self.rng.randint(x + 4, x + min(w, 120) - 4), y + h // 2)  # the first thumbnail
        self.click(*target)
        time.sleep(self.rng.uniform(0.2, 1.5))
        if self.rng.random() < 0.4:
            self.app.xdo("mousemove", "--window", str(self.app.window), *map(str, target), "click", "--repeat", "2",
                         "1")
        else:
            self.click(*target)

    def knob(self) -> None:
        names = [n for n in self.layout if n.startswith("knob_")]
        if names:
            self.panel("knobs")
            x, y, w, h = self.layout[self.rng.choice(names)]
            self.drag((self.rng.randint(x + 2, x + w - 3), y + h // 2), (self.rng.randint(x + 2, x + w - 3), y + h // 2))

    def live_morph(self) -> None:
        """Both slots from the model, the live morph on for a few seconds, then off again."""
        self.panel("morph")
        self.click(*self.centre("slot_A_sample"))
        self.click(*self.centre("slot_B_sample"))
        if not self.settled() or not all((self.app.session().get(k) or {}).get("z") for k in ("slot_a", "slot_b")):
            return  # the slots did not fill (the window is busy): no morph this time
        self.panel("morph")  # a click while the slots filled may have opened another panel
        self.click(*self.centre("morph_live"))
        time.sleep(self.rng.uniform(1.0, 4.0))
        self.panel("morph")
        self.click(*self.centre("morph_live"))

    def pad_ready(self) -> bool:
        """The pad's four corners hold grooves with codes, as the session file says: the pad can be switched on."""
        corners = (self.app.session().get("pad") or {}).get("corners") or []
        return len(corners) == 4 and all(c and c.get("z") for c in corners)

    def fill_corner(self, corner: int) -> None:
        """Right-click near a corner of the pad and pick the groove or a new sample from the menu that opens there
        (a popup takes no keys here: there is no window manager to give it the focus)."""
        x, y, w, h = self.layout["pad_surface"]
        at = (x + 12 if corner % 2 == 0 else x + w - 12, y + 12 if corner < 2 else y + h - 12)
        self.last_input = time.monotonic()
        self.app.xdo("mousemove", "--window", str(self.app.window), *map(str, at), "click", "3")
        time.sleep(0.3)
        ix, iy, iw, ih = self.layout[f"corner_menu_{self.rng.choice(['groove', 'sample'])}"]
        self.click(at[0] + ix + iw // 2, at[1] + iy + ih // 2)

    def pad(self) -> None:
        """The 4-corner pad: its corners filled from their menus when they are not, the pad on, the dot dragged
        while it plays, a path recorded and played back (the first time, then now and then), then the pad off
        again (never left on: the note audits compare with the groove the session holds)."""
        self.key("Escape")  # a list a random click opened would take the next click
        self.panel("pad")
        if not self.pad_ready():
            for corner in range(4):
                self.fill_corner(corner)
                self.close_dialogs()
            if not self.settled() or not self.pad_ready():
                return  # the corners did not fill (the window is busy): no pad this time
            self.key("Escape")
            self.panel("pad")
        if not self.tap.playing:
            self.key("space")
        self.click(*self.centre("pad_on"))
        for _ in range(self.rng.randint(1, 3)):  # moves heard at the next bar lines
            self.drag(self.point_in("pad_surface"), self.point_in("pad_surface"))
            time.sleep(self.rng.uniform(0.3, 1.5))
        if self.rng.random() < 0.5 or not self.actions["pad"]:  # the first time always: a path recorded and played
            self.click(*self.centre("pad_record"))
            self.drag(self.point_in("pad_surface"), self.point_in("pad_surface"))
            self.click(*self.centre("pad_record"))
            self.click(*self.centre("pad_path"))
            time.sleep(self.rng.uniform(0.5, 2.0))
            self.click(*self.centre("pad_path"))  # the dot again, the pad still on
        self.key("Escape")
        self.click(*self.centre("pad_on"))

    def warm_up(self) -> None:
        """Every kind of action once, a 16-bar groove included, so each model graph has run and allocated
        before the memory baseline is taken."""
        self.click(*self.centre("bars"))
        self.key("End")
        self.key("Return")
        for action in (self.generate, self.variation, self.fill_slot, self.morph_drag, self.paint_drag,
                       self.undo, self.redo, self.live_morph, self.candidates, self.knob, self.pad, self.play_stop,
                       self.play_stop):
            action()
            self.actions[action.__name__] += 1
            self.close_dialogs()
            time.sleep(0.3)

    # --- keeping the robot honest --------------------------------------------------------------------------
    def step(self) -> None:
        weights, actions = zip(*self.menu)
        action = self.rng.choices(actions, weights)[0]
        action()
        self.actions[action.__name__] += 1
        self.close_dialogs()

    def close_dialogs(self) -> None:
        """A click on Export or a file button opens a modal file chooser: Escape closes it, as a musician would."""
        for _ in range(3):
            if not self.app.other_windows():
                return
            self.key("Escape")
            self.dialogs_closed += 1
            time.sleep(0.2)

    @staticmethod
    def wait(condition: Callable[[], bool], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def press_play_until(self, playing: bool) -> bool:
        """Click Play until the MIDI says it plays (or stopped). A click can be spent closing a combo box's
        list that a random click opened, as for a musician, so up to three clicks. False (and the evidence
        kept as an incident) if the MIDI never said so."""
        for _ in range(3):
            if self.tap.playing == playing:
                return True
            self.click(*self.centre("play"))
            self.wait(lambda: self.tap.playing == playing, 2)
        if self.tap.playing == playing:
            return True
        self.incident(f"three clicks on Play did not {'start' if playing else 'stop'} playback")
        return False

    def incident(self, what: str) -> None:
        """Something a musician would notice: counted, and with an evidence folder, the screen, the JACK
        connections and the last MIDI kept beside it."""
        self.incidents.append(f"{time.strftime('%H:%M:%S')} {what}")
        if self.evidence_dir is None:
            return
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        stem = self.evidence_dir / f"incident-{len(self.incidents)}"
        screenshot(self.app.display, stem.with_suffix(".png"))
        stem.with_suffix(".json").write_text(json.dumps({
            "what": what, "jack_connections": self.tap.connections(), "other_windows": self.app.other_windows(),
            "session": self.app.session(), "last_midi": self.tap.read()[-50:]}))

    def settled(self, timeout_s: float = 15) -> bool:
        """Nothing pending: QUIET_S since the robot's last input (a generation it asked for has landed, the
        autosave 0.4 s after it written) and the session file untouched for 1.5 s."""
        time.sleep(max(0.0, self.last_input + QUIET_S - time.monotonic()))
        return self.wait(lambda: self.app.session_age_s() > 1.5, timeout_s)

    def make_audible(self) -> bool:
        """Before an audit: unmute and unsolo everything and, if the groove is nearly empty, generate one, so
        the audit has notes to count. False if the window did not settle."""
        settings = self.app.session()["settings"]
        for flag, key in (("mute", "muted"), ("solo", "soloed")):
            for cls in settings[key]:
                self.click(*self.centre(f"{flag}_{cls}"))
        if self.app.expectation().velocities.astype(bool).sum() < MIN_AUDIT_HITS:
            self.click(*self.centre("generate"))
        return self.settled()

    def audit(self, play_s: float) -> Optional[Audit]:
        """Stop, let the window settle, play the saved pattern for `play_s`, stop, compare the notes."""
        self.close_dialogs()
        self.key("Escape")  # a combo box's open list
        if not self.press_play_until(False) or not self.settled() or not self.make_audible() or not self.settled():
            return None
        expect, session = self.app.expectation(), self.app.session()
        self.tap.connect()
        first, first_dumped = len(self.tap.read()), len(self.tap.dump.read())
        began_ns = time.monotonic_ns()
        if not self.press_play_until(True):
            return None
        time.sleep(play_s)
        if not self.press_play_until(False):
            return None
        self.wait(lambda: take_ended([m for _, m in self.tap.dump.read()[first_dumped:]]), 2)  # the dump's lag
        timed, dumped = self.tap.read()[first:], self.tap.dump.read()[first_dumped:]
        time.sleep(0.2)  # the server's lines about the take's last cycles
        xruns = self.server.xruns(began_ns) if self.server is not None else []
        origin = self.tap.first_arrival_ns()
        self.xrun_lines += [f"{(t - began_ns) / 1e6:.0f} ms after Play was pressed: {line}" for t, line in xruns]
        result = audit_listeners([([m for _, m in timed], [t for t, _ in timed]),
                                  ([m for _, m in dumped], [t for t, _ in dumped])], expect,
                                 xruns_ns=[t - origin for t, _ in xruns] if origin is not None else [])
        if (result.lost or result.extra or any(result.lost_by_listener)) and self.evidence_dir is not None:
            self.evidence_dir.mkdir(parents=True, exist_ok=True)
            path = self.evidence_dir / f"audit-{time.strftime('%H%M%S')}.json"
            path.write_text(json.dumps({"audit": asdict(result), "session": session, "midi": timed,
                                        "dumped": dumped, "xruns": xruns, "tap_origin_ns": origin}))
        return result


def run_soak(config: SoakConfig, layout: dict[str, list[int]], folder: Optional[Path] = None,
             progress: Callable[[str], None] = lambda line: None) -> SoakReport:
    """Start X, JACK, the tap and the app; let the robot play for config.seconds; report what was measured."""
    report = SoakReport()
    with tempfile.TemporaryDirectory(prefix="soak-", dir=folder) as tmp, XServer() as x:
        tmp = Path(tmp)
        jack = _start_jack()
        tap = app = None
        try:
            env = {**os.environ, **jack.env}
            tap = Tap(tmp, env, jack.rate)
            app = App(tmp, x.display, jack.env)
            app.wait_for_window(config.start_timeout_s)
            if not Robot.wait(lambda: (app.config / "session.json").exists(), config.start_timeout_s):
                raise RuntimeError(f"the window saved no session: {app.output_tail()}")
            if app.window_size() != tuple(layout["window"][2:]):
                raise RuntimeError(f"the window is {app.window_size()}, the layout was taken at {layout['window'][2:]}")
            tap.connect()
            robot = Robot(app, tap, layout, config.seed, config.evidence_dir, jack)
            _run_robot(config, report, app, tap, robot, progress)
        except RuntimeError as exc:
            report.error = str(exc)
        finally:
            if app is not None:
                report.alive = app.proc.poll() is None
                report.exit_status = app.close()
                report.app_output_tail = app.output_tail()
            if tap is not None:
                tap.close()
                timed = tap.timed
                report.notes_received = sum(1 for _, m in timed if is_note_on(m))
                report.notes_after_stop = notes_after_stop([m for _, m in timed])
            report.server_xruns = len(jack.xruns())
            jack.stop()
    return report


def _start_jack(tries: int = 6, pause_s: float = 10.0) -> JackServer:
    """A JACK server of our own. jackd refuses with 'Too many servers already active' while other test runs
    on this machine hold the registry's eight server slots (seen here), so wait for one to free up."""
    for attempt in range(tries):
        try:
            return JackServer(f"dmsoak{uuid.uuid4().hex[:8]}", period=128).start()
        except RuntimeError:
            if attempt == tries - 1:
                raise
            time.sleep(pause_s)
    raise AssertionError("unreachable")


def _run_robot(config: SoakConfig, report: SoakReport, app: App, tap: Tap, robot: Robot,
               progress: Callable[[str], None]) -> None:
    samples: list[tuple[float, int, int]] = []  # (seconds since start, RSS kB, threads)
    started = time.monotonic()

    def sample() -> None:
        st = app.status()
        samples.append((time.monotonic() - started, st["VmRSS"], st["Threads"]))

    sample()
    robot.warm_up()
    next_sample = next_audit = started + config.warmup_s
    while time.monotonic() - started < config.seconds:
        if app.proc.poll() is not None:
            raise RuntimeError(f"the app exited ({app.proc.returncode}) after {time.monotonic() - started:.0f} s")
        robot.step()
        now = time.monotonic()
        if now >= next_sample:
            sample()
            next_sample = now + config.sample_every_s
        if now >= next_audit:
            _audit(robot, report, config)
            next_audit = time.monotonic() + config.audit_every_s
            progress(f"{now - started:6.0f} s  {sum(robot.actions.values()):6d} actions  "
                     f"RSS {samples[-1][1] / 1024:.0f} MiB  threads {samples[-1][2]}  audits {report.audits}, "
                     f"notes {report.notes_expected} expected, {report.notes_lost} lost")
        time.sleep(robot.rng.uniform(*config.pause_s))
    _audit(robot, report, config)
    sample()
    _summarise(report, samples, config.warmup_s)
    report.seconds = round(time.monotonic() - started, 1)
    report.actions = dict(robot.actions)
    report.dialogs_closed = robot.dialogs_closed
    report.incidents = robot.incidents


def _summarise(report: SoakReport, samples: list[tuple[float, int, int]], warmup_s: float) -> None:
    report.rss_start_kb, report.threads_start = samples[0][1], samples[0][2]
    report.threads_end = samples[-1][2]
    report.rss_max_kb = max(s[1] for s in samples)
    report.threads_max = max(s[2] for s in samples)
    warm = [s for s in samples if s[0] >= warmup_s] or samples[-1:]
    third = max(len(warm) // 3, 1)
    report.rss_warm_kb = min(s[1] for s in warm[:third])
    report.rss_end_kb = min(s[1] for s in warm[-third:])


def _audit(robot: Robot, report: SoakReport, config: SoakConfig) -> None:
    result = robot.audit(config.audit_play_s)
    if result is None:
        return
    report.audits += 1
    report.audit_steps += result.steps
    report.audit_judged_steps = round(report.audit_judged_steps + result.judged_steps, 2)
    report.notes_expected += result.expected
    report.notes_lost += result.lost
    report.notes_extra += result.extra
    report.note_misses = (report.note_misses + [f"audit {report.audits}: {m}" for m in result.misses])[:20]
    report.note_worst_ms = max(report.note_worst_ms, result.worst_ms)
    report.notes_lost_by_listener = [a + b for a, b in zip(report.notes_lost_by_listener, result.lost_by_listener)]
    report.audit_steps_by_listener = [a + b for a, b in zip(report.audit_steps_by_listener,
                                                            result.steps_by_listener)]
    report.audits_a_listener_cut += min(result.steps_by_listener) < WHOLE * result.steps
    report.notes_lost_in_xruns += result.lost_in_xruns
    report.audit_xruns = robot.xrun_lines[:20]


def control_layout(python: Path = Path(sys.executable)) -> dict[str, list[int]]:
    """The window's control rectangles, from window_layout.py run offscreen in its own process."""
    done = subprocess.run([str(python), str(HERE / "window_layout.py")], capture_output=True, text=True,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"window_layout.py failed: {done.stderr[-1000:]}")
    return json.loads(done.stdout)
