"""Live MIDI when the server fails: a crash and restart while following a clock, a long loaded run whose
health probes must never cost the DAW its connection, and an outage that is reported once, not every probe.

Every test runs a real JACK server (dummy driver) and real client processes.
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from drummachine.live.sources import LoopSource
from drummachine.midi.clip import write_clip
from drummachine.groove.pattern import Pattern
from drummachine.live.player import Player, PlayerSettings
from drummachine.midi.ports import MidiInput, MidiOutput, list_ports
from jack_server import DawClock, PlayProcess, Recorder, jack_available

if not jack_available():
    if os.environ.get("CI"):
        raise RuntimeError("jackd is missing: scripts/test.sh installs jackd2")
    pytest.skip("jackd not installed (scripts/setup.sh --test installs it)", allow_module_level=True)

NOTE_ON = 0x90
PERIOD_MS = 256 / 48  # the test server's cycle


def four_on_the_floor() -> Pattern:
    kick = Pattern.empty(1)
    for s in range(0, 16, 4):
        kick = kick.with_hit(0, s, 0, 100)
    return kick


def kick_times(messages) -> np.ndarray:
    return np.array([m["t_ns"] for m in messages if m["msg"][0] == NOTE_ON | 9 and m["msg"][2] > 0])


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def drum_machine_listed() -> bool:
    return any(p.endswith(":Drum Machine") for p in list_ports("jack", "in"))


def test_following_resumes_after_a_server_crash_and_play_exits_cleanly(jack, tmp_path):
    """kill -9 of the server under `play --follow`, a new server under the same name, a new DAW on it: the
    clock input is reopened (kicks land on the new DAW's beats), and play ends with status 0, not a segfault
    from freeing a dead server's client."""
    clip = write_clip(four_on_the_floor(), tmp_path / "kick.mid", bpm=120)
    first_daw = DawClock(tmp_path, bpm=125, beats=8)
    play = PlayProcess("--follow", "DAW clock", "--pattern", str(clip))
    try:
        play.wait_for("stdout", "following the clock of DAW clock")
        time.sleep(1.0)  # the watchdog has looked at both ports at least once
        jack.kill()
        first_daw.proc.kill()
        jack.start()
        daw = DawClock(tmp_path, bpm=125, beats=8)
        play.wait_for("stderr", "clock input", "is back")
        wait_until(drum_machine_listed)
        rec = Recorder(tmp_path)
        sent = daw.play()
        time.sleep(0.2)
        got = rec.stop()
    finally:
        status = play.stop()
    assert status == 0, play.text("stderr")
    kicks = kick_times(got)
    assert len(kicks) == 8, play.text("stderr")
    lag_ms = (kicks - np.array(sent[::24])) / 1e6  # as in the follow test: 3 cycles as a rule
    assert lag_ms.min() > 0 and np.median(lag_ms) < 3 * PERIOD_MS + 0.1 and lag_ms.max() < 50, lag_ms


def test_a_long_loaded_run_under_a_clock_flood_keeps_the_daws_connection(jack, tmp_path):
    """20 s following a 600 BPM clock (240 ticks a second) with both cores busy, the health probe asking 20
    times a second: the port is never reported gone, so the recorder connected at the start gets kicks to
    the end. The old probe opened a client per look and, under load, once reported a live port missing."""
    beats, bpm = 200, 600
    burn = f"import time\nend = time.time() + {beats * 60 / bpm + 3}\nwhile time.time() < end: pass"
    faults = []
    with Player(lambda: MidiOutput("jack"), LoopSource(four_on_the_floor()), PlayerSettings(send_clock=False),
                on_fault=faults.append, watchdog_s=0.05) as player:
        daw = DawClock(tmp_path, bpm=bpm, beats=beats, hold=True)  # its port stays: no real "gone" at the end
        player.follow(lambda cb: MidiInput("jack", "DAW clock", cb))
        rec = Recorder(tmp_path)
        hogs = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(2)]
        try:
            sent = daw.play()
            time.sleep(0.2)
        finally:
            for h in hogs:
                h.kill()
        got = rec.stop()
    daw.close()
    assert not [f for f in faults if f.kind in ("output", "input")], faults
    kicks = kick_times(got)
    assert len(kicks) >= 0.95 * beats, len(kicks)  # the clock under load may lose a tick; the connection none
    assert kicks[-1] > sent[-24] - 60e9 / bpm / 2, "the recorder stopped hearing kicks before the end"


def test_an_outage_is_said_once_and_its_end_once(jack, tmp_path):
    """While the server is down, play prints nothing: one line when it goes, one when the port is back,
    however long it is away (the old loop printed a fault and five libjack lines twice a second)."""
    clip = write_clip(four_on_the_floor(), tmp_path / "kick.mid", bpm=120)
    play = PlayProcess("--pattern", str(clip), "--bpm", "150")
    try:
        play.wait_for("stdout", "playing")
        time.sleep(1.0)
        killed = time.monotonic()
        jack.kill()
        time.sleep(4.0)
        restarted = time.monotonic()
        jack.start()
        play.wait_for("stderr", "is back")
        time.sleep(1.0)
    finally:
        status = play.stop()
    lines = play.lines["stderr"]
    assert status == 0, play.text("stderr")
    # libjack's own lines as each client loses the server come within the first second; then silence
    assert not [line for at, line in lines if killed + 1.0 < at < restarted], play.text("stderr")
    assert [line for _, line in lines if "gone" in line] == ["[output] MIDI server gone; waiting for it"]
    assert [line for _, line in lines if "is back" in line] == ["[output] MIDI output Drum Machine is back"]


def test_an_open_waits_for_a_close_under_way_and_is_refused_in_a_sentence_when_it_never_ends(jack, monkeypatch):
    """A close of ours that got stuck inside libjack kept every later open waiting for good (a clean-clone test
    run hung there): an open waits for `_Jack.lifecycle`, which every open and close of ours takes, and gives up
    in one sentence."""
    import threading

    from drummachine.midi import jack_watch
    from drummachine.midi.jack_watch import JackWatch
    from drummachine.midi.ports import PortError

    lifecycle = jack_watch._libjack().lifecycle
    assert lifecycle.acquire(timeout=5)  # no close of an earlier test still under way
    closing = threading.Timer(0.3, lifecycle.release)  # a close that takes 0.3 s
    closing.start()
    started = time.monotonic()
    watch = JackWatch()
    assert time.monotonic() - started >= 0.25 and watch.server_alive()
    assert watch.close()
    monkeypatch.setattr(jack_watch, "OPEN_WAIT_S", 0.2)
    assert lifecycle.acquire(timeout=5)  # now a close that never ends
    try:
        with pytest.raises(PortError, match="has not finished opening or closing in 0.2 s .* restart drummachine"):
            MidiOutput("jack")
    finally:
        lifecycle.release()
    with MidiOutput("jack") as out:  # and once it has ended, ports open again
        assert not out.closed
