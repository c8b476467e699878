"""A process and everything it started, as a machine that dies (or a CI runner that cancels a job) stops them all.

`pulumi` starts its language host and each plugin in a process group of its own, so a signal to the engine's group
leaves them running; these read the tree from /proc (Linux)."""

from __future__ import annotations

import os
import signal
from pathlib import Path


def descendants(root: int) -> list[int]:
    """Every process `root` started, and those they started, at this moment."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def signal_tree(root: int, sig: int = signal.SIGKILL) -> None:
    """`sig` to `root` and every descendant, the descendants first found before any is signalled."""
    for pid in [root, *descendants(root)]:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass  # gone already
