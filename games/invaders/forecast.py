"""What the Invaders rules say will happen next, read from a state without changing it.

Two forecasts, both exact for the world as it stands (a bomb dropped later, or a shield
eroded by something else in the meantime, is not foreseen):

- :func:`bomb_crossings` and :func:`trapped`: the ticks at which each falling bomb will
  pass the cannon's row and the cannon positions it would hit then; from those, whether
  a move leaves the cannon any way out at all.
- :class:`ShotForecast` (and :func:`shot_points`, :func:`firing_solutions`): what a
  shot fired now would hit on its way up, from every column at once, the formation
  marching meanwhile; so also where the nearest place to fire from is.

They feed the features observation (:mod:`games.invaders.env`): a network reads "this
move walks into a bomb it can no longer dodge", "this shot scores 30" and "the nearest
shot that hits is 20 px to the left" far more easily than it derives them from positions
a few hundredths of the screen apart. Tests check both against the rules' own tick.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from qarcade.games.invaders import rules
from qarcade.games.invaders.rules import InvadersState

#: A bomb crossing the cannon's row: (ticks from now, lowest and highest cannon x, the
#: left edge, that it hits then).
Crossing = tuple[int, int, int]


def bomb_crossings(state: InvadersState, bomb: rules.Bomb) -> list[Crossing]:
    """Every tick at which ``bomb`` will be tested against the cannon (bombs move, and are
    tested, every :data:`rules.BOMB_PERIOD` ticks), unless the ground or a shield stops
    it first."""
    out: list[Crossing] = []
    ticks = -state.tick % rules.BOMB_PERIOD or rules.BOMB_PERIOD
    lowest = bomb.x - rules.PLAYER_WIDTH + 1
    highest = bomb.x + rules.BOMB_WIDTH - 1
    # Skip the steps above the shields' rows, where nothing can stop it.
    steps = max((_ABOVE_SHIELDS - bomb.y) // rules.BOMB_SPEED, 0)
    y = bomb.y + steps * rules.BOMB_SPEED
    ticks += steps * rules.BOMB_PERIOD
    shield = max(_SHIELD_UNDER[bomb.x], _SHIELD_UNDER[bomb.x + rules.BOMB_WIDTH - 1])
    while True:
        y += rules.BOMB_SPEED
        where = rules.bomb_row(y)
        if where == rules.BOMB_GROUNDED:
            return out
        if where == rules.BOMB_AT_PLAYER:
            out.append((ticks, lowest, highest))
        elif where == rules.BOMB_AT_SHIELDS and shield >= 0:
            # Its boxes on the way down overlap (it moves 4 px, is 7 tall): it meets a
            # pixel somewhere on its way through iff one lies anywhere below its top now.
            left = max(bomb.x - rules.SHIELD_XS[shield], 0)
            right = bomb.x + rules.BOMB_WIDTH - rules.SHIELD_XS[shield]
            if state.shields[shield, max(y - rules.SHIELD_Y, 0) :, left:right].any():
                return out
            shield = -1
        ticks += rules.BOMB_PERIOD


def trapped(state: InvadersState, moves: Sequence[int], hold: int, margin: int = 1) -> list[bool]:
    """For each move (-1, 0, +1): if the cannon makes it for ``hold`` ticks, is it then
    hit by a falling bomb whatever it does (moving a pixel a tick, stopped by the walls)?

    ``margin`` widens every bomb by that many pixels each side, so that a way out through
    a gap of a pixel or two, which only perfect timing takes, counts as none. False for
    every move while the cannon explodes (there are no bombs then).
    """
    crossings = sorted(c for bomb in state.bombs for c in bomb_crossings(state, bomb))
    if state.respawn_timer or not crossings:
        return [False] * len(moves)
    low, high = rules.PLAYER_MIN_X, rules.PLAYER_MAX_X
    x0 = state.player_x
    out = []
    for move in moves:
        # While the move is held the cannon is at one place each tick.
        k = 0
        hit = False
        while k < len(crossings) and crossings[k][0] <= hold:
            ticks, lowest, highest = crossings[k]
            x = min(max(x0 + move * ticks, low), high)
            hit = hit or lowest - margin <= x <= highest + margin
            k += 1
        if hit:
            out.append(True)
            continue
        # Keeping the move up to the last crossing is one way out: often enough to know.
        if not any(
            lowest - margin <= min(max(x0 + move * ticks, low), high) <= highest + margin
            for ticks, lowest, highest in crossings[k:]
        ):
            out.append(False)
            continue
        # Then anywhere a pixel a tick can reach: a list of disjoint x intervals, grown
        # between crossings and cut by each.
        reach = [(min(max(x0 + move * hold, low), high),) * 2]
        now = hold
        while k < len(crossings) and reach:
            ticks = crossings[k][0]
            grown: list[tuple[int, int]] = []
            for a, b in reach:
                a, b = max(a - (ticks - now), low), min(b + (ticks - now), high)
                if grown and a <= grown[-1][1] + 1:
                    grown[-1] = (grown[-1][0], max(grown[-1][1], b))
                else:
                    grown.append((a, b))
            now = ticks
            while k < len(crossings) and crossings[k][0] == ticks:
                _, lowest, highest = crossings[k]
                lowest, highest = lowest - margin, highest + margin
                cut = []
                for a, b in grown:
                    if a < lowest:
                        cut.append((a, min(b, lowest - 1)))
                    if b > highest:
                        cut.append((max(a, highest + 1), b))
                grown = cut
                k += 1
            reach = grown
        out.append(not reach)
    return out


class ShotForecast:
    """What a shot fired this tick would hit, for every screen column it could fly up:
    for each tick of its climb, the rows of aliens it overlaps then, where the marching
    formation will be (nothing is killed on the way). Aliens always fly below the
    mystery ship, so a shot meets any alien in its column before the ship.

    Attributes:
        points: per screen x, the points of the alien a shot flying up x hits first,
            0 if none (or a shield stops it first).
        key: what the forecast depends on (:func:`shot_key`); equal keys give equal
            forecasts, so a caller may keep one while the key stays the same (the
            formation moves every few ticks, not every tick).
    """

    __slots__ = ("_left", "_right", "key", "points")

    def __init__(self, state: InvadersState, key: tuple | None = None) -> None:
        self.key = shot_key(state) if key is None else key
        (kinds, alive), xs, ys, first, shields = self.key
        width = rules.SCREEN_WIDTH
        # Screen x = formation x + offset; a margin on both sides takes the formation's
        # overhang (empty edge columns) at the playfield's edges.
        span = state.cols * rules.ALIEN_CELL
        points = np.zeros(width + 2 * span, dtype=np.int64)
        patterns = _row_patterns(kinds, alive)
        # Bottom rows last: a shot meets the lowest alien in its way first.
        for row, pattern in enumerate(patterns):
            if pattern is None:
                continue
            hit, value = pattern
            top, bottom = row * rules.ALIEN_CELL, row * rules.ALIEN_CELL + rules.ALIEN_HEIGHT
            # The ticks on which the shot can be level with this row, whatever the
            # formation's height meanwhile (it only ever steps down), then each checked.
            start = max((_SHOT_TOPS[0] - ys[-1] - bottom) // rules.SHOT_SPEED - first, 0)
            stop = (_SHOT_TOPS[0] + rules.SHOT_HEIGHT - ys[0] - top) // rules.SHOT_SPEED + 1
            for i in range(start, min(stop - first, len(xs))):
                fx, fy = xs[i], ys[i]
                shot_top = _SHOT_TOPS[first + i]
                if fy + top < shot_top + rules.SHOT_HEIGHT and shot_top < fy + bottom:
                    view = points[span + fx : span + fx + span]
                    view[hit] = value[hit]
        points = points[span : span + width]
        solids = np.frombuffer(shields, dtype=bool).reshape(state.shields.shape).any(axis=1)
        for solid, x in zip(np.asarray(solids), rules.SHIELD_XS, strict=True):
            points[x : x + rules.SHIELD_WIDTH][solid] = 0
        self.points = points
        # The nearest column with a hit at or left of each x, and at or right of it.
        at = np.arange(width)
        self._left = np.maximum.accumulate(np.where(points > 0, at, -width))
        self._right = np.minimum.accumulate(np.where(points > 0, at, 2 * width)[::-1])[::-1]

    def shot_points(self, state: InvadersState, xs: Sequence[int]) -> list[int]:
        """For each cannon x (left edge) in ``xs``: the points a shot fired from there
        this tick would score: the first alien's, or else the mystery ship's if it meets
        the ship; 0 for a shield or nothing."""
        out = []
        mystery = state.mystery
        for x in xs:
            sx = x + rules.PLAYER_WIDTH // 2
            points = int(self.points[sx])
            if not points and mystery is not None and not shield_above(state, sx):
                for ticks in _MYSTERY_TICKS:
                    mx = mystery.x + mystery.direction * rules.MYSTERY_SPEED * (ticks - 1)
                    if rules.shot_hits_mystery(sx, _SHOT_TOPS[ticks - 1], mx):
                        # Firing counts a shot before the ship's value is looked up.
                        points = rules.MYSTERY_POINTS[
                            (state.shots_fired + 1) % len(rules.MYSTERY_POINTS)
                        ]
                        break
            out.append(points)
        return out

    def aim(self, x: int, low: int, high: int) -> tuple[int | None, int | None]:
        """The nearest columns in [low, high] at or left of ``x`` and at or right of it
        from which a shot hits an alien (None where there is none)."""
        left = int(self._left[x])
        right = int(self._right[x])
        return (left if left >= low else None, right if right <= high else None)


def shot_key(state: InvadersState) -> tuple:
    """What :class:`ShotForecast` depends on: the living aliens (which only ever die
    within a wave), where the formation stands on the ticks of a shot's climb on which
    the shot is level with some living row, and which shield columns have pixels."""
    alive = state.alive.tobytes()
    extent = _extent(state.rows, alive)
    if extent is None:  # nothing to hit
        return (state.kinds, alive), (), (), 0, state.shields.tobytes()
    # The living aliens' extent relative to the formation, for the march's edge test.
    left, right, top_row, bottom_row = extent
    fx, fy = state.formation_x, state.formation_y
    xs, ys = [fx] * _CLIMB_TICKS, [fy] * _CLIMB_TICKS
    direction = state.march_dir
    # The march comes at the end of tick march_timer: the shot meets the formation
    # where it was for the ticks before, where it went from then on.
    k = state.march_timer
    while k < _CLIMB_TICKS:
        dx, dy, direction = rules.march_step(fx + left, fx + right, direction)
        fx += dx
        fy += dy
        xs[k:] = [fx] * (_CLIMB_TICKS - k)
        ys[k:] = [fy] * (_CLIMB_TICKS - k)
        k += state.alive_count
    # The ticks on which the shot can be level with a living row: it climbs SHOT_SPEED
    # a tick from below the lowest row's bottom to above the highest row's top.
    bottom = ys[-1] + bottom_row * rules.ALIEN_CELL + rules.ALIEN_HEIGHT
    top = ys[0] + top_row * rules.ALIEN_CELL
    first = max((_SHOT_TOPS[0] - bottom) // rules.SHOT_SPEED, 0)
    last = min((_SHOT_TOPS[0] + rules.SHOT_HEIGHT - top) // rules.SHOT_SPEED + 1, _CLIMB_TICKS)
    living = (state.kinds, alive)
    return living, tuple(xs[first:last]), tuple(ys[first:last]), first, state.shields.tobytes()


@functools.lru_cache(maxsize=64)
def _extent(rows: int, alive: bytes) -> tuple[int, int, int, int] | None:
    """(left, right) of the living aliens from the formation's left edge (the march's
    edge test), and the top and bottom living rows; None if none lives."""
    mask = np.frombuffer(alive, dtype=bool).reshape(rows, -1)
    living_rows = np.flatnonzero(mask.any(axis=1))
    if not len(living_rows):
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return (
        int(cols[0]) * rules.ALIEN_CELL + rules.CELL_LEFT,
        int(cols[-1]) * rules.ALIEN_CELL + rules.CELL_RIGHT,
        int(living_rows[0]),
        int(living_rows[-1]),
    )


@functools.lru_cache(maxsize=16)
def _row_patterns(
    kinds: tuple[int, ...], alive: bytes
) -> list[tuple[np.ndarray, np.ndarray] | None]:
    """Per formation row: which pixels of the row (from the formation's left edge) are
    inside a living alien's hitbox, and the points there; None for a dead row."""
    rows = len(kinds)
    mask = np.frombuffer(alive, dtype=bool).reshape(rows, -1)
    out: list[tuple[np.ndarray, np.ndarray] | None] = []
    for row, kind in enumerate(kinds):
        if not mask[row].any():
            out.append(None)
            continue
        hit = np.zeros(mask.shape[1] * rules.ALIEN_CELL, dtype=bool)
        for col in np.flatnonzero(mask[row]):
            start = col * rules.ALIEN_CELL + rules.KIND_PADS[kind]
            hit[start : start + rules.KIND_WIDTHS[kind]] = True
        out.append((hit, np.where(hit, rules.KIND_POINTS[kind], 0)))
    return out


def shot_points(state: InvadersState, xs: Sequence[int]) -> list[int]:
    """:meth:`ShotForecast.shot_points` of a fresh forecast."""
    return ShotForecast(state).shot_points(state, xs)


def firing_solutions(state: InvadersState) -> np.ndarray:
    """Per screen x, whether a shot fired up it this tick would hit an alien (the
    mystery ship left out): a bool array of SCREEN_WIDTH entries."""
    return ShotForecast(state).points > 0


def shield_above(state: InvadersState, x: int) -> bool:
    """Whether a shield has pixels in screen column ``x`` (a shot fired there hits it)."""
    shield = _SHIELD_UNDER[x] if 0 <= x < rules.SCREEN_WIDTH else -1
    return shield >= 0 and bool(state.shields[shield, :, x - rules.SHIELD_XS[shield]].any())


#: Ticks a shot climbs before it passes the ceiling, and the top and bottom of the shot
#: on each (it moves before it is tested).
_CLIMB_TICKS = (rules.PLAYER_Y - rules.SHOT_HEIGHT - rules.SHOT_CEILING) // rules.SHOT_SPEED + 1
_SHOT_TOPS = rules.PLAYER_Y - rules.SHOT_HEIGHT - rules.SHOT_SPEED * np.arange(1, _CLIMB_TICKS + 1)
_SHOT_BOTTOMS = _SHOT_TOPS + rules.SHOT_HEIGHT
_PADS = np.array(rules.KIND_PADS)
_WIDTHS = np.array(rules.KIND_WIDTHS)
_KIND_POINTS = np.array(rules.KIND_POINTS)
#: The ticks of the climb on which the shot overlaps the mystery ship's row.
_MYSTERY_TICKS = [
    k + 1 for k, top in enumerate(_SHOT_TOPS) if rules.shot_hits_mystery(0, int(top), 0)
]
#: The lowest top a bomb can have and still be above the shields' rows.
_ABOVE_SHIELDS = rules.SHIELD_Y - rules.BOMB_HEIGHT
#: For every screen x, the shield whose columns cover it, or -1.
_SHIELD_UNDER = [
    next((i for i, sx in enumerate(rules.SHIELD_XS) if sx <= x < sx + rules.SHIELD_WIDTH), -1)
    for x in range(rules.SCREEN_WIDTH)
]
