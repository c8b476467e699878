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

from .._core.urns import resource_name
from .._model.canonical import UNKNOWN
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, kind_of_token
from ._sources import Objects, SourceError, message_from_state

# The placeholder ID of an object the change creates. It sorts after every real ID: such objects
# come last in the server's order, where only ties between equal rules depend on it.
NEW = "~new:"
# The kinds routing reads.
_ROUTED = (INBOUND_TRUNK, DISPATCH_RULE)
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
            inputs = _resolve_unknown_trunks(new, ids)
            _add(change.after, change.names, new, urn, inputs, ids.get(urn))
    return change


def _ids_after(steps: list[Mapping[str, Any]]) -> dict[str, str]:
    """URN -> the object's ID after the change: kept, or a placeholder until it is created."""
    ids = {}
    for step in steps:
        urn, old, new = step.get("urn", ""), step.get("oldState") or {}, step.get("newState") or {}
        if kind_of_token(new.get("type", "")) not in _ROUTED:
            continue
        kept = old.get("id") if step.get("op") in _KEEP_ID else None
        ids[urn] = new.get("id") or kept or NEW + resource_name(urn)
    return ids


def _resolve_unknown_trunks(state: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    inputs = dict(state.get("inputs") or {})
    trunk_ids = inputs.get("trunk_ids")
    if not isinstance(trunk_ids, list) or UNKNOWN not in trunk_ids:
        return inputs
    # The trunks named by an Output, in the order the program gave them, that have no ID yet.
    pending = iter([ids[urn] for urn in (state.get("propertyDependencies") or {}).get("trunk_ids") or []
                    if ids.get(urn, "").startswith(NEW)])
    inputs["trunk_ids"] = [next(pending, NEW + "(unknown)") if t == UNKNOWN else t for t in trunk_ids]
    return inputs


def _add(objects: Objects, names: dict[str, str], state: Mapping[str, Any], urn: str,
         props: Mapping[str, Any], object_id: Optional[str]) -> None:
    kind = kind_of_token(state.get("type", ""))
    if kind not in _ROUTED:
        return
    message = message_from_state(state["type"], {**props, kind.id_field: object_id or NEW + resource_name(urn)})
    trunks, rules = objects
    (rules if kind is DISPATCH_RULE else trunks).append(message)
    names[getattr(message, kind.id_field)] = resource_name(urn)


def _failed_preview(preview: Any) -> str:
    errors = [d.get("message", "").strip() for d in (preview or {}).get("diagnostics") or []
              if isinstance(d, Mapping) and d.get("severity") == "error"] if isinstance(preview, Mapping) else []
    if errors:
        return "the preview failed:\n  " + "\n  ".join(errors)
    return "not `pulumi preview --json` output: it has no `steps`"
