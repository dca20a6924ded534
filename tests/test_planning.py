"""The table's planning (Dyna-Q with expected updates, agents/model.py): the expected
target over the outcomes seen, the model's bound, its checkpoint and the crafted ones
refused, and what it does for learning on a slippery map."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from qarcade.agents.base import Transition
from qarcade.agents.checkpoints import CheckpointError, load_agent, save_agent
from qarcade.agents.model import MAX_OUTCOMES, EmpiricalModel
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import Trainer
from qarcade.games.core import OptionError
from qarcade.games.gridworld import solver
from qarcade.games.gridworld.env import GridWorldEnv


def test_expected_target_is_the_mean_over_the_outcomes_seen() -> None:
    table = np.array([[0.0, 0.0, 0.0], [2.0, 5.0, 1.0], [-1.0, 4.0, 3.0]])
    model = EmpiricalModel(3)
    for _ in range(3):
        model.add(0, 1, 1, 0.5, False, [0, 2])  # 5.0 is illegal there: best 2.0
    model.add(0, 1, -1, -1.0, False, [])  # the game ended: the reward alone
    model.add(0, 1, 2, 0.0, True, [0, 1, 2])  # the opponent's: minus its best, 4.0
    expected = (3 * (0.5 + 0.9 * 2.0) + (-1.0) + (0.0 - 0.9 * 4.0)) / 5
    assert model.expected_target(table, 0, 1, 0.9) == pytest.approx(expected)
    assert len(model) == 3 and model.order == [(0, 1)]


@pytest.mark.parametrize("prior", [None, 0.5])
def test_planning_in_one_call_is_expected_targets_of_the_pairs_drawn(prior: float | None) -> None:
    """plan() is draw() and expected_target() in a loop, to the bit: outcomes that end the
    game, go on, flip to the opponent, with every action legal, some, or none listed."""
    rng = np.random.default_rng(3)
    model = EmpiricalModel(3, prior)
    for _ in range(200):
        row, action, next_row = (int(v) for v in rng.integers(0, 6, 3))
        legal = [[], [0, 1, 2], [2], [0, 2]][int(rng.integers(4))]
        ended = next_row == 5
        reward = float(rng.integers(-2, 3)) / 2
        model.add(
            row, action % 3, -1 if ended else next_row, reward, bool(rng.random() < 0.3), legal
        )
    start = rng.normal(size=(6, 3))
    planned, expected = start.copy(), start.copy()
    model.plan(planned, 0.9, random.Random(7), 500)
    draws = random.Random(7)
    for _ in range(500):
        row, action = model.draw(draws)
        expected[row, action] = model.expected_target(expected, row, action, 0.9)
    assert np.array_equal(planned, expected)
    assert not np.array_equal(planned, start)


def test_a_full_move_forgets_the_outcome_seen_least() -> None:
    model = EmpiricalModel(2)
    for next_row in range(MAX_OUTCOMES):
        for _ in range(2 if next_row != 5 else 1):
            model.add(0, 0, next_row, 0.0, False, [0, 1])
    model.add(0, 0, 99, 1.0, False, [0, 1])
    assert len(model) == MAX_OUTCOMES  # bounded
    kept = {model.next_row[i] for i in model.pairs[(0, 0)]}
    assert 5 not in kept and 99 in kept
    model.add(0, 0, 99, 1.0, False, [0, 1])  # counted where it now is
    assert model.count[model.next_row.index(99)] == 2


def test_planning_sets_entries_met_to_their_expected_targets() -> None:
    """A two-state world: one move from state 0 ends the game with +1 or -1 half the
    time each. One sample update at step size 1 leaves the entry at the last sample;
    planning puts it at the mean."""
    obs = [np.eye(2, dtype=np.float32)[i] for i in range(2)]
    mask = np.ones(2, bool)

    def trained(planning_steps: int) -> TabularQAgent:
        config = TabularConfig(learning_rate=1.0, planning_steps=planning_steps)
        agent = TabularQAgent(2, config=config, seed=0)
        for reward in (1.0, 1.0, 1.0, -1.0):
            agent.learn(Transition(obs[0], 0, reward, obs[1], mask, True))
        return agent

    assert trained(0).q_values(obs[0])[0] == -1.0
    assert trained(0).model is None
    # The mean of the four, with one more outcome worth the initial value (0).
    assert trained(5).q_values(obs[0])[0] == pytest.approx(2.0 / 5)


def test_the_prior_is_one_more_outcome_worth_the_initial_value() -> None:
    """A move beside a pit that slipped into it the first time is still worth trying
    again; nine falls in nine tries outweigh the prior."""
    table = np.zeros((2, 4))
    model = EmpiricalModel(4, prior=1.0)
    model.add(0, 2, -1, -1.0, False, [])
    assert model.expected_target(table, 0, 2, 0.99) == pytest.approx(0.0)
    for _ in range(8):
        model.add(0, 2, -1, -1.0, False, [])
    assert model.expected_target(table, 0, 2, 0.99) == pytest.approx(-0.8)
    assert EmpiricalModel(4).pairs == {}  # no prior: the plain mean (above)


def test_planning_steps_is_checked() -> None:
    for bad in (-1, 1.5, True, 10**6):
        with pytest.raises(OptionError, match="planning_steps"):
            TabularConfig(planning_steps=bad)


def trained_on_slippery(
    seed: int = 0, episodes: int = 3_000, **overrides: object
) -> tuple[GridWorldEnv, TabularQAgent]:
    """The table with the slippery gridworld's defaults (but under a third of their
    budget) on a random 6x6 map of pits at slip 0.2."""
    env = GridWorldEnv(map="random", size=6, map_seed=7, slippery=0.2)
    config = TabularConfig.for_env(env, episodes=episodes, **overrides)
    agent = TabularQAgent.for_env(env, config, seed=seed)
    Trainer(env, agent, seed=seed, episodes=episodes).run()
    return env, agent


def shortfall(env: GridWorldEnv, agent: TabularQAgent) -> float:
    """How far the greedy policy's discounted value of the start is below the optimum's."""
    legal = np.ones(env.num_actions, bool)
    policy = solver.policy_of(env, lambda obs: agent.act(obs, legal))
    optimum = solver.value_iteration(env).v.flat[env.transition_model().start]
    return float(optimum - solver.policy_value(env, policy))


def test_planning_learns_a_slippery_map_that_sampled_updates_do_not() -> None:
    """The slippery gridworld's defaults plan 20 expected updates a move: in 3,000
    episodes the greedy policy is the best one (within 0.005 of its value, on two
    seeds). Without planning, all else the same, it is more than 0.05 short: a
    constant step's values follow the last few slips."""
    env, agent = trained_on_slippery(seed=0)
    assert agent.config.planning_steps == 20
    assert shortfall(env, agent) < 0.005
    assert shortfall(*trained_on_slippery(seed=1)) < 0.005
    assert shortfall(*trained_on_slippery(seed=0, planning_steps=0)) > 0.05


