"""The gridworld's exact answer (:attr:`GameSpec.exact`): a greedy player's return and
success probability computed over the map's transition model by
:mod:`games.gridworld.solver`, beside the optimum.

An env that draws a new map every episode (``resample_map``) is graded on a fixed set
of validation maps of its size instead of whichever map it holds now: the score a
trainer follows, to keep the best policy, then says how well the learner plays maps
in general, not how lucky the last draw was. The validation maps are neither among the
maps it trains on nor among the held-out maps ``map_seed`` 0, 1, ... that benchmarks
grade it on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from qarcade.games.core import Env, Player
from qarcade.games.gridworld import solver
from qarcade.games.gridworld.env import GridWorldEnv


def _greedy_policy(env: GridWorldEnv, player: Player) -> np.ndarray:
    return solver.policy_of(env, _greedy(env, player))


def _greedy(env: Env, player: Player) -> Callable[[np.ndarray], int]:
    all_legal = np.ones(env.num_actions, dtype=bool)
    return lambda obs: player.act(obs, all_legal, explore=False)


def _map_env(env: Env) -> GridWorldEnv:
    assert isinstance(env, GridWorldEnv), f"a gridworld grade needs a gridworld, not {env.name}"
    return env


#: A stream of maps is graded on this many validation maps, ``map_seed`` from
#: VALIDATION_SEED up: below the stream's seeds (``RESAMPLE_SEED_BASE``) and far above
#: the held-out maps benchmarks use.
VALIDATION_MAPS, VALIDATION_SEED = 20, 2**19


def graded_maps(env: Env) -> list[GridWorldEnv]:
    """The maps a grade is taken on: the env itself, or for a stream of maps its
    validation maps (its own size and options, each map fixed)."""
    grid = _map_env(env)
    if not grid.resample_map:
        return [grid]
    options = {k: v for k, v in grid.options.items() if k not in ("resample_map", "min_size")}
    return [
        GridWorldEnv(**{**options, "map_seed": VALIDATION_SEED + i}) for i in range(VALIDATION_MAPS)
    ]


def exact_score(env: Env, player: Player) -> float:
    """The exact expected return of ``player``'s greedy policy on the map as it is now
    (a stream of maps: the mean over its validation maps)."""
    greedy = _greedy(env, player)
    return float(np.mean([solver.return_of(grid, greedy) for grid in graded_maps(env)]))


def best_score(env: Env) -> float:
    """The best expected return on the map as it is now (a stream of maps: the mean
    over its validation maps)."""
    return float(np.mean([solver.optimal_return(grid) for grid in graded_maps(env)]))


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
