"""The one agent interface: learners (tabular Q, DQN) and players (minimax, random,
scripted, human) all choose actions the same way.

A transition is what a learner learns from. In two-player zero-sum games played by one
agent in both seats, ``next_obs`` is seen by the *opponent* (the next player to move), so
its value enters the target negated: ``flip`` says so. The trainer fills it in.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np


@dataclass(frozen=True, slots=True)
class Transition:
    """One step a learner learns from.

    Attributes:
        obs: the observation the action was chosen from.
        action: the action taken.
        reward: the reward the mover received.
        next_obs: the next observation (from the view of the next player to move).
        next_mask: legal-action mask in ``next_obs`` (all False when terminated).
        terminated: the game ended (no bootstrapping from ``next_obs``).
        flip: ``next_obs`` belongs to the opponent in a zero-sum game, so the target is
            ``reward - gamma * max Q(next_obs)`` instead of ``reward + gamma * max Q``.
    """

    obs: np.ndarray
    action: int
    reward: float
    next_obs: np.ndarray
    next_mask: np.ndarray
    terminated: bool
    flip: bool = False


class Agent(abc.ABC):
    """Chooses actions from an observation and a legal-action mask.

    Learners override :meth:`learn`, :meth:`q_values`, :meth:`save` and :meth:`load`;
    fixed players keep the defaults.
    """

    name: ClassVar[str]
    #: True for agents whose ``learn`` does something.
    learns: ClassVar[bool] = False

    @abc.abstractmethod
    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        """Pick a legal action; ``explore`` turns on exploration (epsilon-greedy)."""

    def q_values(self, obs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
        """Q-value per action for overlays (illegal actions may be -inf), or None."""
        return None

    def learn(self, transition: Transition) -> dict[str, float]:
        """Learn from one transition; return metrics worth logging (may be empty)."""
        return {}

    def save(self, path: str) -> None:
        """Write a checkpoint (data, never pickles) atomically."""
        raise NotImplementedError(f"{self.name} agents have nothing to save")

    def config_dict(self) -> dict[str, Any]:
        """The hyperparameters, JSON-serialisable, for checkpoints and logs."""
        return {}
