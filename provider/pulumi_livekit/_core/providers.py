"""The core provider of each resource kind: what both entrances, the hosts and the command line serve a kind with."""

from __future__ import annotations

from typing import Optional

from .._model.kinds import Kind, kind_of_token
from .dispatch_rule import PROVIDER as DISPATCH_RULE_PROVIDER
from .provider import SIPResourceProvider
from .trunks import INBOUND_PROVIDER, OUTBOUND_PROVIDER

PROVIDERS: dict[Kind, SIPResourceProvider] = {
    provider.kind: provider for provider in (INBOUND_PROVIDER, OUTBOUND_PROVIDER, DISPATCH_RULE_PROVIDER)}


def provider_for_token(token: str) -> Optional[SIPResourceProvider]:
    """The provider of the kind a resource type token names (either entrance's), or None."""
    kind = kind_of_token(token)
    return PROVIDERS[kind] if kind is not None else None
