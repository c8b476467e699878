"""The setting `livekit:ignoreRoutingWarnings`, and a routing warning as it is shown: the same for a
Python program's review (`_dynamic.routing_review`) and the provider plugin.

Each warning names the entry that silences it: its code (everywhere), `<code>:<resource name>` (for one
resource), or `*` (every routing warning).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..routing import WARNING_CODES, RoutingWarning

IGNORE_SETTING = "ignoreRoutingWarnings"
EVERY_WARNING = "*"


@dataclass(frozen=True)
class Silenced:
    entries: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return EVERY_WARNING in self.entries

    def covers(self, code: str, resource_name: str) -> bool:
        return self.everything or code in self.entries or f"{code}:{resource_name}" in self.entries


def silenced(value: Any) -> tuple[Silenced, list[str]]:
    """The setting's value (a list of entries, one entry, or either as JSON text; None when unset), and a
    problem for each entry that names no routing warning."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass  # one entry, written without JSON's quotes
    entries = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    problems = [f"livekit:{IGNORE_SETTING}: {entry!r} names no routing warning; the codes are "
                f"{', '.join(WARNING_CODES)} (add :<resource name> for one resource), or {EVERY_WARNING}"
                for entry in entries if entry != EVERY_WARNING and str(entry).split(":", 1)[0] not in WARNING_CODES]
    return Silenced(frozenset(str(entry) for entry in entries)), problems


def shown(warning: RoutingWarning, resource_name: str) -> str:
    """The warning's text with the entry that silences it."""
    return f"{warning.text} [silence with livekit:{IGNORE_SETTING}: {warning.code}:{resource_name}]"
