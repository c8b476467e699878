"""The documentation as users reach it: a short README that links to pages which exist, every path the pages
and the code's comments name there, and the pages building as a static site (`make docs`) without a broken
reference between them."""

from __future__ import annotations

import collections
import importlib
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
                     if re.match(r"\| \d+ \| pulumi up", line))
    assert first_row.split("|")[3].strip() in benchmarks


# A reader follows a path written in a page or a comment as surely as a link. Checked: repository paths
# (`tests/engine/test_faults.py`, `scripts/bootstrap`), module paths relative to the package
# (`_core/provider.py`), file names alone in backticks (`test_client.py`: some file of the clone), dotted
# modules and the names they hold (`pulumi_livekit._model.stored`), and a line reference (a path, a colon and
# a number) reaching a line of that file. What a tool writes (the paths .gitignore lists) is not in a fresh
# clone, and is not checked.
PACKAGE = "provider/pulumi_livekit"
PACKAGE_FOLDERS = "|".join(sorted(folder.name for folder in (REPO / PACKAGE).iterdir()
                                  if (folder / "__init__.py").exists()))
NOT_A_PATH_BEFORE = r"(?<![\w./$~-])"
REPOSITORY_PATH = re.compile(NOT_A_PATH_BEFORE + r"((?:tests|provider|scripts|examples|docs|benchmarks|tools|\.ci)"
                             r"/[\w./-]*[\w/])(?::(\d+))?")
PACKAGE_MODULE = re.compile(NOT_A_PATH_BEFORE + rf"((?:{PACKAGE_FOLDERS})/(?:\w+/)*\w+\.py)\b(?::(\d+))?")
PACKAGE_FOLDER = re.compile(rf"`((?:{PACKAGE_FOLDERS})(?:/\w+)*/)`")
FILE_NAME = re.compile(r"`([\w.-]+\.(?:py|md|sh|go))(?::(\d+))?`")
DOTTED_MODULE = re.compile(r"\bpulumi_livekit((?:\.\w+)+)")


class Clone:
    """The clone's files (tracked, or new and not ignored), and what is checked of a path into them."""

    def __init__(self) -> None:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                                capture_output=True, text=True, check=True)
        self.files = {path for path in listed.stdout.split() if (REPO / path).is_file()}
        self.folders = {str(parent) for path in self.files for parent in Path(path).parents}
        self.by_base_name = collections.defaultdict(list)
        for path in self.files:
            self.by_base_name[path.rsplit("/", 1)[-1]].append(path)
        self.written_by_tools = tuple(line.strip("/") for line in (REPO / ".gitignore").read_text().splitlines()
                                      if line and not line.startswith("#") and "*" not in line)

    def texts(self) -> dict[str, str]:
        """Every page and every source or build file (paths sit in their comments and docstrings), by path;
        not data (LiveKit's examples kept verbatim, JSON, checksums, images). Of the changelog only the
        Unreleased section: a release's entries say what held then."""
        texts = {name: (REPO / name).read_text() for name in sorted(self.files)
                 if not name.startswith("examples/from-json/") and not name.endswith((".json", ".sum", ".png"))}
        texts["CHANGELOG.md"] = texts["CHANGELOG.md"].split("\n## ", 2)[1]
        return texts

    def has(self, path: str, line: str | None = None) -> bool:
        path = path.rstrip("/")
        if path.startswith(self.written_by_tools):
            return True
        if path not in self.files:
            return path in self.folders
        return not line or int(line) <= len((REPO / path).read_text().splitlines())

    def has_file_named(self, base_name: str, line: str | None) -> bool:
        """Some file of that name; with a line, the one file of that name, long enough."""
        paths = self.by_base_name.get(base_name, [])
        return bool(paths) and (not line or len(paths) == 1 and self.has(paths[0], line))

    def has_module(self, dotted: str) -> bool:
        """`.a.b.name`: the longest prefix that is a module of the package, and the rest a name it holds."""
        parts = dotted.strip(".").split(".")
        for end in range(len(parts), -1, -1):
            module = "/".join([PACKAGE, *parts[:end]])
            source = f"{module}.py" if f"{module}.py" in self.files else f"{module}/__init__.py"
            if source in self.files:
                rest = parts[end:]
                return not rest or re.search(rf"\b{rest[0]}\b", (REPO / source).read_text()) is not None \
                    or _holds(".".join(["pulumi_livekit", *parts[:end]]), rest[0])
        return False

    def missing(self, line: str) -> list[str]:
        """The references in one line of text that lead nowhere."""
        return ([m.group(0) for m in REPOSITORY_PATH.finditer(line) if not self.has(m.group(1), m.group(2))]
                + [m.group(0) for m in PACKAGE_MODULE.finditer(line)
                   if not self.has(f"{PACKAGE}/{m.group(1)}", m.group(2))]
                + [m.group(0) for m in PACKAGE_FOLDER.finditer(line) if not self.has(f"{PACKAGE}/{m.group(1)}")]
                + [m.group(0) for m in FILE_NAME.finditer(line) if not self.has_file_named(m.group(1), m.group(2))]
                + [m.group(0) for m in DOTTED_MODULE.finditer(line) if not self.has_module(m.group(1))])


def _holds(module: str, name: str) -> bool:
    """Whether an importable module has the name (a public name it makes on first use, or by a star import)."""
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def test_every_path_the_pages_and_the_comments_name_exists():
    clone = Clone()
    broken = [f"{name}:{number}: {reference}" for name, text in clone.texts().items()
              for number, line in enumerate(text.splitlines(), 1) for reference in clone.missing(line)]
    assert broken == []


# The project's own tracker is not the reader's: a page or comment says what holds now, and the changelog what
# changed. Another project's issue (pulumi/pulumi#16175) is a reference a reader can follow.
INTERNAL_ISSUE = re.compile(r"\bissues?\s*#?\d+|(?<![\w/&])#\d+\b", re.IGNORECASE)


def test_no_page_or_comment_names_an_issue_of_this_project():
    named = [f"{name}:{number}: {found.group(0)}" for name, text in Clone().texts().items()
             for number, line in enumerate(text.splitlines(), 1) for found in INTERNAL_ISSUE.finditer(line)]
    assert named == []
