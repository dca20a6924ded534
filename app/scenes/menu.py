"""The menu: pick a game, a mode, an agent (and a map, a seat, a speed), then start.

Keyboard: Up/Down choose a row, Left/Right change it, Enter starts, Esc quits. Mouse:
click any choice, then Start. A game that cannot start yet (a missing view) is shown
dimmed and says why when picked; a game that fails to start (a missing agent with no
fallback) shows the message and the menu stays.

In Learn, a *Start from* row offers Nothing (a new run) or one of the newest
:data:`RUNS_SHOWN` runs Learn saved, by game count and date (:mod:`app.learn_runs`). In
Versus against a learner, a *Strength* row offers the difficulty ladder of the newest run
(the agent after 100, 1,000, 10,000 games) beside the pretrained agent. Back from a
scene, the rows are read again, so a run just saved is offered at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from qarcade import games
from qarcade.agents import kinds
from qarcade.app import hud as colours
from qarcade.app.keymap import Binding, Keymap
from qarcade.app.learn_runs import list_runs
from qarcade.app.learn_session import LearnConfig
from qarcade.app.scenes.compare import CompareConfig, CompareScene
from qarcade.app.scenes.game import SPEEDS, SceneConfig, game_scene
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.window import App, Scene
from qarcade.games.core import GameError

MODE_TITLES: dict[str, str] = {
    "play": "Play",
    "versus": "Versus",
    "watch": "Watch",
    "learn": "Learn",
    "compare": "Compare",
}
MODE_HELP: dict[str, str] = {
    "play": "You play. Q shows what the chosen agent would do.",
    "versus": "You against the agent (a race on the same level in one-player games).",
    "watch": "The agent plays; pause, single-step, change the speed.",
    "learn": "An agent learns from nothing while you watch, its Q-values on the board.",
    "compare": "The table and the network learn the same world side by side.",
}
NO_HINTS = "none"
#: The map chosen first where a game has maps (the first one offered if it has no map of
#: this name).
DEFAULT_MAP = "maze"
PRETRAINED = "pretrained"
NEW_RUN = "new"
#: The Start from row offers this many of the newest Learn runs.
RUNS_SHOWN = 2
#: The most rows any choice shows (game, mode, agent, then map, start or strength, and
#: seat or speed or pace): Start sits below this many, wherever fewer are shown.
MAX_ROWS = 6
#: Every row's label: the choices begin right of the widest, whatever rows show.
ROW_LABELS = (
    "Game", "Mode", "Hints from", "Learner", "Opponent", "Agent", "Map", "Start from",
    "Strength", "You play", "Speed", "Agent pace",
)  # fmt: skip
#: The widest row in font heights (Start from with its runs): where the rows begin.
ROW_WIDTH = 27


@dataclass
class Row:
    """One line of the menu: a label and its choices (value, shown text)."""

    key: str
    label: str
    choices: list[tuple[str, str]]
    index: int = 0

    @property
    def value(self) -> str:
        return self.choices[self.index][0]


class MenuScene(Scene):
    """The first screen (see the module docstring)."""

    title = "Menu"
    keymap = Keymap(
        Binding(
            (pygame.K_UP, pygame.K_w, pygame.K_DOWN, pygame.K_s, pygame.K_TAB),
            "move_row",
            "Up / Down, W / S",
            "choose a row",
            "Up/Down row",
            indexed=True,
        ),
        Binding(
            (pygame.K_LEFT, pygame.K_a, pygame.K_RIGHT, pygame.K_d),
            "change_choice",
            "Left / Right, A / D",
            "change the choice",
            "Left/Right change",
            indexed=True,
        ),
        Binding((), None, "Mouse", "click a choice, then Start"),
        Binding(
            (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE),
            "start",
            "Enter / Space",
            "start",
            "Enter start",
        ),
    )

    def __init__(self, app: App) -> None:
        super().__init__(app)
        self.unavailable: dict[str, str] = {}
        for game in games.names():
            try:
                games.view_class(game)
            except GameError as error:
                self.unavailable[game] = str(error)
        first = games.names()[0]
        self.choice: dict[str, str] = {
            "game": first,
            "mode": "play",
            "agent": kinds.kinds_for(first)[0],
            "map": DEFAULT_MAP,
            "seat": "0",
            "speed": "normal",
            "strength": PRETRAINED,
            "start": NEW_RUN,
        }
        self.selected = 0
        self.rows: list[Row] = []
        self._hits: list[tuple[int, int, pygame.Rect]] = []
        self._start_rect = pygame.Rect(0, 0, 0, 0)
        self._message_area = pygame.Rect(0, 0, 0, 0)
        self._rebuild()

    # ----------------------------------------------------------------- rows
    def _rebuild(self) -> None:
        """Recompute the rows, which depend on the game and mode chosen."""
        game, mode = self.choice["game"], self.choice["mode"]
        agent_learns = self.choice["agent"] in kinds.LEARNERS
        spec = games.spec(game)
        rows = [
            Row("game", "Game", [(s.name, s.title) for s in games.specs()]),
            Row("mode", "Mode", [(m, t) for m, t in MODE_TITLES.items()]),
        ]
        agents = [(a, kinds.kind(a).title) for a in kinds.kinds_for(game)]
        if mode == "play":
            rows.append(Row("agent", "Hints from", [(NO_HINTS, "None"), *agents]))
        elif mode == "learn":
            rows.append(Row("agent", "Learner", [(a, kinds.kind(a).title) for a in kinds.LEARNERS]))
        elif mode == "compare":
            rows.append(Row("agent", "Learners", [("both", "Tabular Q and DQN")]))
        else:
            rows.append(Row("agent", "Opponent" if mode == "versus" else "Agent", agents))
        if spec.maps is not None:
            maps = spec.map_choices()
            if self.choice["map"] not in [name for name, _ in maps]:
                self.choice["map"] = maps[0][0]
            rows.append(Row("map", "Map", maps))
        options = self._options()
        runs = list_runs(game, self.choice["agent"], options) if agent_learns else []
        if mode == "learn" and runs:
            rows.append(
                Row(
                    "start",
                    "Start from",
                    [(NEW_RUN, "Nothing")] + [(run.name, run.label()) for run in runs[:RUNS_SHOWN]],
                )
            )
        if mode == "versus" and runs:
            rungs = runs[0].ladder()
            if rungs:
                rows.append(
                    Row(
                        "strength",
                        "Strength",
                        [(PRETRAINED, "Pretrained")]
                        + [(str(n), f"after {n:,} games") for n in rungs],
                    )
                )
        if spec.seat_names and mode == "versus":
            order = ("first", "second", "third", "fourth")
            seats = [(str(i), f"{name} ({order[i]})") for i, name in enumerate(spec.seat_names)]
            rows.append(Row("seat", "You play", seats))
        if mode == "watch":
            rows.append(Row("speed", "Speed", [(s, s.capitalize()) for s in SPEEDS]))
        elif mode == "versus" and games.env_class(game).race_to_goal:
            rows.append(Row("speed", "Agent pace", [(s, s.capitalize()) for s in SPEEDS]))
        agent = self.choice["agent"]
        for row in rows:
            values = [value for value, _ in row.choices]
            if self.choice.get(row.key) not in values:
                self.choice[row.key] = values[0]
            row.index = values.index(self.choice[row.key])
        self.rows = rows
        self.selected = min(self.selected, len(rows))
        if self.choice["agent"] != agent:
            # The rows after the agent's depend on it (a Strength or Start row).
            self._rebuild()

    def message_area(self, area: pygame.Rect) -> pygame.Rect:
        """Messages go below the help line, clear of every choice and of Start."""
        return self._message_area if self._message_area.height > 0 else area

    def on_return(self) -> None:
        """Back from a game or Learn: read the runs again (a new one may have been saved)."""
        self._rebuild()

    def _choose(self, row_index: int, index: int) -> None:
        row = self.rows[row_index]
        row.index = index % len(row.choices)
        self.choice[row.key] = row.value
        if row.key == "game" and row.value in self.unavailable:
            self.app.message(self.unavailable[row.value], 3.0)
        self._rebuild()
        self.app.assets.play("ui_move")

    # ----------------------------------------------------------------- input
    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.KEYDOWN:
            self.keymap.handle(self, event)
        elif event.type == pygame.MOUSEMOTION:
            for row_index, _, rect in self._hits:
                if rect.collidepoint(event.pos):
                    self.selected = row_index
            if self._start_rect.collidepoint(event.pos):
                self.selected = len(self.rows)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for row_index, index, rect in self._hits:
                if rect.collidepoint(event.pos):
                    self.selected = row_index
                    self._choose(row_index, index)
                    return
            if self._start_rect.collidepoint(event.pos):
                self.start()

    def move_row(self, index: int) -> None:
        """Select the row above (the first two keys of the row's binding) or below."""
        step = -1 if index < 2 else 1
        self.selected = (self.selected + step) % (len(self.rows) + 1)

    def change_choice(self, index: int) -> None:
        """The previous choice in the selected row (the first two keys) or the next."""
        if self.selected < len(self.rows):
            step = -1 if index < 2 else 1
            self._choose(self.selected, self.rows[self.selected].index + step)

    def _options(self) -> dict[str, str]:
        """The game options the choices make: the map, for a game with maps."""
        if games.spec(self.choice["game"]).maps is None:
            return {}
        return {"map": self.choice["map"]}

    def config(self) -> SceneConfig:
        """What the menu shows, as a scene configuration."""
        c = self.choice
        agent = None if c["agent"] == NO_HINTS else c["agent"]
        strength_shown = any(row.key == "strength" for row in self.rows)
        if c["mode"] == "versus" and strength_shown and c["strength"] != PRETRAINED:
            agent = f"{agent}@{c['strength']}"
        return SceneConfig(
            game=c["game"],
            mode=c["mode"],
            agent=agent,
            human_seat=int(c["seat"]),
            options=self._options(),
            speed=c["speed"],
        )

    def start(self) -> None:
        """Start the chosen game, or say why it cannot start."""
        config = self.config()
        if config.game in self.unavailable:
            self.app.message(self.unavailable[config.game])
            return
        if config.mode == "compare":
            self._show_loading("dqn")
        elif config.agent is not None and config.agent.split("@")[0] in kinds.LEARNERS:
            self._show_loading(config.agent.split("@")[0])
        try:
            scene: Scene
            if config.mode == "compare":
                scene = CompareScene(self.app, CompareConfig(config.game, options=config.options))
            elif config.mode == "learn":
                assert config.agent is not None
                run = self.choice["start"]
                resume = run != NEW_RUN and any(row.key == "start" for row in self.rows)
                learn = LearnConfig(
                    config.game,
                    config.agent,
                    options=config.options,
                    resume=resume,
                    run=run if resume else None,
                )
                scene = LearnScene(self.app, learn)
            else:
                scene = game_scene(self.app, config)
        except GameError as error:
            self.app.message(str(error))
            return
        self.app.assets.play("ui_click")
        self.app.push(scene)

    def _show_loading(self, agent: str) -> None:
        """Say "loading" on screen before reading a checkpoint (the first DQN also imports
        PyTorch, a second or two), so the window does not look hung."""
        surface = pygame.display.get_surface()
        if surface is None:  # no window to say it in
            return
        area = surface.get_rect()
        box = pygame.Rect(0, 0, area.width // 2, area.height // 8)
        box.center = area.center
        self.app.hud.panel(surface, box, alpha=240)
        words = f"loading the {kinds.kind(agent).title} agent..."
        size = self.app.hud.fit_text(words, box.width - 20, max(14, box.height // 3))
        self.app.hud.text(surface, words, box.center, size, colours.TEXT, "center")
        pygame.display.flip()
        pygame.event.pump()

    # ----------------------------------------------------------------- drawing
    def draw(self, surface: pygame.Surface) -> None:
        hud = self.app.hud
        area = surface.get_rect()
        size = max(16, min(34, area.height // 24, area.width // 34))
        title_size = size * 3
        y = area.top + size
        hud.text(surface, "qarcade", (area.centerx, y), title_size, colours.ACCENT, "midtop")
        y += int(title_size * 0.8)
        subtitle = "play, race and watch agents that learn by Q-learning"
        hud.text(surface, subtitle, (area.centerx, y), size, colours.DIM, "midtop")
        y += int(size * 2.2)

        self._hits = []
        # The widest label of any row, and a left edge that depends on the window only:
        # rows and Start stay where they are as rows come and go.
        label_width = max(self.app.assets.font(size).size(label)[0] for label in ROW_LABELS)
        gap = size // 2
        row_height = int(size * 2.0)
        content_left = area.left + max(size, (area.width - ROW_WIDTH * size) // 2)
        rows_top = y
        for row_index, row in enumerate(self.rows):
            selected = row_index == self.selected
            colour = colours.ACCENT if selected else colours.TEXT
            hud.text(
                surface, row.label, (content_left, y + row_height // 2), size, colour, "midleft"
            )
            x = content_left + label_width + size
            for index, (value, text) in enumerate(row.choices):
                shown = text
                dim = row.key == "game" and value in self.unavailable
                if dim:
                    shown += " (soon)"
                width = self.app.assets.font(size).size(shown)[0] + size
                if x + width > area.right - size:
                    break
                rect = pygame.Rect(
                    x, y + (row_height - int(size * 1.5)) // 2, width, int(size * 1.5)
                )
                chosen = index == row.index
                fill = colours.SELECTED if chosen else colours.PANEL
                edge = colours.ACCENT if chosen and selected else colours.PANEL_EDGE
                hud.panel(surface, rect, fill, edge)
                text_colour = colours.DIM if dim else colours.TEXT
                hud.text(surface, shown, rect.center, size, text_colour, "center")
                self._hits.append((row_index, index, rect))
                x = rect.right + gap
            y += row_height

        y = rows_top + MAX_ROWS * row_height + size // 2
        start = pygame.Rect(0, 0, size * 8, int(size * 2))
        start.midtop = (area.centerx, y)
        focused = self.selected == len(self.rows)
        hud.panel(
            surface,
            start,
            (40, 110, 60) if focused else (34, 80, 48),
            colours.ACCENT if focused else colours.PANEL_EDGE,
        )
        hud.text(surface, "Start", start.center, int(size * 1.2), colours.TEXT, "center")
        self._start_rect = start
        y = start.bottom + size
        hud.text(
            surface, MODE_HELP[self.choice["mode"]], (area.centerx, y), size, colours.DIM, "midtop"
        )
        top = y + int(size * 1.5)
        self._message_area = pygame.Rect(area.left, top, area.width, area.bottom - 2 * size - top)
        hints = " · ".join(self.hints())
        small = hud.fit_text(hints, area.width - 2 * size, max(12, size - 4))
        hud.text(
            surface, hints, (area.centerx, area.bottom - size), small, colours.DIM, "midbottom"
        )
