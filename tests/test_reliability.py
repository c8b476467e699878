"""Reliability and security: the real Pulumi engine and a real livekit-server + Redis, with faults
injected where they hurt, malformed input, conflicts, refused credentials and a secrets audit.

Faults that must land at a precise moment go through `FaultProxy` (503/429 bursts, lost answers,
answers slower than the client's timeout); the others are real: the server process killed in the
middle of an update and restarted, Redis restarted empty under a running server, a URL nobody
listens on. The official `livekit-api` SDK (`oracle`) is the independent reader of server state.

Every scenario ends by checking the two invariants that matter for infrastructure as code:
no duplicate on the server (each declared object exists exactly once), and nothing lost (what
the server has is what the state says, and what existed before a fault still exists after it).
The figures quoted in README "Reliability" are the ones this module prints when it finishes.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import pytest
import yaml
from livekit import api as lkapi

from pulumi_livekit import _auth
from pulumi_livekit._client import DEFAULT_TIMEOUT, TIMEOUT_ENV, RetryPolicy, SIPClient
from pulumi_livekit._config import Endpoint
from pulumi_livekit._exceptions import AuthenticationError
from pulumi_livekit.testing import Fault, FaultProxy, LocalLiveKit, PulumiStack, Result, free_port

from conftest import PROGRAMS
from test_dispatch_rule import BAD_INPUTS as DISPATCH_RULE_BAD_INPUTS

MANY_RULES = PROGRAMS / "many_rules"
DECLARED = PROGRAMS / "declared"
SECRETS = PROGRAMS / "secrets"

# What the provider's client does by default (the engine runs it, so these are not tunable here).
RETRY = RetryPolicy()
# Added to every budget computed from the configured timeouts and backoff: engine and plugin
# start-up on a 2-core machine shared with other test runs. A hung call blows through it.
SLACK_SECONDS = 90.0
# Short enough to make "slower than the timeout" cheap to provoke, long enough for a loaded machine.
SHORT_TIMEOUT = 2.0

# ---- figures for README "Reliability" ----------------------------------------------------------

FIGURES: dict[str, Any] = {
    "faults_survived": collections.Counter(),
    "bad_inputs_tried": 0,
    "secret_checks": 0,
    "duplicates_found": 0,
    "objects_lost": 0,
}


def survived(kind: str, times: int = 1) -> None:
    FIGURES["faults_survived"][kind] += times


@pytest.fixture(scope="module", autouse=True)
def report_figures(request, tmp_path_factory):
    yield
    figures = {**FIGURES, "faults_survived": dict(FIGURES["faults_survived"]),
               "faults_survived_total": sum(FIGURES["faults_survived"].values())}
    path = tmp_path_factory.getbasetemp() / "reliability-figures.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True))
    plugins = request.config.pluginmanager
    reporter, capture = plugins.getplugin("terminalreporter"), plugins.getplugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"\nreliability figures ({path}): {json.dumps(figures, sort_keys=True)}")


# ---- helpers -----------------------------------------------------------------------------------


def make_stack(tmp_path: Path, program: Path, livekit: LocalLiveKit, *, url: Optional[str] = None,
               name: str = "test", env: Optional[dict] = None, config: Optional[dict] = None) -> PulumiStack:
    """A stack of `program` reaching LiveKit at `url` (default: the server itself).

    Credentials come from the environment (LIVEKIT_*), which the provider reads after stack config:
    it spares three `pulumi config set` runs per stack. The secrets audit uses stack config instead.
    """
    creds = livekit.credentials
    stack = PulumiStack(program, name, workdir=tmp_path / f"{program.name}-{name}", env={
        "LIVEKIT_URL": url or creds.url, "LIVEKIT_API_KEY": creds.api_key, "LIVEKIT_API_SECRET": creds.api_secret,
        **(env or {})})
    if config:
        write_config(stack, config)
    return stack


def write_config(stack: PulumiStack, values: dict[str, Any], *, replace: bool = False) -> None:
    """Plain (non-secret) stack config, written straight into Pulumi.<stack>.yaml.

    Keys without a namespace belong to the program's project; a value of None removes the key."""
    project = yaml.safe_load((stack.program_dir / "Pulumi.yaml").read_text())["name"]
    path = stack.program_dir / f"Pulumi.{stack.stack}.yaml"
    settings = yaml.safe_load(path.read_text()) or {}
    config = {} if replace else dict(settings.get("config") or {})
    for key, value in values.items():
        key = key if ":" in key else f"{project}:{key}"
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value if isinstance(value, str) else json.dumps(value)
    settings["config"] = config
    path.write_text(yaml.safe_dump(settings))


