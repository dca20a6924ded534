"""Compare mode: the table and the network learn the same world side by side.

The seed's idea made visible: a Q-table holds one score per action for every state it
meets; a network approximates the same Q-function in a fixed number of parameters, at
the price of slower learning. Two :class:`~app.learn_session.LearnSession` s, a tabular
one and a DQN one, learn the same game from the same seed, each drawn on its own board
with its Q-values; one plot overlays their learning curves against env steps, another
against the seconds each has spent learning; a memory bar each shows the table's bytes
against the network's (its replay buffer apart), growing live; and where an exact answer
exists (:func:`agents.evaluation.optimality_check`) the moment each first plays
optimally is marked on both plots.

In the gridworld a click edits the cell on both maps, and both learners must relearn
around it. With ``network="maps"`` the right side is instead the map-reading DQN
(:data:`MAP_READER`, trained on a stream of random maps): it reads the map it is shown,
so it plays well at once and plays on after an edit while the table relearns; it keeps
learning, from where it was.

Both sides get the same speed (steps per frame) and half of each frame's training time;
pause and single step act on both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pygame

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.evaluation import optimality_check
from qarcade.agents.explain import Explainer
from qarcade.agents.training import EpisodeStats, Trainer
from qarcade.app import hud as colours
from qarcade.app.hud import bars
from qarcade.app.learn_session import CURVE_WINDOW, SPEEDS, LearnConfig, LearnSession
from qarcade.app.plot import draw_plot
from qarcade.app.scenes.learn import (
    OVERLAY_SECONDS,
    READING_SECONDS,
    STEP_BUDGET_SECONDS,
    TURBO_SECONDS,
    TrainingScene,
    draw_update,
)
from qarcade.app.series import Series
from qarcade.app.window import App
from qarcade.games.core import GameError
from qarcade.games.files import size_text
from qarcade.games.view import Overlay, View, fit_rect

#: The learners compared, left to right, and their colours on the plots.
SIDES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("tabular", (96, 200, 255)),
    ("dqn", (255, 196, 64)),
)
#: The network sides Compare can show: a DQN that learns from nothing, or the
#: map-reading DQN that learnt on random maps (games with a map observation).
NETWORKS = ("dqn", "maps")
#: The map-reading DQN's file (made by the command in assets/agents/README.md).
MAP_READER = "gridworld-maps-dqn.safetensors"
#: Seconds between two exact checks of one side's greedy policy, and at least this many
#: times what the last check took: a check sweeps every state, and its time is not
#: counted as learning.
CHECK_SECONDS, CHECK_SHARE = 1.0, 10
MEMORY_COLOUR = (150, 100, 210)
#: The env-steps plot turns logarithmic once one curve reaches this many times further
#: than the other (at turbo the table runs many more steps than the network in the same
#: seconds): on a linear axis the shorter curve would fill less than this share of it.
LOG_STEPS_RATIO = 10.0


@dataclass
class CompareConfig:
    """What to compare.

    Attributes:
        game: registry name.
        options: env options the person chose (e.g. ``{"map": "maze"}``).
        seed: seeds both envs and both agents.
        speed: one of :data:`app.learn_session.SPEED_NAMES`.
        network: the right side, one of :data:`NETWORKS`.
    """

    game: str
    options: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    speed: str = "100"
    network: str = "dqn"


class CompareSide(LearnSession):
    """One learner of Compare: a :class:`LearnSession` that keeps no files, with its
    curve against env steps and against its own learning seconds, and the moments its
    greedy policy became optimal.

    Attributes:
        seconds: wall-clock seconds spent learning (in :meth:`advance`).
        by_steps, by_seconds: the learning curve against env steps and seconds.
        optimal: whether the greedy policy was optimal at the last check (None: the game
            has no exact answer).
        optimal_marks: ``(steps, seconds)`` of every moment it became optimal.
    """

    #: The side's name on its board and plots (default: its learner kind's title).
    title = ""

    def __init__(self, config: LearnConfig, colour: tuple[int, int, int]) -> None:
        self.colour = colour
        self.seconds = 0.0
        self.title = self.title or kinds.kind(config.agent).title
        self.by_steps = Series(self.title, colour, window=1)
        self.by_seconds = Series(self.title, colour, window=1)
        self.optimal: bool | None = None
        self.optimal_marks: list[tuple[float, float]] = []
        self._next_check = 0.0
        super().__init__(config)
        self._check = optimality_check(self.env)
        self.optimal = None if self._check is None else False

    def _attach(self, trainer: Trainer) -> None:
        super()._attach(trainer)
        self.seconds = 0.0
        self.by_steps.clear()
        self.by_seconds.clear()
        self.optimal_marks = []
        self._next_check = 0.0

    def advance(self, steps: int | None, budget: float) -> int:
        start = time.perf_counter()
        done = super().advance(steps, budget)
        self.seconds += time.perf_counter() - start
        self.check_optimal()
        return done

    def _episode_done(self, trainer: Trainer, stats: EpisodeStats) -> None:
        curve = self.curves[0]
        count = curve.count
        super()._episode_done(trainer, stats)
        if curve.count != count:
            self.by_steps.add(curve.average, trainer.steps)
            self.by_seconds.add(curve.average, self.seconds)

    def _save_rung(self, games_played: int) -> None:
        """Compare keeps no ladder: its runs are for watching."""

    def check_optimal(self, *, now: bool = False) -> None:
        """Grade the greedy policy exactly (at most every :data:`CHECK_SECONDS`, or
        ``now``) and mark the moment it becomes optimal."""
        if self._check is None:
            return
        clock = time.perf_counter()
        if not now and clock < self._next_check:
            return
        optimal = self._check(self.agent)
        cost = time.perf_counter() - clock
        self._next_check = clock + max(CHECK_SECONDS, CHECK_SHARE * cost)
        if optimal and not self.optimal:
            self.optimal_marks.append((float(self.trainer.steps), self.seconds))
        self.optimal = optimal

    def map_changed(self) -> None:
        """The map was edited: what was optimal may not be any more."""
        if self._check is not None:
            self._check = optimality_check(self.env)
            self.optimal = False
            self.check_optimal(now=True)


class MapReaderSide(CompareSide):
    """The map-reading DQN as Compare's network side: the shipped agent
    (:data:`MAP_READER`) on this map, learning on from what it knows; a reset starts
    from the shipped agent again."""

    title = "Map-reading DQN"

    def reset(self) -> None:
        from qarcade.agents.checkpoints import load_agent
        from qarcade.agents.dqn import DQNAgent, map_reader_for
        from qarcade.app.players import AGENTS_DIR

        path = AGENTS_DIR / MAP_READER
        if not path.is_file():
            raise GameError(
                f"the map-reading DQN {path} is missing; make it with the command in "
                "assets/agents/README.md"
            )
        source = load_agent(path, kind="dqn")
        assert isinstance(source, DQNAgent)
        self.run = None
        self.saved = None
        self.agent = map_reader_for(self.env, source)
        trainer = Trainer(
            self.env,
            self.agent,
            seed=self.config.seed,
            steps=self.agent.config.total_timesteps,
            window=CURVE_WINDOW,
        )
        trainer.schedule = None  # it explores at its config's end_e: it has learnt
        self._attach(trainer)


class CompareScene(TrainingScene):
    """Compare mode in the window (see the module docstring)."""

    reset_help = "two new agents that know nothing"
    maps_edited = "both maps"

    def __init__(self, app: App, config: CompareConfig) -> None:
        super().__init__(app, config.game, config.speed)
        if config.network not in NETWORKS:
            raise GameError(
                f"unknown network {config.network!r}; choose one of {', '.join(NETWORKS)}"
            )
        self.config = config
        self.sides: list[CompareSide] = []
        try:
            for kind, colour in SIDES:
                options, side_class = config.options, CompareSide
                if kind == "dqn" and config.network == "maps":
                    options, side_class = {**options, "obs_mode": "map"}, MapReaderSide
                learn = LearnConfig(config.game, kind, options=options, seed=config.seed)
                self.sides.append(side_class(learn, colour))
        except BaseException:
            for side in self.sides:
                side.close()
            raise
        self.views: list[View] = [
            games.view_class(config.game)(s.env, app.assets) for s in self.sides
        ]
        self.board_rects = [pygame.Rect(0, 0, 1, 1) for _ in self.sides]
        title = games.spec(config.game).title
        map_name = getattr(self.sides[0].env, "map_name", None)
        self.title = f"{title} · {map_name} · Compare" if map_name else f"{title} · Compare"
        self._q_caches: list[dict[str, Any]] = [{} for _ in self.sides]
        self._q_time = 0.0
        self._reading_time = 0.0
        self._reports = [s.agent.memory_report() for s in self.sides]

    # ----------------------------------------------------------------- actions
    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            for side in self.sides:
                if isinstance(side.agent, Explainer):
                    side.agent.explain, side.agent.last_update = False, None

    def single_step(self) -> None:
        """Pause, and train each learner exactly one env step; each update is explained
        on its board."""
        self.paused = True
        for side in self.sides:
            if isinstance(side.agent, Explainer):
                side.agent.explain = True
            side.advance(1, STEP_BUDGET_SECONDS)
        self._q_time = 0.0

    def reset_agents(self) -> None:
        """Both learners start again from nothing."""
        for side in self.sides:
            side.reset()
            side.check_optimal(now=True)
        self._reports = [s.agent.memory_report() for s in self.sides]
        self.app.message("two new agents: they know nothing yet", 2.5)

    def edit_cell(self, row: int, col: int) -> None:
        """Change a board cell on both maps alike (:meth:`~games.core.Env.edit_cell`: the
        gridworld cycles floor -> wall -> pit -> goal -> floor)."""
        try:
            notes = [side.env.edit_cell(row, col) for side in self.sides]
        except GameError as error:
            self.app.message(str(error), 2.5)
            return
        if notes[0]:
            self.app.message(notes[0])
        for side in self.sides:
            side.map_changed()
        self._q_time = 0.0

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN:
            self.keymap.handle(self, event)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for button in (*self.speed_buttons, *self.buttons):
                if button.handle_event(event):
                    return
            if self.can_edit_map:
                for view, rect in zip(self.views, self.board_rects, strict=True):
                    cell = view.cell_at(rect, event.pos)
                    if cell is not None:
                        self.edit_cell(*cell)
                        return

    # ----------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        if not self.paused:
            steps = dict(SPEEDS)[self.speed]
            budget = TURBO_SECONDS if steps is None else STEP_BUDGET_SECONDS
            for side in self.sides:
                side.advance(steps, budget / len(self.sides))
        now = time.perf_counter()
        if now - self._reading_time >= READING_SECONDS:
            self._reading_time = now
            for side in self.sides:
                side.trainer.metrics.tick(side.trainer.steps, side.trainer.episodes)
            self._reports = [s.sample_memory() for s in self.sides]

    # ----------------------------------------------------------------- drawing
    def draw(self, surface: pygame.Surface) -> None:
        hud = self.app.hud
        area = surface.get_rect()
        size = max(14, min(28, area.height // 28))
        top, middle, bottom = bars(area, size)
        hud.bar(surface, top, [self.title, self._speed_text()], size)
        hud.bar(surface, bottom, self.hints(), max(12, size - 4))
        ts = max(12, min(18, middle.height // 36))
        line = int(ts * 1.3)
        boards_h = int(middle.height * 0.56)
        half = middle.width // len(self.sides)
        now = time.perf_counter()
        if now - self._q_time >= OVERLAY_SECONDS:
            self._q_caches = [{} for _ in self.sides]
            self._q_time = now
        for i, (side, view) in enumerate(zip(self.sides, self.views, strict=True)):
            column = pygame.Rect(middle.left + i * half, middle.top, half, boards_h)
            self._draw_side(surface, column, side, view, i, ts, line)
        controls = pygame.Rect(middle.left, middle.top + boards_h, middle.width, ts + 10)
        self._draw_controls(surface, controls, ts)
        lower = pygame.Rect(middle.left, controls.bottom + 2, middle.width, 0)
        lower.height = middle.bottom - lower.top
        self._draw_plots(surface, lower, ts)
        if self.paused:
            hud.text(surface, "PAUSED", (area.centerx, top.bottom + size), size, colours.ACCENT,
                     "center")  # fmt: skip

    def _draw_side(
        self,
        surface: pygame.Surface,
        column: pygame.Rect,
        side: CompareSide,
        view: View,
        index: int,
        ts: int,
        line: int,
    ) -> None:
        """One learner's board with its Q-values, its counters and its memory bar."""
        hud = self.app.hud
        pad = max(4, ts // 3)
        explaining = self.paused and getattr(side.agent, "explain", False)
        # Room under the board for the explained update's three lines.
        text_h = (6 if explaining else 3) * line + pad
        board = pygame.Rect(column.left, column.top, column.width, column.height - text_h)
        self.board_rects[index] = fit_rect(board, view.aspect, margin=pad)
        agent, env = side.agent, side.env
        q = None if env.done else agent.q_values(env.observe(), env.action_mask())
        overlay = Overlay(
            q_values=q,
            q_for_obs=agent.q_values,
            label=side.kind,
            cache=self._q_caches[index],
        )
        view.draw(surface, self.board_rects[index], overlay)
        if explaining:
            below = pygame.Rect(column.left, board.bottom, column.width, 3 * line + 8)
            draw_update(surface, hud, below, agent, env, view, self.board_rects[index], ts)
            board.height += 3 * line + 8
        x, y = column.left + pad, board.bottom
        width = column.width - 2 * pad
        trainer = side.trainer
        name = side.title
        head = (
            f"{name}: {trainer.steps:,} steps · {side.seconds:.1f} s learning · "
            f"game {trainer.episodes + 1:,}"
        )
        hud.text(surface, head, (x, y), hud.fit_text(head, width, ts), side.colour)
        y += line
        hud.text(surface, self._optimal_text(side), (x, y), ts, colours.TEXT)
        y += line
        self._draw_memory(surface, pygame.Rect(x, y, width, line - 2), side, index, ts)

    def _draw_controls(self, surface: pygame.Surface, rect: pygame.Rect, ts: int) -> None:
        """The speed chips and the Pause, Step and Reset buttons, in one row."""
        hud = self.app.hud
        pad = max(4, ts // 2)
        self.pause_button.label = "Resume" if self.paused else "Pause"
        widgets = [*self.speed_buttons, *self.buttons]
        width = (rect.width - 2 * pad) // len(widgets)
        for i, button in enumerate(widgets):
            button.rect = pygame.Rect(rect.left + pad + i * width, rect.top + 2, width - 4,
                                      rect.height - 4)  # fmt: skip
            if button in self.speed_buttons:
                button.active = button.label == self.speed
            button.draw(surface, hud, ts)

    def _optimal_text(self, side: CompareSide) -> str:
        if side.optimal is None:
            return "no exact answer to grade against in this game"
        if side.optimal and side.optimal_marks:
            steps, seconds = side.optimal_marks[-1]
            return f"plays optimally since {steps:,.0f} steps ({seconds:.1f} s)"
        return "not optimal yet"

    def _draw_memory(
        self, surface: pygame.Surface, rect: pygame.Rect, side: CompareSide, index: int, ts: int
    ) -> None:
        """A bar of the Q-function's bytes on a scale shared by both sides, with its
        numbers; a network's replay buffer is said apart (it holds experience, not the
        Q-function, and would dwarf both)."""
        hud = self.app.hud
        report = self._reports[index]
        largest = max(max(1, r.get("bytes", 0)) for r in self._reports)
        q_bytes = report.get("bytes", 0)
        pygame.draw.rect(surface, (22, 25, 38), rect)
        width = max(1, round(rect.width * q_bytes / largest))
        pygame.draw.rect(surface, MEMORY_COLOUR, (rect.left, rect.top, width, rect.height))
        if report.get("kind") == "table":
            words = f"table: {report.get('entries', 0):,} entries, {size_text(q_bytes)}"
        else:
            words = (
                f"network: {report.get('parameters', 0):,} parameters, {size_text(q_bytes)}"
                f" (replay buffer apart: {size_text(report.get('replay_bytes', 0))})"
            )
        size = hud.fit_text(words, rect.width - 8, ts - 2)
        hud.text(surface, words, (rect.left + 4, rect.centery), size, colours.TEXT, "midleft")

    def _draw_plots(self, surface: pygame.Surface, rect: pygame.Rect, ts: int) -> None:
        """The learning curves against env steps and against seconds, side by side, with
        the first-optimal moments marked."""
        hud = self.app.hud
        pad = max(4, ts // 2)
        half = (rect.width - 3 * pad) // 2
        what = self.sides[0].curve_title
        for i, (x_label, axis) in enumerate((("{x:,.0f} env steps", 0), ("{x:,.1f} s", 1))):
            plot = pygame.Rect(rect.left + pad + i * (half + pad), rect.top + pad // 2, half,
                               rect.height - pad)  # fmt: skip
            series = [s.by_steps if axis == 0 else s.by_seconds for s in self.sides]
            marks = [(mark[axis], s.colour) for s in self.sides for mark in s.optimal_marks]
            draw_plot(
                surface,
                plot,
                hud,
                series,
                title=f"{what} vs {'env steps' if axis == 0 else 'seconds learning'}",
                y_range=self.sides[0].curve_range,
                y_format=self.sides[0].curve_format,
                x_label=x_label,
                text_size=max(11, ts - 2),
                marks=marks,
                log_x=axis == 0 and _far_apart(series),
            )

    def _speed_text(self) -> str:
        return f"speed {self.speed} (1-5)" + (" · paused" if self.paused else "")

    def on_exit(self) -> None:
        for side in self.sides:
            side.close()


def _far_apart(series: list[Series]) -> bool:
    """Whether one curve's last x is :data:`LOG_STEPS_RATIO` times another's or more."""
    ends = [s.points[-1][0] for s in series if s.points]
    return len(ends) > 1 and min(ends) > 0 and max(ends) >= LOG_STEPS_RATIO * min(ends)
