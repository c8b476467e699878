"""Where a LiveKit project is and how to authenticate to it: a resolved, checked endpoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

_SCHEMES = {"https": "https", "wss": "https", "http": "http", "ws": "http"}


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