def test_checkpoint_keeps_the_model(tmp_path: Path) -> None:
    _, agent = trained_on_slippery(episodes=300)
    assert agent.model is not None and len(agent.model) > 30
    path = save_agent(tmp_path / "agent", agent)
    again = load_agent(path)
    assert isinstance(again, TabularQAgent) and again.model is not None
    assert again.model.to_arrays().keys() == agent.model.to_arrays().keys()
    for name, array in agent.model.to_arrays().items():
        np.testing.assert_array_equal(again.model.to_arrays()[name], array)
    row, action = agent.model.order[7]
    assert again.model.expected_target(again.table, row, action, 0.99) == pytest.approx(
        agent.model.expected_target(agent.table, row, action, 0.99)
    )


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("pairs", lambda a: a.__setitem__(0, [10**6, 0]), "rows or actions"),
        ("pairs", lambda a: a.__setitem__(0, [0, 9]), "rows or actions"),
        ("next", lambda a: a.__setitem__(0, -5), "rows or actions"),
        ("count", lambda a: a.__setitem__(0, 0), "rows or actions"),
        ("reward", lambda a: a.__setitem__(0, np.nan), "rows or actions"),
    ],
)
def test_crafted_models_are_refused(name: str, change, message: str) -> None:
    model = EmpiricalModel(4)
    model.add(0, 1, 1, -0.01, False, [0, 1, 2, 3])
    model.add(1, 2, -1, 1.0, False, [])
    arrays = model.to_arrays()
    change(arrays[name])
    with pytest.raises(CheckpointError, match=message):
        EmpiricalModel.from_arrays(arrays, num_rows=2, num_actions=4)


def test_crafted_model_shapes_and_repeats_are_refused() -> None:
    model = EmpiricalModel(4)
    model.add(0, 1, 1, -0.01, False, [0, 1, 2, 3])
    arrays = model.to_arrays()
    short = {**arrays, "count": arrays["count"][:0]}
    with pytest.raises(CheckpointError, match="shapes"):
        EmpiricalModel.from_arrays(short, num_rows=2, num_actions=4)
    twice = {k: np.concatenate([v, v]) for k, v in arrays.items()}
    with pytest.raises(CheckpointError, match="twice"):
        EmpiricalModel.from_arrays(twice, num_rows=2, num_actions=4)
    floats = {**arrays, "pairs": arrays["pairs"].astype(np.float64)}
    with pytest.raises(CheckpointError, match="kinds"):
        EmpiricalModel.from_arrays(floats, num_rows=2, num_actions=4)
    with pytest.raises(CheckpointError, match="missing"):
        EmpiricalModel.from_arrays({"pairs": arrays["pairs"]}, num_rows=2, num_actions=4)


def test_draws_are_uniform_over_the_moves_met() -> None:
    model = EmpiricalModel(2)
    for row in range(4):
        for _ in range(row * 10 + 1):  # seen unequally often: drawn equally
            model.add(row, 0, -1, 0.0, False, [])
    rng = random.Random(0)
    drawn = [model.draw(rng)[0] for _ in range(4000)]
    assert all(abs(drawn.count(row) - 1000) < 120 for row in range(4))


def test_the_explained_step_says_what_planning_did() -> None:
    """The window's single step shows the sampled update, then the planning after it."""
    env = GridWorldEnv(map="lake4", slippery=0.2)
    agent = TabularQAgent.for_env(env, seed=0)
    agent.explain = True
    Trainer(env, agent, seed=0, episodes=1).run()
    assert agent.last_update is not None and agent.last_update.planned == 20
    assert agent.last_update.lines("right")[-1].startswith("then 20 entries met")
    plain = TabularQAgent.for_env(env, TabularConfig.for_env(env, planning_steps=0), seed=0)
    plain.explain = True
    Trainer(env, plain, seed=0, episodes=1).run()
    assert plain.last_update is not None and len(plain.last_update.lines("right")) == 3
