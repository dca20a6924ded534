"""Tic-tac-toe as plain data and functions: no env, no numpy, no pygame.

A board is a tuple of 9 marks in row-major order, ``EMPTY`` (0), ``X`` (1) or ``O`` (2)::

    0 | 1 | 2
    ---------
    3 | 4 | 5
    ---------
    6 | 7 | 8

X always moves first. The same position as two 9-bit integers (*bitboards*, bit ``i`` set
where square ``i`` holds the mark) is what the env and the solver work with, because a
win test is then one table look-up; :func:`to_bits` and :func:`from_bits` convert.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from functools import lru_cache

from qarcade.games.core import GameError, GameOverError, IllegalActionError

EMPTY, X, O = 0, 1, 2  # noqa: E741 (O is the mark's name)
#: How each mark is written by :func:`format_board` and read by :func:`parse_board`.
MARK_CHARS = ".XO"
SQUARES = 9
#: The bitboard with every square set: the board is full.
FULL = (1 << SQUARES) - 1
Board = tuple[int, ...]
Line = tuple[int, int, int]

#: The eight lines of three: rows, columns, then the two diagonals.
WIN_LINES: tuple[Line, ...] = (
    (0, 1, 2),
    (3, 4, 5),
    (6, 7, 8),
    (0, 3, 6),
    (1, 4, 7),
    (2, 5, 8),
    (0, 4, 8),
    (2, 4, 6),
)
#: Each of :data:`WIN_LINES` as a bitboard.
LINE_BITS: tuple[int, ...] = tuple(sum(1 << s for s in line) for line in WIN_LINES)


def _first_line(bits: int) -> Line | None:
    for line, mask in zip(WIN_LINES, LINE_BITS, strict=True):
        if bits & mask == mask:
            return line
    return None


#: For every bitboard of one player's marks (0..511), the first of :data:`WIN_LINES` it
#: completes, or None. A move that completes two lines at once reports the first.
WIN_LINE_OF: tuple[Line | None, ...] = tuple(_first_line(bits) for bits in range(FULL + 1))
#: The empty board.
EMPTY_BOARD: Board = (EMPTY,) * SQUARES


class BoardError(GameError, ValueError):
    """A board that is malformed or that no game of tic-tac-toe can reach."""


def to_bits(board: Board) -> tuple[int, int]:
    """The bitboards ``(x_bits, o_bits)`` of a (well-formed) board."""
    x_bits = o_bits = 0
    for square, mark in enumerate(board):
        if mark == X:
            x_bits |= 1 << square
        elif mark == O:
            o_bits |= 1 << square
    return x_bits, o_bits


def from_bits(x_bits: int, o_bits: int) -> Board:
    """The board of the bitboards ``x_bits`` and ``o_bits``."""
    return tuple(X if x_bits >> s & 1 else O if o_bits >> s & 1 else EMPTY for s in range(SQUARES))


def to_move(board: Board) -> int:
    """The mark whose turn it is: X when both have played as often, else O."""
    return X if board.count(X) == board.count(O) else O


def winner(board: Board) -> int:
    """``X`` or ``O`` if that mark has three in a line, else ``EMPTY``."""
    x_bits, o_bits = to_bits(board)
    if WIN_LINE_OF[x_bits] is not None:
        return X
    if WIN_LINE_OF[o_bits] is not None:
        return O
    return EMPTY


def winning_line(board: Board) -> Line | None:
    """The winner's line (the first of :data:`WIN_LINES` if it has two), or None."""
    x_bits, o_bits = to_bits(board)
    return WIN_LINE_OF[x_bits] or WIN_LINE_OF[o_bits]


def is_terminal(board: Board) -> bool:
    """True when someone has won or the board is full."""
    return winner(board) != EMPTY or EMPTY not in board


def legal_moves(board: Board) -> tuple[int, ...]:
    """The empty squares, in order; none once the game is over."""
    if is_terminal(board):
        return ()
    return tuple(s for s, mark in enumerate(board) if mark == EMPTY)


