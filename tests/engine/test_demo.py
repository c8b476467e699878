"""`make demo` as the README tells it, twice: `scripts/demo.py` (what `make demo` runs after the bootstrap)
against this session's LiveKit (LIVEKIT_*, so it starts none of its own) with its Pulumi backend in a
temporary folder. The first run puts up the root stack's rule, the second changes nothing, and each prints
the rule read back from the server. The `livekit-routes` output docs/routing.md quotes of the demo stack is
what the commands print for it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from pulumi_livekit.testing import tool_path

from support import REPO, livekit_routes

STACK_CONFIG = REPO / "Pulumi.dev.yaml"  # what `pulumi stack select --create dev` writes beside Pulumi.yaml
WRITES = ("CreateSIPDispatchRule", "UpdateSIPDispatchRule", "DeleteSIPDispatchRule")


@pytest.fixture
def demo_env(livekit, proxy, tmp_path):
    """The demo's environment, through the counting proxy; the stack's config file as it was before."""
    kept = STACK_CONFIG.read_bytes() if STACK_CONFIG.exists() else None
    yield {**os.environ, **livekit.credentials.env(), "LIVEKIT_URL": proxy.url, "DEMO_STATE_DIR": str(tmp_path)}
    if kept is None:
        STACK_CONFIG.unlink(missing_ok=True)
    else:
        STACK_CONFIG.write_bytes(kept)


def make_demo(env: dict[str, str]) -> subprocess.CompletedProcess:
    demo = subprocess.run([sys.executable, str(REPO / "scripts" / "demo.py")], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return demo


def printed_rules(demo: subprocess.CompletedProcess) -> list[list[str]]:
    """The table the demo prints last, row by row, its header first."""
    table = demo.stdout.split("(read back from the server):\n", 1)[1]
    return [re.split(r"\s{2,}", line.strip()) for line in table.splitlines() if line.strip()]


def test_make_demo_twice_puts_up_the_root_stack_then_changes_nothing(demo_env, proxy, oracle):
    first = make_demo(demo_env)
    [rule] = oracle.rules()
    assert rule.name == "My dispatch rule" and rule.rule.dispatch_rule_individual.room_prefix == "call-"
    assert [agent.agent_name for agent in rule.room_config.agents] == ["inbound-agent"]
    assert re.search(r"\+ 2 created", first.stdout), first.stdout  # the stack and its rule
    # The README: the `up` warns that this rule, for every trunk, takes calls from anyone without a PIN.
    assert "accepts calls from any source without a PIN" in first.stdout
    shown = [["ID", "NAME", "KIND", "ROOM", "TRUNKS", "AGENTS", "PIN"],
             [rule.sip_dispatch_rule_id, "My dispatch rule", "individual", "call-*", "(all)", "inbound-agent", "-"]]
    assert printed_rules(first) == shown

    proxy.clear()
    second = make_demo(demo_env)
    assert re.search(r"Resources:\s+2 unchanged", second.stdout), second.stdout
    assert sum(proxy.count(method) for method in WRITES) == 0, proxy.counts
    assert oracle.rules() == [rule]  # the same object, untouched
    assert printed_rules(second) == shown

    quoted = quoted_routes_output()
    for command, (expected_exit, expected) in quoted.items():
        ran = livekit_routes(*command.split(), env={k: v for k, v in demo_env.items() if k.startswith("LIVEKIT_")})
        assert ran.returncode == expected_exit, ran.stderr
        assert lines_with_ids_as(ran.stdout, rule.sip_dispatch_rule_id) == expected, ran.stdout
    # "(`table --stack-export` of the same stack prints the same table.)"
    backend = {"PULUMI_BACKEND_URL": f"file://{demo_env['DEMO_STATE_DIR']}/backend", "PULUMI_CONFIG_PASSPHRASE": "",
               "PULUMI_SKIP_UPDATE_CHECK": "true"}  # the demo's
    exported = subprocess.run([tool_path("pulumi"), "stack", "export", "--stack", "dev", "--cwd", str(REPO)],
                              env={**demo_env, **backend}, capture_output=True, text=True, check=True).stdout
    from_state = livekit_routes("table", "--stack-export", "-", stdin=exported)
    assert lines_with_ids_as(from_state.stdout, rule.sip_dispatch_rule_id) == quoted["table"][1]


def quoted_routes_output() -> dict[str, tuple[int, list[str]]]:
    """docs/routing.md's demo block: each `$ livekit-routes ...  # exit N` line, its arguments -> the exit code
    and the lines it shows printed."""
    page = (REPO / "docs" / "routing.md").read_text()
    block = re.search(r"what `make demo` puts up\), on a local LiveKit:\n\n```\n(.*?)```", page, re.S).group(1)
    quoted = {}
    for command in re.split(r"^(?=\$ )", block, flags=re.M):
        if command:
            head, _, output = command.partition("\n")
            arguments, exit_code = re.fullmatch(r"\$ livekit-routes (.*?)\s+# exit (\d)", head).groups()
            quoted[arguments] = int(exit_code), output.rstrip("\n").splitlines()
    return quoted


def lines_with_ids_as(output: str, rule_id: str) -> list[str]:
    """The output's lines, right-stripped, with the rule's ID spelled as the page spells it (the page's own ID
    has the same length, so the columns line up alike)."""
    page_id = re.search(r"SDR_\w+", (REPO / "docs" / "routing.md").read_text()).group(0)
    return [line.rstrip().replace(rule_id, page_id) for line in output.rstrip("\n").splitlines()]
