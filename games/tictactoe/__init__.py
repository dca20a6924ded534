"""Tic-tac-toe: plain rules (:mod:`games.tictactoe.rules`) and the env around them
(:mod:`games.tictactoe.env`), which shows the board to the player to move.

``games.make("tictactoe")`` builds the env; the solved game and its perfect move are in
:mod:`qarcade.games.tictactoe.solver`.
"""

from qarcade.games.tictactoe.env import ACTION_NAMES, TicTacToeEnv, legal_mask, observation
from qarcade.games.tictactoe.rules import (
    EMPTY,
    EMPTY_BOARD,
    WIN_LINES,
    BoardError,
    O,
    X,
    apply_move,
    check_board,
    format_board,
    is_terminal,
    legal_moves,
    parse_board,
    play,
    reachable_positions,
    to_move,
    winner,
    winning_line,
)

__all__ = [
    "ACTION_NAMES",
    "EMPTY",
    "EMPTY_BOARD",
    "WIN_LINES",
    "BoardError",
    "O",
    "TicTacToeEnv",
    "X",
    "apply_move",
    "check_board",
    "format_board",
    "is_terminal",
    "legal_mask",
    "legal_moves",
    "observation",
    "parse_board",
    "play",
    "reachable_positions",
    "to_move",
    "winner",
    "winning_line",
]
