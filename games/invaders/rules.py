"""Space Invaders rules: plain data advanced by a fixed tick, no window, no framework.

The world is the arcade's 224 x 256 logical screen (x to the right, y downwards, one unit
one arcade pixel) advanced at 60 ticks per second of game time. A view scales the screen
and *reads* :class:`InvadersState` every frame; it never changes it.

What follows the arcade and where it is simpler:

- A formation of ``rows`` x ``cols`` aliens on a 16 x 16 grid: 30 points for the top
  row(s), 20 for the middle, 10 for the bottom (:func:`row_kinds`). The whole formation
  steps 2 px sideways every ``alive`` ticks (the arcade moves one alien per frame, so
  the formation's speed grows as aliens die, to one step a tick for the last one); at a
  playfield edge it steps 8 px down instead and turns round. The two animation frames
  alternate with every step.
- One player shot on screen at a time, 4 px a tick. It stops at an alien, the mystery
  ship, a shield (eroding it) or the top of the playfield. Shots and bombs pass each
  other (in the arcade they can collide).
- Up to 3 bombs at once, falling 4 px every 3 ticks, always from the lowest living alien
  of a column: the "rolling" bomb from the column nearest the player, the other two from
  random columns. The reload time shortens as the score rises, as in the arcade; none
  falls in the first :data:`FIRST_BOMB_TICKS` of a game.
- 4 shields, each a 22 x 16 boolean pixel mask; every shot, bomb and alien that touches
  one wipes out a small splat of pixels, so they erode piece by piece.
- The mystery ship crosses the top every 1536 ticks while 8 or more aliens live; its
  value (50..300) comes from the arcade's table indexed by the number of shots fired.
- 3 lives; a hit player explodes and the world pauses for :data:`RESPAWN_TICKS`.
  Clearing a wave starts the next one lower (:data:`WAVE_DROPS`) with fresh shields.
  The game ends when the last life is lost or the aliens land (reach the player's row).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TICKS_PER_SECOND = 60
SCREEN_WIDTH = 224
SCREEN_HEIGHT = 256
#: Horizontal limits of everything that moves (aliens, player, mystery ship).
PLAYFIELD_LEFT = 8
PLAYFIELD_RIGHT = 216

# ----------------------------------------------------------------------- aliens
ALIEN_CELL = 16
ALIEN_HEIGHT = 8
#: Alien kinds, top of the formation to the bottom: squid, crab, octopus.
SQUID, CRAB, OCTOPUS = 0, 1, 2
KIND_POINTS = (30, 20, 10)
KIND_WIDTHS = (8, 11, 12)
#: Left edge of each kind's hitbox inside its 16 px cell (the sprite is centred).
KIND_PADS = (4, 2, 2)
#: Edge tests use the widest sprite's extent in a cell: columns [2, 14).
CELL_LEFT, CELL_RIGHT = 2, 14
MARCH_DX = 2
MARCH_DY = 8
#: Top of the formation at the start of the first wave.
FORMATION_TOP = 64
#: How much lower each wave starts than the first (the arcade's table, in pixels).
WAVE_DROPS = (0, 24, 40, 48, 48, 48, 56, 56, 56)
MAX_ROWS = 6
MAX_COLS = 11

# ----------------------------------------------------------------------- player
PLAYER_Y = 216
PLAYER_WIDTH = 13
PLAYER_HEIGHT = 8
PLAYER_SPEED = 1
PLAYER_START_X = PLAYFIELD_LEFT + 16
PLAYER_MIN_X = PLAYFIELD_LEFT
PLAYER_MAX_X = PLAYFIELD_RIGHT - PLAYER_WIDTH
#: Ticks the world pauses while the hit player explodes.
RESPAWN_TICKS = 90
LIVES = 3

# ----------------------------------------------------------------------- missiles
SHOT_SPEED = 4
SHOT_HEIGHT = 4
#: A shot whose top passes this line explodes (the score area is above it).
SHOT_CEILING = 32
BOMB_WIDTH = 3
BOMB_HEIGHT = 7
BOMB_SPEED = 4
#: Bombs move every BOMB_PERIOD ticks.
BOMB_PERIOD = 3
MAX_BOMBS = 3
#: Ticks into a game before the first bomb (the aimed one) drops: a grace, as in the
#: arcade, so a person has a moment to find the cannon before the aliens open fire.
FIRST_BOMB_TICKS = 120
#: Bomb kinds (the view draws each differently); ROLLING aims at the player.
ROLLING, PLUNGER, SQUIGGLY = 0, 1, 2
#: A bomb whose bottom reaches this line explodes on the ground.
GROUND_Y = 232

# ----------------------------------------------------------------------- shields
SHIELD_Y = 192
SHIELD_WIDTH = 22
SHIELD_HEIGHT = 16
SHIELD_XS = (34, 79, 124, 169)

# ----------------------------------------------------------------------- mystery ship
MYSTERY_Y = 40
MYSTERY_WIDTH = 16
MYSTERY_HEIGHT = 7
MYSTERY_SPEED = 1
MYSTERY_PERIOD = 1536
MYSTERY_MIN_ALIENS = 8
MYSTERY_POINTS = (100, 50, 50, 100, 150, 100, 100, 50, 300, 100, 100, 100, 50, 150, 100)


def _bitmap(*rows: str) -> np.ndarray:
    return np.array([[ch == "#" for ch in row] for row in rows], dtype=bool)


#: A shield at full strength: the arcade bunker with its arch.
SHIELD_SHAPE = _bitmap(
    "....##############....",
    "...################...",
    "..##################..",
    ".####################.",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "######################",
    "#######........#######",
    "######..........######",
    "#####............#####",
    "#####............#####",
)
#: Pixels a hit wipes out of a shield, centred on the pixel hit (ragged, like the arcade's).
SHOT_SPLAT = _bitmap(
    "#..#..#.",
    "..####..",
    ".######.",
    "########",
    ".######.",
    "..####..",
    ".#.##.#.",
)
BOMB_SPLAT = _bitmap(
    ".#.#.#",
    "#.###.",
    ".####.",
    "######",
    ".####.",
    "#.#.##",
)


# ----------------------------------------------------------------------- the state
@dataclass(slots=True)
class Shot:
    """The player's shot: a 1 x SHOT_HEIGHT line whose top-left pixel is (x, y)."""

    x: int
    y: int


