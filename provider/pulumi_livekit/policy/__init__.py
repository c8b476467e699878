"""Change review as a gate: the routing checks, the conflicts LiveKit refuses and organisation rules as a Pulumi
policy pack, and the same policies over what a LiveKit project holds.

    pulumi preview --policy-pack "$(livekit-policy path)" --policy-pack-config policy.json
    livekit-policy check --config policy.json [--json | --markdown]

`_catalog` holds the policies, `_subjects` what they read (either entrance's properties, or a project's objects),
`_settings` the configuration, `_report` findings as a reviewer reads them. `_pack` serves them to the engine
through `pulumi-policy` (the `policy` extra), started by the launcher `_launcher` writes; nothing else here
needs that extra.
"""


def serve() -> None:
    """Serves the pack to the engine: the whole of a policy pack folder's `__main__.py`."""
    from ._pack import serve as serve_pack

    serve_pack()
