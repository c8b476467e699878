"""examples/change-review: its CI script on the multi-env stacks, through the real engine and server, with the
policy pack advisory for dev and mandatory for prod."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from pulumi_livekit.testing import PulumiStack

from support import EXAMPLES, POLICY_VENV, REPO

REVIEW = EXAMPLES / "change-review"
MULTI_ENV = EXAMPLES / "multi-env"
STACKS = ("dev", "prod")


def use_stack_files(project: Path, source: Path, stacks: tuple[str, ...] = STACKS) -> None:
    """Each stack's settings from `source`'s Pulumi.<stack>.yaml, kept beside what `stack init` wrote."""
    for stack in stacks:
        target = project / f"Pulumi.{stack}.yaml"
        settings = yaml.safe_load(target.read_text()) if target.exists() else None
        settings = settings or {}
        settings.setdefault("config", {}).update(yaml.safe_load((source / f"Pulumi.{stack}.yaml").read_text())["config"])
        target.write_text(yaml.safe_dump(settings))


def review(dev: PulumiStack, *args: str, markdown: Path | None = None) -> subprocess.CompletedProcess:
    # No livekit-routes on PATH (only `pulumi` is): the script takes the one in the project's virtualenv. The test
    # bed's has no `policy` extra: livekit-policy comes from the virtualenv that has it.
    env = {**dev.env, "PROJECT_DIR": str(dev.program_dir),
           "LIVEKIT_POLICY": str(POLICY_VENV / "bin" / "livekit-policy"),
           **({"REVIEW_MARKDOWN": str(markdown)} if markdown else {})}
    assert shutil.which("livekit-routes", path=env.get("PATH")) is None
    return subprocess.run([str(REVIEW / "review.sh"), *args], env=env, capture_output=True, text=True, timeout=600)


def documented_diff() -> str:
    """The `livekit-routes diff` of this change to the prod stack, as docs/change-review.md quotes it."""
    page = (REPO / "docs" / "change-review.md").read_text()
    quoted = page.split("From `examples/change-review/` (a change to the multi-env prod stack):", 1)[1]
    return re.search(r"```\n(.*?)```", quoted, re.S).group(1)


def test_without_livekit_routes_anywhere_the_script_says_where_to_install_it(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: telephony\nruntime:\n  name: python\n"
                                          "  options:\n    virtualenv: venv\n")
    env = {"PATH": "/usr/bin:/bin", "PROJECT_DIR": str(tmp_path)}
    result = subprocess.run([str(REVIEW / "review.sh"), "dev"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "livekit-routes not found" in result.stderr and "Pulumi.yaml" in result.stderr


def test_the_review_script_shows_the_resource_diff_and_the_calls_it_moves(livekit, tmp_path):
    dev = PulumiStack(MULTI_ENV, "dev", workdir=tmp_path, env=livekit.credentials.env())
    # The same project copy and backend.
    prod = PulumiStack(dev.program_dir, "prod", workdir=tmp_path, env=livekit.credentials.env(), copy_program=False)
    use_stack_files(dev.program_dir, MULTI_ENV)
    for stack in (dev, prod):
        stack.up()

    # The change to dev alone first: prod as committed moves no call and passes its mandatory policies (its status,
    # the first, would be the run's: 3 or 4, or 1 without that line), and dev's change fails the gate.
    use_stack_files(dev.program_dir, REVIEW / "change", ("dev",))
    gated = review(dev, "--fail-on-change", "prod", "dev")
    assert gated.returncode == 1, gated.stdout + gated.stderr
    prod_part, dev_part = gated.stdout.split("=== dev: resources")
    assert "the change does not move any call" in prod_part and "1 of 2 calls change route" in dev_part, gated.stdout

    use_stack_files(dev.program_dir, REVIEW / "change")
    comment = tmp_path / "comment.md"
    changed = review(dev, *STACKS, markdown=comment)
    print(changed.stdout)  # what examples/change-review/README.md shows
    print(comment.read_text())
    assert changed.returncode == 0, changed.stderr
    dev_part, prod_part = changed.stdout.split("=== prod: resources")
    assert re.search(r'~ to \+15550100 from anyone\n'
                     r'    before: trunk "inbound" -> rule "support": room dev-call-_\{caller\}_\{random\}, '
                     r'agent support-agent-dev\n'
                     r'    after:  trunk "inbound" -> rule "support": room dev-support-_\{caller\}_\{random\}, '
                     r'agent support-agent-dev\n', dev_part), dev_part
    assert "3 of 4 calls change route" in prod_part and '+ [2]: "+15105550102"' in prod_part
    assert documented_diff() in prod_part  # what docs/change-review.md quotes
    assert re.search(r'~ to \+15105550102 from anyone\n'
                     r'    before: no trunk, no rule: dropped\n'
                     r'    after:  trunk "inbound" -> rule "support": room call-_\{caller\}_\{random\}, '
                     r'agent support-agent-v2\n', prod_part), prod_part
    # The pack in each preview: advisory in dev, mandatory in prod, where this trunk (open to any caller, as in
    # LiveKit's own examples) and its rule are let through as advisories only.
    assert "[advisory]" in dev_part and "[mandatory]" not in dev_part
    assert "open-rule  (pulumi-python:dynamic/livekit:DispatchRule: support)" in prod_part
    markdown = comment.read_text()
    dev_md, prod_md = markdown.split("### Stack `prod`")
    assert "#### Calls: 1 of 2 change route" in dev_md and "#### Calls: 3 of 4 change route" in prod_md
    assert ("| changed | to +15105550102 from anyone | trunk \"inbound\", no rule: dropped |" in prod_md
            or "| changed | to +15105550102 from anyone | no trunk, no rule: dropped |" in prod_md), prod_md
    assert "none mandatory" in prod_md and "`open-rule` | advisory | rule support" in prod_md

    # A prod number written with spaces: trunks would still match it, but prod's policy requires E.164.
    prod_file = dev.program_dir / "Pulumi.prod.yaml"
    settings = yaml.safe_load(prod_file.read_text())
    settings["config"]["livekit-multi-env:numbers"].append("+1 510 555 0103")
    prod_file.write_text(yaml.safe_dump(settings))
    blocked = review(dev, "prod", markdown=comment)
    assert blocked.returncode == 4, blocked.stdout + blocked.stderr
    assert "[mandatory]" in blocked.stdout and "e164-numbers" in blocked.stdout
    assert "the change is blocked" in comment.read_text() and "+1 510 555 0103" in comment.read_text()
    # No `pulumi destroy`: the next test starts from an emptied server (tests/support.py).