@dataclass(slots=True)
class Bomb:
    """An alien bomb: a BOMB_WIDTH x BOMB_HEIGHT box with top-left (x, y)."""

    x: int
    y: int
    kind: int


@dataclass(slots=True)
class Mystery:
    """The mystery ship crossing the top: top-left x, moving ``direction`` (+1 or -1)."""

    x: int
    direction: int


# ----------------------------------------------------------------------- events
@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened during a tick, for reward shaping, sounds and effects (a
    view draws explosions from these): one subclass per kind, ``tick`` when it happened.
    Positions are top-left corners on screen, like the state's."""

    tick: int


@dataclass(frozen=True, slots=True)
class ShotFired(Event):
    """The player fired; the shot's top-left is (x, y)."""

    x: int
    y: int


@dataclass(frozen=True, slots=True)
class ShotMissed(Event):
    """The shot flew past the top of the playfield and exploded at (x, :data:`SHOT_CEILING`)."""

    x: int


@dataclass(frozen=True, slots=True)
class ShieldHit(Event):
    """A shot (``by_bomb`` False) or a bomb wiped a splat out of a shield at pixel (x, y)."""

    x: int
    y: int
    by_bomb: bool


@dataclass(frozen=True, slots=True)
class AlienKilled(Event):
    """The shot killed an alien of kind ``alien`` whose hitbox's top-left was (x, y)."""

    x: int
    y: int
    alien: int
    points: int


@dataclass(frozen=True, slots=True)
class MysteryAppeared(Event):
    """The mystery ship came on at x (its row is :data:`MYSTERY_Y`)."""

    x: int


@dataclass(frozen=True, slots=True)
class MysteryHit(Event):
    """The shot hit the mystery ship at x, worth ``points``."""

    x: int
    points: int


@dataclass(frozen=True, slots=True)
class BombDropped(Event):
    """A bomb of kind ``bomb`` (:data:`ROLLING`, ...) dropped with its top-left at (x, y)."""

    x: int
    y: int
    bomb: int


@dataclass(frozen=True, slots=True)
class BombGrounded(Event):
    """A bomb at x reached the ground (:data:`GROUND_Y`) and exploded there."""

    x: int


