"""The measures of one round; each leaves the servers idle (queued logins drained) before the next."""

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import apps, ceiling, mixed, seed, wrk
from .procs import Server, cpu_ticks, rss_kib, settle

Numbers = dict[str, float]
Curves = dict[str, list[tuple[float, float]]]
# logins queue behind Argon2: their answers may take seconds, which is not an error here
_SLOW_TIMEOUT_S = 30
_SAMPLE_EVERY_S = 0.05


@dataclass
class Rig:
    """The running servers (service, bare app, small and large tables) and how long each run lasts."""

    service: Server
    bare: Server
    small: Server
    large: Server
    # the service on PostgreSQL, when a server is at hand
    postgres: Server | None
    tokens: dict[str, str]
    # h.: readers and writers on the SQLite service, PostgreSQL with two workers, and the cache off
    traffic: dict[str, mixed.Traffic]
    # i.: apps' tokens for introspection and /userinfo on the SQLite service and PostgreSQL with two workers
    apps: dict[str, apps.Apps]
    # i.: the victims each round checks per server
    victims: int
    workdir: Path
    duration_s: int
    env: dict[str, str]


def _get(rig: Rig, server: Server, path: str, connections: int, lua: str = "me") -> wrk.WrkResult:
    argv = wrk.command(
        server.url + path, wrk.script(lua, rig.workdir), connections=connections, duration_s=rig.duration_s
    )
    result = wrk.run(argv, {"BENCH_TOKEN": rig.tokens.get(server.name, "")}, rig.duration_s)
    settle(server.pid)
    return result


def _errors(result: wrk.WrkResult) -> int:
    return sum(result.errors.values())


def _login_storm(rig: Rig, connections: int, duration_s: int) -> list[str]:
    lua = wrk.script("login", rig.workdir)
    return wrk.command(
        rig.service.url + "/token",
        lua,
        connections=connections,
        duration_s=duration_s,
        timeout_s=_SLOW_TIMEOUT_S,
    )


def warm_up(rig: Rig) -> None:
    """One run per GET endpoint, so the first round does not pay for cold caches."""
    for server, path in (
        (rig.service, "/user/me"),
        (rig.bare, "/ping"),
        (rig.small, "/user/me"),
        (rig.large, "/user/me"),
        *([(rig.postgres, "/user/me")] if rig.postgres is not None else []),
    ):
        _get(rig, server, path, 32)


def _pair(
    first: Callable[[], wrk.WrkResult], second: Callable[[], wrk.WrkResult], swap: bool
) -> list[wrk.WrkResult]:
    # every other round runs the pair the other way round, so that neither always goes first
    return [second(), first()][::-1] if swap else [first(), second()]


def throughput(rig: Rig, out: Numbers, swap: bool = False) -> None:
    """a. GET /user/me and bare GET /ping at 32 connections."""
    me, ping = _pair(
        lambda: _get(rig, rig.service, "/user/me", 32), lambda: _get(rig, rig.bare, "/ping", 32), swap
    )
    if rig.postgres is not None:
        pg_me = _get(rig, rig.postgres, "/user/me", 32)
        out.update(pg_me_rps=pg_me.rps, pg_me_p99_ms=pg_me.percentile(99), pg_me_errors=_errors(pg_me))
    out.update(me_rps=me.rps, me_p50_ms=me.percentile(50), me_p99_ms=me.percentile(99), me_errors=_errors(me))
    out.update(ping_rps=ping.rps, ping_p50_ms=ping.percentile(50), ping_p99_ms=ping.percentile(99))
    out["ping_errors"] = _errors(ping)


def refreshes(rig: Rig, out: Numbers) -> None:
    """g. POST the refresh grant at 32 connections, each request with an unused refresh token."""
    tokens = seed.refresh_tokens(rig.service.url, 64)
    settle(rig.service.pid)
    argv = wrk.command(
        rig.service.url + "/token",
        wrk.script("refresh", rig.workdir),
        connections=32,
        duration_s=rig.duration_s,
    )
    result = wrk.run(argv, {"BENCH_REFRESH_TOKENS": ",".join(tokens)}, rig.duration_s)
    settle(rig.service.pid)
    out.update(refresh_rps=result.rps, refresh_p99_ms=result.percentile(99))
    out["refresh_errors"] = _errors(result) + result.non_2xx


def stall(rig: Rig, out: Numbers, curves: Curves) -> None:
    """b and c. One paced prober on GET /user/me, idle and then during an 8-connection login storm."""
    idle = _get(rig, rig.service, "/user/me", 1, lua="probe")
    out["ceiling_before_per_s"] = ceiling.measure(rig.duration_s, rig.env)
    storm_s = rig.duration_s + 1
    probe_argv = wrk.command(
        rig.service.url + "/user/me",
        wrk.script("probe", rig.workdir),
        connections=1,
        duration_s=rig.duration_s,
    )
    with wrk.running(_login_storm(rig, 8, storm_s), seed.login_env()) as storm:
        # the prober starts once the storm is under way and stops before it ends
        time.sleep(0.5)
        probe = wrk.run(probe_argv, {"BENCH_TOKEN": rig.tokens[rig.service.name]}, rig.duration_s)
        logins = wrk.finish(storm, storm_s)
    settle(rig.service.pid)
    out.update(idle_p99_ms=idle.percentile(99), storm_p99_ms=probe.percentile(99))
    out.update(logins_per_s=logins.rps, login_errors=_errors(logins), probe_errors=_errors(probe))
    out.update(idle_samples=idle.requests, storm_samples=probe.requests)
    curves["idle"] = idle.percentiles_ms
    curves["storm"] = probe.percentiles_ms


