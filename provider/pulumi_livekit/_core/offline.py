"""`PULUMI_LIVEKIT_OFFLINE_PREVIEW`: checks that ask LiveKit nothing.

By default the first check of each LiveKit connection in a process lists the project's dispatch rules, so that
`pulumi preview` fails on a refused key or secret, or a server out of reach, with the message the deployment would
give; rules being created or moved are then checked against that listing for conflicts. A preview that must run
without LiveKit (a review job with no route to it) sets this variable: its checks send nothing, and the deployment
meets all of that at its first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .._exceptions import ConfigurationError

OFFLINE_PREVIEW_ENV = "PULUMI_LIVEKIT_OFFLINE_PREVIEW"
_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"", "0", "false", "no", "off"})


def checks_offline(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether checks must send LiveKit nothing; a value that says neither is refused, naming the variable."""
    raw = environ.get(OFFLINE_PREVIEW_ENV, "").strip()
    if raw.lower() in _ON:
        return True
    if raw.lower() in _OFF:
        return False
    raise ConfigurationError(f"{OFFLINE_PREVIEW_ENV} must be true or false, got {raw!r}", field="offline preview")
