"""SIPClient acceptance: every RPC against a real livekit-server, with the official `livekit-api`
SDK (`oracle`) as the independent reader and writer of server state, and `FaultProxy` between
client and server for lost answers, 5xx/429 bursts and path prefixes.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from google.protobuf import duration_pb2
from google.protobuf.message import Message
from livekit import api as lkapi

from pulumi_livekit._api.client import REQUEST_ID_HEADER, RetryPolicy, SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._exceptions import (
    APIError,
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    ResourceExhaustedError,
    TransportError,
    UnavailableError,
)
from pulumi_livekit.testing import Fault, FaultProxy, LocalLiveKit
from pulumi_livekit._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, OUTBOUND_TRUNK

from support import failing_call_budget

M = TypeVar("M", bound=Message)

# Generous: other test runs share this 2-core machine.
TIMEOUT = httpx.Timeout(30.0)
FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)
REQUEST_ID = REQUEST_ID_HEADER.lower()


# ---- helpers ------------------------------------------------------------------------------


def endpoint_for(livekit: LocalLiveKit, url: str | None = None, secret: str | None = None) -> Endpoint:
    creds = livekit.credentials
    return Endpoint(url or creds.url, creds.api_key, secret or creds.api_secret)


def stored(message: M) -> M:
    """The message without the timestamps a server may add."""
    copy = type(message)()
    copy.CopyFrom(message)
    for name in ("created_at", "updated_at"):
        copy.ClearField(name)
    return copy


def with_id(message: M, object_id: str) -> M:
    copy = type(message)()
    copy.CopyFrom(message)
    field = "sip_dispatch_rule_id" if isinstance(message, lkapi.SIPDispatchRuleInfo) else "sip_trunk_id"
    setattr(copy, field, object_id)
    return copy


def rich_rule(name: str = "rich", trunk: str = "ST_rich", pin: str = "4321") -> lkapi.SIPDispatchRuleInfo:
    """Every field set, `media` included, so what the server stores must equal what was sent."""
    return lkapi.SIPDispatchRuleInfo(
        rule=lkapi.SIPDispatchRule(dispatch_rule_individual=lkapi.SIPDispatchRuleIndividual(
            room_prefix="call-", pin=pin, no_randomness=True)),
        trunk_ids=[trunk, trunk + "-b"],
        hide_phone_number=True,
        inbound_numbers=["+15550001"],
        numbers=["+15551111"],
        name=name,
        metadata='{"k": 1}',
        attributes={"team": "support", "tier": "gold"},
        room_preset="preset",
        room_config=lkapi.RoomConfiguration(
            empty_timeout=30, max_participants=3, metadata="room metadata",
            agents=[lkapi.RoomAgentDispatch(agent_name="inbound-agent", metadata="job dispatch metadata")]),
        krisp_enabled=True,
        media_encryption=lkapi.SIP_MEDIA_ENCRYPT_ALLOW,
        media=lkapi.SIPMediaConfig(encryption=lkapi.SIP_MEDIA_ENCRYPT_ALLOW),
    )


def simple_rule(trunk: str, name: str = "simple", pin: str = "") -> lkapi.SIPDispatchRuleInfo:
    return lkapi.SIPDispatchRuleInfo(
        name=name, trunk_ids=[trunk], numbers=["+15552222"],
        rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="room", pin=pin)),
        media=lkapi.SIPMediaConfig(encryption=lkapi.SIP_MEDIA_ENCRYPT_DISABLE),
    )


def rich_inbound(number: str = "+15553000", name: str = "inbound") -> lkapi.SIPInboundTrunkInfo:
    return lkapi.SIPInboundTrunkInfo(
        name=name, metadata="inbound metadata", numbers=[number], allowed_addresses=["10.0.0.0/8"],
        allowed_numbers=["+15557777"], auth_username="user", auth_password="trunk-password", auth_realm="realm",
        headers={"X-A": "1"}, headers_to_attributes={"X-B": "b"}, attributes_to_headers={"c": "X-C"},
        include_headers=lkapi.SIP_X_HEADERS, ringing_timeout=duration_pb2.Duration(seconds=20),
        ringing_timeout_status=lkapi.SIP_STATUS_BUSY_HERE, max_call_duration=duration_pb2.Duration(seconds=3600),
        krisp_enabled=True, media_encryption=lkapi.SIP_MEDIA_ENCRYPT_REQUIRE,
        media=lkapi.SIPMediaConfig(encryption=lkapi.SIP_MEDIA_ENCRYPT_REQUIRE),
    )


def rich_outbound(number: str = "+15554000", name: str = "outbound") -> lkapi.SIPOutboundTrunkInfo:
    return lkapi.SIPOutboundTrunkInfo(
        name=name, metadata="outbound metadata", address="sip.example.com:5061", destination_country="US",
        transport=lkapi.SIP_TRANSPORT_TLS, numbers=[number], auth_username="user", auth_password="trunk-password",
        headers={"X-A": "1"}, headers_to_attributes={"X-B": "b"}, attributes_to_headers={"c": "X-C"},
        include_headers=lkapi.SIP_ALL_HEADERS, media_encryption=lkapi.SIP_MEDIA_ENCRYPT_ALLOW,
        media=lkapi.SIPMediaConfig(encryption=lkapi.SIP_MEDIA_ENCRYPT_ALLOW), from_host="from.example.com",
    )


def sdk_inbound(oracle, trunk_id: str):
    items = oracle.call("list_inbound_trunk", lkapi.ListSIPInboundTrunkRequest(trunk_ids=[trunk_id])).items
    return next((t for t in items if t.sip_trunk_id == trunk_id), None)


def sdk_outbound(oracle, trunk_id: str):
    items = oracle.call("list_outbound_trunk", lkapi.ListSIPOutboundTrunkRequest(trunk_ids=[trunk_id])).items
    return next((t for t in items if t.sip_trunk_id == trunk_id), None)


def request_ids(proxy: FaultProxy, method: str | None) -> list[str]:
    return [headers[REQUEST_ID] for headers in proxy.requests(method)]


def connections_to(port: int) -> int:
    """ESTABLISHED TCP connections this process holds to 127.0.0.1:`port` (other processes' are not counted)."""
    ours = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            ours.add(target[len("socket:["):-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if fields[3] == "01" and remote_port == port and fields[9] in ours:
                count += 1
    return count


@pytest.fixture
def client(livekit: LocalLiveKit):
    with SIPClient(endpoint_for(livekit), timeout=TIMEOUT, retry=FAST_RETRY) as sip:
        yield sip


@pytest.fixture
def proxied(livekit: LocalLiveKit, proxy: FaultProxy):
    """A client that reaches the server only through `proxy`."""
    with SIPClient(endpoint_for(livekit, proxy.url), timeout=TIMEOUT, retry=FAST_RETRY) as sip:
        yield sip


# ---- 1. every RPC round-trips with the official SDK ----------------------------------------


def test_dispatch_rule_rpcs_round_trip_with_the_official_sdk(client, oracle):
    # Client writes, SDK reads.
    created = client.create(DISPATCH_RULE, rich_rule())
    rule_id = created.sip_dispatch_rule_id
    assert rule_id.startswith("SDR_")
    assert stored(created) == with_id(rich_rule(), rule_id)
    assert stored(oracle.rule(rule_id)) == stored(created)

    # Client reads by ID and by list, filtered and not.
    assert stored(client.get(DISPATCH_RULE, rule_id)) == stored(created)
    assert [stored(r) for r in client.list(DISPATCH_RULE)] == [stored(created)]
    assert [r.sip_dispatch_rule_id for r in client.list(DISPATCH_RULE, ids=[rule_id])] == [rule_id]
    assert [r.sip_dispatch_rule_id for r in client.list(DISPATCH_RULE, trunk_ids=["ST_rich"])] == [rule_id]

    # Client update (a full replace, here of the rule kind too), SDK reads.
    replacement = lkapi.SIPDispatchRuleInfo(
        name="renamed", trunk_ids=["ST_other"], metadata="m2", attributes={"only": "this"},
        rule=lkapi.SIPDispatchRule(dispatch_rule_callee=lkapi.SIPDispatchRuleCallee(
            room_prefix="number-", pin="9999", randomize=True)),
        media_encryption=lkapi.SIP_MEDIA_ENCRYPT_REQUIRE,
        media=lkapi.SIPMediaConfig(encryption=lkapi.SIP_MEDIA_ENCRYPT_REQUIRE),
    )
    updated = client.update(DISPATCH_RULE, rule_id, replacement)
    assert stored(updated) == with_id(replacement, rule_id)
    assert stored(oracle.rule(rule_id)) == stored(updated)

    # SDK update, client reads.
    sdk_version = simple_rule("ST_sdk", name="sdk-updated", pin="1111")
    oracle.call("update_dispatch_rule", rule_id, sdk_version)
    assert stored(client.get(DISPATCH_RULE, rule_id)) == with_id(sdk_version, rule_id)

    # SDK create, client reads.
    sdk_rule = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=rich_rule(name="from-sdk", trunk="ST_from_sdk")))
    assert stored(client.get(DISPATCH_RULE, sdk_rule.sip_dispatch_rule_id)) == stored(sdk_rule)
    listed = {r.sip_dispatch_rule_id: stored(r) for r in client.list(DISPATCH_RULE)}
    assert listed == {rule_id: with_id(sdk_version, rule_id), sdk_rule.sip_dispatch_rule_id: stored(sdk_rule)}

    # Client delete, SDK reads; SDK delete, client reads.
    client.delete(DISPATCH_RULE, rule_id)
    assert oracle.rule(rule_id) is None
    oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(
        sip_dispatch_rule_id=sdk_rule.sip_dispatch_rule_id))
    assert client.get(DISPATCH_RULE, sdk_rule.sip_dispatch_rule_id) is None
    assert client.list(DISPATCH_RULE) == []


