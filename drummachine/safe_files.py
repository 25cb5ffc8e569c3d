"""Writing files so that a crash or a full disk never leaves half a file where a whole one was.

The temporary file sits beside its target (a rename within one folder is atomic) under a short name:
`.` + at most 32 bytes of the target's name + `.PID.RANDOM.tmp`, so a target whose name is as long as the
file system allows still has a temporary name that fits, and a later start can tell, from the PID,
whether the writer of a left-over temporary file is still alive.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable, Optional

NAME_BYTES = 32  # of the target's name kept in its temporary file's name
STALE_SECONDS = 600.0  # a temporary file this old is left over whatever its PID says (PIDs are reused)


def _temp_prefix(path: Path) -> str:
    return "." + os.fsdecode(os.fsencode(path.name)[:NAME_BYTES]) + "."


def atomic_write(path: Path, write: Callable[[BinaryIO], None], mode: int = 0o644) -> Path:
    """Write through `write(file)` into a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    if not path.name:
        raise IsADirectoryError(f"{path} names a folder, not a file")
    tmp = path.parent / f"{_temp_prefix(path)}{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _pid_alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill(pid, 0) would end the process there; the age rule decides
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temps(path: Path, now: Optional[float] = None) -> list[Path]:
    """Delete the temporary files a killed writer of `path` left: those whose writer PID is gone, or old ones.

    Returns what was removed. A temporary file of a writer still at work is young and its PID alive: kept.
    """
    path = Path(path)
    prefix, now = _temp_prefix(path), time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        pid_text = entry.name[len(prefix):].split(".")[0]
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            dead = pid_text.isdigit() and int(pid_text) != os.getpid() and not _pid_alive(int(pid_text))
            if old or dead or not pid_text.isdigit():
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def set_aside(path: Path, data: bytes, now: Optional[datetime] = None) -> Path:
    """Keep `data` (a damaged file's bytes) as `NAME.damaged-YYYYmmdd-HHMMSS[-N]`, never over an earlier copy."""
    path = Path(path)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        aside = path.with_name(f"{path.name}.damaged-{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            with open(aside, "xb") as fh:  # exclusive: an earlier copy is never replaced
                fh.write(data)
            return aside
        except FileExistsError:
            continue
    raise FileExistsError(f"{path}: 10,000 damaged copies from {stamp} already exist")
