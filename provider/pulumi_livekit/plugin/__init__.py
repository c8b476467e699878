"""`pulumi-resource-livekit`: the LiveKit SIP provider plugin, for every Pulumi language.

A second entrance to the core the dynamic resources (`pulumi_livekit.DispatchRule`, ...) run on,
served by Pulumi's Python provider SDK with a schema generated from livekit-protocol's
descriptors. See docs/plugin.md for installing it and when to use which.
"""

from ._package import VERSION, schema
from ._provider import LiveKitProvider
from ._server import main

__all__ = ["LiveKitProvider", "VERSION", "main", "schema"]
