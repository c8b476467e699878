"""Shared fixtures: one real livekit-server + Redis per test session, the real Pulumi CLI per test.

Isolation: LiveKit refuses two dispatch rules with the same trunk, number and PIN, so
every test that creates rules starts from an empty SIP store (`livekit` flushes Redis
before the test). What a test leaves on the server is flushed before the next, so no
`pulumi destroy` is run after a test whose scenario does not end in one (it would cost an
engine run and prove nothing).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Iterator

import pytest
from livekit import api as lkapi

from pulumi_livekit import _state
from pulumi_livekit.testing import Credentials, LocalLiveKit, PulumiStack, RoutingOracle

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
PROGRAMS = Path(__file__).resolve().parent / "programs"


@pytest.fixture(autouse=True)
def _secrets_registered_by_a_test_stay_with_it() -> Iterator[None]:
    """Providers called in the test process register the secrets they see, to scrub them from messages;
    one test's (an API secret "s") must not scrub the next test's messages on the same worker. The whole
    process state starts over: listings and declared rules are a test's own too."""
    yield
    _state.reset()


@pytest.fixture(scope="session")
def livekit_server(tmp_path_factory) -> Iterator[LocalLiveKit]:
    with LocalLiveKit(tmp_path_factory.mktemp("livekit")) as server:
        yield server


@pytest.fixture(scope="session")
def other_project_server(tmp_path_factory) -> Iterator[LocalLiveKit]:
    """A second LiveKit project (its own server and Redis), for resources that move between projects."""
    with LocalLiveKit(tmp_path_factory.mktemp("livekit-other")) as server:
        yield server


@pytest.fixture
def other_project(other_project_server: LocalLiveKit) -> LocalLiveKit:
    other_project_server.flush()
    return other_project_server


@pytest.fixture
def livekit(livekit_server: LocalLiveKit) -> LocalLiveKit:
    """The session's server with an empty SIP store."""
    livekit_server.flush()
    return livekit_server


class Oracle:
    """The official `livekit-api` SDK: an independent reader (and out-of-band writer) of server state."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def call(self, method: str, *args, **kwargs):
        async def run():
            async with lkapi.LiveKitAPI(self.credentials.url, self.credentials.api_key,
                                        self.credentials.api_secret) as client:
                return await getattr(client.sip, method)(*args, **kwargs)
        return asyncio.run(run())

    def rules(self) -> list:
        return list(self.call("list_dispatch_rule", lkapi.ListSIPDispatchRuleRequest()).items)

    def rule(self, rule_id: str):
        found = [r for r in self.rules() if r.sip_dispatch_rule_id == rule_id]
        return found[0] if found else None

    def inbound_trunks(self) -> list:
        return list(self.call("list_inbound_trunk", lkapi.ListSIPInboundTrunkRequest()).items)

    def outbound_trunks(self) -> list:
        return list(self.call("list_outbound_trunk", lkapi.ListSIPOutboundTrunkRequest()).items)


@pytest.fixture
def routing_oracle(livekit: LocalLiveKit) -> RoutingOracle:
    """Asks the test server how it routes described inbound calls (EvaluateSIPDispatchRules)."""
    return RoutingOracle(f"127.0.0.1:{livekit.redis_port}")


@pytest.fixture
def oracle(livekit: LocalLiveKit) -> Oracle:
    return Oracle(livekit.credentials)


@pytest.fixture
def pulumi_stack(tmp_path, livekit: LocalLiveKit):
    """Factory: a fresh stack of a program directory, configured for the test server.

    The credentials go into stack config (the secret one encrypted) in the same single
    `pulumi config set-all` as whatever config the test sets before its first command."""
    made = itertools.count()

    def make(program_dir: Path, stack: str = "test", *, config: bool = True, env=None) -> PulumiStack:
        pulumi = PulumiStack(program_dir, stack, workdir=tmp_path / f"{stack}-{next(made)}", env=env,
                             defer_config=True)
        if config:
            configure_for(pulumi, livekit.credentials)
        return pulumi

    return make


def configure_for(stack: PulumiStack, credentials: Credentials) -> None:
    stack.set_config("livekit:url", credentials.url)
    stack.set_config("livekit:apiKey", credentials.api_key)
    stack.set_config("livekit:apiSecret", credentials.api_secret, secret=True)
