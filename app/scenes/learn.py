"""Learn mode: an agent that starts knowing nothing trains in the window while you watch.

:class:`LearnSession` is the training side, which draws nothing: the env, a fresh learner
(tabular or DQN, with the game's defaults, as ``python main.py train`` makes them), the
one :class:`~agents.training.Trainer`, the learning curves, and the files — a run folder
per agent (:mod:`app.learn_runs`) in the user's data folder holding the agent, saved at
least every :data:`AUTOSAVE_SECONDS` while it learns, and its difficulty ladder
(snapshots after :data:`~app.learn_runs.MILESTONES` games), which Versus lists as
opponents. Starting from nothing, or Reset, begins a new run; no run is ever replaced.

:class:`LearnScene` drives it between frames and draws it: the board with the agent's
Q-values on it (through the views' :class:`~games.view.Overlay`), and a side panel with
the learning curve, epsilon and learning-rate sliders, the loss, the speed, and what the
Q-function costs in memory (an exact table's entries and bytes grow with every state it
meets, a network's parameters stay fixed).

Speed is steps per frame, each frame's training capped at what the frame leaves (at
most :data:`STEP_BUDGET_SECONDS`) so the window keeps 60 FPS; turbo trains for
:data:`TURBO_SECONDS` every frame and redraws only every :data:`TURBO_REDRAW_FRAMES`
frames, which is what keeps its throughput close to the headless command's.
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

import pygame

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.agents.training import EpisodeStats, Trainer, training_env_options
from qarcade.app import hud as colours
from qarcade.app.learn_runs import MILESTONES, LearnRun, find_run, learner_folder, new_run
from qarcade.app.plot import Series, draw_plot
from qarcade.app.widgets import Button, Slider
from qarcade.app.window import App, Scene
from qarcade.games.core import Env, GameError, OptionError
from qarcade.games.view import Overlay, View, fit_rect

#: (name, env steps per frame); None is turbo: as many as fit the budget.
SPEEDS: tuple[tuple[str, int | None], ...] = (
    ("1", 1),
    ("10", 10),
    ("100", 100),
    ("1k", 1000),
    ("turbo", None),
)
SPEED_NAMES: tuple[str, ...] = tuple(name for name, _ in SPEEDS)
#: The most wall-clock time one frame spends training at the counted speeds: 60 FPS
#: leaves 16.7 ms a frame, and the rest is for events, drawing and the flip.
STEP_BUDGET_SECONDS = 0.012
#: What one turbo frame spends training: a frame longer than 60 FPS allows (turbo holds
#: about 50), since turbo frames only blit the last picture and throughput is the point.
TURBO_SECONDS = 0.016
#: At turbo the scene is redrawn every this many frames (between them the last picture
#: is shown again, which costs one blit).
TURBO_REDRAW_FRAMES = 10
#: At the other speeds training gets what a 60 FPS frame leaves after drawing (the last
#: draw's time), between these bounds.
FRAME_SECONDS = 1 / 60
MIN_STEP_BUDGET_SECONDS = 0.004
#: Two-player games: a greedy test game against each yardstick every this many training
#: games (self-play results say little about strength when both seats are one agent),
#: but at most once per this many seconds, so a fast table spends its time learning.
EVAL_EVERY = 20
EVAL_SECONDS = 1 / 100
#: The gridworld's overlay (a Q lookup and a coloured tile per cell) is rebuilt at most
#: this often while the agent learns.
OVERLAY_SECONDS = 0.1
#: Test games the two-player curves average over; training episodes the return curve does.
EVAL_WINDOW = 40
CURVE_WINDOW = 100
#: Seconds between the steps-per-second readings and memory samples (the first comes
#: sooner, so the panel has numbers at once).
READING_SECONDS = 0.5
FIRST_READING_SECONDS = 0.1
#: While the agent learns, it is saved at least this often (seconds), so that a crash or a
#: kill loses less than this much training.
AUTOSAVE_SECONDS = 30.0
#: The learning-rate slider's range per learner (log scale).

CURVE_COLOURS = ((96, 200, 255), (255, 196, 64), (120, 220, 120))


@dataclass
class LearnConfig:
    """What to learn.

    Attributes:
        game: registry name.
        agent: ``"tabular"`` or ``"dqn"``.
        options: env options the person chose (e.g. ``{"map": "maze"}``).
        seed: seeds the env and the agent.
        speed: one of :data:`SPEED_NAMES`.
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


