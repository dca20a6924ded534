"""The qarcade games behind one env interface (see :mod:`games.core`).

Each game is a folder here holding ``game.toml``, its descriptor
(:class:`games.spec.GameSpec`); they are found on first use, so this module names no
game. ``games.make("gridworld", map="maze")`` builds an env by name, ``games.spec(name)``
says everything else about a game, :func:`names` lists them in menu order, and
:func:`register` adds a game defined elsewhere. Nothing in this package imports pygame
except the ``view`` modules.
"""

from __future__ import annotations

import inspect
import pkgutil
from importlib import resources
from typing import TYPE_CHECKING, Any

from qarcade.games.core import Env, GameError, GameOverError, IllegalActionError, OptionError
from qarcade.games.spec import Exact, GameSpec, read_spec

if TYPE_CHECKING:
    from qarcade.games.view import View

__all__ = [
    "Env",
    "Exact",
    "GameError",
    "GameOverError",
    "GameSpec",
    "IllegalActionError",
    "OptionError",
    "env_class",
    "make",
    "names",
    "register",
    "spec",
    "spec_of",
    "specs",
    "unregister",
    "view_class",
]

#: The descriptor's file name in a game's folder.
DESCRIPTOR = "game.toml"
_REGISTRY: dict[str, GameSpec] = {}
_found = False


def _find_games() -> None:
    """Register the descriptor (``game.toml``) of every game folder in this package
    (once)."""
    global _found
    if _found:
        return
    _found = True
    for module in pkgutil.iter_modules(__path__):
        descriptor = resources.files(__name__) / module.name / DESCRIPTOR
        if module.ispkg and descriptor.is_file():
            found = read_spec(descriptor.read_text(encoding="utf-8"), f"games/{module.name}")
            _REGISTRY.setdefault(found.name, found)


def register(game: GameSpec) -> None:
    """Add ``game`` to the registry (a name already taken raises :class:`OptionError`)."""
    _find_games()
    if game.name in _REGISTRY:
        raise OptionError(f"a game named {game.name!r} is already registered")
    _REGISTRY[game.name] = game


def unregister(name: str) -> None:
    """Remove the game ``name`` (registered with :func:`register`)."""
    _REGISTRY.pop(name, None)


def specs() -> list[GameSpec]:
    """Every registered game's descriptor, in menu order."""
    _find_games()
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))


def names() -> tuple[str, ...]:
    """Every registered game's name, in menu order."""
    return tuple(s.name for s in specs())


def spec(name: str) -> GameSpec:
    """The descriptor of the game ``name``; :class:`OptionError` listing the games if
    there is none."""
    _find_games()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise OptionError(f"unknown game {name!r}; choose one of: {', '.join(names())}") from None


def spec_of(env: Env) -> GameSpec | None:
    """The descriptor of ``env``'s game; None for an env no game registered (a
    Gymnasium env through the adapter, a person's own)."""
    _find_games()
    return _REGISTRY.get(env.name)


def env_class(name: str) -> type[Env]:
    """The env class registered under ``name``; raises :class:`OptionError` if unknown."""
    return spec(name).env_class()


def view_class(name: str) -> type[View]:
    """The pygame view class of the game ``name`` (importing it imports pygame); raises
    :class:`OptionError` for an unknown game, or one whose view cannot be imported."""
    return spec(name).view_class()


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
