"""Faults where they hurt, through the real Pulumi engine against a real livekit-server + Redis: the
server process killed in the middle of an update and restarted, Redis restarted empty under a running
server, a URL nobody listens on, and, through `FaultProxy` where the moment matters, 5xx/429 bursts,
answers lost after the server applied the request and answers slower than the client's timeout. The
official `livekit-api` SDK (`oracle`) is the independent reader of server state.

Every scenario ends by checking the two invariants that matter for infrastructure as code: no
duplicate on the server (each declared object exists exactly once), and nothing lost (what the server
has is what the state says, and what existed before a fault still exists after it).
"""

from __future__ import annotations

import threading
import time

import pytest

from pulumi_livekit._api.client import TIMEOUT_ENV, RetryPolicy
from pulumi_livekit.testing import Fault, FaultProxy, LocalLiveKit, PulumiStack, free_port

from support import PROGRAMS, duplicates, make_stack, state_ids, write_config

MANY_RULES = PROGRAMS / "many_rules"
DECLARED = PROGRAMS / "declared"

# What the provider's client does by default (the engine runs it, so these are not tunable here).
RETRY = RetryPolicy()
# Short enough to make "slower than the timeout" cheap to provoke, long enough for a loaded machine.
SHORT_TIMEOUT = 2.0
# What an engine run costs around the provider's calls: the CLI, the language host, the program and the
# provider plugin starting. 2-5 s here with other engine runs sharing the two cores; three times the slowest
# leaves room for a loaded moment and is still well under the 60 s deadline a call that hangs instead of
# failing would wait, so such a call fails the bound.
ENGINE_RUN_SECONDS = 15.0


def budget(calls: int, *, per_attempt: float) -> float:
    """The longest an engine run may take when `calls` client calls in a row fail every attempt, each
    attempt after `per_attempt` seconds: the engine's own cost, every attempt, and the longest backoff."""
    backoff = sum(min(RETRY.max_delay, RETRY.base_delay * 2 ** a) for a in range(1, RETRY.attempts))
    return ENGINE_RUN_SECONDS + calls * (RETRY.attempts * per_attempt + backoff)


def assert_rules_match_state(stack: PulumiStack, oracle, expected_trunks: list[str], figures) -> dict[str, str]:
    """The server holds exactly one rule per declared trunk, and exactly the rules in state."""
    rules = oracle.rules()
    trunks = [tuple(r.trunk_ids) for r in rules]
    figures["duplicates found"] += duplicates(trunks)
    assert sorted(trunks) == sorted((t,) for t in expected_trunks), trunks
    in_state = state_ids(stack, "DispatchRule")
    assert sorted(in_state.values()) == sorted(r.sip_dispatch_rule_id for r in rules)
    return in_state


@pytest.fixture
def restartable(livekit: LocalLiveKit):
    """The session's server, restarted after the test whatever the test did to it."""
    yield livekit
    if livekit.redis is None or not livekit.redis.alive():
        livekit.stop_redis()
        livekit.start_redis()
    if livekit.server is None or not livekit.server.alive():
        livekit.stop_server()
        livekit.start_server()
    livekit.flush()


def test_unreachable_livekit_fails_the_up_naming_the_url_and_changes_nothing(livekit, oracle, tmp_path, figures):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=closed, config={"count": 2})

    started = time.monotonic()
    up = stack.up(check=False)
    elapsed = time.monotonic() - started

    assert up.returncode != 0
    errors = up.messages()
    # A check verifies the connection first (one listing of the server's rules): that is the request that fails. A
    # failed check ends the program's registrations, so the other rule may not be reached.
    failed = set(errors) - {"", "many_rules-test"}
    assert failed and failed <= {"rule-0", "rule-1"}, errors
    for name in failed:
        assert f"ListSIPDispatchRule: connection to LiveKit at {closed} failed" in errors[name], errors
        assert "livekit:url" in errors[name] and "LIVEKIT_URL" in errors[name]
    # Connection refused is retried (the request never left), but within the backoff budget.
    assert elapsed < budget(2, per_attempt=0.0), elapsed
    assert stack.resources("DispatchRule") == []
    assert oracle.rules() == []
    figures["faults survived: unreachable server"] += 1


