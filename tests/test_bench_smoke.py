"""The benchmark's smoke mode runs end to end and measures something; it never judges speed.

It starts four servers and drives them with wrk (CI installs it) for about half a minute.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_TIMEOUT_S = 300
MEASURES = (
    "me_rps",
    "me_p50_ms",
    "me_p99_ms",
    "ping_rps",
    "me_ping_ratio",
    "idle_p99_ms",
    "storm_p99_ms",
    "stall_ratio",
    "logins_per_s",
    "ceiling_per_s",
    "login_ceiling_ratio",
    "registrations_per_s",
    "peak_rss_mib",
    "small_rps",
    "large_rps",
    "large_small_ratio",
    "refresh_rps",
    "refresh_ping_ratio",
)

pytestmark = pytest.mark.skipif(
    shutil.which("wrk") is None and not os.environ.get("CI"),
    reason="wrk is not installed (apt-get install wrk)",
)


def test_smoke_mode_runs_and_measures_everything(tmp_path: Path) -> None:
    out = tmp_path / "smoke.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = proc.communicate(timeout=_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        # SIGTERM lets the bench stop the servers it started
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
        pytest.fail(f"the smoke run took more than {_TIMEOUT_S} s:\n{output[-3000:]}")
    assert proc.returncode == 0, output[-3000:]
    result = json.loads(out.read_text())
    assert result["meta"]["smoke"] is True
    for name in MEASURES:
        value = result["measures"][name]
        assert isinstance(value, int | float) and value > 0, (name, value)
    for name, count in result["counts"].items():
        assert isinstance(count, int) and count >= 0, (name, count)
