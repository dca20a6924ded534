"""Gridworld: rules (table-driven), slips, time limit, map errors, generator, tile edits,
and the exact solver on the shipped maps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qarcade import games
from qarcade.games.core import GameOverError, IllegalActionError, OptionError
from qarcade.games.gridworld import (
    DOWN,
    FLOOR,
    GOAL,
    LEFT,
    PIT,
    RIGHT,
    START,
    UP,
    WALL,
    GridWorldEnv,
    MapError,
    format_map,
    goal_reachable,
    load_map,
    parse_map,
    random_map,
    shipped_maps,
)
from qarcade.games.gridworld.solver import (
    optimal_return,
    policy_of,
    policy_return,
    return_of,
    success_probability,
    value_iteration,
)

SHIPPED = ("cliff", "fourrooms", "lake4", "lake8", "maze")
STEP = -0.01


def make_from_text(tmp_path: Path, text: str, **options) -> GridWorldEnv:
    path = tmp_path / "map.txt"
    path.write_text(text)
    return GridWorldEnv(map=str(path), **options)


# ---------------------------------------------------------------------- rules
# map, actions -> after each action: (position, reward, terminated)
RULES = {
    "walk to the goal": (
        "S.G",
        [RIGHT, RIGHT],
        [((0, 1), STEP, False), ((0, 2), 1.0, True)],
    ),
    "down then right": (
        "S.\n.G",
        [DOWN, RIGHT],
        [((1, 0), STEP, False), ((1, 1), 1.0, True)],
    ),
    "the edge stops a move": (
        "S.\n.G",
        [LEFT, UP, RIGHT, UP, RIGHT],
        [
            ((0, 0), STEP, False),
            ((0, 0), STEP, False),
            ((0, 1), STEP, False),
            ((0, 1), STEP, False),
            ((0, 1), STEP, False),
        ],
    ),
    "a wall stops a move": (
        "S#\n.G",
        [RIGHT, DOWN, UP],
        [((0, 0), STEP, False), ((1, 0), STEP, False), ((0, 0), STEP, False)],
    ),
    "a wall in a corridor": (
        "S.#.\n...G",
        [RIGHT, RIGHT, DOWN, RIGHT, RIGHT],
        [
            ((0, 1), STEP, False),
            ((0, 1), STEP, False),
            ((1, 1), STEP, False),
            ((1, 2), STEP, False),
            ((1, 3), 1.0, True),
        ],
    ),
    "a pit ends the episode": (
        "SH\n.G",
        [RIGHT],
        [((0, 1), -1.0, True)],
    ),
    "the start is floor": (
        "S.\n.G",
        [RIGHT, LEFT, DOWN, RIGHT],
        [((0, 1), STEP, False), ((0, 0), STEP, False), ((1, 0), STEP, False), ((1, 1), 1.0, True)],
    ),
    "either of two goals": (
        "G.S.G",
        [LEFT, LEFT],
        [((0, 1), STEP, False), ((0, 0), 1.0, True)],
    ),
    "FrozenLake letters and comments": (
        "; a comment\n\nSF\nFH\nGF\n",
        [DOWN, RIGHT, LEFT, DOWN],
        [((1, 0), STEP, False), ((1, 1), -1.0, True)],
    ),
}


@pytest.mark.parametrize(("text", "actions", "expected"), RULES.values(), ids=RULES.keys())
def test_rules(tmp_path: Path, text: str, actions: list[int], expected: list[tuple]) -> None:
    env = make_from_text(tmp_path, text)
    env.reset(seed=0)
    got = []
    for a in actions:
        if env.done:
            break
        _, reward, terminated, truncated, info = env.step(a)
        got.append((env.position, reward, terminated))
        assert not truncated
        assert info["action_mask"].tolist() == [not terminated] * 4
        assert info["rewards"] == (reward,)
    assert got == expected


def test_rewards_are_options(tmp_path: Path) -> None:
    env = make_from_text(tmp_path, "SH.G\n....", step_reward=0.0, goal_reward=5.0, pit_reward=-3.0)
    env.reset()
    assert env.step(RIGHT)[1:3] == (-3.0, True)
    env.reset()
    env.set_tile(0, 1, FLOOR)
    assert [env.step(RIGHT)[1] for _ in range(3)] == [0.0, 0.0, 5.0]


def test_observation_is_a_read_only_one_hot_of_the_cell() -> None:
    env = GridWorldEnv(map="cliff")
    obs, info = env.reset(seed=0)
    assert env.observation_shape == (48,) and obs.shape == (48,) and obs.dtype == np.float32
    assert obs.sum() == 1.0 and obs[env.cell_index(3, 0)] == 1.0
    obs, *_, info = env.step(UP)
    assert env.position == (2, 0) and obs[env.cell_index(2, 0)] == 1.0
    assert obs is env.obs_for_cell(2, 0) and obs is env.observe()
    for cached in (obs, info["action_mask"], env.action_mask(), env.grid):
        with pytest.raises(ValueError, match="read-only"):
            cached[0] = 0
    assert env.obs_for_cell(2, 0).sum() == 1.0, "a refused write must leave the cache intact"
    every_cell = np.stack([env.obs_for_cell(r, c) for r in range(4) for c in range(12)])
    np.testing.assert_array_equal(every_cell, np.eye(48, dtype=np.float32))


def test_actions_are_checked_before_the_state_changes() -> None:
    env = GridWorldEnv(map="lake4")
    with pytest.raises(GameOverError, match="reset"):
        env.step(RIGHT)
    env.reset(seed=0)
    for bad, error in (
        (4, IllegalActionError),
        (-1, IllegalActionError),
        (1.0, IllegalActionError),
    ):
        with pytest.raises(error):
            env.step(bad)
        assert env.position == (0, 0) and env.steps == 0
    env.step(np.int64(RIGHT))  # numpy integers, as np.argmax returns, are fine
    assert env.position == (0, 1)
    env.step(DOWN)  # into the hole at (1, 1)
    assert env.terminated and env.action_mask().tolist() == [False] * 4
    with pytest.raises(GameOverError):
        env.step(LEFT)
    assert env.position == (1, 1)


def test_time_limit_truncates() -> None:
    env = GridWorldEnv(map="lake4", max_steps=5)
    env.reset()
    results = [env.step(LEFT)[2:4] for _ in range(5)]
    assert results == [(False, False)] * 4 + [(False, True)]
    assert env.truncated and not env.terminated and env.done
    with pytest.raises(GameOverError):
        env.step(LEFT)
    env.reset()
    assert env.steps == 0 and not env.done


def test_default_time_limit_scales_with_the_map() -> None:
    assert GridWorldEnv(map="lake4").max_steps == 100  # FrozenLake 4x4's limit
    assert GridWorldEnv(map="lake8").max_steps == 4 * 64
    assert GridWorldEnv(map="fourrooms").max_steps == 4 * 169


# ---------------------------------------------------------------------- slips
@pytest.mark.parametrize(("slippery", "sideways"), [(0.3, 0.15), (True, 1 / 3), (0.0, 0.0)])
def test_slips_go_sideways_with_the_given_probability(tmp_path: Path, slippery, sideways) -> None:
    """From the middle of a 3x3 map pressing UP lands up, left or right (never down)."""
    env = make_from_text(tmp_path, "...\n.S.\n..G", slippery=slippery)
    env.reset(seed=123)
    n = 20_000
    landed = {(0, 1): 0, (1, 0): 0, (1, 2): 0, (2, 1): 0}
    for _ in range(n):
        env.step(UP)
        landed[env.position] += 1
        env.reset()
    sigma = np.sqrt(0.25 / n)
    assert landed[(2, 1)] == 0
    assert abs(landed[(0, 1)] / n - (1 - 2 * sideways)) < 5 * sigma
    assert abs(landed[(1, 0)] / n - sideways) < 5 * sigma
    assert abs(landed[(1, 2)] / n - sideways) < 5 * sigma


def test_same_seed_same_rollout_and_snapshots_continue_exactly() -> None:
    def play(env: GridWorldEnv, seed: int, steps: int = 2000) -> list:
        actions = np.random.default_rng(99).integers(0, 4, size=steps).tolist()
        env.reset(seed=seed)
        trace = []
        for a in actions:
            trace.append((env.step(a)[1:4], env.position))
            if env.done:
                env.reset()
        return trace

    env = GridWorldEnv(map="lake8", slippery=True)
    first = play(env, 7)
    assert play(GridWorldEnv(map="lake8", slippery=True), 7) == first
    assert play(env, 7) == first, "reset(seed=...) must restart the slips mid-stream"
    assert play(env, 8) != first

    env.reset(seed=3)
    env.step(UP)
    snap = env.snapshot()
    actions = [RIGHT, DOWN] * 40

    def play_on() -> list:
        trace = []
        for a in actions:
            if env.done:
                break
            trace.append((env.step(a)[1:4], env.position))
        return trace

    ahead = play_on()
    env.restore(snap)
    assert play_on() == ahead


def test_bad_options_are_refused() -> None:
    for options, match in [
        ({"slippery": 1.5}, "slippery"),
        ({"slippery": "yes"}, "slippery"),
        ({"max_steps": 0}, "max_steps"),
        ({"step_reward": float("nan")}, "step_reward"),
        ({"size": 8}, "map='random'"),
        ({"map_seed": 1}, "map='random'"),
        ({"map": "random", "size": 3}, "between 4 and 64"),
        ({"map": "random", "size": [8, 100]}, "between 4 and 64"),
        ({"map": "random", "size": "big"}, "size"),
        ({"map": "random", "map_seed": -1}, "map_seed"),
        ({"map": 5}, "map"),
    ]:
        with pytest.raises(OptionError, match=match):
            GridWorldEnv(**options)
    with pytest.raises(OptionError, match="valid options"):
        games.make("gridworld", slipery=0.1)


# ---------------------------------------------------------------------- maps
BAD_MAPS = {
    "no start": ("; c\n...\n..G\n", 2, 1, "no start"),
    "no goal": ("S..\n...\n", 1, 1, "no goal"),
    "two starts": ("S..\n.S.\n..G\n", 2, 2, "second start"),
    "ragged row": ("S...\n..\n...G\n", 2, 3, "ragged"),
    "long row": ("S..\n....\n..G\n", 2, 4, "ragged"),
    "unknown character": (";x\nS..\n.x.\n..G\n", 3, 2, "unknown character 'x'"),
    "space inside a row": ("S. .\n...G\n", 1, 3, "unknown character ' '"),
    "goal walled off": ("S.#.\n..#G\n", 2, 4, "no goal can be reached"),
    "goal behind pits": ("S.H\n.HG\n", 2, 3, "no goal can be reached"),
    "empty file": ("", 1, 1, "empty"),
    "only comments": ("; just\n; comments\n\n", 1, 1, "empty"),
}


@pytest.mark.parametrize(("text", "line", "col", "what"), BAD_MAPS.values(), ids=BAD_MAPS.keys())
def test_bad_maps_name_the_file_line_and_column(
    tmp_path: Path, text: str, line: int, col: int, what: str
) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(MapError) as caught:
        GridWorldEnv(map=str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:{col}: "), message
    assert what in message


def test_missing_map_files_and_unknown_names_list_the_shipped_maps(tmp_path: Path) -> None:
    with pytest.raises(MapError, match="not found") as caught:
        GridWorldEnv(map=str(tmp_path / "nope.txt"))
    assert "lake4" in str(caught.value)
    with pytest.raises(MapError, match="unknown map 'lake5'") as caught:
        games.make("gridworld", map="lake5")
    assert all(name in str(caught.value) for name in SHIPPED)


def test_shipped_maps_load_with_their_documented_shapes() -> None:
    assert set(SHIPPED) <= set(shipped_maps())
    shapes = {"lake4": (4, 4), "lake8": (8, 8), "cliff": (4, 12), "maze": (9, 11)}
    shapes["fourrooms"] = (13, 13)
    for name, shape in shapes.items():
        env = games.make("gridworld", map=name)
        assert (env.rows, env.cols) == shape and env.map_name == name
        assert env.grid[env.start] == START and goal_reachable(env.grid, env.start)
        assert parse_map(format_map(env.grid)).grid.tolist() == env.grid.tolist()
    cliff = load_map("cliff").grid
    assert (cliff[3, 1:11] == PIT).all() and cliff[3, 11] == GOAL
    assert (load_map("maze").grid == WALL).sum() > 20


# ---------------------------------------------------------------------- generator
def test_random_maps_are_solvable_and_seeded() -> None:
    for seed in range(300):
        rows, cols = 4 + seed % 9, 4 + (seed * 7) % 13
        m = random_map(rows, cols, seed)
        assert m.grid.shape == (rows, cols)
        assert m.grid[0, 0] == START and m.grid[-1, -1] == GOAL
        assert goal_reachable(m.grid, m.start)
        assert (m.grid == START).sum() == 1
    assert random_map(8, 8, 5).grid.tolist() == random_map(8, 8, 5).grid.tolist()
    assert len({format_map(random_map(8, 8, s).grid) for s in range(20)}) == 20
    env = GridWorldEnv(map="random", size=[6, 10], map_seed=4)
    assert (env.rows, env.cols) == (6, 10) and env.map_name == "random-6x10-s4"
    assert env.grid.tolist() == random_map(6, 10, 4).grid.tolist()
    assert GridWorldEnv(map="random").grid.shape == (8, 8)


def test_random_map_densities_that_cannot_be_solved_raise() -> None:
    with pytest.raises(MapError, match="no solvable"):
        random_map(8, 8, 0, pit_density=0.6, wall_density=0.39, max_tries=20)
    with pytest.raises(MapError, match="densit"):
        random_map(8, 8, 0, pit_density=0.6, wall_density=0.5)


# ---------------------------------------------------------------------- set_tile
def test_set_tile_changes_the_rules_at_once(tmp_path: Path) -> None:
    env = make_from_text(tmp_path, "S...\n...G")
    env.reset()
    env.set_tile(0, 1, WALL)
    assert env.grid[0, 1] == WALL
    assert env.step(RIGHT)[1:3] == (STEP, False) and env.position == (0, 0)
    env.set_tile(0, 1, PIT)
    assert env.step(RIGHT)[1:3] == (-1.0, True)
    env.reset()
    env.set_tile(0, 1, GOAL)
    assert env.step(RIGHT)[1:3] == (1.0, True)
    env.reset()
    env.set_tile(0, 1, FLOOR)
    assert env.step(RIGHT)[1:3] == (STEP, False)
    env.set_tile(0, 1, WALL)  # under the agent: it is not moved, and can walk off
    assert env.position == (0, 1)
    assert env.step(RIGHT)[1:3] == (STEP, False) and env.position == (0, 2)
    assert env.step(LEFT)[1:3] == (STEP, False) and env.position == (0, 2)


def test_set_tile_refuses_the_start_and_bad_input(tmp_path: Path) -> None:
    env = make_from_text(tmp_path, "S...\n...G")
    for args, match in [
        ((0, 0, WALL), "start"),
        ((1, 1, START), "cannot be placed"),
        ((1, 1, 9), "cannot be placed"),
        ((2, 0, WALL), "outside"),
        ((0, -1, WALL), "outside"),
    ]:
        with pytest.raises(MapError, match=match):
            env.set_tile(*args)
    assert format_map(env.grid) == "S...\n...G\n"


def test_snapshot_restores_edited_tiles(tmp_path: Path) -> None:
    env = make_from_text(tmp_path, "S...\n...G")
    env.reset()
    snap = env.snapshot()
    env.set_tile(0, 1, PIT)
    env.restore(snap)
    assert env.grid[0, 1] == FLOOR
    assert env.step(RIGHT)[1:3] == (STEP, False)


# ---------------------------------------------------------------------- solver
def greedy_rollout(env: GridWorldEnv, policy: np.ndarray, seed: int = 0) -> tuple[float, int]:
    """Undiscounted return and length of one episode following ``policy`` in the env."""
    env.reset(seed=seed)
    total = 0.0
    while not env.done:
        total += env.step(int(policy[env.position]))[1]
    return total, env.steps


# map -> shortest safe path length (counted by hand from the map files)
SHORTEST = {"lake4": 6, "lake8": 14, "cliff": 13, "maze": 32, "fourrooms": 20}


@pytest.mark.parametrize(("name", "length"), SHORTEST.items())
def test_solver_finds_the_shortest_safe_path(name: str, length: int) -> None:
    env = GridWorldEnv(map=name)
    best = 1.0 + (length - 1) * STEP
    assert optimal_return(env) == pytest.approx(best)
    solution = value_iteration(env, gamma=0.99)
    assert policy_return(env, solution.policy) == pytest.approx(best)
    assert greedy_rollout(env, solution.policy) == (pytest.approx(best), length)
    assert success_probability(env, solution.policy) == 1.0
    assert optimal_return(env, horizon=length - 1) < 0  # the goal is out of reach


def test_value_iteration_satisfies_the_bellman_optimality_equation() -> None:
    env = GridWorldEnv(map="lake8", slippery=0.4)
    sol = value_iteration(env, gamma=0.95)
    model = env.transition_model()
    v = sol.v.ravel()
    q = model.prob * (model.reward + 0.95 * np.where(model.terminated, 0, v[model.next_cell]))
    q = q.sum(axis=2)
    live = ~model.absorbing
    np.testing.assert_allclose(sol.q.reshape(-1, 4)[live], q[live], atol=1e-8)
    np.testing.assert_allclose(v[live], q[live].max(axis=1), atol=1e-8)
    assert (sol.policy.ravel()[model.absorbing] == -1).all()
    assert (sol.v.ravel()[model.absorbing] == 0).all()
    with pytest.raises(OptionError, match="gamma"):
        value_iteration(env, gamma=1.0)


@pytest.mark.parametrize("slippery", [0.0, 0.2, 2 / 3])
def test_policy_value_is_the_discounted_value_value_iteration_maximises(slippery: float) -> None:
    """A policy's value solves its own Bellman equation (checked by a linear solve); the
    optimal policy's is value iteration's V at the start, and every other is below."""
    from qarcade.games.gridworld.solver import policy_value

    env = GridWorldEnv(map="lake8", slippery=slippery)
    model = env.transition_model()
    cells = np.arange(model.absorbing.size)
    solution = value_iteration(env, gamma=0.95)
    start_value = solution.v.ravel()[model.start]
    assert policy_value(env, solution.policy, gamma=0.95) == pytest.approx(start_value)
    for policy in np.random.default_rng(1).integers(0, 4, size=(5, cells.size)):
        # V = R + 0.95 P V over the cells the episode goes on from.
        live = ~model.terminated[cells, policy] * model.prob[cells, policy]
        transitions = np.zeros((cells.size, cells.size))
        np.add.at(transitions, (cells[:, None], model.next_cell[cells, policy]), live)
        transitions[model.absorbing] = 0.0
        rewards = (model.prob * model.reward)[cells, policy].sum(1) * ~model.absorbing
        exact = np.linalg.solve(np.eye(cells.size) - 0.95 * transitions, rewards)
        value = policy_value(env, policy, gamma=0.95)
        assert value == pytest.approx(exact[model.start], abs=1e-8)
        assert value < start_value
    with pytest.raises(OptionError, match="gamma"):
        policy_value(env, solution.policy, gamma=1.0)


@pytest.mark.parametrize("slippery", [0.0, 0.2])
def test_policy_value_sweeps_where_too_many_cells_are_reachable_to_solve(
    slippery: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past DENSE_CELLS reachable cells (a matrix too big to hold) policy_value sweeps to
    its tolerance instead of solving: the same values, on policies that reach few cells
    (into a pit at once), many, and loop forever without reaching the goal."""
    from qarcade.games.gridworld import solver

    env = GridWorldEnv(map="lake8", slippery=slippery)
    cells = env.rows * env.cols
    policies = [value_iteration(env, gamma=0.95).policy.ravel(), np.full(cells, LEFT)]
    policies += list(np.random.default_rng(2).integers(0, 4, size=(4, cells)))
    solved = [solver.policy_value(env, p, gamma=0.95) for p in policies]
    monkeypatch.setattr(solver, "DENSE_CELLS", 0)
    swept = [solver.policy_value(env, p, gamma=0.95) for p in policies]
    assert swept == pytest.approx(solved, abs=1e-8)
    assert max(solved) == solved[0] > min(solved)  # the optimal policy, and worse ones


