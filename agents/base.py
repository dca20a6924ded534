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


@dataclass(slots=True)
class Transition:
    """One step a learner learns from (treat as read-only; not frozen because a frozen
    dataclass costs three times as much to build, and the trainer builds one per step).

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

    Learners override :meth:`learn`, :meth:`q_values`, :meth:`memory_report` and the
    checkpoint pair :meth:`to_checkpoint` / :meth:`from_checkpoint`, and expose
    ``epsilon`` and ``learning_rate`` as settable attributes (the window's sliders set them
    while the agent learns). Fixed players keep the defaults.
    """

    name: ClassVar[str]
    #: True for agents whose ``learn`` does something.
    learns: ClassVar[bool] = False
    #: The file suffix :meth:`save` uses by default (picks the checkpoint format).
    checkpoint_suffix: ClassVar[str] = ".npz"

    @abc.abstractmethod
    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        """Pick a legal action; ``explore`` turns on exploration (epsilon-greedy)."""

    def q_values(self, obs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray | None:
        """Q-value per action for overlays (illegal actions may be -inf), or None."""
        return None

    def learn(self, transition: Transition) -> dict[str, float]:
        """Learn from one transition; return metrics worth logging (may be empty)."""
        return {}

    def end_episode(self) -> dict[str, float]:
        """Called by the trainer when an episode ends (terminated or truncated); learners
        that learn per episode do it here. Returns metrics worth logging (may be empty)."""
        return {}

    def policy_state(self) -> Any:
        """A copy of what the greedy policy follows from (a table, the network's
        weights), for :meth:`load_policy_state`; None for agents without one."""
        return None

    def load_policy_state(self, state: Any) -> None:
        """Act again as when :meth:`policy_state` gave ``state`` (the rest of the agent,
        its replay buffer, counters and optimizer, is left as it is). Agents without a
        policy state have nothing to put back."""
        del state

    def memory_report(self) -> dict[str, Any]:
        """What the agent's Q-function costs in memory, for the side panel and the CLI:
        ``{"kind": "table" | "network", "entries" | "parameters": int, "bytes": int}``;
        empty for agents without one."""
        return {}

    def config_dict(self) -> dict[str, Any]:
        """The hyperparameters, JSON-serialisable, for checkpoints and logs."""
        return {}

    # ----------------------------------------------------------------- checkpoints
    def to_checkpoint(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The agent as plain arrays and JSON-serialisable metadata.

        The metadata holds at least ``game`` and ``game_options`` (the env it was made
        for) and ``config`` (:meth:`config_dict`); :mod:`agents.checkpoints` adds the
        format version, the agent kind (:attr:`name`), training counters and versions.
        """
        raise NotImplementedError(f"{self.name} agents have nothing to save")

    @classmethod
    def from_checkpoint(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Agent:
        """Rebuild an agent from what :meth:`to_checkpoint` gave (after validation)."""
        raise NotImplementedError(f"{cls.name} agents cannot be loaded from a checkpoint")

    def save(self, path: str, *, training: dict[str, Any] | None = None) -> str:
        """Write a checkpoint (data, never pickles) atomically; returns the path written.

        ``training`` is the trainer's state (counters, generator states) to resume from.
        """
        from qarcade.agents.checkpoints import save_agent

        return save_agent(path, self, training=training)

    @classmethod
    def load(cls, path: str, *, game: str | None = None) -> Agent:
        """Load a checkpoint written by :meth:`save`; ``game`` is the game the caller
        expects (a checkpoint for another game raises
        :class:`~agents.checkpoints.CheckpointError`)."""
        from qarcade.agents.checkpoints import load_agent

        return load_agent(path, game=game, kind=getattr(cls, "name", None))
