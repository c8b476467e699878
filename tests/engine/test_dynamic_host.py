"""This package's dynamic-provider host (`pulumi-resource-pulumi-python`) on the lowest and the
highest Pulumi SDK that pyproject.toml allows, and `pulumi import` through it. Import with `import_` is
proven in test_dispatch_rule.py and test_trunks.py; the host's fallback in
tests/unit/test_dynamic_host_fallback.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from livekit import api as lkapi

from support import PROGRAMS, REPO


def supported_pulumi() -> tuple[str, str]:
    """The lowest and highest pulumi versions the package's requirement admits."""
    [(lowest, highest)] = re.findall(r'"pulumi>=([\d.]+),<=([\d.]+)"', (REPO / "pyproject.toml").read_text())
    return lowest, highest


def start_host(executable: str) -> tuple[str, str]:
    """Start a host as the engine does and return (its first stdout line, its stderr so far)."""
    process = subprocess.Popen([executable], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        port = process.stdout.readline().strip()
    finally:
        process.kill()
        _, stderr = process.communicate()
    return port, stderr


@pytest.mark.parametrize("bound", ["lowest", "highest"])
def test_the_host_serves_import_on_both_ends_of_the_supported_pulumi_range(bound, tmp_path):
    version = dict(zip(("lowest", "highest"), supported_pulumi()))[bound]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"pulumi=={version}", str(REPO)],
                   check=True, capture_output=True)
    shape = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m, pulumi_livekit._dynamic_host as h; print(m.version(\"pulumi\"), h._host_with_import() is not None)"],
        check=True, capture_output=True, text=True)
    assert shape.stdout.split() == [version, "True"], shape.stderr
    port, stderr = start_host(str(venv / "bin" / "pulumi-resource-pulumi-python"))
    assert port.isdigit(), stderr
    assert "unchanged" not in stderr


def test_pulumi_import_adopts_each_kind_and_the_program_then_previews_clean(pulumi_stack, oracle):
    """`pulumi import --file` (no program involved) through the host a plugins entry names."""
    inbound = oracle.call("create_inbound_trunk", lkapi.CreateSIPInboundTrunkRequest(trunk=lkapi.SIPInboundTrunkInfo(
        name="main", numbers=["+15550100"], auth_username="user", auth_password="in-Imp0rt-pw")))
    outbound = oracle.call("create_outbound_trunk", lkapi.CreateSIPOutboundTrunkRequest(
        trunk=lkapi.SIPOutboundTrunkInfo(name="out", address="sip.example.com", numbers=["+15550100"])))
    rule = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=lkapi.SIPDispatchRuleInfo(
        # A long PIN: a short one turns up by chance in the state's timestamps.
        name="support", trunk_ids=[inbound.sip_trunk_id],
        rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(
            room_name="support", pin="80417236651")))))
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", "[]")
    imported = stack.import_resources([
        {"type": f"pulumi-python:dynamic/livekit:{kind}", "name": name, "id": object_id}
        for kind, name, object_id in (("InboundTrunk", "main", inbound.sip_trunk_id),
                                      ("OutboundTrunk", "out", outbound.sip_trunk_id),
                                      ("DispatchRule", "support", rule.sip_dispatch_rule_id))])
    assert imported.changes == {"create": 1, "import": 3}, imported.summary  # the stack, and the three
    stack.set_config("resources", json.dumps([
        {"type": "InboundTrunk", "name": "main",
         "args": {"name": "main", "numbers": ["+15550100"], "auth_username": "user", "auth_password": "in-Imp0rt-pw"}},
        {"type": "OutboundTrunk", "name": "out",
         "args": {"name": "out", "address": "sip.example.com", "numbers": ["+15550100"]}},
        {"type": "DispatchRule", "name": "support", "trunk": "main",
         "args": {"name": "support", "rule": {"dispatchRuleDirect": {"roomName": "support", "pin": "80417236651"}}}},
    ]), secret=True)
    stack.preview("--expect-no-changes")
    exported = json.dumps(stack.export())
    assert "in-Imp0rt-pw" not in exported and "80417236651" not in exported
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [rule.sip_dispatch_rule_id]


def test_the_plugin_loads_neither_the_routing_model_nor_the_http_client_until_it_needs_them():
    """What the provider plugin imports at start (every Pulumi command starts one): the providers, the
    claims they check, and no routing table, review or HTTP client."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, pulumi_livekit._dynamic_host; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.split()
    ours = {name for name in loaded if name.startswith("pulumi_livekit")}
    assert {"pulumi_livekit._dispatch_rule", "pulumi_livekit._trunks", "pulumi_livekit.routing._conflicts"} <= ours
    assert not ours & {"pulumi_livekit._review", "pulumi_livekit._client", "pulumi_livekit.routing._table",
                       "pulumi_livekit.routing._evaluate", "pulumi_livekit.routing._changes"}
    assert "httpx" not in loaded
