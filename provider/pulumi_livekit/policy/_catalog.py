"""The policies: what each checks, on which subjects, with which parameters, and how a finding reads.

The routing policies are the routing model's warnings (`routing.routing_table`, named by their codes) and the
conflicts LiveKit refuses (`routing.rule_conflicts`, `trunk_conflicts`): nothing here repeats what the model
decides. The organisation policies are rules a team may adopt (off unless configured): each reads one object.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Union

from .._model.secrets import SECRET_MARK
from ..routing import (
    ABOUT_ONE_OBJECT,
    ANY,
    NUMBER_FORMAT,
    OPEN_RULE,
    TRUNK_WITHOUT_RULE,
    UNREACHABLE_RULE,
    UNSERVED_NUMBER,
    WARNING_CODES,
    normalize_number,
    routing_table,
    rule_conflicts,
    trunk_conflicts,
)
from ..routing._objects import rule_kind, rule_pin
from ._subjects import Project, Subject

STACK, RESOURCE = "stack", "resource"  # what a policy looks at: a whole project, or one object
ADVISORY, MANDATORY, REMEDIATE, DISABLED = "advisory", "mandatory", "remediate", "disabled"
SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Finding:
    policy: str
    subject: Subject
    text: str  # what is wrong, naming the object
    details: tuple[tuple[str, str], ...] = ()  # (what, value): the field at fault, the number, trunks or rules


@dataclass(frozen=True)
class Skipped:
    """What a policy could not check, and why (a value not known until the change is applied)."""

    policy: str
    reason: str
    until_applied: bool = True  # a value not known until the change is applied (else: hidden, or elsewhere)


Checked = tuple[list[Finding], list[Skipped]]


@dataclass(frozen=True)
class Policy:
    name: str
    description: str  # what must hold: the engine prints it above each violation
    scope: str  # STACK or RESOURCE
    severity: str
    enforcement: str  # its default
    fix: str
    check: Callable[..., Checked]  # (Project or Subject, parameters) -> what it found
    parameters: Mapping[str, Mapping[str, Any]]  # JSON schema of its own parameters

    @property
    def is_routing_warning(self) -> bool:
        """Whether `livekit:ignoreRoutingWarnings` names it: a routing warning of the Python entrance's preview."""
        return self.name in WARNING_CODES

    def schema(self) -> dict[str, dict[str, Any]]:
        """The JSON schema of the policy's configuration, as the engine validates `--policy-pack-config`."""
        common: dict[str, dict[str, Any]] = {"ignore": {
            "type": "array", "items": {"type": "string"}, "default": [],
            "description": "resource names (or object IDs) this policy does not report"}}
        if self.is_routing_warning:
            common[HONOR_STACK_SETTING] = {
                "type": "boolean", "default": True,
                "description": "whether the stack's livekit:ignoreRoutingWarnings silences this policy too"}
        return {**common, **{name: dict(spec) for name, spec in self.parameters.items()}}


HONOR_STACK_SETTING = "honorIgnoreRoutingWarnings"


# ---- routing: the model's warnings -------------------------------------------------------------

# The fields the routing model reads, by kind: a subject with one of them unknown cannot be placed in the table.
_ROUTED_FIELDS = {"InboundTrunk": ("numbers", "allowed_numbers", "allowed_addresses", "auth_username"),
                  "DispatchRule": ("rule", "trunk_ids", "numbers", "inbound_numbers")}
_CONCERNING = {UNSERVED_NUMBER: "number", NUMBER_FORMAT: "number", OPEN_RULE: "trunks", TRUNK_WITHOUT_RULE: "numbers"}


