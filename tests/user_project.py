"""A user's infra repo, as the README's quick start lays it out, run through the real engine: shared by
the test that installs the package from the clone (test_testbed.py) and the one that installs the
built wheel (engine/test_distribution.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from pulumi_livekit.testing import LocalLiveKit, PulumiStack

from support import REPO

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


def run_user_project(install: str, tmp_path: Path, livekit: LocalLiveKit, oracle, monkeypatch, *,
                     pip_options: Sequence[str] = ()) -> Path:
    """The README's quick start for an infra repo: `pulumi new python`'s layout, `pip install <install>`
    (the clone, or a built wheel; `pip_options` such as a constraints file) into the project's virtualenv, and
    `pulumi` run by a PATH without that virtualenv: up, where the program and the provider ran, a clean preview,
    destroy. Returns the virtualenv.

    The tests run in an activated virtualenv of their own here, which must not reach the engine."""
    project = tmp_path / "infra"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(
        "name: user-infra\nruntime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n")
    (project / "__main__.py").write_text(USER_PROGRAM)
    venv = project / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *pip_options, install],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stderr
    # Set after the install: with the clone on PYTHONPATH, pip took the wheel's package as installed already.
    tests_venv = str(REPO / ".venv")
    monkeypatch.setenv("VIRTUAL_ENV", tests_venv)
    monkeypatch.setenv("PATH", os.pathsep.join([os.path.join(tests_venv, "bin"), os.environ["PATH"]]))
    monkeypatch.setenv("PYTHONPATH", str(REPO / "provider"))
    monkeypatch.setenv("PULUMI_PYTHON_CMD", os.path.join(tests_venv, "bin", "python"))

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
    return venv
