"""The installed package's version: pyproject.toml's, the one place it is written."""

from importlib import metadata

VERSION = metadata.version("pulumi-livekit")
