"""The solved game, the perfect player, and the exact grade (which must be able to fail)."""

from __future__ import annotations

from collections import Counter
from functools import cache

import numpy as np
import pytest

from qarcade.agents.minimax import MinimaxAgent
from qarcade.agents.random_agent import RandomAgent
from qarcade.games.tictactoe import (
    WIN_LINES,
    TicTacToeEnv,
    apply_move,
    legal_moves,
    observation,
    parse_board,
    reachable_positions,
    to_move,
)
from qarcade.games.tictactoe.grading import as_policy, grade_tictactoe, never_loses_vs_perfect
from qarcade.games.tictactoe.rules import X, from_bits, to_bits
from qarcade.games.tictactoe.solver import DRAW, LOSS, WIN, best_actions, obs_bits, value


def relative(board: tuple[int, ...]) -> tuple[int, int]:
    """``(mine, theirs)`` bitboards of ``board`` for the player to move."""
    x_bits, o_bits = to_bits(board)
    return (x_bits, o_bits) if to_move(board) == X else (o_bits, x_bits)


@cache
def naive_value(board: tuple[int, ...]) -> int:
    """Negamax on plain tuples, straight from the definition."""
    for a, b, c in WIN_LINES:
        if board[a] != 0 and board[a] == board[b] == board[c]:
            return LOSS  # the player who just moved has a line
    if 0 not in board:
        return DRAW
    return max(-naive_value(apply_move(board, s)) for s in legal_moves(board))


def test_solver_agrees_with_plain_negamax_on_every_position() -> None:
    for x_bits, o_bits in reachable_positions():
        board = from_bits(x_bits, o_bits)
        assert value(*relative(board)) == naive_value(board), board


# position (player to move follows from the marks) -> value for the mover, optimal moves.
KNOWN: list[tuple[str, int, tuple[int, ...]]] = [
    ("... ... ...", DRAW, tuple(range(9))),  # every first move draws
    ("X.. ... ...", DRAW, (4,)),  # against a corner, only the centre holds
    ("... .X. ...", DRAW, (0, 2, 6, 8)),  # against the centre, only a corner holds
    ("X.. .O. ..X", DRAW, (1, 3, 5, 7)),  # O must not take a corner, or X forks
    ("XX. OO. ...", WIN, (2,)),  # X completes the top row
    ("XX. OO. X..", WIN, (5,)),  # O wins at once rather than block
    ("XOX OO. X..", LOSS, (5, 7, 8)),  # O threatens 5 and 7: every move loses
]


@pytest.mark.parametrize(("text", "expected", "best"), KNOWN)
def test_known_positions(text: str, expected: int, best: tuple[int, ...]) -> None:
    mine, theirs = relative(parse_board(text))
    assert value(mine, theirs) == expected
    assert best_actions(mine, theirs) == best
    q = MinimaxAgent().q_values(observation(mine, theirs))
    assert [int(q[s]) for s in best] == [expected] * len(best)
    assert (
        q.max() == expected
        and np.isneginf(q[[s for s in range(9) if (mine | theirs) >> s & 1]]).all()
    )


def test_act_on_a_finished_game_raises() -> None:
    mine, theirs = relative(parse_board("XXX OO. ..."))
    with pytest.raises(ValueError, match="over"):
        MinimaxAgent().act(observation(mine, theirs), np.zeros(9, dtype=bool))


def test_obs_bits_reads_the_env_observation() -> None:
    env = TicTacToeEnv()
    env.reset()
    for square in (4, 0, 8):
        obs, *_ = env.step(square)
    x_bits, o_bits = to_bits(env.board)
    assert obs_bits(obs) == (o_bits, x_bits)  # O to move


def test_ties_are_broken_at_random_and_by_the_seed() -> None:
    empty, mask = observation(0, 0), np.ones(9, dtype=bool)
    choices = [MinimaxAgent(seed=1).act(empty, mask) for _ in range(5)]
    assert len(set(choices)) == 1  # each fresh agent with seed 1 makes the same first choice
    agent = MinimaxAgent(seed=1)
    seen = Counter(agent.act(empty, mask) for _ in range(900))
    assert sorted(seen) == list(range(9)) and min(seen.values()) > 60
    shared = np.random.default_rng(3)
    a, b = MinimaxAgent(rng=shared), MinimaxAgent(rng=np.random.default_rng(3))
    assert [a.act(empty, mask) for _ in range(20)] == [b.act(empty, mask) for _ in range(20)]


