"""Bad input through the real Pulumi engine against a real livekit-server: every case fails the `pulumi up`
with a message naming the field and the problem, before any request reaches LiveKit, and nothing is created.

The DispatchRule cases of the `rule` program run in tests/engine/test_dispatch_rule.py; these cover the
other resources, `from_json` and the connection settings, through the `declared` program.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from pulumi_livekit._api.client import TIMEOUT_ENV
from pulumi_livekit.testing import FaultProxy, LocalLiveKit, PulumiStack

from support import DISPATCH_RULE_BAD_INPUTS, PROGRAMS, Oracle, write_config

DECLARED = PROGRAMS / "declared"
# Stacks run side by side, one per core of the machine: a third only makes the engine runs take turns.
LANES = 2

OK_RULE = {"type": "DispatchRule", "name": "ok",
           "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "trunk_ids": ["ST_bad_ok"]}}


# What a case of each kind declares besides its own arguments (None: unset).
VALID_ARGUMENTS = {
    "DispatchRule": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "trunk_ids": ["ST_bad"]},
    "InboundTrunk": {"numbers": ["+15550100"]},
    "OutboundTrunk": {"address": "sip.example.com", "numbers": ["+1555"]},
}


def declared_with(kind: str, **args) -> list[dict]:
    return [{"type": kind, "name": "bad", "args": {**VALID_ARGUMENTS[kind], **args}}]


def rule_with(**args) -> list[dict]:
    return declared_with("DispatchRule", **args)


def inbound_with(**args) -> list[dict]:
    return declared_with("InboundTrunk", **args)


def outbound_with(**args) -> list[dict]:
    return declared_with("OutboundTrunk", **args)


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

# Distinct from support.DISPATCH_RULE_BAD_INPUTS, which tests/engine/test_dispatch_rule.py runs.
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
    Bad("trunk named twice", "trunk_ids[1]", "listed twice (also trunk_ids[0])",
        rule_with(trunk_ids=["ST_twice", "ST_twice"])),
    Bad("number twice in two spellings", "inbound_numbers[1]", "'+1 555-0100' is listed twice (also inbound_numbers[0])",
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
    Bad("inbound trunk open to anyone", "numbers", "for security",
        inbound_with(name="open", numbers=None, allowed_addresses=None, auth_username=None, auth_password=None)),
    Bad("password without user", "auth_username", "is required when auth_password is set",
        inbound_with(auth_password="pa55-only")),
    Bad("number listed twice", "numbers[1]", "listed twice", inbound_with(numbers=["+15550100", "+15550100"])),
    Bad("empty allowed address", "allowed_addresses[1]", "must not be empty",
        inbound_with(allowed_addresses=["192.0.2.10", " "])),
    Bad("header name with a space", "headers.X Bad", "SIP header name", inbound_with(headers={"X Bad": "v"})),
    Bad("duration not a duration", "ringing_timeout", "expected a duration", inbound_with(ringing_timeout="1h")),
    Bad("negative ringing timeout", "ringing_timeout", "must not be negative, got -5s",
        inbound_with(ringing_timeout="-5s")),
    Bad("negative call duration", "max_call_duration", "must not be negative, got -30s",
        inbound_with(max_call_duration=-30)),
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


def own_arguments(bad: Bad) -> dict:
    """The arguments a case declares beyond its kind's valid ones: {} unless it is one resource by its arguments."""
    alone = len(bad.resources) == 1 and set(bad.resources[0]) == {"type", "name", "args"}
    if bad.config or bad.env or bad.files or not alone:
        return {}
    [resource] = bad.resources
    valid = VALID_ARGUMENTS[resource["type"]]
    return {name: value for name, value in resource["args"].items() if name not in valid or valid[name] != value}


def packed(cases: list[Bad]) -> list[list[Bad]]:
    """The cases in as few declarations as hold them: cases of one resource of the same kind that neither set nor
    are refused for the same argument share one (`shared_declaration`). The check validates every argument of a
    resource on its own and reports every failing one at once, so each case's argument fails in the shared
    declaration as it does alone. (The engine stops at the first resource whose check fails, in `up`, `preview`
    and `up --continue-on-error` alike: one run takes one bad resource.)"""
    def owned(bad: Bad) -> set[str]:
        return {*own_arguments(bad), re.split(r"[.\[]", bad.field)[0]}

    def kind(bad: Bad) -> str:
        return bad.resources[0]["type"]

    packs: list[list[Bad]] = []
    for bad in cases:
        shared = [pack for pack in packs if own_arguments(bad) and own_arguments(pack[0])
                  and kind(pack[0]) == kind(bad) and not owned(bad) & set().union(*map(owned, pack))]
        if shared:
            shared[0].append(bad)
        else:
            packs.append([bad])
    return packs


