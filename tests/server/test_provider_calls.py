"""The providers called in this process, as the engine would call them, against a real livekit-server:
what a check and a read ask of the server."""

from __future__ import annotations

import json
import uuid

from livekit.protocol import sip as sip_pb

from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.sdk import unwrap_secret
from pulumi_livekit._core.trunks import InboundTrunkProvider
from pulumi_livekit.testing import FaultProxy, unknown_field, with_unknown_field

from support import Oracle


def test_a_read_after_a_write_in_the_same_provider_process_lists_again(livekit):
    """Reads share one listing per kind and process; a write drops it, so no read returns stale state."""
    creds = livekit.credentials
    with FaultProxy(creds.url) as proxy:
        provider = DispatchRuleProvider()
        connection = {"url": proxy.url, "api_key": creds.api_key, "api_secret": creds.api_secret}
        declared = provider.check_inputs({}, {"rule": {"dispatchRuleDirect": {"roomName": "before"}},
                                       "trunk_ids": [f"ST_{uuid.uuid4().hex[:12]}"], "connection": connection}).inputs
        created = provider.create(declared)
        proxy.clear()
        assert provider.read(created.id, created.outs).outs["rule"] == {"dispatch_rule_direct": {"room_name": "before"}}
        provider.read(created.id, created.outs)
        assert proxy.count("ListSIPDispatchRule") == 1  # the second read used the listing

        changed = {**declared, "rule": {"dispatch_rule_direct": {"room_name": "after"}}}
        provider.update(created.id, created.outs, changed)
        assert provider.read(created.id, created.outs).outs["rule"] == {"dispatch_rule_direct": {"room_name": "after"}}
        assert proxy.count("ListSIPDispatchRule") == 3  # the update's look at its rule, and a new listing
        provider.delete(created.id, created.outs)
        assert provider.read(created.id, created.outs).id == ""


def test_check_keeps_the_pin_out_of_the_rule_and_reports_every_failure(livekit):
    provider = DispatchRuleProvider()
    # A new rule: its check looks for conflicting rules on the (empty) server.
    creds = livekit.credentials
    ok = provider.check_inputs({}, {"__provider": "p", "rule": {"dispatchRuleDirect": {"roomName": "r"}}, "pin": "1234",
                             "connection": {"url": creds.url, "api_key": creds.api_key, "api_secret": creds.api_secret}})
    assert ok.failures == []
    assert ok.inputs["rule"] == {"dispatch_rule_direct": {"room_name": "r"}}
    assert ok.inputs["pin"] == "1234"

    bad = provider.check_inputs({}, {"__provider": "p", "rule": {"dispatchRuleDirect": {"roomName": ""}}, "pin": "12#",
                              "attributes": {"a": 1}, "connection": {"url": "ftp://x", "api_key": "k"}})
    failures = {f.property: f.reason for f in bad.failures}
    assert set(failures) == {"attributes.a", "rule.dispatch_rule_direct.room_name", "rule.dispatch_rule_direct.pin",
                             "connection.url"}
    assert "12#" not in json.dumps(failures)


def test_a_field_of_a_newer_livekit_survives_every_update_and_never_shows(livekit):
    """The proxy answers one read as a newer LiveKit would, with a field the stubs do not know: the update sends
    it back, livekit-server stores it (it keeps unknown fields too), and later updates and reads keep it
    without the proxy's help, while the state shows only the fields this package knows."""
    newer = unknown_field(999, b"set in the dashboard of a newer LiveKit")
    creds = livekit.credentials
    with FaultProxy(creds.url) as proxy:
        provider = InboundTrunkProvider()
        connection = {"url": proxy.url, "api_key": creds.api_key, "api_secret": creds.api_secret}
        declared = provider.check({}, {"numbers": [f"+1555{uuid.uuid4().int % 10**7:07d}"], "auth_username": "u",
                                       "auth_password": "p4ss", "connection": connection}).inputs
        created = provider.create(declared)
        proxy.rewrite_answers("ListSIPInboundTrunk", with_unknown_field(sip_pb.ListSIPInboundTrunkResponse, newer))
        provider.update(created.id, created.outs, {**declared, "name": "first"})
        proxy.clear()  # from here on, the server's own answers

        updated = provider.update(created.id, created.outs, {**declared, "name": "second", "metadata": "m"})
        [body] = proxy.bodies("UpdateSIPInboundTrunk")
        sent = sip_pb.UpdateSIPInboundTrunkRequest.FromString(body).replace
        assert newer in sent.SerializeToString() and sent.auth_password == "p4ss"
        [stored] = Oracle(creds).inbound_trunks()
        assert newer in stored.SerializeToString() and (stored.name, stored.metadata) == ("second", "m")
        read = {key: unwrap_secret(value) for key, value in provider.read(created.id, created.outs).outs.items()}
        assert read == updated.outs  # nothing this package cannot show, so no change
