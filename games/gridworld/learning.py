"""The settings that learn gridworld maps well, per learner
(:attr:`GameSpec.learner_settings`). They depend on the map's dynamics (slippery or not),
never on its name, so they hold for maps nobody tuned them on."""

from __future__ import annotations

from typing import Any


def learner_settings(kind: str, options: dict[str, Any]) -> dict[str, Any] | None:
    """Settings for the learner ``kind`` on a map made with ``options``."""
    if kind == "tabular":
        if options.get("slippery"):
            return dict(
                learning_rate=0.1,
                gamma=0.99,
                start_e=1.0,
                end_e=0.1,
                exploration_fraction=0.5,
                episodes=10_000,
            )
        return dict(
            learning_rate=1.0,
            gamma=0.99,
            start_e=1.0,
            end_e=0.1,
            exploration_fraction=0.5,
            backward_replay=True,
            episodes=2_000,
        )
    if kind == "dqn":
        # A small learning rate and a buffer that keeps the whole run hold the greedy
        # policy still at the end, where neighbouring actions differ little. Epsilon-greedy
        # finds the goal of every shipped map without optimistic initial values, which
        # would slow the first optimal policy while every Q-value comes down from them.
        return dict(
            learning_rate=1e-4,
            buffer_size=100_000,
            batch_size=64,
            learning_starts=500,
            train_frequency=4,
            target_network_frequency=250,
            exploration_fraction=0.5,
            total_timesteps=100_000,
            hidden_sizes=(64, 64),
        )
    return None
