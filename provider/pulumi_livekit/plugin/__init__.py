"""`pulumi-resource-livekit`: the LiveKit SIP provider plugin, for every Pulumi language.

A second entrance to the core the dynamic resources (`pulumi_livekit.DispatchRule`, ...) run on,
served by Pulumi's Python provider SDK with a schema generated from livekit-protocol's
descriptors. See docs/plugin.md for installing it and when to use which.
"""

from __future__ import annotations

import sys

from ._package import VERSION, schema
from ._provider import LiveKitProvider

__all__ = ["LiveKitProvider", "VERSION", "main", "schema"]


def main() -> None:
    """The plugin's entry point: the engine starts it with its own address and reads the port it serves on."""
    from pulumi.provider.experimental.server import main as serve

    serve(sys.argv[1:], VERSION, LiveKitProvider())
