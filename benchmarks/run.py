"""`make bench`: what managing N dispatch rules with Pulumi costs, beside two floors (the `bench` package beside
this script; `--help` says how to run it, benchmarks/README.md what it measures)."""

import sys

from bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