def play_game(env: TicTacToeEnv, players: tuple, seed: int) -> tuple[int | None, tuple[int, ...]]:
    """One game, ``players[seat]`` in each seat; the winning seat (or None) and the moves."""
    obs, info = env.reset(seed=seed)
    moves: list[int] = []
    terminated = False
    while not terminated:
        moves.append(players[env.current_player].act(obs, info["action_mask"]))
        obs, _, terminated, _, info = env.step(moves[-1])
    return info["winner"], tuple(moves)


def test_minimax_never_loses_to_random_in_either_seat() -> None:
    env = TicTacToeEnv()
    minimax, random = MinimaxAgent(seed=0), RandomAgent(seed=0)
    results = Counter()
    for game in range(400):
        seat = game % 2
        players = (minimax, random) if seat == 0 else (random, minimax)
        won, _ = play_game(env, players, game)
        results["win" if won == seat else "draw" if won is None else "loss"] += 1
    assert results["loss"] == 0
    assert results["win"] > 300  # random play blunders; perfect play takes the win


def test_minimax_against_itself_always_draws() -> None:
    env = TicTacToeEnv()
    players = (MinimaxAgent(seed=1), MinimaxAgent(seed=2))
    games = set()
    for game in range(200):
        won, moves = play_game(env, players, game)
        assert won is None
        games.add(moves)
    assert len(games) > 100  # the random tie-breaks show many different perfect games


def test_grade_of_minimax_is_perfect() -> None:
    grade = grade_tictactoe(MinimaxAgent(seed=0))
    assert grade.positions == 4_520  # every reachable position that is not over
    assert grade.optimal == 4_520 and grade.perfect and grade.fraction == 1.0
    assert grade.mistakes == () and grade.illegal == 0
    ok, records = never_loses_vs_perfect(MinimaxAgent(seed=0))
    assert ok
    for seat, record in enumerate(records):
        assert record.seat == seat and record.games > 0
        assert record.draws == record.games and record.losses == record.wins == 0
        assert record.losing_game is None


def test_grade_of_random_play_fails() -> None:
    grade = grade_tictactoe(RandomAgent(seed=0))
    assert grade.positions == 4_520 and grade.illegal == 0
    assert grade.fraction < 0.7 and not grade.perfect
    assert len(grade.mistakes) == grade.positions - grade.optimal
    ok, records = never_loses_vs_perfect(RandomAgent(seed=0))
    assert not ok and all(r.losses > 0 for r in records)
    for record in records:
        # The reported lost game really is one: replay it and the opponent wins.
        env = TicTacToeEnv()
        env.reset()
        for square in record.losing_game:
            env.step(square)
        assert env.winner == 1 - record.seat


def test_one_wrong_move_costs_exactly_one_position() -> None:
    minimax = as_policy(MinimaxAgent(seed=0))
    after_corner = relative(parse_board("X.. ... ..."))

    def blunders_once(obs: np.ndarray, mask: np.ndarray) -> int:
        return 1 if obs_bits(obs) == after_corner else minimax(obs, mask)

    grade = grade_tictactoe(blunders_once)
    assert grade.optimal == 4_519
    (mistake,) = grade.mistakes
    assert mistake.board == parse_board("X.. ... ...") and mistake.action == 1
    assert mistake.best == (4,) and mistake.value == DRAW
    ok, (as_x, as_o) = never_loses_vs_perfect(blunders_once)
    assert not ok and as_x.losses == 0 and as_o.losses > 0
    assert as_o.losing_game[:2] == (0, 1)


def test_illegal_moves_are_counted_as_mistakes_and_losses() -> None:
    grade = grade_tictactoe(lambda obs, mask: 0)
    assert 0 < grade.illegal < grade.positions - grade.optimal
    ok, records = never_loses_vs_perfect(lambda obs, mask: 0)
    assert not ok and records[1].illegal > 0  # as O, square 0 may already be X's


def test_a_policy_must_be_callable() -> None:
    with pytest.raises(TypeError, match="callable"):
        grade_tictactoe(42)  # type: ignore[arg-type]
