"""`livekit-routes call`: test calls through the whole chain, as a user places them after `pulumi up`.

One stack of tests/programs/call (an inbound trunk and rules naming agents) is deployed once for the
file; a test agent worker (livekit-agents, its own process and virtualenv) serves the agent the rules
name. Room state is read back with the official SDK (livekit-api), independent of the code under test.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Iterator

import pytest
import yaml
from livekit import api as lkapi

from pulumi_livekit.testing import AgentWorker, LocalLiveKit, PulumiStack

from support import EXAMPLES, PROGRAMS, REPO, configure_for, write_config

AGENT = "call-test-agent"
PIN = "60517"
CALLER = "+15550001111"
SALES, PRIVATE, GHOST, VIP, NO_RULE = "+15557770001", "+15557770002", "+15557770003", "+15557770004", "+15557770005"
MULTI_ENV = EXAMPLES / "multi-env"
# A test worker publishes nothing, so the caller hears of it up to 3 s late (the server's update interval).
AGENT_TIMEOUT = "20"


@pytest.fixture(scope="module")
def server(livekit_server: LocalLiveKit) -> LocalLiveKit:
    """The session's server, emptied once for this file: its tests share one deployed stack."""
    livekit_server.flush()
    return livekit_server


@pytest.fixture(scope="module")
def deployed(server: LocalLiveKit, tmp_path_factory) -> dict:
    stack = PulumiStack(PROGRAMS / "call", "test", workdir=tmp_path_factory.mktemp("call-stack"), defer_config=True)
    configure_for(stack, server.credentials)
    stack.set_config("agent", AGENT)
    stack.set_config("pin", PIN, secret=True)
    stack.up()
    return stack.outputs()


@pytest.fixture(scope="module")
def worker(server: LocalLiveKit, tmp_path_factory) -> Iterator[AgentWorker]:
    with AgentWorker(server.credentials, AGENT, tmp_path_factory.mktemp("agent")) as running:
        yield running


def call(server: LocalLiveKit, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pulumi_livekit.routes", "call", *args], capture_output=True,
                          text=True, env={**os.environ, **server.credentials.env(), **(env or {})}, timeout=120)


