"""Commands people run: `livekit-routes` (python -m pulumi_livekit.routes) and `livekit-adopt`
(python -m pulumi_livekit.adopt)."""

from __future__ import annotations

import argparse
from importlib import metadata


def package_version() -> str:
    """The installed package's version: pyproject.toml's, the one place it is written."""
    return metadata.version("pulumi-livekit")


def add_version_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
