"""qarcade: play against, and watch, agents that learn by Q-learning.

The installed package holds four subpackages, layered so that imports only point down:
``qarcade.games`` (rules, envs and views), ``qarcade.agents`` (learners, players,
training), ``qarcade.app`` (the pygame application) and ``qarcade.cli`` (the command
line); ``qarcade.assets`` is package data. A wheel puts them all inside this folder. In a
source checkout they stay at the repository's top level (``games/``, ``agents/``,
``app/``, ``assets/``), and this package's search path reaches them there, so the
checkout runs with or without an install.
"""

from __future__ import annotations

from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent
if (
    not (Path(__file__).resolve().parent / "games").is_dir()
    and (_CHECKOUT / "games" / "core.py").is_file()
):
    __path__.append(str(_CHECKOUT))  # a source checkout: the subpackages sit beside us
