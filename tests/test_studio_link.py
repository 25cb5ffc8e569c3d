"""The studio's Link switch with a real Link peer, both inside a private network namespace (tests/netns.py):
tempo set on either side is followed by the other, and the status line shows the peer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from link_peer import PeerProcess
from netns import NetNamespace, link_unavailable

pytestmark = pytest.mark.skipif(link_unavailable() is not None, reason=link_unavailable() or "")

STUDIO = '''
import faulthandler, json, sys, time, tempfile
faulthandler.enable()
from pathlib import Path
from drummachine.audio.sounding_player import SilentOutput
from drummachine.live.player import Player
from drummachine.studio.session import Session
from drummachine.studio.studio import Studio

def make(open_output, source, settings, **options):
    return Player(SilentOutput, source, settings, **options)

s = Studio(None, Session(), Path(tempfile.mkdtemp()), api=None, make_player=make)
assert s.set_sync("link"), s.notice
deadline = time.monotonic() + 10
while s.shared_clock()[1] < 1 and time.monotonic() < deadline:
    time.sleep(0.05)
print(json.dumps({"peers": s.shared_clock()[1]}), flush=True)
s.set_transport(bpm=100)
print(json.dumps({"set": 100}), flush=True)
sys.stdin.readline()  # the peer has changed the tempo
deadline = time.monotonic() + 5
while abs(s.shared_clock()[0] - 133) > 0.01 and time.monotonic() < deadline:
    time.sleep(0.02)
bpm, peers = s.shared_clock()
print(json.dumps({"bpm": bpm, "session_bpm": s.session.settings.bpm, "status": s.status_line(),
                  "clock": s.player.clock.name}), flush=True)
s.set_sync("internal")
print(json.dumps({"clock": s.player.clock.name, "status": s.status_line()}), flush=True)
s.close()
'''


def answer(studio: subprocess.Popen) -> dict:
    """The studio process's next JSON line; if it ended instead, fail with what it printed on stderr."""
    line = studio.stdout.readline()
    if not line:  # end of file: the process closed its output
        try:
            _, err = studio.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            studio.kill()
            _, err = studio.communicate()
        pytest.fail(f"the studio process ended (exit {studio.poll()}) without answering: {err}")
    return json.loads(line)


def test_the_studios_link_switch_shares_tempo_both_ways_with_a_peer():
    with NetNamespace() as ns:
        peer = PeerProcess(ns, "raw", 120.0)
        studio = ns.popen([sys.executable, "-c", STUDIO], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
        try:
            assert answer(studio)["peers"] == 1
            assert answer(studio) == {"set": 100}
            assert peer(op="wait", what="bpm", value=100.0, timeout_s=5)["ok"], "the peer never took the studio's tempo"
            peer(op="tempo", bpm=133.0)
            studio.stdin.write("\n")
            studio.stdin.flush()
            seen = answer(studio)
            assert seen["bpm"] == pytest.approx(133.0, abs=0.01) and seen["session_bpm"] == 133.0
            assert seen["clock"] == "link" and "Link: 1 peer" in seen["status"]
            back = answer(studio)
            assert back["clock"] == "internal" and "Link" not in back["status"]
            assert studio.wait(20) == 0, studio.stderr.read()
        finally:
            if studio.poll() is None:
                studio.kill()
            peer.close()
