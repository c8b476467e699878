"""An update keeps what the server keeps: fields the installed stubs do not know, the server's own
spelling of what it holds (`media: {}`), everything the program did not change. And an object is
never written to with its ID in another LiveKit project than the one it was made in.

The merge is a pure function (`_model.canonical.onto_stored`); the provider's update and delete run on
httpx.MockTransport. The same paths run against livekit-server and the engine in
tests/server/test_provider_calls.py and tests/engine/test_update_keeps.py."""

from __future__ import annotations

import httpx
import pytest
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import ConfigureRequest
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._core import state as _state
from pulumi_livekit._core.connection import PROJECT_KEY, project_mark
from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.trunks import InboundTrunkProvider
from pulumi_livekit._exceptions import OtherProjectError
from pulumi_livekit._model.canonical import onto_stored
from pulumi_livekit._model.field_update import field_update
from pulumi_livekit._model.stored import upgraded
from pulumi_livekit.testing import unknown_field

NEWER = unknown_field(999, b"set in the dashboard of a newer LiveKit")
NESTED_NEWER = unknown_field(998, b"inside the rule")
ENDPOINT = Endpoint("http://livekit.test:7880", "key", "secret-that-is-long-enough-for-hs256")
OTHER = Endpoint("http://other.test:7880", "other-key", "another-secret-long-enough-for-hs256")


def with_bytes(message, extra: bytes):
    return type(message).FromString(message.SerializeToString() + extra)


def rule(**fields) -> sip_pb.SIPDispatchRuleInfo:
    info = sip_pb.SIPDispatchRuleInfo(**fields)
    if not info.HasField("rule"):
        info.rule.dispatch_rule_direct.room_name = "lobby"
        info.rule.dispatch_rule_direct.pin = "1234"
    return info


def stored_rule() -> sip_pb.SIPDispatchRuleInfo:
    """As LiveKit answers: its ID and timestamps, the empty `media` it adds, a field of a newer LiveKit at the top
    and one inside the rule kind."""
    info = rule(sip_dispatch_rule_id="SDR_1", name="front desk", trunk_ids=["ST_a"], attributes={"tier": "gold"})
    info.media.SetInParent()
    info.created_at.seconds = 1700000000
    direct = with_bytes(info.rule.dispatch_rule_direct, NESTED_NEWER)
    info.rule.dispatch_rule_direct.CopyFrom(direct)
    return with_bytes(info, NEWER)


# ---- the merge ---------------------------------------------------------------------------------


def test_an_update_keeps_unknown_fields_and_the_servers_spelling_and_takes_what_changed():
    sent = onto_stored(stored_rule(), rule(name="reception", trunk_ids=["ST_b"], attributes={"tier": "gold"}))
    wire = sent.SerializeToString()
    assert NEWER in wire and NESTED_NEWER in wire
    assert sent.HasField("media")  # what the server added, though no one declared it
    assert (sent.name, list(sent.trunk_ids)) == ("reception", ["ST_b"])
    assert sent.rule.dispatch_rule_direct.pin == "1234"
    assert not sent.sip_dispatch_rule_id and not sent.HasField("created_at")  # the server's to assign


def test_what_the_program_drops_is_dropped_and_what_it_switches_is_switched():
    declared = rule(name="front desk")
    declared.rule.dispatch_rule_individual.room_prefix = "call-"
    sent = onto_stored(stored_rule(), declared)
    assert sent.rule.WhichOneof("rule") == "dispatch_rule_individual"
    assert sent.rule.dispatch_rule_individual.room_prefix == "call-"
    assert list(sent.trunk_ids) == [] and dict(sent.attributes) == {}
    assert NEWER in sent.SerializeToString()


