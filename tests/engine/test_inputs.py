"""Inputs a newcomer gets slightly wrong: a single Output for a list field, a nested value of the wrong
type, a misspelt field. Refused at preview with a message that reads right, or accepted as documented."""

from __future__ import annotations

from pathlib import Path

from support import VENV


def program(tmp_path: Path, body: str, name: str = "program") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "Pulumi.yaml").write_text(f"name: inputs\nruntime:\n  name: python\n  options:\n    virtualenv: {VENV}\n")
    (folder / "__main__.py").write_text("import pulumi\nimport pulumi_livekit as livekit\n\n" + body)
    return folder


def test_a_single_output_for_a_list_field_is_a_one_element_list(tmp_path, pulumi_stack, oracle, proxy):
    stack = pulumi_stack(program(tmp_path, '''
line = livekit.InboundTrunk("line", name="line", numbers=["+15550100"])
livekit.DispatchRule("rule", rule=livekit.DispatchRuleIndividual(room_prefix="call-"), trunk_ids=line.id)
'''))
    stack.preview()
    up = stack.up()
    assert up.changes == {"create": 3}, up.summary  # the stack, the trunk, the rule: none fails midway
    [trunk] = oracle.inbound_trunks()
    assert [list(r.trunk_ids) for r in oracle.rules()] == [[trunk.sip_trunk_id]]
    stack.preview("--expect-no-changes")


def test_a_nested_failure_names_its_path_and_never_a_nil_value_and_a_misspelt_field_its_nearest_name(
        tmp_path, pulumi_stack, oracle):
    def refused(name: str, body: str) -> str:
        """The engine stops at the first resource whose check fails: one program each."""
        preview = pulumi_stack(program(tmp_path, body, name)).preview(check=False)
        assert preview.returncode != 0 and "{<nil>}" not in preview.output, preview.output
        return preview.messages()[name]

    tiered = refused("tiered", '''
livekit.DispatchRule("tiered", rule=livekit.DispatchRuleIndividual(room_prefix="call-"), attributes={"tier": 5})
''')
    # Reported on the property the engine shows the value of, the nested path in the text.
    assert "property attributes value {map[tier:{5}]} has a problem: attributes.tier: expected a string, got the " \
           "number 5" in tiered, tiered
    agents = refused("agents", '''
livekit.DispatchRule("agents", rule=livekit.DispatchRuleIndividual(room_prefix="agent-"),
                     room_config={"agentz": [{"agent_name": "a"}]})
''')
    assert "room_config.agentz: unknown field; did you mean 'agents'? expected one of: agents," in agents, agents
    assert oracle.rules() == []
