"""The prober's latency distribution, idle and during the login storm, as a PNG (needs matplotlib)."""

from pathlib import Path
from typing import Any

# the ends of the percentile axis: 1 and 99.9
_AXIS = (0.01, 0.999)
_TICKS = [0.01, 0.1, 0.5, 0.9, 0.99, 0.999]


def draw(curves: list[dict[str, list[tuple[float, float]]]], meta: dict[str, Any], path: Path) -> bool:
    """A line per round and state, on a percentile axis stretched to the tail; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no chart (pip install -e '.[bench]' draws it)")
        return False
    figure, axes = plt.subplots(figsize=(8, 5), dpi=110)
    colours = {"idle": "tab:blue", "storm": "tab:red"}
    labels = {"idle": "idle", "storm": "during an 8-connection login storm"}
    for index, round_curves in enumerate(curves):
        for state, points in round_curves.items():
            xs = [p / 100 for p, _ in points]
            ys = [max(ms, 0.001) for _, ms in points]
            label = labels[state] if index == 0 else None
            axes.plot(xs, ys, color=colours[state], alpha=0.8, linewidth=1.2, label=label)
    axes.set_xscale("logit")
    axes.set_xlim(*_AXIS)
    axes.set_xticks(_TICKS, [f"p{t * 100:g}" for t in _TICKS])
    axes.minorticks_off()
    axes.set_yscale("log")
    axes.set_xlabel("percentile")
    axes.set_ylabel("latency of GET /user/me, ms (one connection)")
    axes.set_title(f"Prober latency, {meta['rounds']} round(s) x {meta['duration_s']} s - {meta['commit']}")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    print(f"chart: {path}")
    return True
