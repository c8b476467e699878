"""The differential run's share through `pulumi` itself: the engine's part of each step (its check and diff
calls, state, secrets, the YAML host's values) on both entrances. Random declarations of a dispatch rule and both
trunks (`pulumi_livekit.testing.Declarations`, the in-process run's generator) in one stack: `up` creates what
was declared, `up` updates to what a create of the new declarations stores, refresh shows no change, an invalid
declaration fails the preview naming its field with no request, an import of the objects into another stack
changes nothing, and destroy leaves nothing. A Python program and a Pulumi YAML program run side by side, each
with its own LiveKit project. The in-process run is tests/server/test_differential.py."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._model.kinds import kind_named
from pulumi_livekit.testing import FaultProxy, LocalLiveKit
from pulumi_livekit.testing._declarations import Declarations

from differential import DEFAULT_SEED, SEED_ENV, SUMMARY, Side, as_created, expected, shown, without_server_fields
from entrances import PythonEntrance
from support import PROGRAMS, configure_for, write_config, yaml_program

KINDS = {"rule": "DispatchRule", "inbound": "InboundTrunk", "outbound": "OutboundTrunk"}
TOKENS = {kind: f"livekit:index:{kind}" for kind in KINDS.values()}


def write_program(stack, entrance: str, declarations: dict[str, dict], imports: dict[str, str] | None = None) -> None:
    imports = imports or {}
    if entrance == "python":
        write_config(stack, {"declarations": json.dumps({
            name: {"kind": KINDS[name], "declaration": declaration, "import": imports.get(name)}
            for name, declaration in declarations.items()})})
        return
    resources = {name: {"type": TOKENS[KINDS[name]], "properties": declaration,
                        **({"options": {"import": imports[name]}} if name in imports else {})}
                 for name, declaration in declarations.items()}
    yaml_program(stack.program_dir, resources)


def object_ids(stack) -> dict[str, str]:
    return {r["urn"].rsplit("::", 1)[1]: r["id"] for r in stack.resources()
            if r["urn"].rsplit("::", 1)[1] in KINDS and r.get("id")}


def read(reader: SIPClient, kind: str, object_id: str):
    return reader.get(kind_named(kind), object_id)


def sequence(entrance: str, folder: Path, pulumi_stack, server: LocalLiveKit, twins: Side,
             twin_project: threading.Lock) -> collections.Counter:
    """One entrance's sequence of the three kinds through `pulumi`, against `server` behind a counting proxy; its
    twins are made in a project the other entrance's sequence makes them in too, one at a time (two rules there
    at once could conflict)."""
    seed = int(os.environ.get(SEED_ENV) or DEFAULT_SEED) + (entrance == "yaml")
    declarations = Declarations(seed)
    creds = server.credentials
    reader = SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret))
    counts: collections.Counter = collections.Counter()

    def program(name: str) -> Path:
        return PROGRAMS / "declarations" if entrance == "python" else yaml_program(folder / name, {})

    def applied(stack, declared: dict[str, dict], operation: str) -> dict[str, str]:
        ids = object_ids(stack)
        for name, declaration in declared.items():
            got, want = read(reader, KINDS[name], ids[name]), expected(KINDS[name], declaration)
            assert got is not None and without_server_fields(got) == want, \
                f"{entrance}: {operation} of {name} stored {shown(got)}\nwhere the declaration says {shown(want)}"
        counts.update([f"engine steps {entrance}", f"engine steps {operation}"])
        return ids

    with FaultProxy(creds.url) as proxy:
        reached = dataclasses.replace(creds, url=proxy.url)
        stack = pulumi_stack(program("program"), stack=entrance)
        configure_for(stack, reached)
        declared = {name: declarations.valid(kind) for name, kind in KINDS.items()}
        write_program(stack, entrance, declared)
        stack.up()
        applied(stack, declared, "create")

        declared = {name: declarations.changed(KINDS[name], declaration) for name, declaration in declared.items()}
        write_program(stack, entrance, declared)
        stack.up()
        ids = applied(stack, declared, "update")
        with twin_project:  # what a create of each declaration stores, in another project
            for name, declaration in declared.items():
                as_created(twins, KINDS[name], declaration, read(reader, KINDS[name], ids[name]))

        assert stack.refresh().changes == {}, entrance
        counts.update([f"engine steps {entrance}", "engine steps refresh"])

        name = declarations.random.choice(list(KINDS))
        invalid, path = declarations.invalid(KINDS[name], declared[name])
        write_program(stack, entrance, {**declared, name: invalid})
        proxy.clear()
        refused = stack.preview(check=False)
        assert refused.returncode != 0 and "{<nil>}" not in refused.output, refused.output
        top = path.split(".", 1)[0].split("[", 1)[0]
        assert top in refused.output or _snake(top) in refused.output, (path, refused.output)
        # The refused resource's check sends nothing; the others', where the engine reaches them before it stops,
        # verify the connection once.
        assert proxy.count() == proxy.count("ListSIPDispatchRule") <= 1, dict(proxy.counts)
        counts.update([f"engine steps {entrance}", "engine steps invalid"])

        imported = pulumi_stack(program("imported"), stack=f"{entrance}-imported")
        configure_for(imported, reached)
        write_program(imported, entrance, declared, imports=ids)
        assert imported.up().changes == {"create": 1, "import": 3}  # the stack, the three objects: no update
        counts.update([f"engine steps {entrance}", "engine steps import"])

        write_program(stack, entrance, declared)
        stack.destroy()
        assert all(read(reader, KINDS[name], object_id) is None for name, object_id in ids.items())
        counts.update([f"engine steps {entrance}", "engine steps destroy"])
    return counts


def test_the_engine_applies_exactly_what_was_declared_on_both_entrances(request, tmp_path, pulumi_stack, livekit,
                                                                        other_project, twins):
    # The engine waits on its plugins and the server most of the time: the two sequences overlap.
    twin_sides, twin_project = [Side.of(PythonEntrance, twins) for _ in range(2)], threading.Lock()
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(sequence, entrance, tmp_path / entrance, pulumi_stack, server, twin, twin_project)
                for entrance, server, twin in zip(("python", "yaml"), (livekit, other_project), twin_sides)]
        counts = sum((run.result() for run in runs), collections.Counter())
    request.node.user_properties.append((SUMMARY, dict(counts)))


def _snake(json_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in json_name)