def state_ids(stack: PulumiStack, type_suffix: str) -> dict[str, str]:
    """Resource name -> ID of the stack's resources of one type, as `pulumi stack export` has them."""
    return {r["urn"].rsplit("::", 1)[1]: r["id"] for r in stack.resources(type_suffix)}


def duplicates(keys) -> int:
    """How many objects are extra copies (0 when every key occurs once)."""
    return sum(count - 1 for count in collections.Counter(keys).values())


def assert_rules_match_state(stack: PulumiStack, oracle, expected_trunks: list[str]) -> dict[str, str]:
    """The server holds exactly one rule per declared trunk, and exactly the rules in state."""
    rules = oracle.rules()
    trunks = [tuple(r.trunk_ids) for r in rules]
    FIGURES["duplicates_found"] += duplicates(trunks)
    assert sorted(trunks) == sorted((t,) for t in expected_trunks), trunks
    in_state = state_ids(stack, "DispatchRule")
    assert sorted(in_state.values()) == sorted(r.sip_dispatch_rule_id for r in rules)
    return in_state


def budget(calls: int, *, per_attempt: float, retry: RetryPolicy = RETRY) -> float:
    """Worst case for `calls` sequential calls that fail every attempt, plus the slack."""
    backoff = sum(min(retry.max_delay, retry.base_delay * 2 ** a) for a in range(1, retry.attempts))
    return calls * (retry.attempts * per_attempt + backoff) + SLACK_SECONDS


@pytest.fixture
def proxy(livekit: LocalLiveKit):
    with FaultProxy(livekit.credentials.url) as fault_proxy:
        yield fault_proxy


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


# ---- 1. faults ----------------------------------------------------------------------------------


def test_unreachable_livekit_fails_the_up_naming_the_url_and_changes_nothing(livekit, oracle, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=closed, config={"count": 2})

    started = time.monotonic()
    up = stack.up(check=False)
    elapsed = time.monotonic() - started

    assert up.returncode != 0
    errors = up.messages()
    # A rule's check looks for conflicting rules on the server: that is the request that fails. A failed check
    # ends the program's registrations, so the other rule may not be reached.
    failed = set(errors) - {"", "many_rules-test"}
    assert failed and failed <= {"rule-0", "rule-1"}, errors
    for name in failed:
        assert f"could not look for conflicting rules on the server: ListSIPDispatchRule: connection to LiveKit " \
               f"at {closed} failed" in errors[name], errors
        assert "livekit:url" in errors[name] and "LIVEKIT_URL" in errors[name]
    # Connection refused is retried (the request never left), but within the backoff budget.
    assert elapsed < budget(2, per_attempt=0.0), elapsed
    assert stack.resources("DispatchRule") == []
    assert oracle.rules() == []
    survived("unreachable server")


@pytest.mark.slow
def test_server_killed_mid_update_then_restarted_converges_without_duplicates_or_loss(
        restartable, oracle, proxy, tmp_path):
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
    FIGURES["duplicates_found"] += duplicates(landed.values())
    assert duplicates(landed.values()) == 0

    proxy.clear()
    second = stack.up()
    assert second.changes.get("create") == count - len(landed), second.changes
    final = assert_rules_match_state(stack, oracle, trunks)
    lost = set(landed) - set(final.values())
    FIGURES["objects_lost"] += len(lost)
    assert not lost, "rules created before the crash were replaced"
    assert second.outputs["rule_ids"] == final
    stack.refresh()
    stack.preview("--expect-no-changes")
    survived("server killed mid-update and restarted")


@pytest.mark.slow
def test_answers_slower_than_the_timeout_end_with_exactly_one_object_each(livekit, oracle, proxy, tmp_path):
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
    proxy.wait_idle(timeout=rule_delay + SLACK_SECONDS)  # every delayed request has landed
    rules, trunks = oracle.rules(), oracle.outbound_trunks()
    FIGURES["duplicates_found"] += max(0, len(rules) - 1) + max(0, len(trunks) - 1)
    [rule], [trunk] = rules, trunks
    assert state_ids(stack, "DispatchRule") == {"slow-rule": rule.sip_dispatch_rule_id}
    assert state_ids(stack, "OutboundTrunk") == {"slow-trunk": trunk.sip_trunk_id}
    assert proxy.count("CreateSIPOutboundTrunk") == 1
    assert proxy.count("CreateSIPDispatchRule") in (1, 2)
    survived("create answered after the timeout", 2)

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
    survived("every answer slower than the timeout")

    proxy.clear()
    stack.destroy()
    assert oracle.rules() == [] and oracle.outbound_trunks() == []


