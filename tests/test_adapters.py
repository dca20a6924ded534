"""The ecosystem fit: Gymnasium and PettingZoo adapters, Stable-Baselines3, TensorBoard.

- every registered ``qarcade/`` env passes Gymnasium's own ``check_env`` (rendering too),
  and tic-tac-toe passes PettingZoo's ``api_test``;
- Stable-Baselines3's DQN learns the optimal policy of ``qarcade/GridWorld-v0`` and
  qarcade's own DQN learns Gymnasium's ``FrozenLake-v1`` through the reverse adapter,
  both graded against exact optima (value iteration), not a fixed number;
- the TensorBoard writer's event file reads back with TensorBoard's own reader.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

gymnasium = pytest.importorskip("gymnasium")
from gymnasium.utils.env_checker import check_env  # noqa: E402

import qarcade.games.adapters.gymnasium as qgym  # noqa: E402
from qarcade import games  # noqa: E402
from qarcade.games.adapters.from_gymnasium import GymnasiumEnv  # noqa: E402
from qarcade.games.core import GameOverError, IllegalActionError, OptionError  # noqa: E402

GYM_CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("qarcade/GridWorld-v0", {}),
    ("qarcade/GridWorld-v0", {"map": "lake8", "slippery": True}),
    ("qarcade/GridWorld-v0", {"map": "maze"}),
    ("qarcade/Invaders-v0", {}),
    ("qarcade/Invaders-v0", {"preset": "small", "obs_mode": "pixels", "frame_skip": 4}),
    ("qarcade/TicTacToe-v0", {}),
    ("qarcade/TicTacToe-v0", {"opponent": "minimax", "seat": 1}),
]
GYM_IDS = [
    f"{i.split('/')[1]}-{'-'.join(f'{k}={v}' for k, v in o.items()) or 'default'}"
    for i, o in GYM_CONFIGS
]


def gym_make(env_id: str, **kwargs: Any) -> Any:
    return gymnasium.make(env_id, **kwargs)


# --------------------------------------------------------------------------- Gymnasium
def test_every_game_is_registered() -> None:
    assert set(qgym.env_ids()) == set(games.names())
    for env_id in qgym.env_ids().values():
        assert env_id in gymnasium.registry
    qgym.register_envs()  # idempotent: a second call must not warn or fail


@pytest.mark.parametrize(("env_id", "kwargs"), GYM_CONFIGS, ids=GYM_IDS)
def test_check_env_passes(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym_make(env_id, **kwargs)
    with warnings.catch_warnings():
        # Gymnasium reports soft problems (unbounded boxes, odd dtypes) as warnings.
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()


@pytest.mark.parametrize(("env_id", "kwargs"), GYM_CONFIGS, ids=GYM_IDS)
def test_stable_baselines3_env_checker_passes(env_id: str, kwargs: dict[str, Any]) -> None:
    pytest.importorskip("stable_baselines3")
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    # Its warnings are advice for CNN policies (tic-tac-toe's 2x3x3 board looks like an
    # image to it); failures raise.
    sb3_check_env(gym_make(env_id, **kwargs).unwrapped, warn=False)


@pytest.mark.parametrize(("env_id", "kwargs"), GYM_CONFIGS, ids=GYM_IDS)
def test_spaces_and_masks_match_the_game(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym_make(env_id, **kwargs)
    game = env.unwrapped.game
    assert env.action_space == gymnasium.spaces.Discrete(game.num_actions)
    space = env.observation_space
    assert space.shape == game.observation_shape and space.dtype == game.observation_dtype
    assert np.isfinite(space.low).all() and np.isfinite(space.high).all()
    obs, info = env.reset(seed=5)
    rng = np.random.default_rng(0)
    for _ in range(200):
        assert obs in space
        assert info["action_mask"].dtype == bool
        assert np.array_equal(info["action_mask"], env.unwrapped.action_masks())
        action = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            assert not info["action_mask"].any()
            obs, info = env.reset()


def test_adapters_load_pygame_only_to_render() -> None:
    script = (
        "import sys, gymnasium, games.adapters.gymnasium, games.adapters.pettingzoo\n"
        "env = gymnasium.make('qarcade/TicTacToe-v0', opponent='minimax')\n"
        "env.reset(seed=0); env.step(4)\n"
        "print('pygame' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_make_keyword_arguments_reach_the_game() -> None:
    env = gym_make("qarcade/GridWorld-v0", map="lake8", slippery=0.2, max_steps=50)
    assert env.unwrapped.game.options["map"] == "lake8"
    assert env.unwrapped.game.max_steps == 50
    assert env.observation_space.shape == (64,)
    with pytest.raises(OptionError, match="valid options"):
        gym_make("qarcade/GridWorld-v0", colour="red")
    with pytest.raises(OptionError, match="one-player"):
        gym_make("qarcade/GridWorld-v0", opponent="random")
    with pytest.raises(OptionError, match="opponent"):
        gym_make("qarcade/TicTacToe-v0", opponent="grandmaster")
    with pytest.raises(OptionError, match="seat"):
        gym_make("qarcade/TicTacToe-v0", seat=2)


def test_invaders_render_fps_follows_the_frame_skip() -> None:
    assert gym_make("qarcade/Invaders-v0").metadata["render_fps"] == 60
    assert gym_make("qarcade/Invaders-v0", frame_skip=4).metadata["render_fps"] == 15


@pytest.mark.parametrize("env_id", sorted(qgym.env_ids().values()))
def test_rgb_array_frames_show_the_game(env_id: str) -> None:
    env = gym_make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    assert first.dtype == np.uint8 and first.ndim == 3 and first.shape[2] == 3
    assert first.std() > 0, "a frame of one colour draws nothing"
    rng = np.random.default_rng(0)
    frames = [first]
    for _ in range(30):
        mask = env.unwrapped.action_masks()
        _, _, terminated, truncated, _ = env.step(int(rng.choice(np.flatnonzero(mask))))
        frames.append(env.render())
        if terminated or truncated:
            break
    assert any(not np.array_equal(first, f) for f in frames[1:]), "frames never change"
    env.close()


def test_tictactoe_against_minimax_never_wins_and_replies_are_folded_in() -> None:
    env = gym_make("qarcade/TicTacToe-v0", opponent="minimax", seat=1)
    rng = np.random.default_rng(0)
    for episode in range(20):
        _, info = env.reset(seed=episode)
        # Seat 1: the opponent has already made its first move.
        assert info["action_mask"].sum() == 8
        while True:
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            _obs, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                assert reward in (-1.0, 0.0), "a random player cannot beat minimax"
                break
            assert reward == 0.0
            assert env.unwrapped.game.current_player == 1


def test_illegal_actions_lose_by_default_or_raise() -> None:
    env = gym_make("qarcade/TicTacToe-v0", seat=1)
    _, info = env.reset(seed=0)
    taken = int(np.flatnonzero(~info["action_mask"])[0])
    _, reward, terminated, truncated, info = env.step(taken)
    assert (reward, terminated, truncated, info["illegal_action"]) == (-1.0, True, False, True)
    with pytest.raises(GameOverError):
        env.step(0)
    env.reset(seed=0)
    for outside in (9, -1, "centre"):
        with pytest.raises(IllegalActionError):
            env.step(outside)
    strict = gym_make("qarcade/TicTacToe-v0", seat=1, illegal_action="raise")
    strict.reset(seed=0)
    with pytest.raises(IllegalActionError):
        strict.step(taken)


def test_same_seed_same_episodes_with_a_random_opponent() -> None:
    def play(seed: int) -> list[bytes]:
        env = gym_make("qarcade/TicTacToe-v0", seat=1)
        trace = []
        obs, info = env.reset(seed=seed)
        for _ in range(30):
            trace.append(obs.tobytes())
            obs, _, terminated, truncated, info = env.step(
                int(np.flatnonzero(info["action_mask"])[0])
            )
            if terminated or truncated:
                obs, info = env.reset()
        return trace

    assert play(3) == play(3)
    assert play(3) != play(4)


# --------------------------------------------------------------------------- PettingZoo
@pytest.mark.slow
def test_pettingzoo_api_seed_and_render_tests_pass() -> None:
    pytest.importorskip("pettingzoo")
    from pettingzoo.test import api_test, render_test, seed_test

    from qarcade.games.adapters.pettingzoo import TicTacToeAEC
    from qarcade.games.adapters.pettingzoo import env as make_aec

    api_test(make_aec(), num_cycles=200)
    seed_test(make_aec, num_cycles=100)
    render_test(make_aec)
    assert isinstance(make_aec().unwrapped, TicTacToeAEC)


def test_pettingzoo_observations_are_from_each_agents_point_of_view() -> None:
    pytest.importorskip("pettingzoo")
    from qarcade.games.adapters.pettingzoo import env as make_aec

    aec = make_aec()
    aec.reset(seed=0)
    first, second = aec.possible_agents
    aec.step(4)  # the first player takes the centre
    mine, theirs = aec.observe(first), aec.observe(second)
    assert not np.array_equal(mine["observation"], theirs["observation"])
    assert mine["action_mask"].sum() == 0, "only the agent to move has legal actions"
    assert theirs["action_mask"].sum() == 8 and theirs["action_mask"][4] == 0
    # The same position, seen by the player to move, is what the qarcade env observes.
    game = games.make("tictactoe")
    game.reset(seed=0)
    obs, *_ = game.step(4)
    assert np.array_equal(theirs["observation"], obs)


# --------------------------------------------------------------------------- learning
@pytest.fixture
def one_torch_thread() -> Any:
    """Train on one thread (fixed seeds then give one result), and give the rest back."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def greedy_rollout(act: Any, env: Any, seed: int, gamma: float = 1.0) -> tuple[float, int]:
    """The (discounted) return and length of one greedy episode."""
    obs, info = env.reset(seed=seed)
    total, discount, steps = 0.0, 1.0, 0
    while True:
        obs, reward, terminated, truncated, info = env.step(act(obs, info))
        total += discount * float(reward)
        discount *= gamma
        steps += 1
        if terminated or truncated:
            return total, steps


