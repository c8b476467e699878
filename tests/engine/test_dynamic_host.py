"""This package's dynamic-provider host (`pulumi-resource-pulumi-python`) on the oldest and the
newest Pulumi SDK it is tested on (pyproject.toml) and on the SDK of the engine the test bed runs,
the plugin on an SDK host of another shape, and `pulumi import` through it. Import with `import_` is
proven in test_dispatch_rule.py and test_trunks.py; the loader's fallback in
tests/unit/test_dynamic_host_fallback.py."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest
from livekit import api as lkapi

from pulumi_livekit._core import sdk as _sdk

from support import PROGRAMS, REPO


def supported_pulumi() -> tuple[str, str]:
    """The oldest and newest pulumi versions the package is tested on (pyproject.toml's [tool.pulumi-livekit])."""
    [(lowest, highest)] = re.findall(r'pulumi-tested = \["([\d.]+)", "([\d.]+)"\]', (REPO / "pyproject.toml").read_text())
    return lowest, highest


def start_host(*command: str, env: Optional[dict] = None) -> tuple[str, str]:
    """Start a host as the engine does and return (its first stdout line, its stderr so far)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        port = process.stdout.readline().strip()
    finally:
        process.kill()
        _, stderr = process.communicate()
    return port, stderr


def engine_sdk(tmp_path: Path) -> tuple[str, str]:
    """The version of the engine the test bed runs (scripts/bootstrap), and its Python SDK's source from the
    Go module proxy: a release PyPI may not serve yet, under the dependency's open upper end."""
    [tag] = re.findall(r"^PULUMI_VERSION=(v[\d.]+)$", (REPO / "scripts" / "bootstrap").read_text(), re.MULTILINE)
    module = json.loads(subprocess.run(["go", "mod", "download", "-json", f"github.com/pulumi/pulumi/sdk/v3@{tag}"],
                                       check=True, capture_output=True, text=True).stdout)
    source = tmp_path / "pulumi-sdk"
    shutil.copytree(Path(module["Dir"]) / "python", source)  # the module cache is read-only; the build writes
    for path in (source, *source.rglob("*")):
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return tag[1:], str(source)


@pytest.mark.parametrize("bound", ["lowest", "highest", "engine's"])
def test_the_host_serves_import_on_both_ends_of_the_tested_pulumi_range_and_the_engines(bound, tmp_path,
                                                                                        distributions):
    if bound == "engine's":
        version, requirement = engine_sdk(tmp_path)
    else:
        version = dict(zip(("lowest", "highest"), supported_pulumi()))[bound]
        requirement = f"pulumi=={version}"
    # Only the host runs from this virtualenv, never pip or the language host: the tests' pip installs into it, and
    # leaves out the bytecode, which the host's imports write as they go.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                                "--no-compile", requirement, str(distributions["wheel"])],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    shape = subprocess.run(
        [str(venv / "bin" / "python"), "-c",
         "import importlib.metadata as m, pulumi_livekit._dynamic.host as h; print(m.version(\"pulumi\"), h._host_with_import() is not None)"],
        check=True, capture_output=True, text=True)
    assert shape.stdout.split() == [version, "True"], shape.stderr
    port, stderr = start_host(str(venv / "bin" / "pulumi-resource-pulumi-python"))
    assert port.isdigit(), stderr
    assert "unchanged" not in stderr


def test_on_an_sdk_whose_host_is_shaped_otherwise_the_plugin_still_serves(tmp_path):
    """The plugin process, not only the loader: Pulumi's own host with its `main()` behind a
    `__name__` guard (a likely next shape) is not one this package can edit, and is run as it is."""
    stock = Path(importlib.util.find_spec(_sdk.STOCK_HOST).origin).read_text()
    assert stock.count("\nmain()\n") == 1
    (tmp_path / "next_sdk_host.py").write_text(
        stock.replace("\nmain()\n", '\nif __name__ == "__main__":\n    main()\n'))
    plugin = "from pulumi_livekit._core import sdk; from pulumi_livekit._dynamic import host; sdk.STOCK_HOST = 'next_sdk_host'; host.main()"
    port, stderr = start_host(sys.executable, "-c", plugin, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert port.isdigit(), stderr
    assert stderr.count("running Pulumi's dynamic-provider host unchanged") == 1
    assert "0 main() calls, expected one" in stderr


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


# The plugin gives the routing warnings one rule tells alone at check: it needs the routing table.
@pytest.mark.parametrize("host,routing_table", [("pulumi_livekit._dynamic.host", False), ("pulumi_livekit.plugin", True)])
def test_the_hosts_load_neither_the_program_side_nor_the_http_client_until_they_need_them(host, routing_table):
    """What each provider host imports at start (every Pulumi command starts one): the core providers and the
    claims they check, and no resource class, routing review or HTTP client."""
    loaded = subprocess.run(
        [sys.executable, "-c", f"import sys, {host}; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.split()
    ours = {name for name in loaded if name.startswith("pulumi_livekit")}
    assert {"pulumi_livekit._core.dispatch_rule", "pulumi_livekit._core.trunks", "pulumi_livekit.routing._conflicts"} <= ours
    assert not {name for name in ours if name.startswith("pulumi_livekit._dynamic.") and name != host}
    assert "pulumi_livekit._api.client" not in ours and "httpx" not in loaded
    assert ("pulumi_livekit.routing._table" in ours) == routing_table and "pulumi_livekit.routing._changes" not in ours
