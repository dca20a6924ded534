"""Checkpoints are data, never code: no pickle anywhere in the package.

The scan reads every Python file of the package (``games/``, ``agents/``, ``app/``,
``main.py``) as a syntax tree, so words in docstrings and comments ("never pickles") do
not count, while an aliased import (``import pickle as p``, ``from torch import load``)
still does. It flags:

- importing a module that unpickles (``pickle``, ``cPickle``, ``_pickle``, ``dill``,
  ``cloudpickle``, ``joblib``, ``shelve``, ``marshal``), directly or by name through
  ``importlib.import_module`` / ``__import__``;
- ``torch.load`` without ``weights_only=True``, ``torch.save`` and ``torch.jit.load``
  (pickle containers), ``pandas.read_pickle``;
- ``numpy.load`` without ``allow_pickle=False``, and any call passing ``allow_pickle``
  anything but the constant ``False``.

The scanner is tested on planted snippets, so a scan that cannot fail would fail here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("games", "agents", "app", "main.py")
PICKLING_MODULES = frozenset(
    {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}
)
#: Calls that read or write pickles whatever their arguments.
ALWAYS_BAD = frozenset({"torch.save", "torch.jit.load", "pandas.read_pickle"})
#: Calls that are safe only with this keyword set to this constant.
NEEDS_KEYWORD = {"torch.load": ("weights_only", True), "numpy.load": ("allow_pickle", False)}


def package_files() -> list[Path]:
    """Every Python file the scan covers."""
    files: list[Path] = []
    for entry in SCANNED:
        path = ROOT / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def _top(module: str) -> str:
    return module.split(".")[0]


def _keyword_is(call: ast.Call, name: str, value: bool) -> bool:
    return any(
        k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is value
        for k in call.keywords
    )


def scan_source(source: str, filename: str = "<source>") -> list[str]:
    """The pickle hazards in ``source``, one ``file:line: what`` string each."""
    tree = ast.parse(source, filename)
    # Local name -> the dotted name it stands for (``np`` -> ``numpy``, ``load`` ->
    # ``torch.load``), so aliases cannot hide a call.
    aliases: dict[str, str] = {}
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _top(alias.name) in PICKLING_MODULES:
                    flag(node, f"imports {alias.name}")
                local = alias.asname or _top(alias.name)
                aliases[local] = alias.name if alias.asname else _top(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _top(node.module) in PICKLING_MODULES:
                flag(node, f"imports from {node.module}")
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def dotted(expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return aliases.get(expr.id, expr.id)
        if isinstance(expr, ast.Attribute):
            base = dotted(expr.value)
            return f"{base}.{expr.attr}" if base is not None else None
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            name = dotted(node)
            if name is not None and _top(name) in PICKLING_MODULES and "." in name:
                flag(node, f"uses {name}")
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func)
        if name in ALWAYS_BAD:
            flag(node, f"calls {name} (a pickle container)")
        elif name in NEEDS_KEYWORD:
            keyword, value = NEEDS_KEYWORD[name]
            if not _keyword_is(node, keyword, value):
                flag(node, f"calls {name} without {keyword}={value}")
        if name in ("importlib.import_module", "__import__") and node.args:
            first = node.args[0]
            module = first.value if isinstance(first, ast.Constant) else None
            if isinstance(module, str) and _top(module) in PICKLING_MODULES:
                flag(node, f"imports {module} by name")
        for keyword in node.keywords:
            if keyword.arg == "allow_pickle" and not _keyword_is(node, "allow_pickle", False):
                flag(node, "passes allow_pickle other than False")
    return found


def test_the_package_never_pickles() -> None:
    files = package_files()
    # The scan must see the package, not an empty folder.
    assert len(files) >= 20
    assert any(f.name == "checkpoints.py" for f in files)
    found = [hit for f in files for hit in scan_source(f.read_text("utf-8"), str(f))]
    assert found == [], "pickle hazards:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "planted",
    [
        "import pickle",
        "import pickle as p",
        "import cloudpickle, json",
        "from pickle import loads",
        "from _pickle import Unpickler",
        "import json\nx = pickle.loads(b'')",
        "import torch\ntorch.load('a.pt')",
        "import torch\ntorch.load('a.pt', weights_only=False)",
        "import torch as t\nt.load('a.pt', map_location='cpu')",
        "from torch import load\nload('a.pt')",
        "import torch\ntorch.save({}, 'a.pt')",
        "import numpy as np\nnp.load('a.npy')",
        "import numpy\nnumpy.load('a.npz', allow_pickle=True)",
        "from numpy import load as np_load\nnp_load('a.npy')",
        "import numpy as np\nnp.save('a.npy', x, allow_pickle=True)",
        "import numpy as np\nflag = True\nnp.load('a.npy', allow_pickle=flag)",
        "import importlib\nimportlib.import_module('pickle')",
        "__import__('marshal')",
        "import pandas as pd\npd.read_pickle('x')",
    ],
)
def test_the_scanner_finds_planted_hazards(planted: str) -> None:
    assert scan_source(planted), f"the scanner missed: {planted!r}"


@pytest.mark.parametrize(
    "clean",
    [
        '"""Checkpoints are data, never pickles; no pickle. anywhere."""',
        "# import pickle would be wrong here",
        "import numpy as np\nnp.load('a.npz', allow_pickle=False)",
        "import torch\ntorch.load('a.pt', weights_only=True)",
        "import numpy as np\nnp.savez('a.npz', allow_pickle=False, q=q)",
        "from safetensors.numpy import load\nload(data)",
        "import json\njson.load(f)",
    ],
)
def test_the_scanner_passes_safe_code(clean: str) -> None:
    assert scan_source(clean) == []
