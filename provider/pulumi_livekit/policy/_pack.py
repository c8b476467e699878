"""The policies served to the engine as a Pulumi policy pack, through `pulumi-policy` (the `policy` extra).

The launcher that `livekit-policy path` writes starts `python -m pulumi_livekit.policy`, which serves the pack
until the engine is done with it. The engine hands each resource policy one resource's inputs, and each stack
policy every resource of the stack; either way secrets arrive in the clear, and a value not known at preview
raises `UnknownValueError` when read. Here each is read once into the subjects the policies check (`_subjects`:
no credential kept), and a policy that cannot check something because a value is unknown says so in the
engine's own way: an advisory note, "can't run policy ... during preview", which never fails a preview.

A stack policy also reads from LiveKit the trunks the stack's rules name that the stack does not hold
(`_elsewhere`: a looked-up or `get` trunk, which the engine hands no policy), with the connection the
resources name, else the stack's `livekit:*` settings, else `LIVEKIT_*`.

Relied on of the SDK's internals (`_PolicyAnalyzerServicer`, checked when the pack starts): `pulumi-policy`
1.21 keeps no stack configuration, so `ConfigureStack` is wrapped to read the stack's
`livekit:ignoreRoutingWarnings` and connection settings from it; and it hands each policy the request's
resources anew, so `Analyze` and `AnalyzeStack` are wrapped to let the policies of one request share what
they read.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any, Callable, TypeVar

from .._core.silencing import IGNORE_SETTING, Silenced
from .._core.silencing import silenced as read_silenced
from .._model.canonical import UNKNOWN
from .._model.kinds import kind_of_token
from .._version import VERSION
from ._catalog import POLICIES, RESOURCE, Policy, Skipped, check
from ._report import explained, silenced
from ._settings import Configured, defaults
from ._elsewhere import explicit_connection, with_trunks_elsewhere
from ._subjects import Project, Resource, project_key, subjects_of_resources

PACK_NAME = "livekit"
T = TypeVar("T")

_stack_setting = Silenced()  # the stack's livekit:ignoreRoutingWarnings, heard at ConfigureStack
_stack_config: dict[str, str] = {}  # the stack's livekit:* settings, heard there too: the connection among them
# What the policies of the request being served read, shared between them: the SDK serves requests on a pool of
# threads, one request on one thread.
_request = threading.local()


def serve() -> None:
    import pulumi_policy
    import pulumi_policy.proxy

    _wrap_servicer(pulumi_policy)
    pulumi_policy.PolicyPack(PACK_NAME, [_as_sdk_policy(pulumi_policy, policy) for policy in POLICIES],
                             enforcement_level=pulumi_policy.EnforcementLevel.ADVISORY,
                             description=f"LiveKit SIP routing checks and telephony rules (pulumi-livekit "
                                         f"{VERSION})")


def _as_sdk_policy(sdk: Any, policy: Policy) -> Any:
    common = dict(name=policy.name, description=policy.description,
                  enforcement_level=sdk.EnforcementLevel(policy.enforcement),
                  config_schema=sdk.PolicyConfigSchema(policy.schema()), severity=sdk.Severity(policy.severity),
                  remediation_steps=policy.fix)
    if policy.scope == RESOURCE:
        def validate_resource(args: Any, report: Any) -> None:
            if kind_of_token(args.resource_type) is None:
                return
            project = _read_once(lambda: subjects_of_resources(
                [Resource(args.resource_type, args.name, args.urn, _plain(args.props))])[0])
            configured = _configured(policy, args)
            _report(sdk, policy, check(policy, project.subjects[0], configured.parameters), report, configured)

        return sdk.ResourceValidationPolicy(validate=validate_resource, **common)

    def validate_stack(args: Any, report: Any) -> None:
        projects = _read_once(lambda: _projects(args.resources))
        configured = _configured(policy, args)
        findings, skipped = [], []
        for project in projects:
            found, missed = check(policy, project, configured.parameters)
            findings += found
            skipped += missed
        _report(sdk, policy, (findings, skipped), report, configured)

    return sdk.StackValidationPolicy(validate=validate_stack, **common)


def _read_once(read: Callable[[], T]) -> T:
    """What `read` gives, read by the first policy of the request being served."""
    if getattr(_request, "read", None) is None:
        _request.read = read()
    return _request.read


def _configured(policy: Policy, args: Any) -> Configured:
    # The engine fills in the schema's defaults; an older one may not.
    return Configured(policy.enforcement, {**defaults(policy).parameters, **dict(args.get_config() or {})})


def _report(sdk: Any, policy: Policy, checked: tuple[list, list[Skipped]], report: Any,
            configured: Configured) -> None:
    findings, skipped = checked
    for finding in findings:
        if not silenced(finding, configured, _stack_setting):
            # A stack policy names the resource; a resource policy's finding is about the resource checked.
            report("\n".join(explained(finding)), *([finding.subject.urn] if policy.scope != RESOURCE else []))
    # Only what a preview cannot know yet is worth a note: the rest (trunks managed elsewhere) holds at every run.
    pending = list(dict.fromkeys(missed.reason for missed in skipped if missed.until_applied))
    if pending:
        note = sdk.proxy.UnknownValueError(sdk.proxy.UNKNOWN_STRING_VALUE, [])
        note.message = "not checked: " + "; ".join(pending)
        raise note


def _projects(resources: Sequence[Any]) -> list[Project]:
    """The stack's projects, each with the trunks its rules name elsewhere (`_elsewhere`)."""
    ours = [r for r in resources if kind_of_token(r.resource_type) is not None]
    read = [_resource(r) for r in ours]
    connections = {resource.project: explicit_connection(
        resource.props, _plain(r.provider.props) if getattr(r, "provider", None) is not None else {})
        for resource, r in zip(read, ours)}
    return [with_trunks_elsewhere(project, connections.get(project.key), _stack_config)
            for project in subjects_of_resources(read)]


