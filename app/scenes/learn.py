"""Learn mode: an agent that starts knowing nothing trains in the window while you watch.

:class:`LearnScene` drives a :class:`~app.learn_session.LearnSession` (the training side,
which draws nothing and imports no pygame) between frames and draws it: the board with
the agent's Q-values on it (through the views' :class:`~games.view.Overlay`), and a side
panel with the learning curve, epsilon and learning-rate sliders, the loss, the speed,
and what the Q-function costs in memory (an exact table's entries and bytes grow with
every state it meets, a network's parameters stay fixed).

Speed is steps per frame, each frame's training capped at what the frame leaves (at
most :data:`STEP_BUDGET_SECONDS`) so the window keeps 60 FPS; turbo trains for
:data:`TURBO_SECONDS` every frame and redraws only every :data:`TURBO_REDRAW_FRAMES`
frames, which is what keeps its throughput close to the headless command's.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import pygame

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.agents.explain import Explainer
from qarcade.app import hud as colours
from qarcade.app.hud import bars
from qarcade.app.keymap import Binding, Ctrl, Keymap
from qarcade.app.learn_session import SPEED_NAMES, SPEEDS, LearnConfig, LearnSession
from qarcade.app.plot import draw_plot
from qarcade.app.widgets import Button, Slider
from qarcade.app.window import App, Scene
from qarcade.games.core import Env, GameError
from qarcade.games.files import size_text
from qarcade.games.view import Overlay, View, fit_rect

#: The most wall-clock time one frame spends training at the counted speeds: 60 FPS
#: leaves 16.7 ms a frame, and the rest is for events, drawing and the flip.
STEP_BUDGET_SECONDS = 0.012
#: What one turbo frame spends training: more than a 60 FPS frame allows, since turbo
#: frames only blit the last picture and throughput is the point.
TURBO_SECONDS = 0.016
#: At turbo the scene is redrawn every this many frames (between them the last picture
#: is shown again, which costs one blit).
TURBO_REDRAW_FRAMES = 10
#: At the other speeds training gets what a 60 FPS frame leaves after drawing (the last
#: draw's time), between these bounds.
FRAME_SECONDS = 1 / 60
MIN_STEP_BUDGET_SECONDS = 0.004
#: The gridworld's overlay (a Q lookup and a coloured tile per cell) is rebuilt at most
#: this often while the agent learns.
OVERLAY_SECONDS = 0.1
#: Seconds between the steps-per-second readings and memory samples (the first comes
#: sooner, so the panel has numbers at once).
READING_SECONDS = 0.5
FIRST_READING_SECONDS = 0.1

#: The keys of every scene that trains (Learn, Compare): pause, step, speed, reset, and a
#: click that edits the map.
TRAINING_KEYS = Keymap(
    Binding(
        (pygame.K_SPACE, pygame.K_p),
        "toggle_pause",
        "Space / P",
        "pause / resume training",
        "Space pause",
    ),
    Binding(
        (pygame.K_PERIOD, pygame.K_s),
        "single_step",
        ". or S",
        "one training step (pauses)",
        ". step",
    ),
    Binding(
        (pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4, pygame.K_5),
        "choose_speed",
        "1 2 3 4 5",
        "speed: 1, 10, 100, 1000 steps a frame, turbo",
        "1-5 speed",
        indexed=True,
    ),
    Binding((pygame.K_r,), "reset_agents", "R", "reset: {s.reset_help}", "R reset"),
    Binding(
        (),
        None,
        "Click a cell",
        "floor -> wall -> pit -> goal on {s.maps_edited} (not the start)",
        "click: edit {s.maps_edited}",
        shown="can_edit_map",
    ),
)


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


def shown_path(path: Path) -> str:
    """``path`` with the home folder written ``~`` (shorter on screen)."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class TrainingScene(Scene):
    """What the scenes that train in the window share (Learn, Compare): the speed, and
    pause, single step and reset, by key (:data:`TRAINING_KEYS`) and by button.

    Args:
        app: the window.
        game: the game learnt (for what a click on the board does).
        speed: the starting speed, one of :data:`SPEED_NAMES`.

    Attributes:
        reset_help: what Reset does, for the help.
        maps_edited: what a click on a cell edits, for the help and the hints bar.
        speed_buttons, pause_button, buttons: the panel's buttons (subclasses add to
            :attr:`buttons`).
    """

    keymap = TRAINING_KEYS
    reset_help: ClassVar[str] = ""
    maps_edited: ClassVar[str] = ""

    def __init__(self, app: App, game: str, speed: str) -> None:
        super().__init__(app)
        if speed not in SPEED_NAMES:
            raise GameError(f"unknown speed {speed!r}; choose one of {', '.join(SPEED_NAMES)}")
        self.game = game
        self.speed = speed
        self.paused = False
        self.speed_buttons = [
            Button(name, partial(self.choose_speed, i)) for i, name in enumerate(SPEED_NAMES)
        ]
        self.pause_button = Button("Pause", self.toggle_pause)
        self.buttons = [
            self.pause_button,
            Button("Step", self.single_step),
            Button("Reset", self.reset_agents),
        ]

    def choose_speed(self, index: int) -> None:
        """Train at the ``index``-th of :data:`SPEEDS`."""
        self.speed = SPEED_NAMES[index]

    def toggle_pause(self) -> None:
        """Pause or resume training."""
        raise NotImplementedError

    def single_step(self) -> None:
        """Pause, and train exactly one env step."""
        raise NotImplementedError

    def reset_agents(self) -> None:
        """Start again from nothing."""
        raise NotImplementedError

    @property
    def can_edit_map(self) -> bool:
        """A click on the board edits the map (a game with maps)."""
        return games.spec(self.game).maps is not None


