"""The figures a report derives from a run's results: medians, ratios per repeat, and their formats."""

from __future__ import annotations

import statistics

from bench.measure import SizeResult
from bench.operations import API_OP, OPS


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratios(r: SizeResult, op: str) -> list[float]:
    t = r.times
    if API_OP[op] is None:
        return []
    return [(o - e) / a for o, e, a in zip(*(t.get(side, {}).get(op, []) for side in ("ours", "engine", "api")))
            if a > 0]


def side_ratios(per_side: dict[str, dict[str, list[float]]], op: str, side: str = "ours",
                floor: str = "engine") -> list[float]:
    """side / floor (by default ours / engine floor), per repeat (the sides ran in the same cycle)."""
    ours, engine = per_side.get(side, {}).get(op, []), per_side.get(floor, {}).get(op, [])
    return [o / e for o, e in zip(ours, engine) if e > 0]


def fmt_ratio(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{med(values):.2f}" if len(values) == 1 else f"{med(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def rss_mib(r: SizeResult, role: str, side: str, op: str) -> float:
    values = r.rss.get(role, {}).get(side, {}).get(op, [])
    return max(values) / 1024 if values else float("nan")


def ops_of(r: SizeResult, side: str = "ours") -> list[str]:
    return [op for op in OPS if r.times.get(side, {}).get(op)]


def fmt_n(value: float, digits: int = 0) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


def fmt_s(seconds: float) -> str:
    return "—" if seconds != seconds else (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}")


def fmt_requests(r: SizeResult, op: str, side: str = "ours") -> str:
    if not r.warmup_cycle:
        return "— (not counted)"
    counts = r.requests.get(side, {}).get(op, {})
    total = sum(counts.values())
    if not total:
        return "0"
    methods = ", ".join(f"{m.replace('SIPDispatchRule', '')} {c}" for m, c in sorted(counts.items()))
    return f"{total / r.n:g} ({methods})"
