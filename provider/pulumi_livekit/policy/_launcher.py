"""What `pulumi preview --policy-pack` is given: a small executable that starts the pack in this package's own
Python, with `PulumiPolicy.yaml` beside it (the engine reads the pack's version there).

The engine launches an executable given to `--policy-pack` directly, as a binary analyzer; a policy pack
folder (`PulumiPolicy.yaml` with `runtime: python` and a program) goes through the Python language host
instead, which the engine here cannot run as a pack. The pair is written on demand into a cache folder, one per
Python interpreter and package version, so that the path exists and stays the same from run to run.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
import tempfile
from pathlib import Path

from .._version import VERSION

LAUNCHER = "pulumi-livekit-policy-pack"


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pulumi-livekit"


def _files() -> dict[str, str]:
    # The pack prints the port it serves on without flushing: unbuffered, or the engine waits for it forever.
    launcher = (f"#!/bin/sh\n# The pulumi-livekit policy pack, started by `pulumi preview --policy-pack`; written by "
                f"`livekit-policy path`.\nPYTHONUNBUFFERED=1 exec {shlex.quote(sys.executable)} -m "
                f"pulumi_livekit.policy \"$@\"\n")
    project = (f"name: livekit\nruntime: python\nversion: {VERSION}\n"
               f"description: LiveKit SIP routing checks and telephony rules (pulumi-livekit)\n")
    return {LAUNCHER: launcher, "PulumiPolicy.yaml": project}


def pack_path() -> Path:
    """The launcher's path, written first if it is missing or stale. Several processes may ask at once: each
    writes a folder of its own and renames it into place, and a folder already there with the same files wins."""
    files = _files()
    digest = hashlib.sha256("\0".join(files.values()).encode()).hexdigest()[:16]
    folder = cache_root() / f"policy-pack-{digest}"
    launcher = folder / LAUNCHER
    if launcher.is_file() and all((folder / name).read_text() == text for name, text in files.items()):
        return launcher
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".policy-pack-", dir=folder.parent))
    for name, text in files.items():
        (staging / name).write_text(text)
    (staging / LAUNCHER).chmod(0o755)
    try:
        staging.rename(folder)
    except OSError:  # another process put it there first: the same files, by their digest
        for name in files:
            (staging / name).unlink()
        staging.rmdir()
    return launcher
