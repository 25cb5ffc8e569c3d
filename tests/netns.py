"""A private network namespace for Ableton Link tests and benches: peers find each other, no packet leaves.

Link finds peers by UDP multicast on every interface it sees. A test that enabled it on the machine's own
network would talk to any Link app on the LAN (and let them talk to the test). So every Link peer the tests
start runs inside a fresh network namespace that holds only the loopback device, brought up with multicast
routed to it:

    unshare -n sh -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; ...'

`NetNamespace` keeps one such namespace alive (a holder process waiting on its stdin) and starts any number
of processes inside it with `nsenter`, so a test can drive two peers separately over their pipes. As root
the namespace is a plain one; otherwise it lives in a user namespace (`unshare -r`), where the kernel allows
that. `unavailable_reason()` says in one sentence why neither works (no unshare, no ip, not permitted), for
a skip. `require_isolated()` is the last guard, called by every peer before it enables Link.

    with NetNamespace() as ns:
        proc = ns.popen([sys.executable, "tests/link_peer.py"], stdin=PIPE, stdout=PIPE)

A process inside that plays MIDI needs a server it can reach: `NamespaceJack` starts a JACK server (dummy
driver) through the namespace, so the player, its recorder and the server share it (JACK talks over unix
sockets and shared memory, which the network namespace leaves alone).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Optional, Sequence

from processes import end

# The namespace's only device is lo; it comes up with multicast on and the whole multicast range routed to it.
SETUP = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo"


def _as_root() -> bool:
    return os.geteuid() == 0


def _unshare_argv() -> list[str]:
    """A new network namespace; without root, inside a new user namespace where we are root."""
    return ["unshare", "-n"] if _as_root() else ["unshare", "-r", "-n"]


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> Optional[str]:
    """None if this machine lets us make such a namespace; else why not, as one sentence for a skip."""
    if not sys.platform.startswith("linux"):
        return "network namespaces are Linux only"
    for tool, package in (("unshare", "util-linux"), ("nsenter", "util-linux"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (Debian package {package})"
    try:
        probe = subprocess.run(_unshare_argv() + ["sh", "-c", SETUP + " && ip -o link show"],
                               capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare could not run: {exc}"
    if probe.returncode != 0:
        return f"this user may not create a network namespace ({probe.stderr.strip() or probe.returncode})"
    if not only_loopback(probe.stdout):
        return f"a fresh network namespace here holds more than lo: {probe.stdout.strip()}"
    return None


def only_loopback(ip_link_output: str) -> bool:
    """Whether `ip -o link show` lists lo and nothing else."""
    names = [line.split(":")[1].strip().split("@")[0] for line in ip_link_output.splitlines() if line.strip()]
    return names == ["lo"]


def interfaces() -> list[str]:
    """The network devices the calling process sees (its own namespace's), from /proc/self/net/dev."""
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return [line.split(":")[0].strip() for line in lines if ":" in line]


def require_isolated() -> None:
    """Refuse, loudly, to go on in a process that can see any device but lo: Link must never reach a network."""
    seen = interfaces() if sys.platform.startswith("linux") else ["(not Linux)"]
    if seen != ["lo"]:
        raise SystemExit(f"refusing to enable Link: this process sees network devices {seen}, not lo alone "
                         "(run it through tests/netns.py)")


class NetNamespace:
    """One private network namespace, alive from `__enter__` (or `open`) to `close`."""

    def __init__(self) -> None:
        self._holder: Optional[subprocess.Popen] = None
        self.closed = False

    def open(self) -> "NetNamespace":
        reason = unavailable_reason()
        if reason is not None:
            raise RuntimeError(reason)
        self._holder = subprocess.Popen(
            _unshare_argv() + ["sh", "-c", SETUP + " && echo ready && exec cat >/dev/null"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self._holder.stdout.readline().strip()
        if line != "ready":
            err = self._holder.stderr.read() if self._holder.poll() is not None else ""
            self.close()
            raise RuntimeError(f"the network namespace did not come up: {line!r} {err.strip()}")
        return self

    def enter_argv(self) -> list[str]:
        """The command prefix that runs a program inside this namespace."""
        if self._holder is None or self.closed:
            raise RuntimeError("the namespace is not open")
        pid = str(self._holder.pid)
        if _as_root():
            return ["nsenter", f"--net=/proc/{pid}/ns/net", "--"]
        return ["nsenter", "-t", pid, "--user", "--net", "--preserve-credentials", "--"]

    def popen(self, argv: Sequence[str], **kwargs) -> subprocess.Popen:
        """Start `argv` inside the namespace (Popen's keyword arguments pass through)."""
        return subprocess.Popen(self.enter_argv() + list(argv), **kwargs)

    def run(self, argv: Sequence[str], timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Run `argv` inside the namespace to its end; its output as text."""
        return subprocess.run(self.enter_argv() + list(argv), capture_output=True, text=True, timeout=timeout)

    def python(self, code: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Run Python `code` inside the namespace with this interpreter, the tests folder on its path."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parent),
                                                           os.environ.get("PYTHONPATH", "")]))
        return subprocess.run(self.enter_argv() + [sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=timeout, env=env)

    def close(self) -> None:
        """End the holder; processes still inside keep the namespace until they end. Safe to call twice."""
        if self.closed:
            return
        self.closed = True
        if self._holder is not None:
            if self._holder.stdin:
                self._holder.stdin.close()
            end(self._holder)
            for stream in (self._holder.stdout, self._holder.stderr):
                if stream:
                    stream.close()

    def __enter__(self) -> "NetNamespace":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


class NamespaceJack:
    """A JACK MIDI server (dummy driver, 128 frames at 48 kHz) started inside `ns`, alive until `close`.

    Its name is new each time, so runs beside other tests' servers never collide; `env` points a client at it.
    Realtime where the system allows it (as tests/jack_server.py does): a plain-scheduled server on a loaded
    machine misses cycles, and a MIDI event sent in a missed cycle is lost, which reads as a note not played."""

    def __init__(self, ns: NetNamespace, period: int = 128):
        from jack_server import reclaim_dead_server_slots, scheduling_modes

        self.name = f"dmlink{uuid.uuid4().hex[:8]}"
        self.closed = False
        self.proc: Optional[subprocess.Popen] = None
        reclaim_dead_server_slots()  # jack2 has 8 server slots a machine; killed servers keep theirs
        for mode in scheduling_modes():
            self.proc = ns.popen(["jackd", *mode, "-n", self.name, "-d", "dummy", "-r", "48000", "-p", str(period)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            ready = ns.run(["jack_wait", "-s", self.name, "-w", "-t", "5"], timeout=20)
            if ready.returncode == 0 and "available" in ready.stdout and self.proc.poll() is None:
                self.realtime = mode[0] == "-R"
                return
            end(self.proc)
        self.closed = True
        raise RuntimeError(f"jackd {self.name} did not start in the namespace: {ready.stdout} {ready.stderr}")

    @property
    def env(self) -> dict[str, str]:
        """The environment for a client of this server (and of no other)."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}

    def close(self) -> None:
        """Stop the server. Safe to call twice."""
        if not self.closed:
            self.closed = True
            end(self.proc)

    def __enter__(self) -> "NamespaceJack":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def link_extra_missing() -> Optional[str]:
    """Why Link cannot be imported here, as a skip reason; None when the `link` extra is installed."""
    try:
        import link  # noqa: F401
    except ImportError:
        return "the optional `link` extra (LinkPython-extern) is not installed: pip install -e '.[link]'"
    return None


def link_unavailable() -> Optional[str]:
    """Why Link tests cannot run here (the extra missing, or no namespace), as a skip reason; None if they can."""
    reason = unavailable_reason()
    return link_extra_missing() or (None if reason is None else f"no private network namespace for Link: {reason}")
