"""`DispatchRule`: which room (and agent) an inbound call lands in."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

import pulumi
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from . import _schema
from ._declared import DECLARED_RULES
from ._exceptions import InvalidArgumentError, LiveKitError
from ._provider import CONNECTION, PROVIDER_KEY, SIPResourceProvider, project_of
from ._resource import SIPResource, declared_inputs
from ._server_rules import RULES_ON_SERVER, claims_of
from ._types import Connection, RoomConfiguration, SIPMediaConfig, as_input, holds_outputs
from .routing import normalize_number

if TYPE_CHECKING:  # the client (httpx, jwt) is imported when the provider first calls the API
    from ._client import SIPClient
    from ._config import Endpoint

# str.isdigit() also accepts other scripts' digits, which no keypad sends.
_KEYPAD_DIGITS = re.compile(r"[0-9]+")
RULE_KINDS = ("dispatch_rule_individual", "dispatch_rule_direct", "dispatch_rule_callee")
PIN = "pin"
_TELL_APART = "give one of them other trunk_ids, numbers, inbound_numbers or PIN"


def _rule_kind(rule: Any) -> Optional[str]:
    """The single kind key of a rule dict (snake or camel spelling), if it has exactly one."""
    if not isinstance(rule, Mapping):
        return None
    kinds = [k for k in rule if _schema.field_name(sip_pb.SIPDispatchRule.DESCRIPTOR, k) in RULE_KINDS]
    return kinds[0] if len(kinds) == 1 else None


def _without_pin(rule: Any) -> Any:
    """The rule with no PIN anywhere in it. `rule` is not a secret, and the engine echoes the value of an
    invalid property in its error, so a malformed rule (two kinds, a misspelt kind) loses its PINs too.

    Outputs inside the rule are stripped inside their own apply, so the result is secret only where the
    user marked something other than the PIN secret."""
    if isinstance(rule, pulumi.Output):
        return rule.apply(_without_pin)
    if not isinstance(rule, Mapping):
        return rule
    return {k: _body_without_pin(body) for k, body in rule.items() if k != PIN}


def _body_without_pin(body: Any) -> Any:
    if isinstance(body, pulumi.Output):
        return body.apply(_body_without_pin)
    if not isinstance(body, Mapping):
        return body
    return {f: v for f, v in body.items() if f != PIN}


def _first_repeat(values: Any, same: Callable[[str], str]) -> Optional[tuple[int, int, str]]:
    """(index, index of its first occurrence, value) of the first value that repeats one before it."""
    seen: dict[str, int] = {}
    for index, value in enumerate(values if isinstance(values, list) else []):
        if isinstance(value, str) and value != _schema.UNKNOWN:
            if same(value) in seen:
                return index, seen[same(value)], value
            seen[same(value)] = index
    return None


def _pin_of(rule: Any) -> Optional[str]:
    kind = _rule_kind(rule)
    if kind is None or not isinstance(rule[kind], Mapping):
        return None
    return rule[kind].get(PIN)


class DispatchRuleProvider(SIPResourceProvider):
    message_type = sip_pb.SIPDispatchRuleInfo
    id_field = "sip_dispatch_rule_id"
    secret_keys = (PIN,)
    split_keys = (PIN,)

    def split_secrets(self, canonical: dict[str, Any]) -> dict[str, Any]:
        pin = _pin_of(canonical.get("rule"))
        state = {**canonical, "rule": _without_pin(canonical["rule"])} if "rule" in canonical else dict(canonical)
        if pin:
            state[PIN] = pin
        return state

    def join_secrets(self, state: Mapping[str, Any]) -> dict[str, Any]:
        joined = {k: v for k, v in state.items() if k != PIN}
        kind = _rule_kind(joined.get("rule"))
        if state.get(PIN) and kind is not None:
            joined["rule"] = {**joined["rule"], kind: {**joined["rule"][kind], PIN: state[PIN]}}
        return joined

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
        if rule == _schema.UNKNOWN:
            return
        kinds = [k for k in RULE_KINDS if k in rule]
        if not kinds:
            failures.append(CheckFailure(
                "rule", "must set one rule kind: dispatchRuleIndividual, dispatchRuleDirect or dispatchRuleCallee"))
            return
        kind = kinds[0]
        body = rule[kind]
        if body == _schema.UNKNOWN:
            return
        path = f"rule.{kind}"
        if kind == "dispatch_rule_direct" and not body.get("room_name"):
            failures.append(CheckFailure(f"{path}.room_name", "is required for a direct rule and must not be empty"))
        # Never echo the PIN: it is a secret. Its path names the rule kind that carries it.
        pin = desired.get(PIN)
        if pin is None or pin == _schema.UNKNOWN or pin == "":
            return
        if not isinstance(pin, str):
            failures.append(CheckFailure(f"{path}.pin", "expected a string of digits"))
        elif not _KEYPAD_DIGITS.fullmatch(pin):
            failures.append(CheckFailure(f"{path}.pin", "must contain the digits 0-9 only (callers type it on a keypad)"))

    def check_against_others(self, olds: Mapping[str, Any], desired: dict[str, Any],
                             message: sip_pb.SIPDispatchRuleInfo, endpoint: Optional[Endpoint]) -> list[CheckFailure]:
        if endpoint is None:
            return []
        project = project_of(endpoint)
        # No property in these failures: the engine would echo the property's value, and `rule` may carry the PIN.
        declared = DECLARED_RULES.claim(project, desired, message)
        if declared is not None:
            return [CheckFailure("", f"conflicts with {declared.other} of this program: {declared.reason}. LiveKit "
                                     f"refuses the second of two such rules; {_TELL_APART}")]
        stored_inputs = {k: v for k, v in olds.items() if k not in (PROVIDER_KEY, CONNECTION)}
        if stored_inputs and stored_inputs == _schema.prune(desired):
            return []  # unchanged since the last deployment: what the server holds cannot be in its way
        own_claims = claims_of(self._message(stored_inputs)) if stored_inputs else frozenset()
        if claims_of(message) == own_claims:
            return []  # the calls it takes are unchanged
        client = self._client_at(endpoint)
        try:
            found = RULES_ON_SERVER.conflict(client.connection, client.list_dispatch_rules, message, own_claims)
        except LiveKitError as error:
            return [CheckFailure("", f"could not look for conflicting rules on the server: {error}")]
        if found is None:
            return []
        return [CheckFailure("", f"{_conflict_with(*found)}. LiveKit would refuse this rule; {_TELL_APART}, or "
                                 "remove the other rule first (in an earlier deployment, if this stack manages it)")]

    def api_create(self, client: SIPClient, message: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        known_before = RULES_ON_SERVER.sharing_calls(client.connection, message)
        with _refusal_naming_the_rule_in_the_way(client, message):
            stored = client.create_dispatch_rule(message, known_before=known_before)
        RULES_ON_SERVER.stored(client.connection, stored)
        return stored

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPDispatchRuleInfo):
        stored = client.update_dispatch_rule(object_id, message)
        RULES_ON_SERVER.stored(client.connection, stored)
        return stored

    def api_list(self, client: SIPClient) -> list[sip_pb.SIPDispatchRuleInfo]:
        return client.list_dispatch_rules()

    def api_delete(self, client: SIPClient, object_id: str) -> None:
        try:
            client.delete_dispatch_rule(object_id)
        finally:  # gone, or after an error perhaps not: then the server still refuses what conflicts with it
            RULES_ON_SERVER.deleted(client.connection, object_id)


def _conflict_with(other: sip_pb.SIPDispatchRuleInfo, reason: str) -> str:
    name = f' "{other.name}"' if other.name else ""
    return f"conflicts with dispatch rule {other.sip_dispatch_rule_id}{name} on the LiveKit server: {reason}"


@contextlib.contextmanager
def _refusal_naming_the_rule_in_the_way(client: SIPClient, message: sip_pb.SIPDispatchRuleInfo) -> Iterator[None]:
    """A create LiveKit refused for a conflict the check did not see (the rule in the way was stored after it
    looked, e.g. by another stack deploying at the same time), whose message names only the refused rule
    ("<new>"): reported naming the rule in the way, as the check would have. (LiveKit 1.13.5 refuses no
    update: one that moves a rule onto calls another took meanwhile is stored.)"""
    try:
        yield
    except InvalidArgumentError as refused:
        try:
            found = RULES_ON_SERVER.refused(client.connection, client.list_dispatch_rules, message)
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
    is split into the secret output `pin`, so `rule` stays readable in previews.
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
            inputs.update(rule=pulumi.Output.from_input(_without_pin(rule)),
                          pin=pulumi.Output.from_input(rule).apply(_pin_of))
        else:  # the usual case, and cheaper: no Outputs to create per resource
            inputs.update(rule=_without_pin(rule), pin=_pin_of(rule))
        self._declare(resource_name, inputs, connection, opts)
