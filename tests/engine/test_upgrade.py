"""A stack written by an earlier version of this package, upgraded to the current one.

The earlier version is a commit of this repository (`git archive`), installed into a virtualenv of
its own and cached per commit under ~/.cache/pulumi-livekit, as a user's project would have had it
installed from PyPI. With it, `pulumi up` writes the state of the trunks program (an inbound and an
outbound trunk, two dispatch rules on the inbound one: every field a trunk has, agents, metadata).
Then the project's virtualenv becomes the clone's: preview shows no changes, refresh changes
nothing, and `up` sends LiveKit no write; every object keeps its ID and every field."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from pulumi_livekit.testing import FaultProxy, PulumiStack

from support import PROGRAMS, REPO, VENV, configure_for

EARLIER = {
    # 2026-11-26, the first commit with all three kinds and the trunks program: its state registers
    # every field, and each provider pickled as an instance of its class.
    "first": "9e11d2eb767cd502737b9a57d25b4e246dd16414",
    # 2026-11-28, the last before providers were pickled as the module-level name that holds them:
    # only the fields set are registered, with the routing review and the declared-rule registry.
    "before-named-providers": "8fef0588d3e20507c0ee574f553361f18fab22e1",
    # 2026-12-05, the last before the layers: each provider pickled as the module-level name it had in the flat
    # package (`pulumi_livekit._dispatch_rule.PROVIDER`, `pulumi_livekit._trunks.INBOUND_PROVIDER`).
    "before-layers": "8116d94f14dbd503e6a9496824b288cd28a13c19",
}

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-livekit"


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another clone's test run may be building the same virtualenv."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def earlier_virtualenv(commit: str) -> Path:
    """A virtualenv holding this package as it was at `commit`, built once per commit and machine."""
    home = CACHE / f"earlier-{commit[:12]}"
    venv, done = home / "venv", home / "installed"
    with locked(home / "lock"):
        if done.exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit],
                                 capture_output=True, check=False)
        assert archive.returncode == 0, f"{commit} is not in this clone's history: {archive.stderr.decode()}"
        source = home / "source"
        shutil.rmtree(source, ignore_errors=True)
        source.mkdir()
        archive_file = home / "source.tar"
        archive_file.write_bytes(archive.stdout)
        with tarfile.open(archive_file) as tar:
            tar.extractall(source, filter="data")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)],
                                   capture_output=True, text=True)
        assert installed.returncode == 0, installed.stderr
        shutil.rmtree(source)
        archive_file.unlink()
        done.touch()
    return venv


def use_virtualenv(project: Path, venv: Path) -> None:
    settings = yaml.safe_load((project / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(venv)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))


def server_objects(oracle) -> dict[str, list]:
    """Everything the server holds, in a stable order: compared whole, IDs and every field included."""
    return {
        "rules": sorted(oracle.rules(), key=lambda o: o.sip_dispatch_rule_id),
        "inbound": sorted(oracle.inbound_trunks(), key=lambda o: o.sip_trunk_id),
        "outbound": sorted(oracle.outbound_trunks(), key=lambda o: o.sip_trunk_id),
    }


def providers_in(stack: PulumiStack) -> dict[str, str]:
    """Each SIP resource's URN -> the serialized provider its state holds."""
    return {r["urn"]: r["inputs"]["__provider"] for r in stack.export()["deployment"]["resources"]
            if "livekit:" in r["type"]}


WRITES = ("Create", "Update", "Delete")


@pytest.mark.parametrize("version", EARLIER)
def test_a_stack_written_by_an_earlier_version_upgrades_without_a_change(version, tmp_path, livekit, oracle):
    earlier = earlier_virtualenv(EARLIER[version])
    project = tmp_path / "project"
    shutil.copytree(PROGRAMS / "trunks", project, ignore=shutil.ignore_patterns("__pycache__"))
    use_virtualenv(project, earlier)
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = PulumiStack(project, "prod", workdir=tmp_path / "pulumi", copy_program=False, defer_config=True)
        # Through the proxy from the start: the URL is part of the connection, which must not change.
        configure_for(stack, dataclasses.replace(livekit.credentials, url=proxy.url))
        written = stack.up()
        assert written.changes == {"create": 5}, written.summary  # the stack, two trunks, two rules
        ids = stack.outputs()
        before = server_objects(oracle)
        assert [o.sip_trunk_id for o in before["inbound"]] == [ids["inbound_id"]]
        assert sorted(o.sip_dispatch_rule_id for o in before["rules"]) == sorted(ids["rule_ids"].values())
        written_by_earlier = providers_in(stack)

        use_virtualenv(project, VENV)
        proxy.counts.clear()
        assert stack.preview("--expect-no-changes").changes == {}
        refreshed = stack.refresh()
        assert refreshed.changes == {}, refreshed.summary
        assert stack.preview("--expect-no-changes").changes == {}
        upgraded = stack.up()
        assert upgraded.changes == {}, upgraded.summary
        assert [m for m in proxy.counts if m.startswith(WRITES)] == [], dict(proxy.counts)
        assert stack.outputs() == ids
        # The state is now the current version's: each resource names its provider as this one does.
        assert providers_in(stack).keys() == written_by_earlier.keys()
        assert all(providers_in(stack)[urn] != written_by_earlier[urn] for urn in written_by_earlier)
    assert server_objects(oracle) == before
