"""The differential run, in-process: both entrances' providers (tests/entrances.py) called as the engine calls
them, random declarations of the three kinds in sequences (create, updates, invalid steps, refresh, import,
destroy), each step checked against what livekit-server stores (tests/differential.py).

The seed is fixed, and the steps few enough for `make test`; PULUMI_LIVEKIT_DIFFERENTIAL_STEPS runs more, and
PULUMI_LIVEKIT_DIFFERENTIAL_SEED others (docs/development.md). The counts are printed at the end of the run."""

from __future__ import annotations

import os

from pulumi_livekit.testing import FaultProxy

from differential import DEFAULT_SEED, SEED_ENV, STEPS_ENV, SUMMARY, Differential, Side, Tally
from entrances import PluginEntrance, PythonEntrance

DEFAULT_STEPS = 300


def test_both_entrances_store_exactly_what_was_declared(request, livekit, other_project, twins):
    steps = int(os.environ.get(STEPS_ENV) or DEFAULT_STEPS)
    seed = int(os.environ.get(SEED_ENV) or DEFAULT_SEED)
    tally = Tally()
    with FaultProxy(livekit.credentials.url) as python_proxy, \
            FaultProxy(other_project.credentials.url) as plugin_proxy, FaultProxy(twins.credentials.url) as twin_proxy:
        sides = [Side.of(PythonEntrance, livekit, python_proxy), Side.of(PluginEntrance, other_project, plugin_proxy)]
        Differential(sides, Side.of(PythonEntrance, twins, twin_proxy), tally).run(seed, steps)
    request.node.user_properties.append((SUMMARY, {"seed": seed, **tally.summary()}))
    assert tally.disagreements == [], "\n\n".join(tally.disagreements[:5])
