"""docs/layout.md's promise about the package's layers, read from the page and checked against every import the
package's modules make (at the top or inside a function alike): a module imports only from its own layer and the
layers below it, the modules the page puts below every layer import no layer, and no two modules import each
other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from support import REPO

PACKAGE = REPO / "provider" / "pulumi_livekit"
LAYOUT = (REPO / "docs" / "layout.md").read_text()


def layers() -> dict[str, int]:
    """Each layer's folder -> its height, from the page's table (bottom first)."""
    table = LAYOUT.split("| layer | folder | what it knows |", 1)[1].split("\n\n", 1)[0]
    folders = [re.findall(r"`(\w+)/`", row.split("|")[2]) for row in table.splitlines()[2:]]
    return {folder: height for height, row in enumerate(folders) for folder in row}


def below_every_layer() -> set[str]:
    sentence = re.search(r"\n(`_\w+\.py`.*?) sit below every layer", LAYOUT, re.S).group(1)
    return {name.removesuffix(".py") for name in re.findall(r"`(\w+\.py)`", sentence)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The package's modules `path` imports, by name relative to the package."""
    name = module_name(path).split(".") if module_name(path) else []
    package = name if path.name == "__init__.py" else name[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1] if node.level > 1 else package
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi_livekit."):
            found.add(node.module.removeprefix("pulumi_livekit."))
        elif isinstance(node, ast.Import):
            found.update(alias.name.removeprefix("pulumi_livekit.") for alias in node.names
                         if alias.name.startswith("pulumi_livekit."))
    return {module for module in found
            if (PACKAGE / f"{module.split('.')[0]}.py").exists() or (PACKAGE / module.split(".")[0]).is_dir()}


def height(module: str, heights: dict[str, int], bottom: set[str]) -> int | None:
    """A module's layer: its folder's, -1 below every layer, None for the public surface and the names kept for
    stacks and commands of earlier releases (top-level modules, which may import any layer)."""
    top = module.split(".")[0]
    return -1 if top in bottom else heights.get(top)


def test_the_page_names_every_folder_of_the_package_as_a_layer():
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders == set(layers())
    assert all((PACKAGE / f"{name}.py").exists() for name in below_every_layer())


def test_no_import_points_up_and_no_two_modules_import_each_other():
    heights, bottom = layers(), below_every_layer()
    imports = {module_name(path): imported(path) for path in sorted(PACKAGE.rglob("*.py"))}
    upward = [f"{module} -> {target}" for module, targets in imports.items() for target in sorted(targets)
              if height(module, heights, bottom) is not None and height(target, heights, bottom) is not None
              and height(target, heights, bottom) > height(module, heights, bottom)]
    assert upward == []
    mutual = [f"{module} <-> {target}" for module, targets in imports.items() for target in sorted(targets)
              if module < target and module in imports.get(target, ())]
    assert mutual == []
