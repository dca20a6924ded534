"""Which of the gridworld's learner settings (``game.toml``) fit a map: a slippery map
has its own for the table (:attr:`GameSpec.settings_choice`)."""

from __future__ import annotations

from typing import Any


def settings_choice(kind: str, options: dict[str, Any]) -> str | None:
    """The name of the settings table for the learner ``kind`` on a map made with
    ``options``."""
    if kind == "tabular" and options.get("slippery"):
        return "tabular_slippery"
    return kind
