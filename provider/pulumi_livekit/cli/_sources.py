"""Where `livekit-routes` and `livekit-policy` read a project's trunks and dispatch rules: a LiveKit
server, or a Pulumi stack's exported state (read by `_model.properties`). Both give `livekit.protocol.sip`
messages."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from typing import TYPE_CHECKING, Any, Mapping, Optional

from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb

from .._api.endpoint import Endpoint
from .._core.connection import SETTINGS, resolve_connection
from .._exceptions import ConfigurationError, LiveKitError
from .._model.kinds import DISPATCH_RULE, INBOUND_TRUNK, OUTBOUND_TRUNK
from .._model.properties import message_from_state

if TYPE_CHECKING:
    from .._api.client import SIPClient

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
    with _client(endpoint) as client:
        return client.list(INBOUND_TRUNK), client.list(DISPATCH_RULE)


def read_server_with_outbound(endpoint: Endpoint) -> tuple[list[sip_pb.SIPInboundTrunkInfo],
                                                           list[sip_pb.SIPDispatchRuleInfo],
                                                           list[sip_pb.SIPOutboundTrunkInfo]]:
    with _client(endpoint) as client:
        return client.list(INBOUND_TRUNK), client.list(DISPATCH_RULE), client.list(OUTBOUND_TRUNK)


def _client(endpoint: Endpoint) -> "SIPClient":
    # Imported here: the client brings httpx, which the readers of stacks, previews and policy packs never use.
    from .._api.client import RetryPolicy, SIPClient

    return SIPClient(endpoint, retry=RetryPolicy(attempts=2))


def read_input(path: str, flag: str) -> str:
    """The text of the file a flag names, or of stdin for '-'."""
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as exc:
        raise SourceError(f"{flag}: {exc.strerror}: {path}") from exc


def from_stack_name(stack: str, cwd: str | None = None) -> Objects:
    return from_stack_export(stack_export(stack, cwd))


def stack_export(stack: str, cwd: str | None = None) -> str:
    """`pulumi stack export` of a stack of the Pulumi project in `cwd`."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise SourceError("`pulumi` is not on PATH: export the stack yourself and pass --stack-export FILE")
    proc = subprocess.run([pulumi, "stack", "export", "--stack", stack, "--non-interactive"],
                          capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SourceError(f"pulumi stack export --stack {stack} failed: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def exported_resources(text: str) -> list[Mapping[str, Any]]:
    """The resources a `pulumi stack export` document holds (each with its type, URN, outputs, provider)."""
    try:
        deployment = json.loads(text).get("deployment") or {}
    except (ValueError, AttributeError) as exc:
        raise SourceError(f"not a `pulumi stack export` document: {exc}") from exc
    return [resource for resource in deployment.get("resources") or [] if isinstance(resource, Mapping)]


def from_stack_export(text: str) -> Objects:
    objects: Objects = ([], [])
    for resource in exported_resources(text):
        add_routed(objects, message_from_state(resource.get("type", ""), resource.get("outputs") or {}))
    return objects


def add_routed(objects: Objects, message: Optional[Message]) -> None:
    """Adds an inbound trunk or a dispatch rule to the project's objects; anything else routes no call."""
    trunks, rules = objects
    if isinstance(message, sip_pb.SIPDispatchRuleInfo):
        rules.append(message)
    elif isinstance(message, sip_pb.SIPInboundTrunkInfo):
        trunks.append(message)



