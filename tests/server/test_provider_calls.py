"""The providers called in this process, as the engine would call them, against a real livekit-server:
what a check and a read ask of the server."""

from __future__ import annotations

import json
import uuid

from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit.testing import FaultProxy


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
