"""What the policies read: each trunk and dispatch rule under review as a `Subject`, grouped by the LiveKit
project it lives in.

Two sources give them. A resource's properties, as a policy pack is handed them (a stack at preview or after
`up`, either entrance's spelling) or as a stack export stores them: `subjects_of_resources`. The objects a
LiveKit project holds: `subjects_of_objects`. Either way a subject's message carries no credential: a PIN or a
trunk password stands as a fingerprint (`hidden`), equal for equal values within one process and never the value.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Optional, Sequence

from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from .._model.canonical import UNKNOWN, contains_unknown
from .._model.descriptors import fields_by_either_name
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, OUTBOUND_TRUNK, PIN, Kind, kind_of_token
from .._model.properties import message_from_state, with_trunks_resolved
from .._model.secrets import SECRET_MARK, join_pin, pin_of

# Made once per process: a fingerprint can be compared with another of the same run, never turned back.
_FINGERPRINT_KEY = secrets.token_bytes(32)


def hidden(credential: Any) -> str:
    """How a PIN or password stands in a subject's message. A value masked already ("[secret]", as a preview
    shows it) stays so: it cannot be compared with another."""
    if credential == SECRET_MARK:
        return SECRET_MARK
    text = credential if isinstance(credential, str) else json.dumps(credential, sort_keys=True)
    return f"[secret {hmac.new(_FINGERPRINT_KEY, text.encode(), hashlib.sha256).hexdigest()[:12]}]"


@dataclass(frozen=True)
class Subject:
    """One trunk or dispatch rule. Its message carries its ID: the server's, or its name while it has none
    (before a create), so that rules name trunks of the same change by it."""

    kind: Kind
    name: str  # the Pulumi resource name; for an object of a LiveKit project, its ID
    message: Message
    urn: str = ""
    known_id: str = ""  # the server's ID, "" before the object exists
    unknown: frozenset[str] = frozenset()  # fields (by their protobuf names) not known yet, at preview
    pin_length: Optional[int] = None  # the PIN's length where the PIN is read in the clear
    # An object the stack reads and does not manage (a `get`, what a lookup found): it routes calls as any other,
    # but findings about it are for the stack that manages it.
    read_only: bool = False

    @property
    def review_id(self) -> str:
        return getattr(self.message, self.kind.id_field)

    @property
    def label(self) -> str:
        noun = {"DispatchRule": "rule", "InboundTrunk": "trunk", "OutboundTrunk": "outbound trunk"}[self.kind.name]
        return f"{noun} {self.name}"

    def reads_unknown(self, fields: Iterable[str]) -> list[str]:
        """Those of `fields` not known yet."""
        return [name for name in fields if name in self.unknown]


@dataclass
class Project:
    """The trunks and rules of one LiveKit project. `complete` when every trunk its rules name is among them:
    otherwise the trunks managed elsewhere route calls too, and what depends on them cannot be told."""

    subjects: list[Subject] = field(default_factory=list)
    complete: bool = True
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # what policies share, computed once
    key: Hashable = None  # which LiveKit project (`project_key`)

    def of_kind(self, name: str) -> list[Subject]:
        return [subject for subject in self.subjects if subject.kind.name == name]


@dataclass(frozen=True)
class Resource:
    """A resource as a source hands it: its properties plain, a value not known yet as `_canonical.UNKNOWN`."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    project: Hashable = None  # what tells LiveKit projects apart (an explicit provider, a connection)
    dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)  # property -> URNs its value came from
    read_only: bool = False  # the stack reads it (`get`), as it last read it


def project_key(props: Mapping[str, Any], provider_urn: str = "") -> Hashable:
    """What tells apart the LiveKit projects of a stack's resources: a dynamic resource's `connection` (URL and
    API key), a plugin resource's explicit provider (by its URN or its reference); None for the stack's own
    settings, both entrances' default."""
    connection = props.get("connection")
    if isinstance(connection, Mapping):
        return "connection", connection.get("url"), connection.get("api_key", connection.get("apiKey"))
    parts = provider_urn.split("::")  # a URN, or a provider reference (its URN, "::", its ID)
    if len(parts) >= 4 and not parts[3].startswith("default"):
        return "provider", "::".join(parts[:4])
    return None


def subjects_of_resources(resources: Iterable[Resource], *, whole_project: bool = False) -> list[Project]:
    """The projects the resources of this package describe. `whole_project` when they are all the project
    holds; otherwise a project is complete only if it declares a trunk and every trunk its rules name."""
    ours = [(resource, kind) for resource in resources if (kind := kind_of_token(resource.type)) is not None]
    known_ids = {resource.urn: _known_id(resource.props, kind) for resource, kind in ours}
    known_ids.update(_ids_named_by_rules(ours, known_ids))
    # As the server lists them, objects that exist first (by ID), then the new ones (by name): the engine hands
    # resources in no set order, and which of two conflicting rules LiveKit refuses depends on it.
    ours.sort(key=lambda pair: (not known_ids[pair[0].urn], known_ids[pair[0].urn], pair[0].name))
    pending = {resource.urn: resource.name for resource, kind in ours if not known_ids[resource.urn]}
    projects: dict[Hashable, list[Subject]] = {}
    for resource, kind in ours:
        props = resource.props
        if kind is DISPATCH_RULE:
            props = with_trunks_resolved(props, resource.dependencies, pending)
        subject = _subject(resource, kind, props, known_ids[resource.urn])
        projects.setdefault(resource.project, []).append(subject)
    return [_project(subjects, whole_project, key) for key, subjects in projects.items()]


