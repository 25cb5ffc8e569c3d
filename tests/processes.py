"""Ending a helper process the tests started (a server, a MIDI client): politely, then for sure."""

from __future__ import annotations

import subprocess
from typing import Optional


def end(proc: Optional[subprocess.Popen], grace_s: float = 5.0) -> Optional[int]:
    """SIGTERM, and SIGKILL if it is still there after `grace_s`; its exit status (None if it had to be killed
    or was never started). Safe on a process that has already exited."""
    if proc is None:
        return None
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None
