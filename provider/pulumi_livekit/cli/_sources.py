"""Where `livekit-routes` reads a project's trunks and dispatch rules: a LiveKit server, or a
Pulumi stack's exported state. Both give `livekit.protocol.sip` messages."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from typing import Any, Iterable, Mapping

from google.protobuf import json_format
from livekit.protocol import sip as sip_pb

from .._api.client import RetryPolicy, SIPClient
from .._api.endpoint import Endpoint
from .._core.connection import SETTINGS, resolve_connection
from .._exceptions import ConfigurationError, LiveKitError
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, PIN, kind_of_token
from .._model.secrets import SECRET_MARK, pin_of

Objects = tuple[list[sip_pb.SIPInboundTrunkInfo], list[sip_pb.SIPDispatchRuleInfo]]


def add_connection_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--url, --api-key and --api-secret, as every command that reads a LiveKit project takes them."""
    parser.add_argument("--url", help="LiveKit URL (default: $LIVEKIT_URL)")
    parser.add_argument("--api-key", dest="api_key", help="API key (default: $LIVEKIT_API_KEY)")
    parser.add_argument("--api-secret", dest="api_secret",
                        help="API secret (default: $LIVEKIT_API_SECRET, which other users cannot see in the process list)")


_FLAGS = {"url": "--url", "api_key": "--api-key", "api_secret": "--api-secret"}
_LABELS = {"url": "URL", "api_key": "API key", "api_secret": "API secret"}


def endpoint_from_flags(flags: Mapping[str, str | None], environ: Mapping[str, str]) -> Endpoint:
    """The connection from --url/--api-key/--api-secret, else the environment; an error names the flag and the
    variable (a command line has no stack config and no Connection(...))."""
    explicit = {name: value for name, value in flags.items() if value is not None}
    for name, _config_key, env_var in SETTINGS:
        if name not in explicit and env_var not in environ:
            raise ConfigurationError(f"no LiveKit {_LABELS[name]}: pass {_FLAGS[name]} or export {env_var}", field=name)
    return resolve_connection(explicit, lambda _key: None, environ, explicit_source=_FLAGS.__getitem__)


class SourceError(LiveKitError):
    """The project could not be read (unreachable server, unreadable stack)."""


def from_server(url: str | None, api_key: str | None, api_secret: str | None, environ: Mapping[str, str]) -> Objects:
    return read_server(server_endpoint(url, api_key, api_secret, environ))


def server_endpoint(url: str | None, api_key: str | None, api_secret: str | None,
                    environ: Mapping[str, str]) -> Endpoint:
    return endpoint_from_flags({"url": url, "api_key": api_key, "api_secret": api_secret}, environ)


def read_server(endpoint: Endpoint) -> Objects:
    with SIPClient(endpoint, retry=RetryPolicy(attempts=2)) as client:
        return client.list(INBOUND_TRUNK), client.list(DISPATCH_RULE)


def from_stack_name(stack: str, cwd: str | None = None) -> Objects:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise SourceError("`pulumi` is not on PATH: export the stack yourself and pass --stack-export FILE")
    proc = subprocess.run([pulumi, "stack", "export", "--stack", stack, "--non-interactive"],
                          capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SourceError(f"pulumi stack export --stack {stack} failed: {proc.stderr.strip()[-2000:]}")
    return from_stack_export(proc.stdout)


def from_stack_export(text: str) -> Objects:
    try:
        deployment = json.loads(text).get("deployment") or {}
    except (ValueError, AttributeError) as exc:
        raise SourceError(f"not a `pulumi stack export` document: {exc}") from exc
    trunks, rules = [], []
    for resource in deployment.get("resources") or []:
        message = message_from_state(resource.get("type", ""), resource.get("outputs") or {})
        if isinstance(message, sip_pb.SIPDispatchRuleInfo):
            rules.append(message)
        elif message is not None:
            trunks.append(message)
    return trunks, rules


def message_from_state(resource_type: str, props: Mapping[str, Any]):
    """The dispatch rule or inbound trunk that a resource's stored outputs (or inputs) describe, None
    for any other resource type."""
    kind = kind_of_token(resource_type)
    if kind is DISPATCH_RULE:
        return _rule_from_outputs(props)
    if kind is INBOUND_TRUNK:
        return _message_from_outputs(INBOUND_TRUNK.message, props)
    return None


def _plain(outputs: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The message's fields, leaving out unset ones and secrets (encrypted in the export), at every level."""
    return {k: _without_secrets(outputs[k]) for k in names
            if k in outputs and outputs[k] is not None and not _is_secret(outputs[k])}


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_secrets(v) for k, v in value.items() if not _is_secret(v)}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def _is_secret(value: Any) -> bool:
    """Encrypted in a stack export, or masked in `pulumi preview --json`."""
    return (isinstance(value, Mapping) and "ciphertext" in value) or value == SECRET_MARK


def _message_from_outputs(message_type, outputs: Mapping[str, Any]):
    # Each field by the one name it has in these outputs: the dynamic resources' snake_case, else the plugin's
    # camelCase (`json_name`).
    names = [f.name if f.name in outputs else f.json_name for f in message_type.DESCRIPTOR.fields
             if f.name not in ("created_at", "updated_at")]
    return json_format.ParseDict(_plain(outputs, names), message_type(), ignore_unknown_fields=True)


def _rule_from_outputs(outputs: Mapping[str, Any]) -> sip_pb.SIPDispatchRuleInfo:
    """A PIN in stack state is a secret: the table needs to know a rule has one, never its value."""
    rule = _message_from_outputs(DISPATCH_RULE.message, outputs)
    rule_kind = rule.rule.WhichOneof("rule")
    # The dynamic resources keep the PIN in `pin`, the plugin in the rule's kind.
    if rule_kind and (outputs.get(PIN) is not None or pin_of(outputs.get("rule")) is not None):
        getattr(rule.rule, rule_kind).pin = SECRET_MARK
    return rule
