"""What the pages promise that the code or the build decides: each figure read from where it is decided, and
found in the page's own words. A change to a default, a pin or a bound fails here until the page says the same."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

from pulumi_livekit._api.auth import NOT_BEFORE_LEEWAY_SECONDS
from pulumi_livekit._api.client import PAGE_SIZE
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._api.retry import DEFAULT_DEADLINE, DEFAULT_TIMEOUT, RetryPolicy
from pulumi_livekit._core.connection import project_mark
from pulumi_livekit._version import VERSION

from support import DISPATCH_RULE_BAD_INPUTS, REPO, pyproject



def page(path: str) -> str:
    """A page's text with its line breaks and runs of spaces made one space, as a reader reads a sentence."""
    return " ".join((REPO / path).read_text().split())


def bootstrap_pin(name: str) -> str:
    [value] = re.findall(rf'^{name}="?([^"\n]+)"?$', (REPO / "scripts" / "bootstrap").read_text(), re.M)
    return value


def test_the_timeouts_retries_and_deadline_the_pages_state_are_the_clients():
    connect, rest = DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read
    assert DEFAULT_TIMEOUT.write == DEFAULT_TIMEOUT.pool == rest
    assert f"default {connect:g} s to connect, {rest:g} s otherwise" in page("README.md")
    assert f"default {DEFAULT_DEADLINE:g};" in page("README.md")
    reliability = page("docs/reliability.md")
    assert (f"per phase (default {connect:g} s to connect, {rest:g} s for each other phase), "
            f"at most {RetryPolicy().attempts} attempts") in reliability
    assert f"(default {DEFAULT_DEADLINE:g};" in reliability
    assert f"connection refused is retried with backoff, {RetryPolicy().attempts} attempts" in reliability
    assert f"`nbf` is backdated {NOT_BEFORE_LEEWAY_SECONDS} s" in reliability


def test_the_listing_page_and_the_project_mark_are_as_the_resources_page_says():
    resources = page("docs/resources.md")
    assert f"one more per {PAGE_SIZE} (the page size it asks LiveKit for)" in resources
    mark = project_mark(Endpoint("https://livekit.example.com", "APIkey", "secret"))
    assert f"a {len(mark)}-character digest" in resources


def test_the_demo_ports_are_the_readmes():
    demo = (REPO / "scripts" / "local_livekit.py").read_text()  # its defaults, whatever this shell's DEMO_* say
    [livekit_port] = re.findall(r'"DEMO_LIVEKIT_PORT", "(\d+)"', demo)
    [redis_port] = re.findall(r'"DEMO_REDIS_PORT", "(\d+)"', demo)
    assert f"on ports {livekit_port}/{redis_port}" in page("README.md")


def test_the_prerequisites_and_pins_the_pages_name_are_the_builds():
    readme, development = page("README.md"), page("docs/development.md")
    python_min = pyproject()["project"]["requires-python"].removeprefix(">=")
    assert bootstrap_pin("PYTHON_MIN") == python_min and f"Python {python_min}+" in readme
    [go_minor] = re.findall(r'"\$go_minor" -ge (\d+)', (REPO / "scripts" / "bootstrap").read_text())
    assert f"Go 1.{go_minor}+" in readme
    assert f"Pulumi CLI **{bootstrap_pin('PULUMI_VERSION')}**" in development
    assert f"livekit-server {bootstrap_pin('LIVEKIT_VERSION')}**" in development
    assert f"**pulumi-language-yaml {bootstrap_pin('YAML_LANGUAGE_HOST_VERSION')}**" in development
    assert f"**sdk/v3 {bootstrap_pin('LANGUAGE_HOST_SDK_VERSION')}**" in development
    node = dict(tool.rsplit("@", 1) for tool in bootstrap_pin("NODE_TOOLS").split())
    assert f"`@pulumi/pulumi` {node['@pulumi/pulumi']}, `typescript` {node['typescript']}" in development
    plugin = page("docs/plugin.md")
    assert f"with `tsc` {node['typescript']} against `@pulumi/pulumi` {node['@pulumi/pulumi']}" in plugin
    requirements = (REPO / "tools" / "agent-worker" / "requirements.txt").read_text()
    worker = dict(re.findall(r"^([\w-]+)==(\S+)$", requirements, re.M))
    for text in (development, page("docs/call.md")):
        assert f"livekit-agents {worker['livekit-agents']}" in text and f"livekit {worker['livekit']}" in text


