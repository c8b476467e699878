"""`livekit-routes call`'s pure parts: the room it asks for, and where its caller connects."""

from __future__ import annotations

from google.protobuf import json_format
from livekit.protocol import sip as sip_pb

from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit.cli._call import _realtime_url, _room_request


def test_the_room_gets_every_field_of_the_rules_room_configuration_and_its_preset():
    rule = json_format.ParseDict({
        "roomPreset": "support-preset",
        "roomConfig": {
            "name": "ignored: the call names the room", "emptyTimeout": 120, "departureTimeout": 15,
            "maxParticipants": 3, "metadata": '{"line": "sales"}', "minPlayoutDelay": 10, "maxPlayoutDelay": 200,
            "syncStreams": True, "tags": {"line": "sales"},
            "egress": {"room": {"roomName": "sales", "audioOnly": True}},
            "agents": [{"agentName": "sales-agent", "metadata": '{"queue": "sales"}'}, {"agentName": "notes"}],
        },
    }, sip_pb.SIPDispatchRuleInfo())
    request = _room_request("sales_+15550001111_AbCdEfGhIjKl", rule)
    as_json = json_format.MessageToDict(request)
    config = json_format.MessageToDict(rule.room_config)
    config.pop("name")
    assert as_json == {"name": "sales_+15550001111_AbCdEfGhIjKl", "roomPreset": "support-preset", **config}
    # Every field a room configuration can hold, so a field CreateRoom lacks would have failed above.
    assert set(config) | {"name"} == {f.json_name for f in rule.room_config.DESCRIPTOR.fields}


def test_the_caller_connects_over_websocket_to_the_api_host():
    for url, expected in (("http://127.0.0.1:7880", "ws://127.0.0.1:7880"),
                          ("https://p.livekit.cloud", "wss://p.livekit.cloud"),
                          ("wss://p.livekit.cloud", "wss://p.livekit.cloud"), ("WS://h:1", "ws://h:1")):
        assert _realtime_url(Endpoint(url, "k", "s")) == expected
