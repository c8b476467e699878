"""What an interrupted `pulumi up` left, as the checks and `livekit-recover` read it from a stack export: pending
creates and the IDs the stack holds, which object each pending create made (by the ID the engine recorded, else by
content, never one a stack holds, refusing when twins outnumber the creates), and the state written back. Plain
unit tests on stack exports as `pulumi stack export` writes them; through the engine in
tests/engine/test_interrupted_up.py."""

from __future__ import annotations

import pytest
from livekit.protocol import sip as sip_pb
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._core.connection import PROJECT_KEY, project_mark
from pulumi_livekit._core.interrupted import StackRecord, interrupted_create_message
from pulumi_livekit._model.kinds import DISPATCH_RULE, OUTBOUND_TRUNK
from pulumi_livekit._model.properties import SECRET_SIG
from pulumi_livekit.cli.recover import Plan, Refused, endpoint_of, plan, state_with
from pulumi_livekit.cli.recover import main as recover_main

STACK = "urn:pulumi:dev::telephony"
DYNAMIC_TRUNK = f"{STACK}::pulumi-python:dynamic/livekit:OutboundTrunk"
PLUGIN_RULE = f"{STACK}::livekit:index:DispatchRule"
PROVIDER = f"{STACK}::pulumi:providers:livekit::default::4f0e"
ENDPOINT = Endpoint("http://livekit.test:7880", "APIrecover", "secret-long-enough-for-hs256")


def shown_secret(value) -> dict:
    return {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "plaintext": f'"{value}"'}


def encrypted() -> dict:
    return {SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}


def trunk_inputs(number: str, password=None) -> dict:
    inputs = {"__provider": "serialized", "address": "sip.example.com", "numbers": [number]}
    if password is not None:
        inputs.update(auth_username="carrier", auth_password=password)
    return inputs


def pending(urn: str, inputs: dict, object_id: str = "", id_key: str = "sip_trunk_id") -> dict:
    """A pending create as the engine exports it; with the ID and outputs of the provider's answer when given."""
    resource = {"urn": urn, "custom": True, "type": urn.rsplit("::", 2)[1], "inputs": inputs, "provider": PROVIDER}
    if object_id:
        resource.update(id=object_id, outputs={**inputs, id_key: object_id})
    return {"resource": resource, "type": "creating"}


def export(*operations, held=("ST_held",), extra=()) -> dict:
    resources = [{"urn": f"{STACK}::pulumi:pulumi:Stack::telephony-dev", "type": "pulumi:pulumi:Stack"},
                 {"urn": PROVIDER.rsplit("::", 1)[0], "id": "4f0e", "type": "pulumi:providers:livekit",
                  "inputs": {"url": ENDPOINT.url, "apiKey": ENDPOINT.api_key, "apiSecret": shown_secret(ENDPOINT.api_secret)}},
                 *({"urn": f"{DYNAMIC_TRUNK}::kept-{i}", "id": held_id, "type": "x"} for i, held_id in enumerate(held)),
                 *extra]
    return {"version": 3, "deployment": {"resources": resources, "pending_operations": list(operations)}}


def outbound(object_id: str, number: str, password: str = "") -> sip_pb.SIPOutboundTrunkInfo:
    return sip_pb.SIPOutboundTrunkInfo(sip_trunk_id=object_id, address="sip.example.com", numbers=[number],
                                       auth_username="carrier" if password else "", auth_password=password)


def test_a_record_holds_the_pending_creates_of_this_packages_kinds_and_names_the_others():
    record = StackRecord.of_export(export(
        pending(f"{DYNAMIC_TRUNK}::a", trunk_inputs("+15550100")),
        pending(f"{PLUGIN_RULE}::b", {"rule": {"dispatchRuleDirect": {"roomName": "r", "pin": encrypted()}}}),
        {"resource": {"urn": f"{STACK}::aws:s3/bucket:Bucket::logs", "type": "aws:s3/bucket:Bucket"},
         "type": "creating"},
        {"resource": {"urn": f"{DYNAMIC_TRUNK}::c", "type": "pulumi-python:dynamic/livekit:OutboundTrunk"},
         "type": "updating"}))
    assert [(c.urn.rsplit("::", 1)[1], c.kind) for c in record.pending] == [("a", OUTBOUND_TRUNK), ("b", DISPATCH_RULE)]
    assert record.foreign == (f"{STACK}::aws:s3/bucket:Bucket::logs",) and record.held == {"ST_held", "4f0e"}


