"""Check of a resource the program did not change (as in a no-change preview: the inputs are those the
last check returned): it returns them as they are, and still registers their secrets, completes the
connection and meets the rules declared with it. Plain unit tests, no server, no engine."""

from __future__ import annotations

import pytest

from pulumi_livekit._api.redact import REDACTED
from pulumi_livekit._core import state as _state
from pulumi_livekit._core.declared import checking
from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.trunks import InboundTrunkProvider, OutboundTrunkProvider

PROVIDER = "serialized-provider"
CONNECTION = {"url": "http://livekit.test", "api_key": "key", "api_secret": "api-secret-of-the-test"}

# Program inputs as the engine hands them to check: camelCase and snake_case, values that canonical form
# drops (False, empty), PINs and passwords, with and without an explicit connection.
CASES = [
    pytest.param(DispatchRuleProvider, {
        "rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "pin": "1234", "trunkIds": ["ST_unchanged_1"],
        "name": "individual", "hidePhoneNumber": False, "metadata": "", "connection": CONNECTION,
    }, "1234", id="rule-individual-pin"),
    pytest.param(DispatchRuleProvider, {
        "rule": {"dispatch_rule_direct": {"room_name": "desk"}}, "pin": "9876", "trunk_ids": ["ST_unchanged_2"],
        "numbers": ["+15550100"], "inbound_numbers": ["+15550199"], "attributes": {"team": "support"},
        "room_config": {"agents": [{"agentName": "inbound-agent"}]}, "krisp_enabled": True,
        "connection": CONNECTION,
    }, "9876", id="rule-direct-pin"),
    pytest.param(DispatchRuleProvider, {
        "rule": {"dispatchRuleCallee": {"roomPrefix": "callee-", "randomize": True}}, "pin": "0042",
        "trunkIds": ["ST_unchanged_3"], "name": "callee", "mediaEncryption": "SIP_MEDIA_ENCRYPT_ALLOW",
    }, "0042", id="rule-callee-pin-stack-connection"),
    pytest.param(InboundTrunkProvider, {
        "name": "in", "numbers": ["+15550101"], "authUsername": "user", "auth_password": "in-password",
        "allowedAddresses": ["10.0.0.0/24"], "krispEnabled": False, "connection": CONNECTION,
    }, "in-password", id="inbound-trunk-password"),
    pytest.param(OutboundTrunkProvider, {
        "name": "out", "address": "sip.example.com", "numbers": ["+15550102"], "auth_username": "user",
        "authPassword": "out-password", "transport": "SIP_TRANSPORT_TLS", "headers": {"X-Team": "a"},
    }, "out-password", id="outbound-trunk-password"),
]


class _StackConfig:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str):
        return self.values.get(key)


def _provider(kind, **config: str):
    provider = kind()
    provider._stack_config = _StackConfig(config)
    return provider


def _stack_provider(kind):
    return _provider(kind, **{"livekit:url": CONNECTION["url"], "livekit:apiKey": CONNECTION["api_key"],
                              "livekit:apiSecret": "stack-secret-of-the-test"})


@pytest.fixture(autouse=True)
def _a_deployment_of_its_own(monkeypatch) -> None:
    """Each test is a deployment: a registry of declared rules of its own, no connection from the environment."""
    _state.reset()
    for variable in ("LIVEKIT_URL", "LIVEKIT_API_KEY", "LIVEKIT_API_SECRET"):
        monkeypatch.delenv(variable, raising=False)


def _check_changed(provider, name: str, news: dict):
    """A check of a changed resource: the stored inputs differ from the program's (by name only, so a rule
    claims what it claimed before and the check needs no look at the server)."""
    olds = {**news, "name": "an earlier name", "__provider": PROVIDER}
    with checking(f"urn:pulumi:test::unchanged::livekit:index:Resource::{name}"):
        return provider.check_inputs(olds, {**news, "__provider": PROVIDER})


def _check_unchanged(provider, name: str, inputs: dict):
    """A check of an unchanged resource: olds and news are both the inputs the last check returned."""
    stored = {**inputs, "__provider": PROVIDER}
    with checking(f"urn:pulumi:test::unchanged::livekit:index:Resource::{name}"):
        return provider.check_inputs(dict(stored), dict(stored))


@pytest.mark.parametrize("kind,news,_secret", CASES)
def test_checked_inputs_come_back_from_a_check_as_they_are(kind, news, _secret):
    provider = _stack_provider(kind)
    first = _check_changed(provider, "idempotent", news)
    assert first.failures == []
    again = _check_changed(provider, "idempotent", first.inputs)
    assert (again.failures, again.inputs) == ([], first.inputs)
    unchanged = _check_unchanged(provider, "idempotent", first.inputs)
    assert (unchanged.failures, unchanged.inputs) == ([], first.inputs)


@pytest.mark.parametrize("kind,news,secret", CASES)
def test_an_unchanged_resource_still_registers_its_secrets_for_redaction(kind, news, secret, monkeypatch):
    provider = _stack_provider(kind)
    inputs = _check_changed(provider, "secrets", news).inputs
    _state.reset()  # as in a provider process that has seen nothing yet
    assert _check_unchanged(provider, "secrets", inputs).failures == []
    secrets = [secret] + ([CONNECTION["api_secret"]] if "connection" in news else [])
    assert _state.redact(" ".join(secrets)) == " ".join([REDACTED] * len(secrets))


def test_an_unchanged_resource_still_needs_a_reachable_project():
    kind, news, _secret = CASES[2].values  # no explicit connection: the stack config completes it
    inputs = _check_changed(_stack_provider(kind), "unconfigured", news).inputs
    unconfigured = _check_unchanged(_provider(kind), "unconfigured", inputs)
    assert [f.property for f in unconfigured.failures] == ["connection.url"]
    assert "livekit:url" in unconfigured.failures[0].reason


def test_an_unchanged_rule_still_claims_what_it_takes_against_the_rules_declared_with_it(monkeypatch):
    provider = _stack_provider(DispatchRuleProvider)
    rule = {"rule": {"dispatchRuleDirect": {"roomName": "a"}}, "trunkIds": ["ST_unchanged_twin"], "name": "unchanged"}
    inputs = _check_changed(provider, "unchanged-twin", rule).inputs
    # The next deployment (a new provider process): a new rule taking the same calls is checked first.
    _state.reset()
    twin = _check_changed(provider, "new-twin", {**rule, "rule": {"dispatchRuleDirect": {"roomName": "b"}}})
    assert twin.failures == []
    refused = _check_unchanged(provider, "unchanged-twin", inputs)
    assert [f.property for f in refused.failures] == [""]
    assert 'conflicts with resource "new-twin" of this program' in refused.failures[0].reason


def test_an_unchanged_rule_checked_again_does_not_conflict_with_itself():
    provider = _stack_provider(DispatchRuleProvider)
    rule = {"rule": {"dispatchRuleDirect": {"roomName": "a"}}, "trunkIds": ["ST_unchanged_again"]}
    inputs = _check_changed(provider, "again", rule).inputs
    assert [_check_unchanged(provider, "again", inputs).failures for _ in range(2)] == [[], []]
