"""DQN's two update paths make the same steps: the fast one (a flat MLP, the backward
and Adam by hand) against the reference one (``nn.Linear`` layers, autograd,
``torch.optim.Adam``), from the same seed on the same batches."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from qarcade import games
from qarcade.agents.checkpoints import load_agent
from qarcade.agents.dqn import DQNAgent
from qarcade.agents.dqn_update import (
    FastUpdate,
    FlatAdam,
    ReferenceUpdate,
    TensorBatch,
    head_targets,
    numpy_head_targets,
)
from qarcade.agents.networks import MLP, FastMLP, build_network
from qarcade.agents.training import Trainer
from qarcade.assets import asset_dir
from tests.test_dqn import one_torch_thread, small_config  # noqa: F401  (autouse fixture)


def fill(agents: list[DQNAgent], obs_size: int, num_actions: int, n: int = 60) -> None:
    """The same transitions into every agent's buffer: masked next states, terminal and
    flipped ones, and rewards large enough for errors on both sides of the Huber kink."""
    rng = np.random.default_rng(0)
    for i in range(n):
        mask = rng.random(num_actions) < 0.7
        transition = (
            rng.normal(size=obs_size).astype(np.float32), int(rng.integers(num_actions)),
            float(rng.normal(scale=3.0)), rng.normal(size=obs_size).astype(np.float32), mask,
            bool(i % 7 == 0), bool(i % 5 == 0),
        )  # fmt: skip
        for agent in agents:
            agent.buffer.add(*transition)


def weights(agent: DQNAgent) -> list[torch.Tensor]:
    return [t.clone() for _, t in agent.online.named_tensors()]


VARIANTS = [
    {},
    {"dueling": True},
    {"prioritized_replay": True},
    {"dueling": True, "prioritized_replay": True, "count_bonus": 0.5},  # two heads
    {"count_bonus": 0.5, "exploit_head": False},
    {"huber_delta": 2.5},  # errors on both sides of a wider kink
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "+".join(v) or "plain")
def test_fast_and_reference_paths_make_the_same_steps(variant: dict[str, object]) -> None:
    """Same seed, same batches: the same loss, Q-values and TD errors at every step and
    the same weights (online and Adam's moments) after 30 steps, to float precision."""
    config = dict(batch_size=16, hidden_sizes=(12, 8), learning_starts=0, **variant)
    fast = DQNAgent((5,), np.float32, 3, small_config(fast_path=True, **config))
    reference = DQNAgent((5,), np.float32, 3, small_config(fast_path=False, **config))
    assert isinstance(fast.update_path, FastUpdate) and isinstance(fast.online, FastMLP)
    assert isinstance(reference.update_path, ReferenceUpdate)
    assert isinstance(reference.online, MLP)
    for mine, theirs in zip(weights(fast), weights(reference), strict=True):
        assert torch.equal(mine, theirs)  # the same initial draw
    fill([fast, reference], 5, 3)
    for agent in (fast, reference):
        agent.epsilon = 0.5  # a count bonus in the targets, if configured
    for _ in range(30):
        mine, theirs = fast._train_step(), reference._train_step()
        assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-4, abs=1e-6)
        assert mine["q_mean"] == pytest.approx(theirs["q_mean"], rel=1e-4, abs=1e-6)
    moved = False
    for mine, theirs, start in zip(
        weights(fast),
        weights(reference),
        weights(DQNAgent((5,), np.float32, 3, small_config(**config))),
        strict=True,
    ):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)
        moved |= not torch.equal(mine, start)
    assert moved
    for (m1, v1), (m2, v2) in zip(
        fast.update_path.adam_moments(), reference.update_path.adam_moments(), strict=True
    ):
        torch.testing.assert_close(m1, m2, rtol=1e-4, atol=1e-6)
        torch.testing.assert_close(v1, v2, rtol=1e-4, atol=1e-8)
    assert fast.update_path.adam_steps == reference.update_path.adam_steps == 30


def test_the_paths_train_alike_through_the_trainer() -> None:
    """A whole short run (acting, replay, target updates) on the 4x4 lake: the two
    paths end with the same weights."""
    results = []
    for fast_path in (True, False):
        env = games.make("gridworld", map="lake4")
        agent = DQNAgent.for_env(env, small_config(fast_path=fast_path, total_timesteps=400))
        Trainer(env, agent, seed=0, steps=400).run_steps(400)
        assert agent.train_steps > 200
        results.append(weights(agent))
    for mine, theirs in zip(*results, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-3, atol=1e-4)


