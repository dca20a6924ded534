"""Perfect tic-tac-toe: the game solved by negamax over every position, and the perfect
move, picked at random among the moves that keep the best result.

Positions are seen from the player to move, as two bitboards: ``mine`` (that player's
marks) and ``theirs`` (the opponent's), bit ``s`` for square ``s``. The value of a position
is the result the player to move can force: +1 win, 0 draw, -1 loss. It is the same for X
and O, so one table of 5,478 positions (memoised on first use) serves both seats.
"""

from __future__ import annotations

import numpy as np

from qarcade.games.tictactoe.rules import FULL, SQUARES, WIN_LINE_OF

WIN, DRAW, LOSS = 1, 0, -1
# Values and best moves by ``mine << 9 | theirs``, filled on first use.
_VALUES: dict[int, int] = {}
_BEST: dict[int, tuple[int, ...]] = {}
_POWERS = 1 << np.arange(SQUARES)


def value(mine: int, theirs: int) -> int:
    """The result the player to move forces with perfect play: ``WIN``, ``DRAW`` or
    ``LOSS``. A finished position is worth what it ended as (the player to move has
    lost if the other has a line)."""
    key = mine << SQUARES | theirs
    result = _VALUES.get(key)
    if result is None:
        if WIN_LINE_OF[theirs] is not None:
            result = LOSS
        elif mine | theirs == FULL:
            result = DRAW
        else:
            result = max(-value(theirs, mine | 1 << s) for s in _free(mine | theirs))
        _VALUES[key] = result
    return result


def best_actions(mine: int, theirs: int) -> tuple[int, ...]:
    """The moves that keep :func:`value` (every one of them, in square order); none when
    the position is finished."""
    key = mine << SQUARES | theirs
    best = _BEST.get(key)
    if best is None:
        if WIN_LINE_OF[theirs] is not None or mine | theirs == FULL:
            best = ()
        else:
            target = value(mine, theirs)
            best = tuple(s for s in _free(mine | theirs) if -value(theirs, mine | 1 << s) == target)
        _BEST[key] = best
    return best


def action_values(mine: int, theirs: int) -> dict[int, int]:
    """The value of each legal move for the player to move (what it forces after it)."""
    if WIN_LINE_OF[theirs] is not None:
        return {}
    return {s: -value(theirs, mine | 1 << s) for s in _free(mine | theirs)}


def obs_bits(obs: np.ndarray) -> tuple[int, int]:
    """``(mine, theirs)`` from a tic-tac-toe observation (planes of the player to move and
    of the opponent)."""
    planes = np.asarray(obs).reshape(2, SQUARES) > 0.5
    return int(planes[0] @ _POWERS), int(planes[1] @ _POWERS)


def _free(occupied: int) -> list[int]:
    return [s for s in range(SQUARES) if not occupied >> s & 1]


def perfect_move(obs: np.ndarray, rng: np.random.Generator) -> int:
    """A move that keeps the best result for the player to move in ``obs``, drawn
    uniformly from all such moves with ``rng`` (so an opponent meets every perfect line);
    raises ValueError when the game in ``obs`` is over."""
    best = best_actions(*obs_bits(obs))
    if not best:
        raise ValueError("minimax: the game in this observation is over; there is no move")
    if len(best) == 1:
        return best[0]
    return best[int(rng.integers(len(best)))]


def perfect_opponent(obs: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> int:
    """:func:`perfect_move` as a named opponent of the Gymnasium adapter
    (:attr:`~games.spec.GameSpec.opponent_moves`)."""
    return perfect_move(obs, rng)