class LearnScene(TrainingScene):
    """Learn mode in the window (see the module docstring)."""

    reset_help = "a new agent that knows nothing"
    maps_edited = "the map"
    keymap = TrainingScene.keymap + Keymap(
        Binding(
            (Ctrl(pygame.K_s), pygame.K_k),
            "save",
            "Ctrl+S / K",
            "save the agent (Versus can load the ladder)",
            "Ctrl+S save",
        ),
        Binding((pygame.K_q,), "toggle_overlay", "Q", "Q-values on the board on / off"),
        Binding((pygame.K_z,), "toggle_zoom", "Z", "zoom the board (hides the panel)"),
        Binding(
            (pygame.K_e,), "follow_schedule", "E", "epsilon back to its schedule after the slider"
        ),
        Binding((), None, "Mouse", "drag the ε and learning-rate sliders; click the buttons"),
    )

    def __init__(self, app: App, config: LearnConfig) -> None:
        super().__init__(app, config.game, config.speed)
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
        self.buttons.append(Button("Save", self.save))

    # ----------------------------------------------------------------- actions
    def _set_epsilon(self, value: float) -> None:
        self.session.set_epsilon(value)
        self._must_redraw = True

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            agent = self.session.agent
            if isinstance(agent, Explainer):
                agent.explain, agent.last_update = False, None
        self._must_redraw = True

    def single_step(self) -> None:
        """Pause, and train exactly one env step; its update is explained on the board."""
        self.paused = True
        agent = self.session.agent
        if isinstance(agent, Explainer):
            agent.explain = True
        self.session.advance(1, STEP_BUDGET_SECONDS)
        self._must_redraw = self._q_cache_stale = True

    def reset_agents(self) -> None:
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

    def toggle_overlay(self) -> None:
        """The learner's Q-values on the board on or off."""
        self.show_overlay = not self.show_overlay

    def toggle_zoom(self) -> None:
        """The board alone (the panel hidden), or back."""
        self.zoomed = not self.zoomed

    def follow_schedule(self) -> None:
        """Epsilon follows its schedule again after the slider set it."""
        self.session.resume_schedule()
        self.app.notify("ε follows the schedule again", 2.0)

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN:
            self.keymap.handle(self, event)
            self._must_redraw = True
            return
        if event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
            widgets: list[Slider | Button] = [
                self.epsilon_slider,
                self.lr_slider,
                *self.speed_buttons,
                *self.buttons,
            ]
            for widget in widgets if not self.zoomed else []:
                if widget.handle_event(event):
                    self._must_redraw = True
                    return
            if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                self._click_board(event.pos)

    def _click_board(self, pos: tuple[int, int]) -> None:
        if not self.can_edit_map:
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
        canvas = self._canvas
        size_changed = canvas is None or canvas.get_size() != surface.get_size()
        if (
            turbo
            and canvas is not None
            and not self._must_redraw
            and not size_changed
            and self._frames_since_draw < TURBO_REDRAW_FRAMES
        ):
            surface.blit(canvas, (0, 0))
            return
        start = time.perf_counter()
        self._draw_scene(surface)
        # A slow average: one frame's hiccup should not starve the next frames' training.
        self._draw_seconds += 0.2 * (time.perf_counter() - start - self._draw_seconds)
        self._frames_since_draw = 0
        self._must_redraw = False
        if turbo:
            if canvas is None or size_changed:
                canvas = self._canvas = pygame.Surface(surface.get_size())
            canvas.blit(surface, (0, 0))
        else:
            self._canvas = None

    def _draw_scene(self, surface: pygame.Surface) -> None:
        hud = self.app.hud
        area = surface.get_rect()
        size = max(14, min(30, area.height // 26))
        top, middle, bottom = bars(area, size)
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
        hud.bar(surface, bottom, self.hints(), max(12, size - 4))
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
