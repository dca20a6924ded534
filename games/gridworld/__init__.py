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

__all__ = [
    "DOWN",
    "FLOOR",
    "GOAL",
    "LEFT",
    "PIT",
    "RIGHT",
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
