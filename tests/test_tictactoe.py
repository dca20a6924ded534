"""Tic-tac-toe rules and env: tables of moves in, board / winner / line out."""

from __future__ import annotations

import numpy as np
import pytest

from qarcade import games
from qarcade.games.core import GameOverError, IllegalActionError, OptionError
from qarcade.games.tictactoe import (
    EMPTY_BOARD,
    WIN_LINES,
    BoardError,
    O,
    TicTacToeEnv,
    X,
    apply_move,
    check_board,
    format_board,
    legal_moves,
    parse_board,
    play,
    reachable_positions,
    to_move,
    winner,
    winning_line,
)
from qarcade.games.tictactoe.rules import from_bits, is_terminal, to_bits

# moves (squares, X first) -> board after them, winning mark ("X", "O" or None), line.
GAMES: list[tuple[list[int], str, str | None, tuple[int, int, int] | None]] = [
    ([], "... ... ...", None, None),
    ([4], "... .X. ...", None, None),
    ([4, 0], "O.. .X. ...", None, None),
    ([0, 3, 1, 4, 2], "XXX OO. ...", "X", (0, 1, 2)),
    ([3, 0, 4, 1, 5], "OO. XXX ...", "X", (3, 4, 5)),
    ([6, 0, 7, 1, 8], "OO. ... XXX", "X", (6, 7, 8)),
    ([0, 1, 3, 2, 6], "XOO X.. X..", "X", (0, 3, 6)),
    ([0, 1, 3, 4, 8, 7], "XO. XO. .OX", "O", (1, 4, 7)),
    ([0, 2, 1, 5, 6, 8], "XXO ..O X.O", "O", (2, 5, 8)),
    ([0, 1, 4, 2, 8], "XOO .X. ..X", "X", (0, 4, 8)),
    ([0, 2, 1, 4, 8, 6], "XXO .O. O.X", "O", (2, 4, 6)),
    # A full board without a line is a draw ...
    ([0, 1, 2, 4, 3, 5, 7, 6, 8], "XOX XOO OXX", None, None),
    # ... but the ninth mark can win, and here it completes two lines (the first is named).
    ([0, 1, 2, 3, 6, 5, 8, 7, 4], "XOX OXO XOX", "X", (0, 4, 8)),
]
MARK = {"X": X, "O": O, None: 0}


def naive_winner(board: tuple[int, ...]) -> int:
    """Winner straight from the definition, independent of the bitboard tables."""
    for a, b, c in WIN_LINES:
        if board[a] != 0 and board[a] == board[b] == board[c]:
            return board[a]
    return 0


@pytest.mark.parametrize(("moves", "expected", "won", "line"), GAMES)
def test_rules_table(moves: list[int], expected: str, won: str | None, line: tuple | None) -> None:
    board = play(moves)
    assert board == parse_board(expected)
    assert winner(board) == MARK[won]
    assert winning_line(board) == line
    assert is_terminal(board) == (won is not None or len(moves) == 9)
    assert legal_moves(board) == (
        () if is_terminal(board) else tuple(s for s in range(9) if s not in moves)
    )


@pytest.mark.parametrize(("moves", "expected", "won", "line"), GAMES)
def test_env_plays_the_table(
    moves: list[int], expected: str, won: str | None, line: tuple | None
) -> None:
    env = TicTacToeEnv()
    _, info = env.reset(seed=0)
    assert info["winner"] is None and info["winning_line"] is None
    reward, terminated = 0.0, False
    for i, square in enumerate(moves):
        assert env.current_player == i % 2
        _, reward, terminated, truncated, info = env.step(square)
        assert not truncated
        assert terminated == (i == len(moves) - 1 and is_terminal(play(moves)))
    assert env.board == parse_board(expected)
    seat = None if won is None else "XO".index(won)
    assert env.winner == info["winner"] == seat
    assert env.winning_line == info["winning_line"] == line
    if seat is not None:
        assert reward == 1.0
        assert info["rewards"] == ((1.0, -1.0) if seat == 0 else (-1.0, 1.0))
    else:
        assert reward == 0.0 and info["rewards"] == (0.0, 0.0)
    assert not info["action_mask"].any() if terminated else info["action_mask"].any()


