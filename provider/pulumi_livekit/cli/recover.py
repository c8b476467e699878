"""`livekit-recover`: take into a stack's state what a `pulumi up` stopped part way made on LiveKit.

    livekit-recover --stack dev        # in the project's folder, with the environment `pulumi up` runs in
    pulumi up                          # creates the rest; nothing twice

A `pulumi up` killed while it creates objects (SIGKILL after a cancelled CI job's SIGINT, a machine lost) leaves
their creates pending in the stack's state, and possibly the objects on the server (see `_core.interrupted`: the
next `up` refuses to create them again and prints this command). This reads the stack (`pulumi stack export`), and
for each pending create of this package's resources finds its object in the LiveKit project the resource's provider
reaches: by the ID the engine wrote before it stopped, else by content, among the objects that no resource of any
stack of the backend holds. It writes the stack's state once (`pulumi stack import`): the objects found as
resources, every pending create gone (those never found never reached LiveKit: `pulumi up` makes them).

It changes nothing, and says why, when it cannot be sure: more unheld identical objects than pending creates of
that content (someone else's twins among them: `--take URN=ID` then names the object a pending create made), a
pending create of another provider (only `pulumi refresh`, run interactively, can say what became of it), or a
project it cannot read. `--dry-run` prints what it would do.
Also `python -m pulumi_livekit.recover`.

Exit codes: 0 done (or nothing to do); 1 refused, nothing changed; 2 bad arguments; 3 the stack or a project could
not be read, or the state not written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from google.protobuf.message import Message

from .._api.client import RetryPolicy, SIPClient
from .._api.endpoint import Endpoint
from .._core.connection import PROJECT_KEY, project_mark, resolve_connection
from .._core.interrupted import PendingCreate, StackRecord, StackUnreadable, export_stack, run_pulumi
from .._core.provider import CONNECTION
from .._core.state import redact, register_secrets
from .._exceptions import LiveKitError
from .._model.kinds import kind_of_token
from .._model.properties import message_from_state, shown
from .._model.stored import as_stored, object_id
from . import add_version_argument

PROG = "livekit-recover"
EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3


class Refused(Exception):
    """What makes taking objects in unsafe; nothing is changed."""


@dataclass
class Plan:
    """What the state becomes: pending creates taken in (URN -> the object's ID), and those dropped."""

    adopted: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)


def plan(pending: Sequence[PendingCreate], objects: Mapping[str, Sequence[Message]], held: frozenset[str],
         chosen: Optional[Mapping[str, str]] = None) -> Plan:
    """Which object each pending create made. `objects` are the server's objects its provider reaches, by URN;
    `held` the IDs any stack's resources hold; `chosen` the objects the user named (`--take`), by URN. An ID the
    engine recorded is taken as it is, a chosen one once checked; the others by content, pending creates of one
    content paired in order with the unheld objects of that content, as long as there are no more of those than of
    them. Raises `Refused` otherwise."""
    chosen = chosen or {}
    strangers = sorted(set(chosen) - {create.urn for create in pending})
    if strangers:
        raise Refused(f"--take names no pending create of the stack: {', '.join(strangers)}")
    result = Plan()
    taken = set(held)
    by_content: dict[tuple[str, bytes], list[PendingCreate]] = {}
    for create in pending:
        present = {object_id(item): item for item in objects[create.urn]}
        recorded = create.object_id if create.object_id in present else None
        choice = chosen.get(create.urn)
        if choice is not None:
            problem = _not_takeable(create, choice, present, taken, recorded)
            if problem:
                raise Refused(f"--take {create.urn}={choice}: {problem}")
            result.adopted[create.urn] = choice
            taken.add(choice)
        elif recorded and recorded not in taken:
            result.adopted[create.urn] = recorded
            taken.add(recorded)
        else:
            by_content.setdefault((create.kind.name, _declared_content(create)), []).append(create)
    for (kind_name, content), creates in by_content.items():
        candidates = sorted(object_id(item) for item in objects[creates[0].urn] if object_id(item) not in taken
                            and _stored_content(item) == content)
        if len(candidates) > len(creates):
            takes = " ".join(f"--take '{create.urn}=<ID>'" for create in creates)
            raise Refused(f"{len(candidates)} {kind_name} objects no stack holds ({', '.join(candidates)}) declare what "
                          f"{len(creates)} pending create(s) do ({', '.join(c.urn for c in creates)}): some were made "
                          "elsewhere, by someone this backend's stacks do not show, and which are this stack's "
                          f"cannot be told. If you know, run {PROG} again with {takes}, each naming the one that "
                          "create made; the others stay as they are")
        for create, candidate in zip(creates, candidates):
            result.adopted[create.urn] = candidate
            taken.add(candidate)
        result.dropped += [create.urn for create in creates[len(candidates):]]
    return result


