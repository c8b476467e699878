"""The provider plugin: Pulumi's provider protocol over the core the dynamic resources use.

Each request is converted once (`_values`) and handed to the same core provider object a Python
program's `DispatchRule`, `InboundTrunk` or `OutboundTrunk` runs on: its check, diff, create, read,
update and delete, with the same validation, canonical form, client, retries and conflict registry.
The core is synchronous. Its creates, updates, deletes and lookups, each a request to LiveKit, run in worker
threads so the engine's parallel requests overlap. Its checks, diffs and reads answer from memory: the first check
or read of a kind lists the project (`_core.listings`) and the later ones share that listing, so they run on the
event loop, each spared a thread hop.

Lookups (`livekit:index:getInboundTrunk`, ...) run the same core lookup as a Python program's
`get_inbound_trunk` (`_core.lookups`), in the project the provider reaches.

What the plugin adds is what only a regular provider can do: a schema, explicit provider
instances (one plugin process each, so one LiveKit project each), and a provider whose project
(URL or API key) changes is replaced, so the engine recreates its resources in the new project
instead of sending the old project's IDs there. And at check, through the engine's log, the routing
warnings that a rule alone tells (`_routing_warnings`).
"""

from __future__ import annotations

import asyncio
import functools
import os
import traceback
from collections.abc import Mapping
from typing import Any, Callable, Optional, TypeVar

from google.protobuf.message import Message
from pulumi.dynamic import ConfigureRequest as CoreConfigureRequest
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckFailure,
    CheckRequest,
    CheckResponse,
    ConfigureRequest,
    ConfigureResponse,
    CreateRequest,
    CreateResponse,
    DeleteRequest,
    DiffRequest,
    DiffResponse,
    GetSchemaRequest,
    GetSchemaResponse,
    InvokeRequest,
    InvokeResponse,
    PropertyDiff,
    PropertyDiffKind,
    Provider,
    ReadRequest,
    ReadResponse,
    UpdateRequest,
    UpdateResponse,
)
from pulumi.runtime.proto import provider_pb2

from .._api.endpoint import Endpoint, url_problem
from .._core.connection import SETTINGS, project_of, setting_problem
from .._core.declared import checking
from .._core.lookups import Query, query_problems
from .._core.provider import SIPResourceProvider, shown_failure
from .._core.silencing import IGNORE_SETTING
from .._core.state import redact
from .._exceptions import LiveKitError
from .._model import canonical
from .._model.kinds import DISPATCH_RULE
from .._model.validation import NUMBER_NOT_STRING
from ._engine_log import EngineLog
from ._kinds import FUNCTIONS, KINDS, PACKAGE, Function
from ._package import config_name, schema
from ._routing_warnings import RoutingWarnings
from ._values import from_core, plain, property_name, property_path, to_core

T = TypeVar("T")

# How to keep a value a string in Pulumi YAML: quoted in the program; from stack config, typed, which the engine
# honours only for a path into a structured value (`pulumi config set caller +15550002222` reaches the program
# as the number 15550002222, `--type string` or not).
YAML_STRING_HINT = (". In Pulumi YAML, quote it; from stack config, set it as a string inside an object, e.g. "
                    "`pulumi config set --type string --path 'phone.caller' '+15550002222'`, and use "
                    "${phone.caller}")

# What names a LiveKit project (`_core.connection.project_of`): changing either points the provider's resources at
# other objects.
_PROJECT_PROPERTIES = ("url", "apiKey")


def _core(call: Callable[..., T], *args: Any) -> T:
    """A core call, its errors redacted (the engine shows and logs them)."""
    try:
        return call(*args)
    except LiveKitError as error:  # already says what to do; the traceback would only hide that
        raise LiveKitError(redact(str(error))) from None
    except Exception:  # noqa: BLE001 - a bug: keep its traceback, without secrets
        raise LiveKitError(redact(traceback.format_exc())) from None


async def _core_request(call: Callable[..., T], *args: Any) -> T:
    """A core call that sends LiveKit a request each time, in a worker thread: the event loop goes on serving the
    engine's other calls meanwhile."""
    return await asyncio.to_thread(_core, call, *args)


def _kind(token: str) -> SIPResourceProvider:
    try:
        return KINDS[token]
    except KeyError:
        raise LiveKitError(f"unknown resource type {token}; this provider serves {', '.join(KINDS)}") from None


def _function(token: str) -> Function:
    try:
        return FUNCTIONS[token]
    except KeyError:
        raise LiveKitError(f"unknown function {token}; this provider serves {', '.join(FUNCTIONS)}") from None


def _known_string(value: Optional[PropertyValue]) -> Optional[str]:
    known = value is not None and isinstance(value.value, str) and value.value != canonical.UNKNOWN
    return value.value if known else None


