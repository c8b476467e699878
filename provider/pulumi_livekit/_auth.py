"""HS256 access tokens carrying the `sip.admin` grant, cached until shortly before expiry."""

from __future__ import annotations

import threading
import time
import warnings

import jwt

TOKEN_TTL_SECONDS = 600
# Renew this long before `exp` so a token never expires between signing and the server's check.
RENEW_MARGIN_SECONDS = 60
# LiveKit checks `nbf` strictly; backdating it absorbs small clock differences with the server.
NOT_BEFORE_LEEWAY_SECONDS = 30


class TokenSource:
    def __init__(self, api_key: str, api_secret: str, ttl: int = TOKEN_TTL_SECONDS) -> None:
        self._api_key = api_key
        self._api_secret = api_secret
        self._ttl = ttl
        self._lock = threading.Lock()
        self._token = ""
        self._expires_at = 0.0

    def __repr__(self) -> str:
        return f"TokenSource(api_key={self._api_key!r})"

    def token(self) -> str:
        now = time.time()
        with self._lock:
            if now >= self._expires_at - RENEW_MARGIN_SECONDS:
                claims = {
                    "iss": self._api_key,
                    "nbf": int(now) - NOT_BEFORE_LEEWAY_SECONDS,
                    "exp": int(now) + self._ttl,
                    "sip": {"admin": True},
                }
                with warnings.catch_warnings():
                    # Short secrets are the server's policy to enforce, not a reason to print on every call.
                    warnings.simplefilter("ignore")
                    self._token = jwt.encode(claims, self._api_secret, algorithm="HS256")
                self._expires_at = now + self._ttl
            return self._token