def apply_move(board: Board, square: int) -> Board:
    """The board after the player to move puts a mark on ``square``.

    Raises :class:`~games.core.GameOverError` if the game is over and
    :class:`~games.core.IllegalActionError` if ``square`` is not 0..8 or is taken.
    """
    if is_terminal(board):
        raise GameOverError("tic-tac-toe: the game is over; no more moves can be made")
    try:
        square = operator.index(square)
    except TypeError:
        raise IllegalActionError(f"tic-tac-toe: a square is an integer, got {square!r}") from None
    if not 0 <= square < SQUARES:
        raise IllegalActionError(f"tic-tac-toe: square {square} is out of range; use 0..8")
    if board[square] != EMPTY:
        raise IllegalActionError(
            f"tic-tac-toe: square {square} is taken by {MARK_CHARS[board[square]]}; "
            f"pick an empty one: {', '.join(map(str, legal_moves(board)))}"
        )
    return (*board[:square], to_move(board), *board[square + 1 :])


def play(moves: Iterable[int], board: Board = EMPTY_BOARD) -> Board:
    """The board after playing ``moves`` (squares, alternating from the player to move)."""
    for square in moves:
        board = apply_move(board, square)
    return board


def check_board(board: Iterable[int]) -> Board:
    """Return ``board`` as a tuple if some game reaches it, else raise :class:`BoardError`.

    Reachable means: 9 marks in {0, 1, 2}; X has as many marks as O or one more; at most
    one player has a line, and the winner made the last move.
    """
    try:
        marks = tuple(int(m) for m in board)
    except (TypeError, ValueError):
        raise BoardError(f"a board is 9 marks 0 (empty), 1 (X) or 2 (O); got {board!r}") from None
    if len(marks) != SQUARES or any(m not in (EMPTY, X, O) for m in marks):
        raise BoardError(f"a board is 9 marks 0 (empty), 1 (X) or 2 (O); got {marks!r}")
    xs, os = marks.count(X), marks.count(O)
    if xs - os not in (0, 1):
        raise BoardError(
            f"X moves first, so X has as many marks as O or one more; this board has "
            f"{xs} X and {os} O:\n{format_board(marks)}"
        )
    x_bits, o_bits = to_bits(marks)
    x_won, o_won = WIN_LINE_OF[x_bits] is not None, WIN_LINE_OF[o_bits] is not None
    if x_won and o_won:
        raise BoardError(f"both X and O have a line; no game gets here:\n{format_board(marks)}")
    if (x_won and xs == os) or (o_won and xs != os):
        raise BoardError(
            f"{'X' if x_won else 'O'} has a line but the other player moved after it; "
            f"no game gets here:\n{format_board(marks)}"
        )
    return marks


def parse_board(text: str) -> Board:
    """A board from text: 9 of ``.``/``X``/``O`` (any case; ``-`` or ``_`` also mean empty),
    row by row; whitespace and ``|`` are ignored, so ``"XO. .X. ..O"`` works.
    The result is checked with :func:`check_board`."""
    chars = [c.upper() for c in text if not c.isspace() and c != "|"]
    chars = ["." if c in "-_" else c for c in chars]
    if len(chars) != SQUARES or any(c not in MARK_CHARS for c in chars):
        raise BoardError(
            f"a board is 9 of '.', 'X', 'O' row by row (e.g. 'XO. .X. ..O'); got {text!r}"
        )
    return check_board(MARK_CHARS.index(c) for c in chars)


def format_board(board: Board) -> str:
    """Three lines of ``.``/``X``/``O``."""
    cells = "".join(MARK_CHARS[m] for m in board)
    return "\n".join(cells[r : r + 3] for r in (0, 3, 6))


@lru_cache(maxsize=1)
def reachable_positions() -> tuple[tuple[int, int], ...]:
    """Every position a game can reach, as ``(x_bits, o_bits)``, in order of moves played
    (the empty board first). There are 5,478, of which 4,520 are not over."""
    layer = [(0, 0)]
    found: list[tuple[int, int]] = []
    while layer:
        found.extend(layer)
        following: dict[tuple[int, int], None] = {}
        for x_bits, o_bits in layer:
            if WIN_LINE_OF[x_bits] or WIN_LINE_OF[o_bits]:
                continue
            occupied = x_bits | o_bits
            x_moves = occupied.bit_count() % 2 == 0
            for s in range(SQUARES):
                if not occupied >> s & 1:
                    bit = 1 << s
                    following[(x_bits | bit, o_bits) if x_moves else (x_bits, o_bits | bit)] = None
        layer = list(following)
    return tuple(found)


def is_over_bits(x_bits: int, o_bits: int) -> bool:
    """:func:`is_terminal` for bitboards."""
    return (
        WIN_LINE_OF[x_bits] is not None
        or WIN_LINE_OF[o_bits] is not None
        or x_bits | o_bits == FULL
    )
