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
#: The DQN's env steps per cell of the map, at least: its optimism walks the frontier
#: cell by cell, and the way back to it grows with the map. A slippery map gets as
#: many: twice as many solved more of the pool's slippery maps, but took the pool's
#: benchmark far past its 90 minutes (docs/learners.md).
STEPS_PER_CELL = 500
#: The DQN's Huber loss on a slippery map is quadratic for TD errors up to this: twice
#: the bound of the values it learns (``agents.dqn.VALUE_BOUND``), so every error is. A
#: slip beside the goal ends at +1 or in a pit at -1; with the default 1 the loss's
#: linear part pulls Q toward the median outcome and the greedy policy takes risks the
#: mean would not (docs/learners.md).
HUBER_DELTA_SLIPPERY = 4.0
#: The DQN's greedy policy on a slippery map acts on an average of its weights over this
#: share of the budget (``policy_average``): its last weights follow the last few slips,
#: their average the expectation. On the pool's slippery maps it solved 3 of the 10 runs
#: the last weights missed (docs/learners.md).
POLICY_AVERAGE_SLIPPERY = 0.05


def settings_choice(kind: str, options: dict[str, Any]) -> str | None:
    """The name of the settings table for the learner ``kind`` on a map made with
    ``options``."""
    if kind == "tabular" and options.get("slippery"):
        return "tabular_slippery"
    return kind


def scale_settings(kind: str, env: Env, settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` fitted to ``env``'s map: a training budget that grows with it (the
    table's :data:`EPISODES_PER_CELL` or the DQN's :data:`STEPS_PER_CELL` times its
    cells, where that is more than the learner's own), table entries that start at the
    goal's reward (:func:`optimistic_start`), and on a slippery map a DQN learning rate
    that falls to 0 over the budget (``anneal_lr``), a Huber loss quadratic for all its
    errors (``huber_delta``) and a greedy policy on averaged weights
    (``policy_average``): a slip makes every target a sample, a constant step keeps
    following the last few of them, and the Huber loss's linear part pulls toward their
    median (docs/learners.md)."""
    assert isinstance(env, GridWorldEnv), f"gridworld settings for {env.name}"
    cells = env.rows * env.cols
    if "episodes" in settings:
        table = settings_choice(kind, env.options) or kind
        settings["episodes"] = max(settings["episodes"], EPISODES_PER_CELL[table] * cells)
        settings.setdefault("initial_q", optimistic_start(env))
    if "total_timesteps" in settings:
        settings["total_timesteps"] = max(settings["total_timesteps"], STEPS_PER_CELL * cells)
        if env.slippery:
            settings.setdefault("anneal_lr", True)
            settings.setdefault("huber_delta", HUBER_DELTA_SLIPPERY)
            settings.setdefault("policy_average", POLICY_AVERAGE_SLIPPERY)
    return settings


def optimistic_start(env: GridWorldEnv) -> float:
    """Where the table's entries start: the goal's reward (what the map's
    rewards are for), so an action not yet tried looks at least as good as any route
    known, even a step from the goal, and the greedy walk tries every action of every
    cell it reaches before it settles (optimism in the face of uncertainty; with a step
    size of 1 one try puts an entry at its true value). Entries that start at 0 are
    below the values of the cells near the goal, so a shorter route that leaves a known
    one there is only found by chance. On a slippery map the start is also the prior
    of the table's planning (:mod:`agents.model`): one imagined outcome worth it, so a
    move that slipped into a pit once is tried again."""
    return max(env.goal_reward, 0.0)
