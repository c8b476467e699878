"""Where `livekit-routes` reads a project's trunks and dispatch rules: a LiveKit server, or a
Pulumi stack's exported state. Both give `livekit.protocol.sip` messages."""

from __future__ import annotations

import functools
import json
import shutil
import ssl
import subprocess
from typing import Any, Iterable, Mapping

import certifi
import httpx
from google.protobuf import json_format
from livekit.protocol import sip as sip_pb

from .._client import RetryPolicy, SIPClient
from .._config import Endpoint, resolve_connection
from .._exceptions import LiveKitError

Objects = tuple[list[sip_pb.SIPInboundTrunkInfo], list[sip_pb.SIPDispatchRuleInfo]]

# A PIN in stack state is a secret: the table needs to know a rule has one, never its value.
_HIDDEN_PIN = "[secret]"
# How `pulumi preview --json` shows a secret value.
_MASKED_SECRET = "[secret]"


class SourceError(LiveKitError):
    """The project could not be read (unreachable server, unreadable stack)."""


def from_server(url: str | None, api_key: str | None, api_secret: str | None, environ: Mapping[str, str]) -> Objects:
    return read_server(server_endpoint(url, api_key, api_secret, environ))


def server_endpoint(url: str | None, api_key: str | None, api_secret: str | None,
                    environ: Mapping[str, str]) -> Endpoint:
    explicit = {k: v for k, v in (("url", url), ("api_key", api_key), ("api_secret", api_secret)) if v is not None}
    return resolve_connection(explicit, lambda _key: None, environ)


def read_server(endpoint: Endpoint) -> Objects:
    with SIPClient(endpoint, retry=RetryPolicy(attempts=2), transport=verified_transport()) as client:
        return client.list_inbound_trunks(), client.list_dispatch_rules()


def verified_transport() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(verify=_tls_context())


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One per process: loading the CA bundle costs more than the requests a command makes."""
    return ssl.create_default_context(cafile=certifi.where())


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
    kind = _KINDS.get(resource_type)
    if kind == "rule":
        return _rule_from_outputs(props)
    if kind == "inbound_trunk":
        return _message_from_outputs(sip_pb.SIPInboundTrunkInfo, props)
    return None


# This package's resources in state: `pulumi-python:dynamic/livekit:<class>`.
_KINDS = {"pulumi-python:dynamic/livekit:DispatchRule": "rule",
          "pulumi-python:dynamic/livekit:InboundTrunk": "inbound_trunk"}


def _plain(outputs: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The message's fields, leaving out unset ones and secrets (encrypted in the export)."""
    return {k: outputs[k] for k in names if k in outputs and outputs[k] is not None and not _is_secret(outputs[k])}


def _is_secret(value: Any) -> bool:
    """Encrypted in a stack export, or masked in `pulumi preview --json`."""
    return (isinstance(value, Mapping) and "ciphertext" in value) or value == _MASKED_SECRET


def _message_from_outputs(message_type, outputs: Mapping[str, Any]):
    names = [f.name for f in message_type.DESCRIPTOR.fields if f.name not in ("created_at", "updated_at")]
    return json_format.ParseDict(_plain(outputs, names), message_type(), ignore_unknown_fields=True)


def _rule_from_outputs(outputs: Mapping[str, Any]) -> sip_pb.SIPDispatchRuleInfo:
    rule = _message_from_outputs(sip_pb.SIPDispatchRuleInfo, outputs)
    kind = rule.rule.WhichOneof("rule")
    if outputs.get("pin") is not None and kind:
        getattr(rule.rule, kind).pin = _HIDDEN_PIN
    return rule
