"""What InboundTrunk and OutboundTrunk refuse before any request: `from_json` specs, and the providers'
check naming every problem."""

from __future__ import annotations

import json

import pytest

import pulumi_livekit as livekit
from pulumi_livekit._core.trunks import InboundTrunkProvider, OutboundTrunkProvider


def test_from_json_rejects_malformed_specs_naming_the_field(tmp_path):
    # These fail while the program runs, before any resource is registered.
    with pytest.raises(livekit.ValidationError) as error:
        livekit.InboundTrunk.from_json("t", {"trunk": {"numbers": ["+1555"], "authPasword": "x"}})
    assert error.value.path == "trunk.authPasword" and "authPassword" in error.value.problem
    with pytest.raises(livekit.ValidationError) as error:
        livekit.OutboundTrunk.from_json("t", '{"address": "sip.example.com", "transport": "SIP_TRANSPORT_SCTP"}')
    assert error.value.path == "transport" and "SIP_TRANSPORT_TLS" in error.value.problem
    spec = tmp_path / "trunk.json"
    spec.write_text('{"trunk": {"numbers": "+1555"}}')
    with pytest.raises(livekit.ValidationError) as error:
        livekit.InboundTrunk.from_json("t", spec)
    assert error.value.path == f"{spec}.trunk.numbers" and "expected a list" in error.value.problem
    with pytest.raises(livekit.ValidationError) as error:
        livekit.OutboundTrunk.from_json("t", '{"trunk": {"sipTrunkId": "ST_x", "address": "a"}}')
    assert error.value.path == "trunk.sipTrunkId"


def _failures(provider, news: dict) -> dict[str, str]:
    return {f.property: f.reason for f in provider.check_inputs({}, news).failures}


def test_check_names_every_problem_before_any_request():
    inbound, outbound = InboundTrunkProvider(), OutboundTrunkProvider()
    assert _failures(inbound, {"name": "no way to tell callers apart"}) == {
        "numbers": "for security, set at least one of: numbers, allowed_addresses, or auth_username + auth_password"}
    failures = _failures(inbound, {
        "numbers": ["+15550100", " ", "+15550100"], "auth_password": "hunter2",
        "headers": {"X Bad": "v"}, "attributes_to_headers": {"a": "X-Ok"},
    })
    # One problem per property: the empty entry (a schema problem) is named, the repeat is not yet.
    assert set(failures) == {"numbers[1]", "auth_username", "headers.X Bad"}
    assert "hunter2" not in json.dumps(failures)
    assert _failures(inbound, {"numbers": ["+15550100", "+15550101", "+15550100"]}) == {
        "numbers[2]": "'+15550100' is listed twice (also numbers[0])"}
    assert _failures(inbound, {"numbers": ["+1"], "ringingTimeout": "1h"})["ringingTimeout"].startswith(
        "expected a duration")
    assert "SIP_ALL_HEADERS" in _failures(inbound, {"numbers": ["+1"], "includeHeaders": "ALL"})["includeHeaders"]
    assert "krispEnabled" in _failures(inbound, {"numbers": ["+1"], "krisp": True})["krisp"]

    assert set(_failures(outbound, {"name": "x"})) == {"address", "numbers"}
    failures = _failures(outbound, {"address": "sip:pbx@example.com", "numbers": ["+1"],
                                    "from_host": "example.com;transport=tcp", "auth_username": "u"})
    assert set(failures) == {"address", "from_host", "auth_password"}
    assert "not a SIP URI" in failures["address"] and "transport" in failures["from_host"]