@pytest.mark.parametrize("slippery", [0.0, 0.2])
def test_value_lost_by_cell_sums_to_what_a_policy_falls_short_of_the_optimum(
    slippery: float,
) -> None:
    """The performance difference lemma, cell by cell: the losses sum to V*(start) -
    V^pi(start) for any policy; the optimal policy loses nothing anywhere; and one
    wrong choice on a cell the best route crosses shows up on that cell."""
    from qarcade.games.gridworld.solver import policy_value, value_lost

    env = GridWorldEnv(map="lake8", slippery=slippery)
    model = env.transition_model()
    solution = value_iteration(env, gamma=0.95)
    optimum = solution.v.ravel()[model.start]
    assert np.abs(value_lost(env, solution.policy, gamma=0.95)).max() < 1e-9
    for policy in np.random.default_rng(2).integers(0, 4, size=(4, model.absorbing.size)):
        lost = value_lost(env, policy, gamma=0.95)
        assert lost.min() >= -1e-9
        shortfall = optimum - policy_value(env, policy, gamma=0.95)
        assert lost.sum() == pytest.approx(shortfall, abs=1e-8)
    # Turn the best policy back toward the start on its second cell of the route.
    row, col = env.start
    dr, dc = ((0, -1), (1, 0), (0, 1), (-1, 0))[solution.policy[row, col]]
    second = (row + dr, col + dc)
    wrong = solution.policy.copy()
    wrong[second] = (solution.policy[row, col] + 2) % 4
    lost = value_lost(env, wrong, gamma=0.95)
    assert np.unravel_index(lost.argmax(), lost.shape) == second
    assert lost.sum() == pytest.approx(optimum - policy_value(env, wrong, gamma=0.95), abs=1e-8)
    # A caller that has the optimum already passes it: the same numbers, one solve fewer.
    assert np.array_equal(value_lost(env, wrong, gamma=0.95, optimal=solution), lost)
    with pytest.raises(OptionError, match=r"gamma 0\.95, not 0\.99"):
        value_lost(env, wrong, gamma=0.99, optimal=solution)


