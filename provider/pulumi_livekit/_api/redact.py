"""Scrubbing secret values (API secrets, PINs, trunk passwords) and access tokens out of text before it is shown.

The transport scrubs what it knows (its own API secret, the tokens it signs) out of every error it makes; whoever
holds more secrets (a provider process registers every one it handles) hands the transport a scrubber that knows
them too.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from .._model.secrets import SECRET_MARK as REDACTED

Scrubber = Callable[[str], str]

# LiveKit quotes the rejected access token in its auth errors.
_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
# A secret shorter than this (a PIN, a short password) is scrubbed where it stands alone, not inside a longer run of
# letters and digits: replaced everywhere, a PIN "1" or a password "u" would make every message unreadable
# ("is req[secret]ired"), and a phone number that happens to contain a PIN would lose its digits.
_SHORT = 8


def scrubbed(text: str, secrets: Iterable[str]) -> str:
    """`text` with each of `secrets` (longest first: a secret that contains another is scrubbed whole) and every
    access token replaced."""
    for secret in secrets:
        if len(secret) >= _SHORT:
            text = text.replace(secret, REDACTED)
        else:
            text = re.sub(rf"(?<![^\W_]){re.escape(secret)}(?![^\W_])", REDACTED, text)
    return _JWT.sub("[token]", text)
