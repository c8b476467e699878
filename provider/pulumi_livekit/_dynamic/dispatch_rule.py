"""`DispatchRule`: which room (and agent) an inbound call lands in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import pulumi

from .._core.dispatch_rule import PROVIDER
from .._model.secrets import pin_of, without_pin
from .inputs import Connection, RoomConfiguration, SIPMediaConfig, as_input, holds_outputs
from .resource import SIPResource, declared_inputs


def _inside_outputs(value: Any, function: Callable[[Any], Any]) -> Any:
    """`function` applied to `value`, inside its apply if it is an Output (see `_model.secrets.without_pin`)."""
    return value.apply(function) if isinstance(value, pulumi.Output) else function(value)


class DispatchRule(SIPResource):
    """A LiveKit SIP dispatch rule. Every field updates in place; the rule ID never changes.

    Outputs are the rule as the server stores it. The PIN (whichever rule kind carries it)
    is split into the secret output `pin`, so `rule` stays readable in previews. A `room_config`
    whose egress holds a credential (upload keys, a stream URL) is secret whole.
    """

    _provider = PROVIDER

    if TYPE_CHECKING:  # for type checkers: the SDK would evaluate these again for every resource
        sip_dispatch_rule_id: pulumi.Output[str]
        rule: pulumi.Output[dict]
        pin: pulumi.Output[Optional[str]]
        name: pulumi.Output[Optional[str]]
        trunk_ids: pulumi.Output[Optional[list]]
        room_config: pulumi.Output[Optional[dict]]
        attributes: pulumi.Output[Optional[dict]]
        metadata: pulumi.Output[Optional[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        rule: pulumi.Input[Any],
        name: pulumi.Input[Optional[str]] = None,
        trunk_ids: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        hide_phone_number: pulumi.Input[Optional[bool]] = None,
        inbound_numbers: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        numbers: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
        metadata: pulumi.Input[Optional[str]] = None,
        attributes: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
        room_preset: pulumi.Input[Optional[str]] = None,
        room_config: Optional[pulumi.Input[RoomConfiguration | Mapping[str, Any]]] = None,
        krisp_enabled: pulumi.Input[Optional[bool]] = None,
        media_encryption: pulumi.Input[Optional[str]] = None,
        media: Optional[pulumi.Input[SIPMediaConfig | Mapping[str, Any]]] = None,
        connection: Optional[Connection] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        inputs = declared_inputs(locals())
        rule = as_input(rule)
        if holds_outputs(rule):  # split once its values are known
            inputs.update(rule=pulumi.Output.from_input(without_pin(rule, _inside_outputs)),
                          pin=pulumi.Output.from_input(rule).apply(pin_of))
        else:  # the usual case, and cheaper: no Outputs to create per resource
            inputs.update(rule=without_pin(rule), pin=pin_of(rule))
        self._declare(resource_name, inputs, connection, opts)
