"""DQN on every game with its default settings, graded exactly where the game allows.

    python benchmarks/dqn_games.py tictactoe [--seed 0]
    python benchmarks/dqn_games.py gridworld [--maps lake4,lake8,maze] [--seeds 0,1,2]
    python benchmarks/dqn_games.py invaders [--obs features|pixels] [--steps N] [--frame-skip 4]

- **tictactoe**: self-play through the one training loop (:class:`agents.training.Trainer`),
  then the exact grade over all 4,520 positions (:func:`games.tictactoe.grading.grade_tictactoe`)
  and the exhaustive never-loses check against every perfect opponent, in both seats.
- **gridworld**: the greedy policy of every cell graded by
  :func:`games.gridworld.solver.policy_return` against the value-iteration optimum, at the
  end of training and at ten checkpoints on the way.
- **invaders**: mean score of the trained agent beside the random and the scripted
  players over the same seeds, on the same game (by default with ``frame_skip=4``, the
  Atari DQN's choice: each action held for 4 ticks).

Every run prints its training time. Torch runs on one thread (faster for these networks).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch

from qarcade import games
from qarcade.agents.dqn import DQNAgent, DQNConfig
from qarcade.agents.training import Trainer


def train(env: games.Env, config: DQNConfig, chunks: int = 10, on_chunk=None) -> tuple:
    """Train a fresh agent on ``env`` for ``config.total_timesteps`` steps; returns
    ``(agent, trainer, seconds)`` (time spent in ``on_chunk`` excluded)."""
    agent = DQNAgent.for_env(env, config)
    trainer = Trainer(env, agent, seed=config.seed, steps=config.total_timesteps)
    seconds = 0.0
    for k in range(chunks):
        start = time.perf_counter()
        trainer.run_steps(config.total_timesteps * (k + 1) // chunks - trainer.steps)
        seconds += time.perf_counter() - start
        if on_chunk is not None:
            on_chunk(agent, trainer, seconds)
    return agent, trainer, seconds


def tictactoe(args: argparse.Namespace) -> None:
    from qarcade.games.tictactoe.grading import grade_tictactoe, never_loses_vs_perfect

    env = games.make("tictactoe")
    config = DQNConfig.for_env(env, seed=args.seed, device=args.device, **json.loads(args.set))

    def report(agent: DQNAgent, trainer: Trainer, seconds: float) -> None:
        grade = grade_tictactoe(agent)
        safe, records = never_loses_vs_perfect(agent)
        losses = "/".join(str(r.losses) for r in records)
        print(
            f"  {trainer.steps:>8,} steps {trainer.episodes:>7,} games {seconds:6.1f} s: "
            f"{grade}; never loses vs perfect play: {safe} (losses as X/O: {losses})",
            flush=True,
        )

    print(f"tictactoe self-play DQN, seed {args.seed}: {config.to_dict()}")
    _, trainer, seconds = train(env, config, on_chunk=report)
    print(f"trained in {seconds:.1f} s ({trainer.steps / seconds:,.0f} steps/s)")


def gridworld(args: argparse.Namespace) -> None:
    from qarcade.games.gridworld.solver import optimal_return, policy_of, policy_return

    for map_name in args.maps.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            env = games.make("gridworld", map=map_name)
            grader = games.make("gridworld", map=map_name)
            optimum = optimal_return(grader)
            mask = np.ones(grader.num_actions, dtype=bool)
            marks: list[str] = []

            def check(agent: DQNAgent, trainer: Trainer, seconds: float) -> None:
                policy = policy_of(grader, lambda obs: agent.act(obs, mask))  # noqa: B023
                marks.append("X" if abs(policy_return(grader, policy) - optimum) < 1e-9 else ".")  # noqa: B023

            config = DQNConfig.for_env(env, seed=seed, device=args.device)
            _, trainer, seconds = train(env, config, on_chunk=check)
            print(
                f"  {map_name:6s} seed {seed}: greedy optimal at the ten checkpoints "
                f"{''.join(marks)} -> final {'OPTIMAL' if marks[-1] == 'X' else 'not optimal'} "
                f"(optimum {optimum:.2f}); {trainer.steps:,} steps in {seconds:.1f} s",
                flush=True,
            )


def invaders(args: argparse.Namespace) -> None:
    from qarcade.agents.evaluation import evaluate, mean_score

    options = {
        "obs_mode": args.obs,
        "frame_skip": args.frame_skip,
        "life_penalty": args.life_penalty,
    }
    env = games.make("invaders", **options)
    overrides = dict(json.loads(args.set))
    if args.steps is not None:
        overrides["total_timesteps"] = args.steps
    config = DQNConfig.for_env(
        games.make("invaders", **options), seed=args.seed, device=args.device, **overrides
    )
    print(f"invaders ({args.obs}) DQN, seed {args.seed}: {config.to_dict()}", flush=True)

    def report(agent: DQNAgent, trainer: Trainer, seconds: float) -> None:
        score, _ = mean_score(games.make("invaders", **options), agent, games=5, seed=10_000)
        print(
            f"  {trainer.steps:>8,} steps {trainer.episodes:>5} episodes {seconds:7.1f} s: "
            f"greedy mean score {score:.1f}",
            flush=True,
        )

    agent, trainer, seconds = train(env, config, on_chunk=report)
    print(f"trained {trainer.steps:,} steps in {seconds:.1f} s; over {args.games} games:")
    for row in evaluate(env, agent, games=args.games, seed=20_000):
        print(f"  {row['test']:22s} {row['score']:8.1f} +- {row['std']:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("game", choices=("tictactoe", "gridworld", "invaders"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default="0,1,2", help="gridworld: seeds to train")
    parser.add_argument("--maps", default="lake4,lake8,maze", help="gridworld: maps")
    parser.add_argument("--obs", default="features", choices=("features", "pixels"))
    parser.add_argument("--steps", type=int, help="invaders: training steps")
    parser.add_argument(
        "--frame-skip", type=int, default=4, help="invaders: game ticks per step (default 4)"
    )
    parser.add_argument(
        "--life-penalty",
        type=float,
        default=100.0,
        help="invaders: reward lost per life (training signal only; scores are unchanged)",
    )
    parser.add_argument(
        "--set",
        default="{}",
        help="tictactoe, invaders: DQN settings as JSON, e.g. '{\"gamma\": 0.98}'",
    )
    parser.add_argument("--games", type=int, default=20, help="invaders: evaluation games")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    {"tictactoe": tictactoe, "gridworld": gridworld, "invaders": invaders}[args.game](args)


if __name__ == "__main__":
    main()
