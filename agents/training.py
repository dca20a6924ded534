"""The one training loop: every game, every learner, one env step at a time.

:class:`Trainer` owns an env, a learning agent and (optionally) a fixed opponent, and
:meth:`Trainer.step` advances the game by one move: choose an action (epsilon-greedy for
the learner), step the env, turn what happened into :class:`~agents.base.Transition` s,
let the agent learn. The command line drives it under a progress bar with
:meth:`Trainer.run`; the window calls :meth:`Trainer.step` between frames.

Who learns from what:

- **One player** (gridworld, Invaders): a transition per step.
- **Self-play** (two players, no opponent): the agent fills both seats. Each move becomes
  a transition for its mover with ``flip=True``: ``next_obs`` is the opponent's view and
  its value enters the target negated (negamax). A move's transition is handed over one
  move late, so that if the reply ends the game it becomes terminal with the result
  ``info["rewards"]`` gives its seat: the loser learns from its loss directly.
- **Fixed opponent** (random, minimax, ...): the opponent's moves are part of the
  environment. The learner's transition spans its move and the replies up to its next
  turn, with the rewards its seat got on the way; ``flip=False``. The learner changes
  seat every episode.

The epsilon schedule (:class:`~agents.schedules.EpsilonSchedule`, from the agent's config)
runs over the budget the run started with (``episodes`` or ``steps``): a resumed run whose
budget is extended keeps exploring as it was, it does not start over (see
:attr:`Trainer.schedule_budget`). Set :attr:`Trainer.schedule` to None to control
``agent.epsilon`` by hand.
"""

from __future__ import annotations

import collections
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from qarcade import games
from qarcade.agents.base import Agent, Transition
from qarcade.agents.kinds import Learner
from qarcade.agents.schedules import EpsilonSchedule
from qarcade.games.core import Env, GameError


def training_env_options(game: str, options: dict[str, Any]) -> dict[str, Any]:
    """The env options a learner trains ``game`` with: the game's
    :attr:`~games.core.Env.training_defaults`, then the person's ``options`` on top."""
    return {**games.env_class(game).training_defaults, **options}


@dataclass(frozen=True, slots=True)
class EpisodeStats:
    """What one finished training episode gave.

    Attributes:
        episode: the episode's number (1-based).
        steps: env steps in the episode (moves of both seats in two-player games).
        total_steps: env steps since training started.
        ret: the undiscounted return of the learner's seat (seat 0 in self-play).
        outcome: two-player games: +1 win, 0 draw, -1 loss for the learner's seat (seat
            0, the first mover, in self-play); None in one-player games.
        seat: the learner's seat (0 in one-player games and self-play).
        terminated: the episode ended by the rules, not by a time limit.
        epsilon: the learner's epsilon at the end of the episode.
        info: the env's last ``info`` (e.g. Invaders' ``score``).
    """

    episode: int
    steps: int
    total_steps: int
    ret: float
    outcome: int | None
    seat: int
    terminated: bool
    epsilon: float
    info: dict[str, Any]


