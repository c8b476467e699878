"""The provider plugin as a folder that needs no virtualenv: this package and every distribution it requires,
copied as they are installed here into the folder's own site directory, and a launcher that runs them on the
Python they were installed for, isolated from any other environment.

`livekit-plugin install` hands the folder to `pulumi plugin install --file`, which lays it out in Pulumi's plugin
directory (docs/plugin.md, "Installing it", says why a copy and not a virtualenv).
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .._exceptions import LiveKitError

PACKAGE = "pulumi-livekit"
LAUNCHER = "pulumi-resource-livekit"  # the name Pulumi runs a resource plugin `livekit` by
SITE = "lib"


class BundleError(LiveKitError):
    """The environment this runs in cannot be copied into a plugin folder."""


def required_distributions(root: str = PACKAGE) -> list[metadata.Distribution]:
    """`root` and every distribution it requires, transitively, as this environment resolves them: markers
    evaluated for this Python, extras followed where a requirement names them."""
    found: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, str, str]] = [(root, "", root)]  # (name, extra, who requires it)
    seen: set[tuple[str, str]] = set()
    while pending:
        name, extra, wanted_by = pending.pop()
        key = canonicalize_name(name)
        if (key, extra) in seen:
            continue
        seen.add((key, extra))
        if key not in found:
            try:
                found[key] = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                raise BundleError(f"{wanted_by} requires {name}, which is not installed in {sys.prefix}: "
                                  f"reinstall {PACKAGE} there") from None
        for line in found[key].requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": extra}):
                wanted = found[key].metadata["Name"]
                pending += [(requirement.name, "", wanted), *((requirement.name, e, wanted) for e in requirement.extras)]
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def copy_distribution(distribution: metadata.Distribution, site: Path) -> None:
    """The distribution's importable files and metadata, as its installer recorded them, into `site`.

    Files outside its site directory (console scripts, data) are left: the plugin runs none of them. Compiled
    bytecode is left too: Pulumi's copy of the folder gives every file a new time, which would make it stale. Of
    an editable install the recorded files are the hooks that point at its source: its packages come from there."""
    name = distribution.metadata["Name"]
    if distribution.files is None:
        raise BundleError(f"{name} has no record of its files (installed without pip?): reinstall it with pip")
    base = Path(distribution.locate_file("")).resolve()
    editable = json.loads(distribution.read_text("direct_url.json") or "{}").get("dir_info", {}).get("editable")
    for file in distribution.files:
        if "__pycache__" in file.parts or (editable and not file.parts[0].endswith(".dist-info")):
            continue
        source = Path(distribution.locate_file(file)).resolve()
        if base in source.parents:
            _copy(source, site / source.relative_to(base))
    if editable:
        for top_level in (distribution.read_text("top_level.txt") or "").split():
            spec = importlib.util.find_spec(top_level)
            if spec is None or spec.origin is None:
                raise BundleError(f"{name} is installed editable, and its {top_level} cannot be found")
            if spec.submodule_search_locations:
                shutil.copytree(spec.submodule_search_locations[0], site / top_level,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                _copy(Path(spec.origin), site / Path(spec.origin).name)


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def base_python() -> Path:
    """The Python this environment runs on, outside any virtualenv: a virtualenv's own `python` lives in the
    environment the plugin must not depend on."""
    python = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not python.is_file():
        raise BundleError(f"cannot find the Python this environment was made from ({python} is missing)")
    return python


def launcher(python: Path, version: str) -> str:
    """The script Pulumi starts as the plugin: the folder's site directory on `python`, isolated (-I: no
    PYTHONPATH, user site or working directory; -S: no site-packages but the folder's own)."""
    start = "import site, sys; site.addsitedir(sys.argv.pop(1)); from pulumi_livekit.plugin import main; main()"
    return f"""#!/bin/sh
# The LiveKit provider plugin of {PACKAGE} {version}, put here by `livekit-plugin install`: the package and
# every distribution it requires in {SITE}/, run on the Python they were installed for and nothing else.
exec {shlex.quote(str(python))} -I -S -c {shlex.quote(start)} "$(dirname "$0")/{SITE}" "$@"
"""


def build(folder: Path, version: str) -> Path:
    """The plugin folder, as `pulumi plugin install --file` takes it: the launcher and its site directory.
    Returns the Python the plugin runs on."""
    python = base_python()
    for distribution in required_distributions():
        copy_distribution(distribution, folder / SITE)
    script = folder / LAUNCHER
    script.write_text(launcher(python, version))
    script.chmod(0o755)
    return python
