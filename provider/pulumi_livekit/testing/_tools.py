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
    """PATH as a user has it: the test bed's Pulumi install folder first, and no virtualenv on it
    (not even the one running this code)."""
    venv_bins = {str(Path(os.environ["VIRTUAL_ENV"]) / "bin")} if os.environ.get("VIRTUAL_ENV") else set()
    venv_bins.add(str(REPO_ROOT / ".venv" / "bin"))
    rest = [entry for entry in os.environ.get("PATH", "").split(os.pathsep)
            if entry and entry not in venv_bins and entry != str(TOOLS_BIN)]
    return os.pathsep.join([str(TOOLS_BIN), *rest])
