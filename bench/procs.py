"""Processes: core pinning, free ports, starting and stopping servers, and what /proc says about them."""

import contextlib
import ctypes
import functools
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE = 0
LOAD_CORE = 1
_READY_TIMEOUT_S = 90.0
_STOP_TIMEOUT_S = 10.0
# loopback only, and never through a proxy the environment may name
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child before exec (Linux): SIGTERM when the bench dies, even by SIGKILL, so nothing is left."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@functools.cache
def can_pin() -> bool:
    """Whether servers and load can be kept on separate cores (taskset present, cores 0 and 1 usable).

    Decided once, before the bench pins itself to the load core (after that, only that core is in its set).
    """
    return shutil.which("taskset") is not None and {SERVER_CORE, LOAD_CORE} <= os.sched_getaffinity(0)


def pin(core: int) -> list[str]:
    """The command prefix that keeps a process on one core, or nothing where that is not possible."""
    return ["taskset", "-c", str(core)] if can_pin() else []


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_status(url: str) -> int:
    """The status of a GET to a loopback URL (0 when nothing answers)."""
    try:
        with _OPENER.open(url, timeout=2) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


@dataclass
class Server:
    """A server started in its own process group on the server core; its output goes to a log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    ready_path: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None, f"{self.name} was not started"
        return self.proc.pid

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [*pin(SERVER_CORE), *self.argv, "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} stopped while starting:\n{self.log_tail()}")
            if http_status(self.url + self.ready_path) == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {_READY_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        """SIGTERM to the whole process group, SIGKILL if it is still there after a while."""
        if self.proc is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(_STOP_TIMEOUT_S)
                return


def _stat_fields(pid: int) -> list[str]:
    # the fields after "(comm)", which may itself hold spaces; fields[0] is the state (field 3)
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                children.setdefault(int(_stat_fields(int(entry.name))[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def _status_kib(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    """VmRSS (or VmHWM) summed over the process tree, in KiB."""
    return sum(_status_kib(member, key) for member in tree(pid))


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process (all its threads), in clock ticks."""
    with contextlib.suppress(OSError):
        fields = _stat_fields(pid)
        return int(fields[11]) + int(fields[12])
    return 0


def settle(pid: int, *, timeout_s: float = 60.0, window_s: float = 0.25) -> float:
    """Wait until a server stops using CPU (e.g. queued logins drained after a storm); the seconds waited."""
    start = time.monotonic()
    last = cpu_ticks(pid)
    while time.monotonic() - start < timeout_s:
        time.sleep(window_s)
        now = cpu_ticks(pid)
        # at most 2 ticks (20 ms) in a quarter second: idle
        if now - last <= 2:
            break
        last = now
    return time.monotonic() - start
