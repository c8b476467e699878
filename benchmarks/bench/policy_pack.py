"""What the policy pack (`livekit-policy path`) adds to a no-change preview; `--no-policy-pack` leaves it out.

The side "pack" previews ours' stack again, with `--policy-pack`, beside ours' own preview in the same cycle;
it takes part in no other operation. Its requests are counted in the warm-up like ours': the checks' one, and the
pack's one listing of the inbound trunks that the stack's rules name and it does not declare (the bench's rules name
trunks nothing holds).
The target: at N=100 it adds at most half a second.
"""

from __future__ import annotations

import statistics
import subprocess
from typing import Any, Callable, Optional

from bench.operations import BENCHMARKS

LABEL = "pack"
TITLE = "ours + policy pack"
TARGET_SECONDS = 0.5  # added to a no-change preview at N=100
TARGET_N = 100
PREVIEW_REQUESTS = 2  # the checks' listing of the rules, the pack's of the trunks the rules name
# The `policy` extra's virtualenv (scripts/bootstrap): the test bed's .venv has no pulumi-policy.
LIVEKIT_POLICY = BENCHMARKS.parent / ".tools" / "policy-venv" / "bin" / "livekit-policy"


def pack_path() -> str:
    done = subprocess.run([str(LIVEKIT_POLICY), "path"], capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"livekit-policy path failed: {done.stderr.strip()}")
    return done.stdout.strip()


class PackSide:
    """Ours' stack, previewed with the policy pack; `op` of any other operation measures nothing (None)."""

    def __init__(self, ours: Any, pack: str) -> None:
        self.ours, self.stack = ours, ours.stack
        self.flags = ["--policy-pack", pack]

    def op(self, op: str) -> Optional[tuple[float, float]]:
        if op != "preview":
            return None
        extra = self.ours.extra
        self.ours.extra = [*extra, *self.flags]
        try:
            return self.ours.op(op)
        finally:
            self.ours.extra = extra


def _added(result: Any) -> list[float]:
    """Seconds the pack adds to ours' no-change preview, per repeat (the two ran back to back)."""
    ours, pack = (result.times.get(side, {}).get("preview") or [] for side in ("ours", LABEL))
    return [with_pack - alone for with_pack, alone in zip(pack, ours)]


def table(results: list[Any], add: Callable[[str], None]) -> None:
    measured = [r for r in results if _added(r)]
    if not measured:
        return
    add("Policy pack: a no-change preview of ours' stack, alone and with `--policy-pack \"$(livekit-policy path)\"` "
        "(wall s, median of the repeats; added: per repeat, then its median).")
    add("")
    add("| N | ours | with the pack | added |")
    add("|---:|---:|---:|---:|")
    for r in measured:
        added = _added(r)
        add(f"| {r.n} | {statistics.median(r.times['ours']['preview']):.2f} | "
            f"{statistics.median(r.times[LABEL]['preview']):.2f} | {statistics.median(added):+.2f} "
            f"({', '.join(f'{a:+.2f}' for a in added)}) |")
    add("")


def checks(results: list[Any]) -> list[tuple[str, bool, str]]:
    found = []
    for r in results:
        added = _added(r)
        if r.n == TARGET_N and added:
            found.append((f"N={r.n}: the policy pack adds ≤ {TARGET_SECONDS} s to a no-change preview",
                          statistics.median(added) <= TARGET_SECONDS,
                          f"{statistics.median(added):+.2f} s (median of {len(added)})"))
    return found
