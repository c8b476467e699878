"""N dispatch rules with unique trunk IDs f"{trunkPrefix}{i}" (default "ST_rel_"), N from config `count`;
changing `generation` (a number) renames every rule, an in-place update of each.

No rule depends on another, so the engine creates them all at once: the fault scenarios of
tests/engine/test_faults.py hit many creates in flight together.
"""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
count = config.require_int("count")
prefix = config.get("trunkPrefix") or "ST_rel_"
generation = config.get_int("generation") or 1

rules = [
    livekit.DispatchRule(
        f"rule-{i}",
        name=f"reliability {i} g{generation}",
        rule=livekit.DispatchRuleIndividual(room_prefix=f"rel-{i}-"),
        trunk_ids=[f"{prefix}{i}"],
        attributes={"index": str(i)},
    )
    for i in range(count)
]

pulumi.export("rule_ids", {f"rule-{i}": rule.id for i, rule in enumerate(rules)})
