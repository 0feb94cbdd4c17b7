"""From rounds to results: medians, ratios, targets (printed, never asserted), the JSON and RESULTS.md."""

import json
import os
import statistics
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .measures import Numbers
from .procs import ROOT

# counts (errors, samples) are summed over the rounds, peaks are maxima, the rest are medians of the rounds
COUNTS = (
    "registration_non2xx",
    "registration_errors",
    "me_errors",
    "ping_errors",
    "login_errors",
    "probe_errors",
    "storm64_errors",
    "table_errors",
    "pg_me_errors",
    "refresh_errors",
    "idle_samples",
    "storm_samples",
    *(
        f"{prefix}_{count}"
        for prefix in ("mixed", "pg2_mixed", "nocache_mixed")
        for count in ("stale", "errors")
    ),
    *(f"{prefix}_{count}" for prefix in ("apps", "pg2_apps") for count in ("stale", "errors", "checked")),
)
# i.: each server's app calls against its own GET /user/me with many tokens at random (h.'s quiet run)
APP_CALLS = {"apps": "mixed", "pg2_apps": "pg2_mixed"}
PEAKS = ("peak_rss_mib", "hwm_mib")


@dataclass(frozen=True)
class Target:
    measure: str
    op: str
    limit: float

    def passes(self, value: float) -> bool:
        return value >= self.limit if self.op == ">=" else value <= self.limit

    def text(self) -> str:
        return f"{self.op} {self.limit:g}"


def targets(hash_concurrency: int) -> list[Target]:
    """The targets; peak memory allows 19 MiB per Argon2id hash that may run at once."""
    return [
        Target("me_ping_ratio", ">=", 0.85),
        Target("pg_me_ping_ratio", ">=", 0.85),
        Target("refresh_ping_ratio", ">=", 0.25),
        Target("stall_ratio", "<=", 3),
        Target("login_ceiling_ratio", ">=", 0.9),
        Target("registration_non2xx", "<=", 0),
        Target("peak_rss_mib", "<=", 150 + hash_concurrency * 19),
        Target("large_small_ratio", ">=", 0.95),
        Target("mixed_writes_ratio", ">=", 0.9),
        Target("pg2_mixed_writes_ratio", ">=", 0.9),
        Target("mixed_stale", "<=", 0),
        Target("pg2_mixed_stale", "<=", 0),
        *(
            Target(f"{prefix}_{call}_me_ratio", ">=", 0.7)
            for prefix in APP_CALLS
            for call in ("introspect", "userinfo")
        ),
        *(Target(f"{prefix}_stale", "<=", 0) for prefix in APP_CALLS),
    ]


def summarize(rounds: list[Numbers]) -> tuple[Numbers, dict[str, int]]:
    """The measures (all positive numbers) and the error counts over all rounds."""
    measures: Numbers = {}
    for key in rounds[0]:
        values = [r[key] for r in rounds]
        if key not in COUNTS:
            measures[key] = max(values) if key in PEAKS else statistics.median(values)
    measures["me_ping_ratio"] = measures["me_rps"] / measures["ping_rps"]
    measures["stall_ratio"] = measures["storm_p99_ms"] / measures["idle_p99_ms"]
    measures["login_ceiling_ratio"] = measures["logins_per_s"] / measures["ceiling_per_s"]
    measures["large_small_ratio"] = measures["large_rps"] / measures["small_rps"]
    measures["refresh_ping_ratio"] = measures["refresh_rps"] / measures["ping_rps"]
    for prefix in ("mixed", "pg2_mixed", "nocache_mixed"):
        if f"{prefix}_rps" in measures:
            measures[f"{prefix}_writes_ratio"] = measures[f"{prefix}_writes_rps"] / measures[f"{prefix}_rps"]
    for prefix, me in APP_CALLS.items():
        if f"{prefix}_introspect_rps" in measures and f"{me}_rps" in measures:
            for call in ("introspect", "userinfo"):
                measures[f"{prefix}_{call}_me_ratio"] = (
                    measures[f"{prefix}_{call}_rps"] / measures[f"{me}_rps"]
                )
    if "pg_me_rps" in measures:
        measures["pg_me_ping_ratio"] = measures["pg_me_rps"] / measures["ping_rps"]
    counts = {key: int(sum(r.get(key, 0) for r in rounds)) for key in COUNTS}
    return measures, counts


def machine() -> str:
    """nproc and the CPU model, e.g. `2 x AMD EPYC`."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} x {model}"


def commit() -> str:
    """The short hash of HEAD, with `+dirty` when tracked files have uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, check=False
    )
    return (head.stdout.strip() or "unknown") + ("+dirty" if dirty.stdout.strip() else "")


def verdicts(result: dict[str, Any]) -> dict[str, str]:
    """`PASS (>= 0.55)` or `FAIL (>= 0.55)` per measure that has a target."""
    values = {**result["measures"], **result["counts"]}
    return {
        t["measure"]: f"{'PASS' if t['pass'] else 'FAIL'} ({t['target']})"
        for t in result["targets"]
        if t["measure"] in values
    }