TRUNK_KINDS = {
    "inbound": (INBOUND_TRUNK, rich_inbound, lkapi.SIPInboundTrunkInfo(
        name="renamed", numbers=["+15553001"], auth_username="u2", auth_password="p2", headers={"X-Z": "z"}),
        sdk_inbound, lkapi.CreateSIPInboundTrunkRequest, "+1555300"),
    "outbound": (OUTBOUND_TRUNK, rich_outbound, lkapi.SIPOutboundTrunkInfo(
        name="renamed", address="sip2.example.com", numbers=["+15554001"], transport=lkapi.SIP_TRANSPORT_UDP),
        sdk_outbound, lkapi.CreateSIPOutboundTrunkRequest, "+1555400"),
}


@pytest.mark.parametrize("kind", TRUNK_KINDS)
def test_trunk_rpcs_round_trip_with_the_official_sdk(kind, client, oracle):
    trunk_kind, rich, replacement, sdk_read, create_request, number = TRUNK_KINDS[kind]
    create, update, get, list_ = (functools.partial(getattr(client, verb), trunk_kind)
                                  for verb in ("create", "update", "get", "list"))

    created = create(rich())
    trunk_id = created.sip_trunk_id
    assert trunk_id.startswith("ST_")
    assert stored(created) == with_id(rich(), trunk_id)
    assert stored(sdk_read(oracle, trunk_id)) == stored(created)
    assert stored(get(trunk_id)) == stored(created)
    assert [stored(t) for t in list_()] == [stored(created)]
    assert [t.sip_trunk_id for t in list_(ids=[trunk_id])] == [trunk_id]
    assert [t.sip_trunk_id for t in list_(numbers=[number + "0"])] == [trunk_id]

    updated = update(trunk_id, replacement)
    assert stored(updated) == with_id(replacement, trunk_id)
    assert stored(sdk_read(oracle, trunk_id)) == stored(updated)

    sdk_version = rich(number=number + "2", name="sdk-updated")
    oracle.call(f"update_{kind}_trunk", trunk_id, sdk_version)
    assert stored(get(trunk_id)) == with_id(sdk_version, trunk_id)

    sdk_trunk = oracle.call(f"create_{kind}_trunk", create_request(trunk=rich(number=number + "9", name="from-sdk")))
    assert stored(get(sdk_trunk.sip_trunk_id)) == stored(sdk_trunk)
    assert {t.sip_trunk_id: stored(t) for t in list_()} == {
        trunk_id: with_id(sdk_version, trunk_id), sdk_trunk.sip_trunk_id: stored(sdk_trunk)}

    client.delete(trunk_kind, trunk_id)
    assert sdk_read(oracle, trunk_id) is None
    oracle.call("delete_trunk", lkapi.DeleteSIPTrunkRequest(sip_trunk_id=sdk_trunk.sip_trunk_id))
    assert get(sdk_trunk.sip_trunk_id) is None
    assert list_() == []


