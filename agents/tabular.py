"""Tabular Q-learning: one row of action values per discrete state.

The update is Watkins' Q-learning, with illegal actions masked in the target's max::

    target = r                                   if the game ended
           = r + gamma * max_a' Q(s', a')        otherwise (one player, or a fixed opponent)
           = r - gamma * max_a' Q(s', a')        in self-play (flip: s' is the opponent's)
    Q(s, a) += learning_rate * (target - Q(s, a))

The last line is negamax: in a zero-sum game the opponent's best is our worst. Which row a
state is, is the discretiser's business (:mod:`agents.discretise`).
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

import qarcade.games as games
from qarcade.agents.base import Agent, Transition
from qarcade.agents.checkpoints import (
    CheckpointError,
    meta_fraction,
    python_rng_json,
    python_rng_state,
)
from qarcade.agents.discretise import Discretiser, ExactDiscretiser, discretiser_class
from qarcade.agents.explain import TableUpdate
from qarcade.agents.kinds import check_settings, horizon_discount, learner_settings
from qarcade.agents.model import EmpiricalModel
from qarcade.games.core import Env, OptionError

#: The most planning steps per update: more costs time a person watching would see,
#: long after they stop helping.
MAX_PLANNING_STEPS = 1000


@dataclass
class TabularConfig:
    """Hyperparameters of :class:`TabularQAgent` (and its default training budget).

    Attributes:
        learning_rate: step size of the update (alpha); 1.0 suits deterministic games.
        gamma: discount factor of future rewards.
        start_e: epsilon (probability of a random legal action) when training starts.
        end_e: epsilon once the decay is over.
        exploration_fraction: fraction of the training budget over which epsilon decays.
        backward_replay: learn each finished episode's transitions newest-first instead of
            as they happen, so a final reward reaches every earlier step in one episode.
        explore_least_tried: an exploring move takes the legal action tried least often in
            that state (ties at random) instead of a uniformly random one: count-based
            exploration, which meets every state-action pair many times sooner.
        initial_q: the value every new table entry starts at.
        step_size_power: the step size of an entry's ``n``-th update is
            ``learning_rate / n ** step_size_power``: each entry averages its own targets,
            fast where it has been updated little and ever more finely where it has been
            updated often (Even-Dar & Mansour 2003 use powers in (0.5, 1)), which a
            stochastic world needs (a slip makes one target one sample of an
            expectation). 0 keeps the step size at ``learning_rate``.
        planning_steps: after each update, this many more, each of a (state, action)
            met drawn at random and set to its expected target over what it has led to
            so far, with one more outcome worth ``initial_q`` (Dyna-Q with expected
            updates, :mod:`agents.model`): what a slip made one sample of is averaged
            over all of them, the values of a route reach its start without walking it
            again, and a move that was unlucky once is tried again. 0 learns from each
            move only.
        episodes: default number of training episodes for ``python main.py train``.
    """

    learning_rate: float = 0.1
    gamma: float = 0.99
    start_e: float = 1.0
    end_e: float = 0.05
    exploration_fraction: float = 0.5
    backward_replay: bool = False
    explore_least_tried: bool = False
    initial_q: float = 0.0
    step_size_power: float = 0.0
    planning_steps: int = 0
    episodes: int = 10_000

    def __post_init__(self) -> None:
        # Settings come from the command line (--set initial_q=0 parses as the int 0,
        # which would make an integer table) and from checkpoint files: check and
        # normalise them here, once.
        for name, low, high in (
            ("learning_rate", 0.0, 1.0),
            ("gamma", 0.0, 1.0),
            ("start_e", 0.0, 1.0),
            ("end_e", 0.0, 1.0),
            ("exploration_fraction", 0.0, 1.0),
            ("step_size_power", 0.0, 1.0),
        ):
            value = getattr(self, name)
            if _not_number(value) or not low <= value <= high:
                raise OptionError(
                    f"tabular {name} must be a number in [{low}, {high}], got {value!r}"
                )
            setattr(self, name, float(value))
        if _not_number(self.initial_q) or not math.isfinite(self.initial_q):
            raise OptionError(f"tabular initial_q must be a finite number, got {self.initial_q!r}")
        self.initial_q = float(self.initial_q)
        for name in ("backward_replay", "explore_least_tried"):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(
                    f"tabular {name} must be true or false, got {getattr(self, name)!r}"
                )
        if (
            isinstance(self.planning_steps, bool)
            or not isinstance(self.planning_steps, int)
            or not 0 <= self.planning_steps <= MAX_PLANNING_STEPS
        ):
            raise OptionError(
                f"tabular planning_steps must be an integer in [0, {MAX_PLANNING_STEPS}], "
                f"got {self.planning_steps!r}"
            )
        if (
            isinstance(self.episodes, bool)
            or not isinstance(self.episodes, int)
            or self.episodes < 1
        ):
            raise OptionError(f"tabular episodes must be an integer >= 1, got {self.episodes!r}")

    @classmethod
    def for_env(cls, env: Env, **overrides: Any) -> TabularConfig:
        """Settings that learn ``env`` well: the game's own
        (:meth:`~games.spec.GameSpec.settings_for`) where it has them, else the class
        defaults with :data:`UNTUNED_SETTINGS` and a discount from the env's time limit
        (:func:`~agents.kinds.horizon_discount`) on top; ``overrides`` on top of either
        (unknown names raise :class:`OptionError` listing the valid ones)."""
        tuned = learner_settings(env, "tabular")
        if tuned is None:
            tuned = {**UNTUNED_SETTINGS, "gamma": horizon_discount(env, cls.gamma)}
        return cls(**{**tuned, **check_settings(cls, overrides, "tabular")})

    def budget(self) -> tuple[int | None, int | None]:
        """The training budget: :attr:`episodes`."""
        return self.episodes, None

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TabularConfig:
        """The inverse of :meth:`to_dict`; unknown names and bad values raise
        :class:`~games.core.OptionError`."""
        return cls(**check_settings(cls, values, "tabular"))


#: What a table for an env without settings of its own gets over the class defaults:
#: every entry averages its own targets (``step_size_power``), its first update taken
#: whole. That learns a deterministic world as fast as a step size of 1 and averages
#: the samples of a stochastic one, where a constant step size keeps following the last
#: few; powers above 1/2 forget early, wrong targets too slowly over a long horizon.
#: Averaging needs samples: twice the class default's episodes, so an entry the best
#: policy rarely reaches on a slippery floor is still averaged well.
UNTUNED_SETTINGS: dict[str, Any] = {
    "learning_rate": 1.0,
    "step_size_power": 0.5,
    "episodes": 20_000,
}


def _not_number(value: Any) -> bool:
    return isinstance(value, bool) or not isinstance(value, (int, float))


def make_discretiser(env: Env) -> Discretiser:
    """The discretiser a table for ``env`` uses: the one its game names
    (:attr:`~games.spec.GameSpec.discretiser`), else exact."""
    spec = games.spec_of(env)
    kind = spec.discretiser if spec is not None else None
    return discretiser_class(kind or ExactDiscretiser.kind).for_env(env)


class TabularQAgent(Agent):
    """Q-learning with a table, through an explicit discretiser.

    Args:
        num_actions: size of the action space.
        discretiser: maps observations to rows (default: one row per distinct observation).
        config: hyperparameters (default: :class:`TabularConfig`).
        seed: seeds the agent's generator (exploration and tie-breaking).
        game: the game's name, recorded in checkpoints.
        game_options: the env's options, recorded in checkpoints.

    Attributes:
        epsilon: probability of a random legal action when exploring; the trainer sets it
            from the schedule, the window's slider may set it directly.
        table: the Q-table, ``(num_rows, num_actions)`` float64 (a view; rows appear as the
            discretiser meets new states).
        explain: when True, every update keeps its numbers in ``last_update``
            (:class:`~agents.explain.TableUpdate`), for the window's single step.
    """

    name: ClassVar[str] = "tabular"
    learns: ClassVar[bool] = True
    config_class: ClassVar[type[TabularConfig]] = TabularConfig
    checkpoint_suffix: ClassVar[str] = ".npz"
    explain: bool = False
    last_update: TableUpdate | None = None

    def __init__(
        self,
        num_actions: int,
        discretiser: Discretiser | None = None,
        config: TabularConfig | None = None,
        *,
        seed: int | None = None,
        game: str = "",
        game_options: dict[str, Any] | None = None,
    ) -> None:
        self.num_actions = num_actions
        self.discretiser = discretiser if discretiser is not None else ExactDiscretiser()
        self.config = config if config is not None else TabularConfig()
        self.game = game
        self.game_options = dict(game_options or {})
        self.epsilon = self.config.start_e
        # Python's generator: a draw costs a fraction of a numpy Generator call, and the
        # agent draws once or twice per step. Its state is plain ints, so it checkpoints.
        self.rng = random.Random(seed)
        #: Greedy moves outside training (playing, grading, test games) break ties with
        #: a generator of their own: a table graded between training steps trains the
        #: same as one never graded, however often.
        self.greedy_rng = random.Random(None if seed is None else f"greedy {seed}")
        self._table = np.full(
            (max(self.discretiser.num_rows, 64), num_actions), self.config.initial_q
        )
        #: Tries of each (row, action) while exploring, for ``explore_least_tried``.
        self._counts = np.zeros(self._table.shape, dtype=np.int64)
        #: Updates of each (row, action), for ``step_size_power``.
        self._updates = np.zeros(self._table.shape, dtype=np.int64)
        self._episode: list[Transition] = []
        #: What each (row, action) has led to, for ``planning_steps`` (else None).
        self.model = (
            EmpiricalModel(num_actions, prior=self.config.initial_q)
            if self.config.planning_steps
            else None
        )
        # Legal-action lists by mask bytes: masks repeat, and turning one into a list with
        # numpy costs more than the rest of an update.
        self._legal_cache: dict[bytes, list[int]] = {}

    @classmethod
    def for_env(
        cls, env: Env, config: TabularConfig | None = None, *, seed: int | None = None
    ) -> TabularQAgent:
        """An agent for ``env`` with its game's default config unless one is given."""
        return cls(
            env.num_actions,
            make_discretiser(env),
            config if config is not None else TabularConfig.for_env(env),
            seed=seed,
            game=env.name,
            game_options=env.options,
        )

    # ----------------------------------------------------------------- live settings
    @property
    def learning_rate(self) -> float:
        """Step size of the update; settable while learning."""
        return self.config.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.config.learning_rate = float(value)

    @property
    def table(self) -> np.ndarray:
        """The Q-table so far, ``(states met, num_actions)`` (a view)."""
        return self._table[: self.discretiser.num_rows]

    # ----------------------------------------------------------------- acting
    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        legal = self._legal(mask)
        if not legal:
            raise ValueError("act() needs at least one legal action in mask")
        rand = self.rng.random
        if explore and self.config.explore_least_tried:
            return self._act_counting(obs, legal)
        if explore and rand() < self.epsilon:
            return legal[int(rand() * len(legal))]
        rng = self.rng if explore else self.greedy_rng
        row = self.discretiser.find(obs)
        if row < 0:
            return legal[int(rng.random() * len(legal))]
        return self._argmax(self._table[row].tolist(), legal, rng)

    def _act_counting(self, obs: np.ndarray, legal: list[int]) -> int:
        """Epsilon-greedy where the exploring move is the least-tried legal action."""
        row = self.discretiser.row(obs)
        if row >= len(self._table):
            self._grow()
        if self.rng.random() < self.epsilon:
            counts = self._counts[row].tolist()
            least = min([counts[a] for a in legal])
            ties = [a for a in legal if counts[a] == least]
            action = ties[0] if len(ties) == 1 else ties[int(self.rng.random() * len(ties))]
        else:
            action = self._argmax(self._table[row].tolist(), legal, self.rng)
        self._counts[row, action] += 1
        return action

    @staticmethod
    def _argmax(q: list[float], legal: list[int], rng: random.Random) -> int:
        """The legal action with the highest value, ties broken at random by ``rng``."""
        best = max([q[a] for a in legal])
        ties = [a for a in legal if q[a] == best]
        return ties[0] if len(ties) == 1 else ties[int(rng.random() * len(ties))]

    def _legal(self, mask: np.ndarray) -> list[int]:
        """The legal actions of ``mask`` as a list (cached by the mask's bytes)."""
        key = mask.tobytes()
        legal = self._legal_cache.get(key)
        if legal is None:
            if len(self._legal_cache) >= 4096:
                self._legal_cache.clear()
            legal = self._legal_cache[key] = np.flatnonzero(mask).tolist()
        return legal

    def q_values(self, obs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        row = self.discretiser.find(obs)
        if row >= 0:
            q = self._table[row].copy()
        else:
            q = np.full(self.num_actions, self.config.initial_q)
        if mask is not None:
            q[~np.asarray(mask, dtype=bool)] = -np.inf
        return q

    # ----------------------------------------------------------------- learning
    def learn(self, transition: Transition) -> dict[str, float]:
        if self.config.backward_replay:
            self._episode.append(transition)
            return {}
        return {"td_error": self._update(transition)}

    def end_episode(self) -> dict[str, float]:
        if not self._episode:
            return {}
        update = self._update
        total = 0.0
        for transition in reversed(self._episode):
            total += update(transition)
        count = len(self._episode)
        self._episode.clear()
        return {"td_error": total / count}

    def _update(self, t: Transition) -> float:
        """One Q-learning update; returns the absolute TD error."""
        disc = self.discretiser
        row = disc.row(t.obs)
        next_legal: list[int] = []
        if t.terminated:
            if row >= len(self._table):
                self._grow()
            next_row = -1
            target = t.reward
        else:
            next_row = disc.row(t.next_obs)
            if disc.num_rows > len(self._table):
                self._grow()
            q_next = self._table[next_row].tolist()
            # A time limit leaves no legal actions in the mask; the state still has value.
            next_legal = self._legal(t.next_mask)
            best = max([q_next[a] for a in next_legal or range(self.num_actions)])
            gamma = self.config.gamma
            target = t.reward - gamma * best if t.flip else t.reward + gamma * best
        table = self._table
        old = float(table[row, t.action])
        error = target - old
        step = self.config.learning_rate
        if self.config.step_size_power:
            self._updates[row, t.action] += 1
            step /= float(self._updates[row, t.action]) ** self.config.step_size_power
        table[row, t.action] = old + step * error
        if self.explain:
            self.last_update = TableUpdate(
                obs=np.array(t.obs),
                next_obs=np.array(t.next_obs),
                action=t.action,
                reward=t.reward,
                gamma=self.config.gamma,
                next_best=None if t.terminated else best,
                flip=t.flip,
                old_q=old,
                target=target,
                learning_rate=step,
                new_q=float(table[row, t.action]),
                planned=self.config.planning_steps,
            )
        if self.model is not None:
            self.model.add(row, t.action, next_row, t.reward, t.flip, next_legal)
            self._plan()
        return abs(error)

    def _plan(self) -> None:
        """``planning_steps`` expected updates of (row, action) pairs met, drawn at
        random (Dyna-Q; :mod:`agents.model`)."""
        model = self.model
        assert model is not None
        model.plan(self._table, self.config.gamma, self.rng, self.config.planning_steps)

    def _grow(self) -> None:
        rows = max(2 * len(self._table), self.discretiser.num_rows)
        grown = np.full((rows, self.num_actions), self.config.initial_q)
        grown[: len(self._table)] = self._table
        counts, updates = np.zeros(grown.shape, np.int64), np.zeros(grown.shape, np.int64)
        counts[: len(self._counts)] = self._counts
        updates[: len(self._updates)] = self._updates
        self._table, self._counts, self._updates = grown, counts, updates

    # ----------------------------------------------------------------- best policy
    def policy_state(self) -> np.ndarray:
        return self.table.copy()

    def load_policy_state(self, state: np.ndarray) -> None:
        # Rows met since are kept: the saved table knows nothing about them.
        self._table[: len(state)] = state

    # ----------------------------------------------------------------- reporting
    def memory_report(self) -> dict[str, Any]:
        rows = self.discretiser.num_rows
        size = rows * self.num_actions * self._table.itemsize
        size += sum(a.nbytes for a in self.discretiser.to_arrays().values())
        counters = (self.config.explore_least_tried, self.config.step_size_power > 0)
        size += sum(counters) * rows * self.num_actions * self._counts.itemsize
        if self.model is not None:
            size += self.model.nbytes
        return {"kind": "table", "states": rows, "entries": rows * self.num_actions, "bytes": size}

    def config_dict(self) -> dict[str, Any]:
        return self.config.to_dict()

    # ----------------------------------------------------------------- checkpoints
    def to_checkpoint(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        rows = len(self.table)
        arrays = {
            "q": self.table.copy(),
            "counts": self._counts[:rows].copy(),
            "updates": self._updates[:rows].copy(),
        }
        arrays.update({f"discretiser.{k}": v for k, v in self.discretiser.to_arrays().items()})
        if self.model is not None:
            arrays.update({f"model.{k}": v for k, v in self.model.to_arrays().items()})
        meta: dict[str, Any] = {
            "game": self.game,
            "game_options": self.game_options,
            "config": self.config_dict(),
            "num_actions": self.num_actions,
            "discretiser": self.discretiser.describe(),
            "epsilon": self.epsilon,
            "rng_state": python_rng_json(self.rng),
            "greedy_rng_state": python_rng_json(self.greedy_rng),
        }
        shape = getattr(self.discretiser, "obs_shape", None)
        if shape is not None:
            meta["observation_shape"] = list(shape)
        return arrays, meta

    @classmethod
    def from_checkpoint(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> TabularQAgent:
        settings = meta.get("discretiser")
        if not isinstance(settings, dict):
            raise CheckpointError("discretiser settings are missing or not a JSON object")
        discretiser = Discretiser.from_checkpoint(settings, _arrays_under(arrays, "discretiser."))
        q = arrays.get("q")
        num_actions = meta.get("num_actions")
        if isinstance(num_actions, bool) or not isinstance(num_actions, int) or num_actions < 1:
            raise CheckpointError(f"num_actions {num_actions!r} is not an integer >= 1")
        if q is None or q.ndim != 2 or q.shape != (discretiser.num_rows, num_actions):
            raise CheckpointError(
                f"Q-table shape {None if q is None else q.shape} does not match "
                f"{discretiser.num_rows} states x {num_actions} actions"
            )
        if q.dtype.kind != "f" or not np.isfinite(q).all():
            raise CheckpointError("the Q-table holds NaN, infinite or non-float values")
        epsilon = meta_fraction(meta, "epsilon", 1.0) if "epsilon" in meta else None
        agent = cls(
            num_actions,
            discretiser,
            TabularConfig.from_dict(meta["config"]),
            game=meta["game"],
            game_options=meta["game_options"],
        )
        agent._table = np.full((max(len(q), 64), num_actions), agent.config.initial_q)
        agent._table[: len(q)] = q
        agent._counts = np.zeros(agent._table.shape, dtype=np.int64)
        agent._updates = np.zeros(agent._table.shape, dtype=np.int64)
        for key, counter in (("counts", agent._counts), ("updates", agent._updates)):
            counts = arrays.get(key)
            if counts is None:
                continue
            if counts.shape != q.shape or counts.dtype.kind not in "iu" or (counts < 0).any():
                raise CheckpointError(
                    f"{key} array of shape {counts.shape} does not match the table"
                )
            counter[: len(q)] = counts
        model_arrays = _arrays_under(arrays, "model.")
        if agent.model is not None and model_arrays:
            agent.model = EmpiricalModel.from_arrays(
                model_arrays, len(q), num_actions, prior=agent.config.initial_q
            )
        if epsilon is not None:
            agent.epsilon = float(epsilon)
        if "rng_state" in meta:
            agent.rng.setstate(python_rng_state(meta["rng_state"]))
        # A loaded table plays the same greedy moves every time it is loaded (a checkpoint
        # from before the greedy generator: from the training one's state).
        if "greedy_rng_state" in meta:
            agent.greedy_rng.setstate(python_rng_state(meta["greedy_rng_state"]))
        elif "rng_state" in meta:
            agent.greedy_rng.setstate(agent.rng.getstate())
        return agent


def _arrays_under(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    """The checkpoint arrays whose names start with ``prefix``, without it."""
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