BURST = (503, 429, 502, 429)  # fewer than the client's attempts, even if one call draws them all


def inject_burst(proxy: FaultProxy, method: str) -> None:
    proxy.clear()
    for status in BURST:
        proxy.inject(method, Fault.status_code(status))


def test_bursts_of_5xx_and_429_are_retried_to_exactly_one_rule_each(livekit, oracle, proxy, tmp_path):
    count = 4
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=proxy.url, config={"count": count})

    inject_burst(proxy, "CreateSIPDispatchRule")
    stack.up()
    assert proxy.count("CreateSIPDispatchRule") == count + len(BURST)
    created = assert_rules_match_state(stack, oracle, trunks)

    write_config(stack, {"generation": 2})
    inject_burst(proxy, "UpdateSIPDispatchRule")
    update = stack.up()
    assert update.changes == {"update": count}
    assert proxy.count("UpdateSIPDispatchRule") == count + len(BURST)
    assert assert_rules_match_state(stack, oracle, trunks) == created
    assert sorted(r.name for r in oracle.rules()) == sorted(f"reliability {i} g2" for i in range(count))

    inject_burst(proxy, "ListSIPDispatchRule")
    stack.refresh()
    assert proxy.count("ListSIPDispatchRule") == 1 + len(BURST)  # one listing for every rule, retried
    assert assert_rules_match_state(stack, oracle, trunks) == created
    stack.preview("--expect-no-changes")

    inject_burst(proxy, "DeleteSIPDispatchRule")
    stack.destroy()
    assert proxy.count("DeleteSIPDispatchRule") == count + len(BURST)
    assert oracle.rules() == [] and stack.resources("DispatchRule") == []
    survived("5xx/429 answer", 4 * len(BURST))


def test_answers_lost_after_the_server_applied_them_leave_one_rule_each_in_state(
        livekit, oracle, proxy, tmp_path):
    count = 3
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, url=proxy.url, config={"count": count})

    proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward(), times=2)
    up = stack.up()
    # The two creates whose answer was lost were found on the server and adopted, never sent again.
    assert proxy.count("CreateSIPDispatchRule") == count
    created = assert_rules_match_state(stack, oracle, trunks)
    assert up.outputs["rule_ids"] == created
    stack.preview("--expect-no-changes")

    proxy.clear()
    write_config(stack, {"generation": 2})
    proxy.inject("UpdateSIPDispatchRule", Fault.drop_after_forward())
    stack.up()
    assert proxy.count("UpdateSIPDispatchRule") == count + 1  # a full replace, safe to repeat
    assert assert_rules_match_state(stack, oracle, trunks) == created
    assert {r.name for r in oracle.rules()} == {f"reliability {i} g2" for i in range(count)}
    stack.preview("--expect-no-changes")

    proxy.clear()
    proxy.inject("DeleteSIPDispatchRule", Fault.drop_after_forward())
    stack.destroy()  # the repeat finds the rule gone: the desired end state
    assert proxy.count("DeleteSIPDispatchRule") == count + 1
    assert oracle.rules() == [] and stack.resources("DispatchRule") == []
    survived("answer lost after the server applied it", 4)


@pytest.mark.slow
def test_redis_restarted_under_the_server(restartable, oracle, tmp_path):
    livekit, count = restartable, 3
    trunks = [f"ST_rel_{i}" for i in range(count)]
    stack = make_stack(tmp_path, MANY_RULES, livekit, config={"count": count})
    stack.up()
    before = assert_rules_match_state(stack, oracle, trunks)

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
    after = assert_rules_match_state(stack, oracle, trunks)
    assert set(after) == set(before) and not set(after.values()) & set(before.values())
    stack.preview("--expect-no-changes")
    survived("Redis down under a running server")
    survived("Redis restarted empty")


# ---- 2. conflicts -------------------------------------------------------------------------------

BYSTANDERS = ["bystander-trunk", "bystander-rule"]