def test_slippery_lake4_optimum_matches_frozenlake() -> None:
    env = GridWorldEnv(map="lake4", slippery=True)
    policy = value_iteration(env, gamma=0.99).policy
    # FrozenLake 4x4 with slips: the best policy reaches the goal ~74% of the time in
    # 100 steps, and 14/17 of the time given forever.
    assert success_probability(env, policy) == pytest.approx(0.7402, abs=5e-4)
    assert success_probability(env) == pytest.approx(0.7442, abs=5e-4)
    assert success_probability(env, policy, horizon=3000) == pytest.approx(14 / 17)
    # The env's own dynamics agree with the model the solver used.
    n = 4000
    successes = sum(greedy_rollout(env, policy, seed=s)[0] > 0 for s in range(n))
    assert abs(successes / n - 0.7402) < 4 * np.sqrt(0.74 * 0.26 / n)


def test_policies_are_checked() -> None:
    env = GridWorldEnv(map="lake4")
    with pytest.raises(OptionError, match="one integer action per cell"):
        policy_return(env, np.zeros(15, dtype=int))
    with pytest.raises(OptionError, match=r"0\.\.3"):
        policy_return(env, np.full(16, 4))


def test_policy_of_reads_an_agent_cell_by_cell() -> None:
    env = GridWorldEnv(map="cliff")
    solution = value_iteration(env)
    q_table = solution.q.reshape(-1, 4)  # what a perfect tabular agent would hold
    policy = policy_of(env, lambda obs: int(np.argmax(q_table[np.argmax(obs)])))
    np.testing.assert_array_equal(policy, solution.policy)
    assert policy_return(env, policy) == pytest.approx(optimal_return(env))
    always_right = policy_of(env, lambda obs: RIGHT)  # walks off the cliff at once
    assert policy_return(env, always_right) == -1.0
    assert success_probability(env, always_right) == 0.0


