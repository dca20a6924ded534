"""DQN training speed beside Stable-Baselines3's DQN, on the same gridworld, in one run.

Ours runs twice: by its fast path (the default) and by its reference path, which reads
like CleanRL (``fast_path=False``; :mod:`agents.dqn_update`). All three get the same
network (an MLP with ReLU hidden layers), batch size, train
frequency, target-network update, learning rate, buffer, discount, exploration schedule
and gradient clipping; SB3 sees the gridworld through qarcade's Gymnasium adapter. Runs
alternate (fast, reference, SB3, fast, ...) so load on a shared machine hits all alike.
For each run it prints:

- training throughput in env steps per second (evaluation time excluded), and
- wall time (and steps) until the greedy policy is first optimal: every ``--eval-every``
  steps the greedy action of every cell is read off the Q-network and graded exactly by
  :func:`games.gridworld.solver.policy_return` against :func:`optimal_return` (value
  iteration over the env's dynamics). The clock stops while grading.

    python benchmarks/dqn_speed.py [--map lake8] [--steps N] [--repeats 3] [--set JSON]

SB3 is a benchmark-only dependency (``pip install -e ".[bench]"``). Torch runs on one
thread for both (faster for networks this small, and fair on a shared machine).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch

from qarcade import games
from qarcade.agents.dqn import DQNAgent, DQNConfig
from qarcade.agents.training import Trainer
from qarcade.games.gridworld.env import GridWorldEnv
from qarcade.games.gridworld.solver import optimal_return, policy_of, policy_return


@dataclass
class RunResult:
    """One training run's numbers."""

    learner: str
    seed: int
    steps: int
    train_seconds: float
    cpu_seconds: float
    solved_step: int | None
    solved_seconds: float | None
    final_optimal: bool

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.train_seconds

    @property
    def steps_per_cpu_second(self) -> float:
        return self.steps / self.cpu_seconds


#: Settings given with ``--set`` on top of the gridworld defaults (both learners get them).
OVERRIDES: dict[str, object] = {}


def shared_config(steps: int, seed: int) -> DQNConfig:
    """Our gridworld defaults (plus ``--set``), which SB3 also gets, with the step budget
    and seed. ``initial_q`` has no SB3 counterpart: SB3 starts from its usual init."""
    values = {**OVERRIDES, "total_timesteps": steps, "seed": seed, "device": "cpu"}
    return DQNConfig.for_env(games.make("gridworld"), **values)


class Grader:
    """Grades a greedy policy exactly and keeps the training clock stopped meanwhile."""

    def __init__(self, map_name: str) -> None:
        self.env: GridWorldEnv = games.make("gridworld", map=map_name)  # type: ignore[assignment]
        self.optimum = optimal_return(self.env)
        self.mask = np.ones(self.env.num_actions, dtype=bool)

    def is_optimal(self, act: Callable[[np.ndarray], int]) -> bool:
        policy = policy_of(self.env, act)
        return abs(policy_return(self.env, policy) - self.optimum) < 1e-9


def run_ours(
    map_name: str, steps: int, seed: int, eval_every: int, *, fast_path: bool = True
) -> RunResult:
    grader = Grader(map_name)
    env = games.make("gridworld", map=map_name)
    config = dataclasses.replace(shared_config(steps, seed), fast_path=fast_path)
    agent = DQNAgent.for_env(env, config)
    trainer = Trainer(env, agent, seed=seed, steps=steps)

    def act(obs: np.ndarray) -> int:
        return agent.act(obs, grader.mask)

    train_seconds, cpu_seconds, solved_step, solved_seconds = 0.0, 0.0, None, None
    while trainer.steps < steps:
        start, cpu_start = time.perf_counter(), time.process_time()
        trainer.run_steps(min(eval_every, steps - trainer.steps))
        train_seconds += time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu_start
        if solved_step is None and grader.is_optimal(act):
            solved_step, solved_seconds = trainer.steps, train_seconds
    return RunResult(
        "qarcade" if fast_path else "qarcade-reference",
        seed,
        steps,
        train_seconds,
        cpu_seconds,
        solved_step,
        solved_seconds,
        grader.is_optimal(act),
    )


