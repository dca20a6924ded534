"""Tiny games behind the env interface, solved by hand, for learning tests that need an
exact answer and must run in a fraction of a second."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from qarcade.games.core import Env


class NimEnv(Env):
    """One pile of ``stones``; each move takes 1, 2 or 3 (action 0, 1, 2); whoever takes
    the last stone wins (+1, the other seat -1).

    The player to move wins exactly when ``stones % 4 != 0``, by taking ``stones % 4``.
    The observation is a one-hot of the stones left (the same for both seats).
    """

    name: ClassVar[str] = "nim"
    num_players: ClassVar[int] = 2
    num_actions = 3
    action_names = ("take 1", "take 2", "take 3")

    def __init__(self, *, stones: int = 9) -> None:
        super().__init__(stones=stones)
        self.start = stones
        self.observation_shape = (stones + 1,)
        self.stones = stones
        self.player = 0

    @property
    def current_player(self) -> int:
        return self.player

    def _reset(self) -> None:
        self.stones = self.start
        self.player = 0

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        self.stones -= action + 1
        mover = self.player
        self.player = 1 - mover
        if self.stones == 0:
            return ((1.0, -1.0) if mover == 0 else (-1.0, 1.0)), True, False
        return (0.0, 0.0), False, False

    def observe(self) -> np.ndarray:
        obs = np.zeros(self.observation_shape, dtype=np.float32)
        obs[self.stones] = 1.0
        return obs

    def _action_mask(self) -> np.ndarray:
        return np.arange(3) < self.stones

    def obs_for(self, stones: int) -> np.ndarray:
        """The observation of a pile of ``stones``."""
        obs = np.zeros(self.observation_shape, dtype=np.float32)
        obs[stones] = 1.0
        return obs


class ChainEnv(Env):
    """A corridor of ``length`` cells: action 1 steps right, action 0 steps left (a wall
    at cell 0). Each step costs ``step_reward``; reaching the last cell gives +1 and ends
    the episode; ``max_steps`` truncates it. Optimal: always right."""

    name: ClassVar[str] = "chain"
    num_actions = 2
    action_names = ("left", "right")

    def __init__(self, *, length: int = 6, step_reward: float = -0.01, max_steps: int = 50) -> None:
        super().__init__(length=length, step_reward=step_reward, max_steps=max_steps)
        self.length, self.step_reward, self.max_steps = length, step_reward, max_steps
        self.observation_shape = (length,)
        self.cell = 0
        self.steps = 0

    def _reset(self) -> None:
        self.cell = 0
        self.steps = 0

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        self.cell = max(0, self.cell + (1 if action == 1 else -1))
        self.steps += 1
        if self.cell == self.length - 1:
            return (1.0,), True, False
        return (self.step_reward,), False, self.steps >= self.max_steps

    def observe(self) -> np.ndarray:
        obs = np.zeros(self.observation_shape, dtype=np.float32)
        obs[self.cell] = 1.0
        return obs

    def _action_mask(self) -> np.ndarray:
        return np.ones(2, dtype=bool)


class SurviveEnv(Env):
    """CartPole's reward in one state: every step pays +1 and ends the episode with
    probability ``end_probability`` (``max_steps`` truncates it). Both actions do the same.

    The value of every action is ``1 / (1 - gamma * (1 - end_probability))``. A learner
    that regresses to the median target instead of the mean ignores the rare ends and
    drifts to ``1 / (1 - gamma)``.
    """

    name: ClassVar[str] = "survive"
    num_actions = 2
    action_names = ("left", "right")
    observation_shape = (1,)

    def __init__(self, *, end_probability: float = 0.2, max_steps: int = 500) -> None:
        super().__init__(end_probability=end_probability, max_steps=max_steps)
        self.end_probability, self.max_steps = end_probability, max_steps
        self.steps = 0

    def _reset(self) -> None:
        self.steps = 0

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        self.steps += 1
        ended = bool(self.rng.random() < self.end_probability)
        return (1.0,), ended, not ended and self.steps >= self.max_steps

    def observe(self) -> np.ndarray:
        return np.ones(1, dtype=np.float32)

    def _action_mask(self) -> np.ndarray:
        return np.ones(2, dtype=bool)


class CoinEnv(Env):
    """One move in one state: it pays +1 with probability ``win``, else -1, and ends the
    episode. Both actions do the same. The value of either is ``2 * win - 1``; a loss
    whose minimiser lies between the mean and the median of the two outcomes (the Huber
    loss with ``delta`` 1: 0.75 for ``win`` 0.8) learns more than that."""

    name: ClassVar[str] = "coin"
    num_actions = 2
    action_names = ("heads", "tails")
    observation_shape = (1,)

    def __init__(self, *, win: float = 0.8) -> None:
        super().__init__(win=win)
        self.win = win

    def _reset(self) -> None:
        pass

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        return (1.0 if self.rng.random() < self.win else -1.0,), True, False

    def observe(self) -> np.ndarray:
        return np.ones(1, dtype=np.float32)

    def _action_mask(self) -> np.ndarray:
        return np.ones(2, dtype=bool)
