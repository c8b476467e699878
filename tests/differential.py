"""The differential run: random declarations (`pulumi_livekit.testing.Declarations`) through both entrances, in
sequences of what the engine does to a resource, checked against what the real livekit-server stores.

A sequence of one object: create, one to three updates (some steps an invalid declaration instead), refresh,
import, destroy. Each entrance (tests/entrances.py) keeps its own object in its own LiveKit project, behind a
counting proxy; a third project takes twins. After each step:

- create: the server's object equals the declaration (`expected`: LiveKit's JSON of the declaration, read by
  protobuf's own parser, empty objects that choose nothing dropped, LiveKit's two spellings of media
  encryption made one);
- update: it equals what a create of the same declaration stores (a twin made in the third project), to the byte;
- every write: the two entrances' objects are equal to the byte, and a preview of the same declaration (check,
  then diff) shows no change;
- refresh and import show no change;
- an invalid declaration is refused at check by both entrances, with no request, on a property the engine can
  show, naming the field;
- destroy leaves nothing.

A disagreement ends its sequence (the projects are flushed) and is counted; `Tally` counts everything else.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._model.descriptors import fields_by_either_name, is_choice, is_map, is_repeated
from pulumi_livekit._model.kinds import kind_named
from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit.testing import FaultProxy, LocalLiveKit, unknown_field, with_unknown_field
from pulumi_livekit.testing._declarations import MESSAGES, Declarations

from entrances import PythonEntrance
from support import DIFFERENTIAL as SUMMARY  # the name its counts go by in the run's summary line

NEWER = unknown_field(999, b"set in the dashboard of a newer LiveKit")
NEWER_ANSWERS = {method: with_unknown_field(answer, NEWER) for method, answer in (
    ("ListSIPDispatchRule", sip_pb.ListSIPDispatchRuleResponse),
    ("ListSIPInboundTrunk", sip_pb.ListSIPInboundTrunkResponse),
    ("ListSIPOutboundTrunk", sip_pb.ListSIPOutboundTrunkResponse))}
STEPS_ENV = "PULUMI_LIVEKIT_DIFFERENTIAL_STEPS"
SEED_ENV = "PULUMI_LIVEKIT_DIFFERENTIAL_SEED"
DEFAULT_SEED = 20261205


class Disagreement(AssertionError):
    pass


def expect(holds: bool, what: str) -> None:
    if not holds:
        raise Disagreement(what)


# ---- the server's object, and what it should be ------------------------------------------------------


def without_server_fields(message: Message) -> Message:
    """The object without its ID and timestamps, and without fields the installed stubs do not know."""
    copied = type(message)()
    copied.CopyFrom(message)
    for name in OUTPUT_ONLY & set(copied.DESCRIPTOR.fields_by_name):
        copied.ClearField(name)
    copied.DiscardUnknownFields()
    return copied


def expected(kind: str, declaration: dict[str, Any]) -> Message:
    """What LiveKit should store for a declaration: its JSON read by protobuf's parser (durations given as numbers
    of seconds spelled "Ns"), every object that is empty and chooses nothing left out, and media encryption as
    LiveKit keeps it: a `media` always, `media.encryption` the encryption in effect, `media_encryption` the same."""
    message = json_format.ParseDict(respelled(MESSAGES[kind].DESCRIPTOR, declaration, durations=True), MESSAGES[kind]())
    _drop_empty(message)
    media = message.media
    media.SetInParent()
    if not media.HasField("encryption") and message.media_encryption:
        media.encryption = message.media_encryption
    message.media_encryption = media.encryption
    return message


def respelled(descriptor: Descriptor, value: Any, *, names: bool = False, durations: bool = False) -> Any:
    """A declaration with, at every level, each field named as protobuf names it (`room_config`: `names`), and each
    duration given as a number of seconds spelled as one ("30s": `durations`); map keys, which are data, as
    they are."""
    if not isinstance(value, dict):
        return value
    fields = fields_by_either_name(descriptor)
    spelled = {}
    for key, item in value.items():
        f = fields.get(key)
        name = f.name if f is not None and names else key
        if f is None or f.message_type is None or is_map(f):
            spelled[name] = item
        elif f.message_type.full_name == "google.protobuf.Duration":
            spelled[name] = f"{item}s" if durations and isinstance(item, (int, float)) else item
        elif is_repeated(f) and isinstance(item, list):
            spelled[name] = [respelled(f.message_type, i, names=names, durations=durations) for i in item]
        else:
            spelled[name] = respelled(f.message_type, item, names=names, durations=durations)
    return spelled


def _drop_empty(message: Message) -> None:
    for f, value in message.ListFields():
        if f.message_type is None or is_map(f) or f.message_type.full_name.startswith("google.protobuf."):
            continue
        for item in (value if is_repeated(f) else [value]):
            _drop_empty(item)
        if not is_repeated(f) and not is_choice(f) and value.ByteSize() == 0:
            message.ClearField(f.name)


def shown(message: Optional[Message]) -> str:
    return "none" if message is None else json.dumps(json_format.MessageToDict(message), ensure_ascii=False)


# ---- one entrance, its project and its object -----------------------------------------------------------


@dataclass
class Side:
    """An entrance, the counting proxy in front of its project, and the state of its one object."""

    entrance: Any
    proxy: Optional[FaultProxy]
    server: LocalLiveKit
    reader: SIPClient
    object_id: Optional[str] = None
    state: Optional[dict] = None
    inputs: Optional[dict] = None
    holds_newer: bool = False  # the object on the server holds `NEWER`


    @classmethod
    def of(cls, make: Callable, server: LocalLiveKit, proxy: Optional[FaultProxy] = None) -> "Side":
        """An entrance of `make`'s kind reaching `server` through `proxy` (without one, directly)."""
        creds = server.credentials
        return cls(make(dataclasses.replace(creds, url=proxy.url) if proxy else creds), proxy, server,
                   SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret)))

    @property
    def name(self) -> str:
        return self.entrance.name

    def stored(self, kind: str) -> Optional[Message]:
        get = functools.partial(self.reader.get, kind_named(kind))
        return get(self.object_id)

    def forget(self) -> None:
        self.object_id = self.state = self.inputs = None
        self.holds_newer = False
        self.server.flush()