def test_an_unchanged_object_is_sent_back_as_the_server_stores_it_with_its_unknown_fields():
    stored = stored_rule()
    declared = rule(name="front desk", trunk_ids=["ST_a"], attributes={"tier": "gold"})
    expected = type(stored)()
    expected.CopyFrom(stored)
    expected.ClearField("sip_dispatch_rule_id")
    expected.ClearField("created_at")
    assert onto_stored(stored, declared).SerializeToString(deterministic=True) == \
        expected.SerializeToString(deterministic=True)


def test_the_legacy_media_encryption_and_its_copy_in_media_move_together():
    stored = sip_pb.SIPInboundTrunkInfo(numbers=["+15550100"], media_encryption=1)
    stored.media.encryption = 1  # what every write sends: both spellings
    sent = onto_stored(stored, sip_pb.SIPInboundTrunkInfo(numbers=["+15550100"], media_encryption=2))
    assert sent.media_encryption == 2 and sent.media.encryption == 2
    kept = onto_stored(stored, sip_pb.SIPInboundTrunkInfo(numbers=["+15550199"], media_encryption=1))
    assert kept.media.encryption == 1 and list(kept.numbers) == ["+15550199"]


def test_a_message_the_program_no_longer_declares_is_removed_as_a_create_would_have_none():
    stored = rule(sip_dispatch_rule_id="SDR_1", room_config={"agents": [{"agent_name": "support"}]})
    sent = onto_stored(stored, rule())
    assert not sent.HasField("room_config")
    assert sent == upgraded(rule())  # what a create of the declaration sends


def test_a_message_no_longer_declared_that_holds_a_newer_livekits_field_keeps_only_that():
    stored = rule(room_config={"name": "r", "agents": [{"agent_name": "support"}]})
    stored.room_config.CopyFrom(with_bytes(stored.room_config, NESTED_NEWER))
    sent = onto_stored(stored, rule())
    assert sent.HasField("room_config") and NESTED_NEWER in sent.room_config.SerializeToString()
    assert sent.room_config.name == "" and list(sent.room_config.agents) == []


def test_a_rule_kind_switched_from_one_holding_a_newer_field_is_the_declared_kind_alone():
    declared = rule()
    declared.rule.dispatch_rule_callee.SetInParent()  # a callee rule, every option at its default
    sent = onto_stored(stored_rule(), declared)
    assert sent.rule.WhichOneof("rule") == "dispatch_rule_callee"
    assert sent.rule.dispatch_rule_callee == sip_pb.SIPDispatchRuleCallee()
    assert NEWER in sent.SerializeToString()


def test_an_empty_message_left_on_the_server_goes_when_the_program_declares_none():
    stored = rule(sip_dispatch_rule_id="SDR_1")
    stored.room_config.SetInParent()  # what an update of earlier versions left: `roomConfig: {}`
    assert not onto_stored(stored, rule()).HasField("room_config")


# ---- the field-wise update ------------------------------------------------------------------------


def test_a_change_the_field_wise_update_can_say_is_one_update_of_just_that():
    previous = upgraded(rule(name="front desk", trunk_ids=["ST_a"], attributes={"tier": "gold", "floor": "3"}))
    declared = upgraded(rule(name="", trunk_ids=[], attributes={"tier": "silver", "desk": "7"}))
    update = field_update(previous, declared)
    assert update.HasField("name") and update.name == ""  # cleared, which only presence can say
    assert update.trunk_ids.clear and not update.trunk_ids.set
    assert dict(update.attributes) == {"tier": "silver", "desk": "7", "floor": ""}  # "" deletes the key
    assert not update.HasField("rule") and not update.HasField("media")
    moved = upgraded(rule(name="front desk", trunk_ids=["ST_b", "ST_c"], attributes={"tier": "gold", "floor": "3"}))
    assert field_update(previous, moved) == sip_pb.SIPDispatchRuleUpdate(trunk_ids={"set": ["ST_b", "ST_c"]})
    assert field_update(previous, previous) == sip_pb.SIPDispatchRuleUpdate()  # nothing to change: the object back


