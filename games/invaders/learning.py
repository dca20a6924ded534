"""Which of Invaders' learner settings (``game.toml``) fit (:attr:`GameSpec.settings_choice`):
the DQN's are for the feature vector; on pixels it takes the settings of any env
observed as frames."""

from __future__ import annotations

from typing import Any


def settings_choice(kind: str, options: dict[str, Any]) -> str | None:
    """The name of the settings table for the learner ``kind`` on Invaders made with
    ``options``; None to let the learner choose from the observation."""
    if kind == "dqn" and options.get("obs_mode", "features") != "features":
        return None
    return kind
