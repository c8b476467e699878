"""Trunks from JSON specs: the inbound one from a file with the outer "trunk" key (what
`lk sip inbound create inbound-trunk.json` takes), the outbound one from a JSON string
without it, in snake_case. Stack config `importInbound` adopts an existing inbound trunk."""

from pathlib import Path

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
import_id = config.get("importInbound")

inbound = livekit.InboundTrunk.from_json(
    "inbound",
    Path(__file__).parent / "inbound-trunk.json",
    opts=pulumi.ResourceOptions(import_=import_id) if import_id else None,
)

outbound = livekit.OutboundTrunk.from_json("outbound", """
{
  "name": "Demo outbound trunk",
  "address": "demo.pstn.example.com:5061",
  "numbers": ["+15105550123"],
  "transport": "SIP_TRANSPORT_TLS",
  "destination_country": "US",
  "auth_username": "demo-out",
  "auth_password": "json-0utb0und-secret",
  "headers": {"X-Org": "demo"},
  "from_host": "pbx.example.com",
  "media_encryption": "SIP_MEDIA_ENCRYPT_REQUIRE"
}
""")

pulumi.export("inbound_id", inbound.id)
pulumi.export("outbound_id", outbound.id)
