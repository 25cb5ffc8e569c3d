import os
import random
import subprocess
import sys
import time

import pytest

from drummachine.safe_files import STALE_SECONDS, atomic_write, remove_stale_temps, set_aside
from drummachine.studio.session import Session

# Saves a session with a long history (about 300 kB) over and over until killed: an autosave caught mid-write.
AUTOSAVER = """
import sys
from pathlib import Path
import numpy as np
from drummachine.groove.pattern import Pattern
from drummachine.studio.session import Session, Take
rng = np.random.default_rng(0)
s = Session()
for i in range(101):
    s.commit(Take(Pattern(rng.integers(0, 128, (16, 16, 9))), seed=i, label="sample"))
for _ in range(50):
    s.undo()
s.save(Path(sys.argv[1]))
print("saving", flush=True)
while True:
    s.save(Path(sys.argv[1]))
"""


def _temps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_name_as_long_as_the_file_system_allows_is_written(tmp_path):
    target = tmp_path / ("g" * 251 + ".mid")
    atomic_write(target, lambda fh: fh.write(b"MThd"))
    assert target.read_bytes() == b"MThd" and _temps(tmp_path) == []


def test_a_folder_is_not_a_file_name(tmp_path):
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "", lambda fh: fh.write(b"x"))


def test_a_failed_write_leaves_neither_a_temp_file_nor_a_half_file(tmp_path):
    target = tmp_path / "groove.mid"
    target.write_bytes(b"old")

    def fail(fh):
        fh.write(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_write(target, fail)
    assert target.read_bytes() == b"old" and _temps(tmp_path) == []


def test_temp_files_of_dead_writers_are_removed_and_a_live_writers_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    target = tmp_path / "session.json"
    left = tmp_path / f".session.json.{dead.stdout.strip()}.0badf00d.tmp"
    live = tmp_path / f".session.json.{os.getppid()}.0badf00d.tmp"
    other = tmp_path / f".note_maps.json.{dead.stdout.strip()}.0badf00d.tmp"
    for p in (left, live, other):
        p.write_bytes(b"{")
    assert remove_stale_temps(target) == [left]
    assert _temps(tmp_path) == sorted([live.name, other.name])


def test_an_old_temp_file_is_removed_whatever_its_pid_says(tmp_path):
    live = tmp_path / f".session.json.{os.getppid()}.0badf00d.tmp"
    live.write_bytes(b"{")
    assert remove_stale_temps(tmp_path / "session.json", now=time.time() + STALE_SECONDS + 1) == [live]


def test_set_aside_never_overwrites_an_earlier_copy(tmp_path):
    copies = [set_aside(tmp_path / "session.json", bytes([n])) for n in range(3)]
    assert len(set(copies)) == 3 and [c.read_bytes() for c in copies] == [b"\x00", b"\x01", b"\x02"]


def test_kill_9_during_autosave_leaves_no_temp_file_after_the_next_load(tmp_path):
    rng = random.Random(9)
    left_by_kills = 0
    for _ in range(24):
        child = subprocess.Popen([sys.executable, "-c", AUTOSAVER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline() == "saving\n"
        time.sleep(rng.uniform(0.0, 0.05))
        child.kill()
        child.wait()
        child.stdout.close()
        left_by_kills += bool(_temps(tmp_path))
        session, notice = Session.load(tmp_path)
        assert notice == "" and len(session.undo_stack) == 50 and _temps(tmp_path) == []
    assert left_by_kills >= 1  # the kills did land mid-write, so the clean-up was exercised
