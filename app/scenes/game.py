"""The game scenes, one class per mode, all built from lanes.

A *lane* is one env, the view that draws it and who fills each seat (a person or an
agent). :class:`PlayScene` is one lane of people (hot seat for tic-tac-toe);
:class:`WatchScene` one lane of agents; :class:`VersusScene` one lane with a person and an
agent in a two-player game; :class:`RaceScene`, Versus in a one-player game, two lanes
on the same seed side by side, the person's and the agent's. Both move in real time: in
Invaders a tick a frame each, and the better score wins once both games are over; in a
game that races to a goal (:attr:`games.core.Env.race_to_goal`, the gridworld) the
person moves as fast as they press keys, the agent a step every few frames at the pace
the person picked (the speed choice, :data:`RACE_PACE_FRAMES`), and the first to the
goal wins at once. :func:`game_scene` picks the class for a :class:`SceneConfig`.

Everything advances per frame, not per second, so a headless run of N frames always does
the same thing: agents wait a fixed number of frames before moving (so a person sees the
move), and Watch speeds are steps per frame (Max steps for a fixed slice of each frame).
Each class declares its keys once, in a :class:`~app.keymap.Keymap` that handles them and
makes the hints bar and the help.
"""

from __future__ import annotations

import time
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pygame

from qarcade import games
from qarcade.agents.base import Agent
from qarcade.app import hud as colours
from qarcade.app.hiscore import HiScore, hiscore_path
from qarcade.app.hud import bars
from qarcade.app.keymap import Binding, Keymap
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