@pytest.mark.slow
def test_stable_baselines3_dqn_learns_the_optimal_gridworld_policy(one_torch_thread: None) -> None:
    pytest.importorskip("stable_baselines3")
    from stable_baselines3 import DQN

    from qarcade.games.gridworld.solver import optimal_return

    env = gym_make("qarcade/GridWorld-v0", map="lake4")
    model = DQN(
        "MlpPolicy",
        env,
        learning_rate=3e-3,
        buffer_size=10_000,
        learning_starts=200,
        batch_size=64,
        gamma=0.95,
        train_freq=2,
        target_update_interval=100,
        exploration_fraction=0.5,
        exploration_final_eps=0.05,
        policy_kwargs={"net_arch": [64]},
        seed=0,
    )
    model.learn(total_timesteps=4_000)

    def act(obs: np.ndarray, info: dict) -> int:
        return int(model.predict(obs, deterministic=True)[0])

    ret, _ = greedy_rollout(act, gym_make("qarcade/GridWorld-v0", map="lake4"), seed=0)
    assert ret == pytest.approx(optimal_return(games.make("gridworld", map="lake4")))


def frozen_lake_optimum(env: GymnasiumEnv, gamma: float) -> float:
    """The optimal discounted value of FrozenLake's start, by value iteration over its
    own transition table ``P``."""
    transitions = env.gym_env.unwrapped.P
    v = np.zeros(len(transitions))
    for _ in range(1000):
        v = np.array(
            [
                max(
                    sum(p * (r + gamma * v[s2] * (not done)) for p, s2, r, done in outcomes)
                    for outcomes in transitions[s].values()
                )
                for s in range(len(transitions))
            ]
        )
    return float(v[0])


