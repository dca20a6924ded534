"""Where qarcade keeps a person's files (Learn mode's agents, the Invaders hi-score).

Plain paths, no pygame, so the command line can name the folder without opening a window.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
