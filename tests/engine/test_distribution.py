"""What a user installs: the sdist and the wheel `python -m build` makes (the wheel built from the
sdist, as build does by default, so a file missing from the sdist fails here; tests/support.py's
`distributions`, built once per session), checked by `twine check`, and a user's project run from the
wheel installed in a clean virtualenv."""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile

from packaging.requirements import Requirement

from pulumi_livekit._version import VERSION

from support import pyproject
from user_project import run_user_project


def test_twine_check_passes_on_the_sdist_and_the_wheel(distributions):
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions.values())],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_declares_what_pyproject_declares_and_ships_the_package_without_the_tests_or_test_bed(distributions):
    project = pyproject()["project"]
    with zipfile.ZipFile(distributions["wheel"]) as wheel:
        names = wheel.namelist()
        [info] = {name.split("/")[0] for name in names if ".dist-info/" in name}
        metadata = email.message_from_bytes(wheel.read(f"{info}/METADATA"))
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert metadata["Version"] == VERSION
    required = {Requirement(r) for r in metadata.get_all("Requires-Dist") if "extra ==" not in r}
    assert required == set(map(Requirement, project["dependencies"]))
    for script in project["scripts"]:
        assert f"\n{script} = " in entry_points
    packages = {name.rsplit("/", 1)[0] for name in names if name.endswith(".py")}
    assert packages == {"pulumi_livekit", "pulumi_livekit/_model", "pulumi_livekit/_api", "pulumi_livekit/_core",
                        "pulumi_livekit/_dynamic", "pulumi_livekit/plugin", "pulumi_livekit/cli",
                        "pulumi_livekit/cli/_codegen", "pulumi_livekit/routing", "pulumi_livekit/policy"}
    # Not the test bed: it needs the clone.
    assert not [name for name in names if name.endswith(".pyc") or name.startswith("tests/")]
    assert "pulumi_livekit/py.typed" in names  # type checkers read the package's annotations (PEP 561)


def test_the_sdist_holds_the_sources_the_wheel_is_built_from(distributions):
    with tarfile.open(distributions["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "CHANGELOG.md", "provider/pulumi_livekit/__init__.py",
            "provider/pulumi_livekit/_dynamic/host.py"} <= names


def test_a_user_project_runs_from_the_wheel_in_a_clean_virtualenv(distributions, tmp_path, livekit, oracle,
                                                                  monkeypatch):
    run_user_project(str(distributions["wheel"]), tmp_path, livekit, oracle, monkeypatch)
