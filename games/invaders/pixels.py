"""A numpy-only rasteriser of the Invaders state, for the ``pixels`` observation mode.

:func:`render` draws the 224 x 256 logical screen in grayscale at full resolution, then
max-pools it 4 x 4 down to :data:`FRAME_HEIGHT` x :data:`FRAME_WIDTH` (64 x 56), so a
1 px shot or a 3 px bomb still shows. The sprite bitmaps are the project's own pixel
art and are shared with the pygame view, so both draw the same shapes.
"""

from __future__ import annotations

import numpy as np

from qarcade.games.invaders import rules, sprites
from qarcade.games.invaders.rules import InvadersState

DOWNSCALE = 4
FRAME_HEIGHT = rules.SCREEN_HEIGHT // DOWNSCALE
FRAME_WIDTH = rules.SCREEN_WIDTH // DOWNSCALE

#: Gray level of each kind of thing (what a network tells them apart by).
SHADE_ALIEN = 200
SHADE_PLAYER = 255
SHADE_SHOT = 255
SHADE_BOMB = 230
SHADE_SHIELD = 120
SHADE_MYSTERY = 160
SHADE_GROUND = 80


#: ALIEN_SPRITES[kind][frame]: the two animation frames of each alien kind, from the same
#: pixel art the view draws (games/invaders/sprites.py).
ALIEN_SPRITES: tuple[tuple[np.ndarray, np.ndarray], ...] = tuple(
    (sprites.to_mask(frames[0]), sprites.to_mask(frames[1])) for frames in sprites.ALIENS
)
PLAYER_SPRITE = sprites.to_mask(sprites.CANNON)
MYSTERY_SPRITE = sprites.to_mask(sprites.MYSTERY[0])
#: BOMB_SPRITES[kind] for rules.ROLLING, PLUNGER, SQUIGGLY: the first animation frame (a
#: 4x max-pooled frame cannot show the others apart).
BOMB_SPRITES = tuple(sprites.to_mask(frames[0]) for frames in sprites.BOMBS)


def _formation_tiles(kinds: tuple[int, ...], cols: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole formation drawn with every alien alive, one image per animation frame."""
    tiles = []
    for frame in (0, 1):
        tile = np.zeros((len(kinds) * rules.ALIEN_CELL, cols * rules.ALIEN_CELL), np.uint8)
        for row, kind in enumerate(kinds):
            sprite = ALIEN_SPRITES[kind][frame]
            y = row * rules.ALIEN_CELL
            for col in range(cols):
                x = col * rules.ALIEN_CELL + rules.KIND_PADS[kind]
                tile[y : y + rules.ALIEN_HEIGHT, x : x + sprite.shape[1]][sprite] = SHADE_ALIEN
        tiles.append(tile)
    return tiles[0], tiles[1]


_TILE_CACHE: dict[tuple[tuple[int, ...], int], tuple[np.ndarray, np.ndarray]] = {}


def _blit(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    """Max-combine ``image`` into ``canvas`` at (x, y), clipped to the canvas."""
    h, w = image.shape
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, canvas.shape[1]), min(y + h, canvas.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    region = canvas[y0:y1, x0:x1]
    np.maximum(region, image[y0 - y : y1 - y, x0 - x : x1 - x], out=region)


def render_screen(state: InvadersState) -> np.ndarray:
    """The full-resolution (256, 224) uint8 grayscale screen."""
    canvas = np.zeros((rules.SCREEN_HEIGHT, rules.SCREEN_WIDTH), np.uint8)
    key = (state.kinds, state.cols)
    tiles = _TILE_CACHE.get(key)
    if tiles is None:
        tiles = _TILE_CACHE[key] = _formation_tiles(state.kinds, state.cols)
    cell = rules.ALIEN_CELL
    alive = np.repeat(np.repeat(state.alive, cell, axis=0), cell, axis=1)
    _blit(canvas, tiles[state.anim_frame] * alive, state.formation_x, state.formation_y)
    for i, x in enumerate(rules.SHIELD_XS):
        _blit(canvas, state.shields[i] * np.uint8(SHADE_SHIELD), x, rules.SHIELD_Y)
    if state.player_alive:
        _blit(canvas, PLAYER_SPRITE * np.uint8(SHADE_PLAYER), state.player_x, rules.PLAYER_Y)
    if state.shot is not None:
        canvas[state.shot.y : state.shot.y + rules.SHOT_HEIGHT, state.shot.x] = SHADE_SHOT
    for bomb in state.bombs:
        _blit(canvas, BOMB_SPRITES[bomb.kind] * np.uint8(SHADE_BOMB), bomb.x, bomb.y)
    if state.mystery is not None:
        _blit(canvas, MYSTERY_SPRITE * np.uint8(SHADE_MYSTERY), state.mystery.x, rules.MYSTERY_Y)
    canvas[rules.GROUND_Y, :] = SHADE_GROUND
    return canvas


def render(state: InvadersState) -> np.ndarray:
    """The (FRAME_HEIGHT, FRAME_WIDTH) uint8 observation frame: the screen max-pooled."""
    # Maxima over strided views: much faster than ndarray.max over two reshaped axes.
    screen = render_screen(state)
    rows = screen[0::DOWNSCALE]
    for k in range(1, DOWNSCALE):
        rows = np.maximum(rows, screen[k::DOWNSCALE])
    frame = rows[:, 0::DOWNSCALE]
    for k in range(1, DOWNSCALE):
        frame = np.maximum(frame, rows[:, k::DOWNSCALE])
    return frame
