"""The one environment interface every qarcade game implements.

The face is Gymnasium's (``reset`` / ``step`` returning the five-tuple) with what turn-based
and masked games need on top of it: ``num_players``, ``current_player``, ``action_mask()``
and a snapshot/restore of the full state. Nothing here imports pygame, so training runs
headless.

Conventions every game follows:

- All randomness comes from ``self.rng``, a ``np.random.Generator`` replaced in
  ``reset(seed=...)``: the same seed gives the same game, step for step.
- Two-player games encode ``obs`` from the point of view of the player to move, so one
  agent can fill both seats. ``reward`` goes to the player who moved; ``info["rewards"]``
  holds the reward of *every* seat for that step, so the end of a game tells both players
  their result.
- ``info["action_mask"]`` is the legal-action mask of the position the returned ``obs``
  describes (all False once the game is over).
- ``step`` on a finished game, with an illegal or an out-of-range action raises a
  :class:`GameError` subclass *before* touching the state.
"""

from __future__ import annotations

import abc
import copy
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

Obs = np.ndarray
Info = dict[str, Any]
StepResult = tuple[Obs, float, bool, bool, Info]


@runtime_checkable
class Player(Protocol):
    """Anything that picks a move from an observation and the legal-action mask: the
    agents (``qarcade.agents``), the built-in bots, an adapter's fixed opponent."""

    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        """The action to play (``explore`` asks a learner to explore)."""
        ...


class GameError(Exception):
    """A mistake a person can make with a game; the message says what and what to do."""


class IllegalActionError(GameError, ValueError):
    """The action is out of range or not legal in the current position."""


class GameOverError(GameError, RuntimeError):
    """``step`` was called on a finished game; call ``reset`` first."""


class OptionError(GameError, ValueError):
    """An unknown game name, an unknown option or an option value out of range."""


@dataclass(frozen=True)
class Snapshot:
    """The whole state of an env (:meth:`Env.snapshot`), for :meth:`Env.restore` on an
    env of the same game and shape; opaque otherwise.

    Attributes:
        env: the class of the env it was taken from.
        observation_shape: that env's observation shape (a gridworld of another size
            cannot take it).
        fields: the env's state, deep-copied.
    """

    env: str
    observation_shape: tuple[int, ...]
    fields: dict[str, Any]


