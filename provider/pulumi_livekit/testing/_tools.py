"""Where the test bed's binaries are: `scripts/bootstrap` links them into `.tools/bin`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
TOOLS_BIN = Path(os.environ.get("PULUMI_LIVEKIT_TOOLS", REPO_ROOT / ".tools" / "bin"))


def tool_path(name: str) -> str:
    candidate = TOOLS_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(f"{name} not found in {TOOLS_BIN} or on PATH: run `make bootstrap` (scripts/bootstrap)")


def tools_path_env() -> str:
    """PATH with the test bed's tools and the project's virtualenv first."""
    venv_bin = REPO_ROOT / ".venv" / "bin"
    return os.pathsep.join([str(TOOLS_BIN), str(venv_bin), os.environ.get("PATH", "")])
