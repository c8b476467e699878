"""N DispatchRules for `make bench`; `count`, `name` and `timingFile` come from stack config.

Each rule has its own trunk ID (LiveKit refuses two rules with the same trunk/number/PIN);
changing `name` updates every rule in place. The time spent constructing the N resource
objects, and at exit the program's CPU time, are appended to `timingFile` as JSON lines.
"""

import atexit
import json
import time

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
count = config.require_int("count")
name = config.get("name") or "bench"
timing_file = config.get("timingFile")

start = time.perf_counter()
rules = [
    livekit.DispatchRule(
        f"rule-{i}",
        rule=livekit.DispatchRuleIndividual(room_prefix=f"bench-{i}-"),
        name=f"{name}-{i}",
        trunk_ids=[f"ST_bench_{i}"],
    )
    for i in range(count)
]
elapsed = time.perf_counter() - start


def _report(**figures) -> None:
    if timing_file:
        with open(timing_file, "a") as out:
            out.write(json.dumps({"program": "rules", "count": count, **figures}) + "\n")


_report(declare_seconds=elapsed)
# The program's whole CPU time (imports, declarations, registering and resolving outputs), at exit.
atexit.register(lambda: _report(program_cpu_seconds=time.process_time()))
