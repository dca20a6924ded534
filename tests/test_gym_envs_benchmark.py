"""The exact grade benchmarks/gym_envs.py reports the toy-text envs by: dynamic
programming over the env's own transition table, checked against answers known apart
from it."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.gym_envs import exact_values

LEFT, DOWN, RIGHT, UP = range(4)


def test_exact_grade_of_frozen_lake_knows_the_best_and_a_hopeless_policy() -> None:
    """FrozenLake 4x4, slippery, 100 moves: the best policy reaches the goal about 74% of
    the time (the figure value iteration gives for this lake, as the gridworld's slippery
    ``lake4`` in README's table); one that always pushes left, into the wall, only slips
    up and down the left edge and never reaches the goal."""
    mine, best = exact_values("FrozenLake-v1", np.full(16, LEFT), 100, success=True)
    assert mine == 0.0
    assert best == pytest.approx(0.744, abs=0.005)


def test_exact_grade_of_cliff_walking_counts_every_step() -> None:
    """CliffWalking: the best return is the 13-step path along the cliff (-1 a step); a
    policy that walks up into the wall forever loses 1 a step for the whole horizon."""
    mine, best = exact_values("CliffWalking-v1", np.full(48, UP), 200, success=False)
    assert best == -13.0
    assert mine == -200.0
