"""A user's infra repo, as the README's quick start lays it out (its files read from the README), run
through the real engine: shared by the test that installs the package from a source folder of the clone
(test_testbed.py) and those that install the clone's wheel (tests/support.py's `distributions`: test_distribution.py,
test_infra_repo.py, test_lower_bounds.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Sequence

import yaml

from pulumi_livekit.testing import LocalLiveKit, PulumiStack

from support import REPO

README = (REPO / "README.md").read_text()
TESTS_VENV = str(REPO / ".venv")

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


def readme_layout() -> dict[str, str]:
    """The files of the README's infra-repo layout, by path: Pulumi.yaml and the provider host's launcher."""
    section = README.split("### In your infra repo", 1)[1].split("\n### ", 1)[0]
    [pulumi_yaml] = re.findall(r"```yaml\n(.*?)```", section, re.S)
    [launcher] = re.findall(r"```sh\n(#!/bin/sh\n.*?)```", section, re.S)
    [entry] = yaml.safe_load(pulumi_yaml)["plugins"]["providers"]
    return {"Pulumi.yaml": pulumi_yaml, f"{entry['path']}/pulumi-resource-pulumi-python": launcher}


def user_project(install: str, tmp_path: Path, monkeypatch, program: str, *,
                 pip_options: Sequence[str] = ()) -> tuple[Path, PulumiStack]:
    """The README's infra-repo layout with `program`, `pip install <install>` (the clone, or a built wheel;
    `pip_options` such as a constraints file) into the project's virtualenv, and a stack whose `pulumi` runs by a
    PATH without that virtualenv. Returns the virtualenv and the stack.

    The tests run in an activated virtualenv of their own here, which must not reach the engine."""
    project = tmp_path / "infra"
    for name, text in readme_layout().items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    (project / "plugins" / "pulumi-resource-pulumi-python").chmod(0o755)  # the README's `chmod +x`
    (project / "__main__.py").write_text(program)
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *pip_options, install],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    # Set after the install: with the clone on PYTHONPATH, pip took the wheel's package as installed already.
    monkeypatch.setenv("VIRTUAL_ENV", TESTS_VENV)
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.join(TESTS_VENV, "bin"), os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "provider"))
    monkeypatch.setenv("PULUMI_PYTHON_CMD", os.path.join(TESTS_VENV, "bin", "python"))

    stack = PulumiStack(project, "dev", workdir=tmp_path / "pulumi", copy_program=False, defer_config=True)
    assert TESTS_VENV not in stack.env["PATH"] and "VIRTUAL_ENV" not in stack.env
    return venv, stack


def run_user_project(install: str, tmp_path: Path, livekit: LocalLiveKit, oracle, monkeypatch, *,
                     pip_options: Sequence[str] = ()) -> Path:
    """The README's quick start for an infra repo (`user_project`): up, where the program and the provider ran, a
    clean preview, destroy. Returns the virtualenv."""
    venv, stack = user_project(install, tmp_path, monkeypatch, USER_PROGRAM, pip_options=pip_options)
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
        assert TESTS_VENV not in outputs[process]["path"], (process, outputs[process]["path"])
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert oracle.rules() == []
    return venv
