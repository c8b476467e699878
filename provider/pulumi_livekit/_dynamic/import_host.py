"""Importing needs this package's provider host: the project files that point the engine at it, and a
clear error, before any request, when the project's Pulumi.yaml does not.

Pulumi's own dynamic-provider host cannot import (the engine's Read on import carries no
`__provider`, and it fails with `KeyError: '__provider'`, pulumi/pulumi#16175); the console script
this package installs can (see `host`).
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from pathlib import Path
from typing import Optional

import pulumi
import yaml

from .._exceptions import LiveKitError

HOST_PLUGIN = "pulumi-python"  # the engine's name for the plugin that serves every Python dynamic provider
HOST_EXECUTABLE = f"pulumi-resource-{HOST_PLUGIN}"
# Where Pulumi.yaml's plugin entry points: a folder that is part of the program, so the entry is valid in a
# fresh clone before `pulumi install` has made the virtualenv (Pulumi refuses a missing plugin folder).
PLUGIN_FOLDER = "plugins"
HOST_LAUNCHER = f"{PLUGIN_FOLDER}/{HOST_EXECUTABLE}"


class ImportHostError(LiveKitError, pulumi.RunError):
    """An import was declared in a project whose Pulumi.yaml does not name this package's provider host.
    A `RunError`, so the engine shows the message without a traceback."""


@functools.lru_cache(maxsize=None)
def require_import_host() -> None:
    """Fail an import early and clearly, unless Pulumi.yaml points the engine at this package's host.
    The engine looks for project plugins first, so one entry suffices."""
    project_file = _project_file(Path.cwd())
    bin_dir = Path(sys.prefix) / "bin"
    if project_file is not None:
        project = yaml.safe_load(project_file.read_text()) or {}
        for plugin in (project.get("plugins") or {}).get("providers") or []:
            path = plugin.get("path")
            if plugin.get("name") == HOST_PLUGIN and path and (project_file.parent / path / HOST_EXECUTABLE).is_file():
                return
        inside = os.path.relpath(sys.prefix, project_file.parent)
    else:
        project_file, inside = Path("Pulumi.yaml"), ".."
    needed = (f"importing pulumi_livekit resources needs the provider host this package installs in {bin_dir}; "
              f"Pulumi's own host cannot import dynamic resources. Add to {project_file}:\n"
              f"plugins:\n  providers:\n    - name: {HOST_PLUGIN}\n      path: ")
    if inside.startswith(".."):  # a virtualenv of its own, outside the project: named by its absolute path
        raise ImportHostError(f"{needed}{bin_dir}")
    raise ImportHostError(f"{needed}{PLUGIN_FOLDER}\nand, executable (chmod +x), "
                          f"{project_file.parent / HOST_LAUNCHER}:\n{host_launcher(inside)}")


def host_launcher(virtualenv: str) -> str:
    """The shell script Pulumi starts as the `pulumi-python` plugin: the virtualenv's provider host."""
    venv = virtualenv.rstrip("/")
    where = shlex.quote(venv) if venv.startswith("/") else f'"$(dirname "$0")/.."/{shlex.quote(venv)}'
    return f"""#!/bin/sh
# Pulumi starts this for the program's dynamic resources (Pulumi.yaml, plugins): the provider host that
# pulumi-livekit installs into the program's virtualenv. Pulumi's bundled one cannot import, and reports
# a failed create, read, update or delete with a Python traceback.
host={where}/bin/{HOST_EXECUTABLE}
if [ ! -x "$host" ]; then
  echo "$host is missing: install pulumi-livekit into the program's virtualenv (\\`pulumi install\\` does)" >&2
  exit 1
fi
exec "$host" "$@"
"""


def _project_file(directory: Path) -> Optional[Path]:
    for folder in (directory, *directory.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            if (folder / name).is_file():
                return folder / name
    return None