@pytest.mark.slow
def test_server_killed_mid_update_then_restarted_converges_without_duplicates_or_loss(
        restartable, oracle, proxy, tmp_path, figures):
    livekit, count = restartable, 20
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=proxy.url, config={"count": count})
    # Slow the first creates down a little, so the kill lands while some are stored and others in flight.
    proxy.inject("CreateSIPDispatchRule", Fault.delay(0.8), times=12)
    killed_at: list[int] = []

    def kill_when_some_landed() -> None:
        killed_at.append(proxy.wait_for("CreateSIPDispatchRule", 6, timeout=300))
        livekit.stop_server()  # Redis, and the rules in it, stay

    killer = threading.Thread(target=kill_when_some_landed)
    killer.start()
    first = stack.up(check=False)
    killer.join(timeout=300)
    assert not killer.is_alive() and killed_at
    assert first.returncode != 0
    assert any("CreateSIPDispatchRule: LiveKit answered unavailable (HTTP 502)" in message
               for message in first.messages().values()), first.messages()

    livekit.start_server()
    landed = {r.sip_dispatch_rule_id: tuple(r.trunk_ids) for r in oracle.rules()}
    recorded = state_ids(stack, "DispatchRule")
    assert 1 <= len(landed) < count, (killed_at, landed)
    # Every rule the server stored before it died is in state, and nothing in state is missing.
    assert sorted(recorded.values()) == sorted(landed)
    figures["duplicates found"] += duplicates(landed.values())
    assert duplicates(landed.values()) == 0

    proxy.clear()
    second = stack.up()
    assert second.changes.get("create") == count - len(landed), second.changes
    final = assert_rules_match_state(stack, oracle, trunks, figures)
    lost = set(landed) - set(final.values())
    figures["objects lost"] += len(lost)
    assert not lost, "rules created before the crash were replaced"
    assert second.outputs["rule_ids"] == final
    stack.refresh()
    stack.preview("--expect-no-changes")
    figures["faults survived: server killed mid-update and restarted"] += 1


@pytest.mark.slow
def test_answers_slower_than_the_timeout_end_with_exactly_one_object_each(livekit, oracle, proxy, tmp_path, figures):
    stack = make_stack(tmp_path, DECLARED, livekit, url=proxy.url, env={TIMEOUT_ENV: str(SHORT_TIMEOUT)}, config={
        "resources": [
            {"type": "DispatchRule", "name": "slow-rule",
             "args": {"rule": {"dispatchRuleDirect": {"roomName": "slow"}}, "trunk_ids": ["ST_slow"]}},
            # LiveKit stores identical outbound trunks side by side: only the client can avoid a twin.
            {"type": "OutboundTrunk", "name": "slow-trunk",
             "args": {"address": "sip.slow.example.com", "numbers": ["+15550180"]}},
        ]})
    # The rule's create lands after the client gave up on it, and after the client's own look for it:
    # the client sends it again, and LiveKit refuses whichever of the two comes second.
    rule_delay, trunk_delay = 2.5 * SHORT_TIMEOUT, 1.5 * SHORT_TIMEOUT
    proxy.inject("CreateSIPDispatchRule", Fault.delay(rule_delay))
    # The trunk's lands while the client is still looking for it: adopted, never sent again.
    proxy.inject("CreateSIPOutboundTrunk", Fault.delay(trunk_delay))

    stack.up()
    # Every delayed request has landed: the last was sent before `up` ended, so within its delay from now
    # (and a second for the proxy to forward it on a loaded machine).
    proxy.wait_idle(timeout=rule_delay + 1.0)
    rules, trunks = oracle.rules(), oracle.outbound_trunks()
    figures["duplicates found"] += max(0, len(rules) - 1) + max(0, len(trunks) - 1)
    [rule], [trunk] = rules, trunks
    assert state_ids(stack, "DispatchRule") == {"slow-rule": rule.sip_dispatch_rule_id}
    assert state_ids(stack, "OutboundTrunk") == {"slow-trunk": trunk.sip_trunk_id}
    assert proxy.count("CreateSIPOutboundTrunk") == 1
    assert proxy.count("CreateSIPDispatchRule") in (1, 2)
    figures["faults survived: create answered after the timeout"] += 2

    # Every answer slower than the timeout: the refresh fails within its budget, naming the URL and
    # the timeout, and the state it could not refresh is kept as it was.
    proxy.clear()
    proxy.inject(None, Fault.delay(2 * SHORT_TIMEOUT), times=100)
    started = time.monotonic()
    refresh = stack.refresh(check=False)
    elapsed = time.monotonic() - started
    assert refresh.returncode != 0
    errors = refresh.messages()
    assert set(errors) - {"", "declared-test"} == {"slow-rule", "slow-trunk"}, errors  # the run and stack sum up
    for name in ("slow-rule", "slow-trunk"):
        assert f"connection to LiveKit at {proxy.url} timed out" in errors[name], errors
    # Two reads, one per resource, in parallel; each gives up after its attempts.
    assert elapsed < budget(1, per_attempt=SHORT_TIMEOUT), elapsed
    assert proxy.count() <= 2 * RETRY.attempts
    assert state_ids(stack, "DispatchRule") == {"slow-rule": rule.sip_dispatch_rule_id}
    assert state_ids(stack, "OutboundTrunk") == {"slow-trunk": trunk.sip_trunk_id}
    figures["faults survived: every answer slower than the timeout"] += 1

    proxy.clear()
    stack.destroy()
    assert oracle.rules() == [] and oracle.outbound_trunks() == []