@dataclass
class Tally:
    counts: collections.Counter = field(default_factory=collections.Counter)
    disagreements: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {**self.counts, "disagreements": len(self.disagreements)}


# ---- the run --------------------------------------------------------------------------------------------


class Differential:
    def __init__(self, sides: list[Side], reference: Side, tally: Tally) -> None:
        self.sides, self.reference, self.tally = sides, reference, tally

    def run(self, seed: int, steps: int) -> None:
        """Sequences, one kind after another, until `steps` steps have run."""
        sequence = 0
        while self.tally.counts["steps"] < steps:
            kind = MESSAGES_ORDER[sequence % len(MESSAGES_ORDER)]
            self.sequence(seed * 100_000 + sequence, kind)
            sequence += 1

    def sequence(self, seed: int, kind: str) -> None:
        declarations = Declarations(seed)
        # A Python program may name nested fields either way; Pulumi YAML uses the schema's (camelCase) names.
        self.snake_case = declarations.random.random() < 0.5
        # Some objects are read as a newer LiveKit answers them, with a field the stubs do not know: an update
        # that reads the object (not field-wise) stores it, and every later step must keep it, and never show it.
        self.newer = declarations.random.random() < 0.25
        for answer, rewrite in NEWER_ANSWERS.items():
            if self.newer:
                self.sides[0].proxy.rewrite_answers(answer, rewrite)
        step = "create"
        try:
            declaration = declarations.valid(kind)
            if declarations.random.random() < 0.2:
                step = "invalid"
                self.refused(kind, *declarations.invalid(kind, declaration))
            step = "create"
            self.write(kind, declaration)
            for _ in range(declarations.random.randint(1, 3)):
                if declarations.random.random() < 0.5:
                    step = "invalid"
                    self.refused(kind, *declarations.invalid(kind, declaration))
                step = "update"
                declaration = declarations.changed(kind, declaration)
                self.write(kind, declaration)
            step = "refresh"
            self.refresh(kind, declaration)
            step = "import"
            self.import_(kind, declaration)
            step = "destroy"
            self.destroy(kind)
        except Exception as error:  # noqa: BLE001 - a provider's error is a disagreement too
            detail = str(error) if isinstance(error, Disagreement) else traceback.format_exc(limit=6)
            self.tally.disagreements.append(f"seed {seed} ({kind}), {step}: {detail}")
            for side in (*self.sides, self.reference):
                side.forget()
        finally:
            self.sides[0].proxy.clear()
            if self.newer:
                self.tally.counts["sequences read as a newer LiveKit answers"] += 1

    def spelled(self, side: Side, kind: str, declaration: dict[str, Any]) -> dict[str, Any]:
        if side.name == "python" and self.snake_case:
            return respelled(MESSAGES[kind].DESCRIPTOR, declaration, names=True)
        return declaration

    def _count(self, kind: str, operation: str) -> None:
        self.tally.counts.update(["steps", f"steps {kind}", f"steps {operation}"])

    def write(self, kind: str, declaration: dict[str, Any]) -> None:
        operation = "create" if self.sides[0].object_id is None else "update"
        for side in self.sides:
            checked = side.entrance.check(kind, "r", side.inputs, self.spelled(side, kind, declaration))
            expect(not checked.failures, f"{side.name} refused a valid declaration: {checked.failures}\n"
                                         f"{json.dumps(declaration, ensure_ascii=False)}")
            if side.object_id is None:
                side.object_id, side.state = side.entrance.create(kind, "r", checked.inputs)
            elif side.entrance.diff(kind, side.object_id, side.state, checked.inputs):
                before = side.proxy.count()
                side.state = side.entrance.update(kind, "r", side.object_id, side.state, checked.inputs)
                sent = side.proxy.count() - before
                self.tally.counts[f"updates of {sent} request{'s' if sent > 1 else ''}"] += 1
                side.holds_newer = side.holds_newer or (self.newer and side.name == "python" and sent > 1)
            side.inputs = checked.inputs
        want = expected(kind, declaration)
        objects = [side.stored(kind) for side in self.sides]
        for side, got in zip(self.sides, objects):
            expect(got is not None and without_server_fields(got) == want,
                   f"{side.name}'s {operation} stored {shown(got)}\nwhere the declaration says {shown(want)}\n"
                   f"{json.dumps(declaration, ensure_ascii=False)}")
            expect(not side.holds_newer or NEWER in got.SerializeToString(),
                   f"{side.name}'s {operation} lost the field of a newer LiveKit the object held")
        first = without_server_fields(objects[0]).SerializeToString(deterministic=True)
        for side, got in zip(self.sides[1:], objects[1:]):
            expect(without_server_fields(got).SerializeToString(deterministic=True) == first,
                   f"the entrances stored different objects: {shown(objects[0])}\n{side.name}: {shown(got)}")
        if operation == "update":
            as_created(self.reference, kind, declaration, objects[0])
        self._preview_clean(kind, declaration)
        self._count(kind, operation)

    def _preview_clean(self, kind: str, declaration: dict[str, Any]) -> None:
        for side in self.sides:
            checked = side.entrance.check(kind, "r", side.inputs, self.spelled(side, kind, declaration))
            expect(not checked.failures and not side.entrance.diff(kind, side.object_id, side.state, checked.inputs),
                   f"{side.name}: a preview of the declaration just applied shows a change\n"
                   f"state {side.entrance.core_state(kind, side.state)}\n"
                   f"{json.dumps(declaration, ensure_ascii=False)}")

    def refused(self, kind: str, declaration: dict[str, Any], path: str) -> None:
        top = path.split(".", 1)[0].split("[", 1)[0]
        names = {top, *(f.name for f in [fields_by_either_name(MESSAGES[kind].DESCRIPTOR).get(top)] if f)}
        for side in self.sides:
            before = side.proxy.count()
            spelled = self.spelled(side, kind, declaration)
            checked = side.entrance.check(kind, "r", side.inputs, spelled)
            expect(bool(checked.failures), f"{side.name} took an invalid declaration (bad at {path}): "
                                           f"{json.dumps(declaration, ensure_ascii=False)}")
            expect(side.proxy.count() == before, f"{side.name} sent {side.proxy.count() - before} requests for a "
                                                 f"declaration it refused (bad at {path})")
            text = " ".join(f"{p} {reason}" for p, reason in checked.failures)
            expect(any(name in text for name in names), f"{side.name}'s refusal of {path} names another field: "
                                                        f"{checked.failures}")
            shown_on = {p for p, _ in checked.failures} - {""}
            holders = set(side.entrance.registered(kind, spelled)) if side.name == "python" else set(spelled)
            expect(shown_on <= holders, f"{side.name} refused {path} on a property the engine cannot show "
                                        f"(it would print value {{<nil>}}): {checked.failures}")
        self._count(kind, "invalid")

    def refresh(self, kind: str, declaration: dict[str, Any]) -> None:
        for side in self.sides:
            read = side.entrance.read(kind, "r", side.object_id, side.state)
            expect(read is not None and side.entrance.core_state(kind, read[0]) ==
                   side.entrance.core_state(kind, side.state),
                   f"{side.name}: refresh shows a change: {read and side.entrance.core_state(kind, read[0])}\n"
                   f"state {side.entrance.core_state(kind, side.state)}")
            side.state = read[0]
        self._preview_clean(kind, declaration)
        self._count(kind, "refresh")

    def import_(self, kind: str, declaration: dict[str, Any]) -> None:
        for side in self.sides:
            read = side.entrance.read(kind, "r", side.object_id, None)
            expect(read is not None, f"{side.name}: the import found no object {side.object_id}")
            state, inputs = read
            checked = side.entrance.check(kind, "r", inputs, self.spelled(side, kind, declaration))
            expect(not checked.failures and not side.entrance.diff(kind, side.object_id, state, checked.inputs),
                   f"{side.name}: the import of an object made from the same declaration shows a change\n"
                   f"imported {side.entrance.core_state(kind, state)}")
        self._count(kind, "import")

    def destroy(self, kind: str) -> None:
        for side in self.sides:
            side.entrance.delete(kind, "r", side.object_id, side.state)
            expect(side.stored(kind) is None, f"{side.name}: destroy left {shown(side.stored(kind))}")
            side.object_id = side.state = side.inputs = None
            side.holds_newer = False
        self._count(kind, "destroy")


MESSAGES_ORDER = tuple(MESSAGES)


def as_created(twins: Side, kind: str, declaration: dict[str, Any], updated: Message) -> None:
    """Checks that `updated` holds what a create of `declaration` stores: a twin made in `twins`' project."""
    checked = twins.entrance.check(kind, "twin", None, declaration)
    twins.object_id, twins.state = twins.entrance.create(kind, "twin", checked.inputs)
    try:
        created = twins.stored(kind)
        expect(without_server_fields(created).SerializeToString(deterministic=True)
               == without_server_fields(updated).SerializeToString(deterministic=True),
               f"an update stored {shown(updated)}\nwhere a create of the same declaration stores {shown(created)}")
    finally:
        twins.entrance.delete(kind, "twin", twins.object_id, twins.state)
        twins.object_id = twins.state = None