def _routing_review(project: Project) -> tuple[dict[str, list[Finding]], list[tuple[str, str, bool]]]:
    """The routing warnings of a project by code, and (code, reason, until applied) for what could not be
    checked. Computed once per project: the five policies share it."""
    if "routing" in project.memo:
        return project.memo["routing"]
    routed = [s for s in project.subjects if s.kind.name in _ROUTED_FIELDS]
    blind = {s.review_id: s.reads_unknown(_ROUTED_FIELDS[s.kind.name]) for s in routed}
    seen = [s for s in routed if not blind[s.review_id]]
    table = routing_table([s.message for s in seen if s.kind.name == "InboundTrunk"],
                          [s.message for s in seen if s.kind.name == "DispatchRule"])
    subjects = {("trunk" if s.kind.name == "InboundTrunk" else "rule", s.review_id): s for s in seen}
    names = {s.review_id: s.name for s in seen}
    found: dict[str, list[Finding]] = {code: [] for code in WARNING_CODES}
    skipped: list[tuple[str, str, bool]] = []
    complete = project.complete and not any(blind.values())
    for warning in table.warnings:
        subject = subjects[warning.kind, warning.about]
        if (complete or warning.code in ABOUT_ONE_OBJECT) and not subject.read_only:
            found[warning.code].append(Finding(warning.code, subject, warning.text, _details(warning, names)))
    for subject in routed:
        if blind[subject.review_id]:
            reason = f"{subject.label}: {', '.join(blind[subject.review_id])} not known until the change is applied"
            skipped += [(code, reason, True) for code in WARNING_CODES]
    if not complete and not any(blind.values()):
        reason = ("trunks its rules name are managed elsewhere (not in this stack): whether calls reach each rule "
                  "and number depends on them")
        skipped += [(code, reason, False) for code in WARNING_CODES if code not in ABOUT_ONE_OBJECT]
    project.memo["routing"] = found, skipped
    return found, skipped


