"""Scrub secret values (PINs, trunk passwords, API secrets) out of text before it is shown.

Providers register every secret they handle; anything that becomes an error message or
a log line passes through `redact` first, whatever its origin (our own text or the
server's).
"""

from __future__ import annotations

import re
from typing import Iterable

from ._state import current
from ._stored import SECRET_MARK as REDACTED

# LiveKit quotes the rejected access token in its auth errors.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")


def register_secrets(values: Iterable[object]) -> None:
    current().secrets.add(values)


# A secret shorter than this (a PIN, a short password) is scrubbed where it stands alone, not inside a longer run of
# letters and digits: replaced everywhere, a PIN "1" or a password "u" would make every message unreadable
# ("is req[secret]ired"), and a phone number that happens to contain a PIN would lose its digits.
_SHORT = 8


def redact(text: str) -> str:
    for secret in current().secrets.longest_first():
        if len(secret) >= _SHORT:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", REDACTED, text)
    return _JWT.sub("[token]", text)
