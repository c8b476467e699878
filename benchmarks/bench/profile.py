"""`--profile DIR`: where each `pulumi` command's Python time goes, process by process.

Every Pulumi side of a size runs each operation once under py-spy, attached to this process with
`--subprocesses`, so that it samples every Python process the command starts (the program, the provider
plugin, the language host's `pip list`) from its first lines on. One raw profile (py-spy's collapsed stacks)
per side and operation is written to DIR, and `DIR/summary.md` says, per process role: how many seconds were
sampled, what share of them sat under our package, imports, which packages the time was spent in, and the
functions of ours and of others that held the most samples."""

from __future__ import annotations

import collections
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Callable, Mapping, Optional

from pulumi_livekit.testing import LocalLiveKit

from bench.measure import checker_of, tear_down, verify
from bench.operations import OP_TITLES
from bench.sampling import PeakMemory
from bench.sides import PulumiSide, make_sides

RATE = 200  # samples per second and process
TOP = 12  # functions listed per process role


class Sampler:
    """py-spy recording this process and all it starts, from `__enter__` to `__exit__`, into `path`."""

    def __init__(self, path: Path) -> None:
        executable = shutil.which("py-spy")
        if executable is None:
            raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
        self.argv = [executable, "record", "--pid", str(os.getpid()), "--subprocesses", "--rate", str(RATE),
                     "--gil", "--format", "raw", "--full-filenames", "--output", str(path)]
        self.path = path
        self.process: Optional[subprocess.Popen] = None

    def __enter__(self) -> "Sampler":
        self.process = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # py-spy says when it samples; a command started before that would lose its first lines.
        for line in self.process.stdout:
            if "Sampling process" in line:
                return self
        raise RuntimeError(f"py-spy did not start (exit {self.process.wait()})")

    def __exit__(self, *_exc: object) -> None:
        self.process.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        self.process.communicate(timeout=120)


def profile_size(n: int, groups: tuple[str, ...], ops: tuple[str, ...], servers: Mapping[str, LocalLiveKit],
                 workdir: Path, out: Path, log: Callable[[str], None]) -> None:
    """Each operation of each Pulumi side at size `n` once, under a `Sampler`; the servers are checked after each
    (`servers` as `measure.bench_size` takes them)."""
    sides = make_sides(n, groups, servers, workdir, None)
    stacks = [side for side in sides.values() if isinstance(side, PulumiSide)]
    out.mkdir(parents=True, exist_ok=True)
    checkers = {label: checker_of(servers[label]) for label in ("ours", "plugin") if label in sides}
    try:
        for side in stacks:
            side.set_name("a")
        for op in ops:
            if op == "update":
                for side in stacks:
                    side.set_name("b")
            for side in stacks:
                with Sampler(out / f"{side.label}-{n}-{op}.txt"):
                    seconds, _cpu = side.op(op)
                side.program_figures()  # not wanted here: emptied for the next command
                log(f"  N={n} {side.label} {op}: {seconds:.1f}s under py-spy")
            verify(op, n, checkers)
    finally:
        tear_down(stacks, checkers)


def summarize(out: Path) -> str:
    """The summary of every raw profile in `out`, as Markdown."""
    lines = [f"Python samples of each `pulumi` command's processes, py-spy at {RATE} per second (seconds = "
             "samples / rate: time on a CPU or waiting for one, not idle); `ours`: samples with a frame of "
             "pulumi_livekit; `imports`: samples under an import.", ""]
    for path in sorted(out.glob("*.txt"), key=_profile_order):
        label, n, op = path.stem.rsplit("-", 2)
        lines.append(f"## {label}, N={n}, {OP_TITLES[op]}")
        lines.append("")
        roles = _by_role(path)
        runner = sum(count for _, count in roles.pop("bench runner", []))
        for role, stacks in sorted(roles.items()):
            lines += _role_summary(role, stacks)
        lines += [f"- this process (the harness, polling /proc): {runner / RATE:.2f} s", ""]
    return "\n".join(lines) + "\n"


def _profile_order(path: Path) -> tuple[str, int, int]:
    label, n, op = path.stem.rsplit("-", 2)
    return label, int(n), list(OP_TITLES).index(op)


def _by_role(path: Path) -> dict[str, list[tuple[list[str], int]]]:
    """Each stack of the raw profile (its Python frames, outermost first) and its samples, by role.

    A stack starts with one `process PID:"argv"` frame per process from this one down to the one sampled."""
    roles: dict[str, list[tuple[list[str], int]]] = collections.defaultdict(list)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        depth = max(i for i, frame in enumerate(frames) if frame.startswith("process ") and ':"' in frame)
        roles[_role(frames[depth]) if depth else "bench runner"].append((frames[depth + 1:], int(count)))
    return roles


def _role(process: str) -> str:
    """`process 123:"argv"` -> the role PeakMemory gives its process, else the start of its command line."""
    argv = process.split(":", 1)[1].strip('"').split()
    words = {os.path.basename(word) for word in argv}
    role = next((role for role, marks in PeakMemory.ROLES if words & set(marks)), None)
    return role or " ".join(os.path.basename(word) for word in argv[:4])


def _package(frame: str) -> str:
    """`function (/path/file.py:12)` -> the distribution, or the standard library's module, the file belongs to."""
    file = frame.rpartition(" (")[2].rpartition(":")[0]
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if "/pulumi_livekit/" in file:
        return "pulumi_livekit"
    if file.startswith("<frozen"):
        return file.strip("<>").split()[-1].split(".")[0]
    if "/lib/python3" in file:
        return "stdlib " + file.split("/lib/python3", 1)[1].split("/")[1].removesuffix(".py")
    return Path(file).name


def _role_summary(role: str, stacks: list[tuple[list[str], int]]) -> list[str]:
    total = sum(count for _, count in stacks)
    ours = sum(count for frames, count in stacks if any(_package(f) == "pulumi_livekit" for f in frames))
    imports = sum(count for frames, count in stacks if any("importlib._bootstrap" in f for f in frames))
    by_package: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()  # samples in the function itself
    under_ours: collections.Counter[str] = collections.Counter()  # samples in a function of ours or below it
    for frames, count in stacks:
        if frames:
            by_package[_package(frames[-1])] += count
            own[_short(frames[-1])] += count
        for frame in {frame for frame in frames if _package(frame) == "pulumi_livekit"}:
            under_ours[_short(frame)] += count
    share = ", ".join(f"{name} {100 * count / total:.0f}%" for name, count in by_package.most_common(8))
    lines = [f"- **{role}**: {total / RATE:.2f} s; under ours {ours / RATE:.2f} s, "
             f"under imports {imports / RATE:.2f} s; by package of the innermost frame: {share}"]
    for title, counter in (("ours, inclusive", under_ours), ("innermost functions", own)):
        top = counter.most_common(TOP)
        if top:
            lines.append(f"  - {title}: " + "; ".join(f"{frame} {count / RATE:.2f}" for frame, count in top))
    lines.append("")
    return lines


def _short(frame: str) -> str:
    """`function (/path/to/site-packages/package/module.py:12)` -> `function (package/module.py:12)`."""
    function, _, place = frame.partition(" (")
    file, _, line = place.rstrip(")").rpartition(":")
    for anchor in ("site-packages/", "/provider/", "/lib/python3"):
        if anchor in file:
            file = file.split(anchor, 1)[1]
            file = file.split("/", 1)[1] if anchor == "/lib/python3" else file  # what follows "python3.11/"
            break
    return f"{function} ({file}:{line})"