def test_conflicts_fail_the_preview_name_the_resource_and_lose_nothing_else(
        livekit, oracle, tmp_path):
    outside = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(
            name="made outside", trunk_ids=["ST_conflict_outside"],
            rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="theirs")))))
    twin_rule = {"dispatchRuleDirect": {"roomName": "twin", "pin": "7355608"}}
    twin_args = {"trunk_ids": ["ST_conflict_twins"], "numbers": ["+15550190"]}
    stack = make_stack(tmp_path, DECLARED, livekit, config={"resources": [
        {"type": "InboundTrunk", "name": "bystander-trunk", "args": {"numbers": ["+15550191"]}},
        {"type": "DispatchRule", "name": "bystander-rule", "trunk": "bystander-trunk",
         "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "by-"}}}},
        # Same trunk, number and PIN: whichever is checked second is refused. (The engine starts no new step
        # once one failed, so the twins wait for the bystanders.)
        {"type": "DispatchRule", "name": "twin-a", "depends_on": BYSTANDERS,
         "args": {"rule": twin_rule, "name": "twin a", **twin_args}},
        {"type": "DispatchRule", "name": "twin-b", "depends_on": BYSTANDERS,
         "args": {"rule": twin_rule, "name": "twin b", **twin_args}},
        # Collides with the rule made outside Pulumi; checked after the twins, so each preview meets one conflict.
        {"type": "DispatchRule", "name": "collider", "depends_on": [*BYSTANDERS, "twin-a", "twin-b"],
         "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "mine-"}}, "trunk_ids": ["ST_conflict_outside"]}},
    ]})

    preview = stack.preview(check=False)  # the declared twins fail the preview already
    assert preview.returncode != 0
    assert set(preview.messages()) - {"", "declared-test"} in ({"twin-a"}, {"twin-b"}), preview.messages()
    assert oracle.rules() == [outside]

    up = stack.up(check=False)
    assert up.returncode != 0
    errors = up.messages()
    refused_twin = "twin-b" if "twin-b" in errors else "twin-a"
    kept_twin = {"twin-a": "twin-b", "twin-b": "twin-a"}[refused_twin]
    # Two declared twins: the provider's check refuses the second before any request, naming the first. A
    # failed check ends the program's registrations, so the collider is not reached in this `up`.
    assert set(errors) - {"", "declared-test"} == {refused_twin}, errors  # the run and the stack may sum up
    assert f'conflicts with resource "{kept_twin}" of this program: both take calls on trunk ST_conflict_twins ' \
           "from anyone to +15550190 with the same PIN" in errors[refused_twin], errors[refused_twin]
    assert "7355608" not in up.output + preview.output  # the PIN of the refused twin stays a secret

    # Without the refused twin, the preview reaches the collider, refused for the rule made outside Pulumi, still
    # before anything is created; so is the `up`, where the collider's check refuses it before its create.
    kept = [r for r in json.loads(stack.run("config", "get", "resources").stdout) if r["name"] != refused_twin]
    for resource in kept:
        resource["depends_on"] = [name for name in resource.get("depends_on", []) if name != refused_twin]
    write_config(stack, {"resources": kept})
    before = oracle.rules()
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    assert set(preview.messages()) - {"", "declared-test"} == {"collider"}, preview.messages()
    assert "conflicts with dispatch rule " in preview.messages()["collider"]
    assert oracle.rules() == before
    up = stack.up(check=False)
    assert up.returncode != 0
    errors = up.messages()
    assert set(errors) - {"", "declared-test"} == {"collider"}, errors
    assert (f'conflicts with dispatch rule {outside.sip_dispatch_rule_id} "made outside" on the LiveKit server: both '
            f"take calls on trunk ST_conflict_outside from anyone to any number without a PIN") in errors["collider"], \
        errors["collider"]

    in_state = state_ids(stack, "DispatchRule")
    assert set(in_state) == {"bystander-rule", kept_twin}

    # Everything else in the same update was created and recorded, exactly once.
    trunks = state_ids(stack, "InboundTrunk")
    assert list(trunks) == ["bystander-trunk"]
    assert [t.sip_trunk_id for t in oracle.inbound_trunks()] == [trunks["bystander-trunk"]]
    on_server = {r.sip_dispatch_rule_id: r for r in oracle.rules()}
    assert set(on_server) == {outside.sip_dispatch_rule_id, *in_state.values()}
    assert list(on_server[in_state["bystander-rule"]].trunk_ids) == [trunks["bystander-trunk"]]
    FIGURES["duplicates_found"] += duplicates(tuple(r.trunk_ids) + tuple(r.numbers) for r in on_server.values())

    stack.destroy()
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [outside.sip_dispatch_rule_id]
    assert oracle.inbound_trunks() == []


# ---- 3. bad input -------------------------------------------------------------------------------

OK_RULE = {"type": "DispatchRule", "name": "ok",
           "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "trunk_ids": ["ST_bad_ok"]}}


def rule_with(**args) -> list[dict]:
    base = {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "trunk_ids": ["ST_bad"]}
    return [{"type": "DispatchRule", "name": "bad", "args": {**base, **args}}]


def inbound_with(**args) -> list[dict]:
    return [{"type": "InboundTrunk", "name": "bad", "args": args}]


def outbound_with(**args) -> list[dict]:
    return [{"type": "OutboundTrunk", "name": "bad", "args": {"address": "sip.example.com", "numbers": ["+1555"],
                                                               **args}}]


@dataclass(frozen=True)
class Bad:
    name: str
    field: str  # the message must name it...
    problem: str  # ...and say what is wrong
    resources: list = field(default_factory=lambda: [OK_RULE])
    config: dict = field(default_factory=dict)  # livekit:* overrides; None unsets
    env: dict = field(default_factory=dict)  # environment overrides; None unsets
    files: dict = field(default_factory=dict)  # written into the program directory


MALFORMED_JSON = '{"dispatch_rule": {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "name": "x"'

# Distinct from tests/test_dispatch_rule.py BAD_INPUTS (11 DispatchRule cases), which run there.
BAD_INPUTS = [
    # DispatchRule
    Bad("rule unset", "rule", "is required", rule_with(rule=None)),
    Bad("rule kind not an object", "rule.dispatchRuleIndividual", "expected an object",
        rule_with(rule={"dispatchRuleIndividual": "call-"})),
    Bad("PIN a number", "rule.dispatch_rule_direct.pin", "expected a string",
        rule_with(rule={"dispatchRuleDirect": {"roomName": "r", "pin": 1234}})),
    Bad("empty trunk ID", "trunk_ids[0]", "must not be empty", rule_with(trunk_ids=[""])),
    Bad("number not a string", "numbers[0]", "expected a string", rule_with(numbers=[15550100])),
    Bad("empty number before a real one", "numbers[0]", "must not be empty", rule_with(numbers=["", "+15550100"])),
    Bad("trunk named twice", "trunk_ids[1]", "names it twice", rule_with(trunk_ids=["ST_twice", "ST_twice"])),
    Bad("number twice in two spellings", "inbound_numbers[1]", "repeats inbound_numbers[0] (+1 555-0100)",
        rule_with(inbound_numbers=["+15550100", "+1 555-0100"])),
    Bad("PIN in another script's digits", "rule.dispatch_rule_direct.pin", "digits 0-9 only",
        rule_with(rule={"dispatchRuleDirect": {"roomName": "r", "pin": "\u0661\u0662\u0663\u0664"}})),
    Bad("agent name not a string", "room_config.agents[0].agentName", "expected a string",
        rule_with(room_config={"agents": [{"agentName": 7}]})),
    Bad("from_json unknown key", "dispatch_rule.trunkIdz", "unknown field",
        [{"type": "DispatchRule", "name": "bad", "from_json": {"dispatch_rule": {
            "rule": {"dispatchRuleDirect": {"roomName": "r"}}, "trunkIdz": ["ST_x"]}}}]),
    Bad("from_json malformed file", "rule.json", "is not valid JSON",
        [{"type": "DispatchRule", "name": "bad", "from_json": "file:rule.json"}], files={"rule.json": MALFORMED_JSON}),
    # InboundTrunk
    Bad("inbound trunk open to anyone", "numbers", "for security", inbound_with(name="open")),
    Bad("password without user", "auth_username", "is required when auth_password is set",
        inbound_with(numbers=["+15550100"], auth_password="pa55-only")),
    Bad("number listed twice", "numbers[1]", "listed twice", inbound_with(numbers=["+15550100", "+15550100"])),
    Bad("empty allowed address", "allowed_addresses[1]", "must not be empty",
        inbound_with(numbers=["+15550100"], allowed_addresses=["192.0.2.10", " "])),
    Bad("header name with a space", "headers.X Bad", "SIP header name",
        inbound_with(numbers=["+15550100"], headers={"X Bad": "v"})),
    Bad("duration not a duration", "ringing_timeout", "expected a duration",
        inbound_with(numbers=["+15550100"], ringing_timeout="1h")),
    Bad("from_json trunk unknown key", "trunk.authPasword", "unknown field",
        [{"type": "InboundTrunk", "name": "bad", "from_json": {"trunk": {"numbers": ["+1555"], "authPasword": "x"}}}]),
    # OutboundTrunk
    Bad("no address", "address", "is required", outbound_with(address=None)),
    Bad("address a SIP URI", "address", "not a SIP URI", outbound_with(address="sip:pbx@example.com")),
    Bad("unknown transport", "transport", "SIP_TRANSPORT_TLS", outbound_with(transport="SIP_TRANSPORT_SCTP")),
    Bad("empty outbound number", "numbers[1]", "must not be empty", outbound_with(numbers=["+1555", ""])),
    # Connection settings
    Bad("URL scheme", "livekit:url", "has scheme 'ftp'", config={"livekit:url": "ftp://127.0.0.1:{port}"}),
    Bad("API key unset", "livekit:apiKey", "LiveKit api_key is not set", env={"LIVEKIT_API_KEY": None}),
    Bad("API secret empty", "livekit:apiSecret", "is empty", config={"livekit:apiSecret": ""}),
    Bad("Connection URL without host", "connection.url", "has no host",
        [{**OK_RULE, "connection": {"url": "wss://"}}]),
    Bad("Connection unknown field", "connection.api_token", "unknown field",
        [{**OK_RULE, "connection_raw": {"url": "http://127.0.0.1:{port}", "api_token": "x"}}]),
    Bad("timeout not a number", TIMEOUT_ENV, "must be a positive number of seconds", env={TIMEOUT_ENV: "soon"}),
]


def test_bad_inputs_are_distinct_from_the_dispatch_rule_table():
    ours = {(bad.field, bad.problem) for bad in BAD_INPUTS}
    theirs = {(path, problem) for _, path, problem in DISPATCH_RULE_BAD_INPUTS}
    assert not ours & theirs
    assert len({bad.name for bad in BAD_INPUTS}) == len(BAD_INPUTS)


@pytest.mark.slow
def test_bad_input_fails_before_any_request_naming_the_field(livekit, oracle, tmp_path):
    """Each case is a `pulumi up` against a FaultProxy that counts every request; three stacks at a time."""
    creds = livekit.credentials
    base_env = {"LIVEKIT_URL": None, "LIVEKIT_API_KEY": creds.api_key, "LIVEKIT_API_SECRET": creds.api_secret}
    workers = 3
    lanes: list[tuple[PulumiStack, FaultProxy, dict]] = []
    for lane in range(workers):
        proxy = FaultProxy(creds.url)
        stack = PulumiStack(DECLARED, f"bad{lane}", workdir=tmp_path / f"bad{lane}")
        lanes.append((stack, proxy, dict(stack.env)))

    def run(lane: int, bad: Bad) -> Optional[str]:
        stack, proxy, env = lanes[lane]
        port = str(proxy.port)
        resources = json.loads(json.dumps(bad.resources).replace("{port}", port))
        config = {"livekit:url": proxy.url, "resources": resources, **bad.config}
        write_config(stack, {k: v.replace("{port}", port) if isinstance(v, str) else v for k, v in config.items()},
                     replace=True)
        for name, text in bad.files.items():
            (stack.program_dir / name).write_text(text)
        stack.env = {k: v for k, v in {**env, **base_env, **bad.env}.items() if v is not None}
        proxy.clear()
        up = stack.up(check=False)
        problems = []
        if up.returncode == 0:
            problems.append("the update succeeded")
        errors = up.messages()
        if not any(bad.field in message and bad.problem in message for message in errors.values()):
            problems.append(f"no {bad.field!r} / {bad.problem!r} in one diagnostic")
        if proxy.count():
            problems.append(f"{proxy.count()} requests reached LiveKit: {dict(proxy.counts)}")
        return f"{bad.name}: {'; '.join(problems)}\n{errors or up.output[-3000:]}" if problems else None

    def run_lane(lane: int) -> list[Optional[str]]:
        return [run(lane, bad) for bad in BAD_INPUTS[lane::workers]]

    try:
        with ThreadPoolExecutor(workers) as pool:
            outcomes = [outcome for lane in pool.map(run_lane, range(workers)) for outcome in lane]
    finally:
        for _, proxy, _ in lanes:
            proxy.close()
    FIGURES["bad_inputs_tried"] = len(BAD_INPUTS) + len(DISPATCH_RULE_BAD_INPUTS)
    failures = [outcome for outcome in outcomes if outcome]
    assert not failures, "\n\n".join(failures)
    assert oracle.rules() == [] and oracle.inbound_trunks() == [] and oracle.outbound_trunks() == []
    for stack, _, _ in lanes:
        assert [r["type"] for r in stack.resources() if "livekit:" in r["type"]] == []


# ---- 4. secrets ---------------------------------------------------------------------------------

# Long digit strings: a 5-digit PIN would turn up by chance in the timestamps of a verbose log.
AUDITED = {
    "pin": "804179236651",
    "calleePin": "661395570248",
    "inboundPassword": "in-Pa55-xq81-audit",
    "outboundPassword": "out-Pa55-zv27-audit",
}
ROTATED = {"pin": "135792468024", "inboundPassword": "in-R0tated-5521-audit"}
VERBOSE = ("-v=9", "--logtostderr", "--logflow")
# Turns on the provider's own logger (and httpx's request lines) in the dynamic-provider process;
# the engine captures the plugin's stderr into its verbose log.
PROVIDER_LOGGING = """\
import logging, sys
handler = logging.StreamHandler(sys.stderr)
handler.setFormatter(logging.Formatter("provider-log %(name)s %(levelname)s %(message)s"))
for name, level in (("pulumi_livekit", logging.DEBUG), ("httpx", logging.INFO)):
    logging.getLogger(name).addHandler(handler)
    logging.getLogger(name).setLevel(level)
"""


@pytest.mark.slow
def test_no_secret_in_state_verbose_logs_provider_logs_or_errors(proxy, pulumi_stack, livekit, oracle, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(PROVIDER_LOGGING)
    stack = pulumi_stack(SECRETS, env={"PYTHONPATH": str(site)})  # livekit:apiSecret set with --secret
    stack.set_config("livekit:url", proxy.url)
    for key, value in AUDITED.items():
        stack.set_config(key, value, secret=True)
    secrets = {**{f"{k} (first)": v for k, v in AUDITED.items()}, **{f"{k} (rotated)": v for k, v in ROTATED.items()},
               "livekit:apiSecret": livekit.credentials.api_secret}
    audited: list[str] = []

    def audit(step: str, text: str) -> None:
        leaks = [name for name, value in secrets.items() if value in text]
        FIGURES["secret_checks"] += len(secrets)
        audited.append(step)
        assert not leaks, f"{step}: {leaks} in plaintext:\n" + "\n".join(
            line[:300] for line in text.splitlines() if any(secrets[n] in line for n in leaks))

    def run(step: str, command, *args, ok: bool = True) -> Result:
        result = command(*args, *VERBOSE, check=False)
        assert (result.returncode == 0) == ok, result.output[-4000:]
        assert '"level":"INFO"' in result.stderr  # the engine's verbose log was captured
        audit(f"{step}: output and verbose log", result.output)
        audit(f"{step}: engine events", "\n".join(repr(event) for event in result.events))
        audit(f"{step}: stack export", json.dumps(stack.export()))
        return result

    # Faults make the provider log: a retried create, and a lost answer it adopts.
    proxy.inject("CreateSIPDispatchRule", Fault.status_code(503), times=2)
    proxy.inject("CreateSIPInboundTrunk", Fault.drop_after_forward())
    up = run("up", stack.up)
    assert "provider-log pulumi_livekit INFO CreateSIPInboundTrunk: adopting" in up.stderr
    assert "provider-log httpx INFO HTTP Request: POST" in up.stderr
    ids = up.outputs["ids"]
    # The audit looks for the right strings: they are on the server, and encrypted in state.
    assert oracle.rule(ids["direct"]).rule.dispatch_rule_direct.pin == AUDITED["pin"]
    assert [t.auth_password for t in oracle.inbound_trunks()] == [AUDITED["inboundPassword"]]
    revealed = json.dumps(stack.export(show_secrets=True))
    assert all(value in revealed for value in AUDITED.values())

    stack.set_config("generation", "2")
    for key, value in ROTATED.items():
        stack.set_config(key, value, secret=True)
    run("update", stack.up)
    assert oracle.rule(ids["direct"]).rule.dispatch_rule_direct.pin == ROTATED["pin"]
    run("refresh", stack.refresh)
    stack.preview("--expect-no-changes")

    # Errors: LiveKit refusing a rule that reuses a PIN, and a malformed rule carrying one.
    stack.set_config("conflict", "true")
    errors = run("conflict", stack.up, ok=False).messages()
    # Pulumi's own host runs this program (no plugins entry): the other rule is named by its name field.
    assert 'conflicts with "audited direct g2" of this program' in errors["pin-twin"], errors
    stack.set_config("conflict", "false")
    stack.set_config("malformed", "true")
    errors = run("malformed rule", stack.up, ok=False).messages()
    assert "set only one of dispatchRuleDirect, dispatchRuleCallee" in errors["pin-malformed"], errors
    stack.set_config("malformed", "false")

    run("destroy", stack.destroy)
    assert oracle.rules() == [] and oracle.inbound_trunks() == [] and oracle.outbound_trunks() == []
    assert len(audited) == 18


# ---- 5. authentication --------------------------------------------------------------------------


def test_refused_credentials_fail_once_per_call_with_a_clear_message(livekit, oracle, proxy, tmp_path):
    creds = livekit.credentials
    resources = [{"type": "DispatchRule", "name": f"rule-{i}",
                  "args": {"rule": {"dispatchRuleDirect": {"roomName": f"r{i}"}}, "trunk_ids": [f"ST_auth_{i}"]}}
                 for i in range(2)]
    wrong_key, wrong_secret = "APIwrongkey0001", "wrong-secret-" + "q" * 30
    for label, env in (("key", {"LIVEKIT_API_KEY": wrong_key}), ("secret", {"LIVEKIT_API_SECRET": wrong_secret})):
        stack = make_stack(tmp_path, DECLARED, livekit, url=proxy.url, name=label, env=env,
                           config={"resources": resources})
        proxy.clear()
        up = stack.up(check=False)
        assert up.returncode != 0
        errors = up.messages()
        key = wrong_key if label == "key" else creds.api_key
        for name in set(errors) & {"rule-0", "rule-1"}:
            message = errors[name]
            # A create starts with a look at the identical rules already there: that is the refused request.
            assert f"ListSIPDispatchRule: LiveKit at {proxy.url} rejected API key {key!r}" in message, errors
            assert "livekit:apiSecret" in message and "clock" in message
        # One request per failed call: a refusal is not retried, nor followed by a search.
        failed = set(errors) - {"", f"declared-{label}"}
        assert failed and failed <= {"rule-0", "rule-1"}
        assert dict(proxy.counts) == {"ListSIPDispatchRule": len(failed)}
        assert wrong_secret not in up.output and creds.api_secret not in up.output
        assert stack.resources("DispatchRule") == []
    assert oracle.rules() == []


@pytest.mark.parametrize("skew", [3600, -3600])
def test_a_skewed_clock_is_refused_once_with_the_clock_named(livekit, proxy, monkeypatch, skew):
    """The token is signed with this process's clock moved by `skew` seconds (only `_auth` sees it);
    the real server judges it by its own."""
    real = time.time
    monkeypatch.setattr(_auth, "time", SimpleNamespace(time=lambda: real() + skew))
    creds = livekit.credentials
    with SIPClient(Endpoint(proxy.url, creds.api_key, creds.api_secret)) as sip:
        with pytest.raises(AuthenticationError) as raised:
            sip.list_dispatch_rules()
    message = str(raised.value)
    assert f"LiveKit at {proxy.url} rejected API key {creds.api_key!r}" in message
    assert ("token is not valid yet" if skew > 0 else "token is expired") in message
    assert "this machine's clock is correct" in message
    assert creds.api_secret not in message
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}


@pytest.mark.parametrize("skew", [20, -20])
def test_a_small_clock_skew_is_absorbed(livekit, oracle, proxy, monkeypatch, skew):
    real = time.time
    monkeypatch.setattr(_auth, "time", SimpleNamespace(time=lambda: real() + skew))
    creds = livekit.credentials
    with SIPClient(Endpoint(proxy.url, creds.api_key, creds.api_secret)) as sip:
        assert sip.list_dispatch_rules() == []
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}


def test_the_timeout_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    with SIPClient(Endpoint("http://127.0.0.1:1", "k", "s")) as sip:
        assert sip.timeout == DEFAULT_TIMEOUT
    monkeypatch.setenv(TIMEOUT_ENV, "2.5")
    with SIPClient(Endpoint("http://127.0.0.1:1", "k", "s")) as sip:
        assert sip.timeout.read == sip.timeout.connect == 2.5