def login_ceiling(rig: Rig, out: Numbers) -> None:
    """c. Argon2id verifications per second on the server core, outside the service: measured right before
    and right after the storm (the machine's speed drifts by several percent within a minute), their mean."""
    after = ceiling.measure(rig.duration_s, rig.env)
    out["ceiling_after_per_s"] = after
    out["ceiling_per_s"] = (out["ceiling_before_per_s"] + after) / 2


def registrations(rig: Rig, out: Numbers) -> None:
    """d. POST /register at 8 connections, a new username per request."""
    lua = wrk.script("register", rig.workdir)
    argv = wrk.command(
        rig.service.url + "/register",
        lua,
        connections=8,
        duration_s=rig.duration_s,
        timeout_s=_SLOW_TIMEOUT_S,
    )
    result = wrk.run(argv, {"BENCH_PREFIX": f"r{secrets.token_hex(4)}n"}, rig.duration_s)
    settle(rig.service.pid)
    out.update(registrations_per_s=result.rps, registration_non2xx=result.non_2xx)
    out["registration_errors"] = _errors(result) - result.non_2xx


def memory(rig: Rig, out: Numbers) -> None:
    """e. Peak RSS of the service's process tree during a 64-connection login storm and its drain."""
    pid = rig.service.pid
    peak = 0
    deadline = time.monotonic() + rig.duration_s + 90
    with wrk.running(_login_storm(rig, 64, rig.duration_s), seed.login_env()) as storm:
        while storm.poll() is None and time.monotonic() < deadline:
            peak = max(peak, rss_kib(pid))
            time.sleep(_SAMPLE_EVERY_S)
        logins = wrk.finish(storm, rig.duration_s)
    # the queued logins are still being verified: keep sampling until the server is idle
    ticks, checked = cpu_ticks(pid), time.monotonic()
    while time.monotonic() < deadline:
        peak = max(peak, rss_kib(pid))
        time.sleep(_SAMPLE_EVERY_S)
        if time.monotonic() - checked >= 0.25:
            now = cpu_ticks(pid)
            if now - ticks <= 2:
                break
            ticks, checked = now, time.monotonic()
    out.update(peak_rss_mib=peak / 1024, hwm_mib=rss_kib(pid, "VmHWM") / 1024)
    out.update(logins64_per_s=logins.rps, storm64_errors=_errors(logins))


def table_size(rig: Rig, out: Numbers, swap: bool = False) -> None:
    """f. GET /user/me at 32 connections with the small and with the large users table."""
    small, large = _pair(
        lambda: _get(rig, rig.small, "/user/me", 32), lambda: _get(rig, rig.large, "/user/me", 32), swap
    )
    out.update(small_rps=small.rps, large_rps=large.rps, table_errors=_errors(small) + _errors(large))


def run_round(rig: Rig, index: int) -> tuple[Numbers, Curves]:
    """Every measure once, in a fixed order (the pairs of a. and f. swapped in odd rounds)."""
    out: Numbers = {}
    curves: Curves = {}
    throughput(rig, out, swap=index % 2 == 1)
    refreshes(rig, out)
    stall(rig, out, curves)
    login_ceiling(rig, out)
    registrations(rig, out)
    memory(rig, out)
    table_size(rig, out, swap=index % 2 == 1)
    mixed_traffic(rig, out, swap=index % 2 == 1)
    app_calls(rig, out)
    return out, curves


def mixed_traffic(rig: Rig, out: Numbers, swap: bool = False) -> None:
    """h. Readers' tokens at random, without and with writers (the pair swapped in odd rounds)."""
    for prefix, traffic in rig.traffic.items():

        def run(
            writers: list[str] | None, traffic: mixed.Traffic = traffic
        ) -> tuple[wrk.WrkResult, mixed.Writes]:
            return mixed.run(
                traffic.server, traffic.tokens_file, writers, workdir=rig.workdir, duration_s=rig.duration_s
            )

        quiet, busy = (
            (run(None), run(traffic.writers)) if not swap else reversed((run(traffic.writers), run(None)))
        )
        (reads, _), (written, writes) = quiet, busy
        out[f"{prefix}_rps"] = reads.rps
        out[f"{prefix}_writes_rps"] = written.rps
        out[f"{prefix}_writes_made"] = writes.made
        out[f"{prefix}_stale"] = writes.stale
        out[f"{prefix}_errors"] = _errors(reads) + _errors(written) + writes.failed


def app_calls(rig: Rig, out: Numbers) -> None:
    """i. Introspection and GET /userinfo with apps' tokens at random, and the victims' answers checked."""
    for prefix, prepared in rig.apps.items():
        numbers = apps.run(prepared, workdir=rig.workdir, duration_s=rig.duration_s, victims=rig.victims)
        out.update({f"{prefix}_{name}": value for name, value in numbers.items()})