def subjects_of_objects(inbound: Iterable[sip_pb.SIPInboundTrunkInfo], rules: Iterable[sip_pb.SIPDispatchRuleInfo],
                        outbound: Iterable[sip_pb.SIPOutboundTrunkInfo] = ()) -> Project:
    """The objects a LiveKit project holds, each named by its ID: the whole project."""
    subjects = []
    for kind, messages in ((INBOUND_TRUNK, inbound), (OUTBOUND_TRUNK, outbound), (DISPATCH_RULE, rules)):
        for stored in messages:
            message = type(stored)()
            message.CopyFrom(stored)
            pin_length = _hide_credentials(message)
            object_id = getattr(message, kind.id_field)
            subjects.append(Subject(kind, object_id, message, known_id=object_id, pin_length=pin_length))
    return Project(subjects, complete=True)


def _hide_credentials(message: Message) -> Optional[int]:
    """Replaces the PIN or password of an object read from a server by its fingerprint; the PIN's length."""
    if isinstance(message, sip_pb.SIPDispatchRuleInfo):
        kind = message.rule.WhichOneof("rule")
        body = getattr(message.rule, kind) if kind else None
        if body is not None and body.pin:
            length, body.pin = len(body.pin), hidden(body.pin)
            return length
        return None
    if message.auth_password:
        message.auth_password = hidden(message.auth_password)
    return None


def _ids_named_by_rules(ours: list[tuple[Resource, Kind]], known_ids: Mapping[str, str]) -> dict[str, str]:
    """The IDs of trunks the change updates, which a preview hands as unknown (the engine shows the new state's
    outputs), taken from the rules that name them through their ID: such a rule holds the ID it was given, and the
    engine says which trunks its `trunk_ids` came from."""
    trunks = {resource.urn for resource, kind in ours if kind is INBOUND_TRUNK}
    unnamed = {urn for urn in trunks if not known_ids[urn]}
    taken = {known_ids[urn] for urn in trunks} - {""}
    found: dict[str, str] = {}
    for resource, kind in ours:
        for key in ("trunk_ids", "trunkIds") if kind is DISPATCH_RULE else ():
            named = resource.props.get(key)
            depended = [urn for urn in resource.dependencies.get(key) or [] if urn in unnamed]
            given = [trunk for trunk in named if trunk != UNKNOWN and trunk not in taken] \
                if isinstance(named, list) else []
            if depended and len(depended) == len(given):  # in the order the program gave them
                found.update(zip(depended, given))
    return found


def _known_id(props: Mapping[str, Any], kind: Kind) -> str:
    for key in (kind.id_field, fields_by_either_name(kind.message.DESCRIPTOR)[kind.id_field].json_name):
        value = props.get(key)
        if isinstance(value, str) and value and value != UNKNOWN:
            return value
    return ""


def _subject(resource: Resource, kind: Kind, props: Mapping[str, Any], known_id: str) -> Subject:
    fields = fields_by_either_name(kind.message.DESCRIPTOR)
    unknown = set()
    known = {}
    for key, value in props.items():
        if contains_unknown(value):
            # A dynamic rule's PIN is a property of its own; it is part of the rule.
            unknown.add("rule" if key == PIN else fields[key].name if key in fields else key)
        else:
            known[key] = value
    pin = pin_of(join_pin(known).get("rule")) if kind is DISPATCH_RULE else None
    pin_length = len(pin) if isinstance(pin, str) and pin and pin != SECRET_MARK else None
    message = message_from_state(resource.type, known, hide=hidden)
    setattr(message, kind.id_field, known_id or resource.name)
    return Subject(kind, resource.name, message, resource.urn, known_id, frozenset(unknown - {kind.id_field}),
                   pin_length, resource.read_only)


def _project(subjects: list[Subject], whole_project: bool, key: Hashable = None) -> Project:
    if whole_project:
        return Project(subjects, complete=True, key=key)
    trunk_ids = {subject.review_id for subject in subjects if subject.kind.name == "InboundTrunk"}
    return Project(subjects, complete=bool(trunk_ids) and not trunks_named_elsewhere(subjects), key=key)


def trunks_named_elsewhere(subjects: Iterable[Subject]) -> list[str]:
    """The IDs of the trunks the rules among `subjects` name that are not among them (known IDs only)."""
    subjects = list(subjects)
    trunk_ids = {subject.review_id for subject in subjects if subject.kind.name == "InboundTrunk"}
    named = [trunk for subject in subjects if subject.kind.name == "DispatchRule"
             for trunk in subject.message.trunk_ids]
    return list(dict.fromkeys(trunk for trunk in named if trunk not in trunk_ids))


def with_trunks_read(project: Project, trunks: Iterable[sip_pb.SIPInboundTrunkInfo]) -> Project:
    """`project` with the trunks its rules name elsewhere, as LiveKit holds them (`read_only`): complete, as every
    trunk its rules name is then known (one LiveKit does not hold routes no call)."""
    read = [dataclasses.replace(subject, read_only=True) for subject in subjects_of_objects(trunks, []).subjects]
    # First, as LiveKit lists what exists before what the change makes.
    return Project([*read, *project.subjects], complete=any(s.kind.name == "InboundTrunk" for s in project.subjects)
                   or bool(read), key=project.key)