class TrainingMetrics:
    """Running numbers the progress bar, the CSV and the window's panel read.

    Memory stays bounded however long training runs: per-episode numbers are kept for the
    last ``window`` episodes only (the moving averages), and in totals. The full history
    is the CLI's metrics.csv; Learn mode's curves keep a downsampled one
    (:class:`app.plot.Series`).

    Attributes:
        returns: the returns of the last ``window`` finished episodes.
        outcomes: the outcomes (+1/0/-1) of the last ``window`` two-player episodes.
        lengths: steps of the last ``window`` finished episodes.
        losses: the latest learning metrics (``loss`` for DQN, ``td_error`` for the
            table), most recent last; the last ``window``.
        episodes: episodes recorded in total.
        outcome_counts: two-player episodes won, drawn and lost in total, keyed +1/0/-1.
        window: how many recent episodes the moving averages cover.
    """

    def __init__(self, window: int = 100) -> None:
        self.window = window
        self.returns: collections.deque[float] = collections.deque(maxlen=window)
        self.outcomes: collections.deque[int] = collections.deque(maxlen=window)
        self.lengths: collections.deque[int] = collections.deque(maxlen=window)
        self.losses: collections.deque[float] = collections.deque(maxlen=window)
        self.episodes = 0
        self.outcome_counts = {1: 0, 0: 0, -1: 0}
        #: (episode, score) of the latest periodic evaluations, for whoever runs them
        #: (the CLI, the window); the progress bar shows the latest.
        self.evaluations: collections.deque[tuple[int, float]] = collections.deque(maxlen=window)
        self._clock_steps = 0
        self._clock_episodes = 0
        self._clock_time = time.perf_counter()
        self.steps_per_second = 0.0
        self.episodes_per_second = 0.0

    def record_episode(self, stats: EpisodeStats) -> None:
        self.episodes += 1
        self.returns.append(stats.ret)
        self.lengths.append(stats.steps)
        if stats.outcome is not None:
            self.outcomes.append(stats.outcome)
            self.outcome_counts[stats.outcome] += 1

    def restore_recent(self, returns: list[float], outcomes: list[int], lengths: list[int]) -> None:
        """Put back the recent episodes a checkpoint kept (:meth:`Trainer.load_state_dict`)."""
        self.returns.clear()
        self.returns.extend(returns)
        self.outcomes.clear()
        self.outcomes.extend(outcomes)
        self.lengths.clear()
        self.lengths.extend(lengths)

    def record_learning(self, metrics: dict[str, float]) -> None:
        value = metrics.get("loss", metrics.get("td_error"))
        if value is not None:
            self.losses.append(float(value))

    def tick(self, total_steps: int, total_episodes: int) -> None:
        """Update the speed readings (call now and then, e.g. from a progress bar)."""
        now = time.perf_counter()
        elapsed = now - self._clock_time
        if elapsed > 0:
            self.steps_per_second = (total_steps - self._clock_steps) / elapsed
            self.episodes_per_second = (total_episodes - self._clock_episodes) / elapsed
        self._clock_time, self._clock_steps, self._clock_episodes = now, total_steps, total_episodes

    def mean_return(self) -> float:
        """The mean return of the last ``window`` episodes (0 before any)."""
        return float(np.mean(self.returns)) if self.returns else 0.0

    def outcome_rates(self) -> tuple[float, float, float]:
        """(win, draw, loss) fractions of the last ``window`` two-player episodes."""
        recent = self.outcomes
        if not recent:
            return 0.0, 0.0, 0.0
        n = len(recent)
        return recent.count(1) / n, recent.count(0) / n, recent.count(-1) / n

    def recent_loss(self) -> float | None:
        """The mean learning metric over the last ``window`` updates, if any."""
        return float(np.mean(self.losses)) if self.losses else None


EpisodeCallback = Callable[["Trainer", EpisodeStats], None]


