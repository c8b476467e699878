"""The Pulumi-program side shared by every SIP resource."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Optional

import pulumi
from pulumi.dynamic import Resource

from ._provider import CONNECTION, SIPResourceProvider
from ._spec import load_spec
from ._types import Connection, as_input

_SERVER_TIMESTAMPS = ("created_at", "updated_at")


class SIPResource(Resource):
    _provider: ClassVar[SIPResourceProvider]
    # The outer key `lk ... create` files wrap the object in.
    _envelope: ClassVar[str]

    def __init__(
        self,
        resource_name: str,
        inputs: Mapping[str, Any],
        connection: Optional[Connection],
        opts: Optional[pulumi.ResourceOptions],
    ) -> None:
        provider = self._provider
        # Every output key must be present for `resource.<name>` to resolve.
        props: dict[str, Any] = {
            f.name: None for f in provider.message_type.DESCRIPTOR.fields if f.name not in _SERVER_TIMESTAMPS
        }
        props.update({key: as_input(value) for key, value in inputs.items()})
        for key in provider.secret_keys:
            if props.get(key) is not None:
                props[key] = pulumi.Output.secret(props[key])
        props[CONNECTION] = _secret_connection(connection)
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=[*provider.secret_keys, CONNECTION])
        super().__init__(provider, resource_name, props, pulumi.ResourceOptions.merge(opts, secret_outputs))

    @classmethod
    def from_json(
        cls,
        resource_name: str,
        spec: Any,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        connection: Optional[Connection] = None,
    ):
        """Declare the resource from what `lk sip ... create` and the dashboard's JSON editor take.

        `spec` is a path, a JSON string or a dict, with or without the outer envelope key.
        Malformed specs fail here, naming the field, before anything reaches LiveKit.
        """
        fields = load_spec(spec, cls._provider.message_type, envelope=cls._envelope)
        return cls(resource_name, connection=connection, opts=opts, **fields)


def declared_inputs(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A resource constructor's keyword arguments (its `locals()`) that are resource inputs."""
    return {k: v for k, v in arguments.items() if k not in ("self", "resource_name", "connection", "opts", "__class__")}


def _secret_connection(connection: Optional[Connection]) -> Optional[dict]:
    if connection is None:
        return None
    values = connection.to_input() if isinstance(connection, Connection) else dict(connection)
    if values.get("api_secret") is not None:
        values["api_secret"] = pulumi.Output.secret(values["api_secret"])
    return values
