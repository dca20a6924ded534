"""Exact grades of a tic-tac-toe player against the solved game
(:mod:`qarcade.games.tictactoe.solver`).

- :func:`grade_tictactoe`: over all 4,520 positions a game can reach that are not over,
  how often the player's greedy move keeps the game-theoretic value (a won position stays
  won, a drawn one drawn; any move from a lost position is optimal).
- :func:`never_loses_vs_perfect`: in both seats, whether the player survives *every* game
  a perfect opponent can play against it: the opponent branches over all its optimal
  moves, the player answers each position with its greedy move.

A ``policy`` is a :class:`~games.core.Player` (asked with ``explore=False``) or any
callable ``(obs, mask) -> action``; it sees the env's observations and masks, which are
read-only. It is asked once per position, so it should be deterministic (an agent that
breaks ties at random, like :class:`~agents.minimax.MinimaxAgent`, is graded on the
choices it made).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from qarcade.games.core import Env, Player
from qarcade.games.tictactoe.env import SEAT_NAMES, legal_mask, observation
from qarcade.games.tictactoe.rules import FULL, WIN_LINE_OF, Board, from_bits, reachable_positions
from qarcade.games.tictactoe.solver import best_actions, value

Policy = Callable[[np.ndarray, np.ndarray], int]


@dataclass(frozen=True)
class Mistake:
    """A position where the graded move was not optimal.

    Attributes:
        board: the position (``0`` empty, ``1`` X, ``2`` O).
        action: the move played (possibly illegal).
        best: every optimal move.
        value: what the player to move could force (+1 win, 0 draw, -1 loss).
    """

    board: Board
    action: int
    best: tuple[int, ...]
    value: int


@dataclass(frozen=True)
class GradeResult:
    """How many positions a player moves optimally in.

    Attributes:
        positions: positions graded (4,520: every reachable one that is not over).
        optimal: positions whose greedy move keeps the value.
        illegal: positions where the move was not legal (counted as not optimal).
        mistakes: every position that was not moved optimally, in order of moves played.
    """

    positions: int
    optimal: int
    illegal: int
    mistakes: tuple[Mistake, ...]

    @property
    def fraction(self) -> float:
        """``optimal / positions``, 1.0 for a perfect player."""
        return self.optimal / self.positions

    @property
    def perfect(self) -> bool:
        return self.optimal == self.positions

    def __str__(self) -> str:
        text = f"{self.optimal:,} of {self.positions:,} positions optimal ({self.fraction:.2%})"
        return text + (f", {self.illegal:,} illegal moves" if self.illegal else "")


@dataclass(frozen=True)
class SeatRecord:
    """Every game a perfect opponent can play against the player in one seat.

    Attributes:
        seat: 0 (X, moves first) or 1 (O).
        games: distinct games (move sequences) the perfect opponent can lead to.
        wins, draws, losses: how those games end for the player (a perfect opponent never
            lets it win, so ``wins`` is 0 by construction unless the solver is wrong).
        illegal: games ended by an illegal move of the player (also counted in ``losses``).
        losing_game: the squares of one lost game, in order played, or None.
    """

    seat: int
    games: int
    wins: int
    draws: int
    losses: int
    illegal: int
    losing_game: tuple[int, ...] | None


def as_policy(policy: Player | Policy) -> Policy:
    """A callable ``(obs, mask) -> action``: a player's greedy choice, or ``policy`` itself."""
    if isinstance(policy, Player):
        player = policy

        def greedy(obs: np.ndarray, mask: np.ndarray) -> int:
            return player.act(obs, mask, explore=False)

        return greedy
    if callable(policy):
        return policy
    raise TypeError(f"a policy is a player or a callable (obs, mask) -> action, got {policy!r}")


def grade_tictactoe(policy: Player | Policy) -> GradeResult:
    """Ask ``policy`` for its move in every reachable position that is not over and count
    the optimal ones (see the module docstring)."""
    choose = as_policy(policy)
    positions = optimal = illegal = 0
    mistakes: list[Mistake] = []
    for x_bits, o_bits in reachable_positions():
        occupied = x_bits | o_bits
        if WIN_LINE_OF[x_bits] or WIN_LINE_OF[o_bits] or occupied == FULL:
            continue
        x_to_move = occupied.bit_count() % 2 == 0
        mine, theirs = (x_bits, o_bits) if x_to_move else (o_bits, x_bits)
        action = int(choose(observation(mine, theirs), legal_mask(occupied)))
        best = best_actions(mine, theirs)
        positions += 1
        if action in best:
            optimal += 1
            continue
        if not (0 <= action < 9 and not occupied >> action & 1):
            illegal += 1
        mistakes.append(Mistake(from_bits(x_bits, o_bits), action, best, value(mine, theirs)))
    return GradeResult(positions, optimal, illegal, tuple(mistakes))