def test_action_names_are_the_keys_1_to_9_in_reading_order() -> None:
    env = games.make("tictactoe")
    assert env.action_names == tuple("123456789")
    assert (env.num_players, env.num_actions, env.observation_shape) == (2, 9, (2, 3, 3))
    with pytest.raises(OptionError, match="valid options: none"):
        games.make("tictactoe", size=4)


def env_state(env: TicTacToeEnv) -> tuple:
    return (
        env.board,
        env.current_player,
        env.winner,
        env.winning_line,
        env.terminated,
        env.truncated,
        env.action_mask().tobytes(),
        env.observe().tobytes(),
        str(env.rng.bit_generator.state),
    )


# moves first, then a bad action and the error it raises.
BAD_STEPS: list[tuple[list[int], object, type[Exception], str]] = [
    ([4], 4, IllegalActionError, "not legal"),
    ([4, 0], 0, IllegalActionError, "not legal"),
    ([], -1, IllegalActionError, "out of range"),
    ([], 9, IllegalActionError, "out of range"),
    ([], 1.5, IllegalActionError, "integer"),
    ([], "4", IllegalActionError, "integer"),
    ([], None, IllegalActionError, "integer"),
    ([0, 3, 1, 4, 2], 5, GameOverError, "reset"),
    ([0, 1, 2, 4, 3, 5, 7, 6, 8], 0, GameOverError, "reset"),
]


@pytest.mark.parametrize(("moves", "action", "error", "message"), BAD_STEPS)
def test_bad_steps_raise_and_leave_state_unchanged(
    moves: list[int], action: object, error: type[Exception], message: str
) -> None:
    env = TicTacToeEnv()
    env.reset(seed=1)
    for square in moves:
        env.step(square)
    before = env_state(env)
    with pytest.raises(error, match=message):
        env.step(action)  # type: ignore[arg-type]
    assert env_state(env) == before


def test_step_before_reset_raises() -> None:
    with pytest.raises(GameOverError, match="reset"):
        TicTacToeEnv().step(0)


def test_numpy_integer_actions_are_accepted() -> None:
    env = TicTacToeEnv()
    env.reset()
    env.step(np.int64(4))
    assert env.board[4] == X


def test_apply_move_errors() -> None:
    with pytest.raises(IllegalActionError, match="taken by X"):
        apply_move(play([4]), 4)
    with pytest.raises(IllegalActionError, match="out of range"):
        apply_move(EMPTY_BOARD, 9)
    with pytest.raises(GameOverError):
        apply_move(play([0, 3, 1, 4, 2]), 8)


def test_observation_is_seen_by_the_player_to_move() -> None:
    env = TicTacToeEnv()
    obs, _ = env.reset()
    assert obs.shape == (2, 3, 3) and obs.dtype == np.float32 and not obs.any()
    obs, *_ = env.step(4)  # X in the centre; O to move sees it as the opponent's mark
    assert not obs[0].any() and obs[1, 1, 1] == 1.0 and obs.sum() == 1
    obs, *_ = env.step(0)  # O top left; X to move sees its centre as its own
    assert obs[0, 1, 1] == 1.0 and obs[1, 0, 0] == 1.0 and obs.sum() == 2
    obs, *_ = env.step(8)
    assert obs[0, 0, 0] == 1.0 and obs[1, 1, 1] == obs[1, 2, 2] == 1.0


def test_random_games_agree_with_the_rules_and_the_definition() -> None:
    env = TicTacToeEnv()
    chooser = np.random.default_rng(0)
    for game in range(300):
        obs, info = env.reset(seed=game)
        moves: list[int] = []
        terminated = False
        while not terminated:
            board = play(moves)
            mover = to_move(board)
            planes = [[m == mover for m in board], [m not in (0, mover) for m in board]]
            assert np.array_equal(obs, np.array(planes, dtype=np.float32).reshape(2, 3, 3))
            assert np.array_equal(info["action_mask"], [m == 0 for m in board])
            assert np.array_equal(obs, env.observe())
            square = int(chooser.choice(np.flatnonzero(info["action_mask"])))
            moves.append(square)
            obs, reward, terminated, _, info = env.step(square)
            assert env.board == play(moves)
        won = naive_winner(env.board)
        assert env.winner == (None if won == 0 else won - 1)
        assert reward == (1.0 if won else 0.0)
        assert won or 0 not in env.board


