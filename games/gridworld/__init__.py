"""The gridworld: a FrozenLake-style walk to a goal across floor, walls and pits.

``games.make("gridworld", map="cliff")`` builds it; :mod:`games.gridworld.maps` reads and
generates maps, :mod:`games.gridworld.solver` computes exact optimal values to grade
learners against.
"""

from qarcade.games.gridworld.env import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    GridWorldEnv,
    TransitionModel,
)
from qarcade.games.gridworld.maps import (
    FLOOR,
    GOAL,
    PIT,
    START,
    TILE_CHARS,
    TILE_NAMES,
    WALL,
    GridMap,
    MapError,
    format_map,
    goal_reachable,
    load_map,
    parse_map,
    random_map,
    shipped_maps,
)
from qarcade.games.spec import Exact, GameSpec

__all__ = [
    "DOWN",
    "FLOOR",
    "GOAL",
    "LEFT",
    "PIT",
    "RIGHT",
    "SPEC",
    "START",
    "TILE_CHARS",
    "TILE_NAMES",
    "UP",
    "WALL",
    "GridMap",
    "GridWorldEnv",
    "MapError",
    "TransitionModel",
    "format_map",
    "goal_reachable",
    "load_map",
    "parse_map",
    "random_map",
    "shipped_maps",
]


SPEC = GameSpec(
    name="gridworld",
    title="Gridworld",
    env="qarcade.games.gridworld.env:GridWorldEnv",
    view="qarcade.games.gridworld.view:GridWorldView",
    order=1,
    baselines=(),
    learner_settings="qarcade.games.gridworld.learning:learner_settings",
    exact=Exact(
        label="greedy return (exact)",
        score="qarcade.games.gridworld.grading:exact_score",
        best="qarcade.games.gridworld.grading:best_score",
        rows="qarcade.games.gridworld.grading:exact_rows",
    ),
    maps="qarcade.games.gridworld.maps:map_choices",
    gym_id="qarcade/GridWorld-v0",
)