def never_loses_vs_perfect(
    policy: Player | Policy,
) -> tuple[bool, tuple[SeatRecord, SeatRecord]]:
    """True if ``policy`` loses no game against any perfect opponent, in either seat;
    with the record of each seat (see :class:`SeatRecord`)."""
    choose = as_policy(policy)
    records = [_explore_seat(choose, seat) for seat in (0, 1)]
    ok = all(r.losses == 0 for r in records)
    return ok, (records[0], records[1])


class _Tally(NamedTuple):
    """The games below one position (fields as in :class:`SeatRecord`); ``losing`` is one
    lost continuation from there."""

    games: int
    wins: int
    draws: int
    losses: int
    illegal: int
    losing: tuple[int, ...] | None


_WON, _LOST, _DRAWN = (
    _Tally(1, 1, 0, 0, 0, None),
    _Tally(1, 0, 0, 1, 0, ()),
    _Tally(1, 0, 1, 0, 0, None),
)


def _explore_seat(choose: Policy, seat: int) -> SeatRecord:
    memo: dict[tuple[int, int], _Tally] = {}

    def explore(x_bits: int, o_bits: int) -> _Tally:
        known = memo.get((x_bits, o_bits))
        if known is not None:
            return known
        occupied = x_bits | o_bits
        mover = occupied.bit_count() % 2
        mine, theirs = (x_bits, o_bits) if mover == 0 else (o_bits, x_bits)
        if WIN_LINE_OF[theirs] is not None:  # the player who just moved has won
            tally = _LOST if mover == seat else _WON
        elif occupied == FULL:
            tally = _DRAWN
        elif mover == seat:
            action = int(choose(observation(mine, theirs), legal_mask(occupied)))
            if 0 <= action < 9 and not occupied >> action & 1:
                tally = _after(action, explore(*_played(x_bits, o_bits, mover, action)))
            else:
                tally = _Tally(1, 0, 0, 1, 1, (action,))
        else:
            replies = [
                _after(action, explore(*_played(x_bits, o_bits, mover, action)))
                for action in best_actions(mine, theirs)
            ]
            losing = next((r.losing for r in replies if r.losing is not None), None)
            games, wins, draws, losses, illegal = (
                sum(column) for column in zip(*(r[:5] for r in replies), strict=True)
            )
            tally = _Tally(games, wins, draws, losses, illegal, losing)
        memo[(x_bits, o_bits)] = tally
        return tally

    return SeatRecord(seat, *explore(0, 0))


def _played(x_bits: int, o_bits: int, mover: int, action: int) -> tuple[int, int]:
    if mover == 0:
        return x_bits | 1 << action, o_bits
    return x_bits, o_bits | 1 << action


def _after(action: int, tally: _Tally) -> _Tally:
    """``tally`` of the position after ``action``, as seen from the position before it."""
    if tally.losing is None:
        return tally
    return tally._replace(losing=(action, *tally.losing))


# ----------------------------------------------------------------- the game's exact answer
def exact_score(env: Env, player: Player) -> float:
    """The fraction of reachable positions ``player`` moves optimally in (1.0 is perfect)."""
    return grade_tictactoe(player).fraction


def best_score(env: Env) -> float:
    """A perfect player moves optimally everywhere."""
    return 1.0


def exact_rows(env: Env, player: Player) -> list[dict[str, Any]]:
    """The exact grade and the never-loses check, as evaluation rows."""
    grade = grade_tictactoe(player)
    rows: list[dict[str, Any]] = [
        {
            "test": "exact grade: greedy move optimal",
            "games": grade.positions,
            "optimal": grade.fraction,
        }
    ]
    _, records = never_loses_vs_perfect(player)
    for record in records:
        rows.append(
            {
                "test": f"vs every perfect line as {SEAT_NAMES[record.seat]}",
                "games": record.games,
                "win": record.wins / record.games,
                "draw": record.draws / record.games,
                "loss": record.losses / record.games,
            }
        )
    return rows