def _declared_content(create: PendingCreate) -> bytes:
    declared = message_from_state(create.kind.dynamic_token, shown(create.inputs), hide=None)
    return _stored_content(declared)


def _stored_content(item: Message) -> bytes:
    return as_stored(item).SerializeToString(deterministic=True)


def _not_takeable(create: PendingCreate, choice: str, present: Mapping[str, Message], taken: set[str],
                  recorded: Optional[str]) -> Optional[str]:
    """Why the object `choice` cannot be the one `create` made, if it cannot."""
    if recorded and recorded != choice:
        return f"the engine recorded that this create made {recorded}"
    if choice not in present:
        return f"the LiveKit project its provider reaches holds no {create.kind.noun} with that ID"
    if choice in taken:
        return "a stack's state holds it already (or another --take names it)"
    if _stored_content(present[choice]) != _declared_content(create):
        return "it does not hold what the resource declares"
    return None


def provider_settings(resources: Sequence[Mapping[str, Any]], reference: str) -> dict[str, Any]:
    """The configuration a resource's provider (`urn::id`) was given, secrets shown, by stack config key: the dynamic
    resources' provider takes the whole stack config (`livekit:url`), the plugin's its own properties (`url`)."""
    urn, _, provider_id = reference.rpartition("::")
    provider = next((r for r in resources if r.get("urn") == urn and r.get("id") == provider_id), {})
    inputs = shown(provider.get("inputs") or {})
    return {**{f"livekit:{key}": value for key, value in inputs.items() if ":" not in key}, **inputs}


def endpoint_of(create: PendingCreate, resources: Sequence[Mapping[str, Any]], provider: str) -> Endpoint:
    """Where the pending create went: its own connection, else its provider's configuration, else the environment."""
    settings = provider_settings(resources, provider)
    explicit = shown(create.inputs.get(CONNECTION) or {})
    return resolve_connection(explicit, settings.get, os.environ)


def state_with(exported: Mapping[str, Any], result: Plan, endpoints: Mapping[str, Endpoint]) -> dict[str, Any]:
    """The exported deployment (secrets as they were, encrypted) with each adopted pending create a resource, holding
    its ID and what it declared, and no pending operation left."""
    deployment = dict(exported["deployment"])
    resources = list(deployment.get("resources") or [])
    for operation in deployment.get("pending_operations") or []:
        resource = operation["resource"]
        object_id_ = result.adopted.get(resource["urn"])
        if object_id_ is None:
            continue
        kind = kind_of_token(resource["type"])
        id_property = (kind.id_field if resource["type"] == kind.dynamic_token
                       else kind.message.DESCRIPTOR.fields_by_name[kind.id_field].json_name)
        outputs = resource.get("outputs") if resource.get("id") == object_id_ else None
        outputs = outputs or {**resource.get("inputs", {}), id_property: object_id_,
                              PROJECT_KEY: project_mark(endpoints[resource["urn"]])}
        resources.append({**resource, "id": object_id_, "outputs": outputs})
    deployment["resources"] = resources
    deployment["pending_operations"] = []
    return {**exported, "deployment": deployment}


def held_elsewhere(stack_urn: str, cwd: Optional[str]) -> frozenset[str]:
    """The IDs the other stacks of the backend hold (every project's), as `pulumi stack ls --all` lists them."""
    held: set[str] = set()
    for entry in json.loads(run_pulumi(["stack", "ls", "--all", "--json"], cwd) or "[]"):
        resources = (export_stack(entry["name"], cwd).get("deployment") or {}).get("resources") or []
        if not any(r.get("urn") == stack_urn for r in resources):
            held |= {r["id"] for r in resources if r.get("id")}
    return frozenset(held)


