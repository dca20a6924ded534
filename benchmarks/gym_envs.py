"""qarcade's learners on Gymnasium envs through the reverse adapter, with the defaults
``for_env`` picks (no per-env settings), beside Stable-Baselines3's DQN in the same run.

- CartPole-v1 and Acrobot-v1 (Box observations): the DQN on several seeds for
  ``--steps``; every tenth of the budget its greedy policy is scored (mean return of 10
  episodes) and the best kept (:class:`agents.evaluation.BestPolicy`); the kept policy is
  then played for 20 fresh episodes. SB3's DQN with its defaults and with the RL Zoo's
  settings (rl-baselines3-zoo ``hyperparams/dqn.yml``), one seed each, same budget,
  scored the same way.
- FrozenLake8x8-v1 (slippery), CliffWalking-v1, Taxi-v4 (Discrete observations, one-hot
  through the adapter): the table (and the DQN on FrozenLake) graded *exactly* from the
  env's transition table ``P``: the greedy policy's success probability (FrozenLake) or
  expected return from the start distribution (CliffWalking, Taxi) within the time limit,
  against the optimum's, by dynamic programming. SB3's DQN (defaults) beside each.

    python benchmarks/gym_envs.py                       # everything (long)
    python benchmarks/gym_envs.py --envs CartPole-v1 --seeds 2 --steps 50000
    python benchmarks/gym_envs.py --envs FrozenLake8x8-v1,Taxi-v4 --no-sb3

Targets (issue 18): CartPole >= 475 on every seed within 100k steps; Acrobot >= -100;
FrozenLake within 0.05 of the optimal success rate (table and DQN); CliffWalking and
Taxi optimal with the table.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
import gymnasium
import numpy as np
import torch

from qarcade.agents.base import Agent
from qarcade.agents.dqn import DQNAgent
from qarcade.agents.evaluation import BestPolicy, progress_score
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer
from qarcade.games.adapters.from_gymnasium import GymnasiumEnv

CONTROL = {"CartPole-v1": 475.0, "Acrobot-v1": -100.0}
TOY_TEXT = ("FrozenLake8x8-v1", "CliffWalking-v1", "Taxi-v4")
#: The RL Zoo's DQN settings (rl-baselines3-zoo, hyperparams/dqn.yml), in SB3's names.
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
EVAL_EPISODES = 20


def result(row: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(row), flush=True)


# ----------------------------------------------------------------- control envs
def mean_return(env_id: str, act: Any, episodes: int, seed: int) -> float:
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


def dqn_control(env_id: str, seed: int, steps: int) -> tuple[float, float, int]:
    """(kept policy's mean return, last policy's, step the kept one was scored at)."""
    env = GymnasiumEnv(env_id)
    agent = DQNAgent.for_env(env, seed=seed)
    trainer = Trainer(env, agent, seed=seed, steps=steps)
    _, score = progress_score(env)  # type: ignore[misc]
    best = BestPolicy(agent, score)
    for _ in range(10):
        trainer.run_steps(steps // 10)
        best.offer(trainer.steps)
    mask = np.ones(env.num_actions, bool)

    def act(obs: np.ndarray) -> int:
        return agent.act(np.asarray(obs, np.float32), mask)

    last = mean_return(env_id, act, EVAL_EPISODES, 10_000)
    best.restore()
    kept = mean_return(env_id, act, EVAL_EPISODES, 10_000)
    return kept, last, int(best.best_step or 0)


def sb3_control(env_id: str, seed: int, steps: int, settings: dict[str, Any]) -> float:
    """SB3's DQN: the best of its ten greedy scores, played for 20 fresh episodes (as ours)."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    model = DQN("MlpPolicy", env_id, seed=seed, device="cpu", **settings)

    def act(obs: np.ndarray) -> int:
        return int(model.predict(obs, deterministic=True)[0])

    class Keep(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.best, self.state = -np.inf, None

        def _on_step(self) -> bool:
            if self.num_timesteps % (steps // 10) == 0:
                score = mean_return(env_id, act, 10, 1_000_000)
                if score > self.best:
                    self.best = score
                    self.state = {k: v.clone() for k, v in model.policy.state_dict().items()}
            return True

    keep = Keep()
    model.learn(total_timesteps=steps, callback=keep)
    if keep.state is not None:
        model.policy.load_state_dict(keep.state)
    return mean_return(env_id, act, EVAL_EPISODES, 10_000)


# ----------------------------------------------------------------- toy-text envs
def exact_values(
    env_id: str, policy: np.ndarray | None, horizon: int, success: bool
) -> tuple[float, float]:
    """Expected undiscounted return (or success probability) from the start
    distribution within ``horizon`` steps: following ``policy`` (one action per state) or
    the best policy (``None``). Returns (policy's value, optimum)."""
    unwrapped = gymnasium.make(env_id).unwrapped
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


def greedy_table_policy(agent: Agent, env: GymnasiumEnv) -> np.ndarray:
    mask = np.ones(env.num_actions, bool)
    n = env.observation_shape[0]
    return np.array([agent.act(np.eye(n, dtype=np.float32)[s], mask) for s in range(n)])


def toy_text(env_id: str, learner: str, seed: int, steps: int) -> tuple[float, float, float]:
    """(greedy value, optimum, seconds) for our table or DQN with for_env defaults."""
    env = GymnasiumEnv(env_id)
    horizon = env.gym_env.spec.max_episode_steps or 200
    success = env_id.startswith("FrozenLake")
    tic = time.perf_counter()
    if learner == "table":
        agent: Agent = TabularQAgent.for_env(env, seed=seed)
        Trainer(env, agent, seed=seed, episodes=agent.config.episodes).run()  # type: ignore[attr-defined]
    else:
        agent = DQNAgent.for_env(env, seed=seed)
        Trainer(env, agent, seed=seed, steps=steps).run_steps(steps)
    seconds = time.perf_counter() - tic
    mine, best = exact_values(env_id, greedy_table_policy(agent, env), horizon, success)
    return mine, best, seconds


def sb3_toy_text(env_id: str, seed: int, steps: int) -> tuple[float, float]:
    from stable_baselines3 import DQN

    env = gymnasium.wrappers.TransformObservation(
        gymnasium.make(env_id),
        lambda s: np.eye(gymnasium.make(env_id).observation_space.n, dtype=np.float32)[s],
        gymnasium.spaces.Box(0.0, 1.0, (gymnasium.make(env_id).observation_space.n,), np.float32),
    )
    model = DQN("MlpPolicy", env, seed=seed, device="cpu")
    model.learn(total_timesteps=steps)
    n = env.observation_space.shape[0]
    policy = np.array(
        [
            int(model.predict(np.eye(n, dtype=np.float32)[s], deterministic=True)[0])
            for s in range(n)
        ]
    )
    horizon = gymnasium.make(env_id).spec.max_episode_steps or 200
    return exact_values(env_id, policy, horizon, env_id.startswith("FrozenLake"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", default=",".join([*CONTROL, *TOY_TEXT]))
    parser.add_argument("--seeds", type=int, default=5, help="DQN seeds on the control envs")
    parser.add_argument("--first-seed", type=int, default=0, help="the first of those seeds")
    parser.add_argument("--steps", type=int, default=100_000, help="DQN and SB3 step budget")
    parser.add_argument("--no-sb3", action="store_true", help="skip Stable-Baselines3")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for env_id in args.envs.split(","):
        if env_id in CONTROL:
            target = CONTROL[env_id]
            kept = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                tic = time.perf_counter()
                score, last, step = dqn_control(env_id, seed, args.steps)
                kept.append(score)
                print(
                    f"{env_id} DQN seed {seed}: kept policy {score:.1f} (scored at step "
                    f"{step:,}), last policy {last:.1f}, {time.perf_counter() - tic:.0f} s",
                    flush=True,
                )
            anchors = {}
            if not args.no_sb3:
                for name, settings in (("defaults", {}), ("RL Zoo", ZOO.get(env_id, {}))):
                    anchors[name] = sb3_control(env_id, 0, args.steps, settings)
                    print(f"{env_id} SB3 DQN {name}: {anchors[name]:.1f}", flush=True)
            met = sum(s >= target for s in kept)
            result(
                {
                    "what": f"{env_id}: worst seed's greedy return, DQN for_env defaults",
                    "ours": round(min(kept), 1),
                    "unit": "return",
                    "anchor": round(anchors["RL Zoo"], 1) if "RL Zoo" in anchors else None,
                    "anchor_name": "SB3 DQN, RL Zoo settings (1 seed)",
                    "note": (
                        f"{met}/{len(kept)} seeds >= {target:g} within {args.steps:,} steps; "
                        f"seeds {[round(s, 1) for s in kept]}; SB3 defaults "
                        f"{anchors.get('defaults', float('nan')):.1f}"
                    ),
                }
            )
        elif env_id in TOY_TEXT:
            learners = ["table"] + (["dqn"] if env_id.startswith("FrozenLake") else [])
            sb3 = None if args.no_sb3 else sb3_toy_text(env_id, 0, args.steps)
            for learner in learners:
                mine, best, seconds = toy_text(env_id, learner, 0, args.steps)
                frozen = env_id.startswith("FrozenLake")
                what = "success rate" if frozen else "expected return"
                goal = "within 0.05 of it" if frozen else "it"
                print(
                    f"{env_id} {learner}: greedy {what} {mine:.4f}, optimum {best:.4f} "
                    f"({seconds:.0f} s); SB3 defaults {sb3[0] if sb3 else float('nan'):.4f}",
                    flush=True,
                )
                result(
                    {
                        "what": f"{env_id}: greedy {what} (exact), {learner}",
                        "ours": round(mine, 4),
                        "unit": what,
                        "anchor": round(sb3[0], 4) if sb3 else None,
                        "anchor_name": "SB3 DQN defaults",
                        "note": f"exact optimum {best:.4f} (target: {goal})",
                    }
                )
        else:
            raise SystemExit(
                f"unknown env {env_id!r}; choose from {', '.join([*CONTROL, *TOY_TEXT])}"
            )


if __name__ == "__main__":
    main()
