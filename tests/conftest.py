"""What every tier's tests need. The test bed's fixtures (servers) live in tests/support.py and are
turned on by the conftests of tests/server and tests/engine only."""

from __future__ import annotations

from typing import Iterator

import pytest

from pulumi_livekit._core import state as _state


@pytest.fixture(autouse=True)
def _secrets_registered_by_a_test_stay_with_it() -> Iterator[None]:
    """Providers called in the test process register the secrets they see, to scrub them from messages;
    one test's (an API secret "s") must not scrub the next test's messages on the same worker. The whole
    process state starts over: listings and declared rules are a test's own too."""
    yield
    _state.reset()
