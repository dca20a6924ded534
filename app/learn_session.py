"""The training side of Learn mode, which draws nothing and imports no pygame.

:class:`LearnSession` holds the env, a fresh learner (tabular or DQN, with the game's
defaults, as ``python main.py train`` makes them), the one :class:`~agents.training.Trainer`,
the learning curves, and the files: a run folder per agent (:mod:`app.learn_runs`) in the
user's data folder holding the agent, saved at least every :data:`AUTOSAVE_SECONDS` while
it learns, and its difficulty ladder (snapshots after :data:`~app.learn_runs.MILESTONES`
games), which Versus lists as opponents. Starting from nothing, or Reset, begins a new
run; no run is ever replaced.

:class:`~app.scenes.learn.LearnScene` drives a session between frames and draws it;
Compare drives two (:class:`~app.scenes.compare.CompareSide`). Because nothing here
draws, a session runs headless too (tests, benchmarks).
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.agents.threads import OneThread
from qarcade.agents.training import EpisodeStats, Trainer, training_env_options
from qarcade.app.learn_runs import MILESTONES, LearnRun, find_run, learner_folder, new_run
from qarcade.app.series import Series
from qarcade.games.core import Env, GameError, OptionError

#: Two-player games: a greedy test game against each yardstick every this many training
#: games (self-play results say little about strength when both seats are one agent),
#: but at most once per this many seconds, so a fast table spends its time learning.
EVAL_EVERY = 20
EVAL_SECONDS = 1 / 100
#: Test games the two-player curves average over; training episodes the return curve does.
EVAL_WINDOW = 40
CURVE_WINDOW = 100
#: While the agent learns, it is saved at least this often (seconds), so that a crash or a
#: kill loses less than this much training.
AUTOSAVE_SECONDS = 30.0
#: The learning curves' colours, one per series.
CURVE_COLOURS = ((96, 200, 255), (255, 196, 64), (120, 220, 120))


#: Learn's and Compare's speeds as (name, env steps per frame); None is turbo: as many as
#: fit the frame's budget.
SPEEDS: tuple[tuple[str, int | None], ...] = (
    ("1", 1),
    ("10", 10),
    ("100", 100),
    ("1k", 1000),
    ("turbo", None),
)
SPEED_NAMES: tuple[str, ...] = tuple(name for name, _ in SPEEDS)


@dataclass
class LearnConfig:
    """What to learn.

    Attributes:
        game: registry name.
        agent: ``"tabular"`` or ``"dqn"``.
        options: env options the person chose (e.g. ``{"map": "maze"}``).
        seed: seeds the env and the agent.
        speed: the scene's speed, one of :data:`SPEED_NAMES` (the
            session itself runs as many steps as it is asked to).
        resume: continue a saved run (:attr:`run`) instead of starting from nothing.
        run: the name of the run to continue (:mod:`app.learn_runs`); None: the newest.
        autosave_seconds: the agent is saved at least this often while it learns.
    """

    game: str
    agent: str = "tabular"
    _: KW_ONLY
    options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    speed: str = "100"
    resume: bool = False
    run: str | None = None
    autosave_seconds: float = AUTOSAVE_SECONDS


def new_learner(kind: str, env: Env, seed: int) -> Agent:
    """A learner that knows nothing, with the game's defaults (as ``train`` makes it)."""
    if kind not in kinds.LEARNERS:
        raise OptionError(f"Learn trains {' or '.join(kinds.LEARNERS)} agents, not {kind!r}")
    return kinds.make_learner(kind, env, seed=seed)


