"""The qarcade games behind one env interface (see :mod:`games.core`).

``games.make("gridworld", map="maze")`` builds an env by name; :data:`GAMES` lists the names.
Nothing in this package imports pygame except the ``view`` modules.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from qarcade.games.core import Env, GameError, GameOverError, IllegalActionError, OptionError

# name -> "module:Class"; imported on first use so `import games` stays cheap.
_REGISTRY: dict[str, str] = {
    "tictactoe": "qarcade.games.tictactoe.env:TicTacToeEnv",
    "gridworld": "qarcade.games.gridworld.env:GridWorldEnv",
    "invaders": "qarcade.games.invaders.env:InvadersEnv",
}
GAMES: tuple[str, ...] = tuple(_REGISTRY)

__all__ = [
    "GAMES",
    "Env",
    "GameError",
    "GameOverError",
    "IllegalActionError",
    "OptionError",
    "env_class",
    "make",
]


def env_class(name: str) -> type[Env]:
    """The env class registered under ``name``; raises :class:`OptionError` if unknown."""
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise OptionError(f"unknown game {name!r}; choose one of: {', '.join(GAMES)}") from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def make(name: str, **options: Any) -> Env:
    """Build the game ``name`` with keyword ``options``.

    An unknown name or option raises :class:`OptionError` listing the valid ones.
    """
    cls = env_class(name)
    params = inspect.signature(cls.__init__).parameters
    valid = [p for p in params if p != "self" and params[p].kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(valid))
    if unknown:
        raise OptionError(
            f"{name}: unknown option(s) {', '.join(unknown)}; "
            f"valid options: {', '.join(valid) or 'none'}"
        )
    return cls(**options)
