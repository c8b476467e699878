"""Typed inputs. Each mirrors a LiveKit message; a plain dict in LiveKit's JSON shape
(camelCase or snake_case) is accepted wherever one of these is."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Sequence

import pulumi

from .._model.canonical import any_leaf
from .._model.kinds import CALLEE, DIRECT, INDIVIDUAL


@dataclass
class _Input:
    def to_input(self) -> dict[str, Any]:
        return {f.name: as_input(getattr(self, f.name)) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}


@dataclass
class _RuleKind(_Input):
    kind: ClassVar[str]

    def to_input(self) -> dict[str, Any]:
        return {self.kind: super().to_input()}


@dataclass
class DispatchRuleIndividual(_RuleKind):
    """A new room per caller: `room_prefix` + caller number + random suffix."""

    kind: ClassVar[str] = INDIVIDUAL
    room_prefix: pulumi.Input[Optional[str]] = None
    pin: pulumi.Input[Optional[str]] = None
    no_randomness: pulumi.Input[Optional[bool]] = None


@dataclass
class DispatchRuleDirect(_RuleKind):
    """Every caller joins `room_name`, optionally after entering `pin`."""

    kind: ClassVar[str] = DIRECT
    room_name: pulumi.Input[Optional[str]] = None
    pin: pulumi.Input[Optional[str]] = None


@dataclass
class DispatchRuleCallee(_RuleKind):
    """A room per called number: `room_prefix` + called number (+ random suffix when `randomize`)."""

    kind: ClassVar[str] = CALLEE
    room_prefix: pulumi.Input[Optional[str]] = None
    pin: pulumi.Input[Optional[str]] = None
    randomize: pulumi.Input[Optional[bool]] = None


@dataclass
class RoomAgentDispatch(_Input):
    """An agent LiveKit dispatches to every room the rule creates."""

    agent_name: pulumi.Input[Optional[str]] = None
    metadata: pulumi.Input[Optional[str]] = None
    restart_policy: pulumi.Input[Optional[str]] = None
    deployment: pulumi.Input[Optional[str]] = None
    attributes: Optional[Mapping[str, pulumi.Input[str]]] = None


@dataclass
class RoomConfiguration(_Input):
    """Settings for rooms the rule creates (`livekit.RoomConfiguration`)."""

    name: pulumi.Input[Optional[str]] = None
    empty_timeout: pulumi.Input[Optional[int]] = None
    departure_timeout: pulumi.Input[Optional[int]] = None
    max_participants: pulumi.Input[Optional[int]] = None
    metadata: pulumi.Input[Optional[str]] = None
    egress: Optional[Mapping[str, Any]] = None
    min_playout_delay: pulumi.Input[Optional[int]] = None
    max_playout_delay: pulumi.Input[Optional[int]] = None
    sync_streams: pulumi.Input[Optional[bool]] = None
    agents: Optional[Sequence[Any]] = None
    tags: Optional[Mapping[str, pulumi.Input[str]]] = None


@dataclass
class SIPMediaConfig(_Input):
    """Media settings (`livekit.SIPMediaConfig`); `encryption` is a SIPMediaEncryption name."""

    only_listed_codecs: pulumi.Input[Optional[bool]] = None
    codecs: Optional[Sequence[Any]] = None
    encryption: pulumi.Input[Optional[str]] = None
    media_timeout: pulumi.Input[Optional[str]] = None


@dataclass
class Connection(_Input):
    """Targets another LiveKit project than the stack's `livekit:*` config.

    Unset fields fall back to stack config and then the environment. `api_secret` is
    stored as a Pulumi secret.
    """

    url: pulumi.Input[Optional[str]] = None
    api_key: pulumi.Input[Optional[str]] = None
    api_secret: pulumi.Input[Optional[str]] = field(default=None, repr=False)


def as_input(value: Any) -> Any:
    """Typed objects to dicts, recursively, also inside Outputs; plain values pass through."""
    if isinstance(value, _Input):
        return value.to_input()
    if isinstance(value, pulumi.Output):
        return value.apply(as_input)
    if isinstance(value, Mapping):
        return {k: as_input(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_input(v) for v in value]
    return value


def holds_outputs(value: Any) -> bool:
    """Whether a (converted) input has an Output or awaitable anywhere inside."""
    return any_leaf(value, _pending)


def _pending(leaf: Any) -> bool:
    return isinstance(leaf, pulumi.Output) or (not isinstance(leaf, (str, int, float)) and inspect.isawaitable(leaf))