def _project(properties: Mapping[str, PropertyValue]) -> tuple[Optional[str], Optional[str]]:
    """The project a provider configuration reaches, as `_PROJECT_PROPERTIES`: `project_of` its endpoint
    (`wss://host` and `https://host` are the same project), or the values as given while that cannot be told."""
    url, key = (_known_string(properties.get(name)) for name in _PROJECT_PROPERTIES)
    if url is None or key is None or url_problem(url):
        return url, key
    return project_of(Endpoint(url, key, ""))


class LiveKitProvider(Provider):
    def __init__(self) -> None:
        # Set by the server, which the engine tells its address: without it (a test's provider) nothing is logged.
        self.engine_log: Optional[EngineLog] = None
        self._routing_warnings = RoutingWarnings()
        self._configured = False
        self._told: set[tuple[str, str]] = set()  # the moves a warning has told, by provider

    # ---- the provider's own configuration ---------------------------------------------------

    async def get_schema(self, request: GetSchemaRequest) -> GetSchemaResponse:
        return GetSchemaResponse(schema())

    async def check_config(self, request: CheckRequest) -> CheckResponse:
        inputs = dict(request.new_inputs)
        failures = []
        for setting, config_key, env_var in SETTINGS:
            name = config_name(config_key)
            value = inputs.get(name)
            if value is None or value.value is None:
                if not os.environ.get(env_var):
                    secret = "--secret " if setting == "api_secret" else ""
                    failures.append(CheckFailure(name, f"is not set: run `pulumi config set {secret}{config_key} ...`, "
                                                       f"give the provider `{name}`, or export {env_var}"))
                # The project a provider reaches is stored with it even when the environment names it, so a
                # later change is seen (and replaces the provider) whichever way it is made. Never the secret.
                elif name in _PROJECT_PROPERTIES:
                    inputs[name] = PropertyValue(os.environ[env_var])
                continue
            if value.value == canonical.UNKNOWN:
                continue
            problem = setting_problem(setting, value.value)
            if problem:
                failures.append(CheckFailure(name, problem))
            elif setting == "api_secret":
                inputs[name] = value.with_secret(True)
        return CheckResponse(inputs=inputs, failures=failures)

    async def diff_config(self, request: DiffRequest) -> DiffResponse:
        olds, news = request.old_state, request.new_inputs
        changed = sorted(key for key in set(olds) | set(news) if olds.get(key) != news.get(key))
        replaces = [name for name, old, new in zip(_PROJECT_PROPERTIES, _project(olds), _project(news)) if old != new]
        # The engine asks the provider it checked the configuration with (a process not configured) once, then the
        # configured one for each resource it serves: the latter tells the move, once.
        moving = _moving(olds, news)
        if replaces and self._configured and (request.urn, moving) not in self._told:
            self._told.add((request.urn, moving))
            await self._warn([moving], request.urn)
        # This SDK's DiffConfig hands `changes` to the protocol's enum as is (True would read as DIFF_NONE, and the
        # engine would keep a provider it has just unloaded for replacement): give it the enum's value.
        changes = provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE
        return DiffResponse(changes=changes, replaces=replaces, diffs=changed)

    async def configure(self, request: ConfigureRequest) -> ConfigureResponse:
        config = {}
        for _, config_key, _ in SETTINGS:
            name = config_name(config_key)
            value = _known_string(request.args.get(name))
            config[config_key] = value if value is not None else request.variables.get(f"{PACKAGE}:config:{name}")
        for provider in set(KINDS.values()):
            provider.configure(CoreConfigureRequest(config))
        ignored = request.args.get(IGNORE_SETTING)
        setting = (plain(ignored) if ignored is not None
                   else request.variables.get(f"{PACKAGE}:config:{IGNORE_SETTING}"))
        await self._warn(self._routing_warnings.configure(setting))
        self._configured = True
        return ConfigureResponse(accept_secrets=True, supports_preview=True)

    # ---- lookups --------------------------------------------------------------------------

    async def invoke(self, request: InvokeRequest) -> InvokeResponse:
        function = _function(request.tok)
        provider = function.provider
        keys = {key: plain(value) for key, value in request.args.items()}
        problems = query_problems(keys, one=function.one)
        if problems:
            return InvokeResponse(failures=[CheckFailure(key, problem) for key, problem in problems])
        found = await _core_request(provider.find, Query(provider.kind, **keys))

        def fields(message: Message) -> dict[str, PropertyValue]:
            return from_core(provider, {**provider.state_of(message),
                                        provider.kind.id_field: getattr(message, provider.kind.id_field)})

        if function.one:
            return InvokeResponse(fields(_core(found.the_one)))
        return InvokeResponse({"items": PropertyValue([PropertyValue(fields(match)) for match in found.matches])})

    # ---- resources ------------------------------------------------------------------------

    async def check(self, request: CheckRequest) -> CheckResponse:
        provider = _kind(request.type)
        olds, news = to_core(provider, request.old_inputs), to_core(provider, request.new_inputs)

        def check() -> Any:
            with checking(request.urn):  # declared rules are told apart by resource
                return provider.check_inputs(olds, news)

        result = _core(check)
        if result.failures:
            shown = provider.join_secrets(news)  # as the engine holds the inputs: the PIN inside `rule`
            return CheckResponse(inputs=request.new_inputs,
                                 failures=[_failure(provider, f, shown) for f in result.failures])
        if provider.kind is DISPATCH_RULE:
            await self._warn(self._routing_warnings.of_rule(request.urn, result.inputs), request.urn)
        return CheckResponse(inputs=from_core(provider, result.inputs))

    async def diff(self, request: DiffRequest) -> DiffResponse:
        provider = _kind(request.type)
        olds, news = to_core(provider, request.old_state), to_core(provider, request.new_inputs)
        # A resource's deletes go to the provider that made it: one recorded in another project than this provider
        # reaches is on its way there (a move that stopped part way), and moves on.
        result = _core(functools.partial(provider.diff, deleted_where_made=True), request.resource_id, olds, news)
        # The core's own comparison: which properties differ, not only whether any do.
        detailed = {property_name(provider, key): PropertyDiff(_diff_kind(provider, key, olds, news), False)
                    for key in provider.changed_keys(olds, news)}
        return DiffResponse(changes=result.changes, replaces=[property_name(provider, key) for key in result.replaces],
                            delete_before_replace=result.delete_before_replace,
                            diffs=sorted(detailed), detailed_diff=detailed)

    async def create(self, request: CreateRequest) -> CreateResponse:
        provider = _kind(request.type)
        if request.preview:
            return CreateResponse(None, {**request.properties, _id_property(provider): PropertyValue(canonical.UNKNOWN)})
        result = await _core_request(provider.create, to_core(provider, request.properties))
        return CreateResponse(result.id, from_core(provider, result.outs))

    async def read(self, request: ReadRequest) -> ReadResponse:
        provider = _kind(request.type)
        result = _core(provider.read, request.resource_id, to_core(provider, request.properties))
        if not result.id:  # gone from the server: the engine drops it from the state
            return ReadResponse(None)
        return ReadResponse(result.id, from_core(provider, result.outs), from_core(provider, result.inputs))

    async def update(self, request: UpdateRequest) -> UpdateResponse:
        provider = _kind(request.type)
        if request.preview:
            return UpdateResponse({**request.news, _id_property(provider): PropertyValue(request.resource_id)})
        result = await _core_request(provider.update, request.resource_id, to_core(provider, request.olds),
                                     to_core(provider, request.news))
        return UpdateResponse(from_core(provider, result.outs))

    async def delete(self, request: DeleteRequest) -> None:
        provider = _kind(request.type)
        await _core_request(provider.delete, request.resource_id, to_core(provider, request.properties))

    async def _warn(self, texts: list[str], urn: str = "") -> None:
        for text in texts:
            if self.engine_log is not None:
                await self.engine_log.warn(text, urn)