@dataclass(frozen=True, slots=True)
class PlayerHit(Event):
    """A bomb hit the cannon at x: a life lost, the cannon explodes."""

    x: int


@dataclass(frozen=True, slots=True)
class PlayerRespawned(Event):
    """The cannon is back at x after its explosion."""

    x: int


@dataclass(frozen=True, slots=True)
class March(Event):
    """The formation stepped (the beat of the march)."""


@dataclass(frozen=True, slots=True)
class WaveCleared(Event):
    """The last alien of wave ``wave`` died; the next wave starts."""

    wave: int


@dataclass(frozen=True, slots=True)
class AliensLanded(Event):
    """The formation reached the player's row: the game is over."""


@dataclass(frozen=True, slots=True)
class GameOver(Event):
    """The game ended (the last life was lost, or the aliens landed)."""


@dataclass(slots=True)
class InvadersState:
    """Everything about a game of Invaders; positions are top-left corners on screen.

    Attributes:
        rows, cols: formation size.
        kinds: the alien kind of each row (:data:`SQUID`, :data:`CRAB`, :data:`OCTOPUS`).
        alive: (rows, cols) bool mask of living aliens.
        formation_x, formation_y: top-left of the formation's cell (0, 0).
        march_dir: +1 marching right, -1 left.
        march_timer: ticks until the formation's next step.
        anim_frame: 0 or 1, the aliens' animation frame (flips at every step).
        player_x: left edge of the player's cannon (its top is :data:`PLAYER_Y`).
        respawn_timer: > 0 while the hit player explodes and the world pauses.
        shot: the player's shot, or None.
        bombs: the bombs falling.
        bomb_timer: ticks until the next bomb may drop.
        next_bomb_kind: kind of the next bomb (cycles through the three).
        shields: (4, SHIELD_HEIGHT, SHIELD_WIDTH) bool pixel masks, one per shield,
            shield ``i`` at (:data:`SHIELD_XS` [i], :data:`SHIELD_Y`).
        mystery: the mystery ship, or None.
        mystery_timer: ticks until the mystery ship may appear.
        shots_fired: shots fired this game (the mystery ship's value depends on it).
        score, lives, wave: the player's score, lives left, wave number (from 1).
        tick: ticks since the game began.
        landed: the aliens reached the player's row.
        col_lowest: per column, the row of its lowest living alien, -1 if none.
        alive_count: number of living aliens.
    """

    rows: int
    cols: int
    kinds: tuple[int, ...]
    alive: np.ndarray
    formation_x: int
    formation_y: int
    march_dir: int = 1
    march_timer: int = 1
    anim_frame: int = 0
    player_x: int = PLAYER_START_X
    respawn_timer: int = 0
    shot: Shot | None = None
    bombs: list[Bomb] = field(default_factory=list)
    bomb_timer: int = 0
    next_bomb_kind: int = ROLLING
    shields: np.ndarray = field(default_factory=lambda: new_shields())
    mystery: Mystery | None = None
    mystery_timer: int = MYSTERY_PERIOD
    shots_fired: int = 0
    score: int = 0
    lives: int = LIVES
    wave: int = 1
    tick: int = 0
    landed: bool = False
    col_lowest: list[int] = field(default_factory=list)
    alive_count: int = 0

    @property
    def game_over(self) -> bool:
        """True once the aliens landed or the last life was lost."""
        return self.landed or self.lives <= 0

    @property
    def player_alive(self) -> bool:
        """False while the player's explosion plays."""
        return self.respawn_timer == 0


# ----------------------------------------------------------------------- geometry
def row_kinds(rows: int) -> tuple[int, ...]:
    """The alien kind of each row: the arcade's 5 rows are squid, crab, crab, octopus,
    octopus; other heights sample that pattern evenly from top to bottom."""
    arcade = (SQUID, CRAB, CRAB, OCTOPUS, OCTOPUS)
    if rows == 1:
        return (OCTOPUS,)
    return tuple(arcade[round(r * 4 / (rows - 1))] for r in range(rows))


