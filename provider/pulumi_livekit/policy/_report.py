"""Running the policies over the projects under review, and a finding as a reviewer reads it: in the engine's
output (through the pack), as text, JSON, or Markdown for a pull-request comment.

What silences a finding is the same everywhere: the policy's `ignore` list (a resource name, or an object's ID)
and, for the routing warnings, the stack's `livekit:ignoreRoutingWarnings` (`_core/silencing.py`), unless the policy's
`honorIgnoreRoutingWarnings` is false.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .._core.silencing import IGNORE_SETTING, Silenced
from .._markdown import cell
from ._catalog import BY_NAME, DISABLED, HONOR_STACK_SETTING, POLICIES, SEVERITIES, Finding, Policy, Skipped, check
from ._settings import Configured
from ._subjects import Project


@dataclass(frozen=True)
class Reported:
    finding: Finding
    configured: Configured

    @property
    def policy(self) -> Policy:
        return BY_NAME[self.finding.policy]


@dataclass
class Report:
    findings: list[Reported] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Whether a finding of a mandatory policy stops the change."""
        return any(reported.configured.blocks for reported in self.findings)


def silenced(finding: Finding, configured: Configured, stack_setting: Silenced) -> bool:
    subject = finding.subject
    ignored = configured.parameters.get("ignore") or ()
    if subject.name in ignored or (subject.known_id and subject.known_id in ignored):
        return True
    honored = BY_NAME[finding.policy].is_routing_warning and configured.parameters.get(HONOR_STACK_SETTING, True)
    return bool(honored) and stack_setting.covers(finding.policy, subject.name)


def review(projects: Iterable[Project], settings: Mapping[str, Configured],
           stack_setting: Silenced = Silenced()) -> Report:
    """Every enabled policy over every project, as the pack runs them in a preview."""
    projects = list(projects)
    report = Report()
    for policy in POLICIES:
        configured = settings[policy.name]
        if configured.enforcement == DISABLED:
            continue
        for project in projects:
            found, skipped = check(policy, project, configured.parameters)
            report.findings += [Reported(finding, configured) for finding in found
                                if not silenced(finding, configured, stack_setting)]
            report.skipped += [missed for missed in skipped if missed not in report.skipped]
    return report


# ---- how a finding reads -------------------------------------------------------------------------

def details_line(finding: Finding) -> str:
    return "; ".join(f"{what}: {value}" for what, value in finding.details)


def silence_hint(finding: Finding) -> str:
    """The entries that silence the finding: in the policy config and, for a routing warning of a stack's
    resource, in the stack setting."""
    name = finding.subject.name
    hint = f'policy config {json.dumps({finding.policy: {"ignore": [name]}})}'
    if BY_NAME[finding.policy].is_routing_warning and finding.subject.urn:
        hint += f", or livekit:{IGNORE_SETTING}: {finding.policy}:{name}"
    return hint


def explained(finding: Finding) -> list[str]:
    """What is wrong, the field and what it concerns, how to fix it, how to silence it: one line each."""
    lines = [finding.text]
    if finding.details:
        lines.append(details_line(finding))
    lines.append(f"fix: {BY_NAME[finding.policy].fix}")
    lines.append(f"silence: {silence_hint(finding)}")
    return lines


def _by_severity(report: Report) -> list[tuple[str, list[Reported]]]:
    return [(severity, [r for r in report.findings if r.policy.severity == severity]) for severity in SEVERITIES]


def as_text(report: Report, where: str) -> str:
    blocking = sum(1 for r in report.findings if r.configured.blocks)
    lines = [f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''} in {where}"
             + (f", {blocking} mandatory" if blocking else "") + (":" if report.findings else "")]
    for severity, reported in _by_severity(report):
        for item in reported:
            first, *rest = explained(item.finding)
            lines.append(f"[{item.configured.enforcement}] {item.finding.policy} ({severity}): {first}")
            lines += [f"    {line}" for line in rest]
    if report.skipped:
        lines.append("not checked:")
        lines += [f"  - {missed.policy}: {missed.reason}" for missed in report.skipped]
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> dict[str, Any]:
    return {
        "blocked": report.blocked,
        "findings": [{
            "policy": r.finding.policy, "enforcement": r.configured.enforcement, "severity": r.policy.severity,
            "kind": r.finding.subject.kind.name, "resource": r.finding.subject.name,
            "id": r.finding.subject.known_id or None, "urn": r.finding.subject.urn or None,
            "message": r.finding.text, "details": dict(r.finding.details), "fix": r.policy.fix,
            "silence": silence_hint(r.finding),
        } for r in report.findings],
        "notChecked": [{"policy": missed.policy, "reason": missed.reason} for missed in report.skipped],
    }


def as_markdown(report: Report, where: str) -> str:
    blocking = sum(1 for r in report.findings if r.configured.blocks)
    lines = [f"#### Policy findings: {where}", ""]
    if not report.findings:
        lines.append("No findings.")
    else:
        lines.append(f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
                     + (f", **{blocking} mandatory: the change is blocked**" if blocking else ", none mandatory"))
    for severity, reported in _by_severity(report):
        if not reported:
            continue
        lines += ["", f"**{severity.capitalize()}**", "",
                  "| policy | enforcement | resource | finding | fix | silence |", "|---|---|---|---|---|---|"]
        for item in reported:
            finding = item.finding
            what = finding.text + (f" ({details_line(finding)})" if finding.details else "")
            lines.append(f"| `{finding.policy}` | {item.configured.enforcement} | {cell(finding.subject.label)} | "
                         f"{cell(what)} | {cell(item.policy.fix)} | {cell(silence_hint(finding))} |")
    if report.skipped:
        lines += ["", "<details><summary>Not checked</summary>", ""]
        lines += [f"- `{missed.policy}`: {cell(missed.reason)}" for missed in report.skipped]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
