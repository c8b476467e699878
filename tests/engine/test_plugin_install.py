"""The plugin installed exactly as docs/plugin.md says, into a fresh home, used by a Pulumi YAML project
outside the repository with no virtualenv on PATH: it goes up, previews clean and is destroyed."""

from __future__ import annotations

import re
import subprocess

import yaml

from support import REPO

COMMANDS = re.compile(r"## Installing it\n.*?```sh\n(.*?)```", re.S)


def test_the_documented_install_serves_a_yaml_project_outside_the_repo(tmp_path, pulumi_stack, oracle):
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "outside", "runtime": "yaml",
        "resources": {"byCallee": {"type": "livekit:index:DispatchRule", "properties": {
            "name": "By callee", "rule": {"dispatchRuleCallee": {"roomPrefix": "number-"}}}}},
        "outputs": {"ruleId": "${byCallee.sipDispatchRuleId}"},
    }))
    stack = pulumi_stack(project)
    home = tmp_path / "home"
    home.mkdir()
    commands = COMMANDS.search((REPO / "docs" / "plugin.md").read_text()).group(1)
    for line in commands.strip().splitlines():
        command = line.split("#", 1)[0].replace("./pulumi-livekit", str(REPO))
        done = subprocess.run(["bash", "-c", command], env={**stack.env, "HOME": str(home)}, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
    assert (home / ".pulumi-livekit" / "bin" / "pulumi-resource-livekit").exists()

    up = stack.up()
    (rule,) = oracle.rules()
    assert (rule.sip_dispatch_rule_id, rule.rule.dispatch_rule_callee.room_prefix) == (up.outputs["ruleId"], "number-")
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert not oracle.rules()
