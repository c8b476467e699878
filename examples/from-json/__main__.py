"""Dispatch rules from JSON, exactly as LiveKit's docs print it.

`rules/` holds every JSON example of LiveKit's dispatch-rule page, verbatim: the
`lk sip dispatch create` files (outer "dispatch_rule" key) and the dashboard's JSON
editor (no outer key, trailing commas and all). Most of them match every trunk and
number with no PIN, and LiveKit allows only one such rule per project, so this program
declares one at a time:

    pulumi config set example 02-direct.lk.json
    pulumi up
"""

from pathlib import Path

import pulumi

import pulumi_livekit as livekit

example = pulumi.Config().get("example") or "00-individual-agent.lk.json"
rule = livekit.DispatchRule.from_json("from-json", Path(__file__).parent / "rules" / example)
pulumi.export("rule_id", rule.id)