@pytest.mark.parametrize("change", [
    {"room_config": {"agents": [{"agent_name": "a"}]}},  # not in the update message
    {"krisp_enabled": True},
    {"media_encryption": sip_pb.SIP_MEDIA_ENCRYPT_ALLOW},  # undone by the server's Apply without `media`
    {"media": {"media_timeout": {"seconds": 5}}},  # replaced whole: unknown fields inside would go
])
def test_a_change_it_cannot_say_is_a_read_and_a_replace(change):
    assert field_update(upgraded(rule()), upgraded(rule(**change))) is None


def test_a_changed_rule_kind_body_is_a_read_and_a_replace_as_the_update_would_replace_it_whole():
    declared = rule()
    declared.rule.dispatch_rule_direct.pin = "4321"
    assert field_update(upgraded(rule()), upgraded(declared)) is None


def test_trunks_have_their_own_field_wise_updates():
    previous = upgraded(sip_pb.SIPOutboundTrunkInfo(address="a.example.com", numbers=["+15550100"]))
    declared = upgraded(sip_pb.SIPOutboundTrunkInfo(address="b.example.com", numbers=["+15550101"], transport=3))
    update = field_update(previous, declared)
    assert (update.address, list(update.numbers.set), update.transport) == ("b.example.com", ["+15550101"], 3)
    inbound = upgraded(sip_pb.SIPInboundTrunkInfo(numbers=["+15550100"]))
    headers = upgraded(sip_pb.SIPInboundTrunkInfo(numbers=["+15550100"], headers={"X-A": "b"}))
    assert field_update(inbound, headers) is None


# ---- the provider, on MockTransport -------------------------------------------------------------


