"""The qarcade games behind one env interface (see :mod:`games.core`).

``games.make("gridworld", map="maze")`` builds an env by name, ``games.view_class(name)``
finds its pygame view; :data:`GAMES` lists the names. Nothing in this package imports
pygame except the ``view`` modules.
"""

from __future__ import annotations

import importlib
import inspect
from typing import TYPE_CHECKING, Any, NamedTuple

from qarcade.games.core import Env, GameError, GameOverError, IllegalActionError, OptionError

if TYPE_CHECKING:
    from qarcade.games.view import View


class _Entry(NamedTuple):
    """Where a game's env and view classes are, as ``"module:Class"``: imported on first
    use, so ``import qarcade.games`` stays cheap and never loads pygame."""

    env: str
    view: str


_REGISTRY: dict[str, _Entry] = {
    "tictactoe": _Entry(
        "qarcade.games.tictactoe.env:TicTacToeEnv", "qarcade.games.tictactoe.view:TicTacToeView"
    ),
    "gridworld": _Entry(
        "qarcade.games.gridworld.env:GridWorldEnv", "qarcade.games.gridworld.view:GridWorldView"
    ),
    "invaders": _Entry(
        "qarcade.games.invaders.env:InvadersEnv", "qarcade.games.invaders.view:InvadersView"
    ),
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
    "view_class",
]


def _entry(name: str) -> _Entry:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise OptionError(f"unknown game {name!r}; choose one of: {', '.join(GAMES)}") from None


def _load(target: str) -> Any:
    module, attribute = target.split(":")
    return getattr(importlib.import_module(module), attribute)


def env_class(name: str) -> type[Env]:
    """The env class registered under ``name``; raises :class:`OptionError` if unknown."""
    return _load(_entry(name).env)


def view_class(name: str) -> type[View]:
    """The pygame view class of the game ``name`` (importing it imports pygame); raises
    :class:`OptionError` for an unknown game, or one whose view cannot be imported."""
    target = _entry(name).view
    try:
        return _load(target)
    except ImportError as error:
        raise OptionError(f"the {name} view is not available ({error})") from None


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
