"""The package as a type checker sees it: the names its lazily loading `__init__`s offer are the ones they load."""

from __future__ import annotations

import ast
import inspect
from types import ModuleType

from pulumi_livekit import routing


def checked_imports(module: ModuleType) -> dict[str, dict[str, str | None]]:
    """What a module imports for type checkers only (`if TYPE_CHECKING:`): module -> name -> the name bound."""
    imports: dict[str, dict[str, str | None]] = {}
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
                imports.setdefault(statement.module or "", {}).update(
                    (alias.name, alias.asname) for alias in statement.names)
    return imports


def test_routing_offers_type_checkers_the_names_it_loads_at_run_time():
    imports = checked_imports(routing)
    assert {module: set(names) for module, names in imports.items()} == {
        module: set(names) for module, names in routing._HOMES.items()}
    # Re-exported as a type checker honours under --strict (no implicit re-export): `name as name`.
    assert all(bound == name for names in imports.values() for name, bound in names.items())
