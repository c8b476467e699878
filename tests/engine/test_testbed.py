"""The test bed itself: the real Pulumi engine it drives, a user project in its own virtualenv, and the tools
`scripts/bootstrap` installs."""

import os
import subprocess
import sys

from pulumi_livekit.testing import PulumiStack, resource_name

from support import PROGRAMS, REPO


def test_pulumi_up_and_destroy_a_dynamic_resource_through_the_built_engine(tmp_path):
    stack = PulumiStack(PROGRAMS / "noop", workdir=tmp_path)
    version = stack.run("version").stdout.strip()
    assert version.startswith("v3.")

    stack.set_config("count", "2")
    up = stack.up()
    assert up.changes == {"create": 3}  # the stack and two dynamic resources
    assert sorted(resource_name(step.urn) for step in up.steps("create")) == [
        "default", "noop-0", "noop-1", "noop-test"]  # and the provider, which the summary does not count
    assert up.outputs == stack.outputs(show_secrets=True) == {"labels": ["label-0", "label-1"]}  # events, CLI
    assert len(stack.resources("dynamic:Resource")) == 2

    assert stack.preview("--expect-no-changes").changes == {}
    assert stack.destroy().changes == {"delete": 3}
    assert stack.resources("dynamic:Resource") == []


USER_PROGRAM = '''\
"""An infra repo's program: a rule, and a probe that reports where the provider process runs."""
import os
import sys

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

import pulumi_livekit as livekit


def where():
    """This process's Python, the package it imports, and the variables that could point it elsewhere."""
    return {"prefix": sys.prefix, "package": livekit.__file__, "path": os.environ["PATH"],
            "env": [k for k in ("VIRTUAL_ENV", "PULUMI_PYTHON_CMD", "PYTHONPATH", "PYTHONHOME") if k in os.environ]}


class WhereProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("where", where())


class Where(Resource):
    prefix: pulumi.Output[str]
    package: pulumi.Output[str]
    path: pulumi.Output[str]
    env: pulumi.Output[list]

    def __init__(self, name):
        super().__init__(WhereProvider(), name, {"prefix": None, "package": None, "path": None, "env": None})


rule = livekit.DispatchRule("support", rule=livekit.DispatchRuleDirect(room_name="support"), trunk_ids=["ST_user"])
provider = Where("provider")
pulumi.export("rule_id", rule.id)
pulumi.export("program", where())
pulumi.export("provider", {"prefix": provider.prefix, "package": provider.package, "path": provider.path,
                           "env": provider.env})
'''


def test_a_user_project_runs_in_its_own_virtualenv_with_the_package_installed_from_the_clone(
        tmp_path, livekit, oracle, monkeypatch):
    """The README's quick start for an infra repo: `pulumi new python`'s layout, `pip install <clone>`
    into the project's virtualenv, and `pulumi` run by a PATH without that virtualenv.

    The tests run in an activated virtualenv of their own here, which must not reach the engine."""
    tests_venv = str(REPO / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", tests_venv)
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.join(tests_venv, "bin"), os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "provider"))
    monkeypatch.setenv("PULUMI_PYTHON_CMD", os.path.join(tests_venv, "bin", "python"))
    project = tmp_path / "infra"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: user-infra\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n")
    (project / "__main__.py").write_text(USER_PROGRAM)
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO)], check=True,
                   capture_output=True)

    stack = PulumiStack(project, "dev", workdir=tmp_path / "pulumi", copy_program=False)
    assert tests_venv not in stack.env["PATH"] and "VIRTUAL_ENV" not in stack.env
    creds = livekit.credentials
    stack.set_config("livekit:url", creds.url)
    stack.set_config("livekit:apiKey", creds.api_key)
    stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    outputs = stack.up().outputs
    assert oracle.rule(outputs["rule_id"]).rule.dispatch_rule_direct.room_name == "support"
    site_packages = str(venv / "lib")
    for process in ("program", "provider"):
        assert outputs[process]["prefix"] == str(venv), process
        assert outputs[process]["package"].startswith(site_packages), outputs[process]  # not the clone's source
        # Pulumi's host runs the project's virtualenv's Python: nothing points at the tests' virtualenv.
        assert outputs[process]["env"] == [], (process, outputs[process]["env"])
        assert tests_venv not in outputs[process]["path"], (process, outputs[process]["path"])
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert oracle.rules() == []


def test_bootstrap_twice_keeps_every_tool_link_working(tmp_path):
    """`make` puts .tools/bin first on PATH; a second bootstrap must not link a tool to itself."""
    env = {**os.environ, "PATH": os.pathsep.join([str(REPO / ".tools" / "bin"), os.environ["PATH"]])}
    for _ in range(2):
        run = subprocess.run([str(REPO / "scripts" / "bootstrap")], env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
    assert "Too many levels of symbolic links" not in run.stderr
    for tool in ("redis-server", "redis-cli", "livekit-server", "pulumi", "pulumi-language-python",
                 "pulumi-language-python-exec", "pulumi-resource-pulumi-python"):
        path = REPO / ".tools" / "bin" / tool
        assert os.access(path.resolve(strict=True), os.X_OK), tool
    ready = run.stderr.strip().splitlines()[-1]
    assert ready.startswith("bootstrap: ready: v3.") and "redis " in ready, ready


def test_the_install_folder_holds_pulumis_own_dynamic_provider_launcher():
    """An official install's layout: Pulumi's launcher script beside `pulumi`, not this package's host."""
    launcher = REPO / ".tools" / "bin" / "pulumi-resource-pulumi-python"
    assert not launcher.is_symlink()
    assert launcher.read_text().startswith("#!/bin/sh") and "-m pulumi.dynamic" in launcher.read_text()
