"""Scrub secret values (PINs, trunk passwords, API secrets) out of text before it is shown.

Providers register every secret they handle; anything that becomes an error message or
a log line passes through `redact` first, whatever its origin (our own text or the
server's).
"""

from __future__ import annotations

import re
from typing import Iterable

from .._core.state import current
from .._model.stored import SECRET_MARK as REDACTED

# LiveKit quotes the rejected access token in its auth errors.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def register_secrets(values: Iterable[object]) -> None:
    current().secrets.add(values)


def redact(text: str) -> str:
    for secret in current().secrets.longest_first():
        text = text.replace(secret, REDACTED)
    return _JWT.sub("[token]", text)
