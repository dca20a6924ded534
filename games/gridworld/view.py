"""The gridworld drawn as pixel art: an ice lake of floor, brick walls, holes and a flag,
walked by a penguin.

The tiles are 16 x 16 pixel art written below as text (one character per pixel, looked
up in :data:`PALETTE`), drawn for this project. They are turned into surfaces once and
scaled to the cell size with nearest-neighbour, so they stay blocky at any window size.

Overlay: with an agent's Q-values, every floor cell is tinted by its value
(``max_a Q(cell, a)``, red for the lowest on the board, green for the highest) and shows
the greedy action as an arrow; large cells also print the value.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pygame

from qarcade.games.core import Env
from qarcade.games.gridworld.env import DOWN, LEFT, RIGHT, UP, GridWorldEnv
from qarcade.games.gridworld.maps import FLOOR, GOAL, PIT, START, WALL
from qarcade.games.view import HEAT_MID_LIGHT, Overlay, View, heat_colour

PALETTE: dict[str, tuple[int, int, int]] = {
    "i": (150, 196, 226),  # ice
    "I": (198, 228, 246),  # ice glint
    "j": (118, 164, 202),  # ice crack / shade
    "w": (244, 250, 255),  # snow white
    "b": (146, 76, 60),  # brick
    "B": (184, 104, 80),  # brick top light
    "m": (60, 52, 62),  # mortar
    "h": (12, 20, 46),  # deep water
    "H": (30, 54, 104),  # water
    "r": (74, 116, 176),  # ripple
    "p": (112, 86, 60),  # flag pole
    "f": (222, 56, 66),  # flag
    "F": (252, 120, 120),  # flag light
    "g": (246, 200, 64),  # gold
    "G": (196, 148, 40),  # gold shade
    "n": (36, 44, 76),  # penguin back
    "W": (238, 242, 248),  # penguin belly
    "k": (12, 12, 20),  # eye
    "o": (250, 150, 40),  # beak and feet
}

FLOOR_ART = (
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiiiiIiii",
    "iiIiiiiiiiiiiiii",
    "iiiiiiijiiiiiiii",
    "iiiiiiiijiiiiiii",
    "iiiiiiiiijjiiiii",
    "iiiiiiiiiiiiiiIi",
    "iiiiIiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiIiiiiii",
    "iIiiiiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
    "iiijjiiiiiiiiiii",
    "iiiiijiiiiiIiiii",
    "iiiiiiiiiiiiiiii",
)
WALL_ART = (
    "mmmmmmmmmmmmmmmm",
    "BBBBBBBmBBBBBBBm",
    "bbbbbbbmbbbbbbbm",
    "bbbbbbbmbbbbbbbm",
    "mmmmmmmmmmmmmmmm",
    "BBBmBBBBBBBmBBBB",
    "bbbmbbbbbbbmbbbb",
    "bbbmbbbbbbbmbbbb",
    "mmmmmmmmmmmmmmmm",
    "BBBBBBBmBBBBBBBm",
    "bbbbbbbmbbbbbbbm",
    "bbbbbbbmbbbbbbbm",
    "mmmmmmmmmmmmmmmm",
    "BBBmBBBBBBBmBBBB",
    "bbbmbbbbbbbmbbbb",
    "bbbmbbbbbbbmbbbb",
)
PIT_ART = (
    "iiiiiiiiiiiiiiii",
    "iiiiijjjjjjiiiii",
    "iiijjhhhhhhjjiii",
    "iijhhhhHHhhhhjii",
    "ijhhhHHrrHHhhhji",
    "ijhhHHrHHrHHhhji",
    "jhhhHrHHHHrHhhhj",
    "jhhHHrHHHHrHHhhj",
    "jhhHHHrrrrHHHhhj",
    "jhhhHHHHHHHHhhhj",
    "ijhhhHHHHHHhhhji",
    "ijhhhhhhhhhhhhji",
    "iijhhhhhhhhhhjii",
    "iiijjhhhhhhjjiii",
    "iiiiijjjjjjiiiii",
    "iiiiiiiiiiiiiiii",
)
GOAL_ART = (
    "iiiiiiiiiiiiiiii",
    "iiiiipffffffiiii",
    "iiiiipfFFfffffii",
    "iiiiipfFffffffii",
    "iiiiipffffffffii",
    "iiiiipfffffffiii",
    "iiiiipffffiiiiii",
    "iiiiipiiiiiiiiii",
    "iiiiipiiiiiiiiii",
    "iiiiipiiiiiiiiii",
    "iiiiipiiiiiiiiii",
    "iiiiipiiiiiiiiii",
    "iiigggggiiiiiiii",
    "iigGGGGGgiiiiiii",
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
)
START_ART = (
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
    "iiiiiwwwwwwiiiii",
    "iiiwwIIIIIIwwiii",
    "iiiwIIIIIIIIwiii",
    "iiwIIIIIIIIIIwii",
    "iiwIIIIIIIIIIwii",
    "iiwIIIIIIIIIIwii",
    "iiwIIIIIIIIIIwii",
    "iiwIIIIIIIIIIwii",
    "iiwIIIIIIIIIIwii",
    "iiiwIIIIIIIIwiii",
    "iiiwwIIIIIIwwiii",
    "iiiiiwwwwwwiiiii",
    "iiiiiiiiiiiiiiii",
    "iiiiiiiiiiiiiiii",
)
PENGUIN_ART = (
    "......nnnn......",
    "....nnnnnnnn....",
    "...nnnWWWWnnn...",
    "...nnWkWWkWnn...",
    "...nnWWooWWnn...",
    "..nnnWWooWWnnn..",
    "..nnWWWWWWWWnn..",
    ".nnnWWWWWWWWnnn.",
    ".nn.WWWWWWWW.nn.",
    ".n..WWWWWWWW..n.",
    "....WWWWWWWW....",
    "....nWWWWWWn....",
    ".....nWWWWn.....",
    "....ooo..ooo....",
    "...oooo..oooo...",
    "................",
)
TILE_ART: dict[int, tuple[str, ...]] = {
    FLOOR: FLOOR_ART,
    WALL: WALL_ART,
    PIT: PIT_ART,
    GOAL: GOAL_ART,
    START: START_ART,
}
#: The colour the penguin's belly is drawn in (tests look for it where ``env.position`` is).
AGENT_COLOUR = PALETTE["W"]
GRID_LINE = (96, 136, 170)

_KEY_ACTIONS: dict[int, int] = {
    pygame.K_LEFT: LEFT,
    pygame.K_a: LEFT,
    pygame.K_DOWN: DOWN,
    pygame.K_s: DOWN,
    pygame.K_RIGHT: RIGHT,
    pygame.K_d: RIGHT,
    pygame.K_UP: UP,
    pygame.K_w: UP,
}
# Arrow polygon pointing right, in units of a cell, centred on (0, 0).
_ARROW = (
    (-0.28, -0.07),
    (0.06, -0.07),
    (0.06, -0.18),
    (0.3, 0.0),
    (0.06, 0.18),
    (0.06, 0.07),
    (-0.28, 0.07),
)
# Unit direction (dx, dy) on screen of each action.
_DIRECTIONS = {LEFT: (-1, 0), DOWN: (0, 1), RIGHT: (1, 0), UP: (0, -1)}


def art_surface(
    art: tuple[str, ...], palette: dict[str, tuple[int, int, int]] = PALETTE
) -> pygame.Surface:
    """A surface of one pixel per character of ``art``; ``.`` is transparent."""
    height, width = len(art), len(art[0])
    surface = pygame.Surface((width, height), pygame.SRCALPHA)
    for y, line in enumerate(art):
        for x, char in enumerate(line):
            if char != ".":
                surface.set_at((x, y), palette[char])
    return surface


class GridWorldView(View):
    """Draws a :class:`GridWorldEnv` as pixel-art tiles; arrows / WASD move the penguin."""

    game: ClassVar[str] = "gridworld"
    keys_help: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Arrows / WASD", "walk left, down, right, up"),
    )

    def __init__(self, env: Env, assets: Any) -> None:
        if not isinstance(env, GridWorldEnv):
            raise TypeError(f"GridWorldView draws a GridWorldEnv, not {type(env).__name__}")
        super().__init__(env, assets)
        self.env: GridWorldEnv = env
        self._art = {tile: art_surface(art) for tile, art in TILE_ART.items()}
        self._penguin = art_surface(PENGUIN_ART)
        self._scaled: dict[tuple[str, int], pygame.Surface] = {}
        self._board_key: tuple[Any, ...] = ()
        self._board: pygame.Surface | None = None

    @property
    def aspect(self) -> float:
        """The map's width / height."""
        return self.env.cols / self.env.rows

    # ----------------------------------------------------------------- geometry
    def board_rect(self, rect: pygame.Rect) -> tuple[pygame.Rect, int]:
        """The rect the grid fills inside ``rect`` (centred) and the cell size in pixels."""
        cell = max(1, min(rect.width // self.env.cols, rect.height // self.env.rows))
        board = pygame.Rect(0, 0, cell * self.env.cols, cell * self.env.rows)
        board.center = rect.center
        return board, cell

    def cell_rect(self, rect: pygame.Rect, row: int, col: int) -> pygame.Rect:
        """Where cell (row, col) is drawn when the view fills ``rect``."""
        board, cell = self.board_rect(rect)
        return pygame.Rect(board.left + col * cell, board.top + row * cell, cell, cell)

    def cell_at(self, rect: pygame.Rect, pos: tuple[int, int]) -> tuple[int, int] | None:
        """The (row, col) under the point ``pos``, or None outside the grid."""
        board, cell = self.board_rect(rect)
        if not board.collidepoint(pos):
            return None
        return (pos[1] - board.top) // cell, (pos[0] - board.left) // cell

    # ----------------------------------------------------------------- drawing
    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        board, cell = self.board_rect(rect)
        surface.blit(self._board_surface(cell), board)
        if overlay is not None and overlay.q_for_obs is not None:
            layer = self._overlay_layer(overlay, cell)
            if layer is not None:
                surface.blit(layer, board)
        row, col = self.env.position
        sprite = self._scaled_art("penguin", self._penguin, cell)
        surface.blit(sprite, (board.left + col * cell, board.top + row * cell))

    def _scaled_art(self, name: str, art: pygame.Surface, cell: int) -> pygame.Surface:
        key = (name, cell)
        if key not in self._scaled:
            self._scaled[key] = pygame.transform.scale(art, (cell, cell))
        return self._scaled[key]

    def _board_surface(self, cell: int) -> pygame.Surface:
        """The tiles of the whole map, redrawn only when the map or the cell size changes."""
        grid = self.env.grid
        key = (cell, grid.shape, grid.tobytes())
        if self._board is None or key != self._board_key:
            rows, cols = grid.shape
            board = pygame.Surface((cols * cell, rows * cell))
            for r in range(rows):
                for c in range(cols):
                    tile = int(grid[r, c])
                    board.blit(
                        self._scaled_art(str(tile), self._art[tile], cell), (c * cell, r * cell)
                    )
            if cell >= 8:
                for c in range(1, cols):
                    pygame.draw.line(board, GRID_LINE, (c * cell, 0), (c * cell, rows * cell - 1))
                for r in range(1, rows):
                    pygame.draw.line(board, GRID_LINE, (0, r * cell), (cols * cell - 1, r * cell))
            self._board, self._board_key = board, key
        return self._board

    def values(self, overlay: Overlay) -> tuple[np.ndarray, np.ndarray] | None:
        """``(value, greedy action)`` per cell from the overlay's agent, NaN / -1 on walls,
        pits and goals (nothing is decided there); None if the agent has no Q-values."""
        key = ("gridworld-values", self.env.grid.tobytes())
        if key in overlay.cache:
            return overlay.cache[key]
        assert overlay.q_for_obs is not None
        env = self.env
        value = np.full((env.rows, env.cols), np.nan)
        greedy = np.full((env.rows, env.cols), -1, dtype=np.int64)
        for r in range(env.rows):
            for c in range(env.cols):
                if env.grid[r, c] not in (FLOOR, START):
                    continue
                q = overlay.q_for_obs(env.obs_for_cell(r, c))
                if q is None:
                    overlay.cache[key] = None
                    return None
                q = np.asarray(q, dtype=np.float64)
                value[r, c] = np.max(q)
                greedy[r, c] = int(np.argmax(q))
        overlay.cache[key] = (value, greedy)
        return value, greedy

    def _overlay_layer(self, overlay: Overlay, cell: int) -> pygame.Surface | None:
        key = ("gridworld-layer", cell, self.env.grid.tobytes())
        if key in overlay.cache:
            return overlay.cache[key]
        result = self.values(overlay)
        if result is None:
            return None
        value, greedy = result
        rows, cols = value.shape
        layer = pygame.Surface((cols * cell, rows * cell), pygame.SRCALPHA)
        finite = value[np.isfinite(value)]
        # The colour spans the values on the board, so differences show even when all
        # cells are close (early in learning).
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        font = self.assets.font(max(10, cell // 4)) if cell >= 48 else None
        for r in range(rows):
            for c in range(cols):
                if greedy[r, c] < 0:
                    continue
                colour = heat_colour(value[r, c], low, high, HEAT_MID_LIGHT)
                box = pygame.Rect(c * cell, r * cell, cell, cell)
                layer.fill((*colour, 170), box.inflate(-2, -2))
                if font is None:
                    self._draw_arrow(layer, box, int(greedy[r, c]))
                    continue
                text = font.render(f"{value[r, c]:.2f}", True, (16, 20, 32))
                layer.blit(text, text.get_rect(midbottom=(box.centerx, box.bottom - 2)))
                above = pygame.Rect(box.left, box.top, box.width, box.height - text.get_height())
                self._draw_arrow(layer, above, int(greedy[r, c]))
        overlay.cache[key] = layer
        return layer

    @staticmethod
    def _draw_arrow(layer: pygame.Surface, box: pygame.Rect, action: int) -> None:
        """The greedy action's arrow, centred in ``box`` and scaled to its short side."""
        dx, dy = _DIRECTIONS[action]
        size = min(box.width, box.height)
        points = [
            (box.centerx + (x * dx - y * dy) * size, box.centery + (x * dy + y * dx) * size)
            for x, y in _ARROW
        ]
        pygame.draw.polygon(layer, (255, 255, 255, 235), points)
        if size >= 16:
            pygame.draw.polygon(layer, (20, 20, 30, 255), points, width=1)

    # ----------------------------------------------------------------- input
    def action_for_event(self, event: pygame.event.Event, rect: pygame.Rect) -> int | None:
        if event.type == pygame.KEYDOWN:
            return _KEY_ACTIONS.get(event.key)
        return None

    def status(self) -> str:
        env = self.env
        if env.terminated:
            tile = int(env.grid[env.position])
            return "Reached the goal!" if tile == GOAL else "Fell into a hole"
        if env.truncated:
            return "Out of time"
        return f"step {env.steps} of {env.max_steps}"
