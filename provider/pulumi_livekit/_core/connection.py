"""The connection settings, and which LiveKit project they reach.

Each setting comes from an explicit `Connection(...)` on the resource (or a provider's own configuration, or a
command line's flags), then stack config (`livekit:url`, `livekit:apiKey`, `livekit:apiSecret`), then the
environment variables the `lk` CLI and the SDKs use. Every entrance checks a setting with `setting_problem`.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._api.endpoint import Endpoint, url_problem
from .._exceptions import ConfigurationError

# (connection field, stack config key, environment variable)
SETTINGS = (
    ("url", "livekit:url", "LIVEKIT_URL"),
    ("api_key", "livekit:apiKey", "LIVEKIT_API_KEY"),
    ("api_secret", "livekit:apiSecret", "LIVEKIT_API_SECRET"),
)
FIELDS = tuple(name for name, _, _ in SETTINGS)
SETTING_VARIABLES = tuple(env_var for _, _, env_var in SETTINGS)
# The settings that say which project an endpoint reaches (`project_of`); the secret only proves who asks.
PROJECT_SETTINGS = ("url", "api_key")


def setting_problem(name: str, value: Any) -> Optional[str]:
    """What is wrong with a setting's value, or None."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    if name == "url":
        return url_problem(value)
    return None if value.strip() else "is empty"


def resolve_connection(
    explicit: Optional[Mapping[str, Any]],
    stack_config: Callable[[str], Any],
    environ: Mapping[str, str] = os.environ,
    *,
    explicit_source: Callable[[str], str] = "connection.{}".format,
) -> Endpoint:
    """Build an Endpoint, naming the setting that is missing or malformed.

    `explicit_source` names where an explicit value came from in messages (a command line names its flags).
    """
    explicit = explicit or {}
    values: dict[str, str] = {}
    for name, config_key, env_var in SETTINGS:
        value = explicit.get(name)
        source = explicit_source(name)
        if value is None:
            value, source = stack_config(config_key), config_key
        if value is None:
            value, source = environ.get(env_var), env_var
        if value is None:
            raise ConfigurationError(
                f"LiveKit {name} is not set: pass connection=Connection({name}=...), run `pulumi config set "
                f"{config_key}{' --secret' if name == 'api_secret' else ''} ...`, or export {env_var}",
                field=name,
            )
        problem = setting_problem(name, value)
        if problem:
            raise ConfigurationError(f"{source} {problem}", field=name)
        values[name] = value.strip()
    return Endpoint(**values)


def environment_sources(explicit: Optional[Mapping[str, Any]], stack_config: Callable[[str], Any],
                        environ: Mapping[str, str] = os.environ) -> list[str]:
    """The environment variables `resolve_connection` takes the project (URL, API key) from: those neither an explicit
    value nor stack config overrides."""
    explicit = explicit or {}
    return [env_var for name, config_key, env_var in SETTINGS if name in PROJECT_SETTINGS
            and explicit.get(name) is None and stack_config(config_key) is None and environ.get(env_var) is not None]


def connection_problems(connection: Any, is_unknown: Callable[[Any], bool]) -> tuple[Optional[dict[str, str]],
                                                                                    list[tuple[str, str]]]:
    """A resource's `connection` input, shape checks only (unset fields fall back to stack config and environment
    when it is used): the fields given as strings, and (path, problem) for each that is wrong. `is_unknown` tells a
    value not known until an apply, which is left for later."""
    if connection is None:
        return None, []
    if not isinstance(connection, Mapping):
        return None, [("connection", "expected Connection(url=..., api_key=..., api_secret=...)")]
    checked, problems = {}, []
    for key, value in connection.items():
        path = f"connection.{key}"
        if key not in FIELDS:
            problems.append((path, f"unknown field; expected one of: {', '.join(sorted(FIELDS))}"))
            continue
        if value is None or is_unknown(value):
            continue
        problem = setting_problem(key, value)
        if problem:
            problems.append((path, problem))
        if isinstance(value, str):
            checked[key] = value
    return checked or None, problems


def project_of(endpoint: Endpoint) -> tuple[str, str]:
    """The LiveKit project an endpoint reaches: URL and API key (a new secret for the same key is the same project)."""
    return endpoint.twirp_base, endpoint.api_key


# An output no program declares: which LiveKit project the object is in (`project_mark`), so that a change of the
# stack's connection (stack config or environment, which no resource's inputs hold) is seen before anything is sent
# to the other project with the object's ID. Not an input: what reads return as inputs leaves it out. Its leading
# "__" keeps it out of the engine's diffs, as `__provider` is; states written before that keep it under its earlier
# name, read until their next write.
PROJECT_KEY = "__project"
PROJECT_KEYS = (PROJECT_KEY, "_project")


@functools.lru_cache(maxsize=64)
def project_mark(endpoint: Endpoint) -> str:
    """`project_of` an endpoint as a short digest: what state records, 16 characters per resource, that names no URL
    or key."""
    return hashlib.sha256("\n".join(project_of(endpoint)).encode()).hexdigest()[:16]
