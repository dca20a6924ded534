"""What a game is, in one place: the descriptor every game registers.

A game lives in one folder, ``games/<game>/``, whose ``game.toml`` is its descriptor, a
:class:`GameSpec` written as data (:func:`read_spec`). :mod:`games` finds the folders, so
nothing outside a game's folder names the game: the learners, the evaluation, the window
and the adapters ask its descriptor (``games.spec(name)``). A game defined elsewhere (a
test's toy game, a person's own) joins with :func:`games.register`.

Code is named as ``"module:attribute"`` strings (or given as objects), imported on first
use: ``import qarcade.games`` stays cheap, never loads pygame or torch, and a descriptor
never imports a layer above the games.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import tomllib

from qarcade.games.core import Env, OptionError, Player

if TYPE_CHECKING:
    from qarcade.games.view import View

#: A code reference: ``"package.module:attribute"``, or the object itself.
Ref = Any
#: An evaluation row: column name -> value (see :func:`agents.evaluation.format_table`).
Row = dict[str, Any]


def load(ref: Ref) -> Any:
    """The object ``ref`` names (imported on first use), or ``ref`` itself."""
    if isinstance(ref, str):
        module, attribute = ref.split(":")
        return getattr(importlib.import_module(module), attribute)
    return ref


@dataclass(frozen=True)
class Exact:
    """A game's exact answer, where it has one: how good a greedy player is, computed
    (not sampled), and the best any player can do.

    Attributes:
        label: what :attr:`score` measures, for progress lines ("exact grade ...").
        score: ``(env, player) -> float``, higher is better; the player is asked greedily.
        best: ``(env) -> float``, the best score for ``env`` as it is now (an edited map
            has its own).
        rows: ``(env, player) -> list[Row]``: the evaluation rows the exact answer gives
            (``eval`` prints them above the sampled ones).
    """

    label: str
    score: Ref
    best: Ref
    rows: Ref


@dataclass(frozen=True)
class GameSpec:
    """Everything the layers above the games need to know about one game.

    Attributes:
        name: the registry name (``games.make(name)``, the command line's ``GAME``).
        title: how the window and the menu call it.
        env: the :class:`~games.core.Env` subclass.
        view: the pygame :class:`~games.view.View` subclass (only the window imports it).
        order: where the menu lists it (lower first).
        seat_names: what people call the seats of a two-player game, first mover first
            (``("X", "O")``); empty: "seat 1", "seat 2".
        keeps_score: the game ends with a score a person wants to beat (a hi-score is
            kept, evaluation compares mean scores); otherwise the return is the result.
        players: the built-in players that play this game besides ``random`` (agent
            names the agents layer knows, e.g. ``"minimax"``), best first.
        fallback: the built-in player the window falls back on when a pretrained agent
            cannot be loaded.
        baselines: who ``eval`` compares an agent with when not told (two-player games:
            opponents it plays; score games: players whose mean score it shows).
        baseline_options: env options the baselines play with (the Invaders scripted
            player reads the feature vector whatever the agent observes).
        settings: named tables of learner settings that learn this game well: by
            default the table named after the learner kind (``"tabular"``, ``"dqn"``).
        settings_choice: ``(kind, options) -> name | None``: which table of
            :attr:`settings` fits the learner ``kind`` on the game made with ``options``
            (None: let the learner choose from the env's properties); without it, the
            table named ``kind`` where there is one.
        settings_scale: ``(kind, env, settings) -> settings``: the chosen table fitted
            to the env as made: its size, its time limit (a budget that grows with the
            map); None: the table as it is.
        discretiser: the discretiser kind a Q-table for this game uses (a name the
            tabular learner knows); None: every observation its own row.
        exact: the game's exact answer (:class:`Exact`), or None.
        maps: ``() -> [(name, title)]``: the maps a person picks from (``--map``, the
            menu's Map row; the board can then be edited cell by cell in Learn and
            Compare); None for a game without maps.
        opponent_moves: the opponents the Gymnasium adapter can be made against by
            name besides ``random``: name -> ``(obs, mask, rng) -> action``.
        gym_id: the id it is registered under in Gymnasium (:mod:`games.adapters`).
        ticks_per_second: the pace the game is shown at; None for a turn-based game.
    """

    name: str
    title: str
    env: Ref
    view: Ref
    order: int = 100
    seat_names: tuple[str, ...] = ()
    keeps_score: bool = False
    players: tuple[str, ...] = ()
    fallback: str = "random"
    baselines: tuple[str, ...] = ("random",)
    baseline_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    settings_choice: Ref | None = None
    settings_scale: Ref | None = None
    discretiser: str | None = None
    exact: Exact | None = None
    maps: Ref | None = None
    opponent_moves: Mapping[str, Ref] = field(default_factory=lambda: MappingProxyType({}))
    gym_id: str | None = None
    ticks_per_second: int | None = None

    def env_class(self) -> type[Env]:
        """The env class (imported on first use)."""
        return load(self.env)

    def view_class(self) -> type[View]:
        """The pygame view class (importing it imports pygame); :class:`OptionError`
        when it cannot be imported."""
        try:
            return load(self.view)
        except ImportError as error:
            raise OptionError(f"the {self.name} view is not available ({error})") from None

    def seat_name(self, seat: int) -> str:
        """How people call ``seat``: its name, else "seat N"."""
        return self.seat_names[seat] if seat < len(self.seat_names) else f"seat {seat}"

    def settings_for(self, kind: str, options: Mapping[str, Any]) -> dict[str, Any] | None:
        """The learner ``kind``'s settings tuned for this game made with ``options``, or
        None where they should be chosen from the env's properties."""
        if self.settings_choice is not None:
            name = load(self.settings_choice)(kind, dict(options))
        else:
            name = kind
        return dict(self.settings[name]) if name is not None and name in self.settings else None

    def map_choices(self) -> list[tuple[str, str]]:
        """The maps a person picks from, as (name, title); empty for a game without."""
        return list(load(self.maps)()) if self.maps is not None else []

    def exact_score(self, env: Env, player: Player) -> float:
        """:attr:`Exact.score` (the game must have an exact answer)."""
        assert self.exact is not None, f"{self.name} has no exact answer"
        return float(load(self.exact.score)(env, player))

    def best_score(self, env: Env) -> float:
        """:attr:`Exact.best` (the game must have an exact answer)."""
        assert self.exact is not None, f"{self.name} has no exact answer"
        return float(load(self.exact.best)(env))

    def exact_rows(self, env: Env, player: Player) -> Sequence[Row]:
        """:attr:`Exact.rows`; none for a game without an exact answer."""
        return load(self.exact.rows)(env, player) if self.exact is not None else []


def read_spec(text: str, where: str) -> GameSpec:
    """The :class:`GameSpec` a ``game.toml`` holds (``where`` names it in errors); its
    keys are the descriptor's fields, ``[exact]`` an :class:`Exact`."""
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise OptionError(f"{where}: not a game descriptor ({error})") from None
    names = {f.name for f in dataclasses.fields(GameSpec)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise OptionError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for name in ("seat_names", "players", "baselines"):
        if name in values:
            values[name] = tuple(values[name])
    if "exact" in values:
        values["exact"] = Exact(**values["exact"])
    try:
        return GameSpec(**values)
    except TypeError as error:
        raise OptionError(f"{where}: {error}") from None