def test_observations_and_masks_are_read_only() -> None:
    env = TicTacToeEnv()
    obs, info = env.reset()
    with pytest.raises(ValueError):
        obs[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        info["action_mask"][0] = False
    assert not env.observe().any() and env.action_mask().all()


def test_snapshot_restore_undoes_moves_and_the_end_of_a_game() -> None:
    env = TicTacToeEnv()
    env.reset(seed=5)
    env.step(0)
    env.step(3)
    snap = env.snapshot()
    state = env_state(env)
    for square in (1, 4, 2):  # X wins
        env.step(square)
    assert env.done and env.winner == 0
    env.restore(snap)
    assert env_state(env) == state and not env.done and env.winner is None
    env.step(1)  # play on from the restored position
    assert env.board == play([0, 3, 1])
    env.restore(snap)
    env.step(8)
    assert env.board == play([0, 3, 8])


# board -> seat to move, winner seat, terminated
POSITIONS: list[tuple[str, int, int | None, bool]] = [
    ("... ... ...", 0, None, False),
    ("X.. ... ...", 1, None, False),
    ("XO. ... ...", 0, None, False),
    ("XXX OO. ...", 1, 0, True),
    ("XX. OOO X..", 0, 1, True),
    ("XOX XOO OXX", 1, None, True),
]


@pytest.mark.parametrize(("text", "to_play", "won", "over"), POSITIONS)
def test_set_board(text: str, to_play: int, won: int | None, over: bool) -> None:
    env = TicTacToeEnv()
    board = parse_board(text)
    obs, info = env.set_board(board)
    assert env.board == board and env.current_player == to_play
    assert env.winner == info["winner"] == won and env.done == over
    assert np.array_equal(obs, env.observe())
    assert info["action_mask"].any() != over
    if over:
        with pytest.raises(GameOverError):
            env.step(0)
    else:
        square = board.index(0)
        env.step(square)
        assert env.board[square] == (X if to_play == 0 else O)


BAD_BOARDS: list[tuple[object, str]] = [
    ((0,) * 8, "9 marks"),
    ((0,) * 8 + (3,), "9 marks"),
    ("abc", "9 marks"),
    ((2,) + (0,) * 8, "as many marks as O or one more"),
    ((1, 1) + (0,) * 7, "as many marks as O or one more"),
    ((1, 1, 1, 2, 2, 2, 1, 0, 0), "both X and O"),
    ((1, 1, 1, 2, 2, 0, 2, 0, 0), "moved after it"),
    ((2, 2, 2, 1, 1, 0, 1, 1, 0), "moved after it"),
]


@pytest.mark.parametrize(("board", "message"), BAD_BOARDS)
def test_unreachable_boards_are_refused(board: object, message: str) -> None:
    env = TicTacToeEnv()
    env.reset()
    before = env_state(env)
    with pytest.raises(BoardError, match=message):
        env.set_board(board)  # type: ignore[arg-type]
    assert env_state(env) == before


def test_parse_and_format_boards() -> None:
    board = parse_board("x o . | - X _ | . . o")
    assert board == (1, 2, 0, 0, 1, 0, 0, 0, 2)
    assert format_board(board) == "XO.\n.X.\n..O"
    assert parse_board(format_board(board)) == board
    with pytest.raises(BoardError, match="row by row"):
        parse_board("XO")


def test_reachable_positions() -> None:
    positions = reachable_positions()
    boards = [from_bits(x, o) for x, o in positions]
    assert len(set(positions)) == len(positions) == 5_478
    assert all(to_bits(b) == p for b, p in zip(boards, positions, strict=True))
    assert all(check_board(b) == b for b in boards)
    outcomes = [naive_winner(b) if is_terminal(b) else None for b in boards]
    # The well-known counts: 958 finished positions, 626 won by X, 316 by O, 16 drawn.
    assert outcomes.count(None) == 4_520
    assert (outcomes.count(X), outcomes.count(O), outcomes.count(0)) == (626, 316, 16)
