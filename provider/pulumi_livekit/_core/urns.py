"""What a resource's URN says: `urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>`."""

from __future__ import annotations


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def resource_type(urn: str) -> str:
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def stack_name(urn: str) -> str:
    """The stack a URN names (unqualified: no organization, no project)."""
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]
