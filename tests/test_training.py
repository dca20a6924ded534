"""The one training loop: which transitions it makes in each mode, its counters and
metrics, and that self-play learns a game whose answer is known (Nim)."""

from __future__ import annotations

import dataclasses
import json
from typing import ClassVar

import numpy as np
import pytest
from toy_envs import ChainEnv, NimEnv

from qarcade import games
from qarcade.agents.base import Agent, Transition
from qarcade.agents.evaluation import play_episode
from qarcade.agents.random_agent import RandomAgent
from qarcade.agents.schedules import EpsilonSchedule
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import Trainer


class Recorder(Agent):
    """Plays at random and keeps every transition and episode end it is given."""

    name: ClassVar[str] = "recorder"
    learns: ClassVar[bool] = True

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.transitions: list[Transition] = []
        self.episode_ends = 0
        # A learner's face (agents.kinds.Learner): it always explores.
        self.config = TabularConfig(start_e=1.0, end_e=1.0)
        self.epsilon = 1.0
        self.learning_rate = 0.0

    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        return int(self.rng.choice(np.flatnonzero(mask)))

    def learn(self, transition: Transition) -> dict[str, float]:
        self.transitions.append(transition)
        return {"loss": 0.5}

    def end_episode(self) -> dict[str, float]:
        self.episode_ends += 1
        return {}


def stones_of(obs: np.ndarray) -> int:
    return int(np.argmax(obs))


def test_self_play_transitions_flip_and_tell_the_loser() -> None:
    env, agent = NimEnv(stones=5), Recorder()
    trainer = Trainer(env, agent, seed=0)
    trainer.run(episodes=50)
    assert agent.episode_ends == 50
    ts = agent.transitions
    assert all(t.flip for t in ts)
    # Every move becomes exactly one transition, the loser's last one included.
    assert len(ts) == trainer.steps
    for t in ts:
        taken = t.action + 1
        if t.terminated:
            # The winner took the last stones (+1); the loser's last move is told -1.
            assert t.reward in (1.0, -1.0)
            if t.reward == 1.0:
                assert stones_of(t.obs) == taken
            else:
                assert 0 < stones_of(t.obs) - taken <= 3
        else:
            assert t.reward == 0.0
            # next_obs is the opponent's position right after this move.
            assert stones_of(t.next_obs) == stones_of(t.obs) - taken
            assert t.next_mask.tolist() == (np.arange(3) < stones_of(t.next_obs)).tolist()
    terminal = [t for t in ts if t.terminated]
    assert sorted({t.reward for t in terminal}) == [-1.0, 1.0]
    assert len(terminal) == 2 * 50


def test_fixed_opponent_transitions_span_the_reply() -> None:
    env, agent = NimEnv(stones=7), Recorder()
    trainer = Trainer(env, agent, opponent=RandomAgent(1), seed=0)
    seen = []
    trainer.callbacks.append(lambda _trainer, stats: seen.append(stats))
    trainer.run(episodes=40)
    ts = agent.transitions
    assert ts and not any(t.flip for t in ts)
    for t in ts:
        if not t.terminated:
            # Learner moved, the opponent replied: the learner is to move again.
            left = stones_of(t.obs) - (t.action + 1)
            assert 1 <= left - stones_of(t.next_obs) <= 3
            assert t.reward == 0.0
        else:
            assert t.reward in (1.0, -1.0)
    # The learner changes seat every episode, and loses some games to the opponent,
    # which it learns as a -1 on its last move.
    assert {s.seat for s in seen} == {0, 1}
    assert -1.0 in {t.reward for t in ts if t.terminated}
    assert {s.outcome for s in seen} == {-1, 1}


def test_truncation_bootstraps_with_every_action() -> None:
    env = ChainEnv(length=30, max_steps=5)
    agent = Recorder()
    trainer = Trainer(env, agent, seed=0)
    stats = None
    while stats is None:
        stats = trainer.step()
    assert stats.steps == 5 and not stats.terminated
    last = agent.transitions[-1]
    assert not last.terminated and last.next_mask.all()


