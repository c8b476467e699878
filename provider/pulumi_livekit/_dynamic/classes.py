"""The resource class a Python program declares each kind with."""

from __future__ import annotations

from .._model.kinds import Kind
from .resource import SIPResource
from .resources import DispatchRule, InboundTrunk, OutboundTrunk

RESOURCE_CLASSES: dict[Kind, type[SIPResource]] = {
    cls._provider.kind: cls for cls in (InboundTrunk, OutboundTrunk, DispatchRule)}
