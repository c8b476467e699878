"""Routing warnings the plugin gives at `check`: those that no other trunk or rule can make false.

A provider sees the program one `check` at a time, and never the trunks and rules managed elsewhere (other
stacks, the console), which route calls as much as the program's own. So it gives the warnings about a
rule alone (`routing.rule_alone_warnings`): `open-rule` for a rule of any trunk, and `number-format` for a
number with spaces, dashes or parentheses. The others would be guesses:

- `unserved-number` and `trunk-without-rule` turn false when a trunk or rule is added, and one may be,
  later in the run or outside it;
- `unreachable-rule` depends on the trunks too (a rule whose trunks do not exist or do not serve its
  numbers). What it says of rules alone never holds in a program the check accepts: a rule naming a trunk
  is shadowed only by an open catch-all on that trunk, which LiveKit tries after it unless the rule is an
  open catch-all there too, and two of those are a conflict the check refuses already (`_core.declared`). A
  rule of any trunk is shadowed only when every trunk of the project has such a catch-all, and a trunk
  checked later, or managed elsewhere, may not.

A rule that names a trunk of the program is known by that trunk's ID, which is unknown until the trunk
exists: it names some trunk, which is all the rule alone tells.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._core.silencing import EVERY_WARNING, Silenced, shown, silenced
from .._core.urns import resource_name
from .._model import canonical
from .._model.kinds import DISPATCH_RULE, PIN
from .._model.secrets import join_pin
from ..routing import rule_alone_warnings

# What the warnings about a rule alone read.
_READ = ("name", "rule", PIN, "trunk_ids", "numbers", "inbound_numbers")
_SOME_TRUNK = "(a trunk not created yet)"


class RoutingWarnings:
    """The warnings one plugin process (one provider) gives: each once, the silenced ones never."""

    def __init__(self) -> None:
        self._silenced = Silenced()
        self._given: set[tuple[str, str]] = set()  # (URN, text): the engine may check a resource more than once

    def configure(self, setting: Any) -> list[str]:
        """Takes the provider's `ignoreRoutingWarnings`; what is wrong with it, each problem once."""
        if canonical.contains_unknown(setting):  # at preview, from another resource: any warning may be silenced
            self._silenced = Silenced(frozenset({EVERY_WARNING}))
            return []
        self._silenced, problems = silenced(setting)
        return self._new("", problems)

    def of_rule(self, urn: str, inputs: Mapping[str, Any]) -> list[str]:
        """The warnings about the dispatch rule `urn`, from its checked inputs (the core's canonical form),
        not given before."""
        name = resource_name(urn)
        if self._silenced.everything:
            return []
        read = {key: inputs[key] for key in _READ if key in inputs}
        if isinstance(read.get("trunk_ids"), list):
            read["trunk_ids"] = [_SOME_TRUNK if trunk == canonical.UNKNOWN else trunk for trunk in read["trunk_ids"]]
        if canonical.contains_unknown(read):
            return []  # e.g. a PIN known only once another resource exists: open or not, it cannot be told
        rule = canonical.to_message(DISPATCH_RULE.message, join_pin(read))
        rule.sip_dispatch_rule_id = name  # what the warning calls it, as a Python program's review does before it exists
        return self._new(urn, [shown(warning, name) for warning in rule_alone_warnings(rule)
                               if not self._silenced.covers(warning.code, name)])

    def _new(self, urn: str, texts: list[str]) -> list[str]:
        new = [text for text in texts if (urn, text) not in self._given]
        self._given.update((urn, text) for text in new)
        return new
