"""The resource kinds and lookups the plugin serves, each by the core provider the dynamic resources use too."""

from __future__ import annotations

from dataclasses import dataclass

from .._core.provider import SIPResourceProvider
from .._core.providers import PROVIDERS
from .._model.kinds import PLUGIN_PACKAGE as PACKAGE

# Resource type token -> the core provider behind it.
KINDS: dict[str, SIPResourceProvider] = {kind.plugin_token: provider for kind, provider in PROVIDERS.items()}


@dataclass(frozen=True)
class Function:
    """A lookup the plugin serves: of a kind's objects, the one (`get<Kind>`) or every match (`get<Kind>s`)."""

    provider: SIPResourceProvider
    one: bool


# Function token -> the lookup behind it.
FUNCTIONS: dict[str, Function] = {
    f"{PACKAGE}:index:get{kind.name}{'' if one else 's'}": Function(provider, one)
    for kind, provider in PROVIDERS.items() for one in (True, False)}

__all__ = ["FUNCTIONS", "KINDS", "PACKAGE", "Function"]
