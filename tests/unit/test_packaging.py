"""What the package declares against what it does: imports against pyproject.toml's dependencies,
the version against the changelog and the commands, the Pulumi range against the range tested.

What the wheel ships of provider/pulumi_livekit is walked: every package but those pyproject.toml excludes
(the test bed, `testing/`, which runs this clone's tools)."""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pulumi_livekit._version import VERSION
from pulumi_livekit.cli import adopt, plugin, routes

from support import REPO, pyproject

PACKAGE = REPO / "provider" / "pulumi_livekit"


def requirements(group: str = "") -> dict[str, Requirement]:
    project = pyproject()["project"]
    listed = project["optional-dependencies"][group] if group else project["dependencies"]
    return {canonicalize_name(r.name): r for r in map(Requirement, listed)}


def shipped(root: Path) -> list[Path]:
    """The package's source files the wheel holds: pyproject.toml's `exclude` patterns name the packages it leaves."""
    excluded = pyproject()["tool"]["setuptools"]["packages"]["find"]["exclude"]
    files = []
    for path in sorted(root.rglob("*.py")):
        package = ".".join(path.parent.relative_to(root.parent).parts)
        if not any(fnmatch.fnmatchcase(package, pattern) for pattern in excluded):
            files.append(path)
    return files


def imported_modules(root: Path) -> dict[str, list[str]]:
    """Each absolute import outside the standard library and this package -> the files (that ship) importing it."""
    found: dict[str, list[str]] = {}
    for path in shipped(root):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "pulumi_livekit" and top != "__future__":
                    found.setdefault(name, []).append(str(path.relative_to(root)))
    return found


# The `policy` extra's virtualenv (scripts/bootstrap): pulumi-policy pins an older protobuf than the test bed's.
POLICY_SITE = sorted((REPO / ".tools" / "policy-venv" / "lib").glob("python*/site-packages"))


def distribution_of(module: str) -> str:
    """The installed distribution whose files hold `module`: in the test bed, else in the policy pack's
    virtualenv.

    packages_distributions() maps top-level names; a namespace shared by several distributions
    (`google`: protobuf and others, `livekit`: livekit-protocol and livekit-api) is settled by
    which of them installed the module's own file."""
    top = module.split(".")[0]
    candidates = sorted(set(metadata.packages_distributions().get(top, [])))
    if not candidates:
        return next(canonicalize_name(dist.metadata["Name"]) for dist in metadata.distributions(path=POLICY_SITE)
                    if top in (dist.read_text("top_level.txt") or "").split())
    assert candidates, f"{module}: no installed distribution provides it"
    if len(candidates) == 1:
        return canonicalize_name(candidates[0])
    origin = Path(importlib.util.find_spec(module).origin).resolve()
    owners = [name for name in candidates
              if any(Path(metadata.distribution(name).locate_file(file)).resolve() == origin
                     for file in metadata.distribution(name).files or ())]
    assert len(owners) == 1, f"{module} ({origin}): owned by {owners} of {candidates}"
    return canonicalize_name(owners[0])


def test_the_package_imports_exactly_its_declared_dependencies():
    imports = imported_modules(PACKAGE)
    needed = {distribution_of(module): module for module in imports}
    # The `call` extra's real-time SDK is imported only where `livekit-routes call` runs, the `policy` extra's
    # only by `livekit-policy` and the pack.
    declared = set(requirements()) | set(requirements("call")) | set(requirements("policy"))
    undeclared = {dist: imports[module] for dist, module in needed.items() if dist not in declared}
    assert not undeclared, f"imported but not in pyproject.toml's dependencies: {undeclared}"
    assert declared - set(needed) == set(), "declared but never imported"


def test_the_walk_sees_the_imports_that_used_to_arrive_only_through_other_packages():
    """The comparison above is only as good as the walk: these hide in a function, a CLI module and the host."""
    assert {distribution_of(m) for m in imported_modules(PACKAGE)} >= {"pyyaml", "grpcio"}


def test_no_test_only_dependency_is_imported_by_the_package():
    dev_only = set(requirements("dev")) - set(requirements()) - set(requirements("policy"))
    assert "livekit-api" in dev_only
    assert {distribution_of(m) for m in imported_modules(PACKAGE)} & dev_only == set()


def test_pulumi_is_bounded_only_by_its_major_version_and_its_tested_range_lies_inside():
    pulumi = requirements()["pulumi"].specifier
    oldest, newest = map(Version, pyproject()["tool"]["pulumi-livekit"]["pulumi-tested"])
    assert {s.operator for s in pulumi} == {">=", "<"}
    assert pulumi == SpecifierSet(f">={oldest},<{Version(f'{newest.major + 1}')}")
    assert oldest < newest and newest in pulumi


def test_the_changelog_has_an_unreleased_section_and_the_package_version_as_its_newest_release():
    changelog = (REPO / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert headings[1] == VERSION


@pytest.mark.parametrize("command", [routes.build_parser, adopt._parser, plugin._parser],
                         ids=["livekit-routes", "livekit-adopt", "livekit-plugin"])
def test_each_command_prints_the_package_version(command, capsys):
    with pytest.raises(SystemExit) as exited:
        command().parse_args(["--version"])
    assert exited.value.code == 0
    prog, version = capsys.readouterr().out.split()
    assert prog == command().prog
    assert version == VERSION == metadata.version("pulumi-livekit")
