"""The differential run's share through `pulumi` itself: the engine's part of each step (its check and diff
calls, state, secrets, the YAML host's values) on both entrances. Random declarations of a dispatch rule and both
trunks (`pulumi_livekit.testing.Declarations`, the in-process run's generator) in one stack: `up` creates what
was declared, `up` updates to what a create of the new declarations stores, refresh shows no change, an invalid
declaration fails the preview naming its field with no request, an import of the objects into another stack
changes nothing, and destroy leaves nothing. The in-process run is tests/server/test_differential.py."""

from __future__ import annotations

import collections
import json
import os
from pathlib import Path

import pytest

from pulumi_livekit._client import SIPClient
from pulumi_livekit._config import Endpoint
from pulumi_livekit.testing._declarations import Declarations

from differential import DEFAULT_SEED, SEED_ENV, SUMMARY, Side, as_created, expected, shown, without_server_fields
from entrances import PythonEntrance
from support import PROGRAMS, write_config, yaml_program

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


def program(tmp_path: Path, entrance: str) -> Path:
    return PROGRAMS / "declarations" if entrance == "python" else yaml_program(tmp_path / "yaml", {})


def object_ids(stack) -> dict[str, str]:
    return {r["urn"].rsplit("::", 1)[1]: r["id"] for r in stack.resources()
            if r["urn"].rsplit("::", 1)[1] in KINDS and r.get("id")}


def read(reader: SIPClient, kind: str, object_id: str):
    return {"DispatchRule": reader.get_dispatch_rule, "InboundTrunk": reader.get_inbound_trunk,
            "OutboundTrunk": reader.get_outbound_trunk}[kind](object_id)


@pytest.mark.parametrize("entrance", ["python", "yaml"])
def test_the_engine_applies_exactly_what_was_declared(request, entrance, tmp_path, pulumi_stack, livekit, proxy,
                                                      other_project):
    seed = int(os.environ.get(SEED_ENV) or DEFAULT_SEED) + (entrance == "yaml")
    declarations = Declarations(seed)
    creds = livekit.credentials
    reader = SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret))
    counts: collections.Counter = collections.Counter()
    stack = pulumi_stack(program(tmp_path, entrance))
    stack.set_config("livekit:url", proxy.url)

    def applied(declared: dict[str, dict], operation: str) -> dict[str, str]:
        ids = object_ids(stack)
        for name, declaration in declared.items():
            got, want = read(reader, KINDS[name], ids[name]), expected(KINDS[name], declaration)
            assert got is not None and without_server_fields(got) == want, \
                f"{operation} of {name} stored {shown(got)}\nwhere the declaration says {shown(want)}"
        counts.update([f"engine steps {entrance}", f"engine steps {operation}"])
        return ids

    declared = {name: declarations.valid(kind) for name, kind in KINDS.items()}
    write_program(stack, entrance, declared)
    stack.up()
    applied(declared, "create")

    declared = {name: declarations.changed(KINDS[name], declaration) for name, declaration in declared.items()}
    write_program(stack, entrance, declared)
    stack.up()
    ids = applied(declared, "update")
    twins = Side.of(PythonEntrance, other_project)
    for name, declaration in declared.items():  # what a create of each declaration stores, in another project
        as_created(twins, KINDS[name], declaration, read(reader, KINDS[name], ids[name]))

    assert stack.refresh().changes == {}
    counts.update([f"engine steps {entrance}", "engine steps refresh"])

    name = declarations.random.choice(list(KINDS))
    invalid, path = declarations.invalid(KINDS[name], declared[name])
    write_program(stack, entrance, {**declared, name: invalid})
    proxy.clear()
    refused = stack.preview(check=False)
    assert refused.returncode != 0 and "{<nil>}" not in refused.output, refused.output
    top = path.split(".", 1)[0].split("[", 1)[0]
    assert top in refused.output or _snake(top) in refused.output, (path, refused.output)
    assert proxy.count() == 0, dict(proxy.counts)
    counts.update([f"engine steps {entrance}", "engine steps invalid"])

    imported = pulumi_stack(program(tmp_path / "import", entrance), stack="imported")
    imported.set_config("livekit:url", proxy.url)
    write_program(imported, entrance, declared, imports=ids)
    assert imported.up().changes == {"create": 1, "import": 3}  # the stack, the three objects: no update
    counts.update([f"engine steps {entrance}", "engine steps import"])

    write_program(stack, entrance, declared)
    stack.destroy()
    assert all(read(reader, KINDS[name], object_id) is None for name, object_id in ids.items())
    counts.update([f"engine steps {entrance}", "engine steps destroy"])
    request.node.user_properties.append((SUMMARY, dict(counts)))


def _snake(json_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in json_name)
