"""qarcade's learners on Gymnasium envs through the reverse adapter, with the settings
``for_env`` derives from each env (no per-env settings), beside Stable-Baselines3's DQN
with its defaults and with the RL Zoo's settings, same step budget, same seeds, same run.

- CartPole-v1 and Acrobot-v1 (Box observations): every tenth of the budget the greedy
  policy is scored (mean return of 10 episodes) and the best kept
  (:class:`agents.evaluation.BestPolicy`; SB3 the same way, by a callback); the kept
  policy is then played for 20 *fresh* episodes (other seeds than it was scored on), and
  that is the number reported. The last policy's is printed beside it.
- FrozenLake8x8-v1 (slippery), CliffWalking-v1, Taxi-v4 (Discrete observations, one-hot
  through the adapter): the table (its ``for_env`` budget) and the DQN (``--steps``) graded
  *exactly* from the env's transition table ``P``: the last greedy policy's success
  probability (FrozenLake) or expected return from the start distribution (CliffWalking,
  Taxi) within the time limit, against the best policy's, both by dynamic programming
  over that horizon (no discount). The RL Zoo has no DQN settings for these envs: SB3
  runs with its defaults there.

Every learner runs on every seed (``--seeds``, from ``--first-seed``); each seed's
number and seconds are printed, and one ``RESULT`` row per env and qarcade learner gives
the mean over the seeds beside SB3's, with every seed and how many met the target.

    python benchmarks/gym_envs.py                 # everything, 5 seeds (about 3 hours)
    python benchmarks/gym_envs.py --quick         # CartPole and FrozenLake, 1 seed, 50k steps
    python benchmarks/gym_envs.py --envs CartPole-v1 --learners dqn --seeds 5
    python benchmarks/gym_envs.py --envs Acrobot-v1 --learners sb3-zoo --seeds 2

Targets (issue 18): CartPole >= 475 on every seed within 100k steps; Acrobot >= -100;
FrozenLake within 0.05 of the optimal success rate (table and DQN); CliffWalking and
Taxi optimal with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
import gymnasium
import numpy as np
import torch

from qarcade.agents.base import Agent
from qarcade.agents.dqn import DQNAgent, DQNConfig
from qarcade.agents.evaluation import BestPolicy, progress_score
from qarcade.agents.tabular import UNTUNED_SETTINGS as TABLE_SETTINGS
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer
from qarcade.games.adapters.from_gymnasium import GymnasiumEnv

#: The table's budget on these envs (``for_env``'s for an env with no settings table).
TABLE_EPISODES: int = TABLE_SETTINGS["episodes"]

CONTROL = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}
#: Toy-text envs: how far below the optimum the greedy policy may be to meet the target.
TOY_TEXT = {"FrozenLake8x8-v1": 0.05, "CliffWalking-v1": 1e-6, "Taxi-v4": 1e-6}
LEARNERS = ("table", "dqn", "sb3", "sb3-zoo")
#: The RL Zoo's DQN settings, in SB3's names: rl-baselines3-zoo hyperparams/dqn.yml
#: (github.com/DLR-RM/rl-baselines3-zoo, read at commit 22e3ff2). It has none for the
#: toy-text envs.
ZOO: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(
        learning_rate=2.3e-3,
        batch_size=64,
        buffer_size=100_000,
        learning_starts=1_000,
        gamma=0.99,
        target_update_interval=10,
        train_freq=256,
        gradient_steps=128,
        exploration_fraction=0.16,
        exploration_final_eps=0.04,
        policy_kwargs=dict(net_arch=[256, 256]),
    ),
    "Acrobot-v1": dict(
        learning_rate=6.3e-4,
        batch_size=128,
        buffer_size=50_000,
        learning_starts=0,
        gamma=0.99,
        target_update_interval=250,
        train_freq=4,
        gradient_steps=-1,
        exploration_fraction=0.12,
        exploration_final_eps=0.1,
        policy_kwargs=dict(net_arch=[256, 256]),
    ),
}
#: Fresh episodes the kept policy is played for (seeds from FRESH_SEED), and the
#: episodes each of the ten scores during training plays (seeds from SCORE_SEED).
EVAL_EPISODES, FRESH_SEED = 20, 10_000
SCORE_EPISODES, SCORE_SEED = 10, 1_000_000
NAMES = {
    "table": "table, for_env defaults",
    "dqn": "DQN, for_env defaults",
    "sb3": "SB3 DQN, defaults",
    "sb3-zoo": "SB3 DQN, RL Zoo settings",
}


@dataclass
class Run:
    """One learner on one seed: its score, the seconds it trained, and a remark."""

    score: float
    seconds: float
    remark: str = ""


def result(row: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(row), flush=True)


def budget_config(env: GymnasiumEnv, steps: int) -> DQNConfig:
    """``for_env``'s settings with ``steps`` as the budget the learning rate anneals over
    (the trainer's epsilon schedule runs over the same ``steps``)."""
    return DQNConfig.for_env(env, total_timesteps=steps)


# ----------------------------------------------------------------- control envs
def mean_return(env_id: str, act: Callable[[np.ndarray], int], episodes: int, seed: int) -> float:
    """The mean return of ``act`` over ``episodes`` episodes seeded from ``seed``."""
    env = gymnasium.make(env_id)
    total = 0.0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        done = False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(act(obs))
            total += float(reward)
            done = terminated or truncated
    return total / episodes


def dqn_control(env_id: str, seed: int, steps: int) -> Run:
    """Our DQN with ``for_env`` settings; the kept policy's return on fresh episodes."""
    tic = time.perf_counter()
    env = GymnasiumEnv(env_id)
    agent = DQNAgent.for_env(env, budget_config(env, steps), seed=seed)
    trainer = Trainer(env, agent, seed=seed, steps=steps)
    scoring = progress_score(env)
    assert scoring is not None  # a one-player env always has one
    best = BestPolicy(agent, scoring[1])
    for _ in range(10):
        trainer.run_steps(steps // 10)
        best.offer(trainer.steps)
    seconds = time.perf_counter() - tic
    mask = np.ones(env.num_actions, bool)

    def act(obs: np.ndarray) -> int:
        return agent.act(np.asarray(obs, np.float32), mask)

    last = mean_return(env_id, act, EVAL_EPISODES, FRESH_SEED)
    best.restore()
    kept = mean_return(env_id, act, EVAL_EPISODES, FRESH_SEED)
    return Run(kept, seconds, f"kept from step {best.best_step:,}, last policy {last:.1f}")


def sb3_control(env_id: str, seed: int, steps: int, settings: dict[str, Any]) -> Run:
    """SB3's DQN, its greedy policy kept and played as ours is (:func:`dqn_control`)."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    tic = time.perf_counter()
    model = DQN("MlpPolicy", env_id, seed=seed, device="cpu", **settings)

    def act(obs: np.ndarray) -> int:
        return int(model.predict(obs, deterministic=True)[0])

    class Keep(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.best, self.step, self.state = -np.inf, 0, None

        def _on_step(self) -> bool:
            if self.num_timesteps % (steps // 10) == 0:
                score = mean_return(env_id, act, SCORE_EPISODES, SCORE_SEED)
                if score > self.best:
                    self.best, self.step = score, self.num_timesteps
                    self.state = {k: v.clone() for k, v in model.policy.state_dict().items()}
            return True

    keep = Keep()
    model.learn(total_timesteps=steps, callback=keep)
    seconds = time.perf_counter() - tic
    last = mean_return(env_id, act, EVAL_EPISODES, FRESH_SEED)
    if keep.state is not None:
        model.policy.load_state_dict(keep.state)
    kept = mean_return(env_id, act, EVAL_EPISODES, FRESH_SEED)
    return Run(kept, seconds, f"kept from step {keep.step:,}, last policy {last:.1f}")


# ----------------------------------------------------------------- toy-text envs
def exact_values(
    env_id: str, policy: np.ndarray | None, horizon: int, success: bool
) -> tuple[float, float]:
    """Expected undiscounted return (or success probability) from the start
    distribution within ``horizon`` steps: following ``policy`` (one action per state) or
    the best policy (``None``). Returns (policy's value, optimum)."""
    unwrapped: Any = gymnasium.make(env_id).unwrapped
    P, start = unwrapped.P, np.asarray(unwrapped.initial_state_distrib)
    n, a = len(P), len(P[0])

    def value(actions: np.ndarray | None) -> float:
        v = np.zeros(n)
        for _ in range(horizon):
            q = np.zeros((n, a))
            for s in range(n):
                for action in range(a):
                    for prob, nxt, reward, done in P[s][action]:
                        gain = float(reward > 0) if success else float(reward)
                        q[s, action] += prob * (gain + (0.0 if done else v[nxt]))
            v = q.max(1) if actions is None else q[np.arange(n), actions]
        return float(start @ v)

    return value(policy), value(None)


def horizon_of(env_id: str) -> int:
    """The episode limit the exact grade uses: the env's, else 200 moves."""
    return GymnasiumEnv(env_id).max_episode_steps or 200


def greedy_policy(act: Callable[[np.ndarray], int], num_states: int) -> np.ndarray:
    """The action ``act`` takes in every state, given one-hot observations."""
    return np.array([act(np.eye(num_states, dtype=np.float32)[s]) for s in range(num_states)])


def ours_toy_text(env_id: str, learner: str, seed: int, steps: int) -> tuple[Run, float]:
    """Our table or DQN with for_env settings: (its exact value, seconds), the optimum."""
    env = GymnasiumEnv(env_id)
    tic = time.perf_counter()
    agent: Agent
    if learner == "table":
        table = TabularQAgent.for_env(env, seed=seed)
        Trainer(env, table, seed=seed, episodes=table.config.episodes).run()
        agent = table
    else:
        agent = DQNAgent.for_env(env, budget_config(env, steps), seed=seed)
        Trainer(env, agent, seed=seed, steps=steps).run_steps(steps)
    seconds = time.perf_counter() - tic
    mask = np.ones(env.num_actions, bool)
    policy = greedy_policy(lambda obs: agent.act(obs, mask), env.observation_shape[0])
    mine, best = exact_values(env_id, policy, horizon_of(env_id), env_id.startswith("FrozenLake"))
    return Run(mine, seconds), best


def sb3_toy_text(env_id: str, seed: int, steps: int) -> tuple[Run, float]:
    """SB3's DQN (defaults) on the one-hot observations our learners see."""
    from stable_baselines3 import DQN

    num_states = int(gymnasium.make(env_id).observation_space.n)  # type: ignore[attr-defined]
    one_hot = np.eye(num_states, dtype=np.float32)
    env = gymnasium.wrappers.TransformObservation(
        gymnasium.make(env_id),
        lambda s: one_hot[s],
        gymnasium.spaces.Box(0.0, 1.0, (num_states,), np.float32),
    )
    tic = time.perf_counter()
    model = DQN("MlpPolicy", env, seed=seed, device="cpu")
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - tic
    policy = greedy_policy(lambda obs: int(model.predict(obs, deterministic=True)[0]), num_states)
    mine, best = exact_values(env_id, policy, horizon_of(env_id), env_id.startswith("FrozenLake"))
    return Run(mine, seconds), best


# ----------------------------------------------------------------- the table rows
def run_env(env_id: str, learners: list[str], seeds: list[int], steps: int) -> None:
    """Every learner of ``learners`` that fits ``env_id`` on every seed; prints each run
    and one RESULT row per qarcade learner."""
    control = env_id in CONTROL
    fits = ["dqn", "sb3", "sb3-zoo"] if control else ["table", "dqn", "sb3"]
    if env_id not in ZOO and "sb3-zoo" in learners and control:
        fits.remove("sb3-zoo")
    runs: dict[str, list[Run]] = {}
    optimum = None
    for learner in [name for name in LEARNERS if name in learners and name in fits]:
        runs[learner] = []
        for seed in seeds:
            if control:
                run = (
                    dqn_control(env_id, seed, steps)
                    if learner == "dqn"
                    else sb3_control(
                        env_id, seed, steps, ZOO[env_id] if learner == "sb3-zoo" else {}
                    )
                )
            elif learner == "sb3":
                run, optimum = sb3_toy_text(env_id, seed, steps)
            else:
                run, optimum = ours_toy_text(env_id, learner, seed, steps)
            runs[learner].append(run)
            remark = f" ({run.remark})" if run.remark else ""
            print(
                f"{env_id} {NAMES[learner]} seed {seed}: {run.score:.4g}{remark}, "
                f"{run.seconds:.0f} s",
                flush=True,
            )
    if control:
        bar, unit = CONTROL[env_id], "return"
        what = f"kept greedy policy's mean return on {EVAL_EPISODES} fresh episodes"
        goal = f">= {bar:g}"
    else:
        assert optimum is not None
        frozen = env_id.startswith("FrozenLake")
        bar = optimum - TOY_TEXT[env_id]
        unit = "success rate" if frozen else "expected return"
        what = f"greedy policy's {unit} (exact)"
        goal = (
            f"within {TOY_TEXT[env_id]:g} of the optimum {optimum:.4f}"
            if frozen
            else (f"optimal ({optimum:.4f})")
        )
    for learner in ("table", "dqn"):
        if learner not in runs:
            continue
        mine = runs[learner]
        scores = [r.score for r in mine]
        met = sum(s >= bar for s in scores)
        anchor_name = "sb3-zoo" if "sb3-zoo" in runs else "sb3"
        anchor = runs.get(anchor_name)
        others = [
            f"{NAMES[n]}: mean {statistics.mean(r.score for r in rs):.4g}, seeds "
            f"{[round(r.score, 4) for r in rs]}, {statistics.mean(r.seconds for r in rs):.0f} s"
            for n, rs in runs.items()
            if n.startswith("sb3")
        ]
        result(
            {
                "what": f"{env_id}, {NAMES[learner]}: {what}, {steps:,} steps"
                if learner == "dqn"
                else f"{env_id}, {NAMES[learner]}: {what}, {TABLE_EPISODES:,} episodes",
                "ours": round(statistics.mean(scores), 4),
                "unit": unit,
                "anchor": round(statistics.mean(r.score for r in anchor), 4) if anchor else None,
                "anchor_name": f"{NAMES[anchor_name]} (same seeds)",
                "note": (
                    f"seeds {seeds[0]}-{seeds[-1]}: {[round(s, 4) for s in scores]}; "
                    f"{met}/{len(scores)} {goal}; "
                    f"{statistics.mean(r.seconds for r in mine):.0f} s a seed"
                    + "".join(f"; {o}" for o in others)
                ),
            }
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", default=",".join([*CONTROL, *TOY_TEXT]))
    parser.add_argument(
        "--learners", default=",".join(LEARNERS), help=f"some of {', '.join(LEARNERS)}"
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds of every learner")
    parser.add_argument("--first-seed", type=int, default=0, help="the first of those seeds")
    parser.add_argument("--steps", type=int, default=100_000, help="DQN and SB3 step budget")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="CartPole and FrozenLake, one seed, 50,000 steps, SB3 defaults only",
    )
    args = parser.parse_args()
    if args.quick:
        args.envs, args.seeds, args.steps = "CartPole-v1,FrozenLake8x8-v1", 1, 50_000
        args.learners = "table,dqn,sb3"
    learners = args.learners.split(",")
    unknown = [n for n in learners if n not in LEARNERS] + [
        e for e in args.envs.split(",") if e not in CONTROL and e not in TOY_TEXT
    ]
    if unknown:
        raise SystemExit(
            f"unknown {', '.join(map(repr, unknown))}: envs are "
            f"{', '.join([*CONTROL, *TOY_TEXT])}; learners {', '.join(LEARNERS)}"
        )
    torch.set_num_threads(1)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    for env_id in args.envs.split(","):
        run_env(env_id, learners, seeds, args.steps)


if __name__ == "__main__":
    main()