class OneTorchThread:
    """While a DQN learns in the window, torch computes on one thread: the window trains
    and draws on one core, and a second thread for networks this small only fights the
    drawing (and, on a busy machine, itself) for it. :meth:`restore` puts the count back."""

    def __init__(self) -> None:
        import torch

        self._previous = torch.get_num_threads()
        torch.set_num_threads(1)

    def restore(self) -> None:
        import torch

        torch.set_num_threads(self._previous)


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
        self._threads = OneTorchThread() if kinds.kind(self.kind).network else None
        self._make_yardsticks()
        if config.resume:
            self._resume()
        else:
            self.reset()

    def close(self) -> None:
        """Give back what the session changed in the process (torch's thread count)."""
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
        self.agent.epsilon = float(min(1.0, max(0.0, value)))  # type: ignore[attr-defined]

    def resume_schedule(self) -> None:
        """Hand epsilon back to the schedule (from the next episode or step)."""
        from qarcade.agents.schedules import EpsilonSchedule

        schedule = EpsilonSchedule.from_config(self.agent.config)  # type: ignore[attr-defined]
        self.trainer.schedule = schedule
        self.agent.epsilon = schedule(self.trainer.schedule_progress())  # type: ignore[attr-defined]

    def set_learning_rate(self, value: float) -> None:
        """Set the learner's learning rate (the next update uses it)."""
        self.agent.learning_rate = float(value)  # type: ignore[attr-defined]

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


#: The colour the cell a table update changed is outlined in.
UPDATED_CELL = (255, 80, 200)


def draw_update(
    surface: pygame.Surface,
    hud: Any,
    area: pygame.Rect,
    agent: Agent,
    env: Env,
    view: View,
    board_rect: pygame.Rect,
    size: int,
) -> pygame.Rect:
    """The learner's last update with its numbers (:mod:`agents.explain`), in a box at the
    foot of ``area`` (returned); where the view draws cells and the env can say whose cell an
    observation is (the gridworld), the changed state's cell is outlined on the board."""
    from qarcade.agents.explain import NetworkUpdate

    update = getattr(agent, "last_update", None)
    names = env.action_names
    if update is None:
        lines = [_no_update_yet(agent)]
    elif isinstance(update, NetworkUpdate):
        lines = update.lines(names[update.action], names[update.next_action])
    else:
        lines = update.lines(names[update.action])
        locate, cell_rect = getattr(env, "cell_of", None), getattr(view, "cell_rect", None)
        if locate is not None and cell_rect is not None:
            row, col = locate(update.obs)
            pygame.draw.rect(surface, UPDATED_CELL, cell_rect(board_rect, row, col), width=4)
    text_size = min(hud.fit_text(line, area.width - 16, size) for line in lines)
    line_h = int(text_size * 1.3)
    box = pygame.Rect(area.left + 4, 0, area.width - 8, line_h * len(lines) + 8)
    box.bottom = area.bottom - 4
    hud.panel(surface, box, alpha=225)
    for i, line in enumerate(lines):
        colour = colours.ACCENT if i == len(lines) - 1 else colours.TEXT
        hud.text(surface, line, (box.left + 8, box.top + 4 + i * line_h), text_size, colour)
    return box


def _no_update_yet(agent: Agent) -> str:
    """Why a single step has not updated the Q-function yet, in a line."""
    config = getattr(agent, "config", None)
    if getattr(config, "backward_replay", False):
        return "the table learns a game's steps when it ends, newest first: step on"
    starts = getattr(config, "learning_starts", 0)
    if getattr(agent, "steps", 0) < starts:
        return f"learning starts after {starts:,} transitions in the replay buffer"
    every = getattr(config, "train_frequency", 1)
    return f"a gradient step every {every} env steps: step on"


def size_text(n_bytes: float) -> str:
    """A byte count as people read it: ``512 B``, ``25.1 KB``, ``16.9 MB``."""
    if n_bytes < 1024:
        return f"{n_bytes:.0f} B"
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:,.1f} KB"
    return f"{n_bytes / 1024 / 1024:,.1f} MB"


