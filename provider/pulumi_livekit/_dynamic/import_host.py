"""Importing needs this package's provider host: a clear error, before any request, when the
project's Pulumi.yaml does not point the engine at it.

Pulumi's own dynamic-provider host cannot import (the engine's Read on import carries no
`__provider`, and it fails with `KeyError: '__provider'`, pulumi/pulumi#16175); the console script
this package installs can (see `host`).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Optional

import pulumi
import yaml

from .._exceptions import LiveKitError

HOST_PLUGIN = "pulumi-python"  # the engine's name for the plugin that serves every Python dynamic provider
HOST_EXECUTABLE = f"pulumi-resource-{HOST_PLUGIN}"


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
        inside = os.path.relpath(bin_dir, project_file.parent)
        where = str(bin_dir) if inside.startswith("..") else inside  # the project's own venv: relative
    else:
        project_file, where = Path("Pulumi.yaml"), str(bin_dir)
    raise ImportHostError(
        f"importing pulumi_livekit resources needs the provider host this package installs in {bin_dir}; "
        f"Pulumi's own host cannot import dynamic resources. Add to {project_file}:\n"
        f"plugins:\n  providers:\n    - name: {HOST_PLUGIN}\n      path: {where}")


def _project_file(directory: Path) -> Optional[Path]:
    for folder in (directory, *directory.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            if (folder / name).is_file():
                return folder / name
    return None
