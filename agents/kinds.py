"""Every agent kind in one table: the learners and the built-in players.

Checkpoints, the command line, the window and the adapters read this registry; adding
an agent kind is adding one :class:`Kind` here (and its class). A learner implements the
:class:`Learner` protocol; a built-in player is any :class:`~agents.base.Agent` built from
a seed. Which built-in players play a game is the game's business
(:attr:`games.spec.GameSpec.players`); ``random`` plays every game.

Classes are named as ``"module:Class"`` and imported on first use, so loading a Q-table
never imports torch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import qarcade.games as games
from qarcade.games.core import Env, OptionError
from qarcade.games.spec import load

if TYPE_CHECKING:
    from qarcade.agents.base import Agent


@dataclass(frozen=True)
class Kind:
    """One agent kind.

    Attributes:
        name: what the command line, checkpoints and the menu call it.
        title: how the window shows it.
        agent: the :class:`~agents.base.Agent` subclass, as ``"module:Class"``.
        learns: a learner (:class:`Learner`), or a fixed player.
        learning_rates: a learner's sensible learning rates, (low, high), for Learn's
            slider.
        network: its Q-function is a torch network (trained by a loss, on torch
            threads) rather than a table (trained by TD errors).
    """

    name: str
    title: str
    agent: str
    learns: bool
    learning_rates: tuple[float, float] = (0.0, 1.0)
    network: bool = False


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "tabular",
            "Tabular Q",
            "qarcade.agents.tabular:TabularQAgent",
            learns=True,
            learning_rates=(0.01, 1.0),
        ),
        Kind(
            "dqn",
            "DQN",
            "qarcade.agents.dqn:DQNAgent",
            learns=True,
            learning_rates=(1e-5, 1e-1),
            network=True,
        ),
        Kind("minimax", "Minimax", "qarcade.agents.minimax:MinimaxAgent", learns=False),
        Kind("scripted", "Scripted", "qarcade.agents.scripted:ScriptedInvadersAgent", learns=False),
        Kind("random", "Random", "qarcade.agents.random_agent:RandomAgent", learns=False),
    )
}
#: The kinds that learn, in the order the menu offers them.
LEARNERS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if k.learns)
#: The fixed players: opponents and baselines.
PLAYERS: tuple[str, ...] = tuple(k.name for k in KINDS.values() if not k.learns)
#: The kind that plays every game.
RANDOM = "random"


class LearnerConfig(Protocol):
    """What the trainer and the window read of a learner's settings."""

    start_e: float
    end_e: float
    exploration_fraction: float

    def budget(self) -> tuple[int | None, int | None]:
        """The training budget these settings learn in: (episodes, None) or (None, env
        steps)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-serialisable values."""
        ...


@runtime_checkable
class Learner(Protocol):
    """An agent that learns: what the trainer, the command line and the window use
    beyond :class:`~agents.base.Agent` (the sliders set ``epsilon`` and
    ``learning_rate`` while it learns)."""

    @property
    def config(self) -> LearnerConfig:
        """Its settings."""
        ...

    epsilon: float

    @property
    def learning_rate(self) -> float:
        """The step size of its updates."""
        ...

    @learning_rate.setter
    def learning_rate(self, value: float) -> None: ...


def check_settings(config_class: type, values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``values`` as keyword arguments of the settings dataclass ``config_class``;
    :class:`OptionError` listing the valid names for any other name."""
    names = {f.name for f in dataclasses.fields(config_class)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise OptionError(
            f"unknown {what} setting(s) {', '.join(unknown)}; valid: {', '.join(sorted(names))}"
        )
    return dict(values)


#: The discount :func:`horizon_discount` never goes above: it looks at most this many
#: moves ahead.
LONGEST_HORIZON = 1_000


def horizon_discount(env: Env, default: float) -> float:
    """The discount of a learner with no settings for ``env``: ``1 - 1 / H`` for an env
    whose episodes are cut at ``H`` moves (:attr:`~games.core.Env.max_episode_steps`),
    so that it weighs what a whole episode earns; never below ``default`` (the
    learner's class default, used where there is no limit) nor above ``1 - 1 /``
    :data:`LONGEST_HORIZON`. A shorter look ahead than the episode can change which
    policy is best: on FrozenLake 8x8 (slippery, 200 moves) the best policy for a
    discount of 0.99 reaches the goal measurably less often than the best one for 0.995
    (docs/learners.md)."""
    limit = env.max_episode_steps
    if limit is None:
        return default
    return min(max(default, 1.0 - 1.0 / limit), 1.0 - 1.0 / LONGEST_HORIZON)


def learner_settings(env: Env, name: str) -> dict[str, Any] | None:
    """The settings ``env``'s game tunes for the learner ``name``
    (:meth:`~games.spec.GameSpec.settings_for`), fitted to the env by the game's
    :attr:`~games.spec.GameSpec.settings_scale`; None for an env no game registered, or
    whose game leaves them to the learner."""
    spec = games.spec_of(env)
    settings = spec.settings_for(name, env.options) if spec is not None else None
    if settings is None or spec is None or spec.settings_scale is None:
        return settings
    return load(spec.settings_scale)(name, env, settings)


def kind(name: str) -> Kind:
    """The kind ``name``; :class:`OptionError` listing the kinds if there is none."""
    try:
        return KINDS[name]
    except KeyError:
        raise OptionError(f"unknown agent {name!r}; choose one of: {', '.join(KINDS)}") from None


def agent_class(name: str) -> type[Agent]:
    """The agent class of the kind ``name`` (imported on first use)."""
    target = kind(name).agent
    try:
        return load(target)
    except ImportError as error:
        raise OptionError(f"the {name} agent is not available ({error})") from None


def kinds_for(game: str) -> tuple[str, ...]:
    """The kinds that play ``game``, the game's own built-in players first, then the
    learners, then ``random``."""
    return (*games.spec(game).players, *LEARNERS, RANDOM)


def make_learner(
    name: str,
    env: Env,
    *,
    seed: int,
    overrides: Mapping[str, Any] | None = None,
    device: str | None = None,
) -> Agent:
    """A fresh learner of kind ``name`` for ``env``: its settings chosen for the env
    (:meth:`config_for`) with ``overrides`` on top (unknown names raise
    :class:`OptionError` listing the valid ones)."""
    if not kind(name).learns:
        raise OptionError(f"{name} does not learn; choose one of: {', '.join(LEARNERS)}")
    values = dict(overrides or {})
    if device is not None:
        values["device"] = device
    cls: Any = agent_class(name)
    return cls.for_env(env, cls.config_class.for_env(env, **values), seed=seed)


def make_player(name: str, game: str, *, seed: int | None = None) -> Agent:
    """A built-in player by name, for the game ``game``: ``random`` or one of the game's
    :attr:`~games.spec.GameSpec.players` (only ``random`` for a game not registered)."""
    fits = (*games.spec(game).players, RANDOM) if game in games.names() else (RANDOM,)
    if name not in fits:
        if name in PLAYERS:
            raise OptionError(f"{name} does not play {game}; choose one of: {', '.join(fits)}")
        raise OptionError(f"unknown opponent {name!r}; choose one of: {', '.join(fits)}")
    cls: Any = agent_class(name)
    return cls(seed=seed)


def budget(agent: Agent) -> tuple[int | None, int | None]:
    """The training budget a learner's settings learn in: (episodes, None) or (None,
    env steps)."""
    if not isinstance(agent, Learner):
        raise OptionError(f"{agent.name} does not learn; choose one of: {', '.join(LEARNERS)}")
    return agent.config.budget()
