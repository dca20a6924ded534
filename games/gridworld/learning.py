"""Which of the gridworld's learner settings (``game.toml``) fit a map, and how they
grow with it: a slippery map has its own for the table
(:attr:`GameSpec.settings_choice`), and the table's training budget grows with the
number of cells (:attr:`GameSpec.settings_scale`)."""

from __future__ import annotations

from typing import Any

from qarcade.games.core import Env
from qarcade.games.gridworld.env import GridWorldEnv

#: The table's episodes per cell of the map, at least: every cell's actions must be met,
#: and on a map with more cells the goal is further and rarer.
EPISODES_PER_CELL = {"tabular": 40, "tabular_slippery": 100}


def settings_choice(kind: str, options: dict[str, Any]) -> str | None:
    """The name of the settings table for the learner ``kind`` on a map made with
    ``options``."""
    if kind == "tabular" and options.get("slippery"):
        return "tabular_slippery"
    return kind


def scale_settings(kind: str, env: Env, settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with a training budget that grows with ``env``'s map: the table's
    :data:`EPISODES_PER_CELL` times its cells, where that is more than the table's own.
    (The DQN's is left as it is: a longer one did not make it find what it missed.)"""
    assert isinstance(env, GridWorldEnv), f"gridworld settings for {env.name}"
    cells = env.rows * env.cols
    if "episodes" in settings:
        table = settings_choice(kind, env.options) or kind
        settings["episodes"] = max(settings["episodes"], EPISODES_PER_CELL[table] * cells)
    return settings
