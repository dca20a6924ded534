"""The game scenes: Play, Versus and Watch, all built from lanes.

A *lane* is one env, the view that draws it and who fills each seat (a person or an
agent). Play is one lane of people (hot seat for tic-tac-toe); Watch is one lane of
agents; Versus is one lane with a person and an agent in a two-player game, or, in a
one-player game, a *race*: two lanes on the same seed side by side, the person's and the
agent's. Both move in real time: in Invaders a tick a frame each, and the better score
wins once both games are over; in a game that races to a goal
(:attr:`games.core.Env.race_to_goal`, the gridworld) the person moves as fast as they
press keys, the agent a step every few frames at the pace the person picked (the speed
choice, :data:`RACE_PACE_FRAMES`), and the first to the goal wins at once.

Everything advances per frame, not per second, so a headless run of N frames always does
the same thing: agents wait a fixed number of frames before moving (so a person sees the
move), and Watch speeds are steps per frame (Max steps for a fixed slice of each frame).
Learn mode (a training loop between frames, a side panel) can subclass
:class:`GameScene`: override :meth:`GameScene.update` to advance the trainer for a slice
of the frame, :meth:`GameScene.panel_width` and :meth:`GameScene.draw_panel` for the side
panel, and give each lane a fresh ``q_cache`` dict (and ``overlay = None``) whenever the
agent has learnt, so the overlays redraw from the new Q-values (see
:class:`games.view.Overlay`).
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np
import pygame

from qarcade import games
from qarcade.agents.base import Agent
from qarcade.app import hud as colours
from qarcade.app.hiscore import HiScore, hiscore_path
from qarcade.app.players import (
    RACE_PACES,
    Opponent,
    PacedAgent,
    load_opponent,
    load_or_fallback,
    pace,
)
from qarcade.app.window import App, Scene
from qarcade.games.core import Env, GameError, StepResult
from qarcade.games.view import Overlay, View, fit_rect

SPEEDS: tuple[str, ...] = ("slow", "normal", "fast", "max")
#: Steps per frame at each Watch speed (None: as many as fit :data:`MAX_SPEED_SECONDS`).
TURN_STEPS_PER_FRAME: dict[str, float | None] = {
    "slow": 1 / 40,
    "normal": 1 / 12,
    "fast": 1 / 3,
    "max": None,
}
REALTIME_STEPS_PER_FRAME: dict[str, float | None] = {
    "slow": 1 / 3,
    "normal": 1.0,
    "fast": 4.0,
    "max": None,
}
#: Frames a finished game stays on screen in Watch before the next starts.
WATCH_END_FRAMES: dict[str, int] = {"slow": 90, "normal": 60, "fast": 20, "max": 0}
#: Seconds of each frame spent stepping at Max speed: the rest is for drawing.
MAX_SPEED_SECONDS = 0.008
#: Frames an agent waits before its move in Versus, so the person sees it happen.
AGENT_DELAY_FRAMES = 24
#: Frames between the agent's moves in a race to a goal at each pace (at 60 FPS).
RACE_PACE_FRAMES: dict[str, int] = {pace: round(60 / rate) for pace, rate in RACE_PACES.items()}


@dataclass
class SceneConfig:
    """What the menu or the command line asked for.

    Attributes:
        game: registry name.
        mode: ``"play"``, ``"versus"`` or ``"watch"``.
        agent: the opponent (Versus), the player (Watch) or the hint giver (Play; may be
            None).
        human_seat: the person's seat in a two-player Versus (0 moves first).
        options: env options the person chose (e.g. ``{"map": "maze"}``).
        seed: the first game's seed; None picks one from the clock.
        speed: the Watch speed, or the agent's pace in a race to a goal.
    """

    game: str
    mode: str = "play"
    agent: str | None = None
    _: KW_ONLY
    human_seat: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    speed: str = "normal"


@dataclass
class Lane:
    """One env on screen, its view and who plays each seat (None: a person).

    Attributes:
        rect: where the view is drawn this frame (set by :meth:`GameScene.layout`).
        pilot: the agent that plays in this lane or gives the person hints, at its
            training pace (None: no agent).
        episode_return: seat 0's rewards so far in this game (the shown game's rewards:
            points in Invaders, never a training penalty).
        last_rewards: every seat's reward of the last step (who won, at the end).
        history: ``(snapshot, mover, episode_return)`` before each step, for undo.
        wait: frames left before the agent moves (or, in Watch, before the next game).
        step_credit: Watch: fractional steps owed at the current speed.
        counted: the finished game is in the tally.
        overlay: this step's overlay, rebuilt after every step.
        q_cache: the overlay cache of this lane's fixed agent, shared by its overlays.
    """

    env: Env
    view: View
    seats: list[Agent | None]
    label: str
    pilot: PacedAgent | None = None
    rect: pygame.Rect = field(default_factory=lambda: pygame.Rect(0, 0, 1, 1))
    episode_return: float = 0.0
    last_rewards: tuple[float, ...] = ()
    history: list[tuple[Any, int, float]] = field(default_factory=list)
    wait: float = 0.0
    step_credit: float = 0.0
    counted: bool = False
    overlay: Overlay | None = None
    q_cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def mover(self) -> Agent | None:
        """Who plays the seat to move (None: a person)."""
        return self.seats[self.env.current_player]

    @property
    def has_person(self) -> bool:
        """True if a person plays any seat of this lane."""
        return any(seat is None for seat in self.seats)


class GameScene(Scene):
    """Play, Versus or Watch one game (see the module docstring)."""

    def __init__(self, app: App, config: SceneConfig) -> None:
        super().__init__(app)
        if config.mode not in ("play", "versus", "watch"):
            raise GameError(f"unknown mode {config.mode!r}; choose play, versus or watch")
        if config.speed not in SPEEDS:
            raise GameError(f"unknown speed {config.speed!r}; choose one of {', '.join(SPEEDS)}")
        self.config = config
        self.mode = config.mode
        self.speed = config.speed
        self.view_cls: type[View] = games.view_class(config.game)
        self.opponent = self._opponent(config)
        shown, self.trained_options = pace(config.game, self.opponent, config.options)
        self.seed = config.seed if config.seed is not None else int(time.time()) % 100_000
        #: A person's best score, where the game keeps one: only a lane a person plays
        #: counts, and every lane shows it.
        spec = games.spec(config.game)
        self.hiscore = HiScore(hiscore_path(config.game)) if spec.keeps_score else None
        self.games_started = 0
        self.lanes = self._make_lanes(config, shown)
        self.paused = False
        #: The lane that reached the goal first in a race to a goal (the race is over).
        self.winner: Lane | None = None
        self.tally: dict[str, int] = {}
        self.returns: list[float] = []
        self.title = self._title()
        self._new_game()
        self.has_q = self._has_q()
        self.show_overlay = self.mode == "watch" and self.has_q

    # ----------------------------------------------------------------- set-up
    def _opponent(self, config: SceneConfig) -> Opponent | None:
        self.hint_error = "no hints: choose an agent under 'Hints from' in the menu (or --hints)"
        if config.agent is None:
            if config.mode == "play":
                return None
            raise GameError(f"{config.mode} needs an agent; pick one with --agent")
        if config.mode == "play":
            # Hints are optional: without the agent the game still plays, without overlay;
            # why there are none is said when the person asks for them (Q).
            try:
                return load_opponent(config.game, config.agent, _with_defaults(config))
            except GameError as error:
                self.hint_error = f"no hints: {error}"
                return None
        opponent, message = load_or_fallback(config.game, config.agent, _with_defaults(config))
        if message:
            self.app.message(message)
        return opponent

    def _make_lanes(self, config: SceneConfig, options: dict[str, Any]) -> list[Lane]:
        agent = self.opponent.agent if self.opponent else None

        def lane(seats: list[Agent | None], label: str, *, paced: bool = True) -> Lane:
            env = games.make(config.game, **options)
            pilot = None
            if agent is not None and paced:
                trained = self.trained_options
                follower = None if trained == options else games.make(config.game, **trained)
                pilot = PacedAgent(agent, env, follower)
            return Lane(env, self.view_cls(env, self.app.assets), seats, label, pilot)

        label = self.opponent.kind if self.opponent else ""
        num_players = games.env_class(config.game).num_players
        if self.mode == "play":
            return [lane([None] * num_players, "")]
        if self.mode == "watch":
            return [lane([agent] * num_players, label)]
        if num_players == 2:
            seats: list[Agent | None] = [agent, agent]
            seats[config.human_seat] = None
            return [lane(seats, label)]
        return [lane([None], "You", paced=False), lane([agent], label)]

    def _title(self) -> str:
        game = games.spec(self.config.game).title
        env = self.lanes[0].env
        if getattr(env, "map_name", None):
            game += f" · {env.map_name}"
        who = self.opponent.kind if self.opponent else ""
        if self.mode == "play":
            return f"{game} · Play"
        if self.mode == "watch":
            return f"{game} · Watch {who}"
        if len(self.lanes) == 1:
            seat = games.spec(self.config.game).seat_name(self.config.human_seat)
            return f"{game} · You ({seat}) vs {who}"
        return f"{game} · Race vs {who}"

    @property
    def overlay_agent(self) -> Agent | None:
        """The agent whose Q-values the overlay shows."""
        return self.opponent.agent if self.opponent else None

    # ----------------------------------------------------------------- games
    def _new_game(self) -> None:
        self._keep_scores()
        seed = self.seed + self.games_started
        self.games_started += 1
        self.winner = None
        for lane in self.lanes:
            lane.env.reset(seed=seed)
            lane.view.on_reset()
            if lane.pilot is not None:
                lane.pilot.reset()
            lane.episode_return = 0.0
            lane.last_rewards = ()
            lane.history.clear()
            lane.counted = False
            lane.overlay = None
            lane.step_credit = 0.0
            lane.wait = self._agent_wait(lane)

    def _agent_wait(self, lane: Lane) -> float:
        """Frames an agent waits before its next move in ``lane`` (only Versus waits)."""
        if self.mode != "versus" or lane.view.realtime:
            return 0
        return AGENT_DELAY_FRAMES if lane.has_person else RACE_PACE_FRAMES[self.speed]

    def _step(self, lane: Lane, action: int | None) -> StepResult:
        """One step of ``lane``: ``action`` is the person's, None the lane's agent's."""
        if self._undo_allowed(lane):
            mover = lane.env.current_player
            lane.history.append((lane.env.snapshot(), mover, lane.episode_return))
        if action is None:
            assert lane.pilot is not None, "a lane without an agent steps on a person's action"
            action = lane.pilot.action()
        result = lane.env.step(action)
        if lane.pilot is not None:
            lane.pilot.after_step()
        info = result[4]
        lane.episode_return += float(info["rewards"][0])
        lane.last_rewards = tuple(info["rewards"])
        lane.view.on_step(action, result)
        lane.overlay = None
        if self.hiscore is not None and lane.has_person:
            self.hiscore.update(lane.episode_return)
        if lane.env.done:
            self._finished(lane)
        return result

    def _keep_scores(self) -> None:
        """Keep the score of each game a person played (over, or left under way) if it
        is a record."""
        if self.hiscore is None:
            return
        for lane in self.lanes:
            if lane.has_person:
                self.hiscore.keep(lane.episode_return)

    def _undo_allowed(self, lane: Lane) -> bool:
        return lane.has_person and not lane.view.realtime and len(self.lanes) == 1

    def _undo(self) -> None:
        lane = self.lanes[0]
        if not self._undo_allowed(lane) or not lane.history:
            return
        if lane.counted:
            self._uncount(lane)
        while lane.history:
            snapshot, mover, episode_return = lane.history.pop()
            if lane.seats[mover] is None:
                break
        lane.env.restore(snapshot)
        lane.episode_return = episode_return
        lane.view.on_reset()
        if lane.pilot is not None:
            lane.pilot.reset()
        lane.overlay = None
        lane.wait = self._agent_wait(lane)

    # ----------------------------------------------------------------- results
    @property
    def race_to_goal(self) -> bool:
        """This is a race won by the first to reach the goal."""
        return len(self.lanes) == 2 and self.lanes[0].env.race_to_goal

    @property
    def over(self) -> bool:
        """Every lane's game is over, or a race to a goal has its winner."""
        return self.winner is not None or all(lane.env.done for lane in self.lanes)

    def _result(self, lane: Lane) -> str:
        """The tally key of a finished game."""
        if lane.env.num_players == 2:
            rewards = lane.last_rewards or (0.0, 0.0)
            if rewards[0] == rewards[1]:
                return "draws"
            winner = int(np.argmax(rewards))
            if self.mode == "versus":
                return "You" if lane.seats[winner] is None else lane.label
            return games.spec(self.config.game).seat_name(winner)
        if self.race_to_goal:
            if self.winner is None:
                return "ties"
            return "You" if self.winner.has_person else self.winner.label
        if len(self.lanes) == 2:
            you, agent = (x.episode_return for x in self.lanes)
            if np.isclose(you, agent):
                return "ties"
            return "You" if you > agent else self.lanes[1].label
        return "games"

    def _finished(self, lane: Lane) -> None:
        if lane.counted:
            return
        self._keep_scores()
        if self.race_to_goal and lane.env.reached_goal() and self.winner is None:
            self.winner = lane
        if not self.over:
            return
        for x in self.lanes:
            x.counted = True
        key = self._result(lane)
        self.tally[key] = self.tally.get(key, 0) + 1
        if self.lanes[0].env.num_players == 1 and len(self.lanes) == 1:
            self.returns.append(lane.episode_return)
        lane.wait = WATCH_END_FRAMES[self.speed] if self.mode == "watch" else 0

    def _uncount(self, lane: Lane) -> None:
        key = self._result(lane)
        self.tally[key] = max(0, self.tally.get(key, 0) - 1)
        if self.returns and lane.env.num_players == 1:
            self.returns.pop()
        lane.counted = False

    def format_return(self, value: float, *, bare: bool = False) -> str:
        """A return for the HUD: ``score 130`` in games that keep a score (Invaders),
        else ``return 0.87``; ``bare`` leaves the word out."""
        if games.spec(self.config.game).keeps_score:
            return f"{value:.0f}" if bare else f"score {value:.0f}"
        return f"{value:.2f}" if bare else f"return {value:.2f}"

    def tally_text(self) -> str:
        """The running score for the top bar."""
        if self.lanes[0].env.num_players == 1 and len(self.lanes) == 1:
            if not self.returns:
                return ""
            recent = self.returns[-100:]
            return f"games {len(self.returns)} · mean {self.format_return(float(np.mean(recent)))}"
        order: list[str]
        if len(self.lanes) == 2:
            order = ["You", self.lanes[1].label, "ties"]
        elif self.mode == "versus":
            order = ["You", self.lanes[0].label, "draws"]
        else:
            spec = games.spec(self.config.game)
            order = [*(spec.seat_name(i) for i in range(self.lanes[0].env.num_players)), "draws"]
        return " · ".join(f"{key} {self.tally.get(key, 0)}" for key in order)

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and self._handle_key(event.key):
            return
        if self.over and self.mode != "watch" and _is_confirm(event):
            self._new_game()
            return
        if self.paused or self.mode == "watch":
            return
        for lane in self.lanes:
            if self.over or lane.env.done or lane.view.realtime or lane.mover is not None:
                continue
            action = lane.view.action_for_event(event, lane.rect)
            legal = action is not None and 0 <= action < lane.env.num_actions
            if legal and lane.env.action_mask()[action]:
                self._step(lane, action)
                lane.wait = self._agent_wait(lane)

    def _handle_key(self, key: int) -> bool:
        """The scene's own keys; True if ``key`` was one of them."""
        if key == pygame.K_ESCAPE:
            self.app.pop()
        elif key == pygame.K_n:
            self._new_game()
        elif key == pygame.K_q:
            self._toggle_overlay()
        elif key == pygame.K_u:
            self._undo()
        elif key == pygame.K_p and self.can_pause:
            self.paused = not self.paused
        elif self.mode != "watch":
            return False
        elif key == pygame.K_SPACE:
            self.paused = not self.paused
        elif key in (pygame.K_PERIOD, pygame.K_s):
            self.paused = True
            for lane in self.lanes:
                self._advance(lane, single_step=True)
        elif key in _SPEED_KEYS:
            self.speed = SPEEDS[_SPEED_KEYS.index(key)]
        else:
            return False
        return True

    @property
    def can_pause(self) -> bool:
        """Something moves without the person (a real-time game, or an agent), so pausing
        means something; in a hot-seat game nothing does."""
        return any(
            lane.view.realtime or any(seat is not None for seat in lane.seats)
            for lane in self.lanes
        )

    def _toggle_overlay(self) -> None:
        if not self.has_q:
            if self.opponent is None:
                self.app.message(self.hint_error)
            else:
                kind = self.opponent.kind
                self.app.message(f"{kind} has no Q-values to show; pick a learner or minimax")
            return
        self.show_overlay = not self.show_overlay

    def _has_q(self) -> bool:
        pilot = self.lanes[-1].pilot
        return pilot is not None and pilot.q_values() is not None

    # ----------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        if self.paused:
            return
        for lane in self.lanes:
            self._advance(lane)

    def _advance(self, lane: Lane, single_step: bool = False) -> None:
        """Move ``lane`` on by one frame (or by exactly one step)."""
        env = lane.env
        if self.winner is not None:
            return
        if env.done:
            if self.mode == "watch":
                lane.wait -= 1
                if lane.wait <= 0 or single_step:
                    self._new_game()
            return
        if lane.view.realtime and lane.has_person:
            self._step(lane, self._held(lane))
            return
        if lane.mover is None:
            return
        if single_step:
            self._step(lane, None)
            return
        if self.mode != "watch":
            if lane.view.realtime:
                self._step(lane, None)
                return
            lane.wait -= 1
            if lane.wait <= 0:
                self._step(lane, None)
                lane.wait = self._agent_wait(lane)
            return
        table = REALTIME_STEPS_PER_FRAME if lane.view.realtime else TURN_STEPS_PER_FRAME
        rate = table[self.speed]
        if rate is None:
            deadline = time.perf_counter() + MAX_SPEED_SECONDS
            while not env.done and time.perf_counter() < deadline:
                self._step(lane, None)
            return
        lane.step_credit += rate
        while lane.step_credit >= 1.0 and not env.done:
            lane.step_credit -= 1.0
            self._step(lane, None)

    def _held(self, lane: Lane) -> int:
        action = lane.view.held_action(pygame.key.get_pressed())
        return 0 if action is None else action

    # ----------------------------------------------------------------- drawing
    def panel_width(self, area: pygame.Rect) -> int:
        """Width of a side panel on the right of the board (Learn mode has one)."""
        return 0

    def draw_panel(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        """Draw the side panel (Learn mode)."""

    def overlay_for(self, lane: Lane) -> Overlay | None:
        """The overlay to draw on ``lane`` this frame, or None."""
        agent = self.overlay_agent
        if not self.show_overlay or agent is None or (lane.has_person and len(self.lanes) == 2):
            return None
        if lane.overlay is None:
            q = None if lane.env.done or lane.pilot is None else lane.pilot.q_values()
            lane.overlay = Overlay(
                q_values=q,
                q_for_obs=lambda obs: agent.q_values(obs),
                label=self.opponent.kind if self.opponent else "",
                cache=lane.q_cache,
            )
        return lane.overlay

    def layout(self, area: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect, int]:
        """Top bar, board area, bottom bar and the text size for a window ``area``; also
        places each lane's rect, with a label strip above it in a race and a result strip
        below it (so how a game ended never covers the board)."""
        size = max(14, min(30, area.height // 26))
        bar = int(size * 1.7)
        top = pygame.Rect(area.left, area.top, area.width, bar)
        bottom = pygame.Rect(area.left, area.bottom - bar, area.width, bar)
        middle = pygame.Rect(area.left, top.bottom, area.width, bottom.top - top.bottom)
        panel = self.panel_width(middle)
        board = pygame.Rect(middle.left, middle.top, middle.width - panel, middle.height)
        n = len(self.lanes)
        label = int(size * 1.5) if n > 1 else 0
        result = int(size * 1.8)
        width = board.width // n
        for i, lane in enumerate(self.lanes):
            column = pygame.Rect(
                board.left + i * width, board.top + label, width, board.height - label - result
            )
            lane.rect = fit_rect(column, lane.view.aspect, margin=max(4, size // 3))
        return top, board, bottom, size

    def draw(self, surface: pygame.Surface) -> None:
        hud = self.app.hud
        top, board, bottom, size = self.layout(surface.get_rect())
        for lane in self.lanes:
            if self.hiscore is not None:
                lane.view.best_score = self.hiscore.best
            lane.view.draw(surface, lane.rect, self.overlay_for(lane))
            if len(self.lanes) > 1:
                score = lane.label
                if not self.race_to_goal:  # a race to a goal is won by time, not return
                    score += f" · {self.format_return(lane.episode_return)}"
                where = (lane.rect.centerx, lane.rect.top - size // 4)
                hud.text(surface, score, where, size, colours.TEXT, "midbottom")
        self._draw_result(surface, board, size)
        panel = pygame.Rect(board.right, board.top, surface.get_width() - board.right, board.height)
        if panel.width > 0:
            self.draw_panel(surface, panel)
        hud.bar(surface, top, [self.title, self._status(), self.tally_text()], size)
        hud.bar(surface, bottom, self._hints(), max(12, size - 4))
        if self.paused:
            hud.text(surface, "PAUSED", board.center, size * 2, colours.ACCENT, "center")

    def _status(self) -> str:
        lane = self.lanes[0]
        status = lane.view.status()
        if self.mode == "watch":
            status = f"{status} · speed {self.speed}" if status else f"speed {self.speed}"
        elif self.race_to_goal:
            status = f"first to the goal wins · pace {self.speed}"
        elif len(self.lanes) == 2:
            status = "same level, better score wins"
        elif self.mode == "versus" and not lane.env.done:
            status = "your move" if lane.mover is None else f"{lane.label} is thinking"
        if self.show_overlay and lane.view.q_legend:
            status = f"{status} · {lane.view.q_legend}" if status else lane.view.q_legend
        return status

    def _draw_result(self, surface: pygame.Surface, board: pygame.Rect, size: int) -> None:
        """How the game ended (or, in a race, where each side stands), under the board."""
        hud = self.app.hud
        again = "N or Enter: play again" if self.mode != "watch" else ""
        y = max(lane.rect.bottom for lane in self.lanes) + size // 3
        if len(self.lanes) == 2:
            if self.over:
                result = self._result(self.lanes[0])
                title = {"ties": "Tie!", "You": "You win!"}.get(result, f"{result} wins")
                if self.race_to_goal:
                    who = self.winner.label if self.winner else "nobody"
                    detail = f"{who} reached the goal first"
                else:
                    returns = [self.format_return(x.episode_return, bare=True) for x in self.lanes]
                    detail = " to ".join(returns)
                hud.result(surface, (board.centerx, y), board.width, title, detail, again)
                return
            for lane in self.lanes:
                if lane.env.done:
                    line = (lane.view.status() or "Finished", "waiting for the other side", "")
                else:
                    line = ("", lane.view.status(), "")
                hud.result(surface, (lane.rect.centerx, y), lane.rect.width, *line)
            return
        lane = self.lanes[0]
        if not lane.env.done:
            return
        if lane.env.num_players == 2:
            result = self._result(lane)
            title = {"draws": "Draw", "You": "You win!"}.get(result, f"{result} wins")
            detail = ""
        else:
            title = lane.view.status() or "Game over"
            detail = self.format_return(lane.episode_return)
        hud.result(surface, (board.centerx, y), board.width, title, detail, again)

    def _hints(self) -> list[str]:
        hints = ["H help", "Esc menu", "N new game"]
        if self._undo_allowed(self.lanes[0]):
            hints.append("U undo")
        if self.has_q:
            hints.append("Q Q-values " + ("on" if self.show_overlay else "off"))
        if self.mode == "watch":
            hints += ["Space pause", ". step", "1-4 speed"]
        elif self.can_pause:
            hints.append("P pause")
        return hints

    def keys(self) -> list[tuple[str, str]]:
        keys = list(self.view_cls.keys_help) if self.mode != "watch" else []
        keys.append(("N", "new game"))
        if self.has_q:
            keys.append(("Q", f"{self.opponent.kind if self.opponent else ''} Q-values on / off"))
        if self._undo_allowed(self.lanes[0]):
            keys.append(("U", "undo your last move"))
        if self.mode == "watch":
            keys += [
                ("Space / P", "pause / resume"),
                (". or S", "one step (pauses)"),
                ("1 2 3 4", "speed: slow, normal, fast, max"),
            ]
        elif self.can_pause:
            keys.append(("P", "pause / resume"))
        return keys

    def on_exit(self) -> None:
        self._keep_scores()
        if self.app.assets.audio:
            pygame.mixer.stop()


_SPEED_KEYS = (pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4)


def _with_defaults(config: SceneConfig) -> dict[str, Any]:
    """The person's options with the game's defaults spelled out, so that the agent for
    the default map is found when none was named (``versus gridworld``)."""
    return games.make(config.game, **config.options).options


def _is_confirm(event: pygame.event.Event) -> bool:
    if event.type == pygame.KEYDOWN:
        return event.key in (pygame.K_RETURN, pygame.K_KP_ENTER)
    return event.type == pygame.MOUSEBUTTONDOWN and event.button == 1
