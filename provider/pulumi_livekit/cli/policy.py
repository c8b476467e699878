"""livekit-policy: the routing checks and telephony rules as a Pulumi policy pack, and the same policies over
what a LiveKit project, a stack or a preview holds.

    pulumi preview --policy-pack "$(livekit-policy path)" --policy-pack-config policy.json
    livekit-policy check --config policy.json                   # the project in LIVEKIT_URL / _API_KEY / _API_SECRET
    livekit-policy check --config policy.json --stack prod --json
    pulumi preview --json --show-sames | livekit-policy check --preview - --config policy.json --markdown
    livekit-policy list

Needs the `policy` extra (`pip install 'pulumi-livekit[policy]'`). Exit codes: 0 done (check: no finding of
a mandatory policy); 1 a mandatory policy found something; 2 bad arguments, an invalid configuration or the
extra missing; 3 the project, stack or preview could not be read.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from typing import Mapping, Optional, Sequence, TextIO

from .._core.connection import PROJECT_KEYS
from .._core.silencing import IGNORE_SETTING, Silenced, silenced
from .._exceptions import LiveKitError
from .._model.kinds import kind_of_token
from ..policy._catalog import POLICIES
from ..policy._report import as_json, as_markdown, as_text, review
from ..policy._settings import PolicyConfigError, read_config
from ..policy._subjects import Project, Resource, project_key, subjects_of_objects, subjects_of_resources
from . import _preview, _sources, add_version_argument

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3
PROG = "livekit-policy"
INSTALL = "pip install 'pulumi-livekit[policy]'"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="LiveKit telephony policies: a Pulumi policy pack for `pulumi preview --policy-pack`, "
                               "and the same policies over a LiveKit project, a stack or a preview.",
        epilog="Exit codes: 0 ok; 1 a mandatory policy found something; 2 bad arguments, invalid configuration or "
               f"the policy extra missing ({INSTALL}); 3 project, stack or preview unreadable.")
    add_version_argument(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{path,check,list}")
    commands.add_parser("path", help="print what `pulumi preview --policy-pack` takes (writing it first if needed)")
    check = commands.add_parser("check", help="run the policies over a LiveKit project (default), a stack or a "
                                              "preview")
    check.add_argument("--config", metavar="FILE",
                       help="the policy configuration: what `pulumi preview --policy-pack-config` takes")
    source = check.add_argument_group("what to check (default: the LiveKit project)")
    _sources.add_connection_arguments(source)
    stack = source.add_mutually_exclusive_group()
    stack.add_argument("--stack-export", metavar="FILE", help="`pulumi stack export` JSON, '-' for stdin")
    stack.add_argument("--stack", metavar="NAME", help="a stack of the Pulumi project in the current directory")
    stack.add_argument("--preview", metavar="FILE", help="`pulumi preview --json --show-sames` output, '-' for "
                                                         "stdin: the stack as the change leaves it")
    shape = check.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the findings as JSON")
    shape.add_argument("--markdown", action="store_true", help="print the findings as Markdown, for a pull-request "
                                                               "comment")
    listing = commands.add_parser("list", help="the policies: what each checks, its default enforcement and "
                                               "parameters")
    listing.add_argument("--json", action="store_true", help="print them as JSON, with each parameter's schema")
    return parser


def main(argv: Optional[Sequence[str]] = None, *, stdout: Optional[TextIO] = None,
         stderr: Optional[TextIO] = None, environ: Optional[Mapping[str, str]] = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:
        return EXIT_OK if exit_.code == 0 else EXIT_USAGE
    if args.command == "list":
        stdout.write(_listing(as_json=args.json))
        return EXIT_OK
    needed = "pulumi_policy" if args.command == "path" else "jsonschema"
    if importlib.util.find_spec(needed) is None:
        print(f"{PROG}: the policy pack needs the `policy` extra: {INSTALL}", file=stderr)
        return EXIT_USAGE
    if args.command == "path":
        from ..policy._launcher import pack_path

        print(pack_path(), file=stdout)
        return EXIT_OK
    try:
        settings, notices = read_config(_sources.read_input(args.config, "--config") if args.config else None)
    except PolicyConfigError as exc:
        print(f"{PROG}: invalid policy configuration:" + "".join(f"\n  {problem}" for problem in exc.problems),
              file=stderr)
        return EXIT_USAGE
    except LiveKitError as exc:  # the file cannot be read
        print(f"{PROG}: {exc}", file=stderr)
        return EXIT_USAGE
    for notice in notices:
        print(f"{PROG}: note: {notice}", file=stderr)
    try:
        projects, stack_setting, where = _read(args, os.environ if environ is None else environ)
    except LiveKitError as exc:
        print(f"{PROG}: cannot read {_what(args)}: {exc}", file=stderr)
        return EXIT_UNREADABLE
    report = review(projects, settings, stack_setting)
    if args.json:
        stdout.write(json.dumps(as_json(report), indent=2) + "\n")
    elif args.markdown:
        stdout.write(as_markdown(report, where))
    else:
        stdout.write(as_text(report, where))
    return EXIT_BLOCKED if report.blocked else EXIT_OK


def _what(args: argparse.Namespace) -> str:
    return ("the preview" if args.preview else "the stack export" if args.stack_export
            else f"stack {args.stack}" if args.stack else "the project")


def _read(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[list[Project], Silenced, str]:
    """The projects to check, the stack's livekit:ignoreRoutingWarnings where the source carries it, and how
    the source reads in a heading."""
    if args.preview:
        preview = _preview.read_preview(_sources.read_input(args.preview, "--preview"))
        resources = [Resource(state.type, state.urn.rsplit("::", 1)[-1], state.urn,
                              _with_id(state.type, state.inputs, state.object_id), project_key(state.inputs),
                              state.dependencies, read_only=state.read) for state in _preview.states_after(preview)]
        setting = silenced((preview.get("config") or {}).get(f"livekit:{IGNORE_SETTING}"))[0]
        return subjects_of_resources(resources), setting, "the stack after the change"
    if args.stack_export or args.stack:
        text = (_sources.read_input(args.stack_export, "--stack-export") if args.stack_export
                else _sources.stack_export(args.stack))
        resources = [Resource(r.get("type", ""), r.get("urn", "").rsplit("::", 1)[-1], r.get("urn", ""),
                              r.get("outputs") or {}, _exported_project(r), read_only=bool(r.get("external")))
                     for r in _sources.exported_resources(text)]
        return subjects_of_resources(resources), Silenced(), f"stack {args.stack}" if args.stack else "the stack"
    endpoint = _sources.server_endpoint(args.url, args.api_key, args.api_secret, environ)
    project = subjects_of_objects(*_sources.read_server_with_outbound(endpoint))
    return [project], Silenced(), f"the LiveKit project at {endpoint.url}"


def _with_id(resource_type: str, inputs: Mapping, object_id: str) -> dict:
    kind = kind_of_token(resource_type)
    return {**inputs, kind.id_field: object_id} if object_id and kind is not None else dict(inputs)


def _exported_project(resource: Mapping) -> object:
    # The provider marks the project each object lives in (`__project`, `_project` in older states: a digest of
    # its URL and key).
    outputs = resource.get("outputs") or {}
    mark = next((outputs[key] for key in PROJECT_KEYS if key in outputs), None)
    return ("project", mark) if isinstance(mark, str) else project_key(outputs, resource.get("provider") or "")


def _listing(as_json: bool) -> str:
    if as_json:
        return json.dumps([{"name": p.name, "description": p.description, "scope": p.scope, "severity": p.severity,
                            "enforcementLevel": p.enforcement, "fix": p.fix, "configSchema": p.schema()}
                           for p in POLICIES], indent=2) + "\n"
    lines = []
    for policy in POLICIES:
        parameters = ", ".join(f"{name} (default {json.dumps(spec.get('default'))})"
                               for name, spec in policy.schema().items())
        lines += [f"{policy.name} [{policy.scope}, {policy.severity}, {policy.enforcement} by default]",
                  f"    {policy.description}", f"    parameters: {parameters}"]
    return "\n".join(lines) + "\n"


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
