"""`DispatchRule`: which room (and agent) an inbound call lands in."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import pulumi
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from . import _canonical
from ._exceptions import InvalidArgumentError, LiveKitError
from ._inputs import Connection, RoomConfiguration, SIPMediaConfig, as_input, holds_outputs
from ._listings import claims_of
from ._provider import CONNECTION, PROVIDER_KEY, SIPResourceProvider, project_of
from ._resource import SIPResource, declared_inputs
from ._stored import PIN, RULE_KINDS, join_pin, pin_of, split_pin, without_pin
from ._validation import type_name
from .routing import normalize_number

if TYPE_CHECKING:  # the client (httpx, jwt) is imported when the provider first calls the API
    from ._client import SIPClient
    from ._config import Endpoint
    from ._listings import Listings

# str.isdigit() also accepts other scripts' digits, which no keypad sends.
_KEYPAD_DIGITS = re.compile(r"[0-9]+")
_TELL_APART = "give one of them other trunk_ids, numbers, inbound_numbers or PIN"


def _inside_outputs(value: Any, function: Callable[[Any], Any]) -> Any:
    """`function` applied to `value`, inside its apply if it is an Output (see `_stored.without_pin`)."""
    return value.apply(function) if isinstance(value, pulumi.Output) else function(value)


def _first_repeat(values: Any, same: Callable[[str], str]) -> Optional[tuple[int, int, str]]:
    """(index, index of its first occurrence, value) of the first value that repeats one before it."""
    seen: dict[str, int] = {}
    for index, value in enumerate(values if isinstance(values, list) else []):
        if isinstance(value, str) and value != _canonical.UNKNOWN:
            if same(value) in seen:
                return index, seen[same(value)], value
            seen[same(value)] = index
    return None


class DispatchRuleProvider(SIPResourceProvider):
    message_type = sip_pb.SIPDispatchRuleInfo
    id_field = "sip_dispatch_rule_id"
    secret_keys = (PIN,)
    split_keys = (PIN,)

    def split_secrets(self, canonical: dict[str, Any]) -> dict[str, Any]:
        return split_pin(canonical)

    def join_secrets(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return join_pin(state)

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        for field, same in (("trunk_ids", str), ("numbers", normalize_number), ("inbound_numbers", normalize_number)):
            repeated = _first_repeat(desired.get(field), same)
            if repeated is not None:
                index, first, value = repeated
                failures.append(CheckFailure(f"{field}[{index}]", f"repeats {field}[{first}] ({value}): LiveKit "
                                                                  "refuses a rule that names it twice"))
        rule = desired.get("rule")
        if rule is None:
            failures.append(CheckFailure(
                "rule", "is required: use DispatchRuleIndividual, DispatchRuleDirect or DispatchRuleCallee"))
            return
        if rule == _canonical.UNKNOWN:
            return
        kinds = [k for k in RULE_KINDS if k in rule]
        if not kinds:
            failures.append(CheckFailure(
                "rule", "must set one rule kind: dispatchRuleIndividual, dispatchRuleDirect or dispatchRuleCallee"))
            return
        kind = kinds[0]
        body = rule[kind]
        if body == _canonical.UNKNOWN:
            return
        path = f"rule.{kind}"
        if kind == "dispatch_rule_direct" and not body.get("room_name"):
            failures.append(CheckFailure(f"{path}.room_name", "is required for a direct rule and must not be empty"))
        # Never echo the PIN: it is a secret. Its path names the rule kind that carries it.
        pin = desired.get(PIN)
        if pin is None or pin == _canonical.UNKNOWN or pin == "":
            return
        if not isinstance(pin, str):
            failures.append(CheckFailure(f"{path}.pin", f"expected a string of digits, got {type_name(pin)}"))
        elif not _KEYPAD_DIGITS.fullmatch(pin):
            failures.append(CheckFailure(f"{path}.pin", "must contain the digits 0-9 only (callers type it on a keypad)"))

    def check_against_others(self, olds: Mapping[str, Any], desired: dict[str, Any],
                             message: sip_pb.SIPDispatchRuleInfo, endpoint: Optional[Endpoint]) -> list[CheckFailure]:
        if endpoint is None:
            return []
        project = project_of(endpoint)
        # No property in these failures: the engine would echo the property's value, and `rule` may carry the PIN.
        declared = self.state.declared_rules.claim(project, desired, message)
        if declared is not None:
            return [CheckFailure("", f"conflicts with {declared.other} of this program: {declared.reason}. LiveKit "
                                     f"refuses the second of two such rules; {_TELL_APART}")]
        stored_inputs = {k: v for k, v in olds.items() if k not in (PROVIDER_KEY, CONNECTION)}
        if stored_inputs and stored_inputs == _canonical.prune(desired, self.message_type.DESCRIPTOR):
            return []  # unchanged since the last deployment: what the server holds cannot be in its way
        own_claims = claims_of(self._message(stored_inputs)) if stored_inputs else frozenset()
        if claims_of(message) == own_claims:
            return []  # the calls it takes are unchanged
        client = self._client_at(endpoint)
        try:
            found = self.state.listings.conflict(client.connection, client.list_dispatch_rules, message, own_claims)
        except LiveKitError as error:
            return [CheckFailure("", f"could not look for conflicting rules on the server: {error}")]
        if found is None:
            return []
        return [CheckFailure("", f"{_conflict_with(*found)}. LiveKit would refuse this rule; {_TELL_APART}, or "
                                 "remove the other rule first (in an earlier deployment, if this stack manages it)")]

    def api_create(self, client: SIPClient, message: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        listings = self.state.listings
        known_before = listings.sharing_calls(client.connection, message)
        with _refusal_naming_the_rule_in_the_way(listings, client, message):
            return client.create_dispatch_rule(message, known_before=known_before)

    def api_get(self, client: SIPClient, object_id: str) -> Optional[sip_pb.SIPDispatchRuleInfo]:
        return client.get_dispatch_rule(object_id)

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPDispatchRuleInfo):
        return client.update_dispatch_rule(object_id, message)

    def api_list(self, client: SIPClient) -> list[sip_pb.SIPDispatchRuleInfo]:
        return client.list_dispatch_rules()

    def api_delete(self, client: SIPClient, object_id: str) -> None:
        client.delete_dispatch_rule(object_id)


def _conflict_with(other: sip_pb.SIPDispatchRuleInfo, reason: str) -> str:
    name = f' "{other.name}"' if other.name else ""
    return f"conflicts with dispatch rule {other.sip_dispatch_rule_id}{name} on the LiveKit server: {reason}"


@contextlib.contextmanager
def _refusal_naming_the_rule_in_the_way(listings: Listings, client: SIPClient, message: sip_pb.SIPDispatchRuleInfo
                                        ) -> Iterator[None]:
    """A create LiveKit refused for a conflict the check did not see (the rule in the way was stored after it
    looked, e.g. by another stack deploying at the same time), whose message names only the refused rule
    ("<new>"): reported naming the rule in the way, as the check would have. (LiveKit 1.13.5 refuses no
    update: one that moves a rule onto calls another took meanwhile is stored.)"""
    try:
        yield
    except InvalidArgumentError as refused:
        try:
            found = listings.refused(client.connection, client.list_dispatch_rules, message)
        except LiveKitError:
            found = None
        if found is None:
            raise
        raise InvalidArgumentError(
            f"{refused.rpc}: LiveKit refused this rule, which {_conflict_with(*found)}. That rule was stored after "
            f"this deployment looked for conflicts (by another stack deploying at the same time, or outside "
            f"Pulumi); {_TELL_APART}, or remove the other rule first",
            code=refused.code, status=refused.status, rpc=refused.rpc, server_message=refused.server_message,
        ) from refused


PROVIDER = DispatchRuleProvider()


class DispatchRule(SIPResource, module="livekit", name="DispatchRule"):
    """A LiveKit SIP dispatch rule. Every field updates in place; the rule ID never changes.

    Outputs are the rule as the server stores it. The PIN (whichever rule kind carries it)
    is split into the secret output `pin`, so `rule` stays readable in previews. A `room_config`
    whose egress holds a credential (upload keys, a stream URL) is secret whole.
    """

    _provider = PROVIDER
    _envelope = "dispatch_rule"

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
