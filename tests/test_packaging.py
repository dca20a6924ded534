"""What the wheel installs: one top-level name, every package folder, every asset."""

from __future__ import annotations

from pathlib import Path

import tomllib

from qarcade.assets import asset_dir

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def _package_folders() -> set[str]:
    """Every folder with an ``__init__.py``, named as it is installed."""
    names = set()
    for top, installed in PYPROJECT["package-dir"].items():
        base = ROOT / installed
        for init in base.rglob("__init__.py"):
            parts = init.parent.relative_to(base).parts
            names.add(".".join((top, *parts)))
    return names


def test_every_package_folder_is_in_the_wheel() -> None:
    assert _package_folders() == set(PYPROJECT["packages"])


def test_the_wheel_has_one_top_level_name() -> None:
    assert {name.split(".")[0] for name in PYPROJECT["packages"]} == {"qarcade"}


def test_package_data_covers_every_asset_file() -> None:
    patterns = PYPROJECT["package-data"]["qarcade.assets"]
    assets = ROOT / "assets"
    for path in assets.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc"):
            relative = path.relative_to(assets)
            assert any(relative.match(p) for p in patterns), f"{relative} is left out of the wheel"


def test_assets_are_found_through_the_package() -> None:
    assert (asset_dir("maps") / "lake4.txt").is_file()
    assert (asset_dir("agents") / "tictactoe-tabular.npz").is_file()
