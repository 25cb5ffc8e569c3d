"""The JACK test helper frees the server slots of killed servers: jack2 has eight per machine, and the fault
tests kill servers with -9, so without this later servers would fail to start."""

import struct
import subprocess

import pytest

from jack_server import REGISTRY, REGISTRY_HEADER, SERVER_SLOT, JackServer, jack_available, reclaim_dead_server_slots


def slot_pids() -> list[int]:
    data = REGISTRY.read_bytes()
    return [struct.unpack_from("<i", data, REGISTRY_HEADER + i * SERVER_SLOT)[0] for i in range(8)]


@pytest.mark.skipif(not jack_available(), reason="jackd is not installed")
def test_a_killed_server_s_slot_is_freed_and_a_live_one_kept():
    import uuid

    live = JackServer(f"dml{uuid.uuid4().hex[:6]}").start()
    killed = JackServer(f"dmk{uuid.uuid4().hex[:6]}").start()
    try:
        killed_pid = killed.proc.pid
        killed.kill()
        assert killed_pid in slot_pids()
        assert reclaim_dead_server_slots() >= 1
        pids = slot_pids()
        assert killed_pid not in pids and live.proc.pid in pids
        assert subprocess.run(["jack_wait", "-s", live.name, "-c"], capture_output=True).returncode == 0
    finally:
        live.stop()