@pytest.mark.parametrize(("side", "map_seed"), [(4, 0), (7, 3), (12, 1)])
def test_policy_return_on_a_deterministic_map_walks_the_path_the_sweeps_would_sum(
    side: int, map_seed: int
) -> None:
    """Where every move has one outcome, policy_return follows the policy's one path from
    the start instead of sweeping every cell for the whole horizon: the same number, to
    the last bit, for policies that reach the goal, fall in a pit or loop until the
    time limit, with the full horizon and cut short."""
    from qarcade.games.gridworld import solver

    env = GridWorldEnv(map="random", size=side, map_seed=map_seed)
    model = env.transition_model()
    rng = np.random.default_rng(map_seed)
    policies = [value_iteration(env).policy, *rng.integers(0, 4, size=(8, side * side))]
    policies += [np.full(side * side, a) for a in range(4)]
    for policy in policies:
        actions = np.where(model.absorbing, 0, policy.ravel())
        for horizon in (env.max_steps, side, 0):
            swept = solver._finite_horizon(model, model.reward, actions, horizon)[model.start]
            assert policy_return(env, policy, horizon=horizon) == float(swept)


@pytest.mark.parametrize("slippery", [0.0, 0.2])
def test_return_of_asks_a_player_only_where_its_path_goes_and_agrees_with_the_sweeps(
    slippery: float,
) -> None:
    """return_of grades a player as policy_return grades its whole policy; on a
    deterministic map it asks only the cells along the path (each once, loops too), on
    a slippery one every cell."""
    for map_seed in range(6):
        env = GridWorldEnv(map="random", size=7, map_seed=map_seed, slippery=slippery)
        policy = np.random.default_rng(map_seed).integers(0, 4, size=(7, 7))
        asked: list[tuple[int, int]] = []

        def act(
            obs: np.ndarray,
            env: GridWorldEnv = env,
            policy: np.ndarray = policy,
            asked: list[tuple[int, int]] = asked,
        ) -> int:
            asked.append(env.cell_of(obs))
            return int(policy[env.cell_of(obs)])

        assert return_of(env, act) == policy_return(env, policy)
        assert len(asked) == len(set(asked))
        absorbing = env.transition_model().absorbing.sum()
        assert (len(asked) == 49 - absorbing) == (slippery > 0)