def _moving(olds: Mapping[str, PropertyValue], news: Mapping[str, PropertyValue]) -> str:
    """What a preview says of a provider whose LiveKit project changes: the engine shows each resource replaced."""

    def project(properties: Mapping[str, PropertyValue]) -> str:
        url, key = (_known_string(properties.get(name)) for name in _PROJECT_PROPERTIES)
        return f"{url or '(not known yet)'} (API key {key or '(not known yet)'})"

    return (f"its resources move to another LiveKit project, from {project(olds)} to {project(news)}: each is "
            "created there, then deleted here")


def _failure(provider: SIPResourceProvider, failure: Any, inputs: Mapping[str, Any]) -> CheckFailure:
    """A core failure as the engine prints it, on the top-level property whose value it shows (`shown_failure`),
    in the schema's names: the engine looks the property up as one key of the inputs, so a nested path would
    read `value {<nil>}`."""
    path, reason = property_path(provider, failure.property), redact(failure.reason)
    if reason.startswith(NUMBER_NOT_STRING):
        reason += YAML_STRING_HINT
    shown = shown_failure(failure, inputs, provider.kind.message.DESCRIPTOR)
    if not shown.property:  # not among the inputs, or one holding a credential the engine would print
        return CheckFailure("", f"{path}: {reason}" if path else reason)
    top = property_name(provider, shown.property)
    return CheckFailure(top, reason if path == top else f"{path}: {reason}")


def _id_property(provider: SIPResourceProvider) -> str:
    return property_name(provider, provider.kind.id_field)


def _diff_kind(provider: SIPResourceProvider, key: str, olds: Mapping[str, Any],
               news: Mapping[str, Any]) -> PropertyDiffKind:
    if key in provider.kind.split_keys:  # a secret inside another property, which stays
        return PropertyDiffKind.UPDATE
    if provider.pruned(olds, key) is None:
        return PropertyDiffKind.ADD
    if provider.pruned(news, key) is None:
        return PropertyDiffKind.DELETE
    return PropertyDiffKind.UPDATE
