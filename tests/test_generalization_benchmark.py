"""How benchmarks/generalization.py grades a slippery map: within the tolerance of the
optimum; where the best policy that never reaches the goal (jumping into a pit) is
within it too, the map tests nothing and is set apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.generalization import (
    FINER,
    Grader,
    MapSpec,
    Run,
    censored_median,
    grading_points,
    make_env,
    map_pool,
    read_json,
    report,
    write_json,
)
from qarcade.games.gridworld import solver

LEFT, DOWN, RIGHT, UP = range(4)

# A corridor between two rows of pits: at slip 0.2 every step along it is a tenth of a
# chance of a pit, so the best policy mostly falls in too.
CORRIDOR = MapSpec(0, "pit rows", 3, 30, f"{'H' * 30}\nS{'.' * 28}G\n{'H' * 30}\n")


def test_a_map_where_jumping_into_a_pit_is_nearly_optimal_is_set_apart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = make_env(CORRIDOR, 0.2)
    grader = Grader(make_env(CORRIDOR, 0.2), tolerance=0.02)
    assert grader.degenerate  # the pit at once is within 0.02 of the optimum here
    assert grader.no_goal == pytest.approx(-1.0)
    jump = np.full((env.rows, env.cols), UP)
    assert solver.policy_value(env, jump, gamma=0.99) >= grader.optimum - 0.02
    assert grader.solved(lambda obs: UP)  # which is why it is set apart
    runs = [
        Run("dqn", 0, "pit rows", "3x30", 0.2, 0, True, 1, 0.1, -1.0, -0.998, 1.0, True),
        Run("dqn", 1, "random", "6x6", 0.0, 0, False, None, None, -4.0, 0.9, 1.0, False),
    ]
    report(runs, ["dqn"], quick=False)
    assert '"ours": 0.0' in capsys.readouterr().out  # the degenerate run not counted


def test_a_map_whose_goal_is_worth_going_for_is_graded_by_the_tolerance_alone() -> None:
    pool = map_pool(6)
    graders = [Grader(make_env(spec, 0.2), tolerance=0.02) for spec in pool]
    random_maps = [g for g, spec in zip(graders, pool, strict=True) if spec.kind == "random"]
    assert random_maps and not any(g.degenerate for g in random_maps)
    assert all(g.no_goal == pytest.approx(-1.0) for g in random_maps)


@pytest.mark.parametrize(
    ("total", "minimum"), [(241_500, 500), (100_000, 500), (48_300, 1), (37, 1)]
)
def test_a_run_is_graded_finely_and_still_at_every_fiftieth_of_its_budget(
    total: int, minimum: int
) -> None:
    """Grading more often than at the fiftieths keeps each of them, so a run solved at one
    is solved there or sooner: a superset of what coarser grading found."""
    points = grading_points(total, minimum)
    coarse = max(minimum, total // 50)
    fiftieths = {coarse * k for k in range(1, total // coarse + 1)}
    assert fiftieths <= set(points)
    assert points == sorted(set(points)) and points[0] > 0 and points[-1] <= total
    assert len(points) == min(total, FINER * len(fiftieths))


def test_median_time_counts_a_run_not_solved_as_slower_than_any_solved() -> None:
    def run(seconds: float | None) -> Run:
        solved = seconds is not None
        return Run("sb3", 0, "random", "6x6", 0.0, 0, solved, 1 if solved else None,
                   seconds, 0.0, 0.0, 1.0)  # fmt: skip

    assert censored_median([run(3.0), run(None), run(1.0)]) == 3.0
    assert censored_median([run(1.0), run(None), run(None)]) is None


def test_runs_saved_by_two_runs_are_reported_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(seed: int, solved: bool) -> Run:
        return Run("dqn", 3, "random", "6x6", 0.2, seed, solved, 500 if solved else None,
                   1.0 if solved else None, 0.5, 0.5, 2.0)  # fmt: skip

    first, second = tmp_path / "seed0.json", tmp_path / "seeds12.json"
    write_json(str(first), [run(0, True)])
    write_json(str(second), [run(1, True), run(2, False)])
    runs = read_json(str(first)) + read_json(str(second))
    assert runs == [run(0, True), run(1, True), run(2, False)]
    report(runs, ["dqn"], quick=False)
    assert '"ours": 66.7' in capsys.readouterr().out
    (tmp_path / "other.json").write_text('[{"steps": 3}]')
    with pytest.raises(SystemExit, match=r"cannot read runs from .*other\.json"):
        read_json(str(tmp_path / "other.json"))


def test_a_run_not_solved_says_where_its_best_policy_loses_most() -> None:
    spec = MapSpec(1, "random", 2, 4, "S..G\n....\n")
    env = make_env(spec, 0.0)
    cell_of = {env.obs_for_cell(r, c).tobytes(): (r, c) for r in range(2) for c in range(4)}
    grader = Grader(make_env(spec, 0.0), tolerance=1e-9)
    assert grader.most_lost() == ""  # nothing graded yet

    def back_at_second_cell(obs: np.ndarray) -> int:
        return LEFT if cell_of[obs.tobytes()] == (0, 1) else RIGHT

    assert not grader.solved(back_at_second_cell)
    assert grader.most_lost().startswith("cell (0, 1): left where right is best")
    assert grader.solved(lambda obs: RIGHT)
    assert grader.most_lost() == ""  # the best graded now loses nothing
