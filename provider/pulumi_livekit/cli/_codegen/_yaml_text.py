"""YAML that Pulumi YAML reads back as it was written.

PyYAML writes YAML 1.1: it quotes a string only where a 1.1 parser would read something else. The Pulumi YAML
host reads with go-yaml v3, which also takes YAML 1.2's numbers: `1e3` and `1.5e3` (floats), `0o17` (an octal
integer) would reach a program as numbers, losing their text. `dump` quotes those too.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


# What go-yaml v3 reads as a number beyond YAML 1.1 (its resolve.go: yamlStyleFloat, and ParseInt with base 0 for
# 0o, 0b and 0x; underscores dropped first).
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9_]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9_]+)?$"), list("-+.0123456789"))
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?0([oO][0-7_]+|[bB][01_]+|[xX][0-9a-fA-F_]+)$"), list("-+0"))


def dump(document: Any, **options: Any) -> str:
    """`yaml.safe_dump`, every string quoted that YAML 1.2 would read as another type."""
    return yaml.dump(document, Dumper=_Dumper, **options)