def test_listing_follows_pages_without_duplicates_or_gaps(proxied, proxy, oracle, monkeypatch):
    ids = {oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=simple_rule(f"ST_page{i}"))).sip_dispatch_rule_id for i in range(7)}
    monkeypatch.setattr("pulumi_livekit._api.client.PAGE_SIZE", 2)  # seven rules: more than a page
    listed = [r.sip_dispatch_rule_id for r in proxied.list(DISPATCH_RULE)]
    assert sorted(listed) == sorted(ids)
    assert proxy.count("ListSIPDispatchRule") >= 2


def test_the_search_after_a_lost_create_follows_every_page(proxied, proxy, oracle, monkeypatch):
    for pin in ("1111", "2222"):  # rules on the same trunk: the search lists more than a page
        oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
            dispatch_rule=simple_rule("ST_paged", name=f"other {pin}", pin=pin)))
    monkeypatch.setattr("pulumi_livekit._api.client.PAGE_SIZE", 2)
    proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward())
    mine = proxied.create(DISPATCH_RULE, simple_rule("ST_paged", name="mine", pin="3333"))
    assert mine.name == "mine" and proxy.count("CreateSIPDispatchRule") == 1  # found on the pages, adopted
    assert len(oracle.rules()) == 3


# ---- 2. base URL forms ------------------------------------------------------------------------