BURST = (503, 429, 502, 429)  # fewer than the client's attempts, even if one call draws them all


def inject_burst(proxy: FaultProxy, method: str) -> None:
    proxy.clear()
    for status in BURST:
        proxy.inject(method, Fault.status_code(status))


def test_bursts_of_5xx_and_429_are_retried_to_exactly_one_rule_each(livekit, oracle, proxy, tmp_path, figures):
    count = 4
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=proxy.url, config={"count": count})

    inject_burst(proxy, "CreateSIPDispatchRule")
    stack.up()
    assert proxy.count("CreateSIPDispatchRule") == count + len(BURST)
    created = assert_rules_match_state(stack, oracle, trunks, figures)

    write_config(stack, {"generation": 2})
    inject_burst(proxy, "UpdateSIPDispatchRule")
    update = stack.up()
    assert update.changes == {"update": count}
    assert proxy.count("UpdateSIPDispatchRule") == count + len(BURST)
    assert assert_rules_match_state(stack, oracle, trunks, figures) == created
    assert sorted(r.name for r in oracle.rules()) == sorted(f"reliability {i} g2" for i in range(count))

    inject_burst(proxy, "ListSIPDispatchRule")
    stack.refresh()
    assert proxy.count("ListSIPDispatchRule") == 1 + len(BURST)  # one listing for every rule, retried
    assert assert_rules_match_state(stack, oracle, trunks, figures) == created
    stack.preview("--expect-no-changes")

    inject_burst(proxy, "DeleteSIPDispatchRule")
    stack.destroy()
    assert proxy.count("DeleteSIPDispatchRule") == count + len(BURST)
    assert oracle.rules() == [] and stack.resources("DispatchRule") == []
    figures["faults survived: 5xx/429 answer"] += 4 * len(BURST)


def test_answers_lost_after_the_server_applied_them_leave_one_rule_each_in_state(
        livekit, oracle, proxy, tmp_path, figures):
    count = 3
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=proxy.url, config={"count": count})

    proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward(), times=2)
    up = stack.up()
    # The two creates whose answer was lost were found on the server and adopted, never sent again.
    assert proxy.count("CreateSIPDispatchRule") == count
    created = assert_rules_match_state(stack, oracle, trunks, figures)
    assert up.outputs["rule_ids"] == created
    stack.preview("--expect-no-changes")

    proxy.clear()
    write_config(stack, {"generation": 2})
    proxy.inject("UpdateSIPDispatchRule", Fault.drop_after_forward())
    stack.up()
    assert proxy.count("UpdateSIPDispatchRule") == count + 1  # a rename: a field-wise update, safe to repeat
    assert assert_rules_match_state(stack, oracle, trunks, figures) == created
    assert {r.name for r in oracle.rules()} == {f"reliability {i} g2" for i in range(count)}
    stack.preview("--expect-no-changes")

    proxy.clear()
    proxy.inject("DeleteSIPDispatchRule", Fault.drop_after_forward())
    stack.destroy()  # the repeat finds the rule gone: the desired end state
    assert proxy.count("DeleteSIPDispatchRule") == count + 1
    assert oracle.rules() == [] and stack.resources("DispatchRule") == []
    figures["faults survived: answer lost after the server applied it"] += 4


@pytest.mark.slow
def test_redis_restarted_under_the_server(restartable, oracle, tmp_path, figures):
    livekit, count = restartable, 3
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, config={"count": count})
    stack.up()
    before = assert_rules_match_state(stack, oracle, trunks, figures)

    # Redis down, the server up: LiveKit answers 500 with its Redis error; nothing is dropped from state.
    livekit.stop_redis()
    refresh = stack.refresh(check=False)
    assert refresh.returncode != 0
    errors = refresh.messages()
    assert set(errors) - {"", "many_rules-test"} == {f"rule-{i}" for i in range(count)}, errors
    for message in (errors[f"rule-{i}"] for i in range(count)):
        assert "ListSIPDispatchRule: LiveKit answered" in message and "connection refused" in message, message
    assert state_ids(stack, "DispatchRule") == before

    # Redis back, empty (the test Redis has no persistence). The running server reconnects by itself;
    # `up --refresh` sees the rules gone and creates them again, once each.
    livekit.start_redis()
    up = stack.up("--refresh")
    assert up.changes == {"create": count}
    after = assert_rules_match_state(stack, oracle, trunks, figures)
    assert set(after) == set(before) and not set(after.values()) & set(before.values())
    stack.preview("--expect-no-changes")
    figures["faults survived: Redis down under a running server"] += 1
    figures["faults survived: Redis restarted empty"] += 1