def test_a_stream_of_maps_is_graded_on_fixed_validation_maps_not_its_last_draw() -> None:
    """Grading an env that draws a new map every episode takes the mean over validation
    maps of its size, the same whichever map it holds; none is a held-out map (map_seed
    0, 1, ...) or the map it holds."""
    from qarcade.games.gridworld import grading

    stream = GridWorldEnv(map="random", size=6, resample_map=True, min_size=4)
    maps = grading.graded_maps(stream)
    assert len(maps) == grading.VALIDATION_MAPS
    assert all(m.grid.shape == (6, 6) and not m.resample_map for m in maps)
    held_out = {format_map(GridWorldEnv(map="random", size=6, map_seed=s).grid) for s in range(50)}
    texts = {format_map(m.grid) for m in maps}
    assert len(texts) == len(maps) and not texts & held_out

    def right(obs: np.ndarray, mask: np.ndarray, explore: bool = True) -> int:
        return 2

    player = type("Right", (), {"act": staticmethod(right)})()
    scores = set()
    for seed in range(3):
        stream.reset(seed=seed)
        assert format_map(stream.grid) not in texts
        scores.add(grading.exact_score(stream, player))
    expected = np.mean([policy_return(m, np.full((6, 6), 2)) for m in maps])
    assert len(scores) == 1 and scores.pop() == pytest.approx(expected)
    assert grading.best_score(stream) == pytest.approx(np.mean([optimal_return(m) for m in maps]))
