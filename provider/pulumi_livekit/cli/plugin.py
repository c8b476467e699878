"""`livekit-plugin`: the provider plugin `pulumi-resource-livekit`, self-contained, into Pulumi's plugin directory.

    livekit-plugin install               # `pulumi plugin ls` then lists livekit <version>
    livekit-plugin install --reinstall   # the same version again, from this environment

The plugin folder holds a copy of this package and every distribution it requires, as installed here, and a
launcher that runs them on the Python they were installed for (`_bundle`); `pulumi plugin install --file` puts it
where Pulumi looks for plugins, under Pulumi's own lock. The virtualenv this runs in can then be deleted. Removal
and upgrades are Pulumi's: `pulumi plugin rm resource livekit <version>` (docs/plugin.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from .._exceptions import LiveKitError
from .._version import VERSION
from . import Parser, _bundle, add_version_argument

PROG = "livekit-plugin"
PLUGIN = ("resource", "livekit")  # kind and name, as `pulumi plugin` takes them


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog=PROG, description=(
        "Install the LiveKit provider plugin (pulumi-resource-livekit) for Pulumi YAML, TypeScript, Go and "
        "`pulumi import`: a copy of this package and what it requires, which no virtualenv has to outlive."))
    add_version_argument(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{install}")
    install = commands.add_parser("install", help=f"put the plugin of this environment's {_bundle.PACKAGE} "
                                                  f"{VERSION} into Pulumi's plugin directory")
    install.add_argument("--reinstall", action="store_true",
                         help="replace the plugin of the same version if Pulumi has it already")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return install(reinstall=args.reinstall)
    except LiveKitError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1


def install(*, reinstall: bool) -> int:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise _bundle.BundleError("`pulumi` is not on PATH: the plugin is installed with `pulumi plugin install`")
    version = VERSION
    if not reinstall and version in _installed_versions(pulumi):
        print(f"{PROG}: Pulumi has pulumi-resource-livekit {version} already (`pulumi plugin ls`); "
              f"--reinstall replaces it with this environment's")
        return 0
    with tempfile.TemporaryDirectory(prefix="livekit-plugin-") as staging:
        folder = Path(staging) / "plugin"
        python = _bundle.build(folder, version)
        done = subprocess.run([pulumi, "plugin", "install", *PLUGIN, version, "--file", str(folder),
                               *(["--reinstall"] if reinstall else [])])
    if done.returncode != 0:
        raise _bundle.BundleError(f"`pulumi plugin install` failed (exit code {done.returncode})")
    print(f"{PROG}: installed pulumi-resource-livekit {version} for Pulumi (`pulumi plugin ls`); it runs on "
          f"{python} and needs nothing else from {sys.prefix}")
    return 0


def _installed_versions(pulumi: str) -> set[str]:
    listed = subprocess.run([pulumi, "plugin", "ls", "--json"], capture_output=True, text=True)
    if listed.returncode != 0:
        raise _bundle.BundleError(f"`pulumi plugin ls` failed: {listed.stderr.strip()[-2000:]}")
    return {plugin["version"] for plugin in json.loads(listed.stdout or "[]")
            if (plugin.get("kind"), plugin.get("name")) == PLUGIN}


if __name__ == "__main__":
    sys.exit(main())
