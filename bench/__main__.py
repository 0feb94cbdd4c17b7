"""`python -m bench [--smoke]`: start the servers, run the interleaved rounds, print and write the results."""

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from api.config import Settings

from . import apps, chart, measures, mixed, pg, report, seed, wrk
from .procs import LOAD_CORE, ROOT, Server, can_pin

RESULTS_MD = ROOT / "bench" / "RESULTS.md"
RESULTS_DIR = ROOT / "bench" / "results"
SMALL_ROWS = 1_000


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmark the auth service.")
    parser.add_argument(
        "--smoke", action="store_true", help="1 round of 1 s, 10,000-user big table; no RESULTS.md"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, 1 to 20 (default 3)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run, 1 to 60 (default 5)")
    parser.add_argument(
        "--large-rows", type=int, default=1_000_000, help="users in the big table (default 1M)"
    )
    parser.add_argument("--notes", default="", help="text for the notes column of RESULTS.md")
    parser.add_argument(
        "--no-row", action="store_true", help="do not append a row to RESULTS.md (experiments)"
    )
    parser.add_argument(
        "--json", type=Path, help="where to write the JSON (default bench/results/<time>.json)"
    )
    args = parser.parse_args(argv)
    if not (
        1 <= args.rounds <= 20 and 1 <= args.duration <= 60 and SMALL_ROWS <= args.large_rows <= 10_000_000
    ):
        parser.error("--rounds 1..20, --duration 1..60 and --large-rows 1,000..10,000,000")
    if args.smoke:
        args.rounds, args.duration, args.large_rows = 1, 1, 10_000
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM unwinds like Ctrl-C, so the servers are stopped on the way out
    raise SystemExit(128 + signum)


def start_servers(tmp: Path, stack: contextlib.ExitStack, args: argparse.Namespace) -> measures.Rig:
    """Prepare the databases, start the servers (stopped when the stack closes), log in."""
    print(f"preparing databases ({SMALL_ROWS:,} and {args.large_rows:,} filler users)", flush=True)
    for name, rows in (("service", 0), ("small", SMALL_ROWS), ("large", args.large_rows)):
        seed.prepare(tmp / name, rows)
    run_py = [sys.executable, "run.py"]
    servers = {
        name: Server(name, run_py, seed.server_env(tmp / name), tmp / f"{name}.log", "/healthz")
        for name in ("service", "small", "large")
    }
    # the table-size pair measures the database lookup, which the answer cache would skip
    for name in ("small", "large"):
        servers[name].env["ANSWER_CACHE_SECONDS"] = "0"
    postgres_url = stack.enter_context(pg.database())
    if postgres_url is not None:
        env = seed.postgres_env(tmp / "postgres", postgres_url)
        seed.prepare(tmp / "postgres", 0, env)
        servers["postgres"] = Server("postgres", run_py, env, tmp / "postgres.log", "/healthz")
    if postgres_url is not None:
        # h.: two workers on the same database, each with a DATA_DIR of its own
        env = seed.postgres_env(tmp / "postgres2", postgres_url)
        servers["postgres2"] = Server(
            "postgres2", [*run_py, "--workers", "2"], env, tmp / "postgres2.log", "/healthz"
        )
    nocache = tmp / "nocache"
    seed.prepare(nocache, 0)
    servers["nocache"] = Server(
        "nocache",
        run_py,
        {**seed.server_env(nocache), "ANSWER_CACHE_SECONDS": "0"},
        tmp / "nocache.log",
        "/healthz",
    )
    servers["bare"] = Server(
        "bare", [sys.executable, "-m", "bench.bare_app"], dict(os.environ), tmp / "bare.log", "/ping"
    )
    for server in servers.values():
        stack.callback(server.stop)
        server.start()
    for server in servers.values():
        server.wait_ready()
    tokens = {name: seed.token(server.url) for name, server in servers.items() if name != "bare"}
    # smoke: enough users to run the scenario, not to measure it
    readers, writers = (20, 4) if args.smoke else (mixed.READERS, mixed.WRITERS)
    print(f"registering {readers} readers and {writers} writers for the mixed traffic", flush=True)
    traffic = {
        prefix: mixed.prepare(servers[name], tmp, readers=readers, writers=writers)
        for prefix, name in (("mixed", "service"), ("pg2_mixed", "postgres2"), ("nocache_mixed", "nocache"))
        if name in servers
    }
    app_users = 10 if args.smoke else apps.USERS
    print(f"{app_users} users giving an app a token through the code flow", flush=True)
    prepared = {
        prefix: apps.prepare(servers[name], tmp, users=app_users)
        for prefix, name in (("apps", "service"), ("pg2_apps", "postgres2"))
        if name in servers
    }
    return measures.Rig(
        service=servers["service"],
        bare=servers["bare"],
        small=servers["small"],
        large=servers["large"],
        postgres=servers.get("postgres"),
        tokens=tokens,
        traffic=traffic,
        apps=prepared,
        victims=3 if args.smoke else apps.VICTIMS,
        workdir=tmp,
        duration_s=args.duration,
        env=dict(os.environ),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    wrk.ensure_wrk()
    # read before pinning: the default follows the cores this process may use
    hash_concurrency = Settings().hash_concurrency
    if can_pin():
        os.sched_setaffinity(0, {LOAD_CORE})
    else:
        print("taskset or a second core is missing: servers and load share the cores, numbers mean less")
    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path: Path = args.json or RESULTS_DIR / f"{stamp}{'-smoke' if args.smoke else ''}.json"
    rounds: list[measures.Numbers] = []
    curves: list[measures.Curves] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp, contextlib.ExitStack() as stack:
        rig = start_servers(Path(tmp), stack, args)
        if not args.smoke:
            print("warming up", flush=True)
            measures.warm_up(rig)
        for index in range(args.rounds):
            print(f"round {index + 1}/{args.rounds} ({time.monotonic() - started:.0f} s)", flush=True)
            numbers, round_curves = measures.run_round(rig, index)
            rounds.append(numbers)
            curves.append(round_curves)
    meta: dict[str, Any] = {
        "smoke": args.smoke,
        "rounds": args.rounds,
        "duration_s": args.duration,
        "small_rows": SMALL_ROWS,
        "large_rows": args.large_rows,
        "hash_concurrency": hash_concurrency,
        "pinned": can_pin(),
        "notes": args.notes,
    }
    result = report.build(rounds, curves, meta)
    print(f"results ({time.monotonic() - started:.0f} s; medians over rounds, ratios of medians):")
    report.print_summary(result)
    report.write_json(result, json_path)
    print(f"json: {json_path}")
    chart.draw(curves, result["meta"], json_path.with_suffix(".png"))
    if not (args.smoke or args.no_row):
        report.append_row(result, RESULTS_MD)
        print(f"row appended to {RESULTS_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
