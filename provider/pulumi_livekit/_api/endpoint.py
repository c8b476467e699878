"""Connection settings: where LiveKit is and how to authenticate.

Resolution order for each setting: an explicit `Connection(...)` on the resource,
then stack config (`livekit:url`, `livekit:apiKey`, `livekit:apiSecret`), then the
environment variables the `lk` CLI and the SDKs use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlsplit, urlunsplit

from .._exceptions import ConfigurationError

_SCHEMES = {"https": "https", "wss": "https", "http": "http", "ws": "http"}

# (connection field, stack config key, environment variable)
SETTINGS = (
    ("url", "livekit:url", "LIVEKIT_URL"),
    ("api_key", "livekit:apiKey", "LIVEKIT_API_KEY"),
    ("api_secret", "livekit:apiSecret", "LIVEKIT_API_SECRET"),
)


@dataclass(frozen=True)
class Endpoint:
    """A resolved, validated LiveKit project endpoint. The secret is kept out of repr()."""

    url: str
    api_key: str
    api_secret: str = field(repr=False)

    @property
    def twirp_base(self) -> str:
        """`https://host[:port][/prefix]` for the Twirp routes, derived from a ws/wss/http/https URL."""
        parts = urlsplit(self.url.strip())
        return urlunsplit((_SCHEMES[parts.scheme.lower()], parts.netloc, parts.path.rstrip("/"), "", ""))


def url_problem(url: Any) -> Optional[str]:
    """What is wrong with a LiveKit URL, or None."""
    if not isinstance(url, str) or not url.strip():
        return "is empty: set it to your LiveKit URL, e.g. wss://my-project.livekit.cloud"
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in _SCHEMES:
        return f"has scheme {parts.scheme or '(none)'!r}: use wss://, ws://, https:// or http:// (got {url!r})"
    if not parts.hostname:
        return f"has no host (got {url!r})"
    if parts.query or parts.fragment:
        return f"must not carry a query or fragment (got {url!r})"
    return None


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
        if not isinstance(value, str):
            raise ConfigurationError(f"{source} must be a string, got {type(value).__name__}", field=name)
        problem = url_problem(value) if name == "url" else (None if value.strip() else "is empty")
        if problem:
            raise ConfigurationError(f"{source} {problem}", field=name)
        values[name] = value.strip()
    return Endpoint(**values)
