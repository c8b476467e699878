"""The files beside a generated program: Pulumi.yaml, the provider host's launcher, .gitignore, requirements.txt.

The launcher and the folder Pulumi.yaml names for it are `_dynamic.import_host`'s, whose error for an import
without them shows the same."""

from __future__ import annotations

import json
import re
from typing import Sequence

from ..._dynamic.import_host import HOST_LAUNCHER, PLUGIN_FOLDER, host_launcher

__all__ = ["HOST_LAUNCHER", "PLUGIN_FOLDER", "gitignore", "host_launcher", "pulumi_yaml", "requirements"]


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_./-]+", text) else json.dumps(text)


def pulumi_yaml(project: str, virtualenv: str) -> str:
    """What `pulumi new python` writes, plus the project plugin entry for import and one-line errors."""
    return f"""name: {_yaml_scalar(project)}
description: LiveKit SIP trunks and dispatch rules, adopted with livekit-adopt
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {_yaml_scalar(virtualenv)}
# This package's dynamic-provider host, which pip installs into the virtualenv: it imports, and reports
# errors in one line. {HOST_LAUNCHER} starts it from there.
plugins:
  providers:
    - name: pulumi-python
      path: {PLUGIN_FOLDER}
"""


def gitignore(virtualenv: str) -> str:
    return f"*.pyc\n/{virtualenv.strip('/')}/\n" if not virtualenv.startswith("/") else "*.pyc\n"


def requirements(lines: Sequence[str]) -> str:
    """requirements.txt: where pip gets this package (and anything else the user names), one line each."""
    return "".join(f"{line}\n" for line in lines)
