"""Markdown for a pull-request comment: what `livekit-routes diff --markdown` and `livekit-policy check
--markdown` write, for a CI step to post."""

from __future__ import annotations


def cell(text: str) -> str:
    """Text that stays inside one cell of a Markdown table (or one list item): pipes escaped, one line."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
