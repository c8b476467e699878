"""livekit-routes: the routing table of a LiveKit project, and where a given call goes.

    livekit-routes table                      # from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET
    livekit-routes table --stack-export state.json
    livekit-routes explain --from +15550001111 --to +15559990000 --json
    livekit-routes call --from +15550001111 --to +15559990000 --timeout 20   # needs pulumi-livekit[call]
    pulumi preview --json --show-sames | livekit-routes diff --fail-on-change

Exit codes: 0 done (explain: the call is accepted or asks for a PIN); 1 `table` found warnings,
`explain`'s call is dropped or refused, or `diff --fail-on-change` found a call whose route
changes, or `call` reached no room or not every agent; 2 bad arguments (or `call` without the real-time SDK);
3 the project (or the preview) could not be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Mapping, Optional, Sequence, TextIO

from .._exceptions import LiveKitError
from ..routing import ACCEPT, ANY, REQUEST_PIN, Call, Decision, Table, evaluate, routing_table
from . import _call as test_call
from . import _diff, _sources, add_version_argument

EXIT_OK, EXIT_FLAGGED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livekit-routes",
        description="Show how LiveKit routes inbound calls: the routing table of a project, or the decision "
                    "for one call, computed from its inbound trunks and dispatch rules.",
        epilog="Exit codes: 0 ok; 1 table warnings / call not accepted / diff --fail-on-change found a change / "
               "call: an agent did not join or the call was dropped; 2 bad arguments; 3 project or preview "
               "unreadable.",
    )
    add_version_argument(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{table,explain,diff,call}")
    table = commands.add_parser("table", help="the routing table: per trunk and number, the rules in the order "
                                              "the server tries them, with warnings")
    _add_source_arguments(table)
    table.add_argument("--json", action="store_true", help="print the table as JSON")
    explain = commands.add_parser("explain", help="the server's decision for one inbound call")
    _add_source_arguments(explain)
    _add_call_arguments(explain)
    explain.add_argument("--json", action="store_true",
                         help="print the decision as EvaluateSIPDispatchRulesResponse JSON")
    _diff.add_parser(commands)
    call = commands.add_parser("call", help="a test call: make the room the call lands in, join it as the caller, "
                                            "wait for the agents the rule dispatches, then delete the room")
    _add_server_arguments(call)
    _add_call_arguments(call)
    test_call.add_arguments(call)
    for command in commands.choices.values():  # a bad flag after a command: that command's usage
        command.set_defaults(command_parser=command)
    return parser


def _add_call_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="from_number", required=True, metavar="NUMBER",
                        help="calling number ('' for an anonymous caller)")
    parser.add_argument("--to", dest="to_number", required=True, metavar="NUMBER", help="called number")
    parser.add_argument("--from-host", default="", metavar="HOST", help="calling SIP host")
    parser.add_argument("--to-host", default="", metavar="HOST", help="called SIP host")
    parser.add_argument("--trunk", default="", metavar="ID", help="trunk ID chosen by SIP authentication")
    parser.add_argument("--src", default="", metavar="IP", help="source IP address of the call")
    pin = parser.add_mutually_exclusive_group()
    pin.add_argument("--pin", default="", help="PIN the caller entered")
    pin.add_argument("--no-pin", action="store_true", help="the caller declined to enter a PIN")
    parser.add_argument("--attribute", action="append", default=[], metavar="KEY=VALUE",
                        help="extra participant attribute from the SIP bridge (repeatable)")
    parser.add_argument("--call-id", default="", metavar="ID", help="SIP call ID (shown in sip.callID)")


def _add_server_arguments(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    source = parser.add_argument_group("where to read the project (default: the LiveKit server)")
    _sources.add_connection_arguments(source)
    return source


def _add_source_arguments(parser: argparse.ArgumentParser) -> None:
    source = _add_server_arguments(parser)
    stack = source.add_mutually_exclusive_group()
    stack.add_argument("--stack-export", metavar="FILE", help="`pulumi stack export` JSON, '-' for stdin")
    stack.add_argument("--stack", metavar="NAME", help="a stack of the Pulumi project in the current directory")


def main(argv: Optional[Sequence[str]] = None, *, stdout: Optional[TextIO] = None,
         stderr: Optional[TextIO] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:
            getattr(args, "command_parser", parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    if args.command == "diff":
        try:
            moved = _diff.run(args, stdout)
        except LiveKitError as exc:
            print(f"livekit-routes: cannot read the preview: {exc}", file=stderr)
            return EXIT_UNREADABLE
        return EXIT_FLAGGED if moved and args.fail_on_change else EXIT_OK
    if args.command == "call":
        return _place_call(args, os.environ if environ is None else environ, stdout, stderr)
    try:
        call = _call(args) if args.command == "explain" else None
    except ValueError as exc:
        print(f"livekit-routes: error: {exc}", file=stderr)
        return EXIT_USAGE
    try:
        trunks, rules = _read(args, os.environ if environ is None else environ)
    except LiveKitError as exc:
        print(f"livekit-routes: cannot read the project: {exc}", file=stderr)
        return EXIT_UNREADABLE
    if call is not None:
        decision = evaluate(trunks, rules, call)
        stdout.write(json.dumps(decision.to_json(), indent=2) + "\n" if args.json
                     else _format_decision(decision, _names(trunks, rules)))
        return EXIT_OK if decision.result in (ACCEPT, REQUEST_PIN) else EXIT_FLAGGED
    table = routing_table(trunks, rules)
    restrictions = {t.sip_trunk_id: t for t in trunks}
    stdout.write(json.dumps(_table_json(table, restrictions), indent=2) + "\n" if args.json
                 else _format_table(table, restrictions))
    return EXIT_FLAGGED if table.warnings else EXIT_OK


def _call(args: argparse.Namespace) -> Call:
    attributes = {}
    for item in args.attribute:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--attribute must be KEY=VALUE, got {item!r}")
        attributes[key] = value
    # An empty --from is a caller who withholds their number, whom LiveKit routes like any other.
    if not args.to_number.strip():
        raise ValueError("--to must not be empty")
    return Call(from_number=args.from_number, to_number=args.to_number, from_host=args.from_host,
                to_host=args.to_host, src_address=args.src, trunk_id=args.trunk, pin=args.pin,
                no_pin=args.no_pin, extra_attributes=attributes, call_id=args.call_id)


def _place_call(args: argparse.Namespace, environ, stdout: TextIO, stderr: TextIO) -> int:
    try:
        call = _call(args)
        test_call.check_arguments(args)
    except ValueError as exc:
        print(f"livekit-routes: error: {exc}", file=stderr)
        return EXIT_USAGE
    try:
        every_agent_came = test_call.place(args, call, environ, stdout)
    except LiveKitError as exc:
        print(f"livekit-routes: cannot place the call: {exc}", file=stderr)
        return EXIT_UNREADABLE
    return EXIT_OK if every_agent_came else EXIT_FLAGGED


def _read(args: argparse.Namespace, environ) -> _sources.Objects:
    if args.stack_export:
        return _sources.from_stack_export(_sources.read_input(args.stack_export, "--stack-export"))
    if args.stack:
        return _sources.from_stack_name(args.stack)
    return _sources.from_server(args.url, args.api_key, args.api_secret, environ)


# ---- human output ------------------------------------------------------------------------

def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + "\n" for row in rows)


def _named(object_id: str, names: Mapping[str, str]) -> str:
    return object_id + (f" ({names[object_id]})" if names.get(object_id) else "")


def _names(trunks, rules) -> dict[str, str]:
    return {**{t.sip_trunk_id: t.name for t in trunks}, **{r.sip_dispatch_rule_id: r.name for r in rules}}


def _allowed(trunk) -> str:
    """Whom a trunk takes calls from: its `allowed_addresses` and `allowed_numbers`, or anyone."""
    limits = [*trunk.allowed_addresses, *trunk.allowed_numbers] if trunk is not None else []
    return ",".join(limits) or "any"


def _format_table(table: Table, trunks: Mapping[str, Any]) -> str:
    header = ["TRUNK", "ALLOWED", "NUMBER", "#", "RULE", "KIND", "SCOPE", "CALLERS", "ROOM", "PIN", "AGENTS"]
    rows = [header]
    for row in table.rows:
        trunk = row.trunk_id or "(no trunk)"
        if row.trunk_name:
            trunk += f" ({row.trunk_name})"
        allowed = _allowed(trunks.get(row.trunk_id)) if row.trunk_id else ""
        number = "any" if row.number == ANY else row.number
        if not row.routes:
            rows.append([trunk, allowed, number, "-", "(no rule: calls dropped)", "", "", "", "", "", ""])
        for order, route in enumerate(row.routes, 1):
            rule = route.rule_id + (f" ({route.name})" if route.name else "")
            rows.append([trunk if order == 1 else "", allowed if order == 1 else "", number if order == 1 else "",
                         str(order) if route.reachable else f"{order}!", rule, route.kind, route.scope,
                         ",".join(route.callers) or "any", route.room, "yes" if route.pin_required else "no",
                         ",".join(route.agents) or "-"])
    text = _columns(rows) if len(rows) > 1 else "no inbound trunks or dispatch rules\n"
    text += "\n(# is the order the server tries the rules; '!' marks a rule never reached there. "
    text += "{caller}, {called}: the numbers of the call; {random}: the server's random suffix; "
    text += "ALLOWED: the addresses and numbers a trunk takes calls from)\n"
    if table.warnings:
        text += "\nwarnings:\n" + "".join(f"  - {w} [{w.code}]\n" for w in table.warnings)
    return text


def _table_json(table: Table, trunks: Mapping[str, Any]) -> dict:
    def restrictions(trunk_id: str) -> dict:
        trunk = trunks.get(trunk_id)
        return {"allowedAddresses": list(trunk.allowed_addresses) if trunk is not None else [],
                "allowedNumbers": list(trunk.allowed_numbers) if trunk is not None else []}

    return {
        "rows": [{"trunkId": row.trunk_id, "trunkName": row.trunk_name, **restrictions(row.trunk_id),
                  "number": row.number,
                  "rules": [{"ruleId": r.rule_id, "name": r.name, "kind": r.kind, "scope": r.scope,
                             "callers": list(r.callers), "room": r.room, "pinRequired": r.pin_required,
                             "agents": list(r.agents), "reachable": r.reachable} for r in row.routes]}
                 for row in table.rows],
        "warnings": [{"code": w.code, "kind": w.kind, "about": w.about, "message": w.text} for w in table.warnings],
    }


def _format_decision(decision: Decision, names: Mapping[str, str]) -> str:
    if decision.error is not None:
        return f"refused by the server ({decision.error.code}): {decision.error.message}\n"
    rows = [["result", decision.result],
            ["trunk", _named(decision.trunk_id, names) if decision.trunk_id else "(none matched)"],
            ["rule", _named(decision.rule_id, names) if decision.rule_id else "(none matched)"]]
    if decision.media_encryption:  # the trunk's and rule's settings merged
        rows.append(["media encryption", decision.media_encryption])
    if decision.result == ACCEPT:
        rows += [["room", decision.room_name], ["identity", decision.participant_identity],
                 ["name", decision.participant_name]]
        if decision.participant_metadata:
            rows.append(["metadata", decision.participant_metadata])
        rows += [[f"attribute {k}", v] for k, v in sorted(decision.participant_attributes.items())]
        agents = decision.room_config.get("agents") or []
        rows.append(["agents", ", ".join(a.get("agentName", "(default agent)") for a in agents) or "-"])
    return _columns(rows)


def run() -> None:
    code = main()
    if test_call.realtime_sdk_loaded():
        # The real-time SDK's native threads may call back into Python while the interpreter finalizes,
        # which aborts the process (exit 134 after a call that went well): the outcome is written, so
        # the process ends here, without finalizing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
