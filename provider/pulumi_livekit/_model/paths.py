"""Property paths: how a failure names the field it is about (`rule.dispatch_rule_direct.room_name`, `numbers[2]`)."""

from __future__ import annotations

from typing import Any


def join(path: str, key: Any) -> str:
    """`path` one level down: an index in brackets, a key after a dot."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def top_of(path: str) -> str:
    """The top-level property a path starts at: `room_config` of `room_config.agents[0].agent_name`."""
    return path.split(".", 1)[0].split("[", 1)[0]
