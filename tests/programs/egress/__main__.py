"""Dispatch rules whose rooms record or stream their calls: egress credentials in `room_config`.

The credentials come from the environment as plain strings, as if written into the program (stack config
would reach the dynamic provider's inputs): the provider, not the program, keeps them secret. `recorded`
uploads to S3 (EGRESS_S3_ACCESS_KEY, EGRESS_S3_SECRET) through typed inputs; `streamed` streams to
EGRESS_STREAM_URL (which ends in the stream key), its room_config one Output, so that no credential can be
seen before it resolves; `plain` holds no credential, and stays readable.
With EGRESS_IMPORT_ID set, the program is one rule instead, `imported`, which adopts that rule (made out of
band, its Azure account key EGRESS_AZURE_KEY).
"""

import os

import pulumi

import pulumi_livekit as livekit


def trunk(name: str, number: str) -> livekit.InboundTrunk:
    return livekit.InboundTrunk(name, name=f"egress {name}", numbers=[number])


def declare_recorded_streamed_and_plain() -> None:
    recorded_line, streamed_line, plain_line = (
        trunk("recorded-line", "+15550160"), trunk("streamed-line", "+15550161"), trunk("plain-line", "+15550162"))
    s3 = {"access_key": os.environ["EGRESS_S3_ACCESS_KEY"], "secret": os.environ["EGRESS_S3_SECRET"],
          "bucket": "calls", "region": "eu-west-1"}
    recorded = livekit.DispatchRule(
        "recorded",
        name="recorded calls",
        rule=livekit.DispatchRuleIndividual(room_prefix="rec-"),
        trunk_ids=[recorded_line.id],
        room_config=livekit.RoomConfiguration(
            egress={"room": {"audio_only": True, "file": {"filepath": "calls/{room_name}.ogg", "s3": s3}}},
            agents=[livekit.RoomAgentDispatch(agent_name="recorder")],
        ),
    )
    streamed = livekit.DispatchRule(
        "streamed",
        name="streamed calls",
        rule=livekit.DispatchRuleIndividual(room_prefix="live-"),
        trunk_ids=[streamed_line.id],
        room_config=pulumi.Output.from_input(
            {"egress": {"room": {"stream": {"urls": [os.environ["EGRESS_STREAM_URL"]]}}}}),
    )
    plain = livekit.DispatchRule(
        "plain",
        name="plain calls",
        rule=livekit.DispatchRuleIndividual(room_prefix="plain-"),
        trunk_ids=[plain_line.id],
        room_config=livekit.RoomConfiguration(agents=[livekit.RoomAgentDispatch(agent_name="greeter")]),
    )

    pulumi.export("ids", {"recorded": recorded.id, "streamed": streamed.id, "plain": plain.id})


if os.environ.get("EGRESS_IMPORT_ID"):
    livekit.DispatchRule(
        "imported",
        name="imported calls",
        rule=livekit.DispatchRuleIndividual(room_prefix="imp-"),
        room_config={"egress": {"tracks": {"filepath": "tracks/", "azure": {
            "account_name": "calls", "account_key": os.environ["EGRESS_AZURE_KEY"], "container_name": "c"}}}},
        opts=pulumi.ResourceOptions(import_=os.environ["EGRESS_IMPORT_ID"]),
    )
else:
    declare_recorded_streamed_and_plain()