def shown_path(path: Path) -> str:
    """``path`` with the home folder written ``~`` (shorter on screen)."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class LearnScene(Scene):
    """Learn mode in the window (see the module docstring)."""

    def __init__(self, app: App, config: LearnConfig) -> None:
        super().__init__(app)
        if config.speed not in SPEED_NAMES:
            raise GameError(
                f"unknown speed {config.speed!r}; choose one of {', '.join(SPEED_NAMES)}"
            )
        self.session = LearnSession(config)
        self.config = config
        if config.resume:
            trainer = self.session.trainer
            run = self.session.run
            app.notify(
                f"continuing run {run.name if run else ''}: {trainer.episodes:,} games, "
                f"{trainer.steps:,} steps learnt so far"
            )
            for note in self.session.notes:
                app.notify(f"note: {note}")
        self.view: View = games.view_class(config.game)(self.session.env, app.assets)
        self.speed = config.speed
        self.paused = False
        self.show_overlay = True
        self.zoomed = False
        game = games.spec(config.game).title
        map_name = getattr(self.session.env, "map_name", None)
        if map_name:
            game += f" · {map_name}"
        self.title = f"{game} · Learn {kinds.kind(config.agent).title}"
        self.board_rect = pygame.Rect(0, 0, 1, 1)
        self._message_area = pygame.Rect(0, 0, 1, 1)
        self._canvas: pygame.Surface | None = None
        self._frames_since_draw = 0
        self._must_redraw = True
        self._draw_seconds = 0.0
        self._q_cache: dict[str, Any] = {}
        self._q_cache_time = 0.0
        self._q_cache_stale = True
        self._reading_time = time.perf_counter() - READING_SECONDS + FIRST_READING_SECONDS
        self._report: dict[str, Any] = self.session.agent.memory_report()
        self.epsilon_slider = Slider(
            "exploration ε",
            0.0,
            1.0,
            lambda: float(self.session.trainer.learner.epsilon),
            self._set_epsilon,
        )
        low, high = kinds.kind(config.agent).learning_rates
        self.lr_slider = Slider(
            "learning rate",
            low,
            high,
            lambda: float(self.session.trainer.learner.learning_rate),
            self.session.set_learning_rate,
            log=True,
            fmt="{:.3g}",
        )
        self.speed_buttons = [
            Button(name, lambda name=name: self._set_speed(name)) for name in SPEED_NAMES
        ]
        self.pause_button = Button("Pause", self._toggle_pause)
        self.buttons = [
            self.pause_button,
            Button("Step", self.single_step),
            Button("Reset", self.reset_agent),
            Button("Save", self.save),
        ]

    # ----------------------------------------------------------------- actions
    def _set_epsilon(self, value: float) -> None:
        self.session.set_epsilon(value)
        self._must_redraw = True

    def _set_speed(self, name: str) -> None:
        self.speed = name
        self._must_redraw = True

    def _toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            agent = self.session.agent
            agent.explain, agent.last_update = False, None  # type: ignore[attr-defined]
        self._must_redraw = True

    def single_step(self) -> None:
        """Pause, and train exactly one env step; its update is explained on the board."""
        self.paused = True
        agent = self.session.agent
        agent.explain = True  # type: ignore[attr-defined]
        self.session.advance(1, STEP_BUDGET_SECONDS)
        self._must_redraw = self._q_cache_stale = True

    def reset_agent(self) -> None:
        """Start again from nothing in a new run; the agent so far is saved in its own
        run first, and stays there."""
        kept = self.save(quiet=True) if self.session.dirty else self.session.saved
        self.session.reset()
        self._report = self.session.agent.memory_report()
        where = f"; the last one is kept ({shown_path(kept.parent)})" if kept else ""
        self.app.notify(f"a new agent: it knows nothing yet{where}", 4.0)
        self._must_redraw = self._q_cache_stale = True

    def save(self, *, quiet: bool = False) -> Path | None:
        """Save the agent into its run and say where (unless ``quiet``); a failure is
        said, and the next autosave tries again a full interval later."""
        try:
            path = self.session.save()
        except (OSError, GameError) as error:
            self.session.saved_time = time.monotonic()
            self.app.message(f"could not save the agent: {error}")
            return None
        if not quiet:
            games_played = self.session.trainer.episodes
            self.app.notify(f"saved: {games_played:,} games, in run {path.parent.name}", 4.0)
        return path

    def edit_cell(self, row: int, col: int) -> None:
        """Change a board cell while the agent learns (:meth:`~games.core.Env.edit_cell`:
        the gridworld cycles floor -> wall -> pit -> goal -> floor)."""
        try:
            note = self.session.env.edit_cell(row, col)
        except GameError as error:
            self.app.message(str(error), 2.5)
            return
        if note:
            self.app.message(note)
        self._must_redraw = True

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN:
            self._key(event)
            return
        if event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            widgets = [self.epsilon_slider, self.lr_slider, *self.speed_buttons, *self.buttons]
            for widget in widgets if not self.zoomed else []:
                if widget.handle_event(event):
                    self._must_redraw = True
                    return
            if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                self._click_board(event.pos)

    def _key(self, event: pygame.event.Event) -> None:
        key = event.key
        if key == pygame.K_ESCAPE:
            self.app.pop()
        elif key in (pygame.K_SPACE, pygame.K_p):
            self._toggle_pause()
        elif key in (pygame.K_PERIOD, pygame.K_s) and not event.mod & pygame.KMOD_CTRL:
            self.single_step()
        elif key == pygame.K_s or key == pygame.K_k:
            self.save()
        elif key == pygame.K_r:
            self.reset_agent()
        elif key == pygame.K_q:
            self.show_overlay = not self.show_overlay
        elif key == pygame.K_z:
            self.zoomed = not self.zoomed
        elif key == pygame.K_e:
            self.session.resume_schedule()
            self.app.notify("ε follows the schedule again", 2.0)
        elif key in _SPEED_KEYS:
            self._set_speed(SPEED_NAMES[_SPEED_KEYS.index(key)])
        self._must_redraw = True

    def _click_board(self, pos: tuple[int, int]) -> None:
        if games.spec(self.config.game).maps is None:
            return
        cell = self.view.cell_at(self.board_rect, pos)
        if cell is not None:
            self.edit_cell(*cell)

    # ----------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        session = self.session
        if not self.paused:
            steps = dict(SPEEDS)[self.speed]
            session.advance(steps, TURBO_SECONDS if steps is None else self.step_budget())
        now = time.perf_counter()
        if now - self._reading_time >= READING_SECONDS:
            self._reading_time = now
            session.trainer.metrics.tick(session.trainer.steps, session.trainer.episodes)
            self._report = session.sample_memory()
        if session.autosave_due():
            self.save(quiet=True)
        for text, error in session.events:
            (self.app.message if error else self.app.notify)(text)
        session.events.clear()

    def step_budget(self) -> float:
        """Seconds of training this frame at a speed other than turbo: what a 60 FPS
        frame leaves after the last drawing."""
        left = FRAME_SECONDS - self._draw_seconds - 0.002
        return min(STEP_BUDGET_SECONDS, max(MIN_STEP_BUDGET_SECONDS, left))

    # ----------------------------------------------------------------- drawing
    def draw(self, surface: pygame.Surface) -> None:
        self._frames_since_draw += 1
        turbo = dict(SPEEDS)[self.speed] is None and not self.paused
        size_changed = self._canvas is None or self._canvas.get_size() != surface.get_size()
        if (
            turbo
            and not self._must_redraw
            and not size_changed
            and self._frames_since_draw < TURBO_REDRAW_FRAMES
        ):
            surface.blit(self._canvas, (0, 0))  # type: ignore[arg-type]
            return
        start = time.perf_counter()
        self._draw_scene(surface)
        # A slow average: one frame's hiccup should not starve the next frames' training.
        self._draw_seconds += 0.2 * (time.perf_counter() - start - self._draw_seconds)
        self._frames_since_draw = 0
        self._must_redraw = False
        if turbo:
            if size_changed:
                self._canvas = pygame.Surface(surface.get_size())
            self._canvas.blit(surface, (0, 0))  # type: ignore[union-attr]
        else:
            self._canvas = None

    def _draw_scene(self, surface: pygame.Surface) -> None:
        hud = self.app.hud
        area = surface.get_rect()
        size = max(14, min(30, area.height // 26))
        bar = int(size * 1.7)
        top = pygame.Rect(area.left, area.top, area.width, bar)
        bottom = pygame.Rect(area.left, area.bottom - bar, area.width, bar)
        middle = pygame.Rect(area.left, top.bottom, area.width, bottom.top - top.bottom)
        panel_width = 0 if self.zoomed else max(240, min(460, int(area.width * 0.4)))
        board = pygame.Rect(
            middle.left, middle.top, max(1, middle.width - panel_width), middle.height
        )
        self._message_area = board
        self.board_rect = fit_rect(board, self.view.aspect, margin=max(4, size // 3))
        self.view.draw(surface, self.board_rect, self.overlay())
        if panel_width:
            panel = pygame.Rect(board.right, middle.top, area.right - board.right, middle.height)
            self.draw_panel(surface, panel)
        trainer = self.session.trainer
        counts = f"game {trainer.episodes + 1:,} · {trainer.steps:,} steps"
        hud.bar(surface, top, [self.title, self.view.status(), counts], size)
        hud.bar(surface, bottom, self._hints(), max(12, size - 4))
        if self.paused:
            # In the top bar, not on the board, where it would hide a Q-value.
            badge = hud.assets.font(size).size("PAUSED")[0] + size
            box = pygame.Rect(top.right - badge - size // 3, top.top + 3, badge, top.height - 6)
            hud.panel(surface, box, colours.SELECTED, colours.ACCENT)
            hud.text(surface, "PAUSED", box.center, size, colours.ACCENT, "center")
            if getattr(self.session.agent, "explain", False):
                draw_update(
                    surface,
                    hud,
                    board,
                    self.session.agent,
                    self.session.env,
                    self.view,
                    self.board_rect,
                    max(12, size - 4),
                )

    def message_area(self, area: pygame.Rect) -> pygame.Rect:
        """Messages go over the board's side of the window, never over the panel's
        sliders and buttons."""
        return self._message_area.clip(area) if self._message_area.width > 1 else area

    def overlay(self) -> Overlay | None:
        """The learner's Q-values for the board. The overlay cache (the gridworld's value
        of every cell) is renewed every :data:`OVERLAY_SECONDS` while the agent learns,
        and at once after a single step or a new agent."""
        if not self.show_overlay:
            return None
        agent, env = self.session.agent, self.session.env
        now = time.perf_counter()
        if self._q_cache_stale or now - self._q_cache_time >= OVERLAY_SECONDS:
            self._q_cache = {}
            self._q_cache_time = now
            self._q_cache_stale = False
        q = None if env.done else agent.q_values(env.observe(), env.action_mask())
        return Overlay(
            q_values=q,
            q_for_obs=lambda obs: agent.q_values(obs),
            label=self.config.agent,
            cache=self._q_cache,
        )

    def draw_panel(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Counters, speed, the learning curve, the sliders, memory and the buttons."""
        hud = self.app.hud
        session, trainer = self.session, self.session.trainer
        metrics = trainer.metrics
        pygame.draw.rect(surface, colours.PANEL, rect)
        pygame.draw.line(surface, colours.PANEL_EDGE, rect.topleft, rect.bottomleft, 2)
        pad = max(6, rect.width // 40)
        ts = max(12, min(20, rect.height // 34))
        line = int(ts * 1.25)
        x, width = rect.left + pad, rect.width - 2 * pad
        y = rect.top + pad // 2

        rates = (
            f"{metrics.steps_per_second:,.0f} steps/s · {metrics.episodes_per_second:,.1f} games/s"
        )
        hud.text(surface, rates, (x, y), ts, colours.TEXT)
        y += line

        hud.text(surface, "speed", (x, y + ts // 2 + 2), ts, colours.DIM, "midleft")
        label_w = hud.assets.font(ts).size("speed ")[0]
        chip_w = (width - label_w) // len(self.speed_buttons)
        for i, button in enumerate(self.speed_buttons):
            button.rect = pygame.Rect(x + label_w + i * chip_w, y, chip_w - 3, ts + 6)
            button.active = button.label == self.speed
            button.draw(surface, hud, ts)
        y += ts + 6 + pad

        # What is left goes to the two plots: the learning curve gets most of it.
        fixed = 2 * (2 * line + 4) + 3 * line + (ts + 10) + 2 * pad + line
        room = max(0, rect.bottom - y - fixed)
        curve_h = int(room * 0.68)
        memory_h = room - curve_h
        draw_plot(
            surface,
            pygame.Rect(x, y, width, curve_h),
            hud,
            session.curves,
            title=session.curve_title,
            y_range=session.curve_range,
            y_format=session.curve_format,
            x_label="{x:,.0f} games",
            text_size=max(11, ts - 3),
        )
        y += curve_h + pad // 2

        self.epsilon_slider.note = "manual (E: schedule)" if session.epsilon_manual else "schedule"
        for slider in (self.epsilon_slider, self.lr_slider):
            slider.rect = pygame.Rect(x, y, width, 2 * line)
            slider.draw(surface, hud, ts)
            y += 2 * line + 4
        loss = metrics.recent_loss()
        loss_name = "loss" if kinds.kind(session.kind).network else "TD error"
        loss_text = f"{loss_name} {loss:.4g}" if loss is not None else f"{loss_name} -"
        hud.text(surface, loss_text, (x, y), ts, colours.TEXT)
        y += line

        for text, colour in self._memory_lines():
            words = text
            fitted = hud.fit_text(words, width, ts)
            hud.text(surface, words, (x, y), fitted, colour)
            y += line
        draw_plot(
            surface,
            pygame.Rect(x, y, width, memory_h),
            hud,
            [session.memory],
            title="Q-function memory",
            y_range=(0.0, max(1024.0, max((v for _, v in session.memory.points), default=0) * 1.1)),
            y_format=size_text,
            text_size=max(11, ts - 3),
        )
        y += memory_h + pad // 2

        self.pause_button.label = "Resume" if self.paused else "Pause"
        button_w = width // len(self.buttons)
        for i, button in enumerate(self.buttons):
            button.rect = pygame.Rect(x + i * button_w, y, button_w - 4, ts + 10)
            button.draw(surface, hud, ts)
        y += ts + 10 + pad // 2
        where = "not saved yet: a new run"
        if session.saved is not None and session.run is not None:
            ago = time.monotonic() - session.saved_time
            where = f"saved {ago:.0f} s ago · run {session.run.name}"
        hud.text(surface, where, (x, y), hud.fit_text(where, width, ts - 2), colours.DIM)

    def _memory_lines(self) -> list[tuple[str, tuple[int, int, int]]]:
        """The Q-function's cost: a table's states and entries, or a network's parameters
        (and its replay buffer), with the trade in a word."""
        report = self._report
        size = size_text(report.get("bytes", 0))
        if report.get("kind") == "table":
            from qarcade.agents.discretise import ExactDiscretiser

            exact = isinstance(getattr(self.session.agent, "discretiser", None), ExactDiscretiser)
            return [
                (
                    f"Q-table: {report.get('states', 0):,} states, "
                    f"{report.get('entries', 0):,} entries, {size}",
                    colours.TEXT,
                ),
                (
                    "a row per state: grows with every new state it meets"
                    if exact
                    else "a coarse grid: states that look alike share a row",
                    colours.DIM,
                ),
            ]
        if report.get("kind") == "network":
            return [
                (
                    f"Q-network: {report.get('parameters', 0):,} parameters, {size}",
                    colours.TEXT,
                ),
                (
                    f"fixed size; its replay buffer: {report.get('replay_transitions', 0):,} "
                    f"transitions, {size_text(report.get('replay_bytes', 0))}",
                    colours.DIM,
                ),
            ]
        return [("no memory report", colours.DIM), ("", colours.DIM)]

    def _hints(self) -> list[str]:
        hints = [
            "H help",
            "Esc menu",
            "Space pause",
            ". step",
            "1-5 speed",
            "R reset",
            "Ctrl+S save",
        ]
        if games.spec(self.config.game).maps is not None:
            hints.append("click: edit cell")
        return hints

    def keys(self) -> list[tuple[str, str]]:
        keys = [
            ("Space / P", "pause / resume training"),
            (". or S", "one training step (pauses)"),
            ("1 2 3 4 5", "speed: 1, 10, 100, 1000 steps a frame, turbo"),
            ("R", "reset: a new agent that knows nothing"),
            ("Ctrl+S / K", "save the agent (Versus can load the ladder)"),
            ("Q", "Q-values on the board on / off"),
            ("Z", "zoom the board (hides the panel)"),
            ("E", "epsilon back to its schedule after the slider"),
            ("Mouse", "drag the ε and learning-rate sliders; click the buttons"),
        ]
        if games.spec(self.config.game).maps is not None:
            keys.append(("Click a cell", "floor -> wall -> pit -> goal (not the start)"))
        return keys

    def on_exit(self) -> None:
        """Leaving Learn (Esc, or closing the window) saves what was learnt."""
        if self.app.assets.audio:
            pygame.mixer.stop()
        self.session.close()
        if self.session.trainer.steps == 0 or not self.session.dirty:
            return
        try:
            path = self.session.save()
        except (OSError, GameError) as error:
            print(f"qarcade: could not save the Learn agent: {error}")
            return
        print(f"qarcade: Learn saved the agent to {path}")
        games_played = self.session.trainer.episodes
        self.app.notify(f"Learn saved the agent: {games_played:,} games, run {path.parent.name}")


_SPEED_KEYS = (pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4, pygame.K_5)