def exercise(sip: SIPClient, oracle, trunk: str) -> None:
    """Create, read, update and delete one rule through `sip`; the SDK confirms each write."""
    created = sip.create(DISPATCH_RULE, simple_rule(trunk))
    rule_id = created.sip_dispatch_rule_id
    assert stored(oracle.rule(rule_id)) == stored(created)
    assert stored(sip.get(DISPATCH_RULE, rule_id)) == stored(created)
    sip.update(DISPATCH_RULE, rule_id, simple_rule(trunk, name="updated"))
    assert oracle.rule(rule_id).name == "updated"
    sip.delete(DISPATCH_RULE, rule_id)
    assert oracle.rule(rule_id) is None


@pytest.mark.parametrize("form", ["http://127.0.0.1:{port}", "ws://127.0.0.1:{port}",
                                  "http://127.0.0.1:{port}/", "ws://127.0.0.1:{port}/"])
def test_base_url_forms_reach_the_server(livekit, oracle, form):
    url = form.format(port=livekit.http_port)
    with SIPClient(endpoint_for(livekit, url), timeout=TIMEOUT, retry=FAST_RETRY) as sip:
        exercise(sip, oracle, "ST_form")


@pytest.mark.parametrize("form", ["http://127.0.0.1:{port}/livekit", "ws://127.0.0.1:{port}/livekit/",
                                  "http://127.0.0.1:{port}/a/b/"])
def test_a_path_prefix_behind_a_proxy_is_kept(livekit, oracle, form):
    prefix = form.split("{port}", 1)[1]
    with FaultProxy(livekit.credentials.url, path_prefix=prefix) as proxy:
        with SIPClient(endpoint_for(livekit, form.format(port=proxy.port)), timeout=TIMEOUT,
                       retry=FAST_RETRY) as sip:
            exercise(sip, oracle, "ST_prefix")
        assert proxy.count("CreateSIPDispatchRule") == 1
        assert proxy.count("DeleteSIPDispatchRule") == 1

        # Control: the same proxy refuses the URL without the prefix, so the prefix is what got through.
        with SIPClient(endpoint_for(livekit, f"http://127.0.0.1:{proxy.port}"), timeout=TIMEOUT,
                       retry=FAST_RETRY) as bare:
            with pytest.raises(APIError) as refused:
                bare.list(DISPATCH_RULE)
        assert (refused.value.status, refused.value.code) == (404, "bad_route")
        assert not isinstance(refused.value, NotFoundError)  # a wrong route is not a missing object


# ---- 3. errors ---------------------------------------------------------------------------


def test_a_wrong_secret_is_an_authentication_error_without_secret_or_token(livekit, proxy):
    wrong_secret = "wrong-secret-" + "x" * 24
    with SIPClient(endpoint_for(livekit, proxy.url, secret=wrong_secret), timeout=TIMEOUT, retry=FAST_RETRY) as sip:
        with pytest.raises(AuthenticationError) as raised:
            sip.list(DISPATCH_RULE)
    error = raised.value
    (sent,) = proxy.requests("ListSIPDispatchRule")  # refused once, not retried
    token = sent["authorization"].removeprefix("Bearer ")
    assert token.count(".") == 2

    message = str(error)
    assert f"LiveKit at {proxy.url} rejected API key {livekit.credentials.api_key!r}" in message
    for setting in ("livekit:apiKey", "LIVEKIT_API_KEY", "livekit:apiSecret", "LIVEKIT_API_SECRET"):
        assert setting in message
    for text in (message, repr(error), error.server_message):
        assert wrong_secret not in text and livekit.credentials.api_secret not in text
        assert token not in text and token.split(".")[2] not in text
    assert (error.code, error.status, error.rpc) == ("unauthenticated", 401, "ListSIPDispatchRule")


