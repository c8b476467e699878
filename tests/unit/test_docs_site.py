"""The documentation as users reach it: a short README that links to pages which exist, and the
pages building as a static site (`make docs`) without a broken reference between them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README_MAX_LINES = 250


def test_the_readme_stays_short_and_keeps_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= README_MAX_LINES
    assert "make demo" in readme and "make test" in readme


def test_every_local_link_of_the_readme_and_the_pages_exists():
    broken = []
    for page in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)} -> {target}")
    assert broken == []


def test_the_pages_build_as_a_site_in_strict_mode(tmp_path):
    # The build reads docs/RESULTS.png where `make docs` copies the benchmark plot; build a copy of the tree.
    for name in ("mkdocs.yml", "docs", "benchmarks"):
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    shutil.copy(REPO / "benchmarks" / "RESULTS.png", tmp_path / "docs" / "RESULTS.png")
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                           cwd=tmp_path, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    benchmarks = (tmp_path / "site" / "benchmarks.html").read_text()
    # The table `make bench` wrote is on the page, not a copy of it typed by hand.
    first_row = next(line for line in (REPO / "benchmarks" / "RESULTS.md").read_text().splitlines()
                     if line.startswith("| 1 | pulumi up"))
    assert first_row.split("|")[3].strip() in benchmarks
