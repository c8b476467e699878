"""The report's figure: time against N on a log-log scale per operation, ratios to the engine floor, state
and memory."""

from __future__ import annotations

from pathlib import Path

from bench.figures import med, ops_of, rss_mib, side_ratios
from bench.measure import SizeResult
from bench.operations import OP_TITLES, OPS
from bench.targets import SIDE_TARGET


def plot(results: list[SizeResult], path: Path) -> None:
    """One log-log panel per operation, wall seconds against N, the legend in the spare panel; then ours
    against the engine floor as ratios per N (wall, CPU), and state and plugin memory against N."""
    import matplotlib  # the `bench` extra, which `make bench` installs; the harness runs without it

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot
    figure = pyplot.figure(figsize=(12.6, 10.2), layout="constrained")
    grid = figure.add_gridspec(3, 3)
    sizes = [r.n for r in results]
    first = None
    for index, op in enumerate(OPS):
        axis = figure.add_subplot(grid[index // 3, index % 3], sharey=first)
        first = first or axis

        def seconds(side: str) -> list[float]:
            return [med(r.times[side][op]) if r.times.get(side, {}).get(op) else float("nan") for r in results]

        axis.loglog(sizes, seconds("ours"), "o-", color="tab:red", label="ours (pulumi-livekit)")
        axis.loglog(sizes, seconds("engine"), "s-", color="tab:blue", label="engine floor (no-op dynamic resources)")
        axis.loglog(sizes, seconds("api"), "D-", color="tab:green", label="API floor (livekit-api SDK, sequential)")
        axis.loglog(sizes, [e + (a if a == a else 0.0) for e, a in zip(seconds("engine"), seconds("api"))],
                    "--", color="tab:gray", label="engine floor + API floor (no overhead of ours)")
        axis.loglog(sizes, seconds("alone"), ":", color="tab:orange", label="our provider alone (in-process, sequential)")
        axis.loglog(sizes, seconds("plugin"), "^-", color="tab:purple", label="the plugin (Pulumi YAML program)")
        axis.loglog(sizes, seconds("plugin_floor"), "v--", color="tab:cyan",
                    label="YAML floor (no-op resources of a no-op plugin)")
        axis.set_title(OP_TITLES[op], fontsize=10)
        axis.set_xlabel("N resources")
        axis.grid(True, which="both", alpha=0.3)
    first.set_ylabel("wall seconds")
    legend_slot = figure.add_subplot(grid[1, 2])
    legend_slot.axis("off")
    legend_slot.legend(*first.get_legend_handles_labels(), loc="center", fontsize=8)

    for column, (what, key) in enumerate((("wall", "times"), ("CPU", "cpu"))):
        axis = figure.add_subplot(grid[2, column])
        for op in OPS:
            axis.semilogx(sizes, [med(side_ratios(getattr(r, key), op)) for r in results], "o-", label=OP_TITLES[op])
        axis.axhline(SIDE_TARGET, color="black", linestyle=":", linewidth=1, label=f"target {SIDE_TARGET:g}")
        axis.axhline(1.0, color="tab:gray", linewidth=0.8)
        axis.set_title(f"ours / engine floor, {what}", fontsize=10)
        axis.set_xlabel("N resources")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    axis = figure.add_subplot(grid[2, 2])
    for side, colour, marker in (("ours", "tab:red", "o"), ("engine", "tab:blue", "s")):
        axis.loglog(sizes, [r.state.get(side, {}).get("checkpoint_bytes", float("nan")) / 1024 for r in results],
                    f"{marker}-", color=colour, label=f"checkpoint KiB ({side})")
        axis.loglog(sizes, [max((rss_mib(r, "plugin", side, op) for op in ops_of(r)), default=float("nan"))
                            for r in results], f"{marker}--", color=colour, label=f"plugin peak RSS MiB ({side})")
    axis.set_title("state and plugin memory", fontsize=10)
    axis.set_xlabel("N resources")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.suptitle("pulumi-livekit against N dispatch rules: wall seconds (log-log), ratios to the engine floor, "
                    "state and memory")
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
