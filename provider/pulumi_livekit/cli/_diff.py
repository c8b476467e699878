"""`livekit-routes diff`: what a `pulumi preview` does to calls, before and after.

    pulumi preview --json --show-sames | livekit-routes diff [--fail-on-change] [--all] [--json | --markdown]
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from .._markdown import cell
from ..routing import ANY_OTHER_NUMBER, ANYONE, REFUSED, REQUEST_PIN, CallChange, CallRoute, route_changes
from . import _preview
from ._sources import read_input


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
    shape = diff.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print every call, before and after, as JSON")
    shape.add_argument("--markdown", action="store_true",
                       help="print the calls whose route changes as a Markdown table, for a pull-request comment")


def read_change(path: str) -> _preview.PreviewChange:
    return _preview.from_preview_json(read_input(path, "--preview"))


def run(args: argparse.Namespace, stdout: TextIO) -> bool:
    """Prints the routing diff; True when a call's route changes."""
    change = read_change(args.preview)
    changes = route_changes(change.before, change.after)
    names = change.names
    if args.json:
        stdout.write(json.dumps({"calls": [_call_json(c, names) for c in changes], "unread": change.unread},
                                indent=2) + "\n")
    else:
        stdout.write(_markdown(changes, names, show_all=args.all) if args.markdown
                     else _format(changes, names, show_all=args.all))
        if change.unread:
            stdout.write(f"\nLeft out: {', '.join(change.unread)}, read by the stack (`get`) and not in its state "
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


def _same_as_anyone(changes: list[CallChange]) -> dict[int, list[int]]:
    """Anyone's call to a number -> the calls from listed callers to it that go the same way, before and
    after (by their indexes): those are shown on anyone's line."""
    anyone = {c.call.to_number: i for i, c in enumerate(changes) if c.call.from_number == ANYONE}
    alike: dict[int, list[int]] = {}
    for index, item in enumerate(changes):
        first = anyone.get(item.call.to_number)
        if first is not None and first != index and (changes[first].before, changes[first].after) == (
                item.before, item.after):
            alike.setdefault(first, []).append(index)
    return alike


def _shown(changes: list[CallChange], show_all: bool) -> list[tuple[CallChange, str]]:
    """The calls to show (those whose route changes, or all), each with how it reads: a listed caller's call
    that goes where anyone's call to the same number goes is named on anyone's line."""
    alike = _same_as_anyone(changes)
    folded = {index for indexes in alike.values() for index in indexes}
    shown = []
    for index, item in enumerate(changes):
        if index in folded or not (show_all or item.changed):
            continue
        call = item.call
        callers = _number(call.from_number, "anyone")
        if index in alike:
            callers += f" (also from {', '.join(changes[i].call.from_number for i in alike[index])})"
        shown.append((item, f"to {_number(call.to_number, 'any other number')} from {callers}"))
    return shown


_LEGEND = ("{caller}, {called}: the call's numbers; {random}: the server's random suffix; calls probed "
           "without a PIN")


def _format(changes: list[CallChange], names: dict[str, str], show_all: bool) -> str:
    changed = [c for c in changes if c.changed]
    lines = [f"{len(changed)} of {len(changes)} calls change route"
             + (":" if changed or show_all else " (the change does not move any call)")]
    for item, label in _shown(changes, show_all):
        lines.append(f"{'~' if item.changed else ' '} {label}")
        before, after = describe(item.before, names), describe(item.after, names)
        if item.changed:
            lines += [f"    before: {before}", f"    after:  {after}"]
        else:
            lines.append(f"    {before}")
    lines.append(f"({_LEGEND})")
    return "\n".join(lines) + "\n"


def _markdown(changes: list[CallChange], names: dict[str, str], show_all: bool) -> str:
    changed = sum(1 for c in changes if c.changed)
    lines = [f"#### Calls: {changed} of {len(changes)} change route", ""]
    shown = _shown(changes, show_all)
    if not shown:
        return "\n".join(lines + ["The change does not move any call."]) + "\n"
    lines += ["| | call | before | after |", "|---|---|---|---|"]
    for item, label in shown:
        before, after = describe(item.before, names), describe(item.after, names)
        lines.append(f"| {'changed' if item.changed else ''} | {cell(label)} | {cell(before)} | "
                     f"{cell(after) if item.changed else '(same)'} |")
    return "\n".join(lines + ["", f"<sub>{cell(_LEGEND)}</sub>"]) + "\n"


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
