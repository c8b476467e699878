"""Two stacks of one project (one program, one backend) against one LiveKit project, racing: each
`pulumi up` in its own thread declares a rule that takes the same calls as the other's.

One stack fails, with a message naming the other's rule; nothing it half-made is left (every object
on the server belongs to exactly one stack's state); the other stack is untouched; and a refresh of
either stack never takes in the other's objects."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import threading

import pytest

from pulumi_livekit.testing import Fault, FaultProxy, PulumiStack, Result

from support import PROGRAMS, configure_for

TRUNK = "ST_two_stacks"
NUMBER = "+15550170"


def resources(stack: str) -> list[dict]:
    """A trunk and a rule of the stack's own, and a rule on calls the other stack's twin takes too."""
    return [
        {"type": "InboundTrunk", "name": "own-trunk",
         "args": {"name": f"{stack} trunk", "numbers": [f"+1555017{1 if stack == 'alpha' else 2}"]}},
        {"type": "DispatchRule", "name": "own-rule", "trunk": "own-trunk",
         "args": {"name": f"{stack} own", "rule": {"dispatchRuleIndividual": {"roomPrefix": f"{stack}-"}}}},
        {"type": "DispatchRule", "name": "contested", "depends_on": ["own-rule"],
         "args": {"name": f"{stack} contested", "trunk_ids": [TRUNK], "numbers": [NUMBER],
                  "rule": {"dispatchRuleDirect": {"roomName": f"{stack}-room"}}}},
    ]


@pytest.fixture
def stacks(tmp_path, livekit):
    """Stacks alpha and beta of one project, through one proxy in front of the server."""
    with FaultProxy(livekit.credentials.url) as proxy:
        first = PulumiStack(PROGRAMS / "declared", "alpha", workdir=tmp_path / "project", defer_config=True)
        second = PulumiStack(first.program_dir, "beta", workdir=tmp_path / "project", copy_program=False,
                             defer_config=True)
        for stack in (first, second):
            configure_for(stack, dataclasses.replace(livekit.credentials, url=proxy.url))
            stack.set_config("resources", json.dumps(resources(stack.stack)))
        yield proxy, {stack.stack: stack for stack in (first, second)}


def up_together(stacks: dict[str, PulumiStack]) -> dict[str, Result]:
    start = threading.Barrier(len(stacks))

    def up(stack: PulumiStack) -> Result:
        start.wait()
        return stack.up(check=False)

    with concurrent.futures.ThreadPoolExecutor(len(stacks)) as pool:
        running = {name: pool.submit(up, stack) for name, stack in stacks.items()}
        return {name: future.result() for name, future in running.items()}


def state_ids(stack: PulumiStack) -> set[str]:
    return {r["id"] for r in stack.export()["deployment"]["resources"] if "livekit:" in r["type"]}


def server_objects(oracle) -> dict[str, object]:
    """Every rule and inbound trunk on the server, by ID, whole."""
    return {**{r.sip_dispatch_rule_id: r for r in oracle.rules()},
            **{t.sip_trunk_id: t for t in oracle.inbound_trunks()}}


WRITES = ("Create", "Update", "Delete")


# How the race goes: "checks first" holds the first create back until both stacks' checks have listed the
# server's rules, so neither check sees the other's rule and LiveKit refuses the later create; "as it comes"
# lets the two engines run as they will (the later check may see the other's rule, or not).
@pytest.mark.parametrize("race", ["checks first", "as it comes"])
def test_two_stacks_racing_for_the_same_calls(race, stacks, oracle):
    proxy, by_name = stacks
    if race == "checks first":
        proxy.inject("CreateSIPDispatchRule", Fault.delay(4.0))
    results = up_together(by_name)
    failed = [name for name, result in results.items() if result.returncode != 0]
    assert len(failed) == 1, {name: r.messages() for name, r in results.items()}
    [loser], [winner] = failed, [name for name in by_name if name not in failed]
    winner_rule = oracle.rule(by_name[winner].outputs()["ids"]["contested"])
    assert winner_rule.name == f"{winner} contested"
    message = results[loser].messages().get("contested", "")
    assert f'dispatch rule {winner_rule.sip_dispatch_rule_id} "{winner} contested"' in message, results[loser].messages()
    assert f"both take calls on trunk {TRUNK} from anyone to {NUMBER} without a PIN" in message

    # Nothing half-made: every object on the server is in exactly one stack's state, and the loser's
    # contested rule is nowhere.
    before = server_objects(oracle)
    owned = {name: state_ids(stack) for name, stack in by_name.items()}
    assert owned[winner] & owned[loser] == set()
    assert set(before) == owned[winner] | owned[loser]
    assert len(owned[winner]) == 3 and f"{loser} contested" not in {o.name for o in before.values()}

    # Refreshing either stack takes in nothing of the other's, and changes nothing anywhere.
    proxy.counts.clear()
    for name in (loser, winner):
        refreshed = by_name[name].refresh()
        assert refreshed.changes == {}, (name, refreshed.summary)
        assert state_ids(by_name[name]) == owned[name]
    by_name[winner].preview("--expect-no-changes")
    # The loser's next `up` is refused at its check now, naming the same rule, and writes nothing.
    again = by_name[loser].up(check=False)
    assert again.returncode != 0
    assert f"conflicts with dispatch rule {winner_rule.sip_dispatch_rule_id}" in again.messages().get("contested", "")
    assert [m for m in proxy.counts if m.startswith(WRITES)] == [], dict(proxy.counts)
    assert server_objects(oracle) == before
    assert {name: state_ids(stack) for name, stack in by_name.items()} == owned

