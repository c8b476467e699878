"""Commands people run: `livekit-routes` (python -m pulumi_livekit.routes) and `livekit-adopt`
(python -m pulumi_livekit.adopt)."""

from __future__ import annotations

import argparse
import json
from importlib import metadata
from typing import NoReturn

from .._version import VERSION


class Parser(argparse.ArgumentParser):
    """A command's parser whose usage errors point at --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")


def installed_requirement() -> str:
    """The requirement line that installs this package as it is installed here: from the clone, wheel or
    repository it came from (pip records that, PEP 610), else the same version from the index."""
    distribution = metadata.distribution("pulumi-livekit")
    origin = json.loads(distribution.read_text("direct_url.json") or "{}")
    url = origin.get("url")
    if url and origin.get("vcs_info"):
        vcs = origin["vcs_info"]
        return f"pulumi-livekit @ {vcs['vcs']}+{url}@{vcs['commit_id']}"
    if url:
        return f"pulumi-livekit @ {url}"
    return f"pulumi-livekit=={distribution.version}"
