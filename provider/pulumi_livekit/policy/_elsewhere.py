"""The trunks a stack's dispatch rules name that the stack does not hold, read from LiveKit, so that a rule is judged
against the trunk it will really use: one a lookup found (`get_inbound_trunk(...)`, `fn::invoke`), one the stack
reads with `get`, or any trunk managed elsewhere. The engine hands a policy none of them: only the resources the
stack manages. One List request, by their IDs, for each LiveKit project whose rules name such trunks; none for a
stack that holds every trunk its rules name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional

from .._core.connection import SETTINGS, resolve_connection
from .._core.state import client_for, register_secrets
from .._exceptions import LiveKitError
from .._model.kinds import INBOUND_TRUNK
from ._subjects import Project, trunks_named_elsewhere, with_trunks_read


def with_trunks_elsewhere(project: Project, connection: Optional[Mapping[str, Any]],
                          stack_config: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Project:
    """`project` with the trunks its rules name elsewhere, read in the LiveKit project `connection` (else stack
    config, else `LIVEKIT_*`) reaches; as it is when they cannot be read (then what depends on them is not
    checked, as for any trunk managed elsewhere)."""
    missing = trunks_named_elsewhere(project.subjects)
    if not missing:
        return project
    try:
        endpoint = resolve_connection(connection, stack_config.get, environ)
        register_secrets([endpoint.api_secret])
        trunks = client_for(endpoint).list(INBOUND_TRUNK, ids=missing)
    except LiveKitError:
        return project
    return with_trunks_read(project, [trunk for trunk in trunks if trunk.sip_trunk_id in missing])


def explicit_connection(props: Mapping[str, Any], provider_props: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    """The connection settings a resource names itself: a dynamic resource's `connection`, or its explicit
    provider's `url`, `apiKey`, `apiSecret` (plugin resources); None for the stack's own."""
    connection = props.get("connection")
    if isinstance(connection, Mapping):
        return {name: connection[name] for name, _, _ in SETTINGS if isinstance(connection.get(name), str)}
    given = {name: provider_props.get(config_key.split(":", 1)[1]) for name, config_key, _ in SETTINGS}
    return {name: value for name, value in given.items() if isinstance(value, str)} or None
