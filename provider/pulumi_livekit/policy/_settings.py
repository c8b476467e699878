"""The pack's configuration: the JSON that `pulumi preview --policy-pack-config` takes, read as the engine reads
it, so that `livekit-policy check` enforces exactly what a preview does.

    {"all": "mandatory", "open-rule": {"enforcementLevel": "advisory", "ignore": ["lobby"]}, "pin-required": "disabled"}

Each policy starts from its default enforcement and its schema's defaults; "all" sets every policy's enforcement;
a policy's own entry (a level, or an object with `enforcementLevel` and parameters) comes last. Parameters are
validated against the policy's JSON schema. The engine's versioned form (`{"version": 2, "policies": {...}}`)
is read too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .._exceptions import LiveKitError
from ._catalog import ADVISORY, BY_NAME, DISABLED, MANDATORY, POLICIES, REMEDIATE, Policy

LEVELS = (ADVISORY, MANDATORY, REMEDIATE, DISABLED)
EVERY_POLICY = "all"


class PolicyConfigError(LiveKitError):
    """The configuration is not what the engine would accept: each problem names the policy and the field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Configured:
    enforcement: str
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def blocks(self) -> bool:
        """A finding stops the change (the engine reports a policy it cannot remediate as mandatory)."""
        return self.enforcement in (MANDATORY, REMEDIATE)


def defaults(policy: Policy) -> Configured:
    return Configured(policy.enforcement, {name: spec["default"] for name, spec in policy.schema().items()
                                           if "default" in spec})


def read_config(text: Optional[str]) -> tuple[dict[str, Configured], list[str]]:
    """Every policy's enforcement and parameters; and notices about entries the engine would ignore too (a name
    no policy has, a parameter no policy reads). A configuration the engine would refuse raises
    PolicyConfigError."""
    try:
        given = json.loads(text) if text and text.strip() else {}
    except ValueError as exc:
        raise PolicyConfigError([f"not JSON: {exc}"]) from exc
    if not isinstance(given, dict):
        raise PolicyConfigError(["expected a JSON object of policy names"])
    if isinstance(given.get("version"), (int, float)) and not isinstance(given.get("version"), bool):
        if given["version"] != 2:
            raise PolicyConfigError(['"version" must be 2'])
        given = given.get("policies") or {}
    problems: list[str] = []
    notices: list[str] = []
    entries: dict[str, tuple[Optional[str], dict[str, Any]]] = {}
    for name, value in given.items():
        if name == "environments":
            continue  # ESC environments: the engine resolves them, nothing here reads them
        level, parameters = _entry(name, value, problems)
        entries[name] = level, parameters
        if name != EVERY_POLICY and name not in BY_NAME:
            notices.append(f"{name!r} names no policy of this pack; the policies are "
                           f"{', '.join(policy.name for policy in POLICIES)}")
    settings = {policy.name: defaults(policy) for policy in POLICIES}
    every = entries.get(EVERY_POLICY, (None, {}))[0]
    for name, configured in settings.items():
        level, parameters = entries.get(name, (None, {}))
        unread = sorted(set(parameters) - set(BY_NAME[name].schema()))
        if unread:
            notices.append(f"{name}: {', '.join(unread)}: no such parameter; it has "
                           f"{', '.join(BY_NAME[name].schema())}")
        settings[name] = Configured(level or every or configured.enforcement, {**configured.parameters, **parameters})
    problems += _schema_problems(settings)
    if problems:
        raise PolicyConfigError(problems)
    return settings, notices


def _entry(name: str, value: Any, problems: list[str]) -> tuple[Optional[str], dict[str, Any]]:
    if isinstance(value, str):
        parameters: dict[str, Any] = {}
        level: Any = value
    elif isinstance(value, dict):
        parameters = {k: v for k, v in value.items() if k != "enforcementLevel"}
        level = value.get("enforcementLevel")
    else:
        problems.append(f"{name}: {json.dumps(value)} is not a valid value; must be a string or object")
        return None, {}
    if level is not None and level not in LEVELS:
        problems.append(f"{name}: {json.dumps(level)} is not a valid enforcement level; one of {', '.join(LEVELS)}")
        level = None
    return level, parameters


def _schema_problems(settings: Mapping[str, Configured]) -> list[str]:
    import jsonschema  # the `policy` extra's: a command that validates configuration needs it

    problems = []
    for name, configured in settings.items():
        schema = {"type": "object", "properties": BY_NAME[name].schema()}
        for error in sorted(jsonschema.Draft7Validator(schema).iter_errors(dict(configured.parameters)),
                            key=lambda e: list(e.path)):
            where = ".".join(str(part) for part in error.path)
            problems.append(f"{name}: {where}: {error.message}" if where else f"{name}: {error.message}")
    return problems
