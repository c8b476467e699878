"""The plugin installed as docs/plugin.md says, from a throwaway virtualenv that is then deleted, used by a Pulumi
YAML project outside the repository with nothing on PATH but `pulumi`: up, a clean preview, an upgrade to a newer
release, the old one removed, destroy. `pulumi plugin ls` shows the version installed at each step."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from pulumi_livekit.plugin import VERSION

from support import REPO, package_source

DOCS = (REPO / "docs" / "plugin.md").read_text()
INSTALL = re.search(r"## Installing it\n.*?```sh\n(.*?)```", DOCS, re.S).group(1)
REMOVE = re.search(r"\*\*Upgrading\.\*\*.*?```sh\n(.*?)```", DOCS, re.S).group(1).strip()
NEXT = f"{int(VERSION.split('.')[0])}.{int(VERSION.split('.')[1]) + 1}.0"  # the release the test upgrades to


def next_release_wheel(tmp_path: Path) -> Path:
    """The wheel of this clone's source as the next minor release."""
    source = package_source(tmp_path / "source")
    version_file = source / "provider" / "pulumi_livekit" / "_version.py"
    version_file.write_text(version_file.read_text().replace(f'VERSION = "{VERSION}"', f'VERSION = "{NEXT}"'))
    out = tmp_path / "next-wheel"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = out.glob("*.whl")
    return wheel


def install_as_documented(wheel: Path, venv: Path, env: dict) -> str:
    """The documented commands, with the wheel for the clone and the test's folder for the virtualenv."""
    env = {**env, "PIP_NO_COMPILE": "1"}  # bytecode the plugin does not copy: it compiles what it imports
    output = ""
    for line in INSTALL.strip().splitlines():
        command = line.split("#", 1)[0].replace("./pulumi-livekit", str(wheel)).replace("/tmp/livekit-plugin", str(venv))
        done = subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        output += done.stdout
    assert not venv.exists()  # the last documented command deleted it
    return output


def installed(stack) -> list[str]:
    return [p["version"] for p in json.loads(stack.run("plugin", "ls", "--json").stdout or "[]")
            if (p["kind"], p["name"]) == ("resource", "livekit")]


def test_installed_from_a_deleted_virtualenv_the_plugin_serves_upgrades_and_is_removed(tmp_path, pulumi_stack,
                                                                                        oracle, distributions):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "outside", "runtime": "yaml",
        "resources": {"byCallee": {"type": "livekit:index:DispatchRule", "properties": {
            "name": "By callee", "rule": {"dispatchRuleCallee": {"roomPrefix": "number-"}}}}},
        "outputs": {"ruleId": "${byCallee.sipDispatchRuleId}"},
    }))
    stack = pulumi_stack(project)
    venv = tmp_path / "throwaway"

    printed = install_as_documented(distributions["wheel"], venv, stack.env)
    assert f"installed pulumi-resource-livekit {VERSION}" in printed
    assert installed(stack) == [VERSION]
    up = stack.up()
    (rule,) = oracle.rules()
    assert (rule.sip_dispatch_rule_id, rule.rule.dispatch_rule_callee.room_prefix) == (up.outputs["ruleId"], "number-")
    stack.preview("--expect-no-changes")

    install_as_documented(next_release_wheel(tmp_path), venv, stack.env)
    assert sorted(installed(stack)) == sorted([VERSION, NEXT])
    assert REMOVE == f"pulumi plugin rm resource livekit {VERSION}"
    stack.run(*REMOVE.split()[1:], "--yes")
    assert installed(stack) == [NEXT]
    stack.preview("--expect-no-changes")  # the stack goes on with the new release: its state names no version
    stack.destroy()
    assert not oracle.rules()
    stack.run("plugin", "rm", "resource", "livekit", NEXT, "--yes")
    assert installed(stack) == []
