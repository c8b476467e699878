"""`livekit-adopt`: write the Pulumi program that manages a LiveKit project's existing SIP objects.

    livekit-adopt --out infra/livekit      # writes the program and prints the lines that run it
    cd infra/livekit && pulumi install && ... && pulumi up   # imports every object: no create, update or delete
    venv/bin/livekit-adopt --finish        # the stack holds them: the program drops `import_`

With `--language yaml` it writes a Pulumi YAML program of the provider plugin's resources instead.

Reads the inbound trunks, outbound trunks and dispatch rules (one List request per kind), with
the connection from --url/--api-key/--api-secret or LIVEKIT_URL/LIVEKIT_API_KEY/LIVEKIT_API_SECRET.
Also `python -m pulumi_livekit.adopt`.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Iterable, Mapping, Optional, Sequence, TextIO

import yaml

from .._api.client import SIPClient
from .._api.endpoint import Endpoint
from .._core.state import redact, register_secrets
from .._exceptions import AdoptError, LiveKitError
from .._model.kinds import KINDS, kind_of_token
from . import Parser, add_version_argument, installed_requirement
from ._codegen import (
    HOST_LAUNCHER,
    LiveKitObject,
    Program,
    drop_imports,
    drop_yaml_imports,
    generate,
    generate_yaml,
    gitignore,
    host_launcher,
    pulumi_yaml,
    requirements,
    slug,
)
from ._sources import add_connection_arguments, endpoint_from_flags

PROG = "livekit-adopt"
FILES = ("__main__.py", "Pulumi.yaml", "requirements.txt", ".gitignore", HOST_LAUNCHER)
# A Pulumi YAML program is one file; the plugin it uses comes with this package.
YAML_FILES = ("Pulumi.yaml",)
VIRTUALENV = "venv"


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description=(
        "Write a Pulumi program that adopts a LiveKit project's SIP trunks and dispatch rules: "
        "every resource carries its import ID, so the first `pulumi up` imports them unchanged."))
    add_version_argument(parser)
    parser.add_argument("--out", metavar="DIR",
                        help=f"write the program here: {', '.join(FILES)}")
    parser.add_argument("--dry-run", action="store_true", help="print the program instead; write nothing")
    parser.add_argument("--force", action="store_true", help="overwrite those files when DIR has them")
    parser.add_argument("--kind", action="append", choices=[k.option for k in KINDS],
                        help="adopt only objects of this kind (repeatable; default: all three)")
    parser.add_argument("--trunk", action="append", metavar="ID",
                        help="adopt only this trunk and the rules that name it in trunk_ids (repeatable)")
    parser.add_argument("--name", action="append", metavar="PATTERN",
                        help="adopt only objects whose name matches this shell pattern, e.g. 'support*' (repeatable)")
    parser.add_argument("--show-secrets", action="store_true",
                        help="print PINs, trunk passwords and egress credentials in the `pulumi config set --secret` "
                             "commands (without it, each command asks for its value)")
    parser.add_argument("--virtualenv", default=VIRTUALENV, metavar="DIR",
                        help="the program's virtualenv, relative to DIR (default: venv)")
    parser.add_argument("--requirement", action="append", metavar="LINE",
                        help="a line of the program's requirements.txt, where `pulumi install` gets pulumi-livekit: "
                             "a clone's path, a wheel, 'pulumi-livekit==0.1.0 --index-url URL' (repeatable; "
                             "default: from where this livekit-adopt is installed)")
    parser.add_argument("--no-protect", dest="protect", action="store_false",
                        help="do not mark adopted resources protected (then `pulumi destroy` deletes them from LiveKit)")
    parser.add_argument("--language", choices=("python", "yaml"), default="python",
                        help="python: the dynamic resources (default); yaml: a Pulumi YAML program of the provider "
                             "plugin's livekit:index:* resources (docs/plugin.md)")
    parser.add_argument("--finish", nargs="?", const=".", metavar="DIR",
                        help="after `pulumi up` imported them: drop the import options of the resources the stack "
                             "holds, in DIR's __main__.py or Pulumi YAML program (default: the current folder)")
    add_connection_arguments(parser)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.finish is not None:
        try:
            finish(Path(args.finish))
        except LiveKitError as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            return 1
        return 0
    if args.out is None and not args.dry_run:
        parser.error("pass --out DIR to write the program, or --dry-run to print it")
    if args.language == "yaml" and (args.requirement or args.virtualenv != VIRTUALENV):
        parser.error("--requirement and --virtualenv are for --language python: a YAML program has no virtualenv")
    if args.trunk and any(not trunk_id.strip() for trunk_id in args.trunk):
        parser.error("--trunk needs a trunk ID, e.g. ST_abc123")
    if args.api_secret:
        register_secrets([args.api_secret])
    try:
        _adopt(args)
    except LiveKitError as error:
        print(f"{PROG}: error: {redact(str(error))}", file=sys.stderr)
        return 1
    return 0


def _adopt(args: argparse.Namespace) -> None:
    out = Path(args.out) if args.out else None
    files = YAML_FILES if args.language == "yaml" else FILES
    if out is not None and not args.dry_run and not args.force:
        in_the_way = [name for name in files if (out / name).exists()]
        if in_the_way:
            raise AdoptError(f"{out} already has {', '.join(in_the_way)}: pass --force to overwrite, or choose "
                             f"another --out")
    endpoint = endpoint_from(args, os.environ)
    register_secrets([endpoint.api_secret])
    kinds = [kind for kind in KINDS if not args.kind or kind.option in args.kind]
    with SIPClient(endpoint) as client:
        found = [LiveKitObject(kind, message) for kind in kinds for message in client.list(kind)]
    objects = select(found, trunk_ids=args.trunk or (), name_patterns=args.name or ())
    if not objects:
        raise AdoptError(f"nothing to adopt: {endpoint.url} has {len(found)} {' or '.join(k.noun + 's' for k in kinds)}"
                         f"{', none matching the filters' if found else ''}")
    project = slug((out or Path.cwd()).resolve().name) or "livekit"
    program = (generate_yaml(objects, project, protect=args.protect) if args.language == "yaml"
               else generate(objects, protect=args.protect))
    if args.dry_run:
        sys.stdout.write(program.source)
        _report(program, None, args, endpoint, sys.stderr)
        return
    assert out is not None
    out.mkdir(parents=True, exist_ok=True)
    if args.language == "yaml":
        contents = {"Pulumi.yaml": program.source}
    else:
        contents = {"__main__.py": program.source, "Pulumi.yaml": pulumi_yaml(project, args.virtualenv),
                    "requirements.txt": requirements(args.requirement or [installed_requirement()]),
                    ".gitignore": gitignore(args.virtualenv), HOST_LAUNCHER: host_launcher(args.virtualenv)}
    for name, text in contents.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    if HOST_LAUNCHER in contents:
        (out / HOST_LAUNCHER).chmod(0o755)
    _report(program, out, args, endpoint, sys.stdout)


def endpoint_from(args: argparse.Namespace, environ: Mapping[str, str]) -> Endpoint:
    """The connection from flags, else the environment; an error names the flag and the variable."""
    return endpoint_from_flags({name: getattr(args, name) for name in ("url", "api_key", "api_secret")}, environ)


def select(objects: Iterable[LiveKitObject], *, trunk_ids: Iterable[str] = (),
           name_patterns: Iterable[str] = ()) -> list[LiveKitObject]:
    """The objects every given filter lets through: a listed trunk or a rule naming one; a name matching a pattern."""
    trunks, patterns = set(trunk_ids), list(name_patterns)

    def wanted(item: LiveKitObject) -> bool:
        if trunks and not trunks & {item.id, *item.trunk_ids}:
            return False
        return not patterns or any(fnmatch.fnmatchcase(item.name, pattern) for pattern in patterns)

    return [item for item in objects if wanted(item)]


def config_commands(program: Program, endpoint: Endpoint, *, show_secrets: bool,
                    secret_from_environment: bool = False) -> list[str]:
    """The `pulumi config set` commands the program needs, each runnable as printed: a secret value left out
    is asked for by `pulumi config set`; the API secret is never printed (its variable, when it came from one)."""
    # `--`: a secret may start with "-", which `pulumi config set` would take for a flag.
    api_secret = ' -- "$LIVEKIT_API_SECRET"' if secret_from_environment else ""
    commands = [f"pulumi config set livekit:url {shlex.quote(endpoint.url)}",
                f"pulumi config set livekit:apiKey {shlex.quote(endpoint.api_key)}",
                f"pulumi config set --secret livekit:apiSecret{api_secret}"]
    for setting in program.secrets:
        value = ""
        if show_secrets:
            value = f" {'-- ' if setting.value.startswith('-') else ''}{shlex.quote(setting.value)}"
        commands.append(f"pulumi config set --secret {'--path ' if setting.path else ''}{setting.key}{value}")
    return commands


def finish(directory: Path) -> None:
    """Drop the import options of the resources the selected stack holds, from DIR's program: `import_` in
    __main__.py, or `import` in a Pulumi YAML program's Pulumi.yaml."""
    if (directory / "__main__.py").is_file():
        program, option, drop = directory / "__main__.py", "import_", drop_imports
    elif (directory / "Pulumi.yaml").is_file() and _runtime(directory / "Pulumi.yaml") == "yaml":
        program, option, drop = directory / "Pulumi.yaml", "import", drop_yaml_imports
    else:
        raise AdoptError(f"no __main__.py or Pulumi YAML program in {directory}: pass the folder livekit-adopt wrote "
                         f"(--finish DIR)")
    source, dropped, pending = drop(program.read_text(encoding="utf-8"), _stack_ids(directory))
    program.write_text(source, encoding="utf-8")
    print(f"{program}: dropped {option} from {len(dropped)} resource{'' if len(dropped) == 1 else 's'} the stack holds"
          + (f"; {len(pending)} not imported yet ({', '.join(pending)}): run `pulumi up`, then --finish again"
             if pending else "") + ".")


