"""The resource kinds the plugin serves, each by the core provider the dynamic resources use too."""

from __future__ import annotations

from .._dynamic import dispatch_rule as _dispatch_rule, trunks as _trunks
from .._core.provider import SIPResourceProvider
from .._model.stored import PLUGIN_PACKAGE as PACKAGE
from .._model.stored import PLUGIN_TYPE_TOKENS

# Resource type token -> the core provider behind it (the same object DispatchRule, InboundTrunk and
# OutboundTrunk serve Python programs with).
KINDS: dict[str, SIPResourceProvider] = {
    PLUGIN_TYPE_TOKENS["DispatchRule"]: _dispatch_rule.PROVIDER,
    PLUGIN_TYPE_TOKENS["InboundTrunk"]: _trunks.INBOUND_PROVIDER,
    PLUGIN_TYPE_TOKENS["OutboundTrunk"]: _trunks.OUTBOUND_PROVIDER,
}
