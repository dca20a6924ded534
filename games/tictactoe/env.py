"""The tic-tac-toe env: the rules of :mod:`games.tictactoe.rules` seen by the player to move."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from qarcade.games.core import Env, Info, Obs, StepResult
from qarcade.games.tictactoe.rules import (
    EMPTY,
    FULL,
    SQUARES,
    WIN_LINE_OF,
    Board,
    Line,
    O,
    X,
    check_board,
    from_bits,
    to_bits,
)

#: Action labels: the keys 1-9 in reading order, 1 top left, 3 top right, 9 bottom right
#: (a phone keypad; a numeric keypad has 7 top left, so it reads upside down).
ACTION_NAMES: tuple[str, ...] = tuple(str(s + 1) for s in range(SQUARES))
OBSERVATION_SHAPE = (2, 3, 3)
#: What people call the seats: X moves first.
SEAT_NAMES = ("X", "O")

_NO_REWARDS = (0.0, 0.0)
#: ``info["rewards"]`` when seat 0 or seat 1 has just won.
_WIN_REWARDS = ((1.0, -1.0), (-1.0, 1.0))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


#: The legal-action mask for every set of occupied squares (a 9-bit integer), read-only.
_MASKS: tuple[np.ndarray, ...] = tuple(
    _read_only(np.array([not occupied >> s & 1 for s in range(SQUARES)], dtype=bool))
    for occupied in range(FULL + 1)
)
_DONE_MASK = _read_only(np.zeros(SQUARES, dtype=bool))
# Observations by ``mine << 9 | theirs``, made on first use and shared by every env: there
# are only 5,478 positions, and building an array costs more than the rest of a step.
_OBS_CACHE: dict[int, np.ndarray] = {}


def observation(mine: int, theirs: int) -> Obs:
    """The read-only observation of the player to move, whose marks are the bitboard
    ``mine`` and whose opponent's are ``theirs``."""
    key = mine << SQUARES | theirs
    obs = _OBS_CACHE.get(key)
    if obs is None:
        obs = np.zeros(OBSERVATION_SHAPE, dtype=np.float32)
        flat = obs.reshape(2, SQUARES)
        for s in range(SQUARES):
            flat[0, s] = mine >> s & 1
            flat[1, s] = theirs >> s & 1
        obs = _OBS_CACHE[key] = _read_only(obs)
    return obs


def legal_mask(occupied: int) -> np.ndarray:
    """The read-only legal-action mask of a running game with ``occupied`` squares (bits)."""
    return _MASKS[occupied]


