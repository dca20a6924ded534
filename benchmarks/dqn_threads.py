"""The DQN's training speed with numpy's BLAS on its default threads and on one
(``agents/threads.py``), on a quiet machine and with other processes keeping the cores
busy, in one run. The anchor is the same agent on numpy's default threads.

torch runs on one thread throughout; only the BLAS thread count differs. Each
measurement trains a fresh agent (the gridworld DQN's defaults, one seed) past its
first updates, then times ``--steps`` env steps. Busy processes are plain Python loops,
one per core by default: what a second training run, or a window drawing, does.

    python benchmarks/dqn_threads.py [--size 20] [--slippery 0.2] [--steps 3000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time

import torch
from threadpoolctl import threadpool_info, threadpool_limits

from qarcade import games
from qarcade.agents.dqn import DQNAgent
from qarcade.agents.training import Trainer


def busy() -> None:
    while True:
        pass


def steps_per_second(env: games.Env, blas_threads: int | None, steps: int) -> float:
    """Env steps per second of a fresh agent, timed after its first 1,000 steps."""
    agent = DQNAgent.for_env(env, seed=0)
    trainer = Trainer(env, agent, seed=0, steps=agent.config.total_timesteps)
    with threadpool_limits(blas_threads, user_api="blas"):
        trainer.run_steps(1_000)
        started = time.perf_counter()
        trainer.run_steps(steps)
        return steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=20, help="random map's side")
    parser.add_argument("--slippery", type=float, default=0.2)
    parser.add_argument("--steps", type=int, default=3_000)
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="busy processes")
    args = parser.parse_args()
    torch.set_num_threads(1)
    env = games.make("gridworld", map="random", size=args.size, map_seed=1, slippery=args.slippery)
    default = [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]
    print(f"{env.rows}x{env.cols} map, slip {args.slippery}; BLAS default threads {default}")
    for load in (0, args.busy):
        others = [multiprocessing.Process(target=busy, daemon=True) for _ in range(load)]
        for process in others:
            process.start()
        try:
            rates = {
                "default": steps_per_second(env, None, args.steps),
                "one": steps_per_second(env, 1, args.steps),
            }
        finally:
            for process in others:
                process.terminate()
        print(
            f"{load} busy processes: BLAS default threads {rates['default']:,.0f} steps/s, "
            f"one thread {rates['one']:,.0f} steps/s ({rates['one'] / rates['default']:.2f}x)"
        )
        row = {
            "what": f"DQN training, BLAS on one thread, {load} busy processes",
            "ours": round(rates["one"], 1),
            "unit": "steps/s",
            "anchor": round(rates["default"], 1),
            "anchor_name": f"numpy's default BLAS threads ({default})",
            "target": 1.0,
            "note": f"{env.rows}x{env.cols} random map, slip {args.slippery}, DQN defaults",
        }
        print("RESULT " + json.dumps(row))


if __name__ == "__main__":
    main()
