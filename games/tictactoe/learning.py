"""The settings that learn tic-tac-toe well, per learner (:attr:`GameSpec.learner_settings`)."""

from __future__ import annotations

from typing import Any


def learner_settings(kind: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Settings for the learner ``kind`` (None: the learner's own defaults)."""
    if kind == "tabular":
        # Deterministic: learning_rate 1 makes each update exact. Every position counts,
        # including ones good play never reaches, so every move explores, trying the
        # least-tried move first; replaying each game backwards carries its result to
        # every earlier move at once.
        return dict(
            learning_rate=1.0,
            gamma=0.99,
            start_e=1.0,
            end_e=1.0,
            exploration_fraction=0.0,
            backward_replay=True,
            explore_least_tried=True,
            episodes=30_000,
        )
    if kind == "dqn":
        # Broad exploration all along: the exact grade covers every position, including
        # ones good play never reaches.
        return dict(
            learning_rate=1e-3,
            buffer_size=100_000,
            batch_size=128,
            learning_starts=1_000,
            train_frequency=2,
            target_network_frequency=500,
            gamma=1.0,
            end_e=0.2,
            exploration_fraction=0.5,
            total_timesteps=120_000,
            hidden_sizes=(128, 128),
        )
    return None
