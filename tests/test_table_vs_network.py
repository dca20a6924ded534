"""benchmarks/table_vs_network.py on its smallest size: the numbers it prints agree with
each other and with the learners they describe."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qarcade import games
from qarcade.agents.dqn import DQNConfig, heads
from qarcade.agents.training import training_env_options
from qarcade.games.gridworld.env import GridWorldEnv

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "bench_table_vs_network", ROOT / "benchmarks" / "table_vs_network.py"
)
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_table_vs_network"] = bench
_spec.loader.exec_module(bench)


def mlp_parameters(sizes: list[int]) -> int:
    """Weights and biases of a fully connected net through ``sizes``."""
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(sizes))


@pytest.mark.slow
def test_smallest_gridworld_run_prints_consistent_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    runs_file = tmp_path / "runs.json"
    bench.main(["--only", "gridworld", "--sides", "4", "--maps", "2", "--json", str(runs_file)])
    printed = capsys.readouterr().out
    runs = json.loads(runs_file.read_text())["gridworld"]
    assert sorted((r["learner"], r["map_seed"]) for r in runs) == [
        ("network", 0),
        ("network", 1),
        ("table", 0),
        ("table", 1),
    ]
    plan = bench.PLANS[4]
    hidden = list(DQNConfig.for_env(GridWorldEnv(map="random", size=4)).hidden_sizes)
    for run in runs:
        env = GridWorldEnv(map="random", size=4, map_seed=run["map_seed"])
        memory = run["memory"]
        assert run["budget"] == plan.budget
        checks = bench.check_points(run["budget"])
        if run["optimal_steps"] is None:  # reported missing: it used the whole budget
            assert run["steps"] == run["budget"] and run["optimal_seconds"] is None
        else:  # found at a check point, where it stopped
            assert run["optimal_steps"] in checks and run["optimal_steps"] == run["steps"]
            assert 0 <= run["optimal_seconds"] <= run["seconds"]
        if run["learner"] == "table":
            assert memory["entries"] == memory["states"] * env.num_actions
            assert 1 <= memory["states"] <= run["open_cells"]
            assert memory["q_bytes"] >= memory["entries"] * 8  # float64 values, keys beside
            assert memory["parameters"] == 0 and memory["replay_bytes"] == 0
        else:
            # The optimistic head's Q-values and the exploit head's (DQNConfig.exploit_head).
            outputs = env.num_actions * heads(DQNConfig.for_env(env))
            assert outputs == 2 * env.num_actions
            sizes = [env.rows * env.cols, *hidden, outputs]
            assert memory["parameters"] == mlp_parameters(sizes)
            assert memory["q_bytes"] == memory["parameters"] * 4  # float32 weights
            # One-hot observations are kept by index: two int64 per transition at least,
            # for the whole capacity, and far less than the float32 vectors would take.
            capacity = DQNConfig.for_env(env).buffer_size
            assert capacity * 2 * 8 <= memory["replay_bytes"]
            assert memory["replay_bytes"] < capacity * 2 * env.rows * env.cols * 4
            assert memory["states"] == memory["entries"] == 0
    # The table on 4x4 maps is optimal within the budget (a broken one would not be).
    assert all(r["optimal_steps"] is not None for r in runs if r["learner"] == "table")
    # What it prints says the same: every run's line, and a RESULT row per learner.
    for run in runs:
        line = f"4x4 map {run['map_seed']} {run['learner']:8}: "
        found = run["optimal_steps"]
        assert line + (f"optimal at {found:,} steps" if found else "not optimal") in printed
    results = [
        json.loads(x[len("RESULT ") :]) for x in printed.splitlines() if x.startswith("RESULT ")
    ]
    assert {r["what"] for r in results} == {
        "gridworld 4x4: maps optimal within budget, Q-table",
        "gridworld 4x4: maps optimal within budget, DQN",
    }
    for row in results:
        learner = "table" if row["what"].endswith("Q-table") else "network"
        mine = [r for r in runs if r["learner"] == learner]
        found = sum(r["optimal_steps"] is not None for r in mine)
        assert row["ours"] == pytest.approx(100.0 * found / len(mine))
    # The PNG is drawn again from the runs file alone, without training.
    bench.main(["--redraw", str(runs_file), "--plots", str(tmp_path / "plots")])
    assert (tmp_path / "plots" / "scaling-gridworld.png").stat().st_size > 10_000
    assert not (tmp_path / "plots" / "scaling-invaders.png").exists()


def test_invaders_tables_count_what_they_hold() -> None:
    """Entries are rows x actions for every discretiser; the coarse one has all its rows
    from the start, the finer ones grow a row per new (rounded) state, and their bytes
    are the values plus one key per row."""
    env = games.make("invaders", **training_env_options("invaders", {}))
    budget, features = 300, env.observation_shape[0]
    for resolution in bench.resolutions(quick=True):
        if resolution.make is None:
            continue
        discretiser = resolution.make()
        agent = bench.new_learner("table", env, 0, discretiser)
        assert agent.discretiser is discretiser
        bench.Trainer(env, agent, seed=0, steps=budget).run_steps(budget)
        memory = bench.memory_of(agent)
        assert memory.entries == memory.states * env.num_actions
        if isinstance(discretiser, bench.InvadersDiscretiser):
            assert memory.states == discretiser.player_bins * 7 * 5 * 2
        else:
            assert 1 < memory.states <= budget + 1
            key_bytes = 1 if isinstance(discretiser, bench.RoundedFeatures) else 4
            assert memory.q_bytes == memory.entries * 8 + memory.states * features * key_bytes
    rounded = bench.RoundedFeatures(3)
    assert rounded.row(np.full(features, 0.4, np.float32)) == rounded.row(
        np.full(features, -0.4, np.float32)
    )
    assert rounded.row(np.full(features, 0.6, np.float32)) != rounded.row(
        np.zeros(features, np.float32)
    )