class Env(abc.ABC):
    """Base class of every game.

    Subclasses set the class attributes, implement the four ``_`` methods, and may
    override :meth:`step` for speed as long as they keep its checks.

    Attributes:
        name: the registry name (``"tictactoe"``); a wrapper of other envs may name each
            instance after what it wraps.
        num_players: 1 or 2.
        num_actions: size of the discrete action space.
        action_names: one short label per action, for menus, overlays and errors.
        observation_shape: shape of every ``obs`` array.
        observation_dtype: dtype of every ``obs`` array.
        options: the keyword arguments the env was made with (JSON-serialisable), so a
            checkpoint can record, and later re-make, the exact game it was trained on.
        rng: the generator all randomness comes from.
        training_options: the options that shape only how a learner trains (a frame
            skip, reward shaping, what it observes), never the game a person is shown
            (:meth:`shown_options`).
        training_defaults: the options a learner trains with unless told otherwise.
    """

    name: str
    num_players: ClassVar[int] = 1
    num_actions: int
    action_names: tuple[str, ...]
    observation_shape: tuple[int, ...]
    observation_dtype: np.dtype = np.dtype(np.float32)
    #: A race between two lanes of this one-player game is won by the first to reach its
    #: goal (:meth:`reached_goal`), at once; otherwise by the better return once both
    #: games are over.
    race_to_goal: ClassVar[bool] = False
    #: The most moves an episode lasts before it is cut short (truncated), where the env
    #: has such a limit; None where it has none or does not say. Learners without settings
    #: for the env look this far ahead (:func:`agents.kinds.horizon_discount`).
    max_episode_steps: int | None = None
    #: Whether every observation is the one-hot code of one of finitely many states, so
    #: nothing learnt about one state says anything about another.
    one_hot_observation: bool = False
    training_options: ClassVar[frozenset[str]] = frozenset()
    training_defaults: ClassVar[Mapping[str, Any]] = MappingProxyType({})

    def __init__(self, **options: Any) -> None:
        self.options: dict[str, Any] = dict(options)
        self.rng: np.random.Generator = np.random.default_rng()
        self.terminated = False
        self.truncated = False
        self._needs_reset = True

    # ----------------------------------------------------------------- public face
    def reset(self, *, seed: int | None = None) -> tuple[Obs, Info]:
        """Start a new game; with ``seed`` (an integer >= 0), replace the generator first."""
        if seed is not None:
            self.rng = np.random.default_rng(self._check_seed(seed))
        self.terminated = False
        self.truncated = False
        self._needs_reset = False
        self._reset()
        return self.observe(), self._info((0.0,) * self.num_players)

    def step(self, action: int) -> StepResult:
        """Play ``action`` for :attr:`current_player`.

        Returns ``(obs, reward, terminated, truncated, info)`` where ``reward`` belongs to
        the player who moved and ``obs`` is seen by the player to move next.
        """
        a = self.check_action(action)
        rewards, terminated, truncated = self._step(a)
        mover_reward = rewards[self._last_mover]
        self.terminated = terminated
        self.truncated = truncated
        return self.observe(), mover_reward, terminated, truncated, self._info(rewards)

    def _check_seed(self, seed: Any) -> int:
        # A generator or a seed sequence would be shared with whoever passed it, and
        # numpy's own errors for -1 or 1.5 say nothing about the game.
        try:
            if isinstance(seed, (bool, np.bool_)):
                raise TypeError
            value = operator.index(seed)
        except TypeError:
            value = -1
        if value < 0:
            raise OptionError(
                f"{self.name}: reset(seed=...) takes an integer >= 0 or None, got {seed!r}"
            )
        return value

    def check_action(self, action: Any) -> int:
        """Return ``action`` as an int, or raise if it cannot be played now."""
        if self._needs_reset:
            raise GameOverError(f"{self.name}: call reset() before step()")
        if self.terminated or self.truncated:
            raise GameOverError(f"{self.name}: the game is over; call reset() to play again")
        try:
            if isinstance(action, (bool, np.bool_)):
                raise TypeError  # True is an int to Python, not an action to a person
            a = operator.index(action)
        except TypeError:
            raise IllegalActionError(
                f"{self.name}: action must be an integer, got {action!r}"
            ) from None
        if not 0 <= a < self.num_actions:
            raise IllegalActionError(
                f"{self.name}: action {a} is out of range; valid actions are "
                f"0..{self.num_actions - 1} ({', '.join(self.action_names)})"
            )
        if not self._is_legal(a):
            legal = ", ".join(str(i) for i in np.flatnonzero(self.action_mask()))
            raise IllegalActionError(
                f"{self.name}: action {a} ({self.action_names[a]}) is not legal now; "
                f"legal actions: {legal}"
            )
        self._last_mover = self.current_player
        return a

    @property
    def done(self) -> bool:
        """True once the game has terminated or been truncated."""
        return self.terminated or self.truncated

    @property
    def current_player(self) -> int:
        """The seat (0-based) whose move it is; always 0 in one-player games."""
        return 0

    def action_mask(self) -> np.ndarray:
        """Bool array of length :attr:`num_actions`: True where the action is legal."""
        if self.done:
            return np.zeros(self.num_actions, dtype=bool)
        return self._action_mask()

    def legal_actions(self) -> np.ndarray:
        """Indices of the legal actions."""
        return np.flatnonzero(self.action_mask())

    def snapshot(self) -> Snapshot:
        """A deep copy of the whole state, the generator included."""
        return Snapshot(
            type(self).__qualname__,
            tuple(self.observation_shape),
            copy.deepcopy(self._snapshot_fields()),
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Return to a state taken by :meth:`snapshot` of an env of this game and shape;
        raises :class:`OptionError` for anything else, leaving the state as it was."""
        if (
            not isinstance(snapshot, Snapshot)
            or snapshot.env != type(self).__qualname__
            or snapshot.observation_shape != tuple(self.observation_shape)
        ):
            taken = (
                f"a snapshot of {snapshot.env} {snapshot.observation_shape}"
                if isinstance(snapshot, Snapshot)
                else f"a {type(snapshot).__name__}"
            )
            raise OptionError(
                f"{self.name}: cannot restore {taken}; restore takes a snapshot() of an "
                f"env of this game and observation shape {tuple(self.observation_shape)}"
            )
        for key, value in copy.deepcopy(snapshot.fields).items():
            setattr(self, key, value)

    def reached_goal(self) -> bool:
        """True once the game has ended by reaching its goal (games that set
        :attr:`race_to_goal`)."""
        return False

    # ----------------------------------------------------------------- shown and trained
    @classmethod
    def shown_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options of the game a person is shown when an agent made with ``options``
        plays or gives hints: the same game (map, formation size), every option in
        :attr:`training_options` left at its default. The window runs that game at its
        own pace (one step a frame in real-time games) whatever the agent trained with."""
        return {k: v for k, v in options.items() if k not in cls.training_options}

    def edit_cell(self, row: int, col: int) -> str | None:
        """Change the board cell (row, col) the way a person's click does while an agent
        learns (games with maps, :attr:`~games.spec.GameSpec.maps`); returns a note for
        the person about the board now, or None. A cell that cannot change raises
        :class:`OptionError` saying why."""
        raise OptionError(f"{self.name} has no board to edit")

    @property
    def ticks_per_step(self) -> int:
        """Steps of the shown game (:meth:`shown_options`) that one step of this env
        spans: an agent trained here decides once every this many and holds its action
        in between. 1 unless a frame skip says otherwise."""
        return 1

    def follow(self, shown: Env) -> None:
        """Take on the position of ``shown``, the game a person is shown, as if this env
        had stepped there itself, so that :meth:`observe` gives what an agent trained
        here would see. Called right after ``shown`` resets and then every
        :attr:`ticks_per_step` of its steps, where this env's own steps would end; this
        env is only observed, never stepped, in between. Only needed, and so only
        written, by games that have :attr:`training_options`: an agent trained on the
        shown game itself looks at it directly."""
        raise NotImplementedError(
            f"{self.name} has training options but does not say how to follow its shown game"
        )

    def rng_state(self) -> dict[str, Any]:
        """All of the env's randomness as JSON-serialisable data, for checkpoints that
        resume a run exactly; :meth:`set_rng_state` puts it back. Games that draw random
        numbers ahead of use override both, so the numbers drawn count too."""
        return {"bit_generator": self.rng.bit_generator.state}

    def set_rng_state(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`rng_state`'s output; raises ``ValueError`` (or
        ``KeyError`` / ``TypeError``) for data it did not give."""
        rng = np.random.default_rng()
        rng.bit_generator.state = state["bit_generator"]
        self.rng = rng

    # ----------------------------------------------------------------- for games
    _last_mover: int = 0

    def _snapshot_fields(self) -> dict[str, Any]:
        """The attributes that make up the state. Override if a game keeps caches."""
        return {k: v for k, v in vars(self).items() if k != "options"}

    def _info(self, rewards: tuple[float, ...]) -> Info:
        return {"action_mask": self.action_mask(), "rewards": rewards}

    @abc.abstractmethod
    def _reset(self) -> None:
        """Set up a new game, drawing any randomness from ``self.rng``."""

    @abc.abstractmethod
    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        """Apply a checked, legal action; return (rewards per seat, terminated, truncated)."""

    @abc.abstractmethod
    def observe(self) -> Obs:
        """The observation of the current state for the player to move."""

    @abc.abstractmethod
    def _action_mask(self) -> np.ndarray:
        """The legal-action mask while the game is running."""

    def _is_legal(self, action: int) -> bool:
        return bool(self._action_mask()[action])