def call_json(server: LocalLiveKit, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    placed = call(server, *args, "--json")
    assert placed.stdout, placed.stderr
    return placed, json.loads(placed.stdout)


def rooms(server: LocalLiveKit) -> dict:
    """The server's rooms by name, read with livekit-api."""
    creds = server.credentials

    async def list_rooms():
        async with lkapi.LiveKitAPI(creds.url, creds.api_key, creds.api_secret) as client:
            return (await client.room.list_rooms(lkapi.ListRoomsRequest())).rooms

    return {room.name: room for room in asyncio.run(list_rooms())}


def caller_in_a_room(server: LocalLiveKit, prefix: str) -> str:
    """The room named `prefix...` that the test caller has joined (and connected its media to), or ''."""
    creds = server.credentials

    async def find():
        async with lkapi.LiveKitAPI(creds.url, creds.api_key, creds.api_secret) as client:
            for room in (await client.room.list_rooms(lkapi.ListRoomsRequest())).rooms:
                if room.name.startswith(prefix):
                    listed = await client.room.list_participants(lkapi.ListParticipantsRequest(room=room.name))
                    if any(p.identity == f"sip_{CALLER}" and p.state == lkapi.ParticipantInfo.ACTIVE
                           for p in listed.participants):
                        return room.name
        return ""

    return asyncio.run(find())


def delete_room(server: LocalLiveKit, name: str) -> None:
    creds = server.credentials

    async def delete():
        async with lkapi.LiveKitAPI(creds.url, creds.api_key, creds.api_secret) as client:
            await client.room.delete_room(lkapi.DeleteRoomRequest(room=name))

    asyncio.run(delete())


def test_a_call_brings_the_caller_and_the_agent_into_one_room(server, deployed, worker):
    placed, outcome = call_json(server, "--from", CALLER, "--to", SALES, "--timeout", AGENT_TIMEOUT)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    assert outcome["ok"] and outcome["roomMade"] and not outcome["roomKept"]
    assert outcome["decision"]["sipDispatchRuleId"] == deployed["rule_ids"]["sales"]
    assert outcome["room"].startswith(f"sales_{CALLER}_") and "{random}" not in outcome["room"]
    [agent] = outcome["agents"]
    assert agent["agentName"] == AGENT and agent["joined"] and 0 <= agent["seconds"] < float(AGENT_TIMEOUT)

    job = worker.wait_for_job(room=outcome["room"])
    assert job["agent_name"] == AGENT and job["agent_identity"] == agent["identity"]
    assert job["job_metadata"] == '{"queue": "sales"}'  # the rule's dispatch metadata
    caller = job["participant"]
    assert caller["identity"] == f"sip_{CALLER}" and caller["name"] == f"Phone {CALLER}"
    assert caller["kind"] == "PARTICIPANT_KIND_SIP"
    attributes = caller["attributes"]
    assert attributes["team"] == "sales"  # the rule's attributes
    assert attributes["sip.phoneNumber"] == CALLER and attributes["sip.trunkPhoneNumber"] == SALES
    assert attributes["sip.ruleID"] == deployed["rule_ids"]["sales"]
    assert attributes["sip.trunkID"] == deployed["trunk_id"]
    assert attributes["sip.callStatus"] == "active" and attributes["sip.callID"].startswith("SCL_")
    assert outcome["room"] not in rooms(server)  # the call removed the room it made


def test_the_human_report_names_each_agent_and_how_long_it_took(server, deployed, worker):
    placed = call(server, "--from", CALLER, "--to", SALES, "--timeout", AGENT_TIMEOUT)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    assert f"rule      {deployed['rule_ids']['sales']} (sales)" in placed.stdout
    assert "(made by this call; deleted)" in placed.stdout
    assert f"agent     {AGENT}: joined after " in placed.stdout


def test_a_hidden_number_reaches_the_agent_without_the_number(server, deployed, worker):
    placed, outcome = call_json(server, "--from", CALLER, "--to", PRIVATE, "--timeout", AGENT_TIMEOUT)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    caller = worker.wait_for_job(room=outcome["room"])["participant"]
    assert caller["identity"] == "sip_" + hashlib.sha256(CALLER.encode()).hexdigest()[:16]
    assert caller["name"] == "Phone 1111"
    assert outcome["room"].startswith("private_1111_")
    assert caller["attributes"]["team"] == "private"
    assert not {"sip.phoneNumber", "sip.trunkPhoneNumber", "sip.hostname"} & set(caller["attributes"])
    assert not any(CALLER in value for value in caller["attributes"].values())


def test_an_agent_no_worker_serves_is_reported_and_fails_the_call(server, deployed, worker):
    placed = call(server, "--from", CALLER, "--to", GHOST, "--timeout", "3")
    assert placed.returncode == 1, placed.stdout + placed.stderr
    assert "agent     ghost-agent: NOT JOINED within 3 s (is a worker registered as 'ghost-agent'?)" in placed.stdout
    assert not [job for job in worker.jobs() if job["room"].startswith("ghost_")]
    assert not [name for name in rooms(server) if name.startswith("ghost_")]  # removed all the same


def test_a_call_the_server_drops_midway_is_reported_and_fails(server, deployed, worker):
    """The room is deleted from outside while the call waits for an agent that will never come."""
    placing = subprocess.Popen([sys.executable, "-m", "pulumi_livekit.routes", "call", "--from", CALLER, "--to",
                                GHOST, "--timeout", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **server.credentials.env()})
    try:
        deadline = time.monotonic() + 30
        while not (room := caller_in_a_room(server, "ghost_")):
            assert placing.poll() is None and time.monotonic() < deadline, "the caller joined no room"
            time.sleep(0.2)
        delete_room(server, room)
        stdout, stderr = placing.communicate(timeout=30)  # well before its 60 s timeout
    finally:
        placing.kill()
    assert placing.returncode == 1, stdout + stderr
    assert "problem   the call was dropped: the server disconnected the caller" in stdout
    assert "agent     ghost-agent: NOT JOINED" in stdout and "Traceback" not in stderr


def test_a_pin_rule_makes_no_room_without_the_pin_and_reaches_the_agent_with_it(server, deployed, worker):
    asked = call(server, "--from", CALLER, "--to", VIP, "--timeout", AGENT_TIMEOUT)
    assert asked.returncode == 1, asked.stdout + asked.stderr
    assert "PIN REQUIRED" in asked.stdout and "no room made" in asked.stdout
    assert "vip" not in rooms(server)
    wrong = call(server, "--from", CALLER, "--to", VIP, "--pin", "11111")
    assert wrong.returncode == 1 and "DROPPED" in wrong.stdout
    placed, outcome = call_json(server, "--from", CALLER, "--to", VIP, "--pin", PIN, "--timeout", AGENT_TIMEOUT)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    assert outcome["room"] == "vip" and outcome["agents"][0]["joined"]
    assert worker.wait_for_job(room="vip")["job_metadata"] == '{"queue": "vip"}'
    assert "vip" not in rooms(server)
    for shown in (asked, wrong, placed):
        assert PIN not in shown.stdout + shown.stderr


def test_a_call_no_rule_takes_is_reported_as_dropped_and_makes_no_room(server, deployed, worker):
    before = set(rooms(server))
    placed, outcome = call_json(server, "--from", CALLER, "--to", NO_RULE)
    assert placed.returncode == 1
    assert outcome["decision"] == {"result": "DROP", "sipTrunkId": deployed["trunk_id"]}
    assert not outcome["ok"] and not outcome["roomMade"] and outcome["room"] == ""
    assert set(rooms(server)) == before
    human = call(server, "--from", CALLER, "--to", NO_RULE)
    assert human.returncode == 1 and "DROPPED: no dispatch rule takes this call; no room made" in human.stdout


def test_keep_leaves_the_room_with_its_agent(server, deployed, worker):
    placed, outcome = call_json(server, "--from", CALLER, "--to", SALES, "--keep", "--timeout", AGENT_TIMEOUT)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    try:
        assert outcome["roomKept"]
        kept = rooms(server)[outcome["room"]]
        # The rule's room configuration, as the SIP service has the room made.
        assert kept.empty_timeout == 120 and kept.metadata == '{"line": "sales"}'
    finally:
        delete_room(server, outcome["room"])


def test_a_room_that_exists_already_is_left_untouched(server, deployed, worker):
    creds = server.credentials

    async def someone_elses_call():
        async with lkapi.LiveKitAPI(creds.url, creds.api_key, creds.api_secret) as client:
            return await client.room.create_room(lkapi.CreateRoomRequest(name="vip", metadata="someone else's"))

    theirs = asyncio.run(someone_elses_call())
    try:
        placed, outcome = call_json(server, "--from", CALLER, "--to", VIP, "--pin", PIN)
        assert placed.returncode == 1
        assert not outcome["roomMade"] and "exists already" in outcome["problem"]
        assert rooms(server)["vip"].sid == theirs.sid
        assert not [job for job in worker.jobs() if job["room"] == "vip" and job["at"] > theirs.creation_time]
    finally:
        delete_room(server, "vip")


def test_without_the_real_time_sdk_the_command_names_the_extra_to_install(server, tmp_path):
    # An interpreter on which `from livekit import rtc` fails, as it does without pulumi-livekit[call].
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['livekit.rtc'] = None\n")
    placed = call(server, "--from", CALLER, "--to", SALES, env={"PYTHONPATH": str(tmp_path)})
    assert placed.returncode == 2, placed.stdout + placed.stderr
    assert "pip install 'pulumi-livekit[call]'" in placed.stderr and "Traceback" not in placed.stderr


def test_bad_arguments_exit_2_before_any_api_call():
    nowhere = {"LIVEKIT_URL": "http://127.0.0.1:9", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}
    placed = subprocess.run([sys.executable, "-m", "pulumi_livekit.routes", "call", "--from", CALLER, "--to", SALES,
                             "--timeout", "0"], capture_output=True, text=True, env={**os.environ, **nowhere})
    assert placed.returncode == 2 and "--timeout must be a positive number of seconds" in placed.stderr
    unreachable = subprocess.run([sys.executable, "-m", "pulumi_livekit.routes", "call", "--from", CALLER,
                                  "--to", SALES], capture_output=True, text=True, env={**os.environ, **nowhere})
    assert unreachable.returncode == 3 and "http://127.0.0.1:9" in unreachable.stderr


@contextlib.contextmanager
def worker_from_a_shell(agent: str, server: LocalLiveKit, tmp_path) -> Iterator[list[str]]:
    """`make worker AGENT=...` as docs/call.md has a shell user start it, until it says it is registered; then
    Ctrl-C (SIGINT to its process group, as a terminal sends it). Yields the lines it printed, which grow."""
    lines: list[str] = []
    registered = threading.Event()
    shell = subprocess.Popen(["make", "--no-print-directory", "worker", f"AGENT={agent}"], cwd=REPO,
                             env={**os.environ, **server.credentials.env(), "DEMO_STATE_DIR": str(tmp_path / "state")},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def read() -> None:
        for line in shell.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith(f"agent     {agent}: registered with {server.credentials.url}"):
                registered.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while not registered.wait(0.2):
            assert shell.poll() is None and time.monotonic() < deadline, lines
        yield lines
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGINT)
        assert shell.wait(timeout=30) == -signal.SIGINT, lines  # as a shell sees make after Ctrl-C
        reader.join(timeout=10)
    # The worker process is stopped before this line is printed.
    assert lines[-1] == f"agent     {agent}: stopped", lines
    assert (tmp_path / "state" / "agent-worker" / f"agent-{agent}.log").exists(), lines


def test_the_post_deploy_step_calls_every_declared_number_and_fails_when_an_agent_does_not_come(
        server, tmp_path):
    """examples/change-review/post-deploy.sh after `pulumi up` of examples/multi-env: dev's agent has a
    worker, prod's (support-agent) has none."""
    dev = PulumiStack(MULTI_ENV, "dev", workdir=tmp_path, env=server.credentials.env())
    prod = PulumiStack(dev.program_dir, "prod", workdir=tmp_path, env=server.credentials.env(), copy_program=False)
    for stack in (dev, prod):
        write_config(stack, yaml.safe_load((MULTI_ENV / f"Pulumi.{stack.stack}.yaml").read_text())["config"])
        stack.up()
    # No livekit-routes on PATH (only `pulumi` is): the script takes the one in the project's virtualenv.
    env = {**dev.env, "PROJECT_DIR": str(dev.program_dir), "CALL_TIMEOUT": "8"}

    def post_deploy(*stacks: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(EXAMPLES / "change-review" / "post-deploy.sh"), *stacks], env=env,
                              capture_output=True, text=True, timeout=300)

    with worker_from_a_shell("support-agent-dev", server, tmp_path) as worker_lines:
        passed = post_deploy("dev")
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "=== dev: test call from +15550000000 to +15550100" in passed.stdout
        assert "agent     support-agent-dev: joined after " in passed.stdout
        failed = post_deploy("dev", "prod")
    # The worker printed the job it got: the dev call's room and caller.
    assert [line for line in worker_lines if line.startswith("job       room dev-call-_+15550000000_")
            and "caller sip_+15550000000" in line], worker_lines
    print(failed.stdout)  # what docs/call.md shows
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.count("test call from") == 3  # dev's number, then prod's two
    assert failed.stdout.count("agent     support-agent: NOT JOINED within 8 s") == 2
    assert not [name for name in rooms(server) if name.startswith(("call-", "dev-call-"))]