def test_our_dqn_learns_gymnasium_frozen_lake_through_the_reverse_adapter(
    one_torch_thread: None,
) -> None:
    from qarcade.agents.dqn import DQNAgent, DQNConfig
    from qarcade.agents.training import Trainer

    gamma, steps = 0.95, 4_000
    env = GymnasiumEnv("FrozenLake-v1", is_slippery=False)
    config = DQNConfig(
        learning_rate=3e-3,
        buffer_size=10_000,
        batch_size=64,
        learning_starts=200,
        train_frequency=2,
        target_network_frequency=100,
        gamma=gamma,
        exploration_fraction=0.5,
        total_timesteps=steps,
        hidden_sizes=(64,),
        seed=0,
        device="cpu",
    )
    agent = DQNAgent.for_env(env, config)
    Trainer(env, agent, seed=0, steps=steps).run_steps(steps)

    ret, length = greedy_rollout(lambda o, i: agent.act(o, i["action_mask"]), env, 1, gamma)
    assert ret == pytest.approx(frozen_lake_optimum(env, gamma))
    assert length == 6  # the shortest path to the goal on the 4x4 lake


def test_our_tabular_agent_learns_frozen_lake_too() -> None:
    from qarcade.agents.tabular import TabularConfig, TabularQAgent
    from qarcade.agents.training import Trainer

    gamma = 0.95
    env = GymnasiumEnv("FrozenLake-v1", is_slippery=False)
    config = TabularConfig(learning_rate=1.0, gamma=gamma, end_e=0.1, backward_replay=True)
    agent = TabularQAgent.for_env(env, config, seed=0)
    Trainer(env, agent, seed=0, episodes=500).run()
    ret, _ = greedy_rollout(lambda o, i: agent.act(o, i["action_mask"]), env, 1, gamma)
    assert ret == pytest.approx(frozen_lake_optimum(env, gamma))


