"""The import contract: imports only point down.

Layers, bottom to top: ``qarcade.assets`` (data) < ``qarcade.games`` < ``qarcade.agents``
< ``qarcade.app`` < the command line (``qarcade.cli``, ``qarcade.__main__``). Every import
counts: at module top, inside functions (lazy), under ``TYPE_CHECKING``, and the
``"qarcade.module:Name"`` strings that registries import on first use.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Installed package -> its folder in the checkout.
PACKAGES = {
    "qarcade.assets": "assets",
    "qarcade.games": "games",
    "qarcade.agents": "agents",
    "qarcade.app": "app",
    "qarcade": "qarcade",
}
LAYERS = ("qarcade.assets", "qarcade.games", "qarcade.agents", "qarcade.app", "qarcade")
_TARGET = re.compile(r"^(qarcade(?:\.\w+)+):\w+$")


def _modules() -> dict[str, Path]:
    modules = {}
    for package, folder in PACKAGES.items():
        base = ROOT / folder
        files = base.glob("*.py") if package == "qarcade" else base.rglob("*.py")
        for path in files:
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((package, *parts))] = path
    return modules


MODULES = _modules()


def _layer(module: str) -> int:
    for index in range(len(LAYERS) - 1, -1, -1):
        top = LAYERS[index]
        if module == top or module.startswith(top + "."):
            if (
                top == "qarcade"
                and module != "qarcade"
                and module.split(".")[1] in {name.split(".")[1] for name in LAYERS[:-1]}
            ):
                continue
            return index
    raise AssertionError(f"{module} is in no layer")


def _imports(module: str, path: Path) -> set[str]:
    """The qarcade modules ``module`` imports anywhere in its file."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import mod`` imports a module; ``from mod import name`` a name.
            names = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = _TARGET.match(node.value)
            names = [match.group(1)] if match else []
        for name in names:
            while name and name not in MODULES and "." in name:
                name = name.rpartition(".")[0]
            if name in MODULES and name != module:
                found.add(name)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_the_layers_are_found() -> None:
    assert {"qarcade.games.core", "qarcade.agents.dqn", "qarcade.app.window", "qarcade.cli"} <= set(
        MODULES
    )
    assert "qarcade.games.core" in GRAPH["qarcade.games.tictactoe.env"]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_point_down(module: str) -> None:
    upward = sorted(
        f"{target} ({LAYERS[_layer(target)]})"
        for target in GRAPH[module]
        if _layer(target) > _layer(module)
    )
    assert not upward, f"{module} ({LAYERS[_layer(module)]}) imports a layer above it: {upward}"