def test_unknown_ids_are_not_found_on_write_and_none_on_read(client):
    with pytest.raises(NotFoundError) as raised:
        client.delete(DISPATCH_RULE, "SDR_doesnotexist")
    assert (raised.value.code, raised.value.status, raised.value.rpc) == (
        "not_found", 404, "DeleteSIPDispatchRule")

    with pytest.raises(NotFoundError) as raised:
        client.update(DISPATCH_RULE, "SDR_doesnotexist", simple_rule("ST_x"))
    assert (raised.value.code, raised.value.status, raised.value.rpc) == (
        "not_found", 404, "UpdateSIPDispatchRule")

    with pytest.raises(NotFoundError) as raised:
        client.update(INBOUND_TRUNK, "ST_doesnotexist", rich_inbound())
    assert raised.value.rpc == "UpdateSIPInboundTrunk"

    with pytest.raises(NotFoundError) as raised:
        client.update(OUTBOUND_TRUNK, "ST_doesnotexist", rich_outbound())
    assert raised.value.rpc == "UpdateSIPOutboundTrunk"

    assert client.get(DISPATCH_RULE, "SDR_doesnotexist") is None
    assert client.get(INBOUND_TRUNK, "ST_doesnotexist") is None
    assert client.get(OUTBOUND_TRUNK, "ST_doesnotexist") is None


def test_a_conflicting_rule_is_an_invalid_argument_with_the_servers_text_and_is_not_retried(
        client, proxied, proxy, oracle):
    first = client.create(DISPATCH_RULE, simple_rule("ST_conflict", pin="1234"))
    with pytest.raises(InvalidArgumentError) as raised:
        proxied.create(DISPATCH_RULE, simple_rule("ST_conflict", name="second", pin="1234"))
    error = raised.value
    assert (error.code, error.status, error.rpc) == ("invalid_argument", 400, "CreateSIPDispatchRule")
    assert "already exists" in error.server_message and "already exists" in str(error)
    assert first.sip_dispatch_rule_id in error.server_message
    # Not ambiguous: neither repeated nor followed by a search for an applied create (the one List
    # is the look at what was there before).
    assert proxy.count("CreateSIPDispatchRule") == 1
    assert proxy.count("ListSIPDispatchRule") == 1
    assert proxy.count() == 2
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [first.sip_dispatch_rule_id]

    # The same through an update: one request, the target rule unchanged.
    other = client.create(DISPATCH_RULE, simple_rule("ST_conflict", name="other", pin="5678"))
    with pytest.raises(InvalidArgumentError) as raised:
        proxied.update(DISPATCH_RULE, other.sip_dispatch_rule_id, simple_rule("ST_conflict", name="other", pin="1234"))
    assert "already exists" in raised.value.server_message
    assert proxy.count("UpdateSIPDispatchRule") == 1
    assert stored(oracle.rule(other.sip_dispatch_rule_id)) == stored(other)


def test_a_stopped_server_is_a_transport_error_within_the_timeout(tmp_path):
    timeout = httpx.Timeout(2.0)
    retry = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2)
    server = LocalLiveKit(tmp_path / "doomed").start()
    try:
        with SIPClient(endpoint_for(server), timeout=timeout, retry=retry) as sip:
            assert sip.list(DISPATCH_RULE) == []  # leaves a pooled connection to the live server
            server.stop_server()
            calls = [  # (the request that fails, the call); a create begins with a look at what is there
                ("ListSIPDispatchRule", lambda: sip.list(DISPATCH_RULE)),
                ("ListSIPDispatchRule", lambda: sip.create(DISPATCH_RULE, simple_rule("ST_gone"))),
                ("DeleteSIPDispatchRule", lambda: sip.delete(DISPATCH_RULE, "SDR_gone")),
            ]
            for rpc, call in calls:
                start = time.monotonic()
                with pytest.raises(TransportError) as raised:
                    call()
                assert time.monotonic() - start < failing_call_budget(timeout, retry)
                error = raised.value
                assert (error.code, error.status, error.rpc) == ("unavailable", None, rpc)
                assert server.credentials.url in str(error) and "livekit:url" in str(error)
    finally:
        server.stop()


# ---- 4. retries ----------------------------------------------------------------------------

BURST = (503, 429, 503, 429)


