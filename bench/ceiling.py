"""The login ceiling: Argon2id verifications per second on one core, with the service's own settings.

`python -m bench.ceiling SECONDS` verifies one password in a loop and prints a JSON line;
`measure()` runs that on the server core, so it is what the service's hashing could reach at most.
"""

import json
import subprocess
import sys
import time

from api.config import Settings
from api.core.passwords import build_context

from .procs import ROOT, SERVER_CORE, pin

_MAX_VERIFICATIONS = 100_000
_SECRET = "violet-Staircase-42-ceiling"


def verifications_per_second(seconds: float) -> dict[str, float]:
    """Verify one password against its hash for `seconds`: the rate, and the Argon2 parameters used."""
    settings = Settings()
    context = build_context(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
    )
    digest = context.hash(_SECRET)
    context.verify(_SECRET, digest)
    count = 0
    start = time.perf_counter()
    while count < _MAX_VERIFICATIONS and time.perf_counter() - start < seconds:
        if not context.verify(_SECRET, digest):
            raise RuntimeError("the password did not verify against its own hash")
        count += 1
    elapsed = time.perf_counter() - start
    return {
        "per_s": count / elapsed,
        "verifications": count,
        "memory_kib": settings.argon2_memory_kib,
        "time_cost": settings.argon2_time_cost,
        "parallelism": settings.argon2_parallelism,
    }


def measure(seconds: float, env: dict[str, str]) -> float:
    """Verifications per second, measured in a subprocess pinned to the server core."""
    done = subprocess.run(
        [*pin(SERVER_CORE), sys.executable, "-m", "bench.ceiling", str(seconds)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=True,
    )
    per_s: float = json.loads(done.stdout.strip().splitlines()[-1])["per_s"]
    return per_s


if __name__ == "__main__":
    print(json.dumps(verifications_per_second(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)))
