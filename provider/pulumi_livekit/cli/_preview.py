"""The project before and after a change, read from `pulumi preview --json --show-sames`.

Each step carries a resource's old state (what the last `up` or `refresh` stored, with its ID)
and its new inputs; an object the stack only reads (`get`) is as it was last read. A trunk or rule the change creates has no ID yet, and a rule's `trunk_ids`
holds an unknown where it names such a trunk: the resource stands in under a placeholder ID, and
the unknowns are resolved through the rule's `propertyDependencies`, which name the trunks'
URNs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .._core.urns import resource_name
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, kind_of_token
from .._model.properties import message_from_state, with_trunks_resolved
from ._sources import Objects, SourceError, add_routed

# The placeholder ID of an object the change creates. It sorts after every real ID: such objects
# come last in the server's order, where only ties between equal rules depend on it.
NEW = "~new:"
# Steps whose new state does not exist after the change, and those whose old state did not before.
_GONE_AFTER = {"delete", "delete-replaced", "discard", "read-discard", "remove-pending-replace"}
_CREATED_BY_CHANGE = {"create", "create-replacement", "import", "import-replacement"}
# Steps of an object the stack reads (`get`) and never changes. The preview's JSON leaves out what it read.
_READ = {"read", "read-replacement"}
# Steps that keep the object (and so its ID).
_KEEP_ID = {"same", "update", "refresh"}


@dataclass
class PreviewChange:
    before: Objects
    after: Objects
    names: dict[str, str] = field(default_factory=dict)  # object ID (or placeholder) -> resource name
    # The trunks and rules the stack reads (`get`) that its state does not hold yet: what they route is not known.
    unread: list[str] = field(default_factory=list)


def read_preview(text: str) -> Mapping[str, Any]:
    """`pulumi preview --json --show-sames` output, parsed; a failed preview, or one without the resources it
    does not change, raises SourceError."""
    try:
        preview = json.loads(text)
    except ValueError as exc:
        raise SourceError(f"not `pulumi preview --json` output: {exc}") from exc
    if not isinstance(preview, Mapping) or not isinstance(preview.get("steps"), list):
        raise SourceError(_failed_preview(preview))
    steps = [s for s in preview["steps"] if isinstance(s, Mapping)]
    sames = sum(1 for s in steps if s.get("op") == "same")
    if sames < ((preview.get("changeSummary") or {}).get("same") or 0):
        raise SourceError("the preview leaves out the resources it does not change: run "
                          "`pulumi preview --json --show-sames`")
    return preview


@dataclass(frozen=True)
class StateAfter:
    """A resource of this package as the change leaves it: the program's inputs (an unknown where a value comes
    from a resource not created yet), the resources each input's value came from, its ID if it has one."""

    type: str
    urn: str
    inputs: Mapping[str, Any]
    dependencies: Mapping[str, list[str]]
    object_id: str  # "" until the change creates the object
    read: bool = False  # the stack reads it (`get`): its inputs are what it last read


def states_after(preview: Mapping[str, Any]) -> list[StateAfter]:
    """What the change leaves; an object the stack reads, as it last read it (none before its first read)."""
    steps = [s for s in preview["steps"] if isinstance(s, Mapping)]
    ids = _ids_after(steps)
    states = []
    for step in steps:
        new, urn = step.get("newState"), step.get("urn", "")
        if not new or step.get("op") in _GONE_AFTER or kind_of_token(new.get("type", "")) is None:
            continue
        read = step.get("op") in _READ
        inputs = _last_read(step) if read else new.get("inputs")
        if inputs:
            states.append(StateAfter(new["type"], urn, inputs, new.get("propertyDependencies") or {},
                                     "" if ids[urn].startswith(NEW) else ids[urn], read))
    return states


def from_preview_json(text: str) -> PreviewChange:
    preview = read_preview(text)
    change = PreviewChange(([], []), ([], []))
    for step in preview["steps"]:
        old = step.get("oldState") if isinstance(step, Mapping) else None
        if old and step.get("op") not in _CREATED_BY_CHANGE:
            _add(change.before, change.names, old.get("type", ""), step.get("urn", ""),
                 old.get("outputs") or old.get("inputs") or {}, old.get("id"))
    after = states_after(preview)
    pending = {state.urn: NEW + resource_name(state.urn) for state in after if not state.object_id}
    for state in after:
        inputs = with_trunks_resolved(state.inputs, state.dependencies, pending, unresolved=NEW + "(unknown)")
        _add(change.after, change.names, state.type, state.urn, inputs, state.object_id or pending[state.urn])
    change.unread = [resource_name(step.get("urn", "")) for step in preview["steps"]
                     if isinstance(step, Mapping) and step.get("op") in _READ and not _last_read(step)
                     and kind_of_token((step.get("newState") or {}).get("type", "")) in (INBOUND_TRUNK, DISPATCH_RULE)]
    return change


def _last_read(step: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    """What the stack last read of an object it reads: the state's outputs (the preview's JSON has not its own)."""
    return (step.get("oldState") or {}).get("outputs") or (step.get("newState") or {}).get("outputs")


def _ids_after(steps: list[Mapping[str, Any]]) -> dict[str, str]:
    """URN -> the object's ID after the change: kept, or a placeholder until it is created."""
    ids = {}
    for step in steps:
        urn, old, new = step.get("urn", ""), step.get("oldState") or {}, step.get("newState") or {}
        if kind_of_token(new.get("type", "")) is None:
            continue
        kept = old.get("id") if step.get("op") in _KEEP_ID else None
        ids[urn] = new.get("id") or kept or NEW + resource_name(urn)
    return ids


def _add(objects: Objects, names: dict[str, str], resource_type: str, urn: str,
         props: Mapping[str, Any], object_id: Optional[str]) -> None:
    kind = kind_of_token(resource_type)
    if kind is None:
        return
    message = message_from_state(resource_type, {**props, kind.id_field: object_id or NEW + resource_name(urn)})
    add_routed(objects, message)
    names[getattr(message, kind.id_field)] = resource_name(urn)


def _failed_preview(preview: Any) -> str:
    errors = [d.get("message", "").strip() for d in (preview or {}).get("diagnostics") or []
              if isinstance(d, Mapping) and d.get("severity") == "error"] if isinstance(preview, Mapping) else []
    if errors:
        return "the preview failed:\n  " + "\n  ".join(errors)
    return "not `pulumi preview --json` output: it has no `steps`"