#: Watch's speeds, the same names as a race's agent paces (the menu offers one row
#: for either).
SPEEDS: tuple[str, ...] = tuple(RACE_PACES)
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
    """What every game mode shares: lanes stepped by people and agents, new games, the
    tally, the overlay, drawing. Made through :func:`game_scene`; one subclass per mode.

    Attributes:
        people_play: a person plays a seat (everywhere but Watch): the view's keys work,
            Enter starts the next game.
        overlay_at_start: the Q-value overlay is on from the start (where it has values).
    """

    people_play: ClassVar[bool] = True
    overlay_at_start: ClassVar[bool] = False

    def __init__(self, app: App, config: SceneConfig) -> None:
        super().__init__(app)
        if config.speed not in SPEEDS:
            raise GameError(f"unknown speed {config.speed!r}; choose one of {', '.join(SPEEDS)}")
        self.config = config
        self.speed = config.speed
        self.view_cls: type[View] = games.view_class(config.game)
        self.hint_error = ""
        self.opponent = self._opponent(config)
        shown, self.trained_options = pace(config.game, self.opponent, config.options)
        self.seed = config.seed if config.seed is not None else int(time.time()) % 100_000
        #: A person's best score, where the game keeps one: only a lane a person plays
        #: counts, and every lane shows it.
        spec = games.spec(config.game)
        self.hiscore = HiScore(hiscore_path(config.game)) if spec.keeps_score else None
        self.games_started = 0
        self.lanes = self._make_lanes(shown)
        self.paused = False
        #: The lane that reached the goal first in a race to a goal (the race is over).
        self.winner: Lane | None = None
        self.tally: dict[str, int] = {}
        self.returns: list[float] = []
        self.title = self._title()
        self.new_game()
        self.has_q = self._has_q()
        self.show_overlay = self.overlay_at_start and self.has_q

    # ----------------------------------------------------------------- set-up
    def _opponent(self, config: SceneConfig) -> Opponent | None:
        """The agent of the scene (every mode but Play needs one)."""
        if config.agent is None:
            raise GameError(f"{config.mode} needs an agent; pick one with --agent")
        opponent, message = load_or_fallback(config.game, config.agent, _with_defaults(config))
        if message:
            self.app.message(message)
        return opponent

    def _make_lanes(self, options: dict[str, Any]) -> list[Lane]:
        """The lanes of this mode, their envs made with ``options``."""
        raise NotImplementedError

    def _lane(
        self, seats: list[Agent | None], label: str, options: dict[str, Any], *, paced: bool = True
    ) -> Lane:
        """A lane of a new env; the scene's agent plays in it (or gives hints) if
        ``paced``, at the pace it trained at."""
        config = self.config
        agent = self.opponent.agent if self.opponent else None
        env = games.make(config.game, **options)
        pilot = None
        if agent is not None and paced:
            trained = self.trained_options
            follower = None if trained == options else games.make(config.game, **trained)
            pilot = PacedAgent(agent, env, follower)
        return Lane(env, self.view_cls(env, self.app.assets), seats, label, pilot)

    @property
    def agent_label(self) -> str:
        """The scene's agent as the HUD names it (empty without one)."""
        return self.opponent.kind if self.opponent else ""

    def _title(self) -> str:
        """The top bar's title."""
        raise NotImplementedError

    def _game_title(self) -> str:
        """The game's name (and the map's), the start of every mode's title."""
        game = games.spec(self.config.game).title
        map_name = getattr(self.lanes[0].env, "map_name", None)
        return f"{game} · {map_name}" if map_name else game

    @property
    def overlay_agent(self) -> Agent | None:
        """The agent whose Q-values the overlay shows."""
        return self.opponent.agent if self.opponent else None

    # ----------------------------------------------------------------- games
    def new_game(self) -> None:
        """Start the next game in every lane, on the next seed."""
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
        """Frames an agent waits before its next move in ``lane`` (only Versus and a race
        wait)."""
        return 0

    def _step(self, lane: Lane, action: int | None) -> StepResult:
        """One step of ``lane``: ``action`` is the person's, None the lane's agent's."""
        if self.undo_allowed:
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

    @property
    def undo_allowed(self) -> bool:
        """A person plays a turn-based game alone on screen: moves can be taken back."""
        lane = self.lanes[0]
        return lane.has_person and not lane.view.realtime and len(self.lanes) == 1

    def undo(self) -> None:
        """Take back the person's last move (and the agent's answers since)."""
        lane = self.lanes[0]
        if not self.undo_allowed or not lane.history:
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
        return False

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
            return self._seat_won(lane, int(np.argmax(rewards)))
        return "games"

    def _seat_won(self, lane: Lane, seat: int) -> str:
        """The tally key of a two-player game won by ``seat``."""
        return games.spec(self.config.game).seat_name(seat)

    def _finished(self, lane: Lane) -> None:
        if lane.counted:
            return
        self._keep_scores()
        if not self.over:
            return
        for x in self.lanes:
            x.counted = True
        key = self._result(lane)
        self.tally[key] = self.tally.get(key, 0) + 1
        if self.lanes[0].env.num_players == 1 and len(self.lanes) == 1:
            self.returns.append(lane.episode_return)
        lane.wait = self._end_wait()

    def _end_wait(self) -> float:
        """Frames a finished game stays on screen before the next starts by itself (0:
        it waits for the person)."""
        return 0

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
        return " · ".join(f"{key} {self.tally.get(key, 0)}" for key in self._tally_order())

    def _tally_order(self) -> list[str]:
        """The tally keys the top bar shows, in order."""
        spec = games.spec(self.config.game)
        return [*(spec.seat_name(i) for i in range(self.lanes[0].env.num_players)), "draws"]

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN and self.keymap.handle(self, event):
            return
        if self.over and self.people_play and _is_confirm(event):
            self.new_game()
            return
        if self.paused or not self.people_play:
            return
        for lane in self.lanes:
            if self.over or lane.env.done or lane.view.realtime or lane.mover is not None:
                continue
            action = lane.view.action_for_event(event, lane.rect)
            legal = action is not None and 0 <= action < lane.env.num_actions
            if legal and lane.env.action_mask()[action]:
                self._step(lane, action)
                lane.wait = self._agent_wait(lane)

    @property
    def can_pause(self) -> bool:
        """Something moves without the person (a real-time game, or an agent), so pausing
        means something; in a hot-seat game nothing does."""
        return any(
            lane.view.realtime or any(seat is not None for seat in lane.seats)
            for lane in self.lanes
        )

    def toggle_pause(self) -> None:
        """Pause or resume, where something moves without the person."""
        if self.can_pause:
            self.paused = not self.paused

    def toggle_overlay(self) -> None:
        """The agent's Q-values on the board on or off; without any, say why."""
        if not self.has_q:
            if self.opponent is None:
                self.app.message(self.hint_error)
            else:
                kind = self.opponent.kind
                self.app.message(f"{kind} has no Q-values to show; pick a learner or minimax")
            return
        self.show_overlay = not self.show_overlay

    @property
    def overlay_word(self) -> str:
        """ "on" or "off", for the hints bar."""
        return "on" if self.show_overlay else "off"

    def _has_q(self) -> bool:
        pilot = self.lanes[-1].pilot
        return pilot is not None and pilot.q_values() is not None

    def keys(self) -> list[tuple[str, str]]:
        keys = list(self.view_cls.keys_help) if self.people_play else []
        return keys + super().keys()

    # ----------------------------------------------------------------- update
    def update(self, dt: float) -> None:
        if self.paused:
            return
        for lane in self.lanes:
            self._advance(lane)

    def _advance(self, lane: Lane, single_step: bool = False) -> None:
        """Move ``lane`` on by one frame (or by exactly one step)."""
        if self.winner is not None:
            return
        if lane.env.done:
            self._after_game(lane, single_step)
            return
        if lane.view.realtime and lane.has_person:
            self._step(lane, self._held(lane))
            return
        if lane.mover is None:
            return
        if single_step:
            self._step(lane, None)
            return
        self._agent_moves(lane)

    def _after_game(self, lane: Lane, single_step: bool) -> None:
        """A frame of ``lane`` whose game is over (the next waits for the person)."""

    def _agent_moves(self, lane: Lane) -> None:
        """A frame of ``lane`` with the agent to move: a real-time game steps every
        frame, a turn-based one after the agent's wait."""
        if lane.view.realtime:
            self._step(lane, None)
            return
        lane.wait -= 1
        if lane.wait <= 0:
            self._step(lane, None)
            lane.wait = self._agent_wait(lane)

    def _held(self, lane: Lane) -> int:
        action = lane.view.held_action(pygame.key.get_pressed())
        return 0 if action is None else action

    # ----------------------------------------------------------------- drawing
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
                label=self.agent_label,
                cache=lane.q_cache,
            )
        return lane.overlay

    def layout(self, area: pygame.Rect) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect, int]:
        """Top bar, board area, bottom bar and the text size for a window ``area``; also
        places each lane's rect, with a label strip above it in a race and a result strip
        below it (so how a game ended never covers the board)."""
        size = max(14, min(30, area.height // 26))
        top, board, bottom = bars(area, size)
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
        hud.bar(surface, top, [self.title, self._status(), self.tally_text()], size)
        hud.bar(surface, bottom, self.hints(), max(12, size - 4))
        if self.paused:
            hud.text(surface, "PAUSED", board.center, size * 2, colours.ACCENT, "center")

    def _status(self) -> str:
        lane = self.lanes[0]
        status = self._mode_status(lane.view.status())
        if self.show_overlay and lane.view.q_legend:
            status = f"{status} · {lane.view.q_legend}" if status else lane.view.q_legend
        return status

    def _mode_status(self, status: str) -> str:
        """The top bar's status: the view's ``status``, with what this mode adds."""
        return status

    @property
    def _again(self) -> str:
        """How to start the next game, under a finished one."""
        return "N or Enter: play again" if self.people_play else ""

    def _draw_result(self, surface: pygame.Surface, board: pygame.Rect, size: int) -> None:
        """How the game ended, under the board."""
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
        y = lane.rect.bottom + size // 3
        self.app.hud.result(surface, (board.centerx, y), board.width, title, detail, self._again)

    def on_exit(self) -> None:
        self._keep_scores()
        if self.app.assets.audio:
            pygame.mixer.stop()


NEW_GAME = Binding((pygame.K_n,), "new_game", "N", "new game", "N new game")
UNDO = Binding((pygame.K_u,), "undo", "U", "undo your last move", "U undo", shown="undo_allowed")
OVERLAY = Binding(
    (pygame.K_q,),
    "toggle_overlay",
    "Q",
    "{s.agent_label} Q-values on / off",
    "Q Q-values {s.overlay_word}",
    shown="has_q",
)


class PlayScene(GameScene):
    """A person plays every seat (hot seat in a two-player game); an agent, if chosen,
    gives hints: its Q-values on the board (Q)."""

    keymap = Keymap(
        NEW_GAME,
        UNDO,
        OVERLAY,
        Binding((pygame.K_p,), "toggle_pause", "P", "pause / resume", "P pause", shown="can_pause"),
    )

    def _opponent(self, config: SceneConfig) -> Opponent | None:
        """The hint giver, if one was chosen. Hints are optional: without the agent the
        game still plays, without overlay; why there are none is said when the person
        asks for them (Q)."""
        self.hint_error = "no hints: choose an agent under 'Hints from' in the menu (or --hints)"
        if config.agent is None:
            return None
        try:
            return load_opponent(config.game, config.agent, _with_defaults(config))
        except GameError as error:
            self.hint_error = f"no hints: {error}"
            return None

    def _make_lanes(self, options: dict[str, Any]) -> list[Lane]:
        num_players = games.env_class(self.config.game).num_players
        return [self._lane([None] * num_players, "", options)]

    def _title(self) -> str:
        return f"{self._game_title()} · Play"


class VersusScene(GameScene):
    """A person against the agent in a two-player game, in the seat they chose; the agent
    waits :data:`AGENT_DELAY_FRAMES` before each move, so the person sees it."""

    keymap = PlayScene.keymap

    def _make_lanes(self, options: dict[str, Any]) -> list[Lane]:
        seats: list[Agent | None] = [self.opponent.agent if self.opponent else None] * 2
        seats[self.config.human_seat] = None
        return [self._lane(seats, self.agent_label, options)]

    def _title(self) -> str:
        seat = games.spec(self.config.game).seat_name(self.config.human_seat)
        return f"{self._game_title()} · You ({seat}) vs {self.agent_label}"

    def _agent_wait(self, lane: Lane) -> float:
        return 0 if lane.view.realtime else AGENT_DELAY_FRAMES

    def _seat_won(self, lane: Lane, seat: int) -> str:
        return "You" if lane.seats[seat] is None else lane.label

    def _tally_order(self) -> list[str]:
        return ["You", self.lanes[0].label, "draws"]

    def _mode_status(self, status: str) -> str:
        lane = self.lanes[0]
        if lane.env.done:
            return status
        return "your move" if lane.mover is None else f"{lane.label} is thinking"


class RaceScene(GameScene):
    """Versus in a one-player game: the person's lane and the agent's, side by side on
    the same seed (see the module docstring)."""

    keymap = PlayScene.keymap

    def _make_lanes(self, options: dict[str, Any]) -> list[Lane]:
        agent = self.opponent.agent if self.opponent else None
        return [
            self._lane([None], "You", options, paced=False),
            self._lane([agent], self.agent_label, options),
        ]

    def _title(self) -> str:
        return f"{self._game_title()} · Race vs {self.agent_label}"

    def _agent_wait(self, lane: Lane) -> float:
        return 0 if lane.view.realtime else RACE_PACE_FRAMES[self.speed]

    @property
    def race_to_goal(self) -> bool:
        return self.lanes[0].env.race_to_goal

    def _finished(self, lane: Lane) -> None:
        if not lane.counted and self.race_to_goal and lane.env.reached_goal():
            self.winner = self.winner or lane
        super()._finished(lane)

    def _result(self, lane: Lane) -> str:
        if self.race_to_goal:
            if self.winner is None:
                return "ties"
            return "You" if self.winner.has_person else self.winner.label
        you, agent = (x.episode_return for x in self.lanes)
        if np.isclose(you, agent):
            return "ties"
        return "You" if you > agent else self.lanes[1].label

    def _tally_order(self) -> list[str]:
        return ["You", self.lanes[1].label, "ties"]

    def _mode_status(self, status: str) -> str:
        if self.race_to_goal:
            return f"first to the goal wins · pace {self.speed}"
        return "same level, better score wins"

    def _draw_result(self, surface: pygame.Surface, board: pygame.Rect, size: int) -> None:
        """The result once both sides are done (or one reached the goal); before that,
        where each side stands, under its lane."""
        hud = self.app.hud
        y = max(lane.rect.bottom for lane in self.lanes) + size // 3
        if self.over:
            result = self._result(self.lanes[0])
            title = {"ties": "Tie!", "You": "You win!"}.get(result, f"{result} wins")
            if self.race_to_goal:
                who = self.winner.label if self.winner else "nobody"
                detail = f"{who} reached the goal first"
            else:
                returns = [self.format_return(x.episode_return, bare=True) for x in self.lanes]
                detail = " to ".join(returns)
            hud.result(surface, (board.centerx, y), board.width, title, detail, self._again)
            return
        for lane in self.lanes:
            if lane.env.done:
                line = (lane.view.status() or "Finished", "waiting for the other side", "")
            else:
                line = ("", lane.view.status(), "")
            hud.result(surface, (lane.rect.centerx, y), lane.rect.width, *line)


class WatchScene(GameScene):
    """The agent plays every seat at the chosen speed, its Q-values on the board; a
    finished game stays on screen for :data:`WATCH_END_FRAMES`, then the next starts."""

    people_play = False
    overlay_at_start = True
    keymap = Keymap(
        NEW_GAME,
        OVERLAY,
        Binding(
            (pygame.K_SPACE, pygame.K_p),
            "toggle_pause",
            "Space / P",
            "pause / resume",
            "Space pause",
        ),
        Binding(
            (pygame.K_PERIOD, pygame.K_s), "single_step", ". or S", "one step (pauses)", ". step"
        ),
        Binding(
            (pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4),
            "choose_speed",
            "1 2 3 4",
            "speed: slow, normal, fast, max",
            "1-4 speed",
            indexed=True,
        ),
    )

    def _make_lanes(self, options: dict[str, Any]) -> list[Lane]:
        num_players = games.env_class(self.config.game).num_players
        agent = self.opponent.agent if self.opponent else None
        return [self._lane([agent] * num_players, self.agent_label, options)]

    def _title(self) -> str:
        return f"{self._game_title()} · Watch {self.agent_label}"

    def single_step(self) -> None:
        """Pause, and make exactly one step."""
        self.paused = True
        for lane in self.lanes:
            self._advance(lane, single_step=True)

    def choose_speed(self, index: int) -> None:
        """Watch at the ``index``-th of :data:`SPEEDS`."""
        self.speed = SPEEDS[index]

    def _end_wait(self) -> float:
        return WATCH_END_FRAMES[self.speed]

    def _after_game(self, lane: Lane, single_step: bool) -> None:
        lane.wait -= 1
        if lane.wait <= 0 or single_step:
            self.new_game()

    def _agent_moves(self, lane: Lane) -> None:
        """Steps at the Watch speed: a fraction or a few a frame, or at Max as many as
        fit :data:`MAX_SPEED_SECONDS`."""
        table = REALTIME_STEPS_PER_FRAME if lane.view.realtime else TURN_STEPS_PER_FRAME
        rate = table[self.speed]
        if rate is None:
            deadline = time.perf_counter() + MAX_SPEED_SECONDS
            while not lane.env.done and time.perf_counter() < deadline:
                self._step(lane, None)
            return
        lane.step_credit += rate
        while lane.step_credit >= 1.0 and not lane.env.done:
            lane.step_credit -= 1.0
            self._step(lane, None)

    def _mode_status(self, status: str) -> str:
        return f"{status} · speed {self.speed}" if status else f"speed {self.speed}"


#: The scene class of each mode but Versus, which depends on the number of seats.
MODE_SCENES: dict[str, type[GameScene]] = {"play": PlayScene, "watch": WatchScene}


def game_scene(app: App, config: SceneConfig) -> GameScene:
    """The scene for ``config``'s mode: Play, Watch, or Versus (a :class:`VersusScene` in a
    two-player game, a :class:`RaceScene` in a one-player one)."""
    if config.mode == "versus":
        two_player = games.env_class(config.game).num_players == 2
        return (VersusScene if two_player else RaceScene)(app, config)
    if config.mode not in MODE_SCENES:
        raise GameError(f"unknown mode {config.mode!r}; choose play, versus or watch")
    return MODE_SCENES[config.mode](app, config)


def _with_defaults(config: SceneConfig) -> dict[str, Any]:
    """The person's options with the game's defaults spelled out, so that the agent for
    the default map is found when none was named (``versus gridworld``)."""
    return games.make(config.game, **config.options).options


def _is_confirm(event: pygame.event.Event) -> bool:
    if event.type == pygame.KEYDOWN:
        return event.key in (pygame.K_RETURN, pygame.K_KP_ENTER)
    return event.type == pygame.MOUSEBUTTONDOWN and event.button == 1
