"""The unit tier has no LiveKit: checks run as in an offline preview, asking the server nothing (a test of what a
check asks the server sets its own transport and lifts this)."""

import pytest

from pulumi_livekit._core.offline import OFFLINE_PREVIEW_ENV


@pytest.fixture(autouse=True)
def _checks_offline(monkeypatch) -> None:
    monkeypatch.setenv(OFFLINE_PREVIEW_ENV, "true")