# --------------------------------------------------------------------------- reverse adapter
def test_reverse_adapter_one_hot_encodes_discrete_observations() -> None:
    env = GymnasiumEnv("FrozenLake-v1", is_slippery=False)
    assert (env.num_actions, env.observation_shape, env.observation_dtype) == (4, (16,), np.float32)
    obs, info = env.reset(seed=0)
    assert obs[0] == 1.0 and obs.sum() == 1.0 and info["action_mask"].all()
    obs, reward, _terminated, _truncated, info = env.step(2)  # right
    assert obs[1] == 1.0 and obs.sum() == 1.0 and reward == 0.0
    with pytest.raises(ValueError):
        obs[0] = 5.0  # shared one-hot rows are read-only
    with pytest.raises(IllegalActionError):
        env.step(4)


def test_reverse_adapter_replays_and_restores_exactly() -> None:
    def play(seed: int) -> list[bytes]:
        env = GymnasiumEnv("FrozenLake-v1", is_slippery=True)
        chooser = np.random.default_rng(0)
        obs, _ = env.reset(seed=seed)
        trace = []
        for _ in range(300):
            obs, _reward, terminated, truncated, _ = env.step(int(chooser.integers(4)))
            trace.append(obs.tobytes() + bytes([terminated, truncated]))
            if terminated or truncated:
                obs, _ = env.reset()
        return trace

    assert play(1) == play(1) and play(1) != play(2)

    env = GymnasiumEnv("CartPole-v1")
    assert env.observation_shape == (4,) and env.observation_dtype == np.float32
    env.reset(seed=0)
    snap = env.snapshot()
    first = [env.step(0)[0].tobytes() for _ in range(5)]
    env.restore(snap)
    assert [env.step(0)[0].tobytes() for _ in range(5)] == first


def test_reverse_adapter_refuses_what_it_cannot_wrap() -> None:
    with pytest.raises(OptionError, match="Discrete action"):
        GymnasiumEnv("Pendulum-v1")
    with pytest.raises(OptionError, match="cannot make"):
        GymnasiumEnv("NoSuchEnv-v0")


# --------------------------------------------------------------------------- TensorBoard
def test_tensorboard_event_file_reads_back(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from qarcade.agents.plotting import CSV_COLUMNS
    from qarcade.agents.tensorboard import TensorBoardWriter

    # Rows as the training command writes them to metrics.csv (an empty cell is None).
    rows = [
        {"episode": 3, "steps": 100, "return": -0.5, "epsilon": 1.0, "eval": float("nan")},
        {"episode": 7, "steps": 200, "return": 0.25, "epsilon": 0.5, "eval": 0.125},
        {"episode": 12, "steps": 300, "return": 0.95, "epsilon": 0.05, "eval": None},
    ]
    assert all(set(row) <= set(CSV_COLUMNS) for row in rows)
    with TensorBoardWriter(tmp_path) as writer:
        for row in rows:
            writer.write(row)
    assert list(tmp_path.glob("events.out.tfevents.*"))

    events = EventAccumulator(str(tmp_path))
    events.Reload()
    assert sorted(events.Tags()["scalars"]) == ["episode", "epsilon", "eval", "return"]
    assert [(e.step, e.value) for e in events.Scalars("return")] == [
        (100, -0.5),
        (200, 0.25),
        (300, pytest.approx(0.95)),
    ]
    # Missing values (NaN from an empty CSV cell, None) are skipped, not drawn as zeros.
    assert [(e.step, e.value) for e in events.Scalars("eval")] == [(200, 0.125)]
    with pytest.raises(ValueError, match="step"):
        TensorBoardWriter(tmp_path / "other").write({"return": 1.0})


def test_train_tensorboard_flag_writes_what_metrics_csv_holds(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    import csv

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from qarcade import cli as main

    out, logs = tmp_path / "run", tmp_path / "tb"
    argv = ["train", "gridworld", "--episodes", "30", "--quiet"]
    assert main.main([*argv, "--out", str(out), "--tensorboard", str(logs)]) == 0
    with (out / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    events = EventAccumulator(str(logs))
    events.Reload()
    for name in ("episode", "return", "epsilon"):
        scalars = events.Scalars(name)
        assert [e.step for e in scalars] == [int(row["steps"]) for row in rows]
        assert [e.value for e in scalars] == pytest.approx([float(row[name]) for row in rows])
