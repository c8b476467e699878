"""A `pulumi up` killed part way (SIGKILL to it and every process it started, at a seeded random moment while dispatch rules
and outbound trunks are being created), then recovered by doing what the tools print, on both entrances: the next
`up` says the stack is locked and names `pulumi cancel`; the one after either succeeds or prints one command
(`livekit-recover`); after that, `up` ends with every declared object on the server exactly once, each in the state,
nothing else on the server, no pending operation, and a clean preview. And an identical outbound trunk of another
stack of the backend is never taken for the killed run's; identical ones made elsewhere leave the choice to the user
(`livekit-recover --take`).

Creates are slowed by the fault proxy (0.3 s each) so that a kill lands with some in flight. The engine's file
backend writes each checkpoint whole and renames it into place, but rewrites its `.attrs` sidecar in place: a kill
there empties it and every `pulumi` command then fails with `failed to load checkpoint: EOF` (Pulumi's, not this
package's; docs/reliability.md). The backend here is told to write no sidecar (`?metadata=skip`).

`PULUMI_LIVEKIT_KILLS` (default 1) kills per entrance; `PULUMI_LIVEKIT_KILL_SEED` picks the moments."""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import random
import re
import signal
import subprocess
import time

import pytest
import yaml

from pulumi_livekit.testing import Fault, FaultProxy, PulumiStack, signal_tree

from support import PROGRAMS, configure_for, create_outbound, yaml_program

KILLS = int(os.environ.get("PULUMI_LIVEKIT_KILLS", "1"))
SEED = int(os.environ.get("PULUMI_LIVEKIT_KILL_SEED", "20261205"))
RULES, TRUNKS = 4, 4
SLOW = 0.3  # seconds the proxy holds each create

DYNAMIC = [
    *({"type": "OutboundTrunk", "name": f"carrier-{i}",
       "args": {"name": f"carrier {i}", "address": "sip.example.com", "numbers": [f"+1555020{i:04d}"]}}
      for i in range(TRUNKS)),
    *({"type": "DispatchRule", "name": f"rule-{i}",
       "args": {"name": f"rule {i}", "rule": {"dispatchRuleIndividual": {"roomPrefix": f"r{i}-"}},
                "trunk_ids": [f"ST_killed_{i}"]}} for i in range(RULES)),
]
PLUGIN = {
    **{f"carrier-{i}": {"type": "livekit:index:OutboundTrunk", "properties": {
        "name": f"carrier {i}", "address": "sip.example.com", "numbers": [f"+1555021{i:04d}"]}} for i in range(TRUNKS)},
    **{f"rule-{i}": {"type": "livekit:index:DispatchRule", "properties": {
        "name": f"rule {i}", "rule": {"dispatchRuleIndividual": {"roomPrefix": f"r{i}-"}},
        "trunkIds": [f"ST_killed_yaml_{i}"]}} for i in range(RULES)},
}


def without_sidecar(stack: PulumiStack) -> PulumiStack:
    stack.env = {**stack.env, "PULUMI_BACKEND_URL": stack.env["PULUMI_BACKEND_URL"] + "?metadata=skip"}
    return stack


def dynamic_stack(tmp_path, credentials, name: str) -> PulumiStack:
    """The declared-resources program on Pulumi's own dynamic-provider host (which tells a check no URN)."""
    stack = without_sidecar(PulumiStack(PROGRAMS / "declared", "test", workdir=tmp_path / name, defer_config=True))
    project = yaml.safe_load((stack.program_dir / "Pulumi.yaml").read_text())
    project.pop("plugins")
    (stack.program_dir / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    configure_for(stack, credentials)
    stack.set_config("resources", json.dumps(DYNAMIC))
    return stack


def plugin_stack(tmp_path, credentials, name: str) -> PulumiStack:
    stack = without_sidecar(PulumiStack(yaml_program(tmp_path / f"{name}-program", PLUGIN), "test",
                                        workdir=tmp_path / name, defer_config=True))
    configure_for(stack, credentials)
    return stack


def killed_up(stack: PulumiStack, proxy: FaultProxy, rng: random.Random, *, interrupt_first: bool) -> str:
    """`pulumi up` as a CI job runs it, killed with every process it started once `rng` says (after some creates
    reached the proxy); SIGINT first if asked, as a cancelled job sends it before SIGKILL. What it printed."""
    stack.run("config", "get", "livekit:url")  # writes pending config before the run
    def creates() -> int:
        return sum(proxy.count(method) for method in ("CreateSIPDispatchRule", "CreateSIPOutboundTrunk"))

    after, pause = creates() + rng.randint(1, RULES + TRUNKS - 1), rng.uniform(0, SLOW)
    running = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack.stack],
                               cwd=stack.program_dir, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while creates() < after:
        assert running.poll() is None and time.monotonic() < deadline, running.communicate()[0]
        time.sleep(0.01)
    time.sleep(pause)
    if interrupt_first:  # to the engine's process group, as a terminal or a CI runner sends it
        os.killpg(running.pid, signal.SIGINT)
        time.sleep(rng.uniform(0, SLOW))
    signal_tree(running.pid, signal.SIGKILL)
    return running.communicate()[0]