def test_the_versions_the_packaging_page_names_are_pyprojects():
    packaging = page("docs/packaging.md")
    bounds = {re.split(r"[<>=]", requirement)[0]: re.search(r">=([\d.]+)", requirement).group(1)
              for requirement in pyproject()["project"]["dependencies"]}
    declared = re.search(r"under its distribution's name: (.*?)\. ", packaging).group(1)
    assert set(re.findall(r"`([\w-]+)`", declared)) == set(bounds)
    tested = re.search(r"Today that is (.*?), on the test bed's Python", packaging).group(1)
    assert dict(re.findall(r"`([\w-]+)` ([\d.]+)", tested)) == bounds
    pulumi = next(r for r in pyproject()["project"]["dependencies"] if r.startswith("pulumi"))
    assert f"`{pulumi}`" in packaging
    oldest, newest = pyproject()["tool"]["pulumi-livekit"]["pulumi-tested"]
    assert f"Tested on the oldest, {oldest}, and on {newest}" in packaging


def test_the_plugin_version_the_plugin_page_installs_is_the_packages():
    plugin = page("docs/plugin.md")
    assert f"at the package's version ({VERSION})" in plugin
    assert f"`resource-livekit-v{VERSION}`" in plugin and f"pulumi plugin rm resource livekit {VERSION}" in plugin


def test_the_runs_make_test_makes_are_as_large_as_the_pages_say():
    oracle_test = (REPO / "tests" / "server" / "test_routing_oracle.py").read_text()
    [configs] = re.findall(r'"ROUTING_CONFIGS", "(\d+)"', oracle_test)
    [seed] = re.findall(r'"ROUTING_SEED", "(\d+)"', oracle_test)
    assert f"| configurations | **{configs}** (seed {seed};" in page("docs/routing.md")
    [steps] = re.findall(r"^DEFAULT_STEPS = (\d+)$", (REPO / "tests" / "server" / "test_differential.py").read_text(),
                         re.M)
    assert f"`make test` runs {steps} steps of a fixed seed" in page("docs/reliability.md")
    assert f"`make test` runs {steps} steps of a fixed seed" in page("docs/development.md")


def engine_test(name: str) -> ModuleType:
    """An engine test module's tables, loaded without running it, under a name of its own (pytest may hold the
    module under its file's name)."""
    spec = importlib.util.spec_from_file_location(f"claimed_{name}", REPO / "tests" / "engine" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_reliability_figures_count_what_the_tests_try():
    reliability = page("docs/reliability.md")
    rule_cases, other_cases = len(DISPATCH_RULE_BAD_INPUTS), len(engine_test("test_bad_input").BAD_INPUTS)
    assert (f"| bad inputs tried | **{rule_cases + other_cases}** ({rule_cases} DispatchRule cases in "
            f"`tests/engine/test_dispatch_rule.py`, {other_cases} more") in reliability
    audit = engine_test("test_secrets_audit")
    values = len(audit.AUDITED) + len(audit.ROTATED) + 1  # and the API secret
    assert f"{values} values (two PINs, two trunk passwords, a rotated PIN and password, the API secret)" in reliability
    burst = engine_test("test_faults").BURST
    assert f"{4 * len(burst)} answers 503/502/429 (creates, updates, refreshes, deletes)" in reliability


def test_without_the_policy_extra_livekit_policy_says_what_to_install():
    # The test bed's .venv holds the package without `pulumi-policy` (the extra has a virtualenv of its own).
    assert importlib.util.find_spec("pulumi_policy") is None
    livekit_policy = Path(sys.executable).parent / "livekit-policy"  # the console script pip installed
    done = subprocess.run([str(livekit_policy), "path"], capture_output=True, text=True, timeout=60)
    assert "exit 2" in page("docs/change-review.md") and done.returncode == 2, done.stderr
    assert "pip install 'pulumi-livekit[policy]'" in done.stderr


def test_the_multi_env_readme_shows_what_each_stack_file_sets():
    folder = REPO / "examples" / "multi-env"
    readme = (folder / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", readme, re.M))
    for column, stack in enumerate(("dev", "prod")):
        config = yaml.safe_load((folder / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert {f"livekit-multi-env:{setting}" for setting in rows} == set(config)
        for setting, cells in rows.items():
            value = config[f"livekit-multi-env:{setting}"]
            assert cells.split(" | ")[column] == ", ".join(f"`{item}`" for item in
                                                          (value if isinstance(value, list) else [value]))
