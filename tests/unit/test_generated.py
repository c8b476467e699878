"""The files written from livekit-protocol's descriptors and the descriptions (`make generate`) are committed as the
scripts write them: a new field, a changed description or a hand edit fails here until they are written again."""

from __future__ import annotations

import subprocess
import sys

import pytest

from support import REPO


@pytest.mark.parametrize("script", ["gen_python_types.py"])
def test_the_committed_files_are_what_the_script_writes(script):
    checked = subprocess.run([sys.executable, str(REPO / "scripts" / script), "--check"],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, f"run `make generate`:\n{checked.stdout[-5000:]}{checked.stderr[-3000:]}"