def _runtime(project_file: Path) -> Optional[str]:
    runtime = (yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}).get("runtime")
    return runtime.get("name") if isinstance(runtime, dict) else runtime


def _stack_ids(directory: Path) -> set[str]:
    """The IDs of the pulumi_livekit resources in the stack selected in `directory`."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise AdoptError("`pulumi` is not on PATH: --finish reads the stack to know which resources it holds")
    exported = subprocess.run([pulumi, "stack", "export", "--non-interactive"], cwd=directory, capture_output=True,
                              text=True)
    if exported.returncode != 0:
        raise AdoptError(f"pulumi stack export failed in {directory}: {redact(exported.stderr.strip()[-2000:])}")
    resources = (json.loads(exported.stdout).get("deployment") or {}).get("resources") or []
    return {resource["id"] for resource in resources
            if kind_of_token(resource.get("type", "")) is not None and resource.get("id")}


def _report(program: Program, out: Optional[Path], args: argparse.Namespace, endpoint: Endpoint,
            stream: TextIO) -> None:
    counts = ", ".join(f"{n} {kind.noun}{'' if n == 1 else 's'}" for kind in KINDS
                       if (n := sum(1 for a in program.adopted if a.source.kind is kind)))
    python = args.language == "python"
    where = (f"wrote {', '.join(str(out / name) for name in (FILES if python else YAML_FILES))}" if out is not None
             else "dry run, nothing written")
    commands = config_commands(program, endpoint, show_secrets=args.show_secrets,
                               secret_from_environment=args.api_secret is None)
    if python:
        setup = ("Next (pulumi install makes the virtualenv and installs requirements.txt into it):", "pulumi install")
        adopt = f"{args.virtualenv.rstrip('/')}/bin/livekit-adopt"
    else:
        # The plugin of this install, into Pulumi's plugin directory: the program names no path of this machine.
        scripts = Path(sysconfig.get_path("scripts"))
        setup = ("Next (the first line installs this package's provider plugin for Pulumi, once per machine; "
                 "docs/plugin.md):", f"{shlex.quote(str(scripts / 'livekit-plugin'))} install")
        adopt = str(scripts / "livekit-adopt")
    lines = [f"Adopted {counts} from {endpoint.url} ({where}).", setup[0],
             *([f"  cd {shlex.quote(str(out))}"] if out is not None else []),
             f"  {setup[1]}",
             "  pulumi stack init dev",
             *(f"  {command}" for command in commands),
             "  pulumi up",
             f"  {shlex.quote(adopt)} --finish"]
    if args.api_secret is not None or (program.secrets and not args.show_secrets):
        lines.append("A `pulumi config set --secret KEY` without a value asks for it; --show-secrets prints PINs, "
                     "trunk passwords and egress credentials on those lines instead. The API secret is never "
                     "printed.")
    option = "import_" if python else "import"
    lines.append(f"`pulumi up` imports every object without changing it{', protected' if args.protect else ''}; "
                 f"`--finish` then drops `{option}`, so that an object deleted outside Pulumi is created again by "
                 "`pulumi up --refresh`." + (" `pulumi destroy` refuses to delete protected resources "
                                              "(docs/adoption.md)." if args.protect else ""))
    stream.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
