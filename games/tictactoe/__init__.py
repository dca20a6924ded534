"""Tic-tac-toe: plain rules (:mod:`games.tictactoe.rules`) and the env around them
(:mod:`games.tictactoe.env`), which shows the board to the player to move.

``games.make("tictactoe")`` builds the env; the solved game and its perfect move are in
:mod:`qarcade.games.tictactoe.solver`.
"""

from qarcade.games.spec import Exact, GameSpec
from qarcade.games.tictactoe.env import (
    ACTION_NAMES,
    SEAT_NAMES,
    TicTacToeEnv,
    legal_mask,
    observation,
)
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
    "SPEC",
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


SPEC = GameSpec(
    name="tictactoe",
    title="Tic-tac-toe",
    env="qarcade.games.tictactoe.env:TicTacToeEnv",
    view="qarcade.games.tictactoe.view:TicTacToeView",
    order=0,
    seat_names=SEAT_NAMES,
    players=("minimax",),
    fallback="minimax",
    baselines=("random", "minimax"),
    learner_settings="qarcade.games.tictactoe.learning:learner_settings",
    exact=Exact(
        label="exact grade (fraction optimal)",
        score="qarcade.games.tictactoe.grading:exact_score",
        best="qarcade.games.tictactoe.grading:best_score",
        rows="qarcade.games.tictactoe.grading:exact_rows",
    ),
    opponent_moves={"minimax": "qarcade.games.tictactoe.solver:perfect_opponent"},
    gym_id="qarcade/TicTacToe-v0",
)
