"""Phone numbers as LiveKit compares them."""

from __future__ import annotations

import re

# Only ASCII digits, spaces, dashes and parentheses, with an optional leading "+", count as a number.
_NUMBER = re.compile(r"\+?[0-9\- ()]+")
_FORMATTING = str.maketrans("", "", " -()")


def normalize_number(number: str) -> str:
    """The number without formatting and with a leading "+"; anything else (a SIP user name) unchanged."""
    if not number or not _NUMBER.fullmatch(number):
        return number
    digits = number.translate(_FORMATTING)
    return digits if digits.startswith("+") else "+" + digits


def same_number(a: str, b: str) -> bool:
    """How a trunk compares numbers: equal as written, or equal once normalized."""
    return a == b or normalize_number(a) == normalize_number(b)


def formatted(number: str) -> bool:
    """Whether a phone number is written with spaces, dashes or parentheses, which no call carries."""
    return bool(_NUMBER.fullmatch(number)) and number != number.translate(_FORMATTING)