def alien_rect(state: InvadersState, row: int, col: int) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the alien at (row, col), living or not."""
    kind = state.kinds[row]
    return (
        state.formation_x + col * ALIEN_CELL + KIND_PADS[kind],
        state.formation_y + row * ALIEN_CELL,
        KIND_WIDTHS[kind],
        ALIEN_HEIGHT,
    )


def living_aliens(state: InvadersState) -> list[tuple[int, int, int, int, int]]:
    """(row, col, x, y, kind) of every living alien, top row first."""
    out = []
    for row, col in zip(*np.nonzero(state.alive), strict=True):
        x, y, _, _ = alien_rect(state, int(row), int(col))
        out.append((int(row), int(col), x, y, state.kinds[row]))
    return out


def formation_extent(state: InvadersState) -> tuple[int, int, int] | None:
    """(left, right, bottom) screen extent of the living aliens (edge-test box), or None."""
    cols = [c for c, r in enumerate(state.col_lowest) if r >= 0]
    if not cols:
        return None
    left = state.formation_x + cols[0] * ALIEN_CELL + CELL_LEFT
    right = state.formation_x + cols[-1] * ALIEN_CELL + CELL_RIGHT
    bottom = state.formation_y + max(state.col_lowest) * ALIEN_CELL + ALIEN_HEIGHT
    return left, right, bottom


def new_shields() -> np.ndarray:
    """Four shields at full strength."""
    return np.repeat(SHIELD_SHAPE[None], len(SHIELD_XS), axis=0)


def bomb_reload(score: int) -> int:
    """Ticks between bombs: the arcade's table, faster as the score rises."""
    if score < 0x200:
        return 48
    if score < 0x1000:
        return 16
    if score < 0x2000:
        return 11
    if score < 0x3000:
        return 8
    return 7


# ----------------------------------------------------------------------- setting up
def new_game(rows: int = 5, cols: int = 11) -> InvadersState:
    """A fresh game at the start of wave 1."""
    if not 1 <= rows <= MAX_ROWS or not 1 <= cols <= MAX_COLS:
        raise ValueError(f"formation must be 1..{MAX_ROWS} rows x 1..{MAX_COLS} cols")
    state = InvadersState(
        rows=rows,
        cols=cols,
        kinds=row_kinds(rows),
        alive=np.ones((rows, cols), dtype=bool),
        formation_x=0,
        formation_y=0,
    )
    start_wave(state)
    state.bomb_timer = FIRST_BOMB_TICKS
    return state


def start_wave(state: InvadersState) -> None:
    """Put a full formation up for ``state.wave`` (lower each wave), with fresh shields."""
    state.alive[:] = True
    state.alive_count = state.rows * state.cols
    state.col_lowest = [state.rows - 1] * state.cols
    state.formation_x = (SCREEN_WIDTH - state.cols * ALIEN_CELL) // 2
    state.formation_y = FORMATION_TOP + WAVE_DROPS[min(state.wave, len(WAVE_DROPS)) - 1]
    state.march_dir = 1
    state.march_timer = state.alive_count
    state.anim_frame = 0
    state.shot = None
    state.bombs = []
    state.bomb_timer = bomb_reload(state.score)
    state.mystery = None
    state.mystery_timer = MYSTERY_PERIOD
    state.shields = new_shields()


def set_alive(state: InvadersState, alive: np.ndarray) -> None:
    """Replace the formation's alive mask (for tests and custom setups), keeping the
    derived fields (living count, lowest alien per column) in step with it."""
    alive = np.asarray(alive, dtype=bool)
    if alive.shape != (state.rows, state.cols):
        raise ValueError(f"alive mask must have shape {(state.rows, state.cols)}")
    state.alive[:] = alive
    state.alive_count = int(alive.sum())
    state.col_lowest = [
        int(np.flatnonzero(alive[:, c])[-1]) if alive[:, c].any() else -1 for c in range(state.cols)
    ]