class Trainer:
    """Trains ``agent`` on ``env``, one env step per :meth:`step`.

    Args:
        env: the game.
        agent: the learner (``agent.learns`` must be True).
        opponent: for two-player games, a fixed player for the other seat; None means
            self-play (the agent fills both seats).
        seed: seeds the env's first reset; everything after follows from it.
        episodes: the training budget in episodes, over which the epsilon schedule runs.
        steps: the budget in env steps instead (when ``episodes`` is None).
        window: episodes covered by the moving averages in :attr:`metrics`.

    Attributes:
        episodes: finished episodes so far.
        steps: env steps so far.
        schedule: the epsilon schedule applied before each episode (or step, for a step
            budget); None leaves ``agent.epsilon`` alone.
        schedule_budget: the budget the schedule runs over: the run's first budget, kept
            when a resumed run is given a larger one, so that epsilon goes on from where
            it was instead of rising again.
        callbacks: called with ``(trainer, stats)`` after every finished episode.
        metrics: :class:`TrainingMetrics`.
    """

    def __init__(
        self,
        env: Env,
        agent: Agent,
        *,
        opponent: Agent | None = None,
        seed: int | None = None,
        episodes: int | None = None,
        steps: int | None = None,
        window: int = 100,
    ) -> None:
        if not agent.learns or not isinstance(agent, Learner):
            raise ValueError(f"{agent.name} agents do not learn; train a learner")
        if opponent is not None and env.num_players != 2:
            raise ValueError("an opponent needs a two-player game")
        self.env = env
        self.agent = agent
        self.opponent = opponent
        self.seed = seed
        self.total_episodes = episodes
        self.total_steps = steps
        self.schedule_budget: int | None = episodes if episodes is not None else steps
        #: The epsilon schedule; None once epsilon is set by hand (Learn's slider).
        self.schedule: EpsilonSchedule | None = EpsilonSchedule.from_config(agent.config)
        self.callbacks: list[EpisodeCallback] = []
        self.metrics = TrainingMetrics(window)
        self.episodes = 0
        self.steps = 0
        self.self_play = env.num_players == 2 and opponent is None
        # The episode in progress.
        self._obs: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._episode_steps = 0
        self._episode_return = 0.0
        self.learner_seat = 0
        # Per seat: the last move (obs, action, reward so far, ...) waiting for what
        # follows it to become a transition.
        self._pending: list[tuple | None] = [None] * env.num_players
        self._all_legal = np.ones(env.num_actions, dtype=bool)

    # ----------------------------------------------------------------- driving
    @property
    def in_episode(self) -> bool:
        """True between an episode's first step and its end."""
        return self._obs is not None

    @property
    def learner(self) -> Learner:
        """The agent as the :class:`~agents.kinds.Learner` it was checked to be."""
        return cast(Learner, self.agent)

    def schedule_progress(self) -> float:
        """How far the epsilon schedule is: the episodes (or steps) done over
        :attr:`schedule_budget` (0 without a budget)."""
        if not self.schedule_budget:
            return 0.0
        done = self.episodes if self.total_episodes is not None else self.steps
        return done / self.schedule_budget

    def run(
        self, episodes: int | None = None, *, should_stop: Callable[[], bool] | None = None
    ) -> None:
        """Train until ``episodes`` more episodes have finished (default: the rest of the
        budget), or ``should_stop()`` turns True (checked after every step)."""
        if episodes is None:
            if self.total_episodes is None:
                raise ValueError("run() needs episodes=, or an episodes budget")
            target = self.total_episodes
        else:
            target = self.episodes + episodes
        step = self.step
        while self.episodes < target:
            step()
            if should_stop is not None and should_stop():
                return

    def run_steps(self, n: int) -> None:
        """Advance ``n`` env steps (ending and starting episodes on the way)."""
        step = self.step
        for _ in range(n):
            step()

    def step(self) -> EpisodeStats | None:
        """Play one move (the learner's or the opponent's) and learn from it.

        Returns the episode's :class:`EpisodeStats` when this step ended it, else None.
        """
        obs, mask = self._obs, self._mask
        if obs is None or mask is None:
            obs, mask = self._begin_episode()
        env, agent = self.env, self.agent
        mover = env.current_player
        # The opponent, when it is the one to move.
        opponent = None if mover == self.learner_seat else self.opponent
        learner_moves = opponent is None
        action = agent.act(obs, mask, explore=True) if opponent is None else opponent.act(obs, mask)
        next_obs, reward, terminated, truncated, info = env.step(action)
        self.steps += 1
        self._episode_steps += 1
        done = terminated or truncated
        # A time limit is not the end of the game: the next state still has a value.
        next_mask = info["action_mask"] if not truncated or terminated else self._all_legal

        if env.num_players == 1:
            self._learn(Transition(obs, action, reward, next_obs, next_mask, terminated))
            self._episode_return += reward
        elif self.self_play:
            self._self_play_step(
                mover, obs, action, reward, next_obs, next_mask, terminated, truncated, info
            )
        else:
            self._opponent_step(
                learner_moves, obs, action, next_obs, next_mask, terminated, truncated, info
            )

        if self.schedule is not None and self.total_episodes is None and self.total_steps:
            self.learner.epsilon = self.schedule(self.schedule_progress())
        if done:
            return self._end_episode(terminated, info)
        self._obs, self._mask = next_obs, info["action_mask"]
        return None

    # ----------------------------------------------------------------- transitions
    def _learn(self, transition: Transition) -> None:
        metrics = self.agent.learn(transition)
        if metrics:
            self.metrics.record_learning(metrics)

    def _self_play_step(
        self,
        mover: int,
        obs: np.ndarray,
        action: int,
        reward: float,
        next_obs: np.ndarray,
        next_mask: np.ndarray,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None:
        pending = self._pending
        rewards = info["rewards"]
        self._episode_return += rewards[0]
        # The other seat's last move is now complete: either the game went on (its value
        # is the negated value of the position this move faced) or this move ended it.
        for seat, waiting in enumerate(pending):
            if waiting is None or seat == mover:
                continue
            w_obs, w_action, w_reward, w_next_obs, w_next_mask = waiting
            pending[seat] = None
            if terminated:
                self._learn(
                    Transition(
                        w_obs, w_action, w_reward + rewards[seat], next_obs, next_mask, True, True
                    )
                )
            else:
                self._learn(
                    Transition(w_obs, w_action, w_reward, w_next_obs, w_next_mask, False, True)
                )
        if terminated:
            self._learn(Transition(obs, action, reward, next_obs, next_mask, True, True))
        elif truncated:  # bootstrap from the opponent's view
            self._learn(Transition(obs, action, reward, next_obs, next_mask, False, True))
        else:
            pending[mover] = (obs, action, reward, next_obs, next_mask)

    def _opponent_step(
        self,
        learner_moved: bool,
        obs: np.ndarray,
        action: int,
        next_obs: np.ndarray,
        next_mask: np.ndarray,
        terminated: bool,
        truncated: bool,
        info: dict[str, Any],
    ) -> None:
        seat = self.learner_seat
        gained = info["rewards"][seat]
        self._episode_return += gained
        if learner_moved:
            self._pending[seat] = (obs, action, gained)
        else:
            waiting = self._pending[seat]
            if waiting is None:  # the opponent opened the game
                return
            self._pending[seat] = (waiting[0], waiting[1], waiting[2] + gained)
        waiting = self._pending[seat]
        assert waiting is not None
        if terminated or truncated or self.env.current_player == seat:
            self._pending[seat] = None
            self._learn(
                Transition(waiting[0], waiting[1], waiting[2], next_obs, next_mask, terminated)
            )

    # ----------------------------------------------------------------- episodes
    def _begin_episode(self) -> tuple[np.ndarray, np.ndarray]:
        """Reset the env for the next episode; returns its first observation and mask."""
        seed = self.seed if self.episodes == 0 and self.seed is not None else None
        obs, info = self.env.reset(seed=seed)
        self._obs, self._mask = obs, info["action_mask"]
        self._episode_steps = 0
        self._episode_return = 0.0
        self._pending = [None] * self.env.num_players
        if self.opponent is not None:
            self.learner_seat = self.episodes % self.env.num_players
        if self.schedule is not None and self.total_episodes:
            self.learner.epsilon = self.schedule(self.schedule_progress())
        return obs, info["action_mask"]

    def _end_episode(self, terminated: bool, info: dict[str, Any]) -> EpisodeStats:
        metrics = self.agent.end_episode()
        if metrics:
            self.metrics.record_learning(metrics)
        self.episodes += 1
        outcome = None
        if self.env.num_players == 2:
            ret = self._episode_return
            outcome = 1 if ret > 0 else (-1 if ret < 0 else 0)
        stats = EpisodeStats(
            episode=self.episodes,
            steps=self._episode_steps,
            total_steps=self.steps,
            ret=self._episode_return,
            outcome=outcome,
            seat=self.learner_seat,
            terminated=terminated,
            epsilon=float(self.learner.epsilon),
            info=info,
        )
        self._obs = None
        self.metrics.record_episode(stats)
        for callback in self.callbacks:
            callback(self, stats)
        return stats

    # ----------------------------------------------------------------- resuming
    def state_dict(self) -> dict[str, Any]:
        """Everything the trainer needs to continue a run, JSON-serialisable, for
        checkpoints (:func:`agents.checkpoints.save_agent` stores it as
        ``meta["training"]``; the agent saves its own table or weights, generators and
        replay buffer).

        It holds the step and episode counts (the epsilon schedule's position follows
        from them and the budget), the budget, the env's random state
        (:meth:`~games.core.Env.rng_state`, numbers drawn ahead included), the fixed
        opponent's kind and generator, and the recent returns for the moving averages.

        Exact only between episodes: ``in_episode`` records whether a game was under
        way, and a run resumed from such a state starts a new episode (the unfinished
        one is dropped; what the agent learnt from its moves is kept).
        """
        state: dict[str, Any] = {
            "steps": self.steps,
            "episodes": self.episodes,
            "seed": self.seed,
            "total_episodes": self.total_episodes,
            "total_steps": self.total_steps,
            "schedule_budget": self.schedule_budget,
            "in_episode": self.in_episode,
            "env_random": self.env.rng_state(),
            "opponent": None if self.opponent is None else self.opponent.name,
            "recent_returns": list(self.metrics.returns),
            "recent_outcomes": list(self.metrics.outcomes),
            "recent_lengths": list(self.metrics.lengths),
        }
        opponent_rng = _generator_state(getattr(self.opponent, "rng", None))
        if opponent_rng is not None:
            state["opponent_random"] = opponent_rng
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`'s output: the next episode starts where the
        saved run's next episode would have.

        The budget given to this trainer wins over the saved one where both are set (a
        resumed run may be extended). Raises ``ValueError`` for a state that does not
        fit this trainer or is damaged; the trainer is unchanged then.
        """
        try:
            steps, episodes = _count(state["steps"]), _count(state["episodes"])
            seed = state.get("seed")
            if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
                raise ValueError(f"seed {seed!r} is not an integer")
            total_episodes = _budget(state.get("total_episodes"))
            total_steps = _budget(state.get("total_steps"))
            schedule_budget = _budget(state["schedule_budget"])
            opponent = state["opponent"]
            mine = None if self.opponent is None else self.opponent.name
            if opponent != mine:
                raise ValueError(
                    f"the run was trained against {opponent or 'itself'}, not {mine or 'itself'}"
                )
            env_random = state["env_random"]
            recent = {
                name: [float(x) for x in state.get(f"recent_{name}", [])]
                for name in ("returns", "outcomes", "lengths")
            }
            env_rng_before = self.env.rng_state()
            self.env.set_rng_state(env_random)
            try:
                opponent_random = state.get("opponent_random")
                if opponent_random is not None:
                    _set_generator_state(getattr(self.opponent, "rng", None), opponent_random)
            except BaseException:
                self.env.set_rng_state(env_rng_before)
                raise
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ValueError(
                f"the training state is damaged or for another run ({error})"
            ) from error
        self.steps, self.episodes, self.seed = steps, episodes, seed
        if self.total_episodes is None and self.total_steps is None:
            self.total_episodes, self.total_steps = total_episodes, total_steps
        if schedule_budget is not None:
            self.schedule_budget = schedule_budget
        self.metrics.restore_recent(
            recent["returns"],
            [int(x) for x in recent["outcomes"]],
            [int(x) for x in recent["lengths"]],
        )
        self.metrics.tick(self.steps, self.episodes)
        self._obs = None


@dataclass(slots=True)
class Resumed:
    """A run rebuilt from a checkpoint by :func:`resume`.

    Attributes:
        trainer: the trainer, ready to :meth:`~Trainer.run` on.
        meta: the checkpoint's metadata.
        notes: why the continuation will not match an uninterrupted run bit for bit,
            one sentence each (empty when it will).
    """

    trainer: Trainer
    meta: dict[str, Any]
    notes: list[str]


def resume(
    path: str | os.PathLike[str],
    *,
    game: str | None = None,
    episodes: int | None = None,
    steps: int | None = None,
    config: dict[str, Any] | None = None,
) -> Resumed:
    """Rebuild the run a checkpoint was saved from: the env from the game and options in
    its metadata, the agent, the fixed opponent, the counters and every generator.

    Continuing it gives what the saved run would have given had it not stopped, bit for
    bit, when the checkpoint was saved between episodes (periodic saves and graceful
    stops are) and holds everything the agent learns from (a DQN's replay buffer:
    ``save_replay_buffer``); :attr:`Resumed.notes` says otherwise.

    Args:
        path: the checkpoint.
        game: the game the caller expects; a checkpoint for another raises.
        episodes, steps: the run's *total* budget (default: the saved one). A run counts
            in one unit: a checkpoint trained by episodes takes ``episodes``, one trained
            by steps takes ``steps``. The epsilon schedule keeps the run's first budget
            (:attr:`Trainer.schedule_budget`): a longer run goes on exploring as it was.
        config: agent settings to change before it is built (e.g. ``{"device": "cpu"}``).

    Raises:
        CheckpointError: the file is bad, for another game, or holds no training state.
        OptionError: a budget that does not fit the run.
    """
    from qarcade import games
    from qarcade.agents.checkpoints import (
        CheckpointError,
        agent_from_arrays,
        check_game,
        load_arrays,
    )
    from qarcade.games.core import OptionError

    arrays, meta = load_arrays(path)
    check_game(path, meta, game)
    training = meta.get("training")
    if not isinstance(training, dict) or "episodes" not in training:
        raise CheckpointError(
            f"{path}: holds no training state to resume (saved outside training); "
            f"start a new run with: python main.py train {meta['game']}"
        )
    saved_episodes, saved_steps = training.get("total_episodes"), training.get("total_steps")
    if episodes is not None and saved_episodes is None and saved_steps is not None:
        raise OptionError(f"{path}: this run counts steps, not episodes; give its total in steps")
    if steps is not None and saved_steps is None and saved_episodes is not None:
        raise OptionError(
            f"{path}: this run counts episodes, not steps; give its total in episodes"
        )
    if config:
        meta = {**meta, "config": {**meta["config"], **config}}
    agent = agent_from_arrays(path, arrays, meta)
    # A damaged (or hand-edited) training state is refused by the game (GameError) or by
    # the trainer (ValueError, naming the field): one message naming the file.
    try:
        env = games.make(meta["game"], **meta["game_options"])
        opponent = None
        if training.get("opponent") is not None:
            from qarcade.agents.kinds import make_player

            opponent = make_player(str(training["opponent"]), env.name)
        trainer = Trainer(env, agent, opponent=opponent, episodes=episodes, steps=steps)
        trainer.load_state_dict(training)
    except (GameError, ValueError) as error:
        raise CheckpointError(f"{path}: cannot resume from it: {error}") from error

    notes = []
    if training.get("in_episode"):
        notes.append(
            "it was saved in the middle of an episode: that episode is dropped and training "
            "goes on from a new one"
        )
    report = agent.memory_report()
    if report.get("replay_capacity") and not report.get("replay_transitions") and trainer.steps:
        notes.append(
            "it holds no replay buffer, so learning restarts from an empty one "
            "(train with save_replay_buffer=true to keep it)"
        )
    return Resumed(trainer, meta, notes)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"count {value!r} is not an integer >= 0")
    return value


def _budget(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"budget {value!r} is not an integer >= 1")
    return value


def _generator_state(rng: Any) -> dict[str, Any] | None:
    """The JSON state of a numpy or Python generator (None for anything else)."""
    if isinstance(rng, np.random.Generator):
        return {"kind": "numpy", "state": rng.bit_generator.state}
    if isinstance(rng, random.Random):
        version, words, gauss = rng.getstate()
        return {"kind": "python", "state": [version, list(words), gauss]}
    return None


def _set_generator_state(rng: Any, state: dict[str, Any]) -> None:
    """Put back what :func:`_generator_state` gave."""
    kind = state["kind"]
    if kind == "numpy" and isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state["state"]
    elif kind == "python" and isinstance(rng, random.Random):
        version, words, gauss = state["state"]
        rng.setstate((version, tuple(words), gauss))
    else:
        raise ValueError(f"a {kind} generator state does not fit the opponent's generator")
