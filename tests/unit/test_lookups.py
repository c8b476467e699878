"""Lookups without a server: the request a lookup sends (LiveKit's narrowest filter), what it matches in the answer
(as LiveKit compares numbers, whatever the server did with the filter), what its failures say, one request per
distinct lookup in a process, and both entrances' shapes of what is found (the Python results, the plugin's
schema functions and Invoke). The engine tests run them against livekit-server: tests/engine/test_lookups.py."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
import time

import httpx
import pytest
from livekit.protocol import sip as sip_pb
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import ConfigureRequest, InvokeRequest

from pulumi_livekit import _exceptions
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._core import state as _state
from pulumi_livekit._core.lookups import Query, Requests, find, query_problems
from pulumi_livekit._dynamic.lookups import INFO_CLASSES
from pulumi_livekit._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, KINDS, OUTBOUND_TRUNK
from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit.plugin import LiveKitProvider, schema

ENDPOINT = Endpoint("http://livekit.test:7880", "key", "secret-that-is-long-enough-for-hs256")
PASSWORD = "Trunk-Pa55word-3301"
PIN = "70219934"

MAIN = sip_pb.SIPInboundTrunkInfo(sip_trunk_id="ST_main", name="Main line", numbers=["+15550100"],
                                  auth_username="pbx", auth_password=PASSWORD)
SPARE = sip_pb.SIPInboundTrunkInfo(sip_trunk_id="ST_spare", name="Spare", numbers=["+1 555 0101"])
ANY_NUMBER = sip_pb.SIPInboundTrunkInfo(sip_trunk_id="ST_any", name="Main line", allowed_addresses=["10.0.0.1"])
RULE = sip_pb.SIPDispatchRuleInfo(sip_dispatch_rule_id="SDR_lobby", name="Lobby", numbers=["+15550100"],
                                  rule=sip_pb.SIPDispatchRule(dispatch_rule_direct=sip_pb.SIPDispatchRuleDirect(
                                      room_name="lobby", pin=PIN)))


class Client:
    """What `find` asks of a SIPClient: its endpoint, and a List that answers `items` whatever it filters by (a
    server that ignores every filter), recording each request's filters."""

    def __init__(self, *items) -> None:
        self.connection = ENDPOINT
        self.items = list(items)
        self.sent: list[dict] = []

    def list(self, kind, **filters):
        self.sent.append(filters)
        return [item for item in self.items if isinstance(item, kind.message)]


def test_a_lookup_sends_the_narrowest_filter_livekit_has():
    assert Query(INBOUND_TRUNK, id="ST_main", name="Main line").filters() == {"ids": ["ST_main"]}
    # Both spellings: LiveKit compares an outbound trunk's numbers as written.
    assert Query(OUTBOUND_TRUNK, number="+1 555 0100").filters() == {"numbers": ["+1 555 0100", "+15550100"]}
    assert Query(INBOUND_TRUNK, number="+15550100").filters() == {"numbers": ["+15550100"]}
    assert Query(DISPATCH_RULE, number="+15550100").filters() == {}  # its list request has no number filter
    assert Query(INBOUND_TRUNK, name="Main line").filters() == {}


def test_what_a_lookup_matches_does_not_depend_on_the_server_honouring_its_filter():
    client = Client(MAIN, SPARE, ANY_NUMBER, RULE)
    by_number = find(Query(INBOUND_TRUNK, number="+15550101"), client, Requests())
    assert [t.sip_trunk_id for t in by_number.matches] == ["ST_spare"]  # "+1 555 0101", as LiveKit compares
    # A trunk that lists no number serves any, but a lookup by number finds the trunk that lists it.
    by_name = find(Query(INBOUND_TRUNK, name="Main line", number="+15550100"), client, Requests())
    assert [t.sip_trunk_id for t in by_name.matches] == ["ST_main"]
    rules = find(Query(DISPATCH_RULE, number="+1 (555) 0100"), client, Requests())
    assert [r.sip_dispatch_rule_id for r in rules.matches] == ["SDR_lobby"]
    every = find(Query(INBOUND_TRUNK), client, Requests())
    assert len(every.matches) == 3


