"""LiveKit SIP telephony as Pulumi resources: dispatch rules and trunks.

    import pulumi_livekit as livekit

    rule = livekit.DispatchRule(
        "inbound",
        rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
        room_config=livekit.RoomConfiguration(agents=[livekit.RoomAgentDispatch(agent_name="inbound-agent")]),
    )
"""

from ._dynamic.dispatch_rule import DispatchRule
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
from ._dynamic.trunks import InboundTrunk, OutboundTrunk
from ._dynamic.inputs import (
    Connection,
    DispatchRuleCallee,
    DispatchRuleDirect,
    DispatchRuleIndividual,
    RoomAgentDispatch,
    RoomConfiguration,
    SIPMediaConfig,
)

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