def test_a_broken_fast_backward_fails_the_equality(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a fast path whose backward forgets the ReLU's gate
    leaves the reference path's weights behind."""

    def no_gate(self: FastMLP, inputs: list[np.ndarray], grad_q: np.ndarray) -> np.ndarray:
        g = grad_q
        for layer in reversed(range(len(inputs))):
            h = inputs[layer][: grad_q.shape[0]]
            np.matmul(g.T, h, out=self._grads[2 * layer])
            np.sum(g, 0, out=self._grads[2 * layer + 1])
            g = g @ self._arrays[2 * layer]
        return self._grad

    monkeypatch.setattr(FastMLP, "backward_rows", no_gate)
    config = dict(batch_size=16, hidden_sizes=(12, 8), learning_starts=0)
    fast = DQNAgent((5,), np.float32, 3, small_config(fast_path=True, **config))
    reference = DQNAgent((5,), np.float32, 3, small_config(fast_path=False, **config))
    fill([fast, reference], 5, 3)
    for _ in range(10):
        fast._train_step()
        reference._train_step()
    assert any(
        not torch.allclose(mine, theirs, rtol=1e-4, atol=1e-5)
        for mine, theirs in zip(weights(fast), weights(reference), strict=True)
    )


def test_fast_backward_is_autograd_through_the_reference_mlp() -> None:
    """dLoss/dweights by hand equals autograd's through an ``nn.Linear`` MLP holding the
    same weights, for any upstream gradient on a leading part of the rows."""
    generator = torch.Generator().manual_seed(0)
    for dueling in (False, True):
        fast = build_network((6,), np.float32, 3, (7, 5), generator, dueling=dueling, fast=True)
        reference = MLP(6, (7, 5), 3, dueling=dueling)
        reference.load_state_dict({n: t for n, t in fast.named_tensors()})
        x = torch.randn(10, 6, generator=generator)
        grad_q = torch.randn(4, 3, generator=generator)
        q, inputs = fast.forward_keeping_inputs(x.numpy())
        torch.testing.assert_close(torch.from_numpy(q), reference(x).detach())
        mine = fast.views(torch.from_numpy(fast.backward_rows(inputs, grad_q.numpy()).copy()))
        (reference(x[:4]) * grad_q).sum().backward()
        for ours, parameter in zip(mine, reference.parameters(), strict=True):
            torch.testing.assert_close(ours, parameter.grad)


@pytest.mark.parametrize("heads", [1, 2])
@pytest.mark.parametrize("cap", [math.inf, 0.3])
def test_the_fast_paths_targets_are_the_reference_paths(heads: int, cap: float) -> None:
    """numpy's targets equal torch's: double DQN over the legal next actions (a row with
    none included), terminal and flipped bootstraps, the count bonus on the first head
    only and the cap on its targets."""
    rng = np.random.default_rng(1)
    rows, actions = 9, 3
    masks = rng.random((rows, actions)) < 0.6
    masks[0] = False
    batch = TensorBatch(
        torch.zeros(2 * rows, 2),
        torch.zeros(rows, dtype=torch.int64),
        torch.from_numpy(rng.normal(size=rows).astype(np.float32)),
        torch.from_numpy(masks),
        torch.from_numpy(rng.choice([0.0, -0.99, 0.99], size=rows).astype(np.float32)),
    )
    online, target = (rng.normal(size=(rows, heads * actions)).astype(np.float32) for _ in range(2))
    bonus = rng.random((rows, actions)).astype(np.float32)
    for extra in (None, bonus):
        theirs = head_targets(
            batch,
            0.99,
            torch.from_numpy(online),
            torch.from_numpy(target),
            None if extra is None else torch.from_numpy(extra),
            heads,
            cap,
        )
        mine = numpy_head_targets(
            batch.rewards.numpy(),
            batch.bootstrap.numpy(),
            masks,
            0.99,
            online.copy(),
            target.copy(),
            extra,
            heads,
            cap,
        )
        torch.testing.assert_close(torch.from_numpy(mine), theirs)
        if extra is not None and cap < math.inf:
            assert mine[:, 0].max() == pytest.approx(cap)


def test_the_fast_path_is_the_cpus() -> None:
    """The fast step is numpy's: a network whose weights are elsewhere is refused (the
    agent gives it the reference path instead)."""
    generator = torch.Generator().manual_seed(0)
    online, target = (
        build_network((4,), np.float32, 2, (5,), generator, fast=True).to("meta") for _ in range(2)
    )
    with pytest.raises(ValueError, match="CPU"):
        FastUpdate(online, target, 1e-3, 0.99, 10.0)


def test_flat_adam_matches_torch_adam() -> None:
    generator = torch.Generator().manual_seed(0)
    ours = torch.randn(50, generator=generator)
    theirs = torch.nn.Parameter(ours.clone())
    flat_adam = FlatAdam(ours.numpy(), lr=0.01)
    torch_adam = torch.optim.Adam([theirs], lr=0.01)
    for _ in range(20):
        grad = torch.randn(50, generator=generator)
        theirs.grad = grad.clone()
        flat_adam.step(grad.numpy())
        torch_adam.step()
    torch.testing.assert_close(ours, theirs.detach(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("saved_fast", [True, False])
def test_a_checkpoint_of_either_path_loads_into_the_other(saved_fast: bool) -> None:
    """The same tensor names and a flat Adam state: a run saved on one path resumes on
    the other and makes the same next steps as the one that saved it."""
    config = dict(batch_size=16, hidden_sizes=(12,), learning_starts=0, dueling=True)
    saver = DQNAgent((5,), np.float32, 3, small_config(fast_path=saved_fast, **config))
    fill([saver], 5, 3)
    for _ in range(5):
        saver._train_step()
    arrays, meta = saver.to_checkpoint()
    meta["config"]["fast_path"] = not saved_fast
    other = DQNAgent.from_checkpoint(arrays, meta)
    assert isinstance(other.update_path, FastUpdate) is not saved_fast
    assert other.update_path.adam_steps == 5
    other.buffer.load_state_arrays(saver.buffer.state_arrays(""), "")
    other.buffer.rng.bit_generator.state = saver.buffer.rng.bit_generator.state
    for _ in range(5):
        mine, theirs = saver._train_step(), other._train_step()
        assert mine["loss"] == pytest.approx(theirs["loss"], rel=1e-4, abs=1e-6)
    for mine, theirs in zip(weights(saver), weights(other), strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fast_path", [True, False])
def test_shipped_agents_load_on_either_path(fast_path: bool) -> None:
    """The pretrained DQN agents (saved before the reference path existed) load on both
    paths and act alike."""
    saved = load_agent(str(asset_dir("agents") / "gridworld-lake8-dqn.safetensors"))
    assert isinstance(saved, DQNAgent)
    arrays, meta = saved.to_checkpoint()
    meta["config"]["fast_path"] = fast_path
    agent = DQNAgent.from_checkpoint(arrays, meta)
    obs = np.eye(64, dtype=np.float32)
    np.testing.assert_allclose(agent.q_values_batch(obs), saved.q_values_batch(obs), rtol=1e-6)


# --------------------------------------------------------------------------- one-hot
def test_one_hot_indices_give_the_vectors_q_values_and_gradients() -> None:
    """A batch of one-hot observations given by index: the same Q-values as the vectors
    on both networks, and by hand the same gradient as autograd's with the vectors,
    states repeated in the batch included."""
    generator = torch.Generator().manual_seed(0)
    index = torch.tensor([3, 0, 3, 5, 1, 3, 2, 0])
    vectors = torch.nn.functional.one_hot(index, 6).float()
    for dueling in (False, True):
        fast = build_network((6,), np.float32, 3, (7, 5), generator, dueling=dueling, fast=True)
        reference = MLP(6, (7, 5), 3, dueling=dueling)
        reference.load_state_dict({n: t for n, t in fast.named_tensors()})
        assert torch.equal(fast(index), fast(vectors))
        torch.testing.assert_close(reference(index), reference(vectors))
        grad_q = torch.randn(5, 3, generator=generator)
        q, inputs = fast.forward_keeping_inputs(index.numpy())
        torch.testing.assert_close(torch.from_numpy(q), fast(vectors))
        mine = fast.views(torch.from_numpy(fast.backward_rows(inputs, grad_q.numpy()).copy()))
        (reference(vectors[:5]) * grad_q).sum().backward()
        for ours, parameter in zip(mine, reference.parameters(), strict=True):
            torch.testing.assert_close(ours, parameter.grad)


@pytest.mark.parametrize("fast_path", [True, False])
def test_a_one_hot_buffer_trains_as_the_vectors_do(fast_path: bool) -> None:
    """On a gridworld, whose observations are one-hot, an agent that keeps and reads
    them by index ends a run with the weights of one that keeps the vectors, in a
    buffer a hundredth of the size; the count bonus and prioritized replay included.

    The two sum the first layer's gradient in different orders (an index-add against a
    matrix product), so their weights differ by rounding, about 1e-7. Prioritized
    replay raises TD errors to the power 0.6, which magnifies that for small errors;
    after some 240 steps on the fast path a draw lands on the other side of a boundary
    in the sum tree, and from then on the two runs learn from other batches. The run
    stops at 200 steps, before that, with 100 updates made."""
    env = games.make("gridworld", map="lake8")
    assert env.one_hot_observation
    results, sizes = [], []
    for one_hot in (True, False):
        config = small_config(
            fast_path=fast_path, total_timesteps=400, count_bonus=0.5, prioritized_replay=True
        )
        agent = DQNAgent(
            env.observation_shape, env.observation_dtype, env.num_actions, config,
            game=env.name, game_options=env.options, one_hot_observation=one_hot,
        )  # fmt: skip
        Trainer(env, agent, seed=0, steps=400).run_steps(200)
        assert agent.train_steps >= 100 and agent.buffer.one_hot == one_hot
        results.append(weights(agent))
        sizes.append(agent.buffer.obs.nbytes)
    for mine, theirs in zip(*results, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-5)
    assert sizes[0] * 20 < sizes[1]
    assert DQNAgent.for_env(env).one_hot_observation
    map_env = games.make("gridworld", map="lake8", obs_mode="map")
    assert not map_env.one_hot_observation and not DQNAgent.for_env(map_env).buffer.one_hot


def test_a_one_hot_buffer_refuses_other_observations() -> None:
    """The declaration is checked where it is used: a vector that is not one-hot is
    refused, not stored as a wrong index."""
    from qarcade.agents.replay import ReplayBuffer

    buffer = ReplayBuffer(4, (3,), np.dtype(np.float32), 2, np.random.default_rng(0), one_hot=True)
    mask = np.ones(2, bool)
    hot = np.array([0, 0, 1], np.float32)
    buffer.add(hot, 0, 0.0, np.array([1, 0, 0], np.float32), mask, False, False)
    assert (buffer.obs[0], buffer.next_obs[0]) == (2, 0)
    for bad in ([0, 1, 1], [0, 0, 0], [0, 0, 0.5], [0, 0, 2]):
        with pytest.raises(ValueError, match="not"):
            buffer.add(np.array(bad, np.float32), 0, 0.0, hot, mask, False, False)


def test_a_one_hot_checkpoint_round_trips(tmp_path: Path) -> None:
    """A one-hot agent saved with its replay buffer loads as one, buffer and counts
    whole, and plays as it did; a forged flag is a checkpoint error."""
    from qarcade.agents.checkpoints import CheckpointError, save_agent

    env = games.make("gridworld", map="lake8")
    config = small_config(total_timesteps=300, save_replay_buffer=True, count_bonus=0.5)
    agent = DQNAgent.for_env(env, config)
    Trainer(env, agent, seed=0, steps=300).run_steps(300)
    path = tmp_path / "hot.safetensors"
    save_agent(path, agent)
    loaded = load_agent(path)
    assert isinstance(loaded, DQNAgent) and loaded.one_hot_observation
    assert np.array_equal(
        loaded.buffer.obs[: len(agent.buffer)], agent.buffer.obs[: len(agent.buffer)]
    )
    assert np.array_equal(loaded.visits.counts, agent.visits.counts)
    obs, _ = env.reset(seed=1)
    assert np.array_equal(loaded.q_values(obs), agent.q_values(obs))
    arrays, meta = agent.to_checkpoint()
    with pytest.raises(CheckpointError, match="one_hot_observation"):
        DQNAgent.from_checkpoint(arrays, {**meta, "one_hot_observation": "yes"})
    with pytest.raises(CheckpointError, match="replay buffer"):
        DQNAgent.from_checkpoint(arrays, {**meta, "one_hot_observation": False})


def test_visit_codes_of_indices_are_those_of_the_vectors() -> None:
    from qarcade.agents.exploration import VisitCounts

    counts = VisitCounts(40, 4, bits=12, power=2.0, seed=3)
    index = np.array([0, 7, 39, 7])
    vectors = np.eye(40, dtype=np.float32)[index]
    assert np.array_equal(counts.codes(index), counts.codes(vectors))