def recover(stack: Optional[str], cwd: Optional[str], dry_run: bool, out,
            chosen: Optional[Mapping[str, str]] = None) -> int:
    plain = export_stack(stack, cwd)
    shown_export = export_stack(stack, cwd, show_secrets=True)
    record = StackRecord.of_export(shown_export)
    resources = (shown_export.get("deployment") or {}).get("resources") or []
    if record.foreign:
        raise Refused(f"the stack also has pending creates of other providers ({', '.join(record.foreign)}), which "
                      "writing its state would drop: resolve them first with `pulumi refresh`, run interactively")
    in_state = {r.get("urn") for r in resources}
    pending = [create for create in record.pending if create.urn not in in_state]  # stale: made and recorded since
    if not record.pending:
        print("Nothing to recover: the stack has no pending create.", file=out)
        return EXIT_OK
    operations = {op["resource"]["urn"]: op["resource"] for op in shown_export["deployment"]["pending_operations"]}
    endpoints = {create.urn: endpoint_of(create, resources, operations[create.urn].get("provider", ""))
                 for create in pending}
    listings: dict[tuple[Endpoint, str], list[Message]] = {}
    for create in pending:
        endpoint = endpoints[create.urn]
        if (endpoint, create.kind.name) not in listings:
            register_secrets([endpoint.api_secret])
            with SIPClient(endpoint, retry=RetryPolicy(attempts=3), scrub=redact) as client:
                listings[endpoint, create.kind.name] = client.list(create.kind)
    stack_urn = next((r["urn"] for r in resources if r.get("type") == "pulumi:pulumi:Stack"), "")
    held = record.held | held_elsewhere(stack_urn, cwd)
    result = plan(pending, {c.urn: listings[endpoints[c.urn], c.kind.name] for c in pending}, held, chosen)
    result.dropped += [create.urn for create in record.pending if create.urn in in_state]
    for urn, taken in result.adopted.items():
        print(f"take  {urn}  {taken}", file=out)
    for urn in result.dropped:
        print(f"clear {urn}  (its create never reached LiveKit, or its object is in the state already)", file=out)
    if dry_run:
        print("Dry run: the stack's state is unchanged.", file=out)
        return EXIT_OK
    run_pulumi(["stack", "import", *(["--stack", stack] if stack else [])], cwd,
               stdin=json.dumps(state_with(plain, result, endpoints)))
    print(f"The stack's state now holds {len(result.adopted)} object(s) the stopped `pulumi up` made, and no pending "
          "create. Run `pulumi up` to create the rest.", file=out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Take into a stack's state the LiveKit objects a `pulumi up` stopped part way made, "
                               "and clear its pending creates, so that the next `pulumi up` makes nothing twice.")
    add_version_argument(parser)
    parser.add_argument("--stack", help="the stack (default: the selected one)")
    parser.add_argument("--cwd", help="the project's folder (default: this one)")
    parser.add_argument("--dry-run", action="store_true", help="print what it would do, change nothing")
    parser.add_argument("--take", action="append", default=[], type=_take, metavar="URN=ID",
                        help="the object a pending create made, when identical ones made elsewhere leave it to you "
                             "(repeatable: one per pending create)")
    return parser


def _take(text: str) -> tuple[str, str]:
    urn, equals, object_id_ = text.rpartition("=")
    if not (equals and urn.startswith("urn:pulumi:") and object_id_):
        raise argparse.ArgumentTypeError(f"expected URN=ID (the resource's URN, as the refusal names it), got {text!r}")
    return urn, object_id_


def main(argv: Optional[Sequence[str]] = None, out=sys.stdout, err=sys.stderr) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(dict(args.take)) != len(args.take):
        parser.error("--take names a pending create more than once")
    try:
        return recover(args.stack, args.cwd, args.dry_run, out, dict(args.take))
    except Refused as refusal:
        print(f"{PROG}: nothing changed: {refusal}", file=err)
        return EXIT_REFUSED
    except (StackUnreadable, LiveKitError) as problem:
        print(f"{PROG}: {redact(str(problem))}", file=err)
        return EXIT_UNREADABLE


def run() -> None:
    sys.exit(main())
