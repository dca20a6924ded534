"""The mechanisms that let the learners' defaults meet worlds nobody tuned them for:
the automatic value scale, count-based optimism, the annealed learning rate, the
table's averaging step size, the best greedy policy kept during training, and defaults
chosen from what an env is (``DQNConfig.for_env``, ``TabularConfig.for_env``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

from qarcade import games
from qarcade.agents.base import Transition
from qarcade.agents.checkpoints import CheckpointError
from qarcade.agents.dqn import (
    PIXEL_SETTINGS,
    VALUE_BOUND,
    DQNAgent,
    DQNConfig,
    untuned_settings,
)
from qarcade.agents.dqn_update import double_dqn_targets, head_targets
from qarcade.agents.evaluation import BestPolicy
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import Trainer
from tests.test_dqn import small_config
from tests.toy_envs import CoinEnv, SurviveEnv


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# --------------------------------------------------------------------------- value scale
def survive_q(reward_scale: float | str) -> float:
    """The mean learnt Q-value of :class:`SurviveEnv` (true value 1 / (1 - 0.9 * 0.8))."""
    env = SurviveEnv(end_probability=0.2)
    config = small_config(
        reward_scale=reward_scale,
        gamma=0.9,
        total_timesteps=2_000,
        target_network_frequency=20,
        hidden_sizes=(16,),
    )
    agent = DQNAgent.for_env(env, config)
    Trainer(env, agent, seed=0, steps=2_000).run_steps(2_000)
    return float(agent.q_values(np.ones(1, np.float32)).mean())


@pytest.mark.slow
def test_auto_scale_learns_the_mean_value_where_huber_alone_drifts() -> None:
    """CartPole's trouble in one state: +1 a step, the episode ends on 20% of steps.
    Unscaled, most TD errors are beyond the Huber loss's quadratic part, its L1 part
    regresses to the median target and the rare ends are ignored: Q drifts toward
    1 / (1 - gamma) = 10. The automatic scale keeps errors small, and Q at the mean."""
    true_q = 1.0 / (1.0 - 0.9 * 0.8)
    assert survive_q("auto") == pytest.approx(true_q, rel=0.2)
    assert survive_q(1.0) > 1.5 * true_q


def test_a_wide_huber_loss_learns_the_mean_of_outcomes_two_apart() -> None:
    """A slip beside the goal in one state (:class:`CoinEnv`): +1 on 80% of tries, -1
    on the rest; the value is 0.6. The auto scale leaves these rewards as they are (the
    values are within ``VALUE_BOUND``), but the -1 outcome's error is 1.6, beyond the
    default Huber loss's quadratic part, and Q settles near 0.75, between the mean and
    the median. With ``huber_delta`` ``2 * VALUE_BOUND`` (the slippery gridworld's) the
    loss is quadratic for every error of such values and Q settles at the mean. (The
    two runs meet the same coin flips; the paths' losses agree: test_dqn_update.py.)"""

    def learnt(delta: float) -> float:
        env = CoinEnv(win=0.8)
        config = small_config(
            huber_delta=delta,
            anneal_lr=True,
            total_timesteps=4_000,
            hidden_sizes=(16,),
        )
        agent = DQNAgent.for_env(env, config)
        Trainer(env, agent, seed=0, steps=4_000).run_steps(4_000)
        assert agent.reward_scale == 1.0
        return float(agent.q_values(np.ones(1, np.float32)).mean())

    wide, default = learnt(2 * VALUE_BOUND), learnt(1.0)
    assert wide == pytest.approx(0.6, abs=0.06)
    assert default > 0.7 and default - wide > 0.1


def test_auto_scale_follows_the_largest_reward_and_keeps_what_was_learnt() -> None:
    """A larger reward lowers the scale; Q-values in reward units, the stored rewards
    (in learnt units) and the agent's preferences stay what they were."""
    agent = DQNAgent((3,), np.float32, 2, small_config(gamma=0.9, learning_starts=10_000))
    obs = np.eye(3, dtype=np.float32)
    mask = np.ones(2, bool)
    agent.learn(Transition(obs[0], 0, 0.1, obs[1], mask, False))
    assert agent.reward_scale == 1.0  # 0.1 * 10 steps < VALUE_BOUND: no need to shrink
    before = agent.q_values_batch(obs)
    stored = agent.buffer.rewards[0]
    agent.learn(Transition(obs[1], 1, 5.0, obs[2], mask, True))
    # bound = 5 (an end) + 0.1 * 1 / (1 - 0.9): the scale is 2 / 6.
    assert agent.reward_scale == pytest.approx(2.0 / 6.0)
    np.testing.assert_allclose(agent.q_values_batch(obs), before, rtol=1e-5, atol=1e-6)
    assert agent.buffer.rewards[0] == pytest.approx(stored * 2.0 / 6.0)
    assert agent.buffer.rewards[1] == pytest.approx(5.0 * 2.0 / 6.0)
    agent.learn(Transition(obs[0], 0, -5.0, obs[1], mask, True))  # no larger: unchanged
    assert agent.reward_scale == pytest.approx(2.0 / 6.0)


def test_a_fixed_scale_stays_fixed_and_auto_survives_a_checkpoint(tmp_path: Path) -> None:
    fixed = DQNAgent((1,), np.float32, 2, small_config(reward_scale=0.5))
    fixed.learn(
        Transition(np.ones(1, np.float32), 0, 100.0, np.ones(1, np.float32), np.ones(2, bool), True)
    )
    assert fixed.reward_scale == 0.5

    agent = DQNAgent((1,), np.float32, 2, small_config())
    one = np.ones(1, np.float32)
    agent.learn(Transition(one, 0, 10.0, one, np.ones(2, bool), True))
    path = agent.save(str(tmp_path / "agent.safetensors"))
    loaded = DQNAgent.load(path)
    assert loaded.reward_scale == agent.reward_scale == pytest.approx(0.2)
    assert loaded.reward_peaks == agent.reward_peaks
    np.testing.assert_allclose(loaded.q_values(one), agent.q_values(one))


def test_reward_scale_setting_is_checked() -> None:
    for bad in ("sometimes", 0.0, -1.0, True):
        with pytest.raises(games.OptionError, match="reward_scale"):
            DQNConfig(reward_scale=bad)  # type: ignore[arg-type]
    for bad in ("wide", 0.0, -2.0, math.inf, True):
        with pytest.raises(games.OptionError, match="huber_delta"):
            DQNConfig(huber_delta=bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- averaging
def halfway_on_random_ends(**overrides: object) -> tuple[DQNAgent, Trainer]:
    """A DQN on :class:`SurviveEnv` (its episodes end at random, so every target is a
    sample) at a step size large enough to follow that noise, 1,000 of its 2,000 steps
    done."""
    env = SurviveEnv(end_probability=0.2)
    config = small_config(
        learning_rate=1e-2,
        gamma=0.9,
        total_timesteps=2_000,
        hidden_sizes=(16,),
        reward_scale=0.1,
        **overrides,
    )
    agent = DQNAgent.for_env(env, config)
    trainer = Trainer(env, agent, seed=0, steps=2_000)
    trainer.run_steps(1_000)
    return agent, trainer


def last_values(trainer: Trainer, *reads: Callable[[], float]) -> list[np.ndarray]:
    """Each of ``reads`` after every 100 of the next 1,000 steps; the last 4 readings
    (the last 300 steps)."""
    readings: list[list[float]] = [[] for _ in reads]
    for _ in range(10):
        trainer.run_steps(100)
        for read, values in zip(reads, readings, strict=True):
            values.append(float(read()))
    return [np.array(values[-4:]) for values in readings]


def test_annealed_learning_rate_falls_to_zero_and_settles_on_the_mean() -> None:
    """With ``anneal_lr`` the step size falls linearly to 0 over the budget (the setting
    itself unchanged), so the last updates average the noisy targets of
    :class:`SurviveEnv` (its episodes end at random) and Q stops moving near the true
    value; at a constant learning rate it keeps following the latest batches."""
    true_q = 1.0 / (1.0 - 0.9 * 0.8)
    one = np.ones(1, np.float32)

    def late_q(anneal: bool) -> np.ndarray:
        agent, trainer = halfway_on_random_ends(anneal_lr=anneal)
        halfway = 1e-2 * (1 - 1_000 / 2_000) if anneal else 1e-2
        assert agent.update_path.learning_rate == pytest.approx(halfway)
        (qs,) = last_values(trainer, lambda: agent.q_values(one).mean())
        assert agent.config.learning_rate == 1e-2
        return qs

    annealed, constant = late_q(True), late_q(False)
    assert np.abs(annealed - true_q).max() < 0.15 * true_q
    moved = [np.abs(np.diff(q)).sum() for q in (annealed, constant)]
    assert moved[0] < 0.4 * moved[1]


def test_averaged_policy_settles_where_the_online_weights_follow_the_noise() -> None:
    """``policy_average``: at a constant learning rate the online network's Q keeps
    following the latest batches of :class:`SurviveEnv`'s random ends; the greedy
    policy's Q, from the average of the weights, moves a fraction as much and stays
    near the true value. The online network learns as it would without the average
    (the same weights to the bit): only what the greedy policy acts on changes."""
    true_q = 1.0 / (1.0 - 0.9 * 0.8)
    one = np.ones(1, np.float32)

    def run(average: float) -> tuple[DQNAgent, np.ndarray, np.ndarray]:
        agent, trainer = halfway_on_random_ends(policy_average=average)
        greedy, online = last_values(
            trainer,
            lambda: agent.q_values(one).mean(),
            lambda: agent.online(torch.from_numpy(one)[None])[0].mean() / 0.1,
        )
        return agent, greedy, online

    averaged, greedy, online = run(0.2)
    plain, plain_greedy, _ = run(0.0)
    assert averaged.greedy_network is not averaged.online and plain.greedy_network is plain.online
    np.testing.assert_array_equal(
        averaged.online.weights.detach().numpy(), plain.online.weights.detach().numpy()
    )
    np.testing.assert_allclose(plain_greedy, online, rtol=1e-5)
    assert np.abs(greedy - true_q).max() < 0.15 * true_q
    moved = [np.abs(np.diff(q)).sum() for q in (greedy, online)]
    assert moved[0] < 0.4 * moved[1]


def test_averaged_weights_survive_a_checkpoint_a_rescale_and_the_kept_policy(
    tmp_path: Path,
) -> None:
    env = CoinEnv()
    agent = DQNAgent.for_env(env, small_config(policy_average=0.2, total_timesteps=500))
    Trainer(env, agent, seed=0, steps=500).run_steps(400)
    obs = np.eye(env.observation_shape[0], dtype=np.float32)
    greedy = np.array([agent.q_values(o) for o in obs])
    online = agent.online(torch.from_numpy(obs)).numpy()[:, -env.num_actions :]
    assert not np.allclose(greedy * agent.reward_scale, online)

    # A checkpoint keeps the average; one without it starts it at the online weights.
    path = agent.save(str(tmp_path / "a.safetensors"))
    loaded = DQNAgent.load(path)
    np.testing.assert_allclose([loaded.q_values(o) for o in obs], greedy, rtol=1e-6)
    arrays, meta = agent.to_checkpoint()
    older = {k: v for k, v in arrays.items() if not k.startswith("average.")}
    restarted = DQNAgent.from_checkpoint(older, meta)
    np.testing.assert_allclose(
        [restarted.q_values(o) * restarted.reward_scale for o in obs], online, rtol=1e-6
    )
    damaged = {**arrays, "average.layers.0.weight": arrays["online.layers.0.bias"]}
    with pytest.raises(CheckpointError, match="average"):
        DQNAgent.from_checkpoint(damaged, meta)

    # A new reward scale rescales the average with the networks it averages.
    agent._rescale(0.5)
    agent.reward_scale *= 0.5
    np.testing.assert_allclose([agent.q_values(o) for o in obs], greedy, rtol=1e-5)

    # The kept policy is the greedy policy: the average with the online weights.
    state = agent.policy_state()
    Trainer(env, agent, seed=1, steps=100).run_steps(100)
    assert not np.allclose([agent.q_values(o) for o in obs], greedy)
    agent.load_policy_state(state)
    np.testing.assert_allclose([agent.q_values(o) for o in obs], greedy, rtol=1e-5)


def test_policy_average_setting_is_checked() -> None:
    for bad in (-0.1, 1.5, math.nan, "often", True):
        with pytest.raises(games.OptionError, match="policy_average"):
            DQNConfig(policy_average=bad)  # type: ignore[arg-type]


def test_table_step_size_averages_each_entrys_own_targets(tmp_path: Path) -> None:
    """``step_size_power`` 1/2: the first update of an entry is taken whole, the n-th
    is ``learning_rate / sqrt(n)`` of the error, counted per entry; so a noisy payoff
    (+-1 around a mean of 0.2) is averaged, where a step size of 1 keeps only the last
    sample. The counts survive a checkpoint, so a resumed run steps on as it was."""
    obs, mask = np.ones(1, np.float32), np.ones(2, bool)
    rewards = np.random.default_rng(0).choice([1.2, -0.8], size=2_000)

    def agent_after(power: float) -> TabularQAgent:
        agent = TabularQAgent(2, config=TabularConfig(learning_rate=1.0, step_size_power=power))
        for r in rewards:
            agent.learn(Transition(obs, 0, float(r), obs, mask, True))
        return agent

    averaging = agent_after(0.5)
    assert averaging.q_values(obs)[0] == pytest.approx(0.2, abs=0.08)
    assert agent_after(0.0).q_values(obs)[0] == pytest.approx(rewards[-1])

    agent = TabularQAgent(2, config=TabularConfig(learning_rate=1.0, step_size_power=0.5))
    agent.learn(Transition(obs, 1, 3.0, obs, mask, True))
    assert agent.q_values(obs)[1] == 3.0
    agent.learn(Transition(obs, 1, 1.0, obs, mask, True))
    assert agent.q_values(obs)[1] == pytest.approx(3.0 - 2.0 / np.sqrt(2))
    loaded = TabularQAgent.load(agent.save(str(tmp_path / "table.npz")))
    for learner in (agent, loaded):
        learner.learn(Transition(obs, 1, 0.0, obs, mask, True))
    assert loaded.q_values(obs)[1] == agent.q_values(obs)[1]
    assert agent.q_values(obs)[1] == pytest.approx((3.0 - 2.0 / np.sqrt(2)) * (1 - 1 / np.sqrt(3)))


# --------------------------------------------------------------------------- optimism
@pytest.mark.parametrize("power", [0.5, 2.0])
def test_count_optimism_prefers_untried_actions_and_fades_with_tries(power: float) -> None:
    """With every Q-value equal, the exploring greedy move is an action not tried yet in
    that state, whatever epsilon (the optimism is the counts', not the schedule's); tried
    as often as the others, it is one of equals again; the plain greedy move never sees
    the optimism."""
    config = small_config(count_bonus=0.5, count_power=power, start_e=1.0, end_e=0.0)
    agent = DQNAgent((2,), np.float32, 3, config)
    with torch.no_grad():
        for _, tensor in agent.online.named_tensors()[-2:]:
            tensor.zero_()  # every Q-value is 0
    agent.rng.random = lambda: 0.99  # type: ignore[method-assign]  # no random move
    obs, other = np.array([1, 0], np.float32), np.array([0, 1], np.float32)
    mask = np.ones(3, bool)
    for action in (0, 2):
        agent.learn(Transition(obs, action, 0.0, other, mask, False))
    for epsilon in (0.5, 0.0):
        agent.epsilon = epsilon
        assert agent.act(obs, mask, explore=True) == 1
    assert agent.act(obs, mask) == 0  # argmax of equal values
    np.testing.assert_allclose(
        agent.visits.optimism(obs[None])[0], [2.0**-power, 1.0, 2.0**-power], rtol=1e-6
    )
    agent.learn(Transition(obs, 1, 0.0, other, mask, False))
    assert agent.act(obs, mask, explore=True) == 0


def test_count_optimism_raises_the_targets_of_rarely_tried_next_states() -> None:
    """The target's next state is valued with the optimism of its actions: the same
    transition gets a higher TD target before its next state's actions are tried."""
    config = small_config(count_bonus=1.0, batch_size=1, gamma=0.5, reward_scale=1.0)
    agent = DQNAgent((2,), np.float32, 2, config)
    obs, nxt = np.array([1, 0], np.float32), np.array([0, 1], np.float32)
    mask = np.ones(2, bool)
    agent.learn(Transition(obs, 0, 0.0, nxt, mask, False))
    agent.buffer.sample(1, out=agent._host_batch)
    batch = agent._device_batch
    with torch.no_grad():
        q_next = agent.online(batch.next_obs), agent.target(batch.next_obs)

    def target() -> float:  # the optimistic head's: the first of two
        bonus = agent._bonus(agent._host_batch.next_obs)
        optimistic = (q[:, :2] for q in q_next)
        return float(double_dqn_targets(batch, config.gamma, *optimistic, bonus)[0])

    untried = target()
    for _ in range(99):
        agent.visits.add(nxt, 0)
        agent.visits.add(nxt, 1)
    tried = target()
    # Optimism 1 / sqrt(0 + 1) before, 1 / sqrt(99 + 1) after (MBIE-EB's power, the
    # default), times gamma.
    assert untried - tried == pytest.approx(0.5 * (1.0 - 0.1), abs=1e-5)


OPEN_ROOM = """\
S.......
........
........
.......G
"""


@pytest.mark.parametrize("cap", [True, False])
def test_the_exploit_head_values_the_rewards_and_is_the_greedy_policy(
    tmp_path: Path, cap: bool
) -> None:
    """With a count bonus, the optimistic head's values early on are above what the
    shortest route is worth: uncapped, far above anything the map pays (the optimism
    summed along routes); capped (``optimism_cap``, the default), at most the goal's
    reward. The exploit head, learnt from the same transitions without the optimism,
    ends at the shortest route's value either way, and it is what the greedy policy
    follows and the board shows."""
    from qarcade.games.gridworld import solver

    path = tmp_path / "room.txt"
    path.write_text(OPEN_ROOM)
    env = games.make("gridworld", map=str(path))
    config = DQNConfig.for_env(env, total_timesteps=6_000, learning_starts=200, optimism_cap=cap)
    agent = DQNAgent.for_env(env, config, seed=0)
    gamma = config.gamma
    # The shortest route's discounted value: 9 steps of step_reward, then the goal.
    value = sum(env.step_reward * gamma**t for t in range(9)) + gamma**9 * env.goal_reward
    start = env.reset(seed=0)[0]
    trainer = Trainer(env, agent, seed=0, steps=6_000)
    trainer.run_steps(1_000)
    optimistic = agent._q(start, optimistic=True).max() / agent.reward_scale
    if cap:
        assert value + 0.05 < optimistic < env.goal_reward + 0.05
    else:
        assert optimistic > value + 1.0
    # By 6,000 steps the exploit head is within 0.003 of the value on seeds 0 to 5
    # (capped or not); at 4,000 an uncapped run could still be 0.07 above it.
    trainer.run_steps(5_000)
    assert agent.q_values(start).max() == pytest.approx(value, abs=0.05)
    all_legal = np.ones(env.num_actions, bool)
    policy = solver.policy_of(env, lambda obs: agent.act(obs, all_legal))
    assert solver.policy_return(env, policy) == pytest.approx(solver.optimal_return(env))


def test_only_the_optimistic_heads_targets_and_moves_take_the_bonus() -> None:
    """Two heads with the same weights: the optimistic head's target is the exploit
    head's plus ``gamma`` times the bonus of the next state's best action; acting to
    explore follows the optimistic head plus the bonus, acting greedily the exploit
    head."""
    config = small_config(
        count_bonus=1.0, batch_size=1, gamma=0.5, reward_scale=1.0, learning_starts=0
    )
    agent = DQNAgent((2,), np.float32, 2, config)
    obs, nxt = np.array([1, 0], np.float32), np.array([0, 1], np.float32)
    mask = np.ones(2, bool)
    for network in (agent.online, agent.target):
        with torch.no_grad():
            weight, bias = (t for _, t in network.named_tensors()[-2:])
            weight[2:], bias[2:] = weight[:2], bias[:2]  # exploit head = optimistic head
    agent.buffer.add(obs, 0, 0.25, nxt, mask, False, False)
    agent.buffer.sample(1, out=agent._host_batch)
    batch = agent._device_batch
    with torch.no_grad():
        both = head_targets(
            batch,
            config.gamma,
            agent.online(batch.next_obs),
            agent.target(batch.next_obs),
            agent._bonus(agent._host_batch.next_obs),
            heads=2,
        )[0]
    # Neither of the next state's actions tried: a bonus of 1 on each.
    assert float(both[0] - both[1]) == pytest.approx(0.5 * 1.0, abs=1e-6)
    with torch.no_grad():  # the heads apart: the exploit head prefers action 0
        weight, bias = (t for _, t in agent.online.named_tensors()[-2:])
        weight.zero_()
        bias.copy_(torch.tensor([0.0, 0.5, 0.5, 0.0]))
    agent.epsilon = 0.0
    assert agent.act(obs, mask) == 0
    assert agent.act(obs, mask, explore=True) == 1
    np.testing.assert_allclose(agent.q_values(obs), [0.5, 0.0])


def test_optimism_cap_is_the_largest_return_the_rewards_seen_allow(tmp_path: Path) -> None:
    """R-MAX's ``V_max`` from the rewards seen: 0 before any positive reward, then the
    largest positive end reward plus the largest positive step reward times the horizon,
    in learnt units; it clamps the optimistic head's targets and never the exploit
    head's, and a checkpoint keeps it. Off, or without a bonus, nothing is capped."""
    config = small_config(count_bonus=1.0, gamma=0.5, reward_scale=0.1, batch_size=1)
    agent = DQNAgent((2,), np.float32, 2, config)
    obs, nxt = np.array([1, 0], np.float32), np.array([0, 1], np.float32)
    mask = np.ones(2, bool)
    assert agent.update_path.optimism_cap == 0.0
    agent.learn(Transition(obs, 0, -0.01, nxt, mask, False))
    agent.learn(Transition(nxt, 1, -1.0, obs, mask, True))
    assert agent.optimism_bound() == 0.0
    agent.learn(Transition(nxt, 0, 1.0, obs, mask, True))
    assert agent.optimism_bound() == 1.0
    agent.learn(Transition(obs, 1, 0.5, nxt, mask, False))
    assert agent.optimism_bound() == pytest.approx(1.0 + 0.5 / (1 - 0.5))
    assert agent.update_path.optimism_cap == pytest.approx(0.1 * 2.0)
    loaded = DQNAgent.load(agent.save(str(tmp_path / "a.safetensors")))
    assert loaded.update_path.optimism_cap == pytest.approx(0.2)

    # Targets far above the cap: only the optimistic head's are clamped.
    agent.buffer.add(obs, 0, 5.0, nxt, mask, False, False)
    agent.buffer.sample(1, out=agent._host_batch)
    batch = agent._device_batch
    q_next = torch.zeros(1, 4)
    bonus = agent._bonus(agent._host_batch.next_obs)
    capped = head_targets(batch, 0.5, q_next, q_next, bonus, heads=2, cap=0.2)[0]
    assert capped.tolist() == pytest.approx([0.2, 5.0])
    uncapped = head_targets(batch, 0.5, q_next, q_next, bonus, heads=2)[0]
    assert uncapped[0] > 5.0
    assert head_targets(batch, 0.5, q_next, q_next, None, heads=2, cap=0.2)[0, 0] == 5.0

    off = DQNAgent((2,), np.float32, 2, small_config(count_bonus=1.0, optimism_cap=False))
    off.learn(Transition(nxt, 0, 1.0, obs, mask, True))
    assert off.update_path.optimism_cap == float("inf")
    bad = {**loaded.to_checkpoint()[1], "reward_highs": [1.0, float("nan")]}
    with pytest.raises(CheckpointError, match="reward highs"):
        DQNAgent.from_checkpoint(loaded.to_checkpoint()[0], bad)


def test_visit_counts_survive_a_checkpoint_and_reject_damage(tmp_path: Path) -> None:
    agent = DQNAgent((2,), np.float32, 2, small_config(count_bonus=0.1))
    obs = np.array([1, 0], np.float32)
    for _ in range(3):
        agent.learn(Transition(obs, 1, 0.0, obs, np.ones(2, bool), False))
    loaded = DQNAgent.load(agent.save(str(tmp_path / "a.safetensors")))
    np.testing.assert_array_equal(loaded.visits.counts, agent.visits.counts)
    assert loaded.visits.counts.sum() == 3
    arrays = agent.visits.state_arrays("v.")
    arrays["v.index"] = arrays["v.index"] + loaded.visits.counts.size
    with pytest.raises(CheckpointError, match="visit counts"):
        loaded.visits.load_state_arrays(arrays, "v.")


# --------------------------------------------------------------------------- best policy
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["tabular", "dqn"])
def test_best_policy_keeps_the_best_and_puts_it_back(kind: str) -> None:
    env = games.make("gridworld", map="lake4")
    agent = (
        TabularQAgent.for_env(env, TabularConfig(), seed=0)  # lr 0.1: still learning
        if kind == "tabular"
        else DQNAgent.for_env(env, small_config())
    )
    scores = iter([1.0, 3.0, 2.0])
    best = BestPolicy(agent, lambda _agent: next(scores))
    trainer = Trainer(env, agent, seed=0, steps=600)
    cells = np.eye(16, dtype=np.float32)

    def q_all() -> np.ndarray:
        return np.array([agent.q_values(c) for c in cells])

    kept = []
    for _ in range(3):
        trainer.run_steps(200)
        kept.append((best.offer(trainer.steps), q_all()))
    assert [k for (_, k), _ in kept] == [True, True, False]
    assert best.best_score == 3.0 and best.best_step == 400
    assert not np.allclose(q_all(), kept[1][1])
    best.restore()
    np.testing.assert_allclose(q_all(), kept[1][1])


# --------------------------------------------------------------------------- for_env
def test_for_env_chooses_by_what_the_env_is() -> None:
    from qarcade.games.adapters.from_gymnasium import GymnasiumEnv

    # An env nobody tuned: settings from its properties, never its name.
    cartpole_env = GymnasiumEnv("CartPole-v1")  # features, episodes cut at 500 moves
    assert cartpole_env.max_episode_steps == 500 and not cartpole_env.one_hot_observation
    cartpole = DQNConfig.for_env(cartpole_env)
    assert cartpole == DQNConfig(**untuned_settings(cartpole_env))
    assert cartpole.reward_scale == "auto" and cartpole.anneal_lr and cartpole.tau < 1
    assert cartpole.policy_average > 0
    assert cartpole.gamma == pytest.approx(1 - 1 / 500)
    assert cartpole.exploration_fraction < DQNConfig.exploration_fraction
    lake_env = GymnasiumEnv("FrozenLake8x8-v1")  # one-hot, cut at 200 moves
    assert lake_env.one_hot_observation and lake_env.max_episode_steps == 200
    lake = DQNConfig.for_env(lake_env)
    assert lake.gamma == pytest.approx(1 - 1 / 200)
    assert lake.exploration_fraction == DQNConfig.exploration_fraction
    lake_table = TabularConfig.for_env(lake_env)
    assert lake_table.gamma == lake.gamma and lake_table.step_size_power == 0.5
    unlimited = GymnasiumEnv("CliffWalking-v1")  # no time limit: the class default
    assert unlimited.max_episode_steps is None
    assert DQNConfig.for_env(unlimited).gamma == TabularConfig.for_env(unlimited).gamma == 0.99
    long = GymnasiumEnv("CartPole-v1", max_episode_steps=100_000)
    assert DQNConfig.for_env(long).gamma == pytest.approx(0.999)
    # Games with settings of their own keep them whole.
    # (the gridworld's table starts its entries at the goal's reward: learning.py)
    grid_table = games.spec("gridworld").settings_for("tabular", {})
    assert TabularConfig.for_env(games.make("gridworld")) == TabularConfig(
        **grid_table, initial_q=1.0
    )
    # The gridworld DQN's by the map's dynamics: on a slippery floor every target is a
    # sample, and the learning rate falls to 0 to average them (learning.py).
    # The Huber loss quadratic for every error of values within VALUE_BOUND there, and
    # the greedy policy on an average of the weights (the last ones follow the slips).
    for slip, anneal in ((0.0, False), (0.2, True)):
        grid_dqn = DQNConfig.for_env(games.make("gridworld", map="lake8", slippery=slip))
        assert grid_dqn.anneal_lr is anneal and grid_dqn.optimism_cap
        assert grid_dqn.huber_delta == (2 * VALUE_BOUND if slip else 1.0)
        assert grid_dqn.policy_average == (0.05 if slip else 0.0)
    # ... and a budget that grows with the map, slippery or not.
    big = {"map": "random", "size": 16, "map_seed": 1}
    budgets = [
        DQNConfig.for_env(games.make("gridworld", **big, slippery=slip)).total_timesteps
        for slip in (0.0, 0.2)
    ]
    assert budgets == [500 * 16 * 16, 500 * 16 * 16]
    tuned = games.spec("tictactoe").settings_for("dqn", {})
    assert DQNConfig.for_env(games.make("tictactoe")) == DQNConfig(**tuned)
    invaders = DQNConfig.for_env(games.make("invaders"))
    assert invaders == DQNConfig(**games.spec("invaders").settings_for("dqn", {}))
    assert invaders.reward_scale == 0.01
    pixels = DQNConfig.for_env(games.make("invaders", obs_mode="pixels"), seed=3)
    assert pixels == DQNConfig(**PIXEL_SETTINGS, seed=3)
    with pytest.raises(games.OptionError, match="unknown DQN setting"):
        DQNConfig.for_env(games.make("tictactoe"), bogus=1)


# Issue 18's kind of map, small: every other row is pits but for one gap.
GAPS = """\
S.....#
HHHH.HH
......#
.HHHHHH
...#...
HH.HHHH
.#..G..
"""


@pytest.mark.parametrize("initial_q", [None, 0.0])
def test_gridworld_table_defaults_explore_by_optimism_alone(initial_q: float | None) -> None:
    """On a map without slips the table's entries start at the goal's reward, so the
    greedy walk tries every action of every cell it reaches: with no random moves at all
    it takes the shortest route on each of six random maps. Started at 0 (all else the
    defaults), an untried action near the goal looks worse than the route already known
    there, and the first route found is kept on some of them."""
    from qarcade.games.gridworld import solver

    all_legal = np.ones(4, bool)
    optimal = []
    for map_seed in range(6):
        env = games.make("gridworld", map="random", size=8, map_seed=map_seed)
        overrides = {} if initial_q is None else {"initial_q": initial_q}
        config = TabularConfig.for_env(env, start_e=0.0, end_e=0.0, episodes=500, **overrides)
        assert config.initial_q == (env.goal_reward if initial_q is None else initial_q)
        agent = TabularQAgent.for_env(env, config, seed=0)
        Trainer(env, agent, seed=0, episodes=config.episodes).run(episodes=config.episodes)
        policy = solver.policy_of(env, lambda obs, agent=agent: agent.act(obs, all_legal))
        optimal.append(
            solver.policy_return(env, policy) == pytest.approx(solver.optimal_return(env))
        )
    assert all(optimal) if initial_q is None else not all(optimal), optimal


@pytest.mark.slow
def test_gridworld_dqn_defaults_find_the_gaps_in_rows_of_pits(tmp_path: Path) -> None:
    """The gridworld DQN's defaults explore by count optimism: the greedy policy walks to
    the actions not yet tried, so it finds each row's gap and takes the shortest route
    within 6,000 steps, on every seed (at most 4,000 on seeds 0 to 3). Without the
    optimism (``count_bonus`` 0, all else the defaults) a random step near a row of pits
    ends the game: in as many steps the goal is rarely met (none of seeds 0 to 5 by
    6,000 steps; two of them by 20,000), so at most one of three seeds may solve it."""
    from qarcade.games.gridworld import solver

    path = tmp_path / "gaps.txt"
    path.write_text(GAPS)
    env = games.make("gridworld", map=str(path))
    all_legal = np.ones(env.num_actions, bool)

    def solved_within(steps: int, seed: int, **overrides: float) -> bool:
        config = DQNConfig.for_env(env, total_timesteps=20_000, **overrides)
        agent = DQNAgent.for_env(env, config, seed=seed)
        trainer = Trainer(env, agent, seed=seed, steps=config.total_timesteps)
        while trainer.steps < steps:
            trainer.run_steps(2_000)
            policy = solver.policy_of(env, lambda obs: agent.act(obs, all_legal))
            if solver.policy_return(env, policy) == pytest.approx(solver.optimal_return(env)):
                return True
        return False

    assert all(solved_within(6_000, seed) for seed in (0, 1))
    without = [solved_within(6_000, seed, count_bonus=0.0) for seed in (0, 1, 2)]
    assert sum(without) <= 1, without
