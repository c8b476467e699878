"""HS256 access tokens: the API's (the `sip.admin` grant unless told otherwise), cached until shortly
before expiry, and one-off tokens such as a participant's."""

from __future__ import annotations

import threading
import time
import warnings
from typing import Any, Mapping, Optional

import jwt

TOKEN_TTL_SECONDS = 600
# Renew this long before `exp` so a token never expires between signing and the server's check.
RENEW_MARGIN_SECONDS = 60
# LiveKit checks `nbf` strictly; backdating it absorbs small clock differences with the server.
NOT_BEFORE_LEEWAY_SECONDS = 30

SIP_ADMIN = {"sip": {"admin": True}}


def access_token(api_key: str, api_secret: str, claims: Mapping[str, Any], ttl: int = TOKEN_TTL_SECONDS) -> str:
    """A token signed with the API secret carrying `claims` (grants, identity, ...), valid for `ttl` seconds."""
    now = int(time.time())
    claims = {"iss": api_key, "nbf": now - NOT_BEFORE_LEEWAY_SECONDS, "exp": now + ttl, **claims}
    with warnings.catch_warnings():
        # Short secrets are the server's policy to enforce, not a reason to print on every call.
        warnings.simplefilter("ignore")
        return jwt.encode(claims, api_secret, algorithm="HS256")


class TokenSource:
    def __init__(self, api_key: str, api_secret: str, ttl: int = TOKEN_TTL_SECONDS,
                 grants: Optional[Mapping[str, Any]] = None) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._ttl = ttl
        self._grants = SIP_ADMIN if grants is None else grants
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"TokenSource(api_key={self._api_key!r})"

    def token(self) -> str:
        now = time.time()
        with self._lock:
            if now >= self._expires_at - RENEW_MARGIN_SECONDS:
                self._token = access_token(self._api_key, self._api_secret, self._grants, self._ttl)
                self._expires_at = now + self._ttl
            return self._token
