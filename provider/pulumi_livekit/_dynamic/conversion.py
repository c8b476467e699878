"""Typed inputs as the dicts the core reads: the bases of the generated classes in `inputs`, and the conversion of
anything a program hands a resource."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi

from .._model.canonical import any_leaf


@dataclasses.dataclass
class TypedInput:
    """A LiveKit message as a dataclass of its fields; unset ones (None) are left out."""

    def to_input(self) -> dict[str, Any]:
        return {f.name: as_input(getattr(self, f.name)) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}


@dataclasses.dataclass
class RuleKindInput(TypedInput):
    """A kind of dispatch rule: it stands for the `rule` that holds it, under its field of the oneof."""

    kind: ClassVar[str]

    def to_input(self) -> dict[str, Any]:
        return {self.kind: super().to_input()}


def as_input(value: Any) -> Any:
    """Typed objects to dicts, recursively, also inside Outputs; plain values pass through."""
    if isinstance(value, TypedInput):
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
