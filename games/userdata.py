"""Where qarcade keeps a person's files (Learn mode's agents, the Invaders hi-score).

Plain paths, no pygame, so the command line can name the folder without opening a window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any


def user_data_dir() -> Path:
    """The folder qarcade keeps a person's files in: ``$QARCADE_DATA_DIR`` if set, else
    the platform's per-user data folder (``~/.local/share/qarcade`` on Linux). Learn
    mode's agents and the Invaders hi-score live there."""
    override = os.environ.get("QARCADE_DATA_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "qarcade"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "qarcade"
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "qarcade"


def user_agents_dir() -> Path:
    """Where a person's own trained agents go (a sweep's best, for one): ``agents/`` in
    :func:`user_data_dir`. The window looks here before the shipped agents."""
    return user_data_dir() / "agents"


def agent_file_stem(game: str, kind: str, options: dict[str, Any]) -> str:
    """The file name, without suffix, of a ``kind`` agent for ``game`` among the shipped
    or a person's agents: ``GAME-KIND``, or ``GAME-MAP-KIND`` for a game played on a
    named map (a Q-table belongs to one map)."""
    map_ref = options.get("map")
    if isinstance(map_ref, str):
        return f"{game}-{Path(map_ref).stem}-{kind}"
    return f"{game}-{kind}"
