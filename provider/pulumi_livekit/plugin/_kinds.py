"""The resource kinds the plugin serves, each by the core provider the dynamic resources use too."""

from __future__ import annotations

from .._core.provider import SIPResourceProvider
from .._core.providers import PROVIDERS
from .._model.kinds import PLUGIN_PACKAGE as PACKAGE

# Resource type token -> the core provider behind it.
KINDS: dict[str, SIPResourceProvider] = {kind.plugin_token: provider for kind, provider in PROVIDERS.items()}

__all__ = ["KINDS", "PACKAGE"]
