"""Scrub secret values (PINs, trunk passwords, API secrets) out of text before it is shown.

Providers register every secret they handle; anything that becomes an error message or
a log line passes through `redact` first, whatever its origin (our own text or the
server's).
"""

from __future__ import annotations

import re
import threading
from typing import Iterable

from ._stored import SECRET_MARK as REDACTED
# LiveKit quotes the rejected access token in its auth errors.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secrets(values: Iterable[object]) -> None:
    with _lock:
        _secrets.update(v for v in values if isinstance(v, str) and v)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _JWT.sub("[token]", text)
