"""The provider of `DispatchRule`: a rule's own checks, and the rules of the project it must not conflict with."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from .._exceptions import InvalidArgumentError, LiveKitError
from .._model import canonical
from .._model.kinds import DIRECT, DISPATCH_RULE, PIN, RULE_KINDS
from .._model.secrets import join_pin, split_pin
from .._model.validation import type_name
from .connection import project_of
from .listings import claims_of
from .offline import checks_offline
from .provider import CONNECTION, PROVIDER_KEY, SIPResourceProvider

if TYPE_CHECKING:  # the client (httpx, jwt) is imported when the provider first calls the API
    from .._api.client import SIPClient
    from .._api.endpoint import Endpoint
    from .listings import Listings

# str.isdigit() also accepts other scripts' digits, which no keypad sends.
_KEYPAD_DIGITS = re.compile(r"[0-9]+")
_TELL_APART = "give one of them other trunk_ids, numbers, inbound_numbers or PIN"


class DispatchRuleProvider(SIPResourceProvider):
    kind = DISPATCH_RULE

    def split_secrets(self, fields: dict[str, Any]) -> dict[str, Any]:
        return split_pin(fields)

    def join_secrets(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return join_pin(state)

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        rule = desired.get("rule")
        if rule is None:
            failures.append(CheckFailure(
                "rule", "is required: use DispatchRuleIndividual, DispatchRuleDirect or DispatchRuleCallee"))
            return
        if rule == canonical.UNKNOWN:
            return
        kinds = [k for k in RULE_KINDS if k in rule]
        if not kinds:
            failures.append(CheckFailure(
                "rule", "must set one rule kind: dispatchRuleIndividual, dispatchRuleDirect or dispatchRuleCallee"))
            return
        rule_kind = kinds[0]
        body = rule[rule_kind]
        if body == canonical.UNKNOWN:
            return
        path = f"rule.{rule_kind}"
        if rule_kind == DIRECT and not body.get("room_name"):
            failures.append(CheckFailure(f"{path}.room_name", "is required for a direct rule and must not be empty"))
        # Never echo the PIN: it is a secret. Its path names the rule kind that carries it.
        pin = desired.get(PIN)
        if pin is None or pin == canonical.UNKNOWN or pin == "":
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
        if stored_inputs and stored_inputs == canonical.prune(desired, self.kind.message.DESCRIPTOR):
            return []  # unchanged since the last deployment: what the server holds cannot be in its way
        own_claims = claims_of(self._message(stored_inputs)) if stored_inputs else frozenset()
        if claims_of(message) == own_claims or checks_offline():
            return []  # the calls it takes are unchanged, or the server is not to be asked
        client = self._client_at(endpoint)
        # The listing the check verified the connection with (`_unverified`): had it failed, the check ended there.
        found = self.state.listings.conflict(client.connection, lambda: client.list(DISPATCH_RULE), message,
                                             own_claims)
        if found is None:
            return []
        return [CheckFailure("", f"{_conflict_with(*found)}. LiveKit would refuse this rule; {_TELL_APART}, or "
                                 "remove the other rule first (in an earlier deployment, if this stack manages it)")]

    def api_create(self, client: SIPClient, message: sip_pb.SIPDispatchRuleInfo) -> sip_pb.SIPDispatchRuleInfo:
        listings = self.state.listings
        known_before = listings.sharing_calls(client.connection, message)
        with _refusal_naming_the_rule_in_the_way(listings, client, message):
            return client.create(DISPATCH_RULE, message, known_before=known_before)


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
            found = listings.refused(client.connection, lambda: client.list(DISPATCH_RULE), message)
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