def run_sb3(map_name: str, steps: int, seed: int, eval_every: int) -> RunResult:
    import gymnasium
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    import qarcade.games.adapters.gymnasium  # noqa: F401  (registers the qarcade/ ids)

    grader = Grader(map_name)
    c = shared_config(steps, seed)
    model = DQN(
        "MlpPolicy",
        gymnasium.make("qarcade/GridWorld-v0", map=map_name),
        learning_rate=c.learning_rate,
        buffer_size=c.buffer_size,
        learning_starts=c.learning_starts,
        batch_size=c.batch_size,
        tau=c.tau,
        gamma=c.gamma,
        train_freq=c.train_frequency,
        gradient_steps=1,
        target_update_interval=c.target_network_frequency,
        exploration_fraction=c.exploration_fraction,
        exploration_initial_eps=c.start_e,
        exploration_final_eps=c.end_e,
        max_grad_norm=c.max_grad_norm,
        policy_kwargs={"net_arch": list(c.hidden_sizes)},
        seed=seed,
        device="cpu",
    )

    def act(obs: np.ndarray) -> int:
        with torch.no_grad():
            return int(model.q_net(torch.tensor(obs).unsqueeze(0)).argmax())

    class Clock(BaseCallback):
        """Stops the clock for grading every ``eval_every`` steps."""

        def __init__(self) -> None:
            super().__init__()
            self.paused = 0.0
            self.cpu_paused = 0.0
            self.start = time.perf_counter()
            self.cpu_start = time.process_time()
            self.solved_step: int | None = None
            self.solved_seconds: float | None = None

        def _on_step(self) -> bool:
            if self.solved_step is None and self.num_timesteps % eval_every == 0:
                pause, cpu_pause = time.perf_counter(), time.process_time()
                if grader.is_optimal(act):
                    self.solved_step = self.num_timesteps
                    self.solved_seconds = pause - self.start - self.paused
                self.paused += time.perf_counter() - pause
                self.cpu_paused += time.process_time() - cpu_pause
            return True

    clock = Clock()
    model.learn(total_timesteps=steps, callback=clock)
    train_seconds = time.perf_counter() - clock.start - clock.paused
    cpu_seconds = time.process_time() - clock.cpu_start - clock.cpu_paused
    return RunResult(
        "sb3",
        seed,
        steps,
        train_seconds,
        cpu_seconds,
        clock.solved_step,
        clock.solved_seconds,
        grader.is_optimal(act),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--map", default="lake8", help="gridworld map (default lake8)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per learner (seeds 0..)")
    parser.add_argument("--eval-every", type=int, default=500, help="steps between gradings")
    parser.add_argument(
        "--set", default="{}", help="settings for both as JSON, e.g. '{\"learning_rate\": 1e-3}'"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    OVERRIDES.update(json.loads(args.set))
    steps = args.steps or DQNConfig.for_env(games.make("gridworld"), **OVERRIDES).total_timesteps
    c = shared_config(steps, 0)
    print(
        f"gridworld {args.map}: {steps} steps per run; shared settings: MLP "
        f"{list(c.hidden_sizes)}, batch {c.batch_size}, train every {c.train_frequency}, "
        f"target every {c.target_network_frequency}, lr {c.learning_rate}, "
        f"learning starts {c.learning_starts}, epsilon {c.start_e}->{c.end_e} over "
        f"{c.exploration_fraction:.0%}, buffer {c.buffer_size}, gamma {c.gamma}; ours also "
        f"initial_q {c.initial_q}; optimum {Grader(args.map).optimum:.2f}"
    )
    results: dict[str, list[RunResult]] = {"qarcade": [], "qarcade-reference": [], "sb3": []}
    reference = functools.partial(run_ours, fast_path=False)
    for seed in range(args.repeats):
        for run in (run_ours, reference, run_sb3):
            result = run(args.map, steps, seed, args.eval_every)
            results[result.learner].append(result)
            solved = (
                f"optimal at step {result.solved_step} after {result.solved_seconds:.2f} s"
                if result.solved_step is not None
                else "never optimal"
            )
            print(
                f"  {result.learner:17s} seed {seed}: {result.steps_per_second:7.0f} steps/s "
                f"({result.steps_per_cpu_second:.0f} per CPU second), "
                f"{solved}; final policy {'optimal' if result.final_optimal else 'NOT optimal'}"
            )
    print("median over seeds:")
    medians = {}
    for learner, runs in results.items():
        speed = statistics.median(r.steps_per_second for r in runs)
        cpu_speed = statistics.median(r.steps_per_cpu_second for r in runs)
        times = [r.solved_seconds for r in runs if r.solved_seconds is not None]
        solve = statistics.median(times) if len(times) == len(runs) else None
        medians[learner] = (speed, cpu_speed, solve)
        solve_text = f"{solve:.2f} s" if solve is not None else "not every run solved"
        print(
            f"  {learner:17s} {speed:7.0f} steps/s ({cpu_speed:.0f} per CPU second), "
            f"time to first optimal policy {solve_text}"
        )
    ours, ref, sb3 = medians["qarcade"], medians["qarcade-reference"], medians["sb3"]
    print(
        f"speed ratio qarcade / sb3: {ours[0] / sb3[0]:.2f}x wall clock, "
        f"{ours[1] / sb3[1]:.2f}x CPU time"
    )
    print(
        f"speed ratio fast path / reference path: {ours[0] / ref[0]:.2f}x wall clock, "
        f"{ours[1] / ref[1]:.2f}x CPU time; reference / sb3: {ref[0] / sb3[0]:.2f}x"
    )
    if ours[2] is not None and sb3[2] is not None:
        print(f"time-to-optimal ratio sb3 / qarcade: {sb3[2] / ours[2]:.2f}x")
    rows = [
        {
            "what": f"DQN training on gridworld {args.map}",
            "ours": ours[0],
            "anchor": sb3[0],
            "anchor_name": "Stable-Baselines3 DQN",
            "unit": "steps/s",
            "target": 2.5,
            "note": f"same MLP, batch, train and target frequency; median of {args.repeats}",
        },
        {
            # The fast path earns its place only while it is clearly faster.
            "what": f"DQN fast path beside the reference path, gridworld {args.map}",
            "ours": ours[0],
            "anchor": ref[0],
            "anchor_name": "the reference path (CleanRL's step)",
            "unit": "steps/s",
            "target": 1.5,
            "note": f"same agent but the gradient step; median of {args.repeats}",
        },
        {
            "what": f"DQN wall time to the first optimal policy, gridworld {args.map}",
            "ours": ours[2] if ours[2] is not None else float("nan"),
            "anchor": sb3[2],
            "anchor_name": "Stable-Baselines3 DQN",
            "unit": "s",
            "higher_is_better": False,
            "target": 1.0,
        },
    ]
    for row in rows:
        if math.isfinite(row["ours"]):
            print("RESULT " + json.dumps(row))


if __name__ == "__main__":
    main()
