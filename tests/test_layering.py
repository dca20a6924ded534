"""The import contract: imports only point down.

Layers, bottom to top: ``qarcade.assets`` (data) < ``qarcade.games`` < ``qarcade.agents``
< ``qarcade.app`` < the command line (``qarcade.cli``, ``qarcade.__main__``). Every import
counts: at module top, inside functions (lazy), under ``TYPE_CHECKING``, and the
``"qarcade.module:Name"`` strings that registries import on first use.
"""

from __future__ import annotations

import ast
import itertools
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


def _imports(module: str, path: Path, tree: ast.AST | None = None) -> set[str]:
    """The qarcade modules ``module`` imports anywhere in its file (or in ``tree``, a
    part of it)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree if tree is not None else ast.parse(path.read_text(), str(path))):
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


def _import_time(module: str, path: Path) -> set[str]:
    """The qarcade modules ``module`` imports when it is imported: at module top, not
    inside functions, under ``TYPE_CHECKING`` or in registry strings."""
    tree = ast.parse(path.read_text(), str(path))
    top: list[ast.stmt] = []
    for node in tree.body:
        is_type_checking = (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        )
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not is_type_checking:
            top.append(node)
    return _imports(module, path, ast.Module(body=top, type_ignores=[]))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk of ``graph`` meets, each as the modules around it;
    a package's ``__init__`` importing its own submodules is how packages work, not a
    cycle."""
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return [c for c in cycles if not any(b.startswith(a + ".") for a, b in itertools.pairwise(c))]


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"p": {"p.m"}, "p.m": {"p"}}) == []


def test_no_import_cycles_at_import_time() -> None:
    """Importing any module never needs a module that is still being imported: the
    graph of imports made at import time has no cycle."""
    graph = {module: _import_time(module, path) for module, path in MODULES.items()}
    cycles = _cycles(graph)
    assert not cycles, "import-time cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_game_descriptors_name_only_the_games_layer() -> None:
    """The code a ``game.toml`` names is imported on first use, like a registry string:
    it must be in the games layer (or below)."""
    import tomllib

    for descriptor in sorted((ROOT / "games").glob("*/game.toml")):
        values = tomllib.loads(descriptor.read_text())
        refs = [v for v in _strings(values) if _TARGET.match(v)]
        assert refs, f"{descriptor} names no code"
        for ref in refs:
            module = _TARGET.match(ref).group(1)  # type: ignore[union-attr]
            assert module in MODULES, f"{descriptor}: {ref} names no module"
            assert _layer(module) <= LAYERS.index("qarcade.games"), f"{descriptor}: {ref}"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