class LearnSession:
    """The training side of Learn mode (it draws nothing): env, learner, trainer, curves,
    files.

    Args:
        config: what to learn.

    Attributes:
        env: the env the trainer plays (and the view draws).
        agent: the learner.
        trainer: the one training loop.
        curves: the learning curve's series (one per yardstick in two-player games).
        memory: bytes of the Q-function over training, one point per reading.
        curve_title, curve_range, curve_format: how to draw :attr:`curves`.
        run: the run the agent and its ladder are saved in; None until a new agent's
            first save makes its folder.
        saved: the last file written, or None.
        saved_time: when (``time.monotonic()``) the agent was last saved or started.
        dirty: the agent learnt since it was last saved.
        events: news for the person, ``(text, error)`` (a ladder snapshot saved, or not),
            taken by the scene.
        notes: why a resumed run will not match an uninterrupted one, if it will not.
    """

    def __init__(self, config: LearnConfig) -> None:
        if config.agent not in kinds.LEARNERS:
            raise OptionError(
                f"Learn trains {' or '.join(kinds.LEARNERS)} agents, not {config.agent!r}"
            )
        self.config = config
        self.kind = config.agent
        self.options = training_env_options(config.game, config.options)
        self.env = games.make(config.game, **self.options)
        self.run: LearnRun | None = None
        self.saved: Path | None = None
        self.saved_time = time.monotonic()
        self.dirty = False
        self.events: list[tuple[str, bool]] = []
        self.two_player = self.env.num_players == 2
        if self.two_player:
            self.curve_title = f"greedy test games (mean of {EVAL_WINDOW})"
            self.curve_range: tuple[float, float] | None = (0.0, 1.0)
            self.curve_format = "{:.0%}"
        else:
            what = "score" if games.spec(config.game).keeps_score else "return"
            self.curve_title = f"{what} per game (mean of {CURVE_WINDOW})"
            self.curve_range = None
            self.curve_format = "{:.0f}" if games.spec(config.game).keeps_score else "{:.2f}"
        self.curves: list[Series] = []
        self.memory = Series("bytes", (200, 140, 255), window=1)
        self.notes: list[str] = []
        self._threads = OneThread() if kinds.kind(self.kind).network else None
        self._make_yardsticks()
        if config.resume:
            self._resume()
        else:
            self.reset()

    def close(self) -> None:
        """Give back what the session changed in the process (the thread counts of torch
        and of numpy's BLAS: :class:`~agents.threads.OneThread`)."""
        if self._threads is not None:
            self._threads.restore()
            self._threads = None

    # ----------------------------------------------------------------- set-up
    def _make_yardsticks(self) -> None:
        """Two-player games: the fixed players the greedy test games are against."""
        self._yardsticks: list[tuple[Agent, Series, bool]] = []
        if not self.two_player:
            return
        self._eval_env = games.make(self.config.game, **self.options)
        self._yardsticks.append(
            (
                kinds.make_player(kinds.RANDOM, self.config.game, seed=1),
                Series("won vs random", CURVE_COLOURS[0], EVAL_WINDOW),
                False,
            )
        )
        # Against the game's own players (perfect play in tic-tac-toe), not losing is
        # the mark of a learner that has learnt.
        for i, name in enumerate(games.spec(self.config.game).players):
            self._yardsticks.append(
                (
                    kinds.make_player(name, self.config.game, seed=2 + i),
                    Series(f"not lost vs {name}", CURVE_COLOURS[1 + i], EVAL_WINDOW),
                    True,
                )
            )
        self._evals = 0

    def reset(self) -> None:
        """Start over with a learner that knows nothing (the map stays as edited), in a
        new run: the one so far is kept as last saved."""
        self.run = None
        self.saved = None
        self.agent = new_learner(self.kind, self.env, self.config.seed)
        episodes, steps = kinds.budget(self.agent)
        self._attach(
            Trainer(
                self.env,
                self.agent,
                seed=self.config.seed,
                episodes=episodes,
                steps=steps,
                window=CURVE_WINDOW,
            )
        )

    def _resume(self) -> None:
        """Continue the agent saved last time, with its counters and schedule (the
        curves start afresh: they are not saved). A map edited in the window is not part
        of the checkpoint: the saved map comes back as it was made."""
        from qarcade.agents.training import resume

        try:
            run = find_run(self.config.game, self.kind, self.options, self.config.run)
        except GameError as error:
            raise GameError(f"{error}; start one without --resume") from None
        resumed = resume(run.agent_path, game=self.config.game)
        self.notes = list(resumed.notes)
        self.env = resumed.trainer.env
        self.agent = resumed.trainer.agent
        self._attach(resumed.trainer)
        self.run = run
        self.saved = run.agent_path

    def _attach(self, trainer: Trainer) -> None:
        """Train with ``trainer`` from now on; the curves start empty."""
        self.trainer = trainer
        self.trainer.callbacks.append(self._episode_done)
        if self.two_player:
            self.curves = [series for _, series, _ in self._yardsticks]
            self._evals = 0
            self._next_eval = 0.0
        else:
            self.curves = [Series(self.curve_title.split()[0], CURVE_COLOURS[0], CURVE_WINDOW)]
        for series in self.curves:
            series.clear()
        self.memory.clear()
        self.sample_memory()
        self.dirty = False
        self.saved_time = time.monotonic()

    # ----------------------------------------------------------------- training
    def advance(self, steps: int | None, budget: float) -> int:
        """Train ``steps`` env steps (None: as many as fit), stopping once ``budget``
        seconds have passed; at least one step. Returns the steps taken."""
        step = self.trainer.step
        clock = time.perf_counter
        last = clock()
        deadline = last + budget
        limit = steps if steps is not None else 1 << 62
        done, chunk = 0, 1
        while done < limit:
            n = min(chunk, limit - done)
            for _ in range(n):
                step()
            done += n
            now = clock()
            if now >= deadline:
                break
            # Read the clock less often while steps are quick (a read costs as much as a
            # table update), every step when they are slow (a DQN's gradient steps).
            if now - last < 0.0005:
                chunk = min(2 * chunk, 64)
            last = now
        self.dirty = True
        return done

    def _episode_done(self, trainer: Trainer, stats: EpisodeStats) -> None:
        if self.two_player:
            now = time.perf_counter()
            if stats.episode % EVAL_EVERY == 0 and now >= self._next_eval:
                self._next_eval = now + EVAL_SECONDS
                self._test_games()
        else:
            score = stats.info.get("score") if games.spec(self.config.game).keeps_score else None
            self.curves[0].add(float(score if score is not None else stats.ret), stats.episode)
        if stats.episode in MILESTONES:
            self._save_rung(stats.episode)

    def _test_games(self) -> None:
        """One greedy game against each yardstick, the learner's seat alternating."""
        from qarcade.agents.evaluation import play_episode

        seat = self._evals % 2
        self._evals += 1
        for opponent, series, not_lost in self._yardsticks:
            result = play_episode(
                self._eval_env,
                self.agent,
                opponent=opponent,
                seat=seat,
                seed=self.config.seed + self._evals,
            )
            outcome = result.outcome or 0
            series.add(float(outcome >= 0 if not_lost else outcome > 0), self.trainer.episodes)

    def sample_memory(self) -> dict[str, Any]:
        """Read the agent's memory report and add a point to :attr:`memory`."""
        report = self.agent.memory_report()
        self.memory.add(report.get("bytes", 0), self.trainer.episodes)
        return report

    # ----------------------------------------------------------------- live settings
    @property
    def epsilon_manual(self) -> bool:
        """True once the person set epsilon by hand (the schedule no longer runs)."""
        return self.trainer.schedule is None

    def set_epsilon(self, value: float) -> None:
        """Set the learner's epsilon by hand; the trainer stops scheduling it."""
        self.trainer.schedule = None
        self.trainer.learner.epsilon = float(min(1.0, max(0.0, value)))

    def resume_schedule(self) -> None:
        """Hand epsilon back to the schedule (from the next episode or step)."""
        from qarcade.agents.schedules import EpsilonSchedule

        learner = self.trainer.learner
        schedule = EpsilonSchedule.from_config(learner.config)
        self.trainer.schedule = schedule
        learner.epsilon = schedule(self.trainer.schedule_progress())

    def set_learning_rate(self, value: float) -> None:
        """Set the learner's learning rate (the next update uses it)."""
        self.trainer.learner.learning_rate = float(value)

    # ----------------------------------------------------------------- files
    @property
    def folder(self) -> Path:
        """The run's folder, or before its first save the folder its runs go in."""
        if self.run is not None:
            return self.run.folder
        return learner_folder(self.config.game, self.kind, self.options)

    def _own_run(self) -> LearnRun:
        """The run to save into, made on the first save of a new agent."""
        if self.run is None:
            self.run = new_run(self.config.game, self.kind, self.options)
        return self.run

    def save(self) -> Path:
        """Write the agent (and the trainer's state) into its run, atomically."""
        run = self._own_run()
        path = Path(self.agent.save(str(run.agent_path), training=self.trainer.state_dict()))
        self.saved = path
        self.saved_time = time.monotonic()
        self.dirty = False
        return path

    def autosave_due(self) -> bool:
        """The agent has learnt for :attr:`LearnConfig.autosave_seconds` since it was
        last saved."""
        return self.dirty and time.monotonic() - self.saved_time >= self.config.autosave_seconds

    def _save_rung(self, games_played: int) -> None:
        """Snapshot the agent into its run's ladder, and save the run's agent with it (a
        run lists and resumes by its agent)."""
        try:
            path = self._own_run().rung_path(games_played)
            self.agent.save(str(path), training=self.trainer.state_dict())
            self.save()
        except (OSError, GameError) as error:
            self.events.append(
                (f"could not save the snapshot after {games_played:,} games: {error}", True)
            )
            return
        news = f"snapshot after {games_played:,} games saved: pick it as the opponent in Versus"
        self.events.append((news, False))
