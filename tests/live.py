"""The service as operators run it: `python run.py` in a process of its own, reached over real HTTP."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

RUN_PY = str(Path(__file__).resolve().parent.parent / "run.py")


def environment(cwd: Path, database_url: str, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A service process's environment: its database and data folder, no SECRET_KEY, and `extra_env`."""
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": str(cwd / "data")}
    env.pop("SECRET_KEY", None)
    return {**env, **(extra_env or {})}


def alive(pid: int) -> bool:
    """Whether a process with this pid still runs (a worker uvicorn replaced is gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Service:
    """A running service: its base URL, and (once stopped) everything it printed."""

    url: str
    log_file: Path

    @property
    def output(self) -> str:
        """What the service printed so far."""
        return self.log_file.read_text(errors="replace")


def _stop(process: "subprocess.Popen[bytes]") -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running_service(
    cwd: Path,
    database_url: str,
    command: Callable[[int], list[str]] | None = None,
    *,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Service]:
    """Start `python run.py` (or `command(port)`), wait until /healthz answers, and stop it afterwards."""
    port = free_port()
    argv = command(port) if command else [sys.executable, RUN_PY, "--port", str(port)]
    service = Service(url=f"http://127.0.0.1:{port}", log_file=cwd / f"service-{port}.log")
    # a file, not a pipe: a pipe nobody reads fills up and blocks the server's access log
    with service.log_file.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=environment(cwd, database_url, extra_env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_healthy(service, process)
        yield service
    finally:
        _stop(process)


def _wait_until_healthy(service: Service, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{service.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    _stop(process)
    pytest.fail(f"the server never became healthy:\n{service.output}")


def run_py(
    cwd: Path,
    database_url: str,
    *args: str,
    stdin: str = "",
    argv: list[str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    **env: str,
) -> "subprocess.CompletedProcess[str]":
    """`python run.py ARGS…` run to its end (or `argv` instead), with `stdin` and extra environment."""
    return subprocess.run(
        argv or [sys.executable, RUN_PY, *args],
        input=stdin,
        env={**environment(cwd, database_url, extra_env), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def create_admin(
    cwd: Path, database_url: str, username: str, stdin: str
) -> "subprocess.CompletedProcess[str]":
    """`python run.py create-admin USERNAME`, with `stdin` as its standard input."""
    return run_py(cwd, database_url, "create-admin", username, stdin=stdin)
