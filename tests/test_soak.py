"""Random-play soaks of 200,000 steps for tic-tac-toe and the gridworld, invariants checked
every step (the Invaders soak, with its own invariants, is in tests/test_invaders.py)."""

from __future__ import annotations

import numpy as np
import pytest

from qarcade import games
from qarcade.games.gridworld.maps import GOAL, PIT, WALL

STEPS = 200_000


def random_actions(seed: int) -> list[int]:
    """Numbers to pick a legal action from, drawn ahead so the loop stays cheap."""
    return np.random.default_rng(seed).integers(0, 1 << 30, size=STEPS).tolist()


@pytest.mark.slow
def test_tictactoe_soak() -> None:
    env = games.make("tictactoe")
    obs, info = env.reset(seed=0)
    moves = 0
    for pick in random_actions(0):
        mask = info["action_mask"]
        legal = np.flatnonzero(mask)
        mine, theirs = obs[0].ravel(), obs[1].ravel()
        # Marks are 0/1, never overlap, and the legal moves are exactly the empty squares.
        assert set(np.unique(obs)) <= {0.0, 1.0}
        assert not (mine * theirs).any()
        assert np.array_equal(mask, (mine + theirs) == 0)
        # X moves first, so the player to move never has more marks than the opponent.
        assert 0 <= theirs.sum() - mine.sum() <= 1
        obs, reward, terminated, truncated, info = env.step(int(legal[pick % len(legal)]))
        moves += 1
        assert not truncated
        assert reward in (0.0, 1.0)
        assert sum(info["rewards"]) == 0
        if terminated:
            assert moves <= 9 and (reward == 1.0 or moves == 9)
            assert (reward == 1.0) == (info["winner"] is not None)
            obs, info = env.reset()
            moves = 0


@pytest.mark.slow
def test_gridworld_soak() -> None:
    env = games.make("gridworld", map="lake8", slippery=0.2)
    obs, info = env.reset(seed=0)
    allowed = {env.step_reward, env.goal_reward, env.pit_reward}
    steps = 0
    for pick in random_actions(1):
        assert obs.sum() == 1.0 and obs.max() == 1.0
        row, col = env.position
        assert int(np.argmax(obs)) == row * env.cols + col
        assert env.grid[row, col] != WALL
        assert info["action_mask"].all()
        obs, reward, terminated, truncated, info = env.step(pick % env.num_actions)
        steps += 1
        assert reward in allowed
        tile = env.grid[env.position]
        assert terminated == (tile in (GOAL, PIT))
        assert truncated == (steps == env.max_steps and not terminated)
        if terminated or truncated:
            obs, info = env.reset()
            steps = 0