def inject_burst(proxy: FaultProxy, method: str) -> None:
    proxy.clear()
    for status in BURST:
        proxy.inject(method, Fault.status_code(status))


def assert_retried_as_one_call(proxy: FaultProxy, method: str) -> None:
    assert proxy.count(method) == len(BURST) + 1
    ids = request_ids(proxy, method)
    assert len(set(ids)) == 1 and ids[0].startswith("pulumi-livekit-")


def test_reads_are_retried_through_bursts_of_503_and_429(client, proxied, proxy, oracle):
    rule = client.create(DISPATCH_RULE, simple_rule("ST_read"))
    inbound = client.create(INBOUND_TRUNK, rich_inbound())
    outbound = client.create(OUTBOUND_TRUNK, rich_outbound())

    inject_burst(proxy, "ListSIPDispatchRule")
    assert [stored(r) for r in proxied.list(DISPATCH_RULE)] == [stored(rule)]
    assert_retried_as_one_call(proxy, "ListSIPDispatchRule")

    inject_burst(proxy, "ListSIPDispatchRule")
    assert stored(proxied.get(DISPATCH_RULE, rule.sip_dispatch_rule_id)) == stored(rule)
    assert_retried_as_one_call(proxy, "ListSIPDispatchRule")

    inject_burst(proxy, "ListSIPInboundTrunk")
    assert stored(proxied.get(INBOUND_TRUNK, inbound.sip_trunk_id)) == stored(inbound)
    assert_retried_as_one_call(proxy, "ListSIPInboundTrunk")

    inject_burst(proxy, "ListSIPOutboundTrunk")
    assert [stored(t) for t in proxied.list(OUTBOUND_TRUNK)] == [stored(outbound)]
    assert_retried_as_one_call(proxy, "ListSIPOutboundTrunk")


def test_updates_and_deletes_are_retried_through_bursts_of_503_and_429(client, proxied, proxy, oracle):
    rule = client.create(DISPATCH_RULE, simple_rule("ST_update"))
    trunk = client.create(OUTBOUND_TRUNK, rich_outbound())

    inject_burst(proxy, "UpdateSIPDispatchRule")
    replacement = simple_rule("ST_update", name="updated", pin="5555")
    proxied.update(DISPATCH_RULE, rule.sip_dispatch_rule_id, replacement)
    assert_retried_as_one_call(proxy, "UpdateSIPDispatchRule")
    assert stored(oracle.rule(rule.sip_dispatch_rule_id)) == with_id(replacement, rule.sip_dispatch_rule_id)

    inject_burst(proxy, "UpdateSIPOutboundTrunk")
    proxied.update(OUTBOUND_TRUNK, trunk.sip_trunk_id, rich_outbound(name="updated"))
    assert_retried_as_one_call(proxy, "UpdateSIPOutboundTrunk")
    assert sdk_outbound(oracle, trunk.sip_trunk_id).name == "updated"

    inject_burst(proxy, "DeleteSIPDispatchRule")
    proxied.delete(DISPATCH_RULE, rule.sip_dispatch_rule_id)
    assert_retried_as_one_call(proxy, "DeleteSIPDispatchRule")
    assert oracle.rules() == []

    inject_burst(proxy, "DeleteSIPTrunk")
    proxied.delete(OUTBOUND_TRUNK, trunk.sip_trunk_id)
    assert_retried_as_one_call(proxy, "DeleteSIPTrunk")
    assert oracle.outbound_trunks() == []


CREATES = {
    # No `media`: the server stores an empty one.
    "dispatch_rule": ("CreateSIPDispatchRule", DISPATCH_RULE, "rules",
                      lambda: lkapi.SIPDispatchRuleInfo(
                          name="plain", trunk_ids=["ST_create"], numbers=["+15552222"],
                          rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(
                              room_name="room", pin="2468")))),
    # No `media`, legacy `media_encryption` set: the server stores it upgraded (`media.encryption`).
    "dispatch_rule_legacy_encryption": (
        "CreateSIPDispatchRule", DISPATCH_RULE, "rules",
        lambda: lkapi.SIPDispatchRuleInfo(
            name="legacy", trunk_ids=["ST_legacy"], media_encryption=lkapi.SIP_MEDIA_ENCRYPT_ALLOW,
            rule=lkapi.SIPDispatchRule(dispatch_rule_individual=lkapi.SIPDispatchRuleIndividual(room_prefix="c-")))),
    "inbound_trunk": ("CreateSIPInboundTrunk", INBOUND_TRUNK, "inbound_trunks", rich_inbound),
    # LiveKit accepts two identical outbound trunks, so only the client can prevent a duplicate.
    "outbound_trunk": ("CreateSIPOutboundTrunk", OUTBOUND_TRUNK, "outbound_trunks", rich_outbound),
}