def build(rounds: list[Numbers], curves: list[Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The whole result, as written to the JSON file."""
    measures, counts = summarize(rounds)
    values = {**measures, **counts}
    checks = [
        {
            "measure": t.measure,
            "value": values[t.measure],
            "target": t.text(),
            "pass": t.passes(values[t.measure]),
        }
        for t in targets(meta["hash_concurrency"])
        if t.measure in values
    ]
    meta = {
        **meta,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "machine": machine(),
    }
    return {
        "meta": meta,
        "measures": measures,
        "counts": counts,
        "targets": checks,
        "rounds": rounds,
        "curves": curves,
    }


def print_summary(result: dict[str, Any]) -> None:
    """Every measure with its target, if it has one."""
    marks = verdicts(result)
    for key, value in {**result["measures"], **result["counts"]}.items():
        print(f"  {key:<22} {value:>12.3f}  {marks.get(key, '')}")


def write_json(result: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1) + "\n")


_COLUMNS = (
    "date | commit | machine | rounds x s | me req/s (p50/p99 ms) | ping req/s | me/ping | PG me/ping"
    " | refresh/s | refresh/ping | idle / storm p99 ms | stall | logins/s | ceiling/s | logins/ceiling"
    " | reg/s | reg non-2xx"
    " | peak MiB (limit) | me req/s by table size | big/small"
    " | mixed req/s quiet / 20 writes/s (ratio) stale | PG x2 the same | cache off the same"
    " | introspect / userinfo req/s (x me) stale of checked | PG x2 the same | notes"
)
_HEADER = f"| {_COLUMNS} |\n" + "|---" * (_COLUMNS.count("|") + 1) + "|\n"


def append_row(result: dict[str, Any], path: Path) -> None:
    """One markdown row for this run; the table header is written when the file has none."""
    m, c, meta = result["measures"], result["counts"], result["meta"]
    ok = {t["measure"]: ("ok" if t["pass"] else "MISS") for t in result["targets"]}
    limit = next(t["target"] for t in result["targets"] if t["measure"] == "peak_rss_mib")
    sizes = (
        f"{m['small_rps']:.0f} / {m['large_rps']:.0f} ({meta['small_rows']:,} / {meta['large_rows']:,} users)"
    )
    cells = [
        meta["date"],
        f"`{meta['commit']}`",
        meta["machine"],
        f"{meta['rounds']} x {meta['duration_s']}",
        f"{m['me_rps']:.0f} ({m['me_p50_ms']:.1f}/{m['me_p99_ms']:.1f})",
        f"{m['ping_rps']:.0f}",
        f"{m['me_ping_ratio']:.2f} {ok['me_ping_ratio']}",
        f"{m['pg_me_ping_ratio']:.2f} {ok['pg_me_ping_ratio']}" if "pg_me_ping_ratio" in m else "-",
        f"{m['refresh_rps']:.0f}",
        f"{m['refresh_ping_ratio']:.2f} {ok['refresh_ping_ratio']}",
        f"{m['idle_p99_ms']:.1f} / {m['storm_p99_ms']:.1f}",
        f"{m['stall_ratio']:.1f} {ok['stall_ratio']}",
        f"{m['logins_per_s']:.1f}",
        f"{m['ceiling_per_s']:.1f}",
        f"{m['login_ceiling_ratio']:.2f} {ok['login_ceiling_ratio']}",
        f"{m['registrations_per_s']:.1f}",
        f"{c['registration_non2xx']} {ok['registration_non2xx']}",
        f"{m['peak_rss_mib']:.0f} ({limit}) {ok['peak_rss_mib']}",
        sizes,
        f"{m['large_small_ratio']:.2f} {ok['large_small_ratio']}",
        *(_mixed(m, c, ok, prefix) for prefix in ("mixed", "pg2_mixed", "nocache_mixed")),
        *(_app_calls(m, c, ok, prefix) for prefix in APP_CALLS),
        meta["notes"].replace("|", "/"),
    ]
    text = path.read_text() if path.exists() else "# Benchmark results\n\n"
    if _HEADER not in text:
        text = text.rstrip("\n") + "\n\n" + _HEADER
    path.write_text(text + "| " + " | ".join(str(cell) for cell in cells) + " |\n")


def _mixed(m: dict[str, float], c: dict[str, int], ok: dict[str, str], prefix: str) -> str:
    if f"{prefix}_rps" not in m:
        return "-"
    ratio = f"{m[prefix + '_writes_ratio']:.2f} {ok.get(prefix + '_writes_ratio', '')}".rstrip()
    stale = f"{c[prefix + '_stale']} {ok.get(prefix + '_stale', '')}".rstrip()
    return f"{m[prefix + '_rps']:.0f} / {m[prefix + '_writes_rps']:.0f} ({ratio}) {stale}"


def _app_calls(m: dict[str, float], c: dict[str, int], ok: dict[str, str], prefix: str) -> str:
    if f"{prefix}_introspect_me_ratio" not in m:
        return "-"
    calls = [
        f"{m[f'{prefix}_{call}_rps']:.0f} ({m[f'{prefix}_{call}_me_ratio']:.2f}x"
        f" {ok.get(f'{prefix}_{call}_me_ratio', '')})"
        for call in ("introspect", "userinfo")
    ]
    stale = f"{c[prefix + '_stale']} of {c[prefix + '_checked']} {ok.get(prefix + '_stale', '')}".rstrip()
    return f"{' / '.join(calls)} {stale}"
