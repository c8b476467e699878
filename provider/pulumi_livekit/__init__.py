"""LiveKit SIP telephony as Pulumi resources: dispatch rules and trunks.

    import pulumi_livekit as livekit

    rule = livekit.DispatchRule(
        "inbound",
        rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
        room_config=livekit.RoomConfiguration(agents=[livekit.RoomAgentDispatch(agent_name="inbound-agent")]),
    )
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    LiveKitError,
    NotFoundError,
    ResourceExhaustedError,
    TransportError,
    UnavailableError,
    ValidationError,
)

if TYPE_CHECKING:
    from ._dynamic.dispatch_rule import DispatchRule
    from ._dynamic.inputs import (
        Connection,
        DispatchRuleCallee,
        DispatchRuleDirect,
        DispatchRuleIndividual,
        RoomAgentDispatch,
        RoomConfiguration,
        SIPMediaConfig,
    )
    from ._dynamic.trunks import InboundTrunk, OutboundTrunk

# The program side, loaded on first use: the provider plugin and the command line import this package without it.
_PROGRAM_SIDE = {
    "DispatchRule": "._dynamic.dispatch_rule",
    "InboundTrunk": "._dynamic.trunks",
    "OutboundTrunk": "._dynamic.trunks",
    **dict.fromkeys(("Connection", "DispatchRuleCallee", "DispatchRuleDirect", "DispatchRuleIndividual",
                     "RoomAgentDispatch", "RoomConfiguration", "SIPMediaConfig"), "._dynamic.inputs"),
}


def __getattr__(name: str) -> Any:
    module = _PROGRAM_SIDE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "APIError",
    "AuthenticationError",
    "ConfigurationError",
    "Connection",
    "DispatchRule",
    "DispatchRuleCallee",
    "DispatchRuleDirect",
    "DispatchRuleIndividual",
    "InboundTrunk",
    "InvalidArgumentError",
    "LiveKitError",
    "NotFoundError",
    "OutboundTrunk",
    "ResourceExhaustedError",
    "RoomAgentDispatch",
    "RoomConfiguration",
    "SIPMediaConfig",
    "TransportError",
    "UnavailableError",
    "ValidationError",
]