@pytest.mark.parametrize("kind", CREATES)
def test_creates_are_retried_through_bursts_of_503_and_429_and_store_one_object(kind, proxied, proxy, oracle):
    method, created_kind, read_all, make = CREATES[kind]
    inject_burst(proxy, method)
    created = proxied.create(created_kind, make())
    assert_retried_as_one_call(proxy, method)
    assert [stored(o) for o in getattr(oracle, read_all)()] == [stored(created)]
    # Before the create the client noted the identical objects already there, and before each repeat it
    # looked for an applied create: each look a call with an ID of its own.
    create_ids = request_ids(proxy, method)
    searches = [request_id for request_id in request_ids(proxy, None) if request_id not in create_ids]
    assert len(set(searches)) == len(searches) == 1 + len(BURST)


@pytest.mark.parametrize("kind", CREATES)
def test_a_create_applied_but_unanswered_is_adopted_not_repeated(kind, proxied, proxy, oracle):
    method, created_kind, read_all, make = CREATES[kind]
    proxy.inject(method, Fault.drop_after_forward())
    created = proxied.create(created_kind, make())
    on_server = getattr(oracle, read_all)()
    assert [stored(o) for o in on_server] == [stored(created)]  # exactly one, and the one returned
    assert proxy.count(method) == 1  # found by content and adopted before any repeat


def test_an_identical_outbound_trunk_made_before_the_create_is_never_adopted(proxied, proxy, oracle):
    """Another stack's twin: LiveKit stores identical outbound trunks side by side, and our create
    must not take over the older one, whether its own request was applied or not."""
    twin = oracle.call("create_outbound_trunk", lkapi.CreateSIPOutboundTrunkRequest(trunk=rich_outbound()))
    proxy.inject("CreateSIPOutboundTrunk", Fault.drop_after_forward())  # ours stored, answer lost
    applied = proxied.create(OUTBOUND_TRUNK, rich_outbound())
    proxy.inject("CreateSIPOutboundTrunk", Fault.drop_before_forward())  # ours never arrived
    resent = proxied.create(OUTBOUND_TRUNK, rich_outbound())
    on_server = {t.sip_trunk_id for t in oracle.outbound_trunks()}
    assert len({twin.sip_trunk_id, applied.sip_trunk_id, resent.sip_trunk_id}) == 3
    assert on_server == {twin.sip_trunk_id, applied.sip_trunk_id, resent.sip_trunk_id}
    assert proxy.count("CreateSIPOutboundTrunk") == 3  # adopted once, sent again once


def test_a_rule_create_told_what_was_there_sends_no_list_and_never_adopts_a_twin_it_was_told_of(
        proxied, proxy, oracle):
    """The provider passes what its check listed: no List before the create, and a twin in that listing stays
    someone else's even when the server's refusal of ours is lost."""
    fresh = proxied.create(DISPATCH_RULE, simple_rule("ST_told"), known_before=[])
    assert dict(proxy.counts) == {"CreateSIPDispatchRule": 1}

    twin = stored(rich_rule(trunk="ST_twin"))
    twin = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=twin))
    proxy.clear()
    proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward())  # refused as a conflict, answer lost
    with pytest.raises(InvalidArgumentError):
        proxied.create(DISPATCH_RULE, rich_rule(trunk="ST_twin"), known_before=[twin])
    assert proxy.count("CreateSIPDispatchRule") == 2  # the repeat is refused too, and not taken for ours
    assert proxy.count("ListSIPDispatchRule") == 2  # only the looks for ours after each failure
    assert sorted(r.sip_dispatch_rule_id for r in oracle.rules()) == sorted(
        [fresh.sip_dispatch_rule_id, twin.sip_dispatch_rule_id])


def test_the_search_after_a_failed_create_makes_one_request_per_attempt(proxied, proxy, oracle):
    """One retry layer: the look for an applied create is a single request inside the create's loop."""
    proxy.inject("CreateSIPDispatchRule", Fault.status_code(503), times=2)
    proxy.inject("ListSIPDispatchRule", Fault.delay(0))  # the look at what is there before the create
    proxy.inject("ListSIPDispatchRule", Fault.status_code(503), times=100)  # every look after a failure
    created = proxied.create(DISPATCH_RULE, CREATES["dispatch_rule"][3]())
    assert proxy.count("CreateSIPDispatchRule") == 3
    assert proxy.count("ListSIPDispatchRule") == 1 + 2  # what was there before, then one look per repeat
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [created.sip_dispatch_rule_id]


