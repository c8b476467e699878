"""The dispatch rules a deployment declares, as its checks see them, for conflicts found at preview.

The engine checks one resource at a time, but every check of a deployment runs in the same provider
process: this registry remembers each rule checked so far, per LiveKit project, and refuses a rule
that the server would refuse next to one of them (routing.rule_conflicts: trunk scope, numbers, PIN).

A rule is known by its URN when the provider host tells it (this package's host does, see
_dynamic_host.py), so a second check of the same resource replaces its first and never conflicts with
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

from .routing import rule_conflicts

_checked_urn: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("pulumi_livekit_checked_urn", default=None)


@contextlib.contextmanager
def checking(urn: str) -> Iterator[None]:
    """The URN of the resource the current thread checks."""
    token = _checked_urn.set(urn)
    try:
        yield
    finally:
        _checked_urn.reset(token)


@dataclass(frozen=True)
class DeclaredConflict:
    other: str  # how the other rule reads in a message: its resource name, or its name field
    reason: str


def _label(urn: Optional[str], desired: Mapping[str, Any]) -> str:
    if urn:
        return f'resource "{urn.rsplit("::", 1)[-1]}"'
    return f'"{desired["name"]}"' if desired.get("name") else "an unnamed rule with other inputs"


class DeclaredRules:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: dict[tuple[Hashable, Hashable], tuple[str, sip_pb.SIPDispatchRuleInfo]] = {}

    def claim(self, project: Hashable, desired: Mapping[str, Any], rule: sip_pb.SIPDispatchRuleInfo) -> Optional[DeclaredConflict]:
        """Records the rule (canonical inputs `desired`, as a message `rule`) for `project`; the first rule
        declared before it that the server would refuse it next to, if any."""
        urn = _checked_urn.get()
        key = (project, urn or json.dumps(desired, sort_keys=True))
        with self._lock:
            self._rules.pop(key, None)
            others = [(label, other) for (where, _), (label, other) in self._rules.items() if where == project]
            for label, other in others:
                found = rule_conflicts([other, rule])
                if found:
                    return DeclaredConflict(label, found[0].reason)
            self._rules[key] = (_label(urn, desired), rule)
        return None


DECLARED_RULES = DeclaredRules()
