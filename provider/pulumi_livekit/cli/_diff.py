"""`livekit-routes diff`: what a `pulumi preview` does to calls, before and after.

    pulumi preview --json --show-sames | livekit-routes diff [--fail-on-change] [--all] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from ..routing import ANY_OTHER_NUMBER, ANYONE, REFUSED, REQUEST_PIN, CallChange, CallRoute, route_changes
from . import _preview
from ._sources import SourceError


def add_parser(commands) -> None:
    diff = commands.add_parser(
        "diff", help="what a change does to calls: `pulumi preview --json --show-sames | livekit-routes diff`",
        description="Read `pulumi preview --json --show-sames` and show, for every call a trunk or rule of the "
                    "project names (and one from anyone, to any other number), where it goes before and after "
                    "the change. Only calls whose route changes are shown, unless --all.")
    diff.add_argument("--preview", default="-", metavar="FILE",
                      help="the preview's JSON (default: '-', stdin)")
    diff.add_argument("--fail-on-change", action="store_true", help="exit 1 when any call's route changes")
    diff.add_argument("--all", action="store_true", help="show unchanged calls too")
    diff.add_argument("--json", action="store_true", help="print every call, before and after, as JSON")


def read_change(path: str) -> _preview.PreviewChange:
    if path == "-":
        return _preview.from_preview_json(sys.stdin.read())
    try:
        with open(path, encoding="utf-8") as f:
            return _preview.from_preview_json(f.read())
    except OSError as exc:
        raise SourceError(f"--preview: {exc.strerror}: {path}") from exc


def run(args: argparse.Namespace, stdout: TextIO) -> bool:
    """Prints the routing diff; True when a call's route changes."""
    change = read_change(args.preview)
    changes = route_changes(change.before, change.after)
    names = change.names
    if args.json:
        stdout.write(json.dumps({"calls": [_call_json(c, names) for c in changes], "unread": change.unread},
                                indent=2) + "\n")
    else:
        stdout.write(_format(changes, names, show_all=args.all))
        if change.unread:
            stdout.write(f"Left out: {', '.join(change.unread)}, read by the stack (`get`) and not in its state "
                         "yet; their calls show from the first preview after `pulumi up`.\n")
    return any(c.changed for c in changes)


def _number(number: str, anyone: str) -> str:
    return anyone if number in (ANYONE, ANY_OTHER_NUMBER) else number


def _label(kind: str, object_id: str, names: dict[str, str]) -> str:
    name = names.get(object_id)
    if name is None:
        return f"{kind} {object_id}"
    return f'{kind} "{name}"' + (" (new)" if object_id.startswith(_preview.NEW) else "")


def describe(route: CallRoute, names: dict[str, str]) -> str:
    if route.result == REFUSED:
        return f"refused by the server: {route.error}"
    trunk = _label("trunk", route.trunk_id, names) if route.trunk_id else "no trunk"
    if not route.rule_id:
        return f"{trunk}, no rule: dropped"
    text = f"{trunk} -> {_label('rule', route.rule_id, names)}: room {route.room}"
    text += ", " + (f"agent{'s' if len(route.agents) > 1 else ''} {', '.join(route.agents)}" if route.agents
                    else "no agent")
    return text + (", PIN required" if route.result == REQUEST_PIN else "")


def _like_anyone(changes: list[CallChange]) -> set[int]:
    """Calls from a given caller that go where anyone's call to the same number goes, before and after."""
    anyone = {c.call.to_number: (c.before, c.after) for c in changes if c.call.from_number == ANYONE}
    return {i for i, c in enumerate(changes)
            if c.call.from_number != ANYONE and anyone.get(c.call.to_number) == (c.before, c.after)}


def _format(changes: list[CallChange], names: dict[str, str], show_all: bool) -> str:
    changed = [c for c in changes if c.changed]
    lines = [f"{len(changed)} of {len(changes)} calls change route"
             + (":" if changed or show_all else " (the change does not move any call)")]
    repeated = _like_anyone(changes)
    shown = [c for i, c in enumerate(changes) if i not in repeated and (show_all or c.changed)]
    for item in shown:
        call = item.call
        lines.append(f"{'~' if item.changed else ' '} to {_number(call.to_number, 'any other number')} "
                     f"from {_number(call.from_number, 'anyone')}")
        before, after = describe(item.before, names), describe(item.after, names)
        if item.changed:
            lines += [f"    before: {before}", f"    after:  {after}"]
        else:
            lines.append(f"    {before}")
    lines.append("({caller}, {called}: the call's numbers; {random}: the server's random suffix; calls probed "
                 "without a PIN)")
    return "\n".join(lines) + "\n"


def _route_json(route: CallRoute, names: dict[str, str]) -> dict[str, Any]:
    def known(object_id: str):
        return None if not object_id or object_id.startswith(_preview.NEW) else object_id

    answer: dict[str, Any] = {"result": route.result,
                              "trunkId": known(route.trunk_id), "trunk": names.get(route.trunk_id),
                              "ruleId": known(route.rule_id), "rule": names.get(route.rule_id)}
    if route.rule_id:
        answer.update(room=route.room, agents=list(route.agents), pinRequired=route.result == REQUEST_PIN)
    if route.result == REFUSED:
        answer["error"] = route.error
    return answer


def _call_json(item: CallChange, names: dict[str, str]) -> dict[str, Any]:
    return {"from": item.call.from_number, "to": item.call.to_number, "changed": item.changed,
            "before": _route_json(item.before, names), "after": _route_json(item.after, names)}
