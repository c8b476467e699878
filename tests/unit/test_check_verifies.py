"""A check verifies its LiveKit connection once per process: one List of the project's dispatch rules (the listing a
rule's conflict check reads), so a refused key or secret fails every check on that connection with the message a
deployment would give, and `PULUMI_LIVEKIT_OFFLINE_PREVIEW` makes checks ask nothing. On httpx.MockTransport; the
same through the engine in tests/engine/test_credentials.py."""

from __future__ import annotations

import collections

import httpx
import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._core import state as _state
from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.offline import OFFLINE_PREVIEW_ENV
from pulumi_livekit._core.trunks import OutboundTrunkProvider

CONNECTION = {"url": "http://livekit.test:7880", "api_key": "APIcheck", "api_secret": "secret-long-enough-for-hs256"}
OTHER = {**CONNECTION, "url": "http://other.test:7880"}


class Server:
    """Counts requests per method; answers Lists with nothing, or refuses every request."""

    def __init__(self) -> None:
        self.counts: collections.Counter = collections.Counter()
        self.refusing = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        method = request.url.path.rsplit("/", 1)[-1]
        self.counts[method] += 1
        if self.refusing:
            return httpx.Response(401, json={"code": "unauthenticated", "msg": "invalid token"})
        return httpx.Response(200, content=sip_pb.ListSIPDispatchRuleResponse().SerializeToString(),
                              headers={"Content-Type": "application/protobuf"})


@pytest.fixture
def server(monkeypatch) -> Server:
    monkeypatch.delenv(OFFLINE_PREVIEW_ENV)
    server = Server()
    _state.reset().transport = httpx.MockTransport(server)
    return server


def rule(i: int, connection=CONNECTION) -> dict:
    return {"rule": {"dispatchRuleIndividual": {"roomPrefix": f"r{i}-"}}, "trunkIds": [f"ST_verify_{i}"],
            "connection": connection}


def trunk(i: int, connection=CONNECTION) -> dict:
    return {"address": "sip.example.com", "numbers": [f"+1555010{i}"], "connection": connection}


def test_checks_verify_each_connection_once_whatever_the_number_of_resources(server):
    rules, trunks = DispatchRuleProvider(), OutboundTrunkProvider()
    for i in range(5):
        assert rules.check_inputs({}, rule(i)).failures == []
        assert trunks.check_inputs({}, trunk(i)).failures == []
    # The rules' conflict checks read the same listing; the trunks being created are looked for among the project's
    # trunks, listed once (see `_core.interrupted`): two requests for ten checks.
    assert dict(server.counts) == {"ListSIPDispatchRule": 1, "ListSIPOutboundTrunk": 1}
    assert trunks.check_inputs({"address": "sip.example.com"}, trunk(9, OTHER)).failures == []  # an update
    assert dict(server.counts) == {"ListSIPDispatchRule": 2, "ListSIPOutboundTrunk": 1}


def test_a_refused_connection_fails_every_check_on_it_with_the_deployments_message_after_one_request(server):
    server.refusing = True
    failures = [provider.check_inputs({}, inputs).failures
                for provider, inputs in ((DispatchRuleProvider(), rule(1)), (OutboundTrunkProvider(), trunk(1)),
                                         (DispatchRuleProvider(), rule(2)))]
    reasons = {failure.reason for found in failures for failure in found}
    (reason,) = reasons  # the same one line for every resource
    assert reason.startswith("ListSIPDispatchRule: LiveKit at http://livekit.test:7880 rejected API key 'APIcheck'")
    assert "livekit:apiSecret" in reason and CONNECTION["api_secret"] not in reason
    assert [failure.property for found in failures for failure in found] == ["", "", ""]
    assert dict(server.counts) == {"ListSIPDispatchRule": 1}  # a refusal is not retried, nor asked again


def test_offline_checks_send_nothing_and_still_find_what_needs_no_server(server, monkeypatch):
    monkeypatch.setenv(OFFLINE_PREVIEW_ENV, "yes")
    server.refusing = True
    rules = DispatchRuleProvider()
    assert rules.check_inputs({}, rule(1)).failures == []
    assert OutboundTrunkProvider().check_inputs({}, trunk(1)).failures == []
    twin = rules.check_inputs({}, {**rule(1), "name": "the same calls"})
    assert "conflicts with" in twin.failures[0].reason  # rules of the program itself need no request
    assert not server.counts


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_malformed_offline_setting_fails_the_check_naming_the_variable_before_any_request(server, monkeypatch,
                                                                                            value):
    monkeypatch.setenv(OFFLINE_PREVIEW_ENV, value)
    (failure,) = DispatchRuleProvider().check_inputs({}, rule(1)).failures
    assert failure.reason == f"{OFFLINE_PREVIEW_ENV} must be true or false, got {value!r}"
    assert not server.counts
