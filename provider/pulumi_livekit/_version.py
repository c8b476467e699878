"""The package's version, written here alone: pyproject.toml reads it for the distribution's metadata."""

VERSION = "0.1.0"