# ----------------------------------------------------------------------- the tick
def tick(
    state: InvadersState, move: int, fire: bool, rng: np.random.Generator, events: list[Event]
) -> int:
    """Advance the game one tick with the player's input; return the points scored.

    ``move`` is -1 (left), 0 or +1 (right); ``fire`` launches a shot if none is in
    flight (otherwise it does nothing). What happened is appended to ``events``.
    """
    state.tick += 1
    if state.respawn_timer:
        state.respawn_timer -= 1
        if not state.respawn_timer:
            state.player_x = PLAYER_START_X
            events.append(PlayerRespawned(state.tick, state.player_x))
        return 0

    x = state.player_x + move * PLAYER_SPEED
    state.player_x = PLAYER_MIN_X if x < PLAYER_MIN_X else PLAYER_MAX_X if x > PLAYER_MAX_X else x
    if fire and state.shot is None:
        state.shot = Shot(state.player_x + PLAYER_WIDTH // 2, PLAYER_Y - SHOT_HEIGHT)
        state.shots_fired += 1
        events.append(ShotFired(state.tick, state.shot.x, state.shot.y))

    points = 0
    if state.shot is not None:
        points += _move_shot(state, events)
        if state.alive_count == 0:
            _clear_wave(state, events)
            return points
    state.march_timer -= 1
    if state.march_timer <= 0:
        _march(state, events)
        if state.landed:
            events.append(AliensLanded(state.tick))
            events.append(GameOver(state.tick))
            return points
    _bombs(state, rng, events)
    _mystery(state, events)
    return points


def _move_shot(state: InvadersState, events: list[Event]) -> int:
    """Move the shot up; resolve what it hits. Returns the points scored."""
    shot = state.shot
    assert shot is not None
    shot.y -= SHOT_SPEED
    sx, sy = shot.x, shot.y
    sy_end = sy + SHOT_HEIGHT
    if sy < SHOT_CEILING:
        state.shot = None
        events.append(ShotMissed(state.tick, sx))
        return 0
    if (
        sy_end > SHIELD_Y
        and sy < SHIELD_Y + SHIELD_HEIGHT
        and _shot_hits_shield(state, sx, sy, events)
    ):
        state.shot = None
        return 0
    points = _shot_hits_alien(state, sx, sy, events)
    if points:
        return points
    mystery = state.mystery
    if mystery is not None and shot_hits_mystery(sx, sy, mystery.x):
        points = MYSTERY_POINTS[state.shots_fired % len(MYSTERY_POINTS)]
        state.score += points
        state.shot = None
        state.mystery = None
        state.mystery_timer = MYSTERY_PERIOD
        events.append(MysteryHit(state.tick, mystery.x, points))
    return points


def shot_hits_mystery(sx: int, sy: int, mystery_x: int) -> bool:
    """Whether a shot with top-left (sx, sy) touches the mystery ship at ``mystery_x``."""
    return (
        sy < MYSTERY_Y + MYSTERY_HEIGHT
        and sy + SHOT_HEIGHT > MYSTERY_Y
        and mystery_x <= sx < mystery_x + MYSTERY_WIDTH
    )


def _shot_hits_alien(state: InvadersState, sx: int, sy: int, events: list[Event]) -> int:
    rel_x = sx - state.formation_x
    if rel_x < 0 or rel_x >= state.cols * ALIEN_CELL:
        return 0
    col = rel_x // ALIEN_CELL
    row_bottom = state.col_lowest[col]
    if row_bottom < 0:
        return 0
    in_cell = rel_x - col * ALIEN_CELL
    rel_y = sy - state.formation_y
    # The shot spans rel_y .. rel_y + 3; an alien spans rows*16 .. rows*16 + 7. Check the
    # lower candidate first: the shot comes from below.
    for row in ((rel_y + SHOT_HEIGHT - 1) // ALIEN_CELL, rel_y // ALIEN_CELL):
        if row < 0 or row > row_bottom or not state.alive[row, col]:
            continue
        top = row * ALIEN_CELL
        if rel_y >= top + ALIEN_HEIGHT or rel_y + SHOT_HEIGHT <= top:
            continue
        kind = state.kinds[row]
        if not KIND_PADS[kind] <= in_cell < KIND_PADS[kind] + KIND_WIDTHS[kind]:
            return 0
        _kill(state, row, col)
        points = KIND_POINTS[kind]
        state.score += points
        state.shot = None
        x, y, _, _ = alien_rect(state, row, col)
        events.append(AlienKilled(state.tick, x, y, kind, points))
        return points
    return 0


def _kill(state: InvadersState, row: int, col: int) -> None:
    state.alive[row, col] = False
    state.alive_count -= 1
    if state.col_lowest[col] == row:
        alive_col = state.alive[:row, col]
        below = np.flatnonzero(alive_col)
        state.col_lowest[col] = int(below[-1]) if len(below) else -1


def _clear_wave(state: InvadersState, events: list[Event]) -> None:
    events.append(WaveCleared(state.tick, state.wave))
    state.wave += 1
    start_wave(state)


def march_step(left: int, right: int, direction: int) -> tuple[int, int, int]:
    """One step of a formation whose living aliens span [left, right) on screen, marching
    ``direction``: (dx, dy, the new direction). Sideways, or down and turn round at a
    playfield edge."""
    dx = direction * MARCH_DX
    if left + dx < PLAYFIELD_LEFT or right + dx > PLAYFIELD_RIGHT:
        return 0, MARCH_DY, -direction
    return dx, 0, direction


def _march(state: InvadersState, events: list[Event]) -> None:
    """One formation step: sideways, or down and turn round at a playfield edge."""
    state.march_timer = state.alive_count
    state.anim_frame ^= 1
    extent = formation_extent(state)
    assert extent is not None
    left, right, bottom = extent
    dx, dy, state.march_dir = march_step(left, right, state.march_dir)
    state.formation_x += dx
    state.formation_y += dy
    bottom += dy
    events.append(March(state.tick))
    if bottom > SHIELD_Y:
        _aliens_crush_shields(state)
    if bottom >= PLAYER_Y:
        state.landed = True


def _aliens_crush_shields(state: InvadersState) -> None:
    """Aliens marching through a shield wipe out the pixels under them."""
    for _, _, x, y, kind in living_aliens(state):
        top, bottom = y - SHIELD_Y, y + ALIEN_HEIGHT - SHIELD_Y
        if bottom <= 0 or top >= SHIELD_HEIGHT:
            continue
        for i, sx in enumerate(SHIELD_XS):
            left, right = x - sx, x + KIND_WIDTHS[kind] - sx
            if right > 0 and left < SHIELD_WIDTH:
                state.shields[i, max(top, 0) : bottom, max(left, 0) : right] = False


def _shield_at(x: int) -> int:
    for i, sx in enumerate(SHIELD_XS):
        if sx <= x < sx + SHIELD_WIDTH:
            return i
    return -1


def _splat(state: InvadersState, i: int, cx: int, cy: int, splat: np.ndarray) -> None:
    """Wipe ``splat`` out of shield ``i``, centred on shield pixel (cx, cy)."""
    h, w = splat.shape
    top, left = cy - h // 2, cx - w // 2
    y0, y1 = max(top, 0), min(top + h, SHIELD_HEIGHT)
    x0, x1 = max(left, 0), min(left + w, SHIELD_WIDTH)
    state.shields[i, y0:y1, x0:x1] &= ~splat[y0 - top : y1 - top, x0 - left : x1 - left]


def _shot_hits_shield(state: InvadersState, sx: int, sy: int, events: list[Event]) -> bool:
    i = _shield_at(sx)
    if i < 0:
        return False
    lx = sx - SHIELD_XS[i]
    y0 = max(sy - SHIELD_Y, 0)
    hits = np.flatnonzero(state.shields[i, y0 : sy + SHOT_HEIGHT - SHIELD_Y, lx])
    if not len(hits):
        return False
    # Coming from below, the shot meets the lowest solid pixel first.
    ly = y0 + int(hits[-1])
    _splat(state, i, lx, ly, SHOT_SPLAT)
    events.append(ShieldHit(state.tick, sx, SHIELD_Y + ly, by_bomb=False))
    return True


#: What a bomb whose top is at some y overlaps (:func:`bomb_row`).
BOMB_FALLING, BOMB_AT_SHIELDS, BOMB_AT_PLAYER, BOMB_GROUNDED = range(4)


def bomb_row(y: int) -> int:
    """What a bomb whose top is at ``y`` has reached: the ground (it explodes there), the
    player's row (it hits a cannon under it), the shields' rows, or none of them."""
    if y + BOMB_HEIGHT >= GROUND_Y:
        return BOMB_GROUNDED
    if y + BOMB_HEIGHT > PLAYER_Y and y < PLAYER_Y + PLAYER_HEIGHT:
        return BOMB_AT_PLAYER
    if y + BOMB_HEIGHT > SHIELD_Y and y < SHIELD_Y + SHIELD_HEIGHT:
        return BOMB_AT_SHIELDS
    return BOMB_FALLING


def _bombs(state: InvadersState, rng: np.random.Generator, events: list[Event]) -> None:
    """Drop a bomb when reloaded; move the bombs and resolve what they hit."""
    state.bomb_timer -= 1
    if state.bomb_timer <= 0 and len(state.bombs) < MAX_BOMBS:
        _drop_bomb(state, rng, events)
    if state.tick % BOMB_PERIOD or not state.bombs:
        return
    px = state.player_x
    kept = []
    for bomb in state.bombs:
        bomb.y += BOMB_SPEED
        where = bomb_row(bomb.y)
        if where == BOMB_GROUNDED:
            events.append(BombGrounded(state.tick, bomb.x))
            continue
        if where == BOMB_AT_PLAYER and bomb.x < px + PLAYER_WIDTH and bomb.x + BOMB_WIDTH > px:
            _player_hit(state, events)
            return
        if where == BOMB_AT_SHIELDS and _bomb_hits_shield(state, bomb, events):
            continue
        kept.append(bomb)
    state.bombs = kept


def _drop_bomb(state: InvadersState, rng: np.random.Generator, events: list[Event]) -> None:
    columns = [c for c, r in enumerate(state.col_lowest) if r >= 0]
    if not columns:
        return
    kind = state.next_bomb_kind
    state.next_bomb_kind = (kind + 1) % 3
    if kind == ROLLING:
        # The rolling bomb aims at the player: the living column nearest above them.
        centre = state.player_x + PLAYER_WIDTH // 2 - state.formation_x - ALIEN_CELL // 2
        col = min(columns, key=lambda c: abs(c * ALIEN_CELL - centre))
    else:
        col = columns[int(rng.integers(len(columns)))]
    row = state.col_lowest[col]
    x = state.formation_x + col * ALIEN_CELL + (ALIEN_CELL - BOMB_WIDTH) // 2
    y = state.formation_y + row * ALIEN_CELL + ALIEN_HEIGHT
    state.bombs.append(Bomb(x, y, kind))
    state.bomb_timer = bomb_reload(state.score)
    events.append(BombDropped(state.tick, x, y, kind))


def _bomb_hits_shield(state: InvadersState, bomb: Bomb, events: list[Event]) -> bool:
    for i, sx in enumerate(SHIELD_XS):
        left, right = bomb.x - sx, bomb.x + BOMB_WIDTH - sx
        if right <= 0 or left >= SHIELD_WIDTH:
            continue
        x0, y0 = max(left, 0), max(bomb.y - SHIELD_Y, 0)
        box = state.shields[i, y0 : bomb.y + BOMB_HEIGHT - SHIELD_Y, x0 : min(right, SHIELD_WIDTH)]
        solid_rows = np.flatnonzero(box.any(axis=1))
        if not len(solid_rows):
            return False
        # Falling, the bomb meets the highest solid pixel first.
        ly = y0 + int(solid_rows[0])
        lx = x0 + int(np.argmax(box[solid_rows[0]]))
        _splat(state, i, lx, ly, BOMB_SPLAT)
        events.append(ShieldHit(state.tick, sx + lx, SHIELD_Y + ly, by_bomb=True))
        return True
    return False


def _player_hit(state: InvadersState, events: list[Event]) -> None:
    """Lose a life; the world pauses while the player explodes, bombs and shot vanish."""
    state.lives -= 1
    state.bombs = []
    state.shot = None
    events.append(PlayerHit(state.tick, state.player_x))
    if state.lives <= 0:
        events.append(GameOver(state.tick))
    else:
        state.respawn_timer = RESPAWN_TICKS


def _mystery(state: InvadersState, events: list[Event]) -> None:
    mystery = state.mystery
    if mystery is None:
        state.mystery_timer -= 1
        if state.mystery_timer > 0:
            return
        if state.alive_count < MYSTERY_MIN_ALIENS:
            state.mystery_timer = MYSTERY_PERIOD
            return
        # As in the arcade, the number of shots fired decides the side it comes from.
        if state.shots_fired % 2:
            state.mystery = Mystery(PLAYFIELD_RIGHT - MYSTERY_WIDTH, -1)
        else:
            state.mystery = Mystery(PLAYFIELD_LEFT, 1)
        events.append(MysteryAppeared(state.tick, state.mystery.x))
        return
    mystery.x += mystery.direction * MYSTERY_SPEED
    if mystery.x < PLAYFIELD_LEFT or mystery.x + MYSTERY_WIDTH > PLAYFIELD_RIGHT:
        state.mystery = None
        state.mystery_timer = MYSTERY_PERIOD
