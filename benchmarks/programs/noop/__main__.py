"""The engine floor for `make bench`: N dynamic resources whose provider touches nothing.

Same inputs and lifecycle as benchmarks/programs/rules (create, a local diff, in-place
update, read, delete), so `pulumi up/preview/refresh/destroy` exercise the engine, the
language host and the Python dynamic-provider plugin as for DispatchRule, minus LiveKit
and our provider's own work. `count`, `name` and `timingFile` come from stack config; the
declaration time and the program's CPU time go to `timingFile` as in programs/rules.
"""

import atexit
import json
import time

import pulumi
from pulumi.dynamic import Resource

from noop_provider import PROVIDER


class Noop(Resource):
    noop_id: pulumi.Output[str]

    def __init__(self, resource_name, **inputs):
        super().__init__(PROVIDER, resource_name, {**inputs, "noop_id": None})


config = pulumi.Config()
count = config.require_int("count")
name = config.get("name") or "bench"
timing_file = config.get("timingFile")

start = time.perf_counter()
things = [
    Noop(
        f"rule-{i}",
        rule={"dispatch_rule_individual": {"room_prefix": f"bench-{i}-"}},
        name=f"{name}-{i}",
        trunk_ids=[f"ST_bench_{i}"],
    )
    for i in range(count)
]
elapsed = time.perf_counter() - start


def _report(**figures) -> None:
    if timing_file:
        with open(timing_file, "a") as out:
            out.write(json.dumps({"program": "noop", "count": count, **figures}) + "\n")


_report(declare_seconds=elapsed)
# The program's whole CPU time (imports, declarations, registering and resolving outputs), at exit.
atexit.register(lambda: _report(program_cpu_seconds=time.process_time()))
