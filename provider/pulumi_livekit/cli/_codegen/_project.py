"""The files beside a generated program: Pulumi.yaml, the provider host's launcher, .gitignore, requirements.txt."""

from __future__ import annotations

import json
import re
import shlex
from typing import Sequence

# Where Pulumi.yaml's plugin entry points: a folder that is part of the program, so the entry is valid in a
# fresh clone before `pulumi install` has made the virtualenv.
PLUGIN_FOLDER = "plugins"
HOST_LAUNCHER = f"{PLUGIN_FOLDER}/pulumi-resource-pulumi-python"


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_./-]+", text) else json.dumps(text)


def pulumi_yaml(project: str, virtualenv: str) -> str:
    """What `pulumi new python` writes, plus the project plugin entry import needs."""
    return f"""name: {_yaml_scalar(project)}
description: LiveKit SIP trunks and dispatch rules, adopted with livekit-adopt
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {_yaml_scalar(virtualenv)}
# Importing dynamic resources needs this package's dynamic-provider host, which pip installs into the
# virtualenv; Pulumi's bundled one cannot. {HOST_LAUNCHER} starts it from there.
plugins:
  providers:
    - name: pulumi-python
      path: {PLUGIN_FOLDER}
"""


def host_launcher(virtualenv: str) -> str:
    """The shell script Pulumi starts as the `pulumi-python` plugin: the virtualenv's provider host."""
    venv = virtualenv.rstrip("/")
    where = shlex.quote(venv) if venv.startswith("/") else f'"$(dirname "$0")/.."/{shlex.quote(venv)}'
    return f"""#!/bin/sh
# Pulumi starts this for the program's dynamic resources (Pulumi.yaml, plugins): the provider host that
# `pulumi install` puts into the program's virtualenv, which can import; Pulumi's bundled one cannot.
host={where}/bin/pulumi-resource-pulumi-python
if [ ! -x "$host" ]; then
  echo "$host is missing: run \\`pulumi install\\` in the program's folder first" >&2
  exit 1
fi
exec "$host" "$@"
"""


def gitignore(virtualenv: str) -> str:
    return f"*.pyc\n/{virtualenv.strip('/')}/\n" if not virtualenv.startswith("/") else "*.pyc\n"


def requirements(lines: Sequence[str]) -> str:
    """requirements.txt: where pip gets this package (and anything else the user names), one line each."""
    return "".join(f"{line}\n" for line in lines)
