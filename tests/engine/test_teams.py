"""examples/teams through the real engine, on one LiveKit: the telephony team's trunks stacks (dev, prod) and an
application team's rules stacks (dev, prod) that find their trunk by lookup; the StackReference alternative
finding the same trunk; clean previews; destroyed in order, rules first. Server state is read with the
official SDK (`oracle`)."""

from __future__ import annotations

import json

import yaml

from support import EXAMPLES, example_stack, warnings_of

TEAMS = EXAMPLES / "teams"


def test_the_trunks_and_rules_stacks_of_two_teams_per_environment(pulumi_stack, oracle, tmp_path):
    for project in ("trunks", "rules"):
        for env in ("dev", "prod"):
            text = (TEAMS / project / f"Pulumi.{env}.yaml").read_text()
            # No secrets and no connection in the committed stack files: those come from livekit:* or env.
            assert "secure:" not in text and not [
                key for key in yaml.safe_load(text)["config"] if key.startswith("livekit:")]

    # One backend for both teams, as an organisation's: a StackReference reads the trunks stacks' outputs.
    backend = {"PULUMI_BACKEND_URL": f"file://{tmp_path / 'backend'}"}
    (tmp_path / "backend").mkdir()
    trunks = {env: example_stack(pulumi_stack, TEAMS / "trunks", env, env=backend) for env in ("dev", "prod")}
    rules = {env: example_stack(pulumi_stack, TEAMS / "rules", env, env=backend) for env in ("dev", "prod")}

    trunk_ids = {env: stack.up().outputs["inbound_trunk_id"] for env, stack in trunks.items()}
    for env, stack in rules.items():
        up = stack.up()
        assert up.outputs["trunk_id"] == trunk_ids[env]
        assert warnings_of(up) == {}  # reviewed against the trunk it found, which serves the rule's number
    expected = {"dev": ("+15550100", "dev-support-", "support-agent-dev"),
                "prod": ("+15105550100", "support-", "support-agent")}
    for env, (number, prefix, agent) in expected.items():
        rule = oracle.rule(rules[env].outputs()["rule_id"])
        assert (list(rule.trunk_ids), list(rule.numbers)) == ([trunk_ids[env]], [number])
        assert rule.rule.dispatch_rule_individual.room_prefix == prefix
        [dispatched] = rule.room_config.agents
        assert (dispatched.agent_name, json.loads(dispatched.metadata)) == (agent, {"env": env, "line": number})
    for stack in rules.values():
        stack.preview("--expect-no-changes")

    # The StackReference alternative names the very same trunk: nothing to change.
    rules["dev"].set_config("trunksStack", "organization/livekit-teams-trunks/dev")
    rules["dev"].preview("--expect-no-changes")

    # Rules before trunks; the rules stacks delete their rules alone.
    for env in ("dev", "prod"):
        assert rules[env].destroy().changes == {"delete": 2}
        assert {t.sip_trunk_id for t in oracle.inbound_trunks()} >= {trunk_ids[env]}
    assert oracle.rules() == []
    for stack in trunks.values():
        assert stack.destroy().changes == {"delete": 3}
    assert oracle.inbound_trunks() == [] and oracle.outbound_trunks() == []
