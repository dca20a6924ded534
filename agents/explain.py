"""The last update a learner made, with its numbers, for Learn's and Compare's single step.

A learner with ``explain = True`` keeps its latest update in ``last_update``: the numbers
are the ones the update itself used, copied out as it ran, so what the window shows is
what the learner did (``tests/test_explain.py`` checks it against the learner's own
result). Off by default: the fast training paths pay one attribute test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Explainer(Protocol):
    """A learner that can keep its latest update (tabular Q, DQN)."""

    explain: bool
    last_update: TableUpdate | NetworkUpdate | None


@dataclass(frozen=True)
class TableUpdate:
    """One tabular Q-learning update,
    ``Q(s,a) <- Q(s,a) + alpha [r + gamma max Q(s',.) - Q(s,a)]``.

    Attributes:
        obs: the observation ``s`` (whose row changed).
        next_obs: ``s'``.
        action: ``a``.
        reward: ``r``.
        gamma: the discount.
        next_best: ``max Q(s', .)`` over the legal actions; None when the game ended
            (the target is ``r``).
        flip: ``s'`` is the opponent's view, so the target is ``r - gamma max Q(s', .)``.
        old_q: ``Q(s, a)`` before.
        target: ``r + gamma max Q(s', .)`` (or ``r``, or the negamax form).
        learning_rate: ``alpha``.
        new_q: ``Q(s, a)`` after.
        planned: entries set to their expected targets after it (the table's
            ``planning_steps``; :mod:`agents.model`), 0 without planning.
    """

    obs: np.ndarray
    next_obs: np.ndarray
    action: int
    reward: float
    gamma: float
    next_best: float | None
    flip: bool
    old_q: float
    target: float
    learning_rate: float
    new_q: float
    planned: int = 0

    def lines(self, action_name: str) -> list[str]:
        """The update as a person reads it, a few short lines."""
        if self.next_best is None:
            target = f"target = r = {self.reward:+.4f} (the game ended)"
        else:
            sign = "-" if self.flip else "+"
            target = (
                f"target = r {sign} γ max Q(s',·) = {self.reward:+.4f} {sign} "
                f"{self.gamma:g} × {self.next_best:+.4f} = {self.target:+.4f}"
            )
        lines = [
            f"Q(s, {action_name}) := Q + α (target − Q)",
            target,
            f"Q = {self.old_q:+.4f} + {self.learning_rate:g} × ({self.target:+.4f} − "
            f"{self.old_q:+.4f}) = {self.new_q:+.4f}",
        ]
        if self.planned:
            lines.append(
                f"then {self.planned} entries met := their mean target over what they led to"
            )
        return lines


@dataclass(frozen=True)
class NetworkUpdate:
    """The first transition of a DQN gradient step's sampled batch, with the double-DQN
    target ``r + gamma b Q_target(s', argmax_a' Q_online(s', a'))`` (``b`` 0 when the game
    ended, -1 across a turn in self-play), ``Q_online(s, a)`` and its Huber loss. Values
    are in the units the network learns (rewards times ``reward_scale``).

    Attributes:
        obs: the sampled ``s``.
        next_obs: the sampled ``s'``.
        action: the sampled ``a``.
        reward: ``r`` (n-step: the discounted sum of the next n rewards).
        gamma: the discount.
        bootstrap: ``b`` (n-step: times ``gamma ** (n - 1)``).
        next_action: ``argmax Q_online(s', .)`` over the legal actions.
        next_q_target: ``Q_target(s', next_action)``, with ``bonus`` added.
        bonus: the count-based exploration bonus added to ``s'``'s values (0 without).
        target: the TD target.
        q: ``Q_online(s, a)`` before the step.
        loss: this transition's Huber loss (the batch's loss is the mean over the batch).
        batch_size: transitions in the batch.
    """

    obs: np.ndarray
    next_obs: np.ndarray
    action: int
    reward: float
    gamma: float
    bootstrap: float
    next_action: int
    next_q_target: float
    target: float
    q: float
    loss: float
    batch_size: int
    bonus: float = 0.0

    def lines(self, action_name: str, next_action_name: str) -> list[str]:
        """The update as a person reads it, a few short lines."""
        if self.bootstrap == 0:
            target = f"target = r = {self.reward:+.4f} (the game ended)"
        else:
            target = (
                f"target = r + γ b Q_target(s', {next_action_name}) = {self.reward:+.4f} + "
                f"{self.gamma:g} × {self.bootstrap:g} × {self.next_q_target:+.4f} = "
                f"{self.target:+.4f}"
            )
        bonus = f" (count bonus {self.bonus:+.4f} in)" if self.bonus else ""
        return [
            f"sampled 1 of {self.batch_size}: a' = argmax Q_online(s', ·) = {next_action_name}"
            + bonus,
            target,
            f"Q_online(s, {action_name}) = {self.q:+.4f} · Huber loss {self.loss:.5f}",
        ]
