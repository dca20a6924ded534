"""The gridworld's map-reading observation (``obs_mode="map"``) and the stream of random
maps (``resample_map``)."""

from __future__ import annotations

import numpy as np
import pytest

from qarcade import games
from qarcade.games.core import OptionError
from qarcade.games.gridworld import GOAL, PIT, RIGHT, WALL, GridWorldEnv
from qarcade.games.gridworld.env import MAP_CHANNELS, RESAMPLE_SEED_BASE


def test_map_observation_holds_walls_pits_goals_and_the_agent() -> None:
    env = games.make("gridworld", map="lake4", obs_mode="map")
    obs, _ = env.reset(seed=0)
    assert env.observation_shape == (len(MAP_CHANNELS), 4, 4) == obs.shape
    assert obs.dtype == np.float32
    grid = env.grid
    for channel, tile in enumerate((WALL, PIT, GOAL)):
        np.testing.assert_array_equal(obs[channel], grid == tile)
    assert obs[3].sum() == 1.0 and obs[3][env.start] == 1.0
    with pytest.raises(ValueError):
        obs[0, 0, 0] = 1.0  # read-only, as the one-hot ones
    obs2, *_ = env.step(RIGHT)
    assert obs2[3][env.position] == 1.0 and obs2[3].sum() == 1.0
    np.testing.assert_array_equal(obs2[:3], obs[:3])


def test_one_hot_observation_is_unchanged_by_default() -> None:
    env = games.make("gridworld", map="lake4")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (16,) and obs[0] == 1.0


def test_an_edited_tile_shows_in_the_map_observation() -> None:
    env = games.make("gridworld", map="lake4", obs_mode="map")
    env.reset(seed=0)
    assert env.grid[0, 2] != WALL
    env.set_tile(0, 2, WALL)
    assert env.observe()[0, 0, 2] == 1.0
    assert env.obs_for_cell(1, 0)[3, 1, 0] == 1.0


def test_resample_map_draws_a_new_map_each_reset_and_a_seed_repeats_them() -> None:
    env = GridWorldEnv(map="random", size=6, obs_mode="map", resample_map=True)
    grids = []
    for _ in range(5):
        env.reset()
        grids.append(env.grid.copy())
        assert env.grid.shape == (6, 6)
    assert len({g.tobytes() for g in grids}) == 5
    first = []
    for _ in range(2):
        env.reset(seed=7)
        first.append((env.grid.copy(), env.map_name))
    np.testing.assert_array_equal(first[0][0], first[1][0])
    seed = int(first[0][1].rsplit("-s", 1)[1])
    assert seed >= RESAMPLE_SEED_BASE  # never one of the maps map_seed < base makes


@pytest.mark.parametrize(
    "options",
    [
        {"obs_mode": "pixels"},
        {"map": "lake4", "resample_map": True},
        {"map": "random", "resample_map": "yes"},
    ],
)
def test_bad_map_options_are_refused(options: dict) -> None:
    with pytest.raises(OptionError):
        games.make("gridworld", **options)