def test_a_lookup_that_finds_none_or_several_says_what_it_searched_and_found_and_no_secret():
    client = Client(MAIN, SPARE, ANY_NUMBER)
    with pytest.raises(_exceptions.LookupFailedError) as none:
        find(Query(INBOUND_TRUNK, name="Backup"), client, Requests()).the_one()
    text = str(none.value)
    assert none.value.found == 0
    assert text.startswith('found no inbound trunk with name "Backup" in the LiveKit project at '
                           'http://livekit.test:7880: searched 3 inbound trunks: ')
    assert 'ST_main "Main line"' in text and 'ST_spare "Spare"' in text
    with pytest.raises(_exceptions.LookupFailedError) as several:
        find(Query(INBOUND_TRUNK, name="Main line"), client, Requests()).the_one()
    assert several.value.found == 2
    assert str(several.value).startswith('found 2 inbound trunks with name "Main line" in the LiveKit project at '
                                         'http://livekit.test:7880, where one was expected: ST_main "Main line", '
                                         'ST_any "Main line". Narrow the lookup')
    with pytest.raises(_exceptions.LookupFailedError, match="LiveKit holds no inbound trunk with that ID"):
        find(Query(INBOUND_TRUNK, id="ST_gone"), Client(), Requests()).the_one()
    assert PASSWORD not in text + str(several.value)


def test_the_keys_of_a_lookup_are_checked_before_any_request():
    assert query_problems({"id": None, "name": "Main", "number": None}, one=True) == []
    assert query_problems({}, one=False) == []  # the list form: every object
    assert query_problems({"id": None}, one=True) == [("", "give at least one of id, name, number: the object to "
                                                           "find")]
    assert query_problems({"name": " ", "number": 15550100, "nmae": "x"}, one=True) == [
        ("name", "must be a non-empty string, got ' '"), ("number", "must be a string, got int"),
        ("nmae", "unknown lookup key; expected one of: id, name, number")]


