"""`resource.<field>` resolves for every output field, whether the program registered it or not
(SIPResource registers only the fields a program sets; the others are made on first use)."""

from __future__ import annotations

import json
import uuid

from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider

from support import PROGRAMS

FIELDS = sorted({f.name for f in DispatchRuleProvider.kind.message.DESCRIPTOR.fields} - {"created_at", "updated_at"}
                | {"pin", "connection"})
SET_BY_PROGRAM = {"rule", "pin", "name", "trunk_ids", "sip_dispatch_rule_id"}


def fields_stack(pulumi_stack, *, ignore: list[str] = ()):
    stack = pulumi_stack(PROGRAMS / "fields")
    stack.set_config("trunk", f"ST_{uuid.uuid4().hex[:12]}")
    stack.set_config("fields", json.dumps(FIELDS))
    stack.set_config("ignore", json.dumps(list(ignore)))
    return stack


def field_values(stack, *, show_secrets: bool = True) -> dict:
    outputs = stack.outputs(show_secrets=show_secrets)
    return {name: json.loads(outputs[f"field_{name}"]) if show_secrets else outputs[f"field_{name}"]
            for name in FIELDS}


def test_every_field_reads_as_the_server_holds_it_set_or_not(pulumi_stack, oracle):
    stack = fields_stack(pulumi_stack)
    stack.up()
    values = field_values(stack)
    [stored] = oracle.rules()
    assert values["sip_dispatch_rule_id"] == stored.sip_dispatch_rule_id
    assert values["rule"] == {"dispatch_rule_direct": {"room_name": "fields-room"}}
    assert values["pin"] == "73519" == stored.rule.dispatch_rule_direct.pin
    assert (values["name"], values["trunk_ids"]) == ("fields", list(stored.trunk_ids))
    assert {name: value for name, value in values.items() if name not in SET_BY_PROGRAM} == dict.fromkeys(
        set(FIELDS) - SET_BY_PROGRAM)
    assert field_values(stack, show_secrets=False)["pin"] == "[secret]"
    assert stack.outputs()["has_no_such_field"] is False
    stack.preview("--expect-no-changes")


def test_a_field_whose_changes_are_ignored_reads_as_the_server_holds_it(pulumi_stack, oracle):
    stack = fields_stack(pulumi_stack, ignore=["metadata"])
    stack.up()
    rule_id = field_values(stack)["sip_dispatch_rule_id"]
    oracle.call("update_dispatch_rule_fields", rule_id, metadata="set in the dashboard")
    stack.up("--refresh")
    assert oracle.rule(rule_id).metadata == "set in the dashboard"
    assert field_values(stack)["metadata"] == "set in the dashboard"
