"""The settings that learn Invaders well, per learner (:attr:`GameSpec.learner_settings`)."""

from __future__ import annotations

from typing import Any


def learner_settings(kind: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Settings for the learner ``kind`` on Invaders made with ``options``; None for the
    DQN on pixels, which takes the settings of any env observed as frames."""
    if kind == "tabular":
        return dict(
            learning_rate=0.1,
            gamma=0.99,
            start_e=1.0,
            end_e=0.05,
            exploration_fraction=0.5,
            episodes=200,
        )
    if kind == "dqn" and options.get("obs_mode", "features") == "features":
        # A life lost is rare among the transitions and must reach the moves that could
        # have dodged it: 3-step returns and a longer horizon (gamma 0.995, about 13 s of
        # game time at frame skip 4); a smaller learning rate keeps the greedy score from
        # collapsing late in the run. benchmarks/dqn_games.py measures it.
        return dict(
            learning_rate=2.5e-4,
            buffer_size=100_000,
            batch_size=64,
            learning_starts=5_000,
            train_frequency=4,
            target_network_frequency=1_000,
            gamma=0.995,
            n_step=3,
            end_e=0.02,
            exploration_fraction=0.1,
            total_timesteps=1_000_000,
            reward_scale=0.01,
            hidden_sizes=(128, 128),
        )
    return None