def test_pending_creates_are_known_by_urn_or_by_what_they_declare_without_their_secrets():
    record = StackRecord.of_export(export(pending(f"{DYNAMIC_TRUNK}::a", trunk_inputs("+15550100", encrypted())),
                                          pending(f"{DYNAMIC_TRUNK}::b", trunk_inputs("+15550100", encrypted()))))
    declared = outbound("", "+15550100", "the-password")
    assert record.pending_like(OUTBOUND_TRUNK, f"{DYNAMIC_TRUNK}::a", declared) == 1
    assert record.pending_like(OUTBOUND_TRUNK, None, declared) == 2  # Pulumi's own host tells no URN
    assert record.pending_like(OUTBOUND_TRUNK, None, outbound("", "+15550199")) == 0
    assert record.pending_like(OUTBOUND_TRUNK, f"{DYNAMIC_TRUNK}::other", declared) == 0


def test_the_id_the_engine_recorded_is_taken_else_the_unheld_twins_in_order_and_the_rest_cleared():
    creates = StackRecord.of_export(export(
        pending(f"{DYNAMIC_TRUNK}::answered", trunk_inputs("+15550100"), object_id="ST_answered"),
        pending(f"{DYNAMIC_TRUNK}::first", trunk_inputs("+15550101")),
        pending(f"{DYNAMIC_TRUNK}::second", trunk_inputs("+15550101")),
        pending(f"{DYNAMIC_TRUNK}::lost", trunk_inputs("+15550102")))).pending
    on_server = [outbound("ST_answered", "+15550100"), outbound("ST_other_twin", "+15550100"),
                 outbound("ST_b", "+15550101"), outbound("ST_held", "+15550101"), outbound("ST_a", "+15550101")]
    result = plan(creates, {create.urn: on_server for create in creates}, frozenset({"ST_held"}))
    assert result.adopted == {f"{DYNAMIC_TRUNK}::answered": "ST_answered", f"{DYNAMIC_TRUNK}::first": "ST_a",
                              f"{DYNAMIC_TRUNK}::second": "ST_b"}
    assert result.dropped == [f"{DYNAMIC_TRUNK}::lost"]


def test_twins_no_stack_holds_outnumbering_the_creates_are_refused_naming_them_and_the_option_that_chooses():
    creates = StackRecord.of_export(export(pending(f"{DYNAMIC_TRUNK}::one", trunk_inputs("+15550101")))).pending
    on_server = [outbound("ST_mine_or_not", "+15550101"), outbound("ST_someone_elses", "+15550101")]
    with pytest.raises(Refused, match="ST_mine_or_not, ST_someone_elses") as refusal:
        plan(creates, {creates[0].urn: on_server}, frozenset())
    assert f"run livekit-recover again with --take '{DYNAMIC_TRUNK}::one=<ID>'" in str(refusal.value)


def test_a_chosen_twin_is_taken_and_the_other_twins_left_to_the_content_pairing():
    creates = StackRecord.of_export(export(pending(f"{DYNAMIC_TRUNK}::one", trunk_inputs("+15550101")),
                                           pending(f"{DYNAMIC_TRUNK}::two", trunk_inputs("+15550102")))).pending
    on_server = [outbound("ST_mine", "+15550101"), outbound("ST_someone_elses", "+15550101"),
                 outbound("ST_two", "+15550102")]
    result = plan(creates, {create.urn: on_server for create in creates}, frozenset(),
                  {f"{DYNAMIC_TRUNK}::one": "ST_mine"})
    assert result.adopted == {f"{DYNAMIC_TRUNK}::one": "ST_mine", f"{DYNAMIC_TRUNK}::two": "ST_two"}
    assert result.dropped == []


@pytest.mark.parametrize("choice, held, problem", [
    ("ST_absent", (), "the LiveKit project its provider reaches holds no outbound trunk with that ID"),
    ("ST_held", ("ST_held",), "a stack's state holds it already"),
    ("ST_other_number", (), "it does not hold what the resource declares"),
])
def test_a_chosen_object_that_cannot_be_the_creates_is_refused_saying_why(choice, held, problem):
    creates = StackRecord.of_export(export(pending(f"{DYNAMIC_TRUNK}::one", trunk_inputs("+15550101")))).pending
    on_server = [outbound("ST_held", "+15550101"), outbound("ST_other_number", "+15550199")]
    with pytest.raises(Refused, match=f"--take {DYNAMIC_TRUNK}::one={choice}: {problem}"):
        plan(creates, {creates[0].urn: on_server}, frozenset(held), {f"{DYNAMIC_TRUNK}::one": choice})


