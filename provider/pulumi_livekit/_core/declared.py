"""The dispatch rules a deployment declares, as its checks see them, for conflicts found at preview.

The engine checks one resource at a time, but every check of a deployment runs in the same provider
process: this registry remembers each rule checked so far, per LiveKit project, and refuses a rule
that the server would refuse next to one of them (routing.rule_claims: trunk scope, numbers, PIN).

A rule is known by its URN when the provider host tells it (this package's host does, see
`_dynamic.host`), so a second check of the same resource replaces its first and never conflicts with
it. Under Pulumi's stock host the URN is unknown, and a rule is known by its inputs instead: a re-check
is then the same rule, and two resources with identical inputs are left to the server.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import threading
from dataclasses import dataclass
from typing import Any, Hashable, Iterator, Mapping, Optional

from livekit.protocol import sip as sip_pb

from ..routing import rule_claims
from .urns import resource_name

_checked_urn: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("pulumi_livekit_checked_urn", default=None)


@contextlib.contextmanager
def checking(urn: str) -> Iterator[None]:
    """The URN of the resource the current thread checks."""
    token = _checked_urn.set(urn)
    try:
        yield
    finally:
        _checked_urn.reset(token)


def checked_urn() -> Optional[str]:
    """The URN of the resource the current thread checks, when the provider host told it."""
    return _checked_urn.get()


@dataclass(frozen=True)
class DeclaredConflict:
    other: str  # how the other rule reads in a message: its resource name, or its name field
    reason: str


def _label(urn: Optional[str], desired: Mapping[str, Any]) -> str:
    if urn:
        return f'resource "{resource_name(urn)}"'
    return f'"{desired["name"]}"' if desired.get("name") else "an unnamed rule with other inputs"


class DeclaredRules:
    """Indexed by what each rule claims, so a check costs the same with 10 or 10,000 rules declared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: dict[tuple[Hashable, tuple], tuple[Hashable, str]] = {}  # claim -> (rule, label)
        self._claims: dict[Hashable, list[tuple[Hashable, tuple]]] = {}  # rule -> its claims

    def claim(self, project: Hashable, desired: Mapping[str, Any], rule: sip_pb.SIPDispatchRuleInfo) -> Optional[DeclaredConflict]:
        """Records the rule (canonical inputs `desired`, as a message `rule`) for `project`; the first rule
        declared before it that the server would refuse it next to, if any."""
        urn = checked_urn()
        key = (project, urn or json.dumps(desired, sort_keys=True))
        claims = [((project, claimed), reason) for claimed, reason in rule_claims(rule)]
        with self._lock:
            for claimed in self._claims.pop(key, []):  # a re-check replaces the rule's earlier claims
                if self._holders.get(claimed, (None,))[0] == key:
                    del self._holders[claimed]
            for claimed, reason in claims:
                holder = self._holders.get(claimed)
                if holder is not None:
                    return DeclaredConflict(holder[1], reason)
            label = _label(urn, desired)
            for claimed, _ in claims:
                self._holders.setdefault(claimed, (key, label))
            self._claims[key] = [claimed for claimed, _ in claims]
        return None
