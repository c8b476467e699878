"""What the scripts that write committed files share: write them, or (--check) only say how they differ."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Iterable, Mapping

ROOT = Path(__file__).resolve().parents[1]


def main(script: str, description: str, files: Mapping[Path, str], stale: Iterable[Path] = ()) -> int:
    """Writes `files` (path -> text) and removes `stale`; with --check writes nothing, prints how the committed files
    differ and returns 1 if they do (tests/unit/test_generated.py)."""
    parser = argparse.ArgumentParser(prog=script, description=description)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a committed file differs")
    check = parser.parse_args().check
    differs = False
    for path in stale:
        differs = True
        print(f"{script}: {path.relative_to(ROOT)} is not a file it writes", file=sys.stderr)
        if not check:
            path.unlink()
    for path, text in files.items():
        current = path.read_text() if path.exists() else ""
        if current == text:
            continue
        differs = True
        if check:
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                                       str(path.relative_to(ROOT)), "generated"))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"{script}: wrote {path.relative_to(ROOT)}", file=sys.stderr)
    return 1 if differs and check else 0
