"""The targets a run is checked against, each a (name, passed, detail) triple, as ratios of the same run."""

from __future__ import annotations

from bench import policy_pack
from bench.figures import fmt_ratio, med, ratios, side_ratios
from bench.measure import SizeResult
from bench.operations import OPS
from bench.sides import SIDE_TITLES

Check = tuple[str, bool, str]

RATIO_TARGET = 1.5
SIDE_TARGET = 1.10  # ours within 10% of the engine floor, and the plugin within 10% of the dynamic resources
SMALL_GAP_TARGET = 0.2  # seconds: ours' preview at N=1 over the floor's
PROVIDER_BYTES_TARGET = 2048


def checks(results: list[SizeResult]) -> list[Check]:
    """Every target of a run, in the order the report lists them."""
    return (request_checks(results) + provider_checks(results) + api_floor_checks(results)
            + ratio_checks(results) + plugin_checks(results) + policy_pack.checks(results))


def request_checks(results: list[SizeResult]) -> list[Check]:
    """The requests each operation makes, counted in the warm-up of the sizes that have one."""
    found: list[Check] = []
    for r in results:
        if not r.warmup_cycle:
            continue  # requests were counted at the smaller sizes only
        for side, per_op in r.requests.items():
            who = "" if side == "ours" else f"{SIDE_TITLES[side]}: "
            preview = sum(per_op.get("preview", {}).values())
            if "preview" in per_op:
                wanted = policy_pack.PREVIEW_REQUESTS if side == policy_pack.LABEL else 1
                found.append((f"N={r.n}: {who}preview with no changes makes {wanted} API request(s)",
                              preview == wanted, f"{preview}"))
            # Checks verify the connection once per deployment: one listing of the server's rules, which also
            # serves the conflict checks of new rules and tells each create which identical rules were there
            # before, so a create is one request per rule; a refresh lists all rules once. The update renames each
            # rule: LiveKit's field-wise update, one request, which the server applies to what it holds (fields of
            # a newer LiveKit kept without a read).
            expected = {"create": r.n + 1, "update": r.n + 1, "refresh": 1, "destroy": r.n}
            for op, wanted in expected.items():
                if op not in per_op:
                    continue
                counts = per_op[op]
                total = sum(counts.values())
                found.append((f"N={r.n}: {who}{op} makes {wanted} requests", total == wanted,
                              f"{total} for {r.n} ({', '.join(f'{m} {c}' for m, c in counts.items()) or 'none'})"))
    return found


def provider_checks(results: list[SizeResult]) -> list[Check]:
    """The `__provider` every resource stores: one value, and small."""
    found: list[Check] = []
    for r in results:
        s = r.state.get("ours", {})
        if s:
            ok = s["distinct_providers"] == 1 and s["provider_bytes"] <= PROVIDER_BYTES_TARGET
            found.append((f"N={r.n}: serialized provider identical for every resource and ≤ 2 KB", ok,
                          f"{s['distinct_providers']} distinct, {s['provider_bytes']} B"))
    return found


def api_floor_checks(results: list[SizeResult]) -> list[Check]:
    """What ours adds over the engine floor, in units of the API floor, at the largest N."""
    found: list[Check] = []
    largest = max(results, key=lambda r: r.n)
    for op in OPS:
        rs = ratios(largest, op)
        if rs:
            found.append((f"N={largest.n}: {op}: (ours − engine floor) ≤ {RATIO_TARGET}× API floor",
                          med(rs) <= RATIO_TARGET, f"median ratio {med(rs):.2f} [{min(rs):.2f}–{max(rs):.2f}]"))
    return found


def ratio_checks(results: list[SizeResult]) -> list[Check]:
    """The targets against the engine floor, as ratios of the same run."""
    found: list[Check] = []
    by_n = {r.n: r for r in results}
    for r in results:
        if r.n == 1 and r.times.get("ours", {}).get("preview"):
            gaps = [o - e for o, e in zip(r.times["ours"]["preview"], r.times["engine"]["preview"])]
            found.append((f"N=1: preview wall ≤ engine floor + {SMALL_GAP_TARGET} s", med(gaps) <= SMALL_GAP_TARGET,
                          f"ours − floor {med(gaps):+.3f} s (median of {len(gaps)})"))
        if r.n >= 100:
            measures = [(op, "wall", r.times) for op in OPS] + [("preview", "CPU", r.cpu)]
            for op, what, per_side in measures:
                values = side_ratios(per_side, op)
                if values:
                    found.append((f"N={r.n}: {op} {what} ≤ {SIDE_TARGET:g}× engine floor",
                                  med(values) <= SIDE_TARGET, f"ours/floor {fmt_ratio(values)}"))
    # The program's CPU per resource must grow with N no faster than the floor's: its ratio to the floor's
    # at the largest N no more than at N=100 (with the same 10% allowance for noise).
    largest = max(results, key=lambda r: r.n)
    if 100 in by_n and largest.n > 100:
        for op in ("create", "update"):
            at_100, at_largest = side_ratios(by_n[100].program_cpu, op), side_ratios(largest.program_cpu, op)
            if at_100 and at_largest:
                found.append((f"program CPU on {op}: ours/floor at N={largest.n} ≤ {SIDE_TARGET:g}× ours/floor at N=100",
                              med(at_largest) <= SIDE_TARGET * med(at_100),
                              f"{med(at_largest):.2f} at N={largest.n}, {med(at_100):.2f} at N=100"))
    return found


def plugin_checks(results: list[SizeResult]) -> list[Check]:
    """The plugin's targets: at N ≥ 100 its wall time within 10% of its own floor (the YAML program of no-op
    resources) and of the dynamic resources', per operation."""
    found: list[Check] = []
    for r in results:
        if r.n < 100:
            continue
        for op in OPS:
            for other, title, short in (("plugin_floor", "YAML floor", "plugin/floor"),
                                        ("ours", "dynamic resources", "plugin/dynamic")):
                values = side_ratios(r.times, op, "plugin", other)
                if values:
                    found.append((f"N={r.n}: plugin {op} wall ≤ {SIDE_TARGET:g}× {title}",
                                  med(values) <= SIDE_TARGET, f"{short} {fmt_ratio(values)}"))
    return found
