"""The dynamic-provider lifecycle shared by every SIP resource.

A subclass names its kind (`_model.kinds`: the message, the ID field, the secrets kept apart, the SIP methods)
and the rules of its own; this class turns Pulumi's check/diff/create/read/update/delete into validated,
canonical state: no API call for diff, none for check but a dispatch rule's look at the server's rules, and
reads served from one listing per kind of object and LiveKit project (see `listings`); a create adopts
what an ambiguous failure may have stored (see `_api.adoption`).

Providers are module-level singletons with no state of their own at pickling time,
so dill stores them by reference: `__provider` is a few hundred bytes, identical for
every resource, and never holds a credential. Configuration reaches the provider
process through `configure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Optional

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from .._api.endpoint import Endpoint
from .._exceptions import (ConfigurationError, LiveKitError, LookupFailedError, NotFoundError, OtherProjectError,
                           ValidationError)
from .._model import canonical, validation
from .._model.field_update import field_update
from .._model.kinds import DISPATCH_RULE, DYNAMIC_TARGETS, Kind
from .._model.paths import top_of
from .._model.properties import comparable
from .._model.secrets import credentials_in
from .._model.stored import OUTPUT_ONLY, object_id, upgraded
from .connection import (PROJECT_KEY, PROJECT_KEYS, SETTING_VARIABLES, SETTINGS, connection_problems,
                         environment_sources, project_mark, project_of, resolve_connection)
from .declared import checked_urn
from .interrupted import interrupted_create_message
from .livekit_rules import check_media
from .lookups import Found, Query, find
from .offline import checks_offline
from .urns import stack_name
from .sdk import normalize_unknowns, pickled_by_name, secret_value
from .state import ProcessState, client_for, current, register_secrets

if TYPE_CHECKING:
    from .._api.client import SIPClient

PROVIDER_KEY = "__provider"
# The stack a Python program deploys ("organization/project/stack"), which it hands every resource's check: Pulumi's
# own dynamic-provider host tells a check no URN. A check returns its inputs without it, so no state stores it.
STACK_KEY = "__stack"
CONNECTION = "connection"
# What a program calls to hand this package's provider host the connection of a resource it imports.
IMPORT_CONNECTION_TOKEN = "pulumi-python:livekit:importConnection"


class SIPResourceProvider(ResourceProvider):
    kind: ClassVar[Kind]

    serialize_as_secret_always = False

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Pickled as the module-level name it is reachable by: `__provider`, stored twice in every resource's
        # state, is then the shortest reference there is, and unpickles as that very object.
        return pickled_by_name(self) or super().__reduce_ex__(protocol)

    # ---- per-resource hooks ---------------------------------------------------------

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        """Resource-specific rules on top of the schema (desired has snake_case keys, secrets split out): no list
        names an entry twice, and a subclass's own."""
        failures += [CheckFailure(path, problem) for path, problem in validation.repeated_entries(self.kind, desired)]

    def split_secrets(self, fields: dict[str, Any]) -> dict[str, Any]:
        """State from the canonical form of a message: secrets nested in a field moved into the kind's `split_keys`.
        Called only where a message becomes state (the resource's constructor does the same for its inputs)."""
        return fields

    def join_secrets(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """The inverse of `split_secrets`, for a known and valid state about to become a message."""
        return dict(state)

    def check_against_others(self, olds: Mapping[str, Any], desired: dict[str, Any], message: Message,
                             endpoint: Optional[Endpoint]) -> list[CheckFailure]:
        """Problems with the other objects of the project: those this deployment declared, those on the
        server. `desired` is the known, canonical state (secrets split out), `message` the same as protobuf,
        `olds` the inputs the last deployment stored (empty for a resource not created yet), `endpoint`
        where the resource lives (None while its connection is unknown)."""
        return []

    def api_create(self, client: SIPClient, message: Message) -> Message:
        return client.create(self.kind, message)

    # ---- Pulumi lifecycle -----------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        self._stack_config = req.config
        self._endpoints: dict[tuple, Endpoint] = {}
        register_secrets([req.config.get("livekit:apiSecret")])

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """`check_inputs`, its failures as the engine shows them (`shown_failure`)."""
        result = self.check_inputs(olds, news)
        failures = [shown_failure(failure, news, self.kind.message.DESCRIPTOR) for failure in result.failures or ()]
        return CheckResult(result.inputs, failures)

    def check_inputs(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The inputs checked and in canonical form, or the failures, each at the full path of what failed."""
        failures: list[CheckFailure] = []
        news = normalize_unknowns(news)
        state = {k: v for k, v in news.items() if k not in (PROVIDER_KEY, STACK_KEY) and v is not None}
        connection = state.pop(CONNECTION, None)
        desired: dict[str, Any] = {key: state.pop(key) for key in self.kind.split_keys if key in state}
        for key, value in state.items():
            try:
                desired.update(validation.validate_message(
                    self.kind.message.DESCRIPTOR, {key: value}, "", exclude=OUTPUT_ONLY))
            except ValidationError as error:
                failures.append(CheckFailure(error.path, error.problem))
        # Resource rules see only the properties that passed the schema; one problem per property.
        failed = {self._property_of(f) for f in failures}
        resource_failures: list[CheckFailure] = []
        check_media(desired, resource_failures)
        self.validate(desired, resource_failures)
        failures += [f for f in resource_failures if self._property_of(f) not in failed]
        checked_connection, problems = connection_problems(connection, lambda value: value == canonical.UNKNOWN)
        failures += [CheckFailure(path, problem) for path, problem in problems]
        endpoint = None if failures else self._checked_endpoint(checked_connection, failures)
        if endpoint is not None:
            failures += self._unverified(endpoint)
        if failures:
            return CheckResult(news, failures)
        if not canonical.contains_unknown(desired):
            message = self._message(desired)
            desired = self.state_of(message)
            failures += (self._interrupted(olds, news.get(STACK_KEY), message, endpoint)
                         or self.check_against_others(olds, desired, message, endpoint))
            if failures:
                return CheckResult(news, failures)
        inputs = canonical.prune(desired, self.kind.message.DESCRIPTOR) or {}
        if checked_connection:
            inputs[CONNECTION] = checked_connection
        return CheckResult(inputs, [])

    def changed_keys(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """The properties whose canonical forms differ, sorted: what `diff` finds changed."""
        keys = (set(olds) | set(news)) - {PROVIDER_KEY, *PROJECT_KEYS, self.kind.id_field}
        # Equal values prune alike: only values that differ as given are compared in canonical form.
        return sorted(k for k in keys
                      if olds.get(k) != news.get(k) and self.pruned(olds, k) != self.pruned(news, k))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any], *,
             deleted_where_made: bool = False) -> DiffResult:
        """`olds` are the stored outputs: the server's state as of the last create/update/refresh.
        `deleted_where_made`: the engine deletes the object through the provider that made it (the plugin's, one
        LiveKit project per provider instance), so that an object recorded in another project than the connection
        now reaches can move: created here, then deleted there. Otherwise (the dynamic resources, whose one provider
        takes the stack's connection as it is now) only the resource's own `connection` can say where its old
        object is, and a stack's connection moved elsewhere is refused (`OtherProjectError`)."""
        changed = self.changed_keys(olds, news)
        # Every field updates in place: replacing would create a conflicting twin first. Except a move to
        # another LiveKit project, where the object does not exist yet: create it there, then delete it here.
        if CONNECTION in changed and self._project(olds.get(CONNECTION)) != self._project(news.get(CONNECTION)):
            return DiffResult(changes=True, replaces=[CONNECTION], delete_before_replace=False)
        endpoint = self._checked_endpoint(news.get(CONNECTION), failures=[])
        if deleted_where_made and not self._in_recorded_project(olds, endpoint):
            return DiffResult(changes=True, replaces=[PROJECT_KEY], delete_before_replace=False)
        self._require_recorded_project(_id, olds, endpoint, news.get(CONNECTION))
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client = self._client(props)
        listings = self.state.listings
        with listings.writing(client.connection, self.kind.message):
            stored = self.api_create(client, self._message(props))
            listings.stored(client.connection, stored)
        outputs = self._outputs(stored, props, client.connection)
        return CreateResult(outputs[self.kind.id_field], outputs)

    def update(self, object_id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        client = self._client(news)
        listings = self.state.listings
        declared = self._message(news)
        # The outputs of the last create, update or refresh: what the server holds, as far as this stack knows.
        changes = field_update(self._message(olds), declared) if olds.get(self.kind.id_field) else None
        with listings.writing(client.connection, self.kind.message):
            if changes is not None:  # one request, which the server applies to what it holds
                stored = client.update(self.kind, object_id, changes)
            else:
                # What the server holds now, read just before the replace: see `canonical.onto_stored`. Gone
                # meanwhile, the replace of the declared fields alone tells the user so.
                current = client.get(self.kind, object_id)
                message = declared if current is None else canonical.onto_stored(current, declared)
                stored = client.update(self.kind, object_id, message)
            listings.stored(client.connection, stored)
        return UpdateResult(self._outputs(stored, news, client.connection))

    def read(self, object_id: str, props: dict[str, Any]) -> ReadResult:
        """What LiveKit holds for the object. `props` without the ID come from no earlier read or create: a
        program's `get` reads an object it does not manage, and one that is not there is an error. A refresh's
        object that is not there is gone, and dropped from the state."""
        client = self._client(props)
        listing = self.state.listings.for_read(client.connection, self.kind.message, lambda: client.list(self.kind))
        stored = listing.get(object_id)
        if stored is None:
            if not props.get(self.kind.id_field):
                raise LookupFailedError(f"{self.kind.name} {object_id} not found: the LiveKit project at "
                                        f"{client.connection.url} holds no {self.kind.noun} with that ID", found=0)
            return ReadResult("", {})
        outputs = self._outputs(stored, props, client.connection)
        # The engine re-marks secrets only by name against the state it sent, and on import it sends
        # none: mark them here, or an imported password/PIN/API secret/egress key is stored in plaintext.
        for key in (*self.kind.secret_keys, CONNECTION, *self.credential_holders(outputs)):
            if outputs.get(key) is not None:
                outputs[key] = secret_value(outputs[key])
        inputs = {k: v for k, v in outputs.items() if k not in (self.kind.id_field, *PROJECT_KEYS)}
        return ReadResult(object_id, outputs, inputs)

    def delete(self, object_id: str, props: dict[str, Any]) -> None:
        client = self._client(props)
        self._require_recorded_project(object_id, props, client.connection, props.get(CONNECTION))
        listings = self.state.listings
        try:
            with listings.writing(client.connection, self.kind.message):
                try:
                    client.delete(self.kind, object_id)
                finally:  # gone, or after an error perhaps not: then the server still refuses what conflicts with it
                    listings.deleted(client.connection, self.kind.message, object_id)
        except NotFoundError:
            pass  # already gone: the desired end state

    def find(self, query: Query) -> Found:
        """What a lookup of this kind finds in the project the provider's configuration reaches."""
        return find(query, self._client({}), self.state.lookups)

    # ---- helpers --------------------------------------------------------------------

    def pruned(self, values: Mapping[str, Any], key: str) -> Optional[dict[str, Any]]:
        """`{key: values[key]}` in canonical form (see `canonical.prune`); None when it holds nothing."""
        return canonical.prune({key: values.get(key)}, self.kind.message.DESCRIPTOR)

    def credential_holders(self, state: Mapping[str, Any]) -> list[str]:
        """The message fields in `state` holding a credential at some depth (an egress's upload keys in a rule's
        `room_config`): secret as a whole, as the engine marks only whole properties of a dynamic resource."""
        descriptor = self.kind.message.DESCRIPTOR
        return [key for key in state
                if key not in self.kind.secret_keys and credentials_in(descriptor, {key: state[key]})]

    @property
    def state(self) -> ProcessState:
        """What this process keeps between calls (see `state`)."""
        return current()

    def _checked_endpoint(self, connection: Optional[Mapping[str, Any]],
                          failures: list[CheckFailure]) -> Optional[Endpoint]:
        """Where the connection, completed from stack config and environment, reaches LiveKit; None while
        it holds an unknown, or when it reaches nothing (then with the failure that says why)."""
        if canonical.contains_unknown(connection or {}):
            return None
        try:
            return self._endpoint(connection or {})
        except ConfigurationError as error:
            failures.append(CheckFailure(f"connection.{error.field}", str(error)))
            return None

    def _unverified(self, endpoint: Endpoint) -> list[CheckFailure]:
        """The connection's key, secret and server, verified once per process (`Listings.verify`, unless checks are
        offline): a refusal fails every check on it with the message the deployment would give."""
        try:
            if checks_offline():
                return []
            client = self._client_at(endpoint)
            self.state.listings.verify(client.connection, lambda: client.list(DISPATCH_RULE))
        except LiveKitError as error:
            return [CheckFailure("", str(error))]
        return []

    def _interrupted(self, olds: Mapping[str, Any], stack: Optional[str], message: Message,
                     endpoint: Optional[Endpoint]) -> list[CheckFailure]:
        """A create whose object an earlier, interrupted `up` of the stack made (see `interrupted`): the failure that
        prints the command taking it into the state."""
        if olds or endpoint is None or checks_offline():
            return []
        urn = checked_urn()
        records = self.state.stack_records
        earlier = records.checked(urn or comparable(message))
        stack = stack or (stack_name(urn) if urn else None)
        client = self._client_at(endpoint)
        try:
            twins = self.state.listings.identical(client.connection, lambda: client.list(self.kind), message)
        except LiveKitError:
            return []  # nothing to tell apart by: the create meets what kept the objects from being listed
        record = records.of(stack) if twins and stack else None
        unheld = [object_id(twin) for twin in twins if record is not None and object_id(twin) not in record.held]
        if not unheld or record.pending_like(self.kind, urn, message) <= earlier:
            return []
        return [CheckFailure("", interrupted_create_message(self.kind, unheld, stack))]

    def _property_of(self, failure: CheckFailure) -> str:
        """The top-level field a failure is about, in snake_case whatever the user's spelling."""
        return validation.field_name(self.kind.message.DESCRIPTOR, top_of(failure.property))

    def _client(self, props: Mapping[str, Any]) -> SIPClient:
        return self._client_at(self._endpoint(props.get(CONNECTION) or {}))

    def _client_at(self, endpoint: Endpoint) -> SIPClient:
        return client_for(endpoint)

    def _project(self, connection: Optional[Mapping[str, Any]]) -> Optional[tuple[str, str]]:
        """Which LiveKit project a resource's connection reaches (`project_of`), or None while it cannot be
        told (unknown or incomplete)."""
        endpoint = self._checked_endpoint(connection, failures=[])
        return project_of(endpoint) if endpoint is not None else None

    def _endpoint(self, explicit: Mapping[str, Any]) -> Endpoint:
        # Resolved once per connection in a process (stack config and environment stay as they are),
        # where every check and every API call asks for it.
        register_secrets([explicit.get("api_secret")])
        key = tuple(explicit.get(name) for name, _, _ in SETTINGS)
        endpoints = self.__dict__.setdefault("_endpoints", {})
        try:
            endpoint = endpoints[key]
        except (KeyError, TypeError):  # TypeError: a value of the wrong type, for resolve_connection to name
            config = getattr(self, "_stack_config", None)
            endpoint = endpoints[key] = resolve_connection(explicit, config.get if config else (lambda _key: None))
        register_secrets([endpoint.api_secret])
        return endpoint

    def _message(self, props: Mapping[str, Any]) -> Message:
        """The message inputs or outputs describe, as every write sends it (`_model.stored.upgraded`)."""
        state = {k: v for k, v in props.items()
                 if k not in (PROVIDER_KEY, CONNECTION, *PROJECT_KEYS, self.kind.id_field)}
        desired = self.join_secrets(state)
        register_secrets(_secret_values(self, props))
        return upgraded(canonical.to_message(self.kind.message, desired))

    def state_of(self, message: Message) -> dict[str, Any]:
        """An object's state, as a read's outputs hold it (without the ID): canonical, secrets split out (and
        registered, for `redact`)."""
        state = self.split_secrets(canonical.canonical_from_message(message))
        register_secrets(_secret_values(self, state))
        return state

    def _outputs(self, stored: Message, props: Mapping[str, Any], endpoint: Endpoint) -> dict[str, Any]:
        state = self.state_of(stored)
        outputs = {**state, self.kind.id_field: getattr(stored, self.kind.id_field),
                   PROJECT_KEY: project_mark(endpoint)}
        if props.get(CONNECTION):
            outputs[CONNECTION] = props[CONNECTION]
        return outputs

    def _in_recorded_project(self, state: Mapping[str, Any], endpoint: Optional[Endpoint]) -> bool:
        """Whether `endpoint` reaches the project the object `state` describes was made in. A state without the record
        (written by an earlier version), or a connection not known yet, is taken to be."""
        recorded = next((state[key] for key in PROJECT_KEYS if state.get(key) is not None), None)
        return recorded is None or endpoint is None or recorded == project_mark(endpoint)

    def _require_recorded_project(self, object_id: str, state: Mapping[str, Any], endpoint: Optional[Endpoint],
                                  explicit: Optional[Mapping[str, Any]]) -> None:
        """Raises `OtherProjectError` if the object `state` describes was made in another project than `endpoint`
        (completed from `explicit`, the resource's own connection) reaches (see `_in_recorded_project`)."""
        if self._in_recorded_project(state, endpoint):
            return
        config = getattr(self, "_stack_config", None)
        from_environment = environment_sources(explicit, config.get if config else (lambda _key: None))
        raise OtherProjectError(_moved_away(self.kind.name, object_id, endpoint, from_environment))


def _moved_away(kind: str, object_id: str, endpoint: Endpoint, from_environment: list[str]) -> str:
    """Why an object is not sent to the project the connection reaches now, and the commands that move the stack's
    objects there: `pulumi destroy` of this package's resources where they are, then `pulumi up`."""
    destroy = f"pulumi destroy --yes --target '{DYNAMIC_TARGETS}'"
    told = (f"{kind} {object_id} is in another LiveKit project than the one the stack's connection now reaches "
            f"({endpoint.url}, API key {endpoint.api_key}); nothing was sent there with its ID. To move the stack's "
            f"LiveKit objects there, delete them where they are, then create them there: ")
    if not from_environment:
        return told + (f"run `{destroy}` (it reaches them with the settings the stack recorded when it made them), "
                       "then `pulumi up`.")
    settings = " ".join(f"{variable}=<{variable} of the project they are in>" for variable in SETTING_VARIABLES)
    return told + (f"{' and '.join(from_environment)} name the new project, where a destroy would go too: "
                   f"run `{settings} {destroy}`, then `pulumi up` with the new project's settings.")


def shown_failure(failure: CheckFailure, inputs: Mapping[str, Any], descriptor: Descriptor) -> CheckFailure:
    """A failure the engine can show: it prints the value at the failure's property, looked up as one key of
    the inputs, so a nested path would read `property attributes.tier value {<nil>}`. A nested failure is
    reported on its top-level property, the full path leading the reason; one in a property that holds a
    credential (or a null) on none, as the engine would print the credential (or `{<nil>}`)."""
    path = failure.property
    top = top_of(path)
    # A null inside the value the engine would print as `{<nil>}` too: then the path alone says where.
    if (top not in inputs or credentials_in(descriptor, {top: inputs[top]})
            or canonical.any_leaf(inputs[top], lambda leaf: leaf is None)):
        return CheckFailure("", f"{path}: {failure.reason}") if path else failure
    return failure if path == top else CheckFailure(top, f"{path}: {failure.reason}")


def _secret_values(provider: SIPResourceProvider, state: Mapping[str, Any]) -> list[Any]:
    nested = credentials_in(provider.kind.message.DESCRIPTOR, state).values()
    return [*(state.get(key) for key in provider.kind.secret_keys), *nested]