def _details(warning, names: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    details = (("field", warning.field),) if warning.field else ()
    if warning.concerning:
        what = _CONCERNING.get(warning.code) or ("trunks" if warning.field == "trunk_ids" else "taken by")
        shown = ", ".join("any" if item == ANY else names.get(item, item) for item in warning.concerning)
        details += ((what, shown),)
    return details


def _routing_check(code: str) -> Callable[[Project, Mapping[str, Any]], Checked]:
    def check(project: Project, _parameters: Mapping[str, Any]) -> Checked:
        found, skipped = _routing_review(project)
        return list(found[code]), [Skipped(code, reason, until_applied)
                                   for skipped_code, reason, until_applied in skipped if skipped_code == code]

    return check


# ---- conflicts LiveKit refuses -------------------------------------------------------------------

CONFLICT = "conflict"
_CLAIMING_FIELDS = {"InboundTrunk": ("numbers", "allowed_numbers"),
                    "DispatchRule": ("rule", "trunk_ids", "numbers", "inbound_numbers")}


def _conflicts(project: Project, _parameters: Mapping[str, Any]) -> Checked:
    findings, skipped = [], []
    for kind, conflicts_of in (("InboundTrunk", trunk_conflicts), ("DispatchRule", rule_conflicts)):
        subjects = project.of_kind(kind)
        for subject in subjects:
            if subject.reads_unknown(_CLAIMING_FIELDS[kind]):
                skipped.append(Skipped(CONFLICT, f"{subject.label}: "
                                                 f"{', '.join(subject.reads_unknown(_CLAIMING_FIELDS[kind]))} "
                                                 f"not known until the change is applied"))
        known = {id(s.message): s for s in subjects if not s.reads_unknown(_CLAIMING_FIELDS[kind])}
        for conflict in conflicts_of([s.message for s in known.values()]):
            first, second = known[id(conflict.first)], known[id(conflict.second)]
            if second.read_only:  # what the stack only reads is its own stack's to fix
                continue
            if kind == "DispatchRule" and rule_pin(first.message) == rule_pin(second.message) == SECRET_MARK:
                skipped.append(Skipped(CONFLICT, f"{first.label} and {second.label}: both ask a PIN, hidden here, "
                                                 f"so whether they claim the same calls cannot be told", False))
                continue
            findings.append(Finding(CONFLICT, second, f"{second.label} cannot be stored beside {first.label}: "
                                                      f"{conflict.reason}", (("conflicts with", first.name),)))
    return findings, skipped


# ---- organisation policies: one object each -----------------------------------------------------

def _unknown(policy: str, subject: Subject, fields: tuple[str, ...]) -> Optional[Skipped]:
    missing = subject.reads_unknown(fields)
    if not missing:
        return None
    return Skipped(policy, f"{subject.label}: {', '.join(missing)} not known until the change is applied")


PIN_REQUIRED = "pin-required"


def _pin_required(subject: Subject, parameters: Mapping[str, Any]) -> Checked:
    if subject.kind.name != "DispatchRule":
        return [], []
    if (skipped := _unknown(PIN_REQUIRED, subject, ("rule",))) is not None:
        return [], [skipped]
    kind = rule_kind(subject.message)
    field = f"rule.{kind}.pin" if kind else "rule"
    if not rule_pin(subject.message):
        return [Finding(PIN_REQUIRED, subject, f"{subject.label} takes calls without a PIN", (("field", field),))], []
    shortest = parameters.get("minLength", 0)
    if not shortest:
        return [], []
    if subject.pin_length is None:
        return [], [Skipped(PIN_REQUIRED, f"{subject.label}: its PIN is hidden here, so its length is not checked",
                            False)]
    if subject.pin_length < shortest:
        return [Finding(PIN_REQUIRED, subject, f"{subject.label} has a PIN shorter than {shortest} digits",
                        (("field", field),))], []
    return [], []


AGENT_REQUIRED = "agent-required"


def _agent_required(subject: Subject, parameters: Mapping[str, Any]) -> Checked:
    if subject.kind.name != "DispatchRule":
        return [], []
    if (skipped := _unknown(AGENT_REQUIRED, subject, ("room_config",))) is not None:
        return [], [skipped]
    agents = [agent.agent_name for agent in subject.message.room_config.agents]
    if not agents:
        return [Finding(AGENT_REQUIRED, subject, f"{subject.label} dispatches no agent",
                        (("field", "room_config.agents"),))], []
    allowed = parameters.get("agents") or []
    return [Finding(AGENT_REQUIRED, subject,
                    f"{subject.label} dispatches agent {agent or '(the default agent)'!s}, not one of "
                    f"{', '.join(allowed)}", (("field", "room_config.agents"), ("agent", agent)))
            for agent in agents if allowed and agent not in allowed], []


E164_NUMBERS = "e164-numbers"
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_NUMBER_FIELDS = {"DispatchRule": ("numbers", "inbound_numbers"), "InboundTrunk": ("numbers", "allowed_numbers"),
                  "OutboundTrunk": ("numbers",)}


def _e164_numbers(subject: Subject, _parameters: Mapping[str, Any]) -> Checked:
    findings, skipped = [], []
    for field in _NUMBER_FIELDS[subject.kind.name]:
        if (unknown := _unknown(E164_NUMBERS, subject, (field,))) is not None:
            skipped.append(unknown)
            continue
        for number in getattr(subject.message, field):
            if _E164.fullmatch(number):
                continue
            written = normalize_number(number)
            hint = f" (write it as {written})" if _E164.fullmatch(written) else ""
            findings.append(Finding(E164_NUMBERS, subject, f"{subject.label} has {number} in {field}, which is not "
                                                           f"an E.164 number{hint}",
                                    (("field", field), ("number", number))))
    return findings, skipped


UNRESTRICTED_TRUNK = "unrestricted-trunk"


def _unrestricted_trunk(subject: Subject, parameters: Mapping[str, Any]) -> Checked:
    if subject.kind.name != "InboundTrunk":
        return [], []
    read = ("allowed_addresses", "auth_username", "auth_password", "allowed_numbers")
    if (skipped := _unknown(UNRESTRICTED_TRUNK, subject, read)) is not None:
        return [], [skipped]
    trunk = subject.message
    restricted = trunk.allowed_addresses or trunk.auth_username or trunk.auth_password
    if restricted or (parameters.get("callerNumbersSuffice") and trunk.allowed_numbers):
        return [], []
    accepts = "from any address without credentials"
    if trunk.allowed_numbers:  # caller IDs alone: a carrier passes on whatever a caller claims
        accepts += " (allowed_numbers alone trusts the caller ID)"
    return [Finding(UNRESTRICTED_TRUNK, subject, f"{subject.label} accepts calls {accepts}",
                    (("field", "allowed_addresses, auth_username"),))], []


# ---- the catalogue --------------------------------------------------------------------------------

_ROUTING = {
    UNREACHABLE_RULE: ("Every dispatch rule can take some call.", "medium",
                       "delete the rule, or narrow the rule that takes its calls (numbers, inbound_numbers, a PIN); "
                       "a rule naming trunks needs one of them to exist"),
    OPEN_RULE: ("No dispatch rule accepts calls from any source without a PIN.", "high",
                "ask a PIN, list the callers in inbound_numbers, or name only trunks that restrict allowed_addresses, "
                "allowed_numbers or credentials"),
    UNSERVED_NUMBER: ("Every number a dispatch rule names is served by an inbound trunk.", "medium",
                      "add the number to a trunk's numbers, or remove it from the rule"),
    TRUNK_WITHOUT_RULE: ("Every inbound trunk has a dispatch rule that takes its calls.", "medium",
                         "add a dispatch rule for the trunk (or one for any trunk), or delete the trunk"),
    NUMBER_FORMAT: ("Dispatch rules write numbers as calls carry them.", "medium",
                    "write the number as the trunk has it: a leading + and digits only"),
}

POLICIES: tuple[Policy, ...] = (
    *(Policy(code, description, STACK, severity, ADVISORY, fix, _routing_check(code), {})
      for code, (description, severity, fix) in _ROUTING.items()),
    Policy(CONFLICT, "No two dispatch rules, or inbound trunks, claim the same calls: LiveKit refuses the second.",
           STACK, "critical", ADVISORY, "give one of them another trunk, number, caller or PIN, or merge them",
           _conflicts, {}),
    Policy(PIN_REQUIRED, "Every dispatch rule asks callers for a PIN.", RESOURCE, "high", DISABLED,
           "set the rule's pin (digits)", _pin_required,
           {"minLength": {"type": "integer", "minimum": 0, "default": 0,
                          "description": "the fewest digits a PIN may have (0: any PIN)"}}),
    Policy(AGENT_REQUIRED, "Every dispatch rule dispatches an agent.", RESOURCE, "low", DISABLED,
           "add an agent to the rule's room_config.agents", _agent_required,
           {"agents": {"type": "array", "items": {"type": "string"}, "default": [],
                       "description": "the agent names rules may dispatch (empty: any)"}}),
    Policy(E164_NUMBERS, "Every phone number is written in E.164 (+, country code, number; digits only).", RESOURCE,
           "low", DISABLED, "write the number as +<country code><number>, digits only", _e164_numbers, {}),
    Policy(UNRESTRICTED_TRUNK, "Every inbound trunk restricts source addresses or requires credentials.", RESOURCE,
           "high", DISABLED, "set allowed_addresses to the carrier's addresses, or auth_username and auth_password",
           _unrestricted_trunk,
           {"callerNumbersSuffice": {"type": "boolean", "default": False,
                                     "description": "whether allowed_numbers alone restricts a trunk enough"}}),
)
BY_NAME = {policy.name: policy for policy in POLICIES}


def check(policy: Policy, target: Union[Project, Subject], parameters: Mapping[str, Any]) -> Checked:
    """The policy's findings for a project (a stack policy) or one of its objects (a resource policy)."""
    if policy.scope == RESOURCE and isinstance(target, Project):
        findings, skipped = [], []
        for subject in (s for s in target.subjects if not s.read_only):
            found, missed = policy.check(subject, parameters)
            findings += found
            skipped += missed
        return findings, skipped
    return policy.check(target, parameters)
