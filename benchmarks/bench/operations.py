"""What the benchmark measures and where its files are: shared by every other module."""

from __future__ import annotations

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent
PROGRAMS = BENCHMARKS / "programs"
RESULTS = BENCHMARKS / "results"
# Where the programs and plugins run (scripts/bootstrap): a user's project's virtualenv, the package and its own
# dependencies alone. The programs name it in their Pulumi.yaml; the floors run there too.
USER_VENV = BENCHMARKS.parent / ".tools" / "user-venv"

OPS = ("create", "preview", "update", "refresh", "destroy")
OP_TITLES = {
    "create": "pulumi up (create all)",
    "preview": "pulumi preview (no changes)",
    "update": "pulumi up (update all)",
    "refresh": "pulumi refresh",
    "destroy": "pulumi destroy",
}
# The API calls each operation needs; a no-change preview needs none.
API_OP = {"create": "create", "preview": None, "update": "update", "refresh": "read", "destroy": "delete"}
LARGE_N = 1000  # from this size on: fewer repeats and no warm-up cycle