class TicTacToeEnv(Env):
    """Tic-tac-toe for two seats: seat 0 plays X and moves first, seat 1 plays O.

    Actions:
        9 squares in row-major order, ``0`` top left to ``8`` bottom right; named by the
        keys a person presses, ``"1"`` to ``"9"`` in reading order (:data:`ACTION_NAMES`).
        An occupied square is illegal (``info["action_mask"]`` says which are free).

    Observation:
        float32 ``(2, 3, 3)``, from the view of the player to move, so one agent can play
        both seats: plane 0 holds that player's marks (1.0), plane 1 the opponent's. The
        arrays are cached, one per position, and **read-only** (as is
        ``info["action_mask"]``): writing to one raises ``ValueError``; copy first
        (``obs.copy()``) to modify.

    Rewards:
        To the player who moved: +1 for a winning move, 0 otherwise (a move can neither
        lose nor be punished). ``info["rewards"]`` is indexed by seat: ``(1, -1)`` or
        ``(-1, 1)`` on a win, so the loser learns of its loss, and ``(0, 0)`` otherwise.

    Episode end:
        Terminated when a player has three in a line or the board is full. Never
        truncated. ``info["winner"]`` is the winning seat (None while playing and on a
        draw) and ``info["winning_line"]`` its three squares (or None).

    Arguments:
        None: ``games.make("tictactoe")``.

    State for views and solvers: :attr:`board` (9 marks, ``0`` empty, ``1`` X, ``2`` O),
    :attr:`current_player`, :attr:`winner`, :attr:`winning_line`; :meth:`set_board` sets
    up any reachable position, and :meth:`snapshot` / :meth:`restore` undo moves.
    """

    name = "tictactoe"
    num_players = 2
    num_actions = SQUARES
    action_names = ACTION_NAMES
    observation_shape = OBSERVATION_SHAPE
    #: Bounds of every observation entry, for Box spaces in the Gymnasium adapter.
    observation_low, observation_high = 0.0, 1.0

    def __init__(self) -> None:
        super().__init__()
        self._x = 0
        self._o = 0
        self._player = 0
        #: The seat that won, or None (game running or drawn).
        self.winner: int | None = None
        #: The winner's three squares, or None.
        self.winning_line: Line | None = None

    # ----------------------------------------------------------------- public state
    @property
    def board(self) -> Board:
        """The 9 marks in row-major order: ``0`` empty, ``1`` X (seat 0), ``2`` O (seat 1)."""
        return from_bits(self._x, self._o)

    @property
    def current_player(self) -> int:
        """The seat to move (0 plays X, 1 plays O); after the end, the seat that would be."""
        return self._player

    def set_board(self, board: Iterable[int]) -> tuple[Obs, Info]:
        """Set up the position ``board`` (as :attr:`board` gives it) and return
        ``(obs, info)`` as :meth:`reset` does. The player to move follows from the marks.

        A board no game can reach raises :class:`~games.tictactoe.rules.BoardError`.
        If ``board`` is over, the env is terminated (and refuses steps until reset).
        """
        marks = check_board(board)
        self._x, self._o = to_bits(marks)
        self._player = 0 if marks.count(X) == marks.count(O) else 1
        self.winner, self.winning_line = None, None
        for seat, bits in enumerate((self._x, self._o)):
            if WIN_LINE_OF[bits] is not None:
                self.winner, self.winning_line = seat, WIN_LINE_OF[bits]
        self.terminated = self.winner is not None or EMPTY not in marks
        self.truncated = False
        self._needs_reset = False
        return self.observe(), self._info(_NO_REWARDS)

    # ----------------------------------------------------------------- env interface
    def step(self, action: int) -> StepResult:
        """As :meth:`Env.step`, with the same checks and errors, building less on the way."""
        if (
            self._needs_reset
            or self.terminated
            or type(action) is not int
            or not 0 <= action < SQUARES
            or (self._x | self._o) >> action & 1
        ):
            action = self.check_action(action)
        return self._play(action)

    def _step(self, action: int) -> tuple[tuple[float, ...], bool, bool]:
        _, _, terminated, truncated, info = self._play(action)
        return info["rewards"], terminated, truncated

    def _play(self, action: int) -> StepResult:
        """Put the mover's mark on the free square ``action``; the whole step after checks."""
        player = self._player
        if player == 0:
            mine = self._x = self._x | 1 << action
            theirs = self._o
        else:
            mine = self._o = self._o | 1 << action
            theirs = self._x
        self._player = 1 - player
        # The next player sees the board: their marks (``theirs``) come first.
        obs = _OBS_CACHE.get(theirs << SQUARES | mine)
        if obs is None:
            obs = observation(theirs, mine)
        line = WIN_LINE_OF[mine]
        if line is not None:
            self.terminated = True
            self.winner, self.winning_line = player, line
            info = {
                "action_mask": _DONE_MASK,
                "rewards": _WIN_REWARDS[player],
                "winner": player,
                "winning_line": line,
            }
            return obs, 1.0, True, False, info
        occupied = mine | theirs
        if occupied == FULL:
            self.terminated = True
            info = {
                "action_mask": _DONE_MASK,
                "rewards": _NO_REWARDS,
                "winner": None,
                "winning_line": None,
            }
            return obs, 0.0, True, False, info
        info = {
            "action_mask": _MASKS[occupied],
            "rewards": _NO_REWARDS,
            "winner": None,
            "winning_line": None,
        }
        return obs, 0.0, False, False, info

    def _reset(self) -> None:
        self._x = self._o = 0
        self._player = 0
        self.winner = self.winning_line = None

    def observe(self) -> Obs:
        if self._player == 0:
            return observation(self._x, self._o)
        return observation(self._o, self._x)

    def action_mask(self) -> np.ndarray:
        """The free squares while the game runs, all False once it is over (read-only)."""
        return _DONE_MASK if self.done else _MASKS[self._x | self._o]

    def _action_mask(self) -> np.ndarray:
        return _MASKS[self._x | self._o]

    def _is_legal(self, action: int) -> bool:
        return not (self._x | self._o) >> action & 1

    def _info(self, rewards: tuple[float, ...]) -> Info:
        return {
            "action_mask": self.action_mask(),
            "rewards": rewards,
            "winner": self.winner,
            "winning_line": self.winning_line,
        }