def _resource(resource: Any) -> Resource:
    props = _plain(resource.props)
    provider = resource.provider.urn if resource.provider is not None else ""
    dependencies = {key: [d.urn for d in depended] for key, depended in resource.property_dependencies.items()}
    return Resource(resource.resource_type, resource.name, resource.urn, props, project_key(props, provider),
                    dependencies)


def _plain(value: Any) -> Any:
    """A value the SDK hands a policy, read whole: each part not known yet as `_canonical.UNKNOWN`."""
    from pulumi_policy.proxy import UnknownValueError

    if isinstance(value, Mapping):
        items = list(value)
        read = value.__getitem__
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = range(len(value))
        read = value.__getitem__
    else:
        return value
    plain: dict | list = {} if isinstance(value, Mapping) else []
    for item in items:
        try:
            part = _plain(read(item))
        except UnknownValueError:
            part = UNKNOWN
        if isinstance(plain, dict):
            plain[item] = part
        else:
            plain.append(part)
    return plain


def _wrap_servicer(sdk: Any) -> None:
    servicer = getattr(getattr(sdk, "policy", None), "_PolicyAnalyzerServicer", None)
    if servicer is None or not all(hasattr(servicer, name) for name in ("ConfigureStack", "Analyze", "AnalyzeStack")):
        raise RuntimeError(f"pulumi-policy {getattr(sdk, '__version__', '')} serves policies otherwise than the "
                           f"pack knows: pulumi-livekit[policy] is tested with pulumi-policy 1.21")
    for name in ("Analyze", "AnalyzeStack"):
        setattr(servicer, name, _fresh_read(getattr(servicer, name)))
    configure_stack = servicer.ConfigureStack

    def hearing(self: Any, request: Any, context: Any) -> Any:
        global _stack_setting, _stack_config
        config = dict(getattr(request, "config", None) or {})
        _stack_setting = read_silenced(config.get(f"livekit:{IGNORE_SETTING}"))[0]
        _stack_config = {key: value for key, value in config.items() if key.startswith("livekit:")}
        return configure_stack(self, request, context)

    servicer.ConfigureStack = hearing


def _fresh_read(serve_request: Any) -> Any:
    def serving(self: Any, request: Any, context: Any) -> Any:
        _request.read = None
        try:
            return serve_request(self, request, context)
        finally:
            _request.read = None

    return serving