class Server:
    """Answers a rule's List (as a newer LiveKit would, with `stored_rule`) and Update; records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        self.requests.append((method, request.content))
        if method == "ListSIPDispatchRule":
            body = sip_pb.ListSIPDispatchRuleResponse(items=[stored_rule()]).SerializeToString()
        elif method == "UpdateSIPDispatchRule":
            replace = sip_pb.UpdateSIPDispatchRuleRequest.FromString(request.content).replace
            replace.sip_dispatch_rule_id = "SDR_1"
            body = replace.SerializeToString()
        else:
            return httpx.Response(404, json={"code": "not_found", "msg": method})
        return httpx.Response(200, content=body, headers={"Content-Type": "application/protobuf"})


@pytest.fixture
def server() -> Server:
    server = Server()
    _state.reset().transport = httpx.MockTransport(server)
    yield server
    _state.reset()


def configured(provider, endpoint: Endpoint):
    provider.configure(ConfigureRequest({"livekit:url": endpoint.url, "livekit:apiKey": endpoint.api_key,
                                         "livekit:apiSecret": endpoint.api_secret}))
    return provider


def test_the_providers_update_sends_what_the_server_answered_it_with_its_changes(server):
    provider = configured(DispatchRuleProvider(), ENDPOINT)
    news = {"name": "reception", "trunk_ids": ["ST_a"], "attributes": {"tier": "gold"},
            "rule": {"dispatch_rule_direct": {"room_name": "lobby"}}, "pin": "1234"}
    result = provider.update("SDR_1", {}, news)
    (_, body), = [r for r in server.requests if r[0] == "UpdateSIPDispatchRule"]
    sent = sip_pb.UpdateSIPDispatchRuleRequest.FromString(body).replace
    assert NEWER in sent.SerializeToString() and NESTED_NEWER in sent.SerializeToString()
    assert sent.name == "reception" and sent.HasField("media")
    # What the state shows is the canonical form: the unknown fields are the server's, not the program's.
    assert result.outs["name"] == "reception" and result.outs[PROJECT_KEY] == project_mark(ENDPOINT)


def test_a_stack_connection_moved_to_another_project_fails_the_diff_and_sends_no_delete(server):
    provider = configured(DispatchRuleProvider(), OTHER)
    olds = {"name": "front desk", "rule": {"dispatch_rule_direct": {"room_name": "lobby"}},
            "sip_dispatch_rule_id": "SDR_1", PROJECT_KEY: project_mark(ENDPOINT)}
    news = {key: value for key, value in olds.items() if key in ("name", "rule")}
    with pytest.raises(OtherProjectError, match=r"DispatchRule SDR_1 is in another LiveKit project.*pulumi destroy --yes --target"):
        provider.diff("SDR_1", olds, news)
    with pytest.raises(OtherProjectError):
        provider.delete("SDR_1", olds)
    assert server.requests == []
    # In its own project, or with a state from before the record: as before.
    assert not configured(provider, ENDPOINT).diff("SDR_1", olds, news).changes
    assert not configured(InboundTrunkProvider(), OTHER).diff(
        "ST_1", {"numbers": ["+15550100"]}, {"numbers": ["+15550100"]}).changes


def test_the_refusal_of_a_moved_stack_prints_the_commands_that_move_it_from_config_or_from_the_environment(
        server, monkeypatch):
    olds = {"name": "front desk", "rule": {"dispatch_rule_direct": {"room_name": "lobby"}},
            "sip_dispatch_rule_id": "SDR_1", PROJECT_KEY: project_mark(ENDPOINT)}
    news = {"name": "front desk", "rule": {"dispatch_rule_direct": {"room_name": "lobby"}}}
    destroy = "`pulumi destroy --yes --target '**pulumi-python:dynamic/livekit:**'`"
    with pytest.raises(OtherProjectError) as from_config:
        configured(DispatchRuleProvider(), OTHER).diff("SDR_1", olds, news)
    assert f"run {destroy} (it reaches them with the settings the stack recorded" in str(from_config.value)
    assert "then `pulumi up`" in str(from_config.value) and "LIVEKIT_" not in str(from_config.value)

    for variable, value in (("LIVEKIT_URL", OTHER.url), ("LIVEKIT_API_KEY", OTHER.api_key),
                            ("LIVEKIT_API_SECRET", OTHER.api_secret)):
        monkeypatch.setenv(variable, value)
    provider = DispatchRuleProvider()
    provider.configure(ConfigureRequest({}))
    with pytest.raises(OtherProjectError) as from_environment:
        provider.diff("SDR_1", olds, news)
    told = str(from_environment.value)
    assert "LIVEKIT_URL and LIVEKIT_API_KEY name the new project" in told
    assert ("run `LIVEKIT_URL=<LIVEKIT_URL of the project they are in> LIVEKIT_API_KEY=<LIVEKIT_API_KEY of the project "
            "they are in> LIVEKIT_API_SECRET=<LIVEKIT_API_SECRET of the project they are in> pulumi destroy --yes "
            "--target '**pulumi-python:dynamic/livekit:**'`, then `pulumi up`") in told
    assert OTHER.api_secret not in told and server.requests == []


def test_a_plugin_resource_recorded_in_another_project_moves_there(server):
    """The plugin's deletes go through the provider that made the object: a move stopped part way goes on."""
    olds = {"name": "front desk", "rule": {"dispatch_rule_direct": {"room_name": "lobby"}},
            "sip_dispatch_rule_id": "SDR_1", "_project": project_mark(ENDPOINT)}  # as states before `__project`
    news = {"name": "front desk", "rule": {"dispatch_rule_direct": {"room_name": "lobby"}}}
    moved = configured(DispatchRuleProvider(), OTHER).diff("SDR_1", olds, news, deleted_where_made=True)
    assert moved.replaces == [PROJECT_KEY] and not moved.delete_before_replace
    assert configured(DispatchRuleProvider(), ENDPOINT).diff("SDR_1", olds, news, deleted_where_made=True).replaces == []
    assert server.requests == []
