"""The uniformly random player: the baseline every learner must beat."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from qarcade.agents.base import Agent


class RandomAgent(Agent):
    """Plays a uniformly random legal action, from its own seeded generator.

    Args:
        seed: seeds the generator, so the same seed plays the same moves.
    """

    name: ClassVar[str] = "random"

    def __init__(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        legal = np.flatnonzero(mask)
        return int(legal[self.rng.integers(len(legal))])
