"""wrk: installing it, building its Lua scripts, running it on the load core and reading its numbers."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .procs import LOAD_CORE, die_with_parent, pin

LUA_DIR = Path(__file__).resolve().parent / "lua"
_MARKER = "BENCH_JSON "
# how long past its own duration a wrk run may take before it is killed
_GRACE_S = 60


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: completed requests, errors by kind, and the latency percentiles in milliseconds."""

    requests: int
    duration_s: float
    errors: dict[str, int]
    percentiles_ms: list[tuple[float, float]]

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def non_2xx(self) -> int:
        return self.errors.get("status", 0)

    def percentile(self, p: float) -> float:
        return next(ms for q, ms in self.percentiles_ms if q == p)


def ensure_wrk() -> None:
    """Install wrk with apt-get when it is missing and we are root; otherwise say how, and stop."""
    if shutil.which("wrk") is not None:
        return
    if os.geteuid() == 0 and shutil.which("apt-get") is not None:
        print("wrk is missing: installing it with apt-get", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, timeout=600, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], timeout=600, check=False)
            subprocess.run(install, timeout=600, check=False)
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is missing: install it (Debian/Ubuntu: apt-get install -y wrk; macOS: brew install wrk)"
        )


def script(name: str, workdir: Path) -> Path:
    """bench/lua/<name>.lua with the shared done() hook appended, written into workdir."""
    path = workdir / f"{name}.lua"
    if not path.exists():
        path.write_text((LUA_DIR / f"{name}.lua").read_text() + "\n" + (LUA_DIR / "done.lua").read_text())
    return path


def command(url: str, lua: Path, *, connections: int, duration_s: int, timeout_s: int = 10) -> list[str]:
    """The wrk command line: one thread on the load core (register.lua's counter needs one thread)."""
    return [
        *pin(LOAD_CORE),
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration_s}s",
        f"--timeout={timeout_s}s",
        "--latency",
        "-s",
        str(lua),
        url,
    ]


@contextlib.contextmanager
def running(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A wrk process in its own group, killed on the way out if it is still running."""
    proc = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def finish(proc: subprocess.Popen[str], duration_s: int) -> WrkResult:
    """Wait for a wrk run and parse the line its done() hook printed."""
    output, _ = proc.communicate(timeout=duration_s + _GRACE_S)
    for line in output.splitlines():
        if line.startswith(_MARKER):
            data = json.loads(line[len(_MARKER) :])
            return WrkResult(
                requests=int(data["requests"]),
                duration_s=data["duration_us"] / 1e6,
                errors={kind: int(count) for kind, count in data["errors"].items()},
                percentiles_ms=[(float(p), us / 1000) for p, us in data["percentiles_us"]],
            )
    raise RuntimeError(f"wrk exited {proc.returncode} without numbers:\n{output[-2000:]}")


def run(argv: list[str], env: dict[str, str], duration_s: int) -> WrkResult:
    """Run wrk to the end and return its numbers."""
    with running(argv, env) as proc:
        return finish(proc, duration_s)
