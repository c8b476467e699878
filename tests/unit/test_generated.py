"""The files written from livekit-protocol's descriptors and the descriptions (`make generate`) are committed as the
scripts write them: a new field, a changed description or a hand edit fails here until they are written again. The
reference pages are in the docs site's navigation."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from support import REPO


@pytest.mark.parametrize("script", ["gen_python_types.py", "gen_reference.py"])
def test_the_committed_files_are_what_the_script_writes(script):
    checked = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--check"],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, f"run `make generate`:\n{checked.stdout[-5000:]}{checked.stderr[-3000:]}"


def test_each_reference_page_is_in_the_sites_navigation():
    def pages(entries) -> list[str]:
        found = []
        for entry in entries:
            for value in (entry.values() if isinstance(entry, dict) else [entry]):
                found += pages(value) if isinstance(value, list) else [value]
        return found

    navigation = pages(yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"])
    written = sorted(f"reference/{page.name}" for page in (REPO / "docs" / "reference").glob("*.md"))
    assert len(written) == 4 and set(written) <= set(navigation)
