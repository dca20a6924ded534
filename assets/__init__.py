"""qarcade's data: maps, sounds and pretrained agents.

Read through :mod:`importlib.resources`, so an installed wheel finds them as a source
checkout does; this module is the only place that knows where they live.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def asset_dir(name: str) -> Path:
    """The folder of one kind of asset (``"maps"``, ``"sounds"``, ``"agents"``)."""
    return Path(str(files(__name__) / name))


def assets_root() -> Path:
    """The folder that holds every asset."""
    return Path(str(files(__name__)))
