"""Zero-shot maps: a map-reading DQN trained on a stream of random maps, graded on maps it
never saw.

What a table cannot do at all: a Q-table indexed by the agent's cell knows nothing of a
map it has not played. A DQN that reads the map (``obs_mode="map"``, the
:class:`~agents.networks.MapNetwork`), trained on a stream of random 8x8 maps
(``resample_map``, with smaller maps mixed in: ``min_size``), plays new ones at once.

Each seed trains with the project's own ``train`` command (a child process, torch on one
thread, its default settings for map observations) and is graded on the held-out maps:
``--map random --option size=8 --option map_seed=S`` for S = 0..49, every one solvable,
none in the training stream (its map seeds start at 2**20). On each map one greedy
episode: *success* if it reaches the goal, *optimal* if its return equals the exact
optimum (:func:`games.gridworld.solver.optimal_return`). Training seconds are the child's
wall-clock time and its CPU time (on a shared machine the wall clock also counts others'
work). Both the network training ended with and the best policy ``train`` kept are
graded; ``train`` picks the kept one on validation maps of its own
(:mod:`games.gridworld.grading`), never on these. Target (issue 16): success >= 90%,
optimal >= 80%, trained within 10 minutes.

    python benchmarks/zero_shot.py                     # seed 0
    python benchmarks/zero_shot.py --seeds 0,1,2       # every seed is reported
    python benchmarks/zero_shot.py --agent assets/agents/gridworld-maps-dqn.safetensors
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import qarcade
from qarcade import games
from qarcade.agents.base import Agent
from qarcade.agents.checkpoints import load_agent
from qarcade.agents.evaluation import play_episode
from qarcade.games.gridworld import solver

#: The held-out maps: ``map_seed`` 0 to this - 1.
HELD_OUT_MAPS = 50
#: Their side.
SIDE = 8
#: How ``train`` is told to learn the stream of maps (with ``--seed`` and ``--out``).
TRAIN_ARGUMENTS = (
    "gridworld",
    "--agent",
    "dqn",
    "--device",
    "cpu",
    "--map",
    "random",
    "--option",
    f"size={SIDE}",
    "--option",
    "obs_mode=map",
    "--option",
    "resample_map=true",
    "--option",
    "min_size=4",
)


def grade(agent: Agent, maps: int = HELD_OUT_MAPS) -> tuple[float, float]:
    """The shares of the held-out maps on which one greedy episode reaches the goal, and
    on which its return is the optimum."""
    successes = optimal = 0
    for map_seed in range(maps):
        env = games.make("gridworld", map="random", size=SIDE, map_seed=map_seed, obs_mode="map")
        result = play_episode(env, agent, seed=0)
        successes += env.reached_goal()
        optimal += abs(result.ret - solver.optimal_return(env)) < 1e-9
    return successes / maps, optimal / maps


def train(seed: int, out: Path, extra: list[str]) -> tuple[Path, float, float]:
    """Train one agent with the ``train`` command; returns its run folder and the
    training's wall-clock and CPU seconds."""
    command = [sys.executable, "main.py", "train", *TRAIN_ARGUMENTS]
    command += ["--seed", str(seed), "--out", str(out), "--quiet", *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # The checkout this script imports qarcade from trains too, so the agent is graded by
    # the code that made it.
    checkout = Path(qarcade.__file__).resolve().parent.parent
    subprocess.run(command, check=True, cwd=checkout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0", help="training seeds, comma-separated")
    parser.add_argument("--agent", help="grade this checkpoint instead of training")
    parser.add_argument(
        "--keep", metavar="FOLDER", help="train into FOLDER/seedS and keep the runs there"
    )
    parser.add_argument(
        "--train-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument for train, e.g. --train-arg=--steps=30000 (repeatable)",
    )
    args = parser.parse_args()
    if args.agent:
        success, optimal = grade(load_agent(args.agent))
        print(f"{args.agent}: success {success:.0%}, optimal {optimal:.0%} on {HELD_OUT_MAPS} maps")
        return
    print(f"train {' '.join(TRAIN_ARGUMENTS)} {' '.join(args.train_arg)}")
    # "last": the network training ended with; "kept": the best policy train kept, as
    # scored on its validation maps (never the held-out ones).
    print("seed  policy  success  optimal  train wall s  train CPU s")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep).resolve() if args.keep else Path(scratch)
        for seed in (int(s) for s in args.seeds.split(",")):
            run, wall, cpu = train(seed, folder / f"seed{seed}", args.train_arg)
            for policy, name in (("last", "agent"), ("kept", "best")):
                success, optimal = grade(load_agent(run / f"{name}.safetensors"))
                print(
                    f"{seed:>4}  {policy:<6}  {success:>7.0%}  {optimal:>7.0%}  "
                    f"{wall:>12.0f}  {cpu:>11.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
