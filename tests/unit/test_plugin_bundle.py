"""What `livekit-plugin install` puts into the plugin folder, taken from the test bed's own environment (where the
package is installed editable): the distributions the package requires and no others, each copied as its installer
recorded it, readable there by `importlib.metadata` as the plugin reads its version; and its errors."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pulumi_livekit.cli import _bundle, plugin

from support import pyproject


def names(distributions) -> set[str]:
    return {canonicalize_name(d.metadata["Name"]) for d in distributions}


def test_the_package_and_what_it_requires_transitively_but_not_its_extras():
    required = names(_bundle.required_distributions())
    declared = {canonicalize_name(Requirement(line).name) for line in pyproject()["project"]["dependencies"]}
    assert {"pulumi-livekit", *declared} <= required
    assert {"dill", "h11", "httpcore", "semver"} <= required  # what the dependencies require in turn
    assert not {"livekit", "livekit-api", "pytest", "mkdocs", "grpcio-tools"} & required  # extras nobody asked for


def test_a_requirement_missing_from_the_environment_is_named_with_what_requires_it(tmp_path, monkeypatch):
    info = tmp_path / "needy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: needy\nVersion: 1.0\n"
                                   "Requires-Dist: no-such-distribution-anywhere>=1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(_bundle.BundleError, match="needy requires no-such-distribution-anywhere, which is not "
                                                  "installed in .*: reinstall pulumi-livekit there"):
        _bundle.required_distributions("needy")


def test_an_editable_install_is_copied_from_its_source_and_a_regular_one_from_its_record(tmp_path):
    site = tmp_path / "lib"
    for name in ("pulumi-livekit", "pyjwt"):
        _bundle.copy_distribution(metadata.distribution(name), site)
    package = site / "pulumi_livekit"
    assert (package / "plugin" / "__init__.py").is_file() and (package / "pulumi-plugin.json").is_file()
    assert (site / "jwt" / "__init__.py").is_file()
    assert not list(site.glob("__editable__*"))  # the hooks that point at the clone stay behind
    assert not list(site.rglob("__pycache__")) and not list(site.rglob("*.pyc"))
    copied = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions(path=[str(site)])}
    assert copied == {"pulumi-livekit": metadata.version("pulumi-livekit"), "pyjwt": metadata.version("pyjwt")}


def test_the_launcher_runs_the_folder_on_the_python_outside_the_virtualenv_isolated():
    python = _bundle.base_python()
    assert sys.prefix != sys.base_prefix  # the tests run in a virtualenv: the plugin must not run on it
    assert python.is_file() and Path(sys.prefix) not in python.parents
    text = _bundle.launcher(python, "9.9.9")
    assert text.startswith("#!/bin/sh\n") and "pulumi-livekit 9.9.9" in text
    assert f"exec {python} -I -S -c " in text and text.rstrip().endswith('"$(dirname "$0")/lib" "$@"')


def test_without_pulumi_on_path_the_command_says_what_it_needs(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "")
    assert plugin.main(["install"]) == 1
    assert capsys.readouterr().err == ("livekit-plugin: error: `pulumi` is not on PATH: the plugin is installed with "
                                       "`pulumi plugin install`\n")