def test_a_choice_against_the_id_the_engine_recorded_or_for_no_pending_create_is_refused():
    creates = StackRecord.of_export(export(
        pending(f"{DYNAMIC_TRUNK}::answered", trunk_inputs("+15550100"), object_id="ST_answered"))).pending
    on_server = [outbound("ST_answered", "+15550100"), outbound("ST_twin", "+15550100")]
    with pytest.raises(Refused, match="the engine recorded that this create made ST_answered"):
        plan(creates, {creates[0].urn: on_server}, frozenset(), {f"{DYNAMIC_TRUNK}::answered": "ST_twin"})
    with pytest.raises(Refused, match=f"--take names no pending create of the stack: {DYNAMIC_TRUNK}::typo"):
        plan(creates, {creates[0].urn: on_server}, frozenset(), {f"{DYNAMIC_TRUNK}::typo": "ST_twin"})


@pytest.mark.parametrize("argv, message", [
    (["--take", "ST_abc"], "expected URN=ID"),
    (["--take", f"{DYNAMIC_TRUNK}::one=ST_a", "--take", f"{DYNAMIC_TRUNK}::one=ST_b"], "more than once"),
])
def test_a_malformed_take_is_a_usage_error(argv, message, capsys):
    with pytest.raises(SystemExit) as exited:
        recover_main(argv)
    assert exited.value.code == 2 and message in capsys.readouterr().err


def test_content_includes_the_secrets_shown():
    creates = StackRecord.of_export(export(
        pending(f"{DYNAMIC_TRUNK}::one", trunk_inputs("+15550101", shown_secret("right"))))).pending
    on_server = [outbound("ST_wrong", "+15550101", "wrong"), outbound("ST_right", "+15550101", "right")]
    assert plan(creates, {creates[0].urn: on_server}, frozenset()).adopted == {creates[0].urn: "ST_right"}


def test_the_state_written_back_holds_each_object_found_with_its_secrets_as_they_were_and_no_pending_operation():
    plain = export(pending(f"{DYNAMIC_TRUNK}::found", trunk_inputs("+15550101", encrypted())),
                   pending(f"{PLUGIN_RULE}::answered", {"rule": {"dispatchRuleDirect": {"roomName": "r"}}},
                           object_id="SDR_answered", id_key="sipDispatchRuleId"),
                   pending(f"{DYNAMIC_TRUNK}::lost", trunk_inputs("+15550102")))
    result = Plan(adopted={f"{DYNAMIC_TRUNK}::found": "ST_found", f"{PLUGIN_RULE}::answered": "SDR_answered"},
                  dropped=[f"{DYNAMIC_TRUNK}::lost"])
    written = state_with(plain, result, {f"{DYNAMIC_TRUNK}::found": ENDPOINT, f"{PLUGIN_RULE}::answered": ENDPOINT})
    deployment = written["deployment"]
    assert deployment["pending_operations"] == [] and written["version"] == 3
    found, answered = deployment["resources"][-2:]
    assert found["id"] == "ST_found" and found["outputs"] == {
        **trunk_inputs("+15550101", encrypted()), "sip_trunk_id": "ST_found", PROJECT_KEY: project_mark(ENDPOINT)}
    # The answer the provider gave, which the engine wrote before it stopped, is kept as it is.
    assert answered["id"] == "SDR_answered" and answered["outputs"]["sipDispatchRuleId"] == "SDR_answered"
    assert "lost" not in str(deployment["resources"])


def test_a_pending_create_reaches_its_own_connection_else_its_providers_settings():
    resources = export()["deployment"]["resources"]
    (create,) = StackRecord.of_export(export(pending(f"{PLUGIN_RULE}::a", {"rule": {}}))).pending
    assert endpoint_of(create, resources, PROVIDER) == ENDPOINT
    own = {"url": "http://elsewhere.test:7880", "api_key": "APIown", "api_secret": shown_secret("own-secret-for-hs256")}
    (create,) = StackRecord.of_export(export(pending(f"{DYNAMIC_TRUNK}::b", {**trunk_inputs("+1"), "connection": own}))).pending
    assert endpoint_of(create, resources, PROVIDER) == Endpoint("http://elsewhere.test:7880", "APIown",
                                                                "own-secret-for-hs256")


def test_the_message_says_what_was_made_and_prints_the_command():
    told = interrupted_create_message(OUTBOUND_TRUNK, ["ST_a"], "organization/telephony/dev")
    assert "OutboundTrunk ST_a on the LiveKit server" in told and "would make a second one" in told
    assert "--stack organization/telephony/dev --cwd " in told and told.endswith("Then `pulumi up`.")
    assert "a refusal next to it" in interrupted_create_message(DISPATCH_RULE, ["SDR_a"], "dev")