def shared_declaration(pack: list[Bad]) -> Bad:
    if len(pack) == 1:
        return pack[0]
    arguments = {name: value for bad in pack for name, value in own_arguments(bad).items()}
    return Bad("shared", "", "", declared_with(pack[0].resources[0]["type"], **arguments))


@dataclass(frozen=True)
class Outcome:
    """What one case's `pulumi up` did."""
    returncode: int
    errors: dict[str, str]  # diagnostics by resource name
    output: str
    requests: dict[str, int]  # by RPC, as the proxy in front of LiveKit counted them
    in_state: list[str]  # the LiveKit resources of the stack's state afterwards, as the backend stores it

    def report(self) -> str:
        return str(self.errors or self.output[-3000:])


@dataclass
class Runs:
    """Every selected case's outcome by its name, and what the server held after the last."""
    outcomes: dict[str, Outcome]
    left_on_server: list  # every object on the server once all cases ran


@pytest.fixture(scope="module")
def runs(request, livekit_server: LocalLiveKit, tmp_path_factory) -> Runs:
    """The `pulumi up` of every selected case, each behind a FaultProxy that counts every request.

    The cases share declarations where they can (`packed`); two stacks run side by side, and each test below
    asserts on its case's outcome, the state read from the backend's file after each run."""
    selected = [item.callspec.params["bad"] for item in request.session.items  # only what -k or an ID picked
                if item.parent is request.node
                and item.originalname == test_bad_input_fails_before_any_request_naming_the_field.__name__]
    livekit_server.flush()
    creds = livekit_server.credentials
    base_env = {"LIVEKIT_URL": None, "LIVEKIT_API_KEY": creds.api_key, "LIVEKIT_API_SECRET": creds.api_secret}
    workdir = tmp_path_factory.mktemp("bad-input")
    lanes: list[tuple[PulumiStack, FaultProxy, dict]] = []
    for lane in range(LANES):
        proxy = FaultProxy(creds.url)
        stack = PulumiStack(DECLARED, f"bad{lane}", workdir=workdir / f"bad{lane}")
        lanes.append((stack, proxy, dict(stack.env)))

    def run(lane: int, bad: Bad) -> Outcome:
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
        return Outcome(up.returncode, up.messages(), up.output, dict(proxy.counts),
                       [r["type"] for r in stored_resources(stack) if "livekit:" in r["type"]])

    packs = packed(selected)

    def run_lane(lane: int) -> list[tuple[str, Outcome]]:
        return [(bad.name, outcome) for pack in packs[lane::LANES]
                for outcome in [run(lane, shared_declaration(pack))] for bad in pack]

    try:
        with ThreadPoolExecutor(LANES) as pool:
            outcomes = dict(pair for lane in pool.map(run_lane, range(LANES)) for pair in lane)
    finally:
        for _, proxy, _ in lanes:
            proxy.close()
    oracle = Oracle(creds)
    return Runs(outcomes, [*oracle.rules(), *oracle.inbound_trunks(), *oracle.outbound_trunks()])


def stored_resources(stack: PulumiStack) -> list[dict]:
    """The resources of the stack's state. It holds at least the stack itself once an `up` ran, so a state read
    from anywhere else fails here rather than passing as empty."""
    resources = stack.resources()
    assert [r["type"] for r in resources if r["type"] == "pulumi:pulumi:Stack"] == ["pulumi:pulumi:Stack"], resources
    return resources


@pytest.mark.slow
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.name.replace(" ", "-") for bad in BAD_INPUTS])
def test_bad_input_fails_before_any_request_naming_the_field(bad: Bad, runs: Runs, figures):
    outcome = runs.outcomes[bad.name]
    assert outcome.returncode != 0, outcome.report()
    assert any(bad.field in message and bad.problem in message for message in outcome.errors.values()), \
        f"no {bad.field!r} / {bad.problem!r} in one diagnostic: {outcome.report()}"
    assert outcome.requests == {}, "requests reached LiveKit"
    assert outcome.in_state == []
    figures["bad inputs tried"] += 1


@pytest.mark.slow
def test_no_bad_input_left_anything_on_the_server(runs: Runs):
    assert runs.left_on_server == []
