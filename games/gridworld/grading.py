"""The gridworld's exact answer (:attr:`GameSpec.exact`): a greedy player's return and
success probability computed over the map's transition model by
:mod:`games.gridworld.solver`, beside the optimum."""

from __future__ import annotations

from typing import Any

import numpy as np

from qarcade.games.core import Env, Player
from qarcade.games.gridworld import solver
from qarcade.games.gridworld.env import GridWorldEnv


def _greedy_policy(env: GridWorldEnv, player: Player) -> np.ndarray:
    all_legal = np.ones(env.num_actions, dtype=bool)
    return solver.policy_of(env, lambda obs: player.act(obs, all_legal, explore=False))


def _map_env(env: Env) -> GridWorldEnv:
    assert isinstance(env, GridWorldEnv), f"a gridworld grade needs a gridworld, not {env.name}"
    return env


def exact_score(env: Env, player: Player) -> float:
    """The exact expected return of ``player``'s greedy policy on the map as it is now."""
    grid = _map_env(env)
    return solver.policy_return(grid, _greedy_policy(grid, player))


def best_score(env: Env) -> float:
    """The best expected return on the map as it is now."""
    return solver.optimal_return(_map_env(env))


def exact_rows(env: Env, player: Player) -> list[dict[str, Any]]:
    """The greedy policy's exact success probability and return, and the optimum's."""
    grid = _map_env(env)
    policy = _greedy_policy(grid, player)
    return [
        {
            "test": "greedy policy (exact)",
            "games": "exact",
            "success": solver.success_probability(grid, policy),
            "return": solver.policy_return(grid, policy),
        },
        {
            "test": "optimum (exact)",
            "games": "exact",
            "success": solver.success_probability(grid),
            "return": solver.optimal_return(grid),
        },
    ]
