"""The perfect tic-tac-toe player as an agent: the solved game
(:mod:`qarcade.games.tictactoe.solver`) behind the one agent interface, so it can fill a
seat in Versus, training and evaluation."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from qarcade.agents.base import Agent
from qarcade.games.tictactoe.rules import SQUARES
from qarcade.games.tictactoe.solver import action_values, obs_bits, perfect_move


class MinimaxAgent(Agent):
    """Plays tic-tac-toe perfectly from either seat.

    Among the moves that keep the best result it picks uniformly at random, so over many
    games an opponent meets every perfect line, not one fixed game. It chooses the same way
    with and without ``explore`` (it never explores, and never learns).

    Args:
        seed: seeds the agent's own generator (ignored when ``rng`` is given).
        rng: a generator to draw the tie-breaks from, e.g. shared with a trainer.
    """

    name: ClassVar[str] = "minimax"

    def __init__(self, seed: int | None = None, *, rng: np.random.Generator | None = None) -> None:
        self.rng = rng if rng is not None else np.random.default_rng(seed)

    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        return perfect_move(obs, self.rng)

    def q_values(self, obs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """The game-theoretic value of each move (+1 win, 0 draw, -1 loss with perfect
        play after it); -inf on taken squares."""
        q = np.full(SQUARES, -np.inf, dtype=np.float32)
        for square, v in action_values(*obs_bits(obs)).items():
            q[square] = v
        return q
