"""DQN: masked acting, the double-DQN target by hand, a learning test that a broken
target fails, the hand-written MLP backward against autograd, checkpoints (round trip,
exact resume, every bad file) and the config's checks."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import qarcade.agents.dqn_update as dqn_update
from qarcade import games
from qarcade.agents.base import Transition
from qarcade.agents.checkpoints import CheckpointError, load_agent
from qarcade.agents.dqn import DQNAgent, DQNConfig
from qarcade.agents.dqn_update import TensorBatch, double_dqn_targets, numpy_head_targets
from qarcade.agents.networks import CNN, MLP, FastMLP, build_network, numpy_q, tensor_shapes
from qarcade.agents.replay import PrioritizedReplayBuffer, ReplayBuffer
from qarcade.agents.training import Trainer
from qarcade.games.core import OptionError
from qarcade.games.gridworld.solver import value_iteration


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Networks this small train fastest on one thread (as the command line runs them);
    the count is put back for the tests that follow."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def small_config(**overrides: object) -> DQNConfig:
    values: dict[str, object] = dict(
        learning_rate=3e-3,
        buffer_size=5_000,
        batch_size=32,
        learning_starts=100,
        train_frequency=1,
        target_network_frequency=100,
        gamma=0.9,
        exploration_fraction=0.5,
        total_timesteps=3_000,
        hidden_sizes=(32,),
        seed=0,
        device="cpu",
    )
    values.update(overrides)
    return DQNConfig(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- acting
@pytest.mark.parametrize("explore", [False, True])
def test_masked_action_is_never_illegal(explore: bool) -> None:
    rng = np.random.default_rng(0)
    agent = DQNAgent((5,), np.float32, 9, small_config(hidden_sizes=(16,)))
    agent.epsilon = 0.5
    for _ in range(2_000):
        obs = rng.normal(size=5).astype(np.float32)
        mask = rng.random(9) < rng.random()
        if not mask.any():
            mask[rng.integers(9)] = True
        action = agent.act(obs, mask, explore=explore)
        assert mask[action], (mask, action)


def test_greedy_action_is_the_best_legal_q_value() -> None:
    rng = np.random.default_rng(1)
    agent = DQNAgent((5,), np.float32, 9, small_config(hidden_sizes=(16,)))
    for _ in range(200):
        obs = rng.normal(size=5).astype(np.float32)
        mask = rng.random(9) < 0.5
        mask[rng.integers(9)] = True
        q = agent.q_values(obs, mask)
        assert np.isneginf(q[~mask]).all()
        assert agent.act(obs, mask) == int(np.argmax(q))
        # The torch path (used on a GPU) agrees with the numpy one used on the CPU.
        batch_q = agent.q_values_batch(obs[None])[0]
        np.testing.assert_allclose(batch_q[mask], q[mask], rtol=1e-5, atol=1e-6)


def test_act_without_a_legal_action_raises() -> None:
    agent = DQNAgent((3,), np.float32, 4, small_config())
    for explore in (False, True):
        agent.epsilon = 1.0
        with pytest.raises(ValueError, match="legal action"):
            agent.act(np.zeros(3, np.float32), np.zeros(4, bool), explore=explore)


def test_exploration_follows_epsilon() -> None:
    agent = DQNAgent((3,), np.float32, 4, small_config())
    obs, mask = np.zeros(3, np.float32), np.ones(4, bool)
    greedy = agent.act(obs, mask)
    agent.epsilon = 0.0
    assert all(agent.act(obs, mask, explore=True) == greedy for _ in range(200))
    agent.epsilon = 1.0
    counts = np.bincount([agent.act(obs, mask, explore=True) for _ in range(4_000)], minlength=4)
    assert counts.min() > 850  # uniform over the 4 legal actions


# --------------------------------------------------------------------------- the target
def test_double_dqn_target_by_hand() -> None:
    """Four transitions with known Q-values: a plain one, one whose best next action is
    illegal, a self-play one (flip) and a terminal one."""
    gamma = 0.9
    rewards = torch.tensor([1.0, 0.0, 0.5, -1.0])
    bootstrap = torch.tensor([1.0, 1.0, -1.0, 0.0])
    next_q_online = torch.tensor(
        [
            [0.1, 0.7, 0.3],  # best legal: 1
            [9.0, 0.2, 0.4],  # 0 is best but illegal -> 2
            [0.5, 0.6, 0.1],  # 1 illegal -> 0
            [5.0, 6.0, 7.0],  # terminal: nothing legal
        ]
    )
    next_q_target = torch.tensor(
        [
            [10.0, 2.0, 30.0],
            [10.0, 20.0, 3.0],
            [4.0, 50.0, 60.0],
            [100.0, 100.0, 100.0],
        ]
    )
    masks = torch.tensor(
        [[True, True, True], [False, True, True], [True, False, True], [False, False, False]]
    )
    expected = [
        1.0 + gamma * 2.0,  # the online net chooses, the target net values (not max 30)
        0.0 + gamma * 3.0,
        0.5 - gamma * 4.0,  # negamax: the opponent's value counts against the mover
        -1.0,  # terminal: no bootstrap
    ]
    actions = torch.zeros(4, dtype=torch.int64)
    batch = TensorBatch(torch.zeros(8, 1), actions, rewards, masks, bootstrap)
    got = double_dqn_targets(batch, gamma, next_q_online, next_q_target)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)


def test_replay_buffer_stores_the_bootstrap_sign() -> None:
    buffer = ReplayBuffer(4, (2,), np.float32, 3, np.random.default_rng(0))
    obs, mask = np.zeros(2, np.float32), np.ones(3, bool)
    for terminated, flip in [(False, False), (False, True), (True, False), (True, True)]:
        buffer.add(obs, 0, 0.0, obs, mask, terminated, flip)
    np.testing.assert_array_equal(buffer.bootstrap, [1.0, -1.0, 0.0, 0.0])
    buffer.add(obs + 1, 2, 3.0, obs, mask, False, False)  # overwrites the oldest
    assert (buffer.pos, len(buffer), buffer.actions[0], buffer.obs[0, 0]) == (1, 4, 2, 1.0)


def test_n_step_transitions_by_hand() -> None:
    """n_step=3, gamma 0.5: each stored transition sums three rewards and bootstraps
    with gamma^2 from three moves on; the end of the game stores the shorter tails (no
    bootstrap), a time limit stores them bootstrapped, a flip negates what follows it."""
    agent = DQNAgent((1,), np.float32, 2, small_config(n_step=3, gamma=0.5, reward_scale=1.0))
    mask = np.ones(2, bool)
    states = [np.full(1, float(i), np.float32) for i in range(6)]

    def play(rewards: list[float], terminal: bool, flips: tuple[int, ...] = ()) -> None:
        for i, reward in enumerate(rewards):
            last = i == len(rewards) - 1
            agent.learn(
                Transition(
                    states[i], i % 2, reward, states[i + 1], mask, terminal and last, i in flips
                )
            )
        agent.end_episode()

    play([1.0, 2.0, 4.0, 8.0], terminal=True)
    b = agent.buffer
    assert len(b) == 4
    np.testing.assert_allclose(b.rewards[:4], [1 + 1 + 1, 2 + 2 + 2, 4 + 4, 8])
    np.testing.assert_allclose(b.bootstrap[:4], [0.25, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(b.obs[:4, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(b.next_obs[:4, 0], [3, 4, 4, 4])

    play([1.0, 2.0], terminal=False)  # truncated: both bootstrap from the last state
    np.testing.assert_allclose(b.rewards[4:6], [1 + 1, 2])
    np.testing.assert_allclose(b.bootstrap[4:6], [0.5, 1.0])
    np.testing.assert_array_equal(b.next_obs[4:6, 0], [2, 2])

    play([1.0, 2.0, 4.0], terminal=False, flips=(1,))  # the opponent moves after move 1
    np.testing.assert_allclose(b.rewards[6:9], [1 + 1 - 1, 2 - 2, 4])
    np.testing.assert_allclose(b.bootstrap[6:9], [-0.25, -0.5, 1.0])


def filled_prioritized_buffer(capacity: int = 6, alpha: float = 1.0) -> PrioritizedReplayBuffer:
    buffer = PrioritizedReplayBuffer(
        capacity, (1,), np.float32, 2, np.random.default_rng(0), alpha=alpha, eps=0.0
    )
    for i in range(4):
        buffer.add(np.full(1, i, np.float32), 0, 0.0, np.zeros(1), np.ones(2, bool), False, False)
    return buffer


def test_prioritized_replay_draws_in_proportion_to_priority() -> None:
    buffer = filled_prioritized_buffer()
    assert buffer.tree[buffer.leaves : buffer.leaves + 4].tolist() == [1.0] * 4  # new: max
    buffer.update_priorities(np.arange(4), np.array([1.0, 2.0, 3.0, -4.0]))
    assert buffer.tree[1] == 10.0 and buffer.max_priority == 4.0
    out = buffer.empty_batch(100)
    counts = np.zeros(4)
    for _ in range(200):
        idx, weights = buffer.sample_prioritized(100, 0.5, out)
        np.testing.assert_array_equal(out.obs[:, 0], idx)  # the batch holds those rows
        counts += np.bincount(idx, minlength=4)
        # (N * P(i)) ** -beta over the batch's largest: P = p / 10.
        expected = (4 * (idx + 1) / 10.0) ** -0.5
        np.testing.assert_allclose(weights, expected / expected.max(), rtol=1e-6)
    np.testing.assert_allclose(counts / counts.sum(), [0.1, 0.2, 0.3, 0.4], atol=0.01)
    # A new transition gets the largest priority seen, and the sums stay consistent.
    buffer.add(np.full(1, 4, np.float32), 0, 0.0, np.zeros(1), np.ones(2, bool), False, False)
    assert buffer.tree[buffer.leaves + 4] == 4.0 and buffer.tree[1] == 14.0


def test_prioritized_replay_survives_a_checkpoint_and_rejects_damage() -> None:
    buffer = filled_prioritized_buffer(alpha=0.6)
    buffer.update_priorities(np.array([0, 2]), np.array([0.5, 7.0]))
    arrays = buffer.state_arrays("replay.")
    copy = filled_prioritized_buffer(alpha=0.6)
    copy.load_state_arrays(arrays, "replay.")
    np.testing.assert_array_equal(copy.tree, buffer.tree)
    assert copy.max_priority == buffer.max_priority
    arrays["replay.priority"] = arrays["replay.priority"][:2]
    with pytest.raises(CheckpointError, match="priorities"):
        copy.load_state_arrays(arrays, "replay.")
    del arrays["replay.priority"]
    with pytest.raises(CheckpointError, match="priorities"):
        copy.load_state_arrays(arrays, "replay.")


def test_learns_the_4x4_lake_with_prioritized_replay() -> None:
    agent, env = train_lake4(small_config(prioritized_replay=True, total_timesteps=LAKE_STEPS))
    assert greedy_is_optimal_everywhere(agent, env)


def test_train_step_uses_the_masked_target() -> None:
    """Through the agent: with every transition's next state allowing only action 2, the
    loss the agent reports is the Huber loss against targets built from action 2."""
    config = small_config(batch_size=8, learning_starts=0, train_frequency=1_000)
    agent = DQNAgent((3,), np.float32, 3, config)
    rng = np.random.default_rng(0)
    only_two = np.array([False, False, True])
    for _ in range(8):
        obs = rng.normal(size=3).astype(np.float32)
        nxt = rng.normal(size=3).astype(np.float32)
        agent.buffer.add(obs, int(rng.integers(3)), float(rng.normal()), nxt, only_two, False, True)
    agent.buffer.rng = np.random.default_rng(7)
    replay = np.random.default_rng(7).integers(0, 8, size=8)
    q = agent.q_values_batch(agent.buffer.obs[replay])[np.arange(8), agent.buffer.actions[replay]]
    with torch.no_grad():
        next_target = agent.target(torch.from_numpy(agent.buffer.next_obs[replay]))[:, 2].numpy()
    expected_target = agent.buffer.rewards[replay] - config.gamma * next_target
    diff = np.abs(q - expected_target)
    huber = np.where(diff < 1, 0.5 * diff**2, diff - 0.5).mean()
    metrics = agent._train_step()
    assert metrics["loss"] == pytest.approx(huber, rel=1e-5)
    assert metrics["q_mean"] == pytest.approx(q.mean(), rel=1e-5, abs=1e-6)


# --------------------------------------------------------------------------- networks
def test_dueling_head_is_value_plus_centred_advantages() -> None:
    agent = DQNAgent((4,), np.float32, 3, small_config(dueling=True, hidden_sizes=(5,)))
    tensors = [t for _, t in agent.online.named_tensors()]
    assert tensors[-1].shape == (4,)  # V and 3 advantages
    with torch.no_grad():
        bias = tensors[-1]
        tensors[-2].zero_()
        bias.copy_(torch.tensor([10.0, 1.0, 2.0, 6.0]))
    # mean(A) = 3, so Q = 10 + A - 3.
    np.testing.assert_allclose(agent.q_values(np.zeros(4, np.float32)), [8.0, 9.0, 13.0])


def test_networks_for_each_observation_kind() -> None:
    generator = torch.Generator().manual_seed(0)
    mlp = build_network((2, 3, 3), np.float32, 9, (32, 16), generator)
    assert isinstance(mlp, MLP)
    assert mlp(torch.zeros(5, 2, 3, 3)).shape == (5, 9)
    fast = build_network((2, 3, 3), np.float32, 9, (32, 16), generator, fast=True)
    assert isinstance(fast, FastMLP)
    assert [name for name, _ in fast.named_tensors()] == [name for name, _ in mlp.named_tensors()]
    cnn = build_network((4, 64, 56), np.uint8, 6, (64,), generator)
    assert isinstance(cnn, CNN)
    frames = torch.randint(0, 256, (2, 4, 64, 56), dtype=torch.uint8)
    assert cnn(frames).shape == (2, 6)
    # Scaled inside the network: bytes in, the same as the floats / 255 through the layers.
    names = [name for name, _ in cnn.named_tensors()]
    assert names[0] == "convs.0.weight" and names[-1] == "head.1.bias"
    # tensor_shapes tells every network's tensors without building it.
    for network, shape, dtype, dueling in (
        (mlp, (2, 3, 3), np.float32, False),
        (fast, (2, 3, 3), np.float32, False),
        (cnn, (4, 64, 56), np.uint8, False),
        (build_network((4, 64, 56), np.uint8, 6, (64,), generator, dueling=True), (4, 64, 56),
         np.uint8, True),
        (build_network((7,), np.float32, 9, (5,), generator, dueling=True, fast=True), (7,),
         np.float32, True),
    ):  # fmt: skip
        actions = 6 if dtype == np.uint8 else 9
        hidden = (64,) if dtype == np.uint8 else (32, 16) if len(shape) == 3 else (5,)
        assert tensor_shapes(shape, np.dtype(dtype), actions, hidden, dueling=dueling) == {
            name: tuple(t.shape) for name, t in network.named_tensors()
        }


@pytest.mark.parametrize("variant", [{}, {"dueling": True, "prioritized_replay": True}])
def test_pixel_dqn_trains_its_cnn(variant: dict[str, bool]) -> None:
    """Frames go through the CNN (the reference path, whatever ``fast_path`` says): every
    step after learning_starts is a gradient step that moves the weights (and keeps them
    finite)."""
    env = games.make("invaders", obs_mode="pixels", preset="small")
    config = small_config(
        learning_starts=8, batch_size=4, buffer_size=64, hidden_sizes=(16,), **variant
    )
    agent = DQNAgent.for_env(env, config)
    assert isinstance(agent.online, CNN)
    before = torch.nn.utils.parameters_to_vector(agent.online.parameters()).detach().clone()
    Trainer(env, agent, seed=0, steps=40).run_steps(40)
    assert agent.train_steps == 32
    after = torch.nn.utils.parameters_to_vector(agent.online.parameters()).detach()
    assert not torch.equal(before, after)
    assert torch.isfinite(after).all()


def test_seeded_weights_are_reproducible_and_the_global_rng_untouched() -> None:
    state = torch.random.get_rng_state()
    a = DQNAgent((4,), np.float32, 2, small_config(seed=3))
    b = DQNAgent((4,), np.float32, 2, small_config(seed=3))
    c = DQNAgent((4,), np.float32, 2, small_config(seed=4))
    assert torch.equal(a.online.weights, b.online.weights)
    assert not torch.equal(a.online.weights, c.online.weights)
    assert torch.equal(a.online.weights, a.target.weights)
    assert torch.equal(state, torch.random.get_rng_state())


@pytest.mark.parametrize("fast_path", [True, False])
def test_learning_rate_is_live_in_the_optimizer(fast_path: bool) -> None:
    agent = DQNAgent((4,), np.float32, 2, small_config(fast_path=fast_path))
    agent.learning_rate = 0.123
    assert agent.update_path.learning_rate == 0.123
    assert agent.config.learning_rate == 0.123
    with pytest.raises(OptionError):
        agent.learning_rate = -1.0


def test_polyak_and_hard_target_updates() -> None:
    hard = DQNAgent((4,), np.float32, 2, small_config())
    soft = DQNAgent((4,), np.float32, 2, small_config(tau=0.25))
    for agent in (hard, soft):
        with torch.no_grad():
            agent.online.weights.fill_(1.0)
            agent.target.weights.fill_(0.0)
        agent._update_target()
    assert torch.all(hard.target.weights == 1.0)
    assert torch.allclose(soft.target.weights, torch.tensor(0.25))


def test_memory_report() -> None:
    agent = DQNAgent(
        (16,), np.float32, 4, small_config(hidden_sizes=(8,), buffer_size=10, batch_size=8)
    )
    report = agent.memory_report()
    parameters = 16 * 8 + 8 + 8 * 4 + 4
    assert report["kind"] == "network"
    assert report["parameters"] == parameters and report["bytes"] == 4 * parameters
    # obs + next_obs (16 float32 each), action int64, reward, bootstrap, 4-action mask.
    assert report["replay_bytes"] == 10 * (2 * 64 + 8 + 4 + 4 + 4)


# --------------------------------------------------------------------------- learning
#: Steps for the 4x4 lake's learning tests: with 5,000, seeds 0 to 7 all learn the
#: greedy policy everywhere, plain and prioritized, under two ways of rounding; with
#: 3,000, one to three of the eight did not, and which ones moved with the rounding.
LAKE_STEPS = 5_000


def train_lake4(config: DQNConfig) -> tuple[DQNAgent, games.Env]:
    env = games.make("gridworld", map="lake4")
    agent = DQNAgent.for_env(env, config)
    Trainer(env, agent, seed=0, steps=config.total_timesteps).run_steps(config.total_timesteps)
    return agent, env


def greedy_is_optimal_everywhere(agent: DQNAgent, env: games.Env) -> bool:
    """Whether the greedy action is optimal (by value iteration) in every cell where
    there is something to decide."""
    solution = value_iteration(env, gamma=agent.config.gamma)
    q_star = solution.q.reshape(-1, 4)
    decide = solution.policy.reshape(-1) >= 0
    q = agent.q_values_batch(np.eye(len(q_star), dtype=np.float32))
    greedy = q.argmax(axis=1)
    optimal = q_star[np.arange(len(q_star)), greedy] >= q_star.max(axis=1) - 1e-9
    return bool(optimal[decide].all())


def test_learns_the_4x4_lake_optimally() -> None:
    agent, env = train_lake4(small_config(total_timesteps=LAKE_STEPS))
    assert agent.train_steps == LAKE_STEPS - 100
    assert greedy_is_optimal_everywhere(agent, env)


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_broken_target_fails_the_learning_test(
    monkeypatch: pytest.MonkeyPatch, fast_path: bool
) -> None:
    """The learning test can fail: with the bootstrap sign flipped (the self-play target
    applied to a one-player game) the greedy policy is not optimal, on either path."""
    if fast_path:

        def wrong_sign_numpy(rewards: np.ndarray, bootstrap: np.ndarray, *args: Any) -> Any:
            return numpy_head_targets(rewards, -bootstrap, *args)

        monkeypatch.setattr(dqn_update, "numpy_head_targets", wrong_sign_numpy)
    else:

        def wrong_sign(batch: TensorBatch, *args: Any) -> torch.Tensor:
            return double_dqn_targets(batch._replace(bootstrap=-batch.bootstrap), *args)

        monkeypatch.setattr(dqn_update, "double_dqn_targets", wrong_sign)
    agent, env = train_lake4(small_config(fast_path=fast_path, total_timesteps=LAKE_STEPS))
    assert not greedy_is_optimal_everywhere(agent, env)


def test_seeded_cpu_training_is_reproducible() -> None:
    config = small_config(total_timesteps=600)
    a, _ = train_lake4(config)
    b, _ = train_lake4(small_config(total_timesteps=600))
    assert torch.equal(a.online.weights, b.online.weights)


# --------------------------------------------------------------------------- checkpoints
def test_save_load_round_trip_gives_identical_q_values(tmp_path: Path) -> None:
    agent, env = train_lake4(small_config(total_timesteps=500))
    path = agent.save(str(tmp_path / "agent"))
    assert path.endswith(".safetensors")
    loaded = DQNAgent.load(path, game="gridworld")
    assert isinstance(loaded, DQNAgent)
    obs = np.eye(16, dtype=np.float32)
    np.testing.assert_array_equal(loaded.q_values_batch(obs), agent.q_values_batch(obs))
    for cell in range(16):
        assert loaded.act(obs[cell], np.ones(4, bool)) == agent.act(obs[cell], np.ones(4, bool))
    assert loaded.config == agent.config and loaded.steps == agent.steps
    assert loaded.game_options == env.options


def test_resumed_training_gives_identical_weights(tmp_path: Path) -> None:
    """Train, save (with the replay buffer and the trainer's state), load, train on: the
    weights equal those of the same run uninterrupted."""
    config = small_config(total_timesteps=1_000, save_replay_buffer=True)

    def trainer_for(agent: DQNAgent) -> Trainer:
        return Trainer(games.make("gridworld", map="lake4"), agent, seed=0, steps=1_000)

    whole = trainer_for(DQNAgent.for_env(games.make("gridworld", map="lake4"), config))
    whole.run(episodes=60)

    first = trainer_for(DQNAgent.for_env(games.make("gridworld", map="lake4"), config))
    first.run(episodes=25)
    path = first.agent.save(str(tmp_path / "a.safetensors"), training=first.state_dict())
    agent = load_agent(path)
    second = trainer_for(agent)  # type: ignore[arg-type]
    second.load_state_dict(json.loads(json.dumps(first.state_dict())))
    second.run(episodes=35)
    assert second.steps == whole.steps
    assert torch.equal(agent.online.weights, whole.agent.online.weights)  # type: ignore[attr-defined]
    assert torch.equal(agent.target.weights, whole.agent.target.weights)  # type: ignore[attr-defined]


@pytest.fixture
def saved(tmp_path: Path) -> str:
    agent = DQNAgent.for_env(games.make("gridworld", map="lake4"), small_config())
    return agent.save(str(tmp_path / "agent.safetensors"))


def test_truncated_file_gives_a_clear_error(saved: str) -> None:
    data = Path(saved).read_bytes()
    for cut in (0, 5, 100, len(data) // 2, len(data) - 1):
        Path(saved).write_bytes(data[:cut])
        with pytest.raises(CheckpointError, match=r"truncated|corrupt|not a qarcade"):
            DQNAgent.load(saved)


def test_corrupt_header_gives_a_clear_error(saved: str) -> None:
    data = bytearray(Path(saved).read_bytes())
    data[12:20] = b"\xff" * 8
    Path(saved).write_bytes(bytes(data))
    with pytest.raises(CheckpointError):
        DQNAgent.load(saved)


def test_nan_weights_give_a_clear_error(saved: str) -> None:
    data = bytearray(Path(saved).read_bytes())
    (header_len,) = struct.unpack("<Q", data[:8])
    data[-4:] = np.array([np.nan], dtype=np.float32).tobytes()  # the last weight
    assert len(data) > 8 + header_len
    Path(saved).write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="NaN"):
        DQNAgent.load(saved)


def test_foreign_weights_give_a_clear_error(tmp_path: Path, saved: str) -> None:
    from safetensors.numpy import load_file, save_file

    # Another game.
    with pytest.raises(CheckpointError, match="for 'gridworld', not 'tictactoe'"):
        DQNAgent.load(saved, game="tictactoe")
    # A plain safetensors file, not a qarcade checkpoint.
    plain = tmp_path / "plain.safetensors"
    save_file({"w": np.zeros(3, np.float32)}, str(plain))
    with pytest.raises(CheckpointError, match="not a qarcade checkpoint"):
        DQNAgent.load(str(plain))
    # Weights of another shape under the right names (a network for another map).
    with open(saved, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
    arrays = load_file(saved)
    arrays["online.layers.0.weight"] = np.zeros((32, 64), np.float32)
    reshaped = tmp_path / "reshaped.safetensors"
    save_file(arrays, str(reshaped), metadata=header["__metadata__"])
    with pytest.raises(CheckpointError, match=r"online.layers.0.weight is \(32, 64\)"):
        DQNAgent.load(str(reshaped))
    # A weight missing.
    arrays = load_file(saved)
    del arrays["target.layers.1.bias"]
    save_file(arrays, str(reshaped), metadata=header["__metadata__"])
    with pytest.raises(CheckpointError, match=r"missing: target\.layers\.1\.bias"):
        DQNAgent.load(str(reshaped))
    # A tabular checkpoint asked for as a DQN one.
    from qarcade.agents.tabular import TabularQAgent

    table = TabularQAgent.for_env(games.make("gridworld", map="lake4"))
    npz = table.save(str(tmp_path / "table"))
    with pytest.raises(CheckpointError, match="'tabular' agent, not a 'dqn'"):
        DQNAgent.load(npz)


def test_weights_for_another_network_are_refused_before_it_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A config asking for a huge network beside weights of a small one is refused from
    the shapes alone: no network of that size is ever allocated."""
    agent = DQNAgent.for_env(games.make("gridworld", map="lake4"), small_config())
    arrays, meta = agent.to_checkpoint()
    meta["config"]["hidden_sizes"] = [3_713_568]

    def build(*args: object, **kwargs: object) -> None:
        raise AssertionError("an agent was built before its weights were checked")

    monkeypatch.setattr(DQNAgent, "__init__", build)
    with pytest.raises(CheckpointError, match=r"online.layers.0.weight is \(32, 16\)"):
        DQNAgent.from_checkpoint(arrays, meta)


def test_weights_for_an_older_observation_give_a_clear_error(tmp_path: Path) -> None:
    """A network trained before the game's observation changed (its checkpoint records
    the shape it reads) is refused on loading, not on its first move."""
    env = games.make("invaders")
    agent = DQNAgent.for_env(env, small_config(hidden_sizes=(8,)))
    path = agent.save(str(tmp_path / "agent.safetensors"))
    assert DQNAgent.load(path).observation_shape == env.observation_shape
    env.observation_shape = (env.observation_shape[0] - 6,)  # as before the forecasts
    older = DQNAgent.for_env(env, small_config(hidden_sizes=(8,)))
    path = older.save(str(tmp_path / "older.safetensors"))
    with pytest.raises(CheckpointError, match=r"observations of shape \(\d+,\).*train it again"):
        DQNAgent.load(path)


# --------------------------------------------------------------------------- config
def test_initial_q_and_reward_scale() -> None:
    """Q-values start near initial_q and are reported in reward units; rewards enter the
    buffer scaled."""
    config = small_config(initial_q=2.0, reward_scale=0.01)
    agent = DQNAgent((4,), np.float32, 3, config)
    assert torch.all(agent.online.named_tensors()[-1][1] == 0.02)
    assert torch.equal(agent.online.weights, agent.target.weights)
    obs = np.zeros(4, np.float32)
    with torch.no_grad():
        raw = agent.online(torch.from_numpy(obs)[None])[0].numpy()
    np.testing.assert_allclose(agent.q_values(obs), raw / 0.01, rtol=1e-5)
    agent.learn(Transition(obs, 1, 300.0, obs, np.ones(3, bool), False))
    assert agent.buffer.rewards[0] == pytest.approx(3.0)


def test_config_for_env_and_its_checks() -> None:
    tictactoe = games.make("tictactoe")
    config = DQNConfig.for_env(tictactoe, learning_rate=0.01)
    assert config.learning_rate == 0.01 and config.gamma == DQNConfig.for_env(tictactoe).gamma
    assert DQNConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    pixels = DQNConfig.for_env(games.make("invaders", obs_mode="pixels"))
    assert pixels != DQNConfig.for_env(games.make("invaders")) and pixels.batch_size == 32
    with pytest.raises(OptionError, match="unknown DQN setting"):
        DQNConfig.for_env(games.make("gridworld"), learning_rat=0.1)
    for bad in (
        dict(batch_size=0),
        dict(gamma=1.5),
        dict(tau=0.0),
        dict(device="tpu"),
        dict(hidden_sizes=()),
        dict(learning_rate=float("nan")),
        dict(reward_scale=0.0),
        dict(initial_q=float("inf")),
        dict(initial_q=3.4e38),  # a float32 bias cannot hold it (found by the fuzz test)
        dict(initial_q=1e9, reward_scale=1e25),
    ):
        with pytest.raises(OptionError):
            DQNConfig(**bad)  # type: ignore[arg-type]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_matches_the_cpu_path(tmp_path: Path) -> None:
    """On a GPU: the batch copies, the hand-written backward and checkpoints work, and a
    short run learns the same 4x4 lake as on the CPU."""
    agent, env = train_lake4(small_config(device="cuda", total_timesteps=LAKE_STEPS))
    assert agent.device.type == "cuda" and agent.online.weights.is_cuda
    assert greedy_is_optimal_everywhere(agent, env)
    loaded = DQNAgent.load(agent.save(str(tmp_path / "gpu")))
    obs = np.eye(16, dtype=np.float32)
    np.testing.assert_allclose(loaded.q_values_batch(obs), agent.q_values_batch(obs), rtol=1e-6)


def test_a_batch_bigger_than_the_buffer_is_refused() -> None:
    """Drawn with replacement from at most ``buffer_size`` transitions, a bigger batch only
    repeats them, at a cost (a crafted checkpoint asked for 3.2 million)."""
    with pytest.raises(OptionError, match=r"batch_size \(65\) must be at most buffer_size \(64\)"):
        small_config(batch_size=65, buffer_size=64)
    assert small_config(batch_size=64, buffer_size=64).batch_size == 64
    # A crafted checkpoint (found by the fuzz test) asked for 2.8 million of 14.5
    # million: each step held the machine for minutes and took all its memory.
    with pytest.raises(OptionError, match="batch_size must be at most 65,536"):
        small_config(batch_size=2_831_689, buffer_size=14_571_475)


@pytest.mark.parametrize("dueling", [False, True])
def test_acting_on_a_one_hot_cell_by_its_index_gives_the_same_numbers(dueling: bool) -> None:
    """The agent acts on a one-hot observation through the first layer's column at its
    one and the count table's code for it: exactly what the product with the whole
    vector, and the projection of it, come to. The greedy values are the averaged
    weights' on a slippery map (``policy_average``), the optimistic ones the online
    weights'."""
    env = games.make("gridworld", map="maze", slippery=0.2)
    config = DQNConfig.for_env(env, dueling=dueling)
    agent = DQNAgent.for_env(env, config, seed=3)
    Trainer(env, agent, seed=3, steps=800).run_steps(800)  # weights off their start
    assert agent.one_hot_observation and agent._numpy_layers is not None
    assert agent._greedy_layers is not None and config.policy_average > 0
    for index in range(0, env.rows * env.cols, 7):
        obs = np.zeros(env.observation_shape, env.observation_dtype)
        obs.reshape(-1)[index] = 1
        assert agent._network_input(obs) == index
        for optimistic in (False, True):
            by_index = agent._q(index, optimistic=optimistic)
            layers = agent._numpy_layers if optimistic else agent._greedy_layers
            dense = numpy_q(layers, dueling, obs)
            heads = dense[: env.num_actions] if optimistic else dense[-env.num_actions :]
            assert np.array_equal(by_index, heads)
        assert agent.visits is not None
        assert agent.visits.code(index) == agent.visits.code(obs)