def test_counters_metrics_callbacks_and_schedule() -> None:
    env = ChainEnv()
    config = TabularConfig(start_e=1.0, end_e=0.1, exploration_fraction=0.5)
    agent = TabularQAgent(2, config=config, seed=0)
    trainer = Trainer(env, agent, seed=3, episodes=100)
    seen = []
    trainer.callbacks.append(lambda _t, stats: seen.append(stats))
    trainer.run()
    assert trainer.episodes == 100 == len(seen) == len(trainer.metrics.returns)
    assert trainer.steps == sum(s.steps for s in seen) == seen[-1].total_steps
    assert seen[0].epsilon == pytest.approx(1.0)
    assert seen[-1].epsilon == pytest.approx(0.1)
    assert trainer.metrics.recent_loss() is not None
    # The greedy policy is optimal: 5 steps right, 4 of them costing 0.01. (The last
    # training episode still explores with epsilon 0.1, so its return may be less.)
    assert play_episode(ChainEnv(), agent, seed=0).ret == pytest.approx(0.96)
    json.dumps(trainer.state_dict())
    before = trainer.steps
    trainer.run_steps(7)
    assert trainer.steps == before + 7


def test_epsilon_schedule() -> None:
    schedule = EpsilonSchedule(1.0, 0.1, 0.5)
    assert schedule(0.0) == 1.0
    assert schedule(0.25) == pytest.approx(0.55)
    assert schedule(0.5) == schedule(0.9) == 0.1
    assert EpsilonSchedule(0.3, 0.3, 0.0)(0.0) == 0.3


def test_trainer_refuses_non_learners_and_lone_opponents() -> None:
    with pytest.raises(ValueError, match="do not learn"):
        Trainer(NimEnv(), RandomAgent(0))
    with pytest.raises(ValueError, match="two-player"):
        Trainer(ChainEnv(), TabularQAgent(2), opponent=RandomAgent(0))


NIM_CONFIG = TabularConfig(
    learning_rate=0.5, gamma=0.99, start_e=1.0, end_e=1.0, exploration_fraction=0.0
)


@pytest.mark.parametrize("backward_replay", [False, True])
def test_self_play_learns_nim(backward_replay: bool) -> None:
    """Winning positions (stones % 4 != 0) must take stones % 4. A learner whose
    self-play target has the wrong sign (r + gamma max instead of r - gamma max) or
    whose loser never learns its loss fails this."""
    env = NimEnv(stones=11)
    config = dataclasses.replace(NIM_CONFIG, backward_replay=backward_replay)
    agent = TabularQAgent(3, config=config, seed=0)
    Trainer(env, agent, seed=0).run(episodes=3000)
    for stones in range(1, 12):
        q = agent.q_values(env.obs_for(stones), np.arange(3) < stones)
        if stones % 4:
            assert int(np.argmax(q)) == stones % 4 - 1, (stones, q)
            assert q.max() > 0
        else:
            assert q.max() < 0, (stones, q)


def test_learning_against_a_fixed_opponent() -> None:
    env = games.make("tictactoe")
    # The random replies make the game stochastic: a small learning rate averages them.
    config = TabularConfig(learning_rate=0.1, end_e=0.1, explore_least_tried=True)
    agent = TabularQAgent.for_env(env, config, seed=0)
    Trainer(env, agent, opponent=RandomAgent(1), seed=0, episodes=10_000).run()
    from qarcade.agents.evaluation import play_matches

    # A random player loses about 29% of its games as X and 58% as O.
    as_x, as_o = play_matches(env, agent, RandomAgent(5), games=200, seed=1)
    assert as_x["loss"] <= 0.03 and as_x["win"] >= 0.85, as_x
    assert as_o["loss"] <= 0.10, as_o