def test_a_request_id_is_reused_across_the_retries_of_one_call_only(proxied, proxy):
    proxy.inject("ListSIPInboundTrunk", Fault.status_code(503), times=2)
    proxied.list(INBOUND_TRUNK)
    proxied.list(INBOUND_TRUNK)
    ids = request_ids(proxy, "ListSIPInboundTrunk")
    assert len(ids) == 4
    assert ids[0] == ids[1] == ids[2] != ids[3]


def test_exhausted_retries_raise_the_last_error(proxied, proxy, oracle):
    proxy.inject("ListSIPDispatchRule", Fault.status_code(503), times=FAST_RETRY.attempts)
    with pytest.raises(UnavailableError) as raised:
        proxied.list(DISPATCH_RULE)
    assert (raised.value.code, raised.value.status, raised.value.rpc) == ("unavailable", 503, "ListSIPDispatchRule")
    assert proxy.count("ListSIPDispatchRule") == FAST_RETRY.attempts

    proxy.clear()
    proxy.inject("CreateSIPOutboundTrunk", Fault.status_code(429), times=FAST_RETRY.attempts)
    with pytest.raises(ResourceExhaustedError) as raised:
        proxied.create(OUTBOUND_TRUNK, rich_outbound())
    assert (raised.value.code, raised.value.status) == ("resource_exhausted", 429)
    assert proxy.count("CreateSIPOutboundTrunk") == FAST_RETRY.attempts
    assert oracle.outbound_trunks() == []  # the proxy never forwarded it, and nothing was invented


# ---- 5. concurrency ------------------------------------------------------------------------

THREADS = 8
ROUNDS = 10  # of 5 calls each: create, get, update, list, then delete (odd rounds) or list all


def test_one_client_serves_concurrent_mixed_calls_and_closes_its_connections(livekit, oracle):
    port = livekit.http_port
    baseline = connections_to(port)
    sip = SIPClient(endpoint_for(livekit), timeout=TIMEOUT, retry=RetryPolicy(attempts=3, base_delay=0.05))
    expected: dict[str, lkapi.SIPDispatchRuleInfo] = {}
    errors: list[BaseException] = []
    calls = [0] * THREADS
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        mine: dict[str, lkapi.SIPDispatchRuleInfo] = {}
        current = ""
        try:
            start.wait()
            for i in range(ROUNDS * 5):
                step, round_ = i % 5, i // 5
                if step == 0:  # every rule has a trunk of its own: rules never collide
                    info = simple_rule(f"ST_t{n}r{round_}", name=f"t{n}r{round_}")
                    current = sip.create(DISPATCH_RULE, info).sip_dispatch_rule_id
                    mine[current] = with_id(info, current)
                elif step == 1:
                    assert stored(sip.get(DISPATCH_RULE, current)) == mine[current]
                elif step == 2:
                    info = simple_rule(f"ST_t{n}r{round_}", name=f"t{n}r{round_}-updated", pin=f"{n}{round_:03d}")
                    assert stored(sip.update(DISPATCH_RULE, current, info)) == with_id(info, current)
                    mine[current] = with_id(info, current)
                elif step == 3:
                    listed = sip.list(DISPATCH_RULE, trunk_ids=[f"ST_t{n}r{round_}"])
                    assert [stored(r) for r in listed] == [mine[current]]
                elif round_ % 2:
                    sip.delete(DISPATCH_RULE, current)
                    del mine[current]
                else:
                    listed = {r.sip_dispatch_rule_id: stored(r) for r in sip.list(DISPATCH_RULE)}
                    assert all(listed[rule_id] == info for rule_id, info in mine.items())
                calls[n] += 1
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        with lock:
            expected.update(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert calls == [ROUNDS * 5] * THREADS

    on_server = {r.sip_dispatch_rule_id: stored(r) for r in oracle.rules()}
    assert len(on_server) == THREADS * (ROUNDS - ROUNDS // 2)
    assert on_server == expected

    # Pooled: the connections in use are at most one per thread, and close() ends them all.
    assert 1 <= connections_to(port) - baseline <= THREADS
    sip.close()
    assert connections_to(port) == baseline