def printed_command(text: str) -> str:
    (command,) = {found for found in re.findall(r"Run `([^`]+)`", text)}
    return command


def follow(stack: PulumiStack, figures: collections.Counter) -> None:
    """`pulumi up`, doing what each failure prints, until one succeeds."""
    up = stack.up(check=False)
    if up.returncode != 0 and "`pulumi cancel`" in up.output:
        stack.run("cancel", "--yes")
        figures["locks cancelled"] += 1
        up = stack.up(check=False)
    if up.returncode != 0:
        command = printed_command("\n".join(up.messages().values()))
        done = subprocess.run(["bash", "-c", command], cwd=stack.program_dir, env=stack.env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        figures["recovery commands run"] += 1
        figures["objects taken into state"] += done.stdout.count("\ntake ") + done.stdout.startswith("take ")
        up = stack.up(check=False)
    assert up.returncode == 0, up.output[-4000:]


def assert_recovered(stack: PulumiStack, oracle, declared: int, figures: collections.Counter) -> None:
    deployment = stack.export()["deployment"]
    assert not deployment.get("pending_operations")
    held = [r["id"] for r in deployment["resources"] if r.get("id", "").startswith(("SDR_", "ST_"))]
    names = [r.name for r in oracle.rules()] + [t.name for t in oracle.outbound_trunks()]
    on_server = [r.sip_dispatch_rule_id for r in oracle.rules()] + [t.sip_trunk_id for t in oracle.outbound_trunks()]
    orphans, duplicates = set(on_server) - set(held), len(names) - len(set(names))
    figures["orphans"] += len(orphans)
    figures["duplicates"] += duplicates
    assert (orphans, duplicates, sorted(held) == sorted(on_server), len(set(names))) == (set(), 0, True, declared)
    stack.preview("--expect-no-changes")


@pytest.mark.parametrize("entrance", ["dynamic resources", "plugin"])
def test_an_up_killed_part_way_recovers_by_following_what_the_tools_print(entrance, tmp_path, livekit, oracle,
                                                                           figures):
    rng = random.Random(f"{SEED}-{entrance}")
    make = dynamic_stack if entrance == "dynamic resources" else plugin_stack
    for kill in range(KILLS):
        livekit.flush()
        with FaultProxy(livekit.credentials.url) as proxy:
            for method in ("CreateSIPDispatchRule", "CreateSIPOutboundTrunk"):
                proxy.inject(method, Fault.delay(SLOW), times=2 * (RULES + TRUNKS))
            stack = make(tmp_path, dataclasses.replace(livekit.credentials, url=proxy.url), f"kill-{kill}")
            printed = killed_up(stack, proxy, rng, interrupt_first=bool(kill % 2))
            figures["kills"] += 1
            follow(stack, figures)
            assert_recovered(stack, oracle, RULES + TRUNKS, figures)
        assert "Traceback" not in printed or "KeyboardInterrupt" in printed, printed


def test_an_identical_trunk_of_another_stack_is_never_taken_for_the_killed_runs(tmp_path, livekit, oracle, figures):
    """Stack beta holds an outbound trunk identical to the one alpha's killed `up` was creating, which never reached
    LiveKit: alpha's next `up` stops, its recovery takes nothing (beta's state holds the twin) and clears the
    pending create, and alpha's `up` makes its own."""
    twin = [DYNAMIC[0]]
    with FaultProxy(livekit.credentials.url) as proxy:
        credentials = dataclasses.replace(livekit.credentials, url=proxy.url)
        alpha = dynamic_stack(tmp_path, credentials, "project")
        beta = without_sidecar(PulumiStack(alpha.program_dir, "beta", workdir=tmp_path / "project", copy_program=False,
                                           defer_config=True))
        configure_for(beta, credentials)
        for stack in (alpha, beta):
            stack.set_config("resources", json.dumps(twin))
        beta.up()
        # Alpha's create never gets through: refused connections, retried until the kill (after its first).
        proxy.inject("CreateSIPOutboundTrunk", Fault.drop_before_forward(), times=50)
        killed_up(alpha, proxy, random.Random(1), interrupt_first=False)
        proxy.clear()
        alpha.run("cancel", "--yes")
        # The preview stops where the `up` would, printing the same command.
        refused = alpha.preview(check=False)
        assert refused.returncode != 0 and "livekit-recover --stack organization/declared/test" in printed_command(
            "\n".join(refused.messages().values()))
        follow(alpha, figures)
    (beta_trunk,) = [r["id"] for r in beta.resources("OutboundTrunk")]
    (alpha_trunk,) = [r["id"] for r in alpha.resources("OutboundTrunk")]
    assert beta_trunk != alpha_trunk and {t.sip_trunk_id for t in oracle.outbound_trunks()} == {alpha_trunk, beta_trunk}
    assert figures["recovery commands run"] == 1 and figures["objects taken into state"] == 0


def test_twins_made_elsewhere_are_refused_and_the_one_named_with_take_is_taken(tmp_path, livekit, oracle, figures):
    """Two outbound trunks identical to the one alpha's killed `up` was creating are on the server, made outside this
    backend's stacks: `livekit-recover` changes nothing, naming both and `--take`; run again with `--take` naming one,
    it takes that one into the state, and alpha's `up` creates nothing, the other left as it was."""
    (declared,) = twin = [DYNAMIC[0]]
    with FaultProxy(livekit.credentials.url) as proxy:
        alpha = dynamic_stack(tmp_path, dataclasses.replace(livekit.credentials, url=proxy.url), "alpha")
        alpha.set_config("resources", json.dumps(twin))
        proxy.inject("CreateSIPOutboundTrunk", Fault.drop_before_forward(), times=50)
        killed_up(alpha, proxy, random.Random(1), interrupt_first=False)
        proxy.clear()
        alpha.run("cancel", "--yes")
        made = sorted(create_outbound(oracle, **declared["args"]).sip_trunk_id for _ in range(2))

        stopped = alpha.up(check=False)
        assert stopped.returncode != 0
        command = printed_command("\n".join(stopped.messages().values()))
        (urn,) = [op["resource"]["urn"] for op in alpha.export()["deployment"]["pending_operations"]]
        refused = subprocess.run(["bash", "-c", command], cwd=alpha.program_dir, env=alpha.env, capture_output=True,
                                 text=True, timeout=300)
        assert refused.returncode == 1, (refused.stdout, refused.stderr)
        assert f"({', '.join(made)})" in refused.stderr and f"--take '{urn}=<ID>'" in refused.stderr

        taken = subprocess.run(["bash", "-c", f"{command} --take '{urn}={made[1]}'"], cwd=alpha.program_dir,
                               env=alpha.env, capture_output=True, text=True, timeout=300)
        assert taken.returncode == 0 and f"take  {urn}  {made[1]}" in taken.stdout, (taken.stdout, taken.stderr)
        creates_before = proxy.count("CreateSIPOutboundTrunk")
        alpha.up()
        assert proxy.count("CreateSIPOutboundTrunk") == creates_before
        alpha.preview("--expect-no-changes")
    assert [r["id"] for r in alpha.resources("OutboundTrunk")] == [made[1]]
    assert sorted(t.sip_trunk_id for t in oracle.outbound_trunks()) == made
