"""The test bed itself: the real Pulumi engine it drives, a user project in its own virtualenv, and the tools
`scripts/bootstrap` installs."""

import os
import subprocess

from pulumi_livekit.testing import PulumiStack, resource_name

from support import PROGRAMS, REPO, package_source
from user_project import run_user_project


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


def test_a_user_project_runs_in_its_own_virtualenv_with_the_package_installed_from_the_clone(
        tmp_path, livekit, oracle, monkeypatch):
    """The README's quick start for an infra repo with `pip install <clone>` (tests/user_project.py; the
    built wheel's run is in tests/engine/test_distribution.py)."""
    run_user_project(str(package_source(tmp_path / "source")), tmp_path, livekit, oracle, monkeypatch)


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
