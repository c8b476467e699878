"""The project before and after a change, read from `pulumi preview --json --show-sames`.

Each step carries a resource's old state (what the last `up` or `refresh` stored, with its ID)
and its new inputs. A trunk or rule the change creates has no ID yet, and a rule's `trunk_ids`
holds an unknown where it names such a trunk: the resource stands in under a placeholder ID, and
the unknowns are resolved through the rule's `propertyDependencies`, which name the trunks'
URNs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ._sources import Objects, SourceError, add_routed, message_from_state, resource_kind, with_trunks_resolved

# The placeholder ID of an object the change creates. It sorts after every real ID: such objects
# come last in the server's order, where only ties between equal rules depend on it.
NEW = "~new:"
# Steps whose new state does not exist after the change, and those whose old state did not before.
_GONE_AFTER = {"delete", "delete-replaced", "discard", "read-discard", "remove-pending-replace"}
_CREATED_BY_CHANGE = {"create", "create-replacement", "import", "import-replacement", "read"}
# Steps that keep the object (and so its ID).
_KEEP_ID = {"same", "update", "refresh"}


@dataclass
class PreviewChange:
    before: Objects
    after: Objects
    names: dict[str, str] = field(default_factory=dict)  # object ID (or placeholder) -> resource name


def _name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def from_preview_json(text: str) -> PreviewChange:
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
    ids = _ids_after(steps)
    change = PreviewChange(([], []), ([], []))
    for step in steps:
        op, urn = step.get("op"), step.get("urn", "")
        old, new = step.get("oldState"), step.get("newState")
        if old and op not in _CREATED_BY_CHANGE:
            _add(change.before, change.names, old, urn, old.get("outputs") or old.get("inputs") or {}, old.get("id"))
        if new and op not in _GONE_AFTER:
            pending = {urn: object_id for urn, object_id in ids.items() if object_id.startswith(NEW)}
            inputs = with_trunks_resolved(new.get("inputs") or {}, new.get("propertyDependencies") or {},
                                          pending, unresolved=NEW + "(unknown)")
            _add(change.after, change.names, new, urn, inputs, ids.get(urn))
    return change


def _ids_after(steps: list[Mapping[str, Any]]) -> dict[str, str]:
    """URN -> the object's ID after the change: kept, or a placeholder until it is created."""
    ids = {}
    for step in steps:
        urn, old, new = step.get("urn", ""), step.get("oldState") or {}, step.get("newState") or {}
        if resource_kind(new.get("type", "")) is None:
            continue
        kept = old.get("id") if step.get("op") in _KEEP_ID else None
        ids[urn] = new.get("id") or kept or NEW + _name_of(urn)
    return ids


def _add(objects: Objects, names: dict[str, str], state: Mapping[str, Any], urn: str,
         props: Mapping[str, Any], object_id: Optional[str]) -> None:
    kind = resource_kind(state.get("type", ""))
    if kind is None:
        return
    message = message_from_state(state["type"], {**props, kind.id_field: object_id or NEW + _name_of(urn)})
    add_routed(objects, message)
    names[getattr(message, kind.id_field)] = _name_of(urn)


def _failed_preview(preview: Any) -> str:
    errors = [d.get("message", "").strip() for d in (preview or {}).get("diagnostics") or []
              if isinstance(d, Mapping) and d.get("severity") == "error"] if isinstance(preview, Mapping) else []
    if errors:
        return "the preview failed:\n  " + "\n  ".join(errors)
    return "not `pulumi preview --json` output: it has no `steps`"
