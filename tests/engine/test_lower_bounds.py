"""The package on the oldest release of every runtime dependency pyproject.toml admits, all at once: each `>=`
bound becomes a pin in a pip constraints file, and a user's project installed with it runs through the engine
(tests/user_project.py), as does examples/yaml on the provider plugin the same install put beside its Python;
then, in that virtualenv, every module imports, the plugin's schema builds and inputs are checked against
livekit-protocol's descriptors. The same checks on the test bed's own releases (the newest) turn a deprecation
this package's code triggers into an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from support import EXAMPLES, REPO, pyproject
from user_project import run_user_project

CHECKS = '''\
import importlib, json, pkgutil, warnings
from importlib import metadata

warnings.filterwarnings("error", category=DeprecationWarning, module=r"pulumi_livekit(\\.|$)")

import pulumi
import pulumi_livekit as livekit
from pulumi_livekit.plugin import schema

# The test bed is no part of what installs (an editable install still has it, from the clone).
modules = [module.name for module in pkgutil.walk_packages(livekit.__path__, "pulumi_livekit.")
           if not module.name.startswith("pulumi_livekit.testing")]
for name in modules:
    importlib.import_module(name)
registered = {}


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        registered[args.name] = args.inputs
        return f"{args.name}-id", args.inputs

    def call(self, args):
        return {}


@pulumi.runtime.test
def declare():
    # One Output for a list field stands for a list of one (the resource asks the descriptor which fields are lists).
    rule = livekit.DispatchRule("support", rule=livekit.DispatchRuleDirect(room_name="support"),
                                trunk_ids=pulumi.Output.from_input("ST_1"))
    return rule.id


pulumi.runtime.set_mocks(Mocks(), preview=False)
declare()
try:
    livekit.DispatchRule.from_json("bad", {"trunkIds": "ST_1", "rule": {"dispatchRuleDirect": {"roomName": "x"}}})
    refused = None
except livekit.ValidationError as error:
    refused = str(error)
print(json.dumps({
    "package": livekit.__file__,
    "modules": modules,
    "versions": {dist.metadata["Name"]: dist.version for dist in metadata.distributions()},
    "resources": sorted(json.loads(schema())["resources"]),
    "registered_trunks": registered["support"].get("trunk_ids"),
    "refused": refused,
}))
'''

def lower_bounds() -> dict[str, str]:
    """Each runtime dependency of pyproject.toml -> the version its `>=` bound names."""
    bounds = {}
    for requirement in map(Requirement, pyproject()["project"]["dependencies"]):
        lowest = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(lowest) == 1, f"{requirement}: a runtime dependency needs one `>=` bound, the release tested here"
        bounds[canonicalize_name(requirement.name)] = lowest[0]
    return bounds


def run_checks(python: Path | str, env: dict) -> dict:
    checked = subprocess.run([str(python), "-c", CHECKS], capture_output=True, text=True, env=env, timeout=120)
    assert checked.returncode == 0, checked.stderr[-3000:]
    return json.loads(checked.stdout)


def module_names() -> set[str]:
    """Every module and subpackage of the clone's package that installs, by its files."""
    package = REPO / "provider" / "pulumi_livekit"
    names = set()
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return {name for name in names if not name.startswith("pulumi_livekit.testing")} - {"pulumi_livekit"}


def assert_checked(result: dict) -> None:
    assert set(result["modules"]) == module_names()
    assert result["resources"] == ["livekit:index:DispatchRule", "livekit:index:InboundTrunk",
                                   "livekit:index:OutboundTrunk"]
    assert result["registered_trunks"] == ["ST_1"]
    assert result["refused"] == "trunkIds: expected a list, got a string"


def test_on_the_oldest_release_of_every_dependency_a_python_and_a_yaml_project_run(tmp_path, livekit, oracle,
                                                                                  monkeypatch, pulumi_stack,
                                                                                  distributions):
    bounds = lower_bounds()
    constraints = tmp_path / "lower-bounds.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in bounds.items()))
    venv = run_user_project(str(distributions["wheel"]), tmp_path, livekit, oracle, monkeypatch,
                            pip_options=("--constraint", str(constraints)))

    stack = pulumi_stack(EXAMPLES / "yaml")
    program = stack.program_dir / "Pulumi.yaml"
    project = yaml.safe_load(program.read_text())
    [plugin] = project["plugins"]["providers"]
    plugin["path"] = str(venv / "bin")
    program.write_text(yaml.safe_dump(project))
    outputs = stack.up().outputs
    assert [trunk.sip_trunk_id for trunk in oracle.inbound_trunks()] == [outputs["trunkId"]]
    assert {rule.sip_dispatch_rule_id for rule in oracle.rules()} == {
        outputs["agentRuleId"], outputs["pinRuleId"], outputs["calleeRuleId"]}
    stack.destroy()
    assert oracle.rules() == [] and oracle.inbound_trunks() == []

    # The package as installed, not the clone's source the tests' environment points at.
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = run_checks(venv / "bin" / "python", env)
    assert result["package"].startswith(str(venv))
    installed = {canonicalize_name(name): Version(version) for name, version in result["versions"].items()}
    assert {name: installed[name] for name in bounds} == {name: Version(v) for name, v in bounds.items()}
    assert_checked(result)


def test_on_the_test_beds_releases_the_package_triggers_no_deprecation():
    result = run_checks(sys.executable, dict(os.environ))
    assert Version(result["versions"]["protobuf"]) >= Version("6.32")  # where `FieldDescriptor.label` is deprecated
    assert_checked(result)
