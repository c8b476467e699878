"""What a `pulumi up` stopped part way (the engine killed, the machine lost) leaves: objects no state holds.

The engine writes a create into the stack's checkpoint as pending before it asks the provider, and keeps it there
until a refresh clears it. Killed after LiveKit stored the object but before the engine recorded it, the run leaves
the object on the server and only a pending create in the state; the next `up` creates the resource again, and
LiveKit refuses a dispatch rule or an inbound trunk next to its twin, or stores an outbound trunk twice.

So a create's check that finds objects identical to what it declares on the server, and held by no resource of the
stack, asks the stack's checkpoint (`pulumi stack export`, once per process) whether a create of that resource is
pending from an earlier run. Then it fails, printing the one command that takes what that run made into the state
(`livekit-recover`, which finds each object by content and never one another stack's state holds). An identical
object with no such pending create is someone else's: another stack's twin outbound trunk, made alongside as
before, or a rule the conflict check names.

A pending create is known by the resource's URN where the provider host says it (the plugin, this package's dynamic
host), else by what it declares. The checkpoint also holds the creates this deployment has under way; those are the
resources this process checked earlier, which are counted and left out.
"""

from __future__ import annotations

import collections
import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from google.protobuf.message import Message

from .._model.properties import comparable, message_from_state
from .._model.kinds import OUTBOUND_TRUNK, Kind, kind_of_token

PULUMI_TIMEOUT = 300.0  # seconds for a `pulumi` command that reads or writes a remote backend


@dataclass(frozen=True)
class PendingCreate:
    urn: str
    kind: Kind
    inputs: Mapping[str, Any]  # as the export has them: secrets encrypted unless it was asked to show them
    object_id: str  # the ID the provider answered, when the engine wrote the answer before it stopped; else ""


@dataclass(frozen=True)
class StackRecord:
    """What a stack's checkpoint says of this package's objects."""

    held: frozenset[str]  # the IDs its resources hold
    pending: tuple[PendingCreate, ...]  # creates of this package's kinds the engine never saw complete
    foreign: tuple[str, ...]  # the URNs of other providers' pending creates

    @classmethod
    def of_export(cls, exported: Mapping[str, Any]) -> "StackRecord":
        deployment = exported.get("deployment") or {}
        pending, foreign = [], []
        for operation in deployment.get("pending_operations") or []:
            if operation.get("type") != "creating":
                continue
            resource = operation.get("resource") or {}
            kind = kind_of_token(resource.get("type", ""))
            if kind is None:
                foreign.append(resource.get("urn", ""))
            else:
                pending.append(PendingCreate(resource["urn"], kind, resource.get("inputs") or {}, resource.get("id") or ""))
        held = frozenset(r["id"] for r in deployment.get("resources") or [] if r.get("id"))
        return cls(held, tuple(pending), tuple(foreign))

    def pending_like(self, kind: Kind, urn: Optional[str], declared: Message) -> int:
        """How many pending creates are of the resource `urn` names, or (no URN) declare what `declared` does."""
        if urn:
            return sum(create.urn == urn for create in self.pending)
        content = comparable(declared)
        return sum(create.kind is kind and comparable(message_from_state(kind.dynamic_token, create.inputs)) == content
                   for create in self.pending)


def run_pulumi(args: list[str], cwd: Optional[str] = None, stdin: Optional[str] = None) -> str:
    """What the `pulumi` on PATH prints for `args`, run in `cwd` with this process's environment; raises
    `StackUnreadable`, saying why, when it fails."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise StackUnreadable("`pulumi` is not on PATH")
    try:
        done = subprocess.run([pulumi, *args, "--non-interactive"], capture_output=True, text=True, cwd=cwd,
                              input=stdin, timeout=PULUMI_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise StackUnreadable(f"`pulumi {' '.join(args[:2])}` did not run: {problem}") from None
    if done.returncode != 0:
        raise StackUnreadable(f"`pulumi {' '.join(args[:2])}` failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def export_stack(stack: Optional[str], cwd: Optional[str] = None, *, show_secrets: bool = False) -> dict[str, Any]:
    """`pulumi stack export` of `stack` (the selected one if None)."""
    return json.loads(run_pulumi(["stack", "export", *(["--stack", stack] if stack else []),
                                  *(["--show-secrets"] if show_secrets else [])], cwd))


class StackUnreadable(Exception):
    """A stack's checkpoint could not be read (or written)."""


class StackRecords:
    """Per process: each stack's record, read once (None when it cannot be read), and the creates checked so far."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[str, Optional[StackRecord]] = {}
        self._checked: collections.Counter = collections.Counter()

    def of(self, stack: str) -> Optional[StackRecord]:
        with self._lock:
            if stack not in self._records:
                try:
                    self._records[stack] = StackRecord.of_export(export_stack(stack))
                except (StackUnreadable, ValueError):  # no way to tell: as without this check
                    self._records[stack] = None
            return self._records[stack]

    def checked(self, key: Any) -> int:
        """How many creates with this key this process checked before (this one counted from now on)."""
        with self._lock:
            earlier = self._checked[key]
            self._checked[key] += 1
            return earlier


def recovery_command(stack: str) -> str:
    """`livekit-recover` for `stack`, as a shell runs it from anywhere: the script installed beside this Python."""
    script = Path(sys.executable).with_name("livekit-recover")
    tool = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m pulumi_livekit.recover"
    return f"{tool} --stack {shlex.quote(stack)} --cwd {shlex.quote(os.getcwd())}"


def interrupted_create_message(kind: Kind, twins: list[str], stack: str) -> str:
    made = "a second one" if kind is OUTBOUND_TRUNK else "a refusal next to it"  # LiveKit stores twin outbound trunks
    return (f"{kind.name} {', '.join(twins)} on the LiveKit server holds what this resource declares, and no resource of "
            f"stack {stack} holds it: a `pulumi up` of this stack stopped before it recorded creating it (the create is "
            f"still pending in the stack's state), and creating it again would make {made}. Run "
            f"`{recovery_command(stack)}`: it takes what that run made into the state. Then `pulumi up`.")