def test_identical_requests_share_one_answer_even_at_once_and_a_failure_fails_each_alike():
    client = Client(MAIN, SPARE)
    requests = Requests()
    # By two names, every trunk: the same unfiltered request, sent once.
    for query in (Query(INBOUND_TRUNK, name="Main line"), Query(INBOUND_TRUNK, name="Spare"), Query(INBOUND_TRUNK)):
        find(query, client, requests)
    find(Query(INBOUND_TRUNK, number="+15550100"), client, requests)
    find(Query(INBOUND_TRUNK, number="+15550100", name="Main line"), client, requests)
    assert client.sent == [{}, {"numbers": ["+15550100"]}]

    slow, calls = Client(MAIN), []

    def fetch_slowly(kind, **filters):
        calls.append(filters)
        time.sleep(0.2)
        return [MAIN]

    slow.list = fetch_slowly
    shared = Requests()
    threads = [threading.Thread(target=find, args=(Query(INBOUND_TRUNK, id="ST_main"), slow, shared))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [{"ids": ["ST_main"]}]

    failing, failures = Client(), []

    def refuse(kind, **filters):
        failures.append(filters)
        raise _exceptions.TransportError("unreachable", rpc="List", url=ENDPOINT.url)

    failing.list = refuse
    refused = Requests()
    for _ in range(2):
        with pytest.raises(_exceptions.TransportError):
            find(Query(OUTBOUND_TRUNK), failing, refused)
    assert len(failures) == 1


def test_the_python_results_mirror_each_kinds_message():
    for kind in KINDS:
        expected = ({f.name for f in kind.message.DESCRIPTOR.fields if f.name not in OUTPUT_ONLY}
                    | set(kind.split_keys) | {kind.id_field})
        assert {f.name for f in dataclasses.fields(INFO_CLASSES[kind])} == expected, kind


def test_the_schema_has_a_lookup_and_a_list_form_of_each_kind_returning_its_outputs_secrets_marked():
    package = json.loads(schema())
    for kind in KINDS:
        resource = package["resources"][kind.plugin_token]
        one, every = (package["functions"][f"livekit:index:get{kind.name}{suffix}"] for suffix in ("", "s"))
        for function in (one, every):
            assert set(function["inputs"]["properties"]) == {"id", "name", "number"}
        assert one["outputs"]["properties"] == resource["properties"]
        assert one["outputs"]["required"] == resource["required"]
        item = every["outputs"]["properties"]["items"]["items"]["$ref"].removeprefix("#/types/")
        assert package["types"][item]["properties"] == resource["properties"]
    assert package["functions"]["livekit:index:getOutboundTrunk"]["outputs"]["properties"]["authPassword"]["secret"]


@pytest.fixture
def plugin() -> LiveKitProvider:
    """The plugin's provider, configured, in front of a server that answers every trunk List with MAIN and SPARE."""

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/ListSIPInboundTrunk"), request.url
        body = sip_pb.ListSIPInboundTrunkResponse(items=[MAIN, SPARE]).SerializeToString()
        return httpx.Response(200, content=body, headers={"Content-Type": "application/protobuf"})

    _state.reset().transport = httpx.MockTransport(answer)
    provider = LiveKitProvider()
    asyncio.run(provider.configure(ConfigureRequest(
        variables={}, args={"url": PropertyValue(ENDPOINT.url), "apiKey": PropertyValue(ENDPOINT.api_key),
                            "apiSecret": PropertyValue(ENDPOINT.api_secret)},
        accept_secrets=True, accept_resources=True)))
    yield provider
    _state.reset()


def invoke(provider: LiveKitProvider, token: str, **args: str):
    return asyncio.run(provider.invoke(InvokeRequest(f"livekit:index:{token}",
                                                     {key: PropertyValue(value) for key, value in args.items()})))


def test_the_plugins_lookup_returns_the_object_in_the_schemas_names_its_password_secret(plugin):
    found = invoke(plugin, "getInboundTrunk", number="+15550100").return_value
    assert (found["sipTrunkId"].value, found["name"].value, found["authUsername"].value) == (
        "ST_main", "Main line", "pbx")
    assert found["authPassword"].is_secret and not found["sipTrunkId"].is_secret
    items = invoke(plugin, "getInboundTrunks").return_value["items"].value
    assert [item.value["sipTrunkId"].value for item in items] == ["ST_main", "ST_spare"]
    refused = invoke(plugin, "getInboundTrunk", nmae="Main line")
    assert [(f.property, f.reason) for f in refused.failures] == [
        ("nmae", "unknown lookup key; expected one of: id, name, number")]


def preview_json(read_state: dict) -> str:
    """`pulumi preview --json --show-sames` of a stack that reads trunk "main" (`get`) and changes the room
    prefix of its rule on it."""
    trunk_type, rule_type = INBOUND_TRUNK.dynamic_token, DISPATCH_RULE.dynamic_token
    rule = {"trunk_ids": ["ST_main"], "rule": {"dispatch_rule_individual": {"room_prefix": "x-"}}}
    return json.dumps({"steps": [
        {"op": "read", "urn": f"urn:pulumi:dev::p::{trunk_type}::main",
         "newState": {"type": trunk_type, "id": "ST_main", "inputs": {"__provider": "..."}}, **read_state},
        {"op": "update", "urn": f"urn:pulumi:dev::p::{rule_type}::r",
         "oldState": {"type": rule_type, "id": "SDR_r", "outputs": {**rule, "sip_dispatch_rule_id": "SDR_r"}},
         "newState": {"type": rule_type, "id": "SDR_r", "inputs": {
             **rule, "rule": {"dispatch_rule_individual": {"room_prefix": "y-"}}}}},
    ], "changeSummary": {"update": 1}})


def test_the_routing_diff_of_a_preview_takes_a_read_trunk_as_the_state_last_read_it():
    from pulumi_livekit.cli._preview import from_preview_json
    from pulumi_livekit.routing import route_changes

    last_read = {"oldState": {"type": INBOUND_TRUNK.dynamic_token, "id": "ST_main",
                              "outputs": {"sip_trunk_id": "ST_main", "numbers": ["+15550100"]}}}
    change = from_preview_json(preview_json(last_read))
    assert [list(t.numbers) for t in change.before[0]] == [list(t.numbers) for t in change.after[0]] == [
        ["+15550100"]]
    [moved] = [c for c in route_changes(change.before, change.after) if c.changed]
    assert (moved.call.to_number, moved.before.room, moved.after.room) == (
        "+15550100", "x-_{caller}_{random}", "y-_{caller}_{random}")
    assert change.unread == []
    first = from_preview_json(preview_json({}))  # the stack's first preview: nothing read yet
    assert first.unread == ["main"] and first.before[0] == first.after[0] == []


# ---- the policy pack: the trunks a stack's rules name that it does not hold -------------------------

def rules_stack(*rules: tuple[str, dict]):
    """A stack of dispatch rules only (Python), as the pack sees it: its trunk found by a lookup."""
    from pulumi_livekit.policy._subjects import Resource

    token = DISPATCH_RULE.dynamic_token
    return [Resource(token, name, f"urn:pulumi:dev::rules::{token}::{name}", props) for name, props in rules]


STRAY = ("stray", {"trunk_ids": ["ST_main"], "numbers": ["+15559999"],
                   "rule": {"dispatch_rule_direct": {"room_name": "stray"}}})
SUPPORT = ("support", {"trunk_ids": ["ST_main"], "rule": {"dispatch_rule_individual": {"room_prefix": "s-"}}})


def test_the_pack_judges_rules_against_the_trunks_they_name_read_from_livekit_never_reporting_those():
    from pulumi_livekit.policy._elsewhere import with_trunks_elsewhere
    from pulumi_livekit.policy._report import review
    from pulumi_livekit.policy._settings import read_config
    from pulumi_livekit.policy._subjects import subjects_of_resources

    [project] = subjects_of_resources(rules_stack(SUPPORT, STRAY))
    assert not project.complete
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked = sip_pb.ListSIPInboundTrunkRequest.FromString(request.content)
        sent.append(list(asked.trunk_ids))
        items = [t for t in (MAIN, SPARE) if t.sip_trunk_id in asked.trunk_ids]
        return httpx.Response(200, content=sip_pb.ListSIPInboundTrunkResponse(items=items).SerializeToString(),
                              headers={"Content-Type": "application/protobuf"})

    _state.reset().transport = httpx.MockTransport(answer)
    try:
        assert with_trunks_elsewhere(project, None, {}, {}) is project  # no connection anywhere: as it was
        config = {"livekit:url": ENDPOINT.url, "livekit:apiKey": "key", "livekit:apiSecret": ENDPOINT.api_secret}
        read = with_trunks_elsewhere(project, None, config, {})
    finally:
        _state.reset()
    assert sent == [["ST_main"]]  # the one trunk its rules name, in one request
    assert read.complete and [s.name for s in read.subjects if s.read_only] == ["ST_main"]
    report = review([read], read_config("{}")[0])
    # The stray rule's number is not the trunk's; nothing is said of the trunk, its own stack's to fix.
    assert {(r.finding.subject.name, r.finding.policy) for r in report.findings} == {("stray", "unserved-number")}
    assert report.skipped == []
    assert PASSWORD not in str([s.message for s in read.subjects])


def test_the_connection_a_resource_names_for_its_trunks_elsewhere():
    from pulumi_livekit.policy._elsewhere import explicit_connection

    assert explicit_connection({"connection": {"url": "wss://a", "api_key": "k", "api_secret": "s"}}, {}) == {
        "url": "wss://a", "api_key": "k", "api_secret": "s"}
    assert explicit_connection({}, {"url": "wss://b", "apiKey": "k2", "apiSecret": "s2", "version": "0.1.0"}) == {
        "url": "wss://b", "api_key": "k2", "api_secret": "s2"}
    assert explicit_connection({}, {}) is None
