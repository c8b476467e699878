"""The processes a `pulumi` command starts, read from /proc while it runs: peak memory, CPU and threads by role."""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path
from typing import Optional

from pulumi_livekit.testing import descendants


class PeakMemory:
    """Peak resident memory (VmHWM, KiB), CPU seconds and peak thread count of the processes a command
    starts, by role, polled from /proc.

    The provider plugin (`python -m pulumi.dynamic`, this package's `pulumi-resource-pulumi-python` or
    `pulumi-resource-livekit`, the YAML floor's `noop_plugin.py`) and the Pulumi program
    (`pulumi-language-python-exec`, or the YAML language host, which runs a YAML program itself) are found
    among this process's descendants. VmHWM only grows, so the last poll before a process exits holds its
    peak up to that poll; its CPU seconds are those of the last poll too (up to `INTERVAL` short)."""

    INTERVAL = 0.2
    ROLES = (("plugin", ("pulumi.dynamic", "pulumi-resource-pulumi-python", "pulumi-resource-livekit",
                         "noop_plugin.py")),
             ("program", ("pulumi-language-python-exec", "pulumi-language-yaml")))
    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self.threads: dict[str, int] = {}
        self._cpu: dict[int, tuple[str, float]] = {}  # pid -> role, CPU seconds at its last poll
        self._roles: dict[int, Optional[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.INTERVAL):
                return

    def _sample(self) -> None:
        for pid in descendants(os.getpid()):
            if pid not in self._roles:
                self._roles[pid] = self._role(pid)
            role = self._roles[pid]
            if role is None:
                continue
            status = _status(pid)
            if "VmHWM" in status:
                self.peaks[role] = max(self.peaks.get(role, 0), int(status["VmHWM"].split()[0]))
                self.threads[role] = max(self.threads.get(role, 0), int(status["Threads"]))
            cpu = _cpu_seconds(pid, self.TICKS)
            if cpu is not None:
                self._cpu[pid] = (role, cpu)

    def cpu(self) -> dict[str, float]:
        """CPU seconds by role, summed over the role's processes."""
        totals: dict[str, float] = {}
        for role, seconds in self._cpu.values():
            totals[role] = totals.get(role, 0.0) + seconds
        return totals

    def _role(self, pid: int) -> Optional[str]:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        words = {os.path.basename(a.decode(errors="replace")) for a in argv}
        return next((role for role, marks in self.ROLES if words & set(marks)), None)


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}  # gone meanwhile
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _cpu_seconds(pid: int, ticks: int) -> Optional[float]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of proc(5))


def children_cpu() -> float:
    """CPU seconds of this process's waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
