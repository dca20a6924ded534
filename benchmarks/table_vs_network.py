"""Table against network: what each costs in memory and in experience as the world grows.

The seed's claim measured. A Q-table holds one score per action for every state it
meets; a network approximates the same Q-function in a fixed number of parameters.
Two experiments, both learners with their default settings (``TabularQAgent.for_env``,
``DQNConfig.for_env``):

1. **Gridworlds from 4x4 to 64x64**: random maps with walls and pits (the project's
   generator, ``map="random"``, several map seeds per side, every one solvable). Each
   learner trains until its greedy policy is first optimal, graded exactly
   (:func:`agents.evaluation.optimality_check`, as Compare marks it) at geometrically
   spaced points of the env-step budget (:data:`PLANS`, the same for both), the clock
   stopped while grading. A run that is not optimal by the end of the budget is
   reported as not within budget. Memory: the table's entries (states met x actions)
   and bytes against the network's parameters and bytes; the replay buffer's bytes
   (preallocated for its whole capacity) apart.
2. **Invaders, the discretiser from coarse to fine**: the hand-made coarse discretiser
   (:class:`agents.discretise.InvadersDiscretiser`, five features) with ever more player
   columns, then every feature of the vector rounded to a few levels, then exact (every
   distinct feature vector its own row); against the features DQN. Each trains for the
   same number of env steps (:data:`INVADERS_BUDGET`); the score is the mean of greedy
   games on fixed seeds.

Each run is printed as it ends, then tables, then ``RESULT`` lines (benchmarks/README.md).
Timings are wall-clock on whatever else the machine is doing: compare the ratios.

    python benchmarks/table_vs_network.py --plots docs --json runs.json   # full run, one core
    python benchmarks/table_vs_network.py --quick         # small sizes, short budgets
    python benchmarks/table_vs_network.py --only gridworld --sides 4 8 --maps 5
    python benchmarks/table_vs_network.py --redraw runs.json --plots docs   # PNGs only

The full run is bounded by the network's steps on the large one-hot maps (a 64x64 step
costs several times a 16x16 one); its length on one machine is in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import torch

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.agents.discretise import Discretiser, ExactDiscretiser, InvadersDiscretiser
from qarcade.agents.evaluation import mean_score, optimality_check
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer, training_env_options
from qarcade.games.files import size_text
from qarcade.games.gridworld.env import GridWorldEnv
from qarcade.games.gridworld.maps import PIT, WALL

LEARNERS = ("table", "network")


@dataclass(frozen=True)
class Plan:
    """What the gridworlds of one side get.

    Attributes:
        budget: env steps each learner may use on each map. Both learners' epsilon
            decays over the first half of it (their defaults' ``exploration_fraction``),
            so it is the same for both: a larger budget explores longer.
        maps: random maps (map seeds 0, 1, ...) the table learns.
        network_maps: how many of them the network learns.
    """

    budget: int
    maps: int = 3
    network_maps: int = 3


#: The DQN's default ``total_timesteps`` from 16x16 up, less on the small maps, where both
#: need less. One 64x64 map for the network: its one-hot input makes every step slow, and
#: the whole run is bounded at about half an hour on one core.
PLANS: dict[int, Plan] = {
    4: Plan(20_000),
    8: Plan(50_000),
    16: Plan(100_000),
    32: Plan(100_000),
    64: Plan(100_000, network_maps=1),
}
QUICK_PLANS: dict[int, Plan] = {
    4: Plan(10_000, 1, 1),
    8: Plan(20_000, 1, 1),
    16: Plan(30_000, 1, 1),
}
#: Points of the budget at which the greedy policy is graded, spaced geometrically from
#: :data:`FIRST_CHECK` so the first optimal step is known to within the same ratio at
#: every size.
CHECKS, FIRST_CHECK = 40, 250
#: Invaders: env steps per learner, and greedy games each is scored on.
INVADERS_BUDGET, QUICK_INVADERS_BUDGET = 100_000, 10_000
INVADERS_GAMES, QUICK_INVADERS_GAMES = 10, 3
#: Seeds of the scoring games start here, apart from the training seeds.
SCORE_SEED = 10_000


# ----------------------------------------------------------------- memory
@dataclass(frozen=True)
class Memory:
    """What a learner's Q-function costs (:meth:`Agent.memory_report`, made explicit).

    Attributes:
        states: table rows (states met); 0 for a network.
        entries: table entries, ``states x actions``; 0 for a network.
        parameters: network parameters; 0 for a table.
        q_bytes: bytes of the Q-function: the table with its discretiser's keys, or the
            network's weights.
        replay_bytes: bytes of the network's replay buffer, preallocated for its whole
            capacity (experience, not the Q-function); 0 for a table.
    """

    states: int
    entries: int
    parameters: int
    q_bytes: int
    replay_bytes: int


def memory_of(agent: Agent) -> Memory:
    """The agent's :class:`Memory` now."""
    report = agent.memory_report()
    return Memory(
        states=int(report.get("states", 0)),
        entries=int(report.get("entries", 0)),
        parameters=int(report.get("parameters", 0)),
        q_bytes=int(report["bytes"]),
        replay_bytes=int(report.get("replay_bytes", 0)),
    )


def new_learner(learner: str, env: Any, seed: int, discretiser: Discretiser | None = None) -> Agent:
    """The table (with ``discretiser``, else its default one) or the DQN, default settings."""
    agent = kinds.make_learner("dqn" if learner == "network" else "tabular", env, seed=seed)
    if discretiser is None:
        return agent
    return TabularQAgent(
        env.num_actions,
        discretiser,
        agent.config,
        seed=seed,
        game=env.name,
        game_options=env.options,
    )


# ----------------------------------------------------------------- gridworlds
@dataclass(frozen=True)
class GridRun:
    """One learner on one random map.

    Attributes:
        learner: ``table`` or ``network``.
        side: the map is ``side x side``.
        map_seed: which random map.
        open_cells: cells that are neither wall nor pit (the most states a table needs).
        budget: env steps the learner could use.
        optimal_steps: env steps when its greedy policy was first graded optimal; None
            when it was not within the budget.
        optimal_seconds: training seconds by then (grading excluded); None likewise.
        steps: env steps trained in all (stops at the first optimal policy).
        seconds: training seconds in all.
        memory: the learner's :class:`Memory` when it stopped.
    """

    learner: str
    side: int
    map_seed: int
    open_cells: int
    budget: int
    optimal_steps: int | None
    optimal_seconds: float | None
    steps: int
    seconds: float
    memory: Memory


def check_points(budget: int, count: int = CHECKS, first: int = FIRST_CHECK) -> list[int]:
    """``count`` env-step counts from ``first`` to ``budget``, spaced geometrically (fewer
    where rounding makes them equal); the last is ``budget``."""
    first = min(first, budget)
    points = np.unique(np.geomspace(first, budget, count).round().astype(int))
    return [int(p) for p in points]


def run_gridworld(learner: str, side: int, map_seed: int, budget: int, *, seed: int = 0) -> GridRun:
    """Train ``learner`` on the random ``side x side`` map ``map_seed`` until its greedy
    policy is optimal or ``budget`` env steps are spent."""
    env = GridWorldEnv(map="random", size=side, map_seed=map_seed)
    agent = new_learner(learner, env, seed)
    trainer = Trainer(env, agent, seed=seed, steps=budget)
    is_optimal = optimality_check(env)
    assert is_optimal is not None
    clock, found = 0.0, None
    for point in check_points(budget):
        tic = time.perf_counter()
        trainer.run_steps(point - trainer.steps)
        clock += time.perf_counter() - tic
        if is_optimal(agent):
            found = (trainer.steps, round(clock, 3))
            break
    open_cells = int(np.isin(env.grid, (WALL, PIT), invert=True).sum())
    return GridRun(
        learner=learner,
        side=side,
        map_seed=map_seed,
        open_cells=open_cells,
        budget=budget,
        optimal_steps=None if found is None else found[0],
        optimal_seconds=None if found is None else found[1],
        steps=trainer.steps,
        seconds=round(clock, 3),
        memory=memory_of(agent),
    )


# ----------------------------------------------------------------- invaders
class RoundedFeatures(ExactDiscretiser):
    """Every entry of the Invaders features vector (all in [-1, 1]) rounded to one of
    ``levels`` equally spaced values, each distinct rounded vector its own row: the
    table grows with the states it meets, as the exact one does, but merges the
    vectors that round alike."""

    def __init__(self, levels: int) -> None:
        super().__init__()
        self.levels = levels

    def rounded(self, obs: np.ndarray) -> np.ndarray:
        return np.rint((np.asarray(obs) + 1.0) * 0.5 * (self.levels - 1)).astype(np.int8)

    def row(self, obs: np.ndarray) -> int:
        return super().row(self.rounded(obs))

    def find(self, obs: np.ndarray) -> int:
        return super().find(self.rounded(obs))


@dataclass(frozen=True)
class Resolution:
    """One discretiser of the coarse-to-fine range (``make`` None: the features DQN)."""

    name: str
    make: Callable[[], Discretiser] | None


def coarse(player_bins: int) -> Discretiser:
    """The coarse Invaders discretiser with ``player_bins`` player columns."""
    return InvadersDiscretiser(player_bins=player_bins)


def resolutions(quick: bool) -> list[Resolution]:
    """The discretisers from coarse to fine, then the network."""
    bins = (3, 12) if quick else (3, 12, 48)
    levels = (3,) if quick else (3, 5)
    chosen = [
        Resolution(
            f"5 features, {n} player columns", lambda n=n: InvadersDiscretiser(player_bins=n)
        )
        for n in bins
    ]
    chosen += [
        Resolution(f"all features, {n} levels", lambda n=n: RoundedFeatures(n)) for n in levels
    ]
    chosen += [Resolution("exact features", ExactDiscretiser), Resolution("features DQN", None)]
    return chosen


@dataclass(frozen=True)
class InvadersRun:
    """One learner on Invaders for a fixed budget.

    Attributes:
        name: the discretiser (or ``features DQN``).
        learner: ``table`` or ``network``.
        steps: env steps trained.
        seconds: training seconds.
        score: mean score of greedy games on fixed seeds; ``score_std`` their spread.
        games: how many.
        memory: the learner's :class:`Memory` at the end.
    """

    name: str
    learner: str
    steps: int
    seconds: float
    score: float
    score_std: float
    games: int
    memory: Memory


def random_score(score_games: int) -> tuple[float, float]:
    """Mean and spread of the random player's score on the scoring games' seeds."""
    env = games.make("invaders", **training_env_options("invaders", {}))
    return mean_score(
        env, kinds.make_player(kinds.RANDOM, env.name, seed=0), games=score_games, seed=SCORE_SEED
    )


def run_invaders(
    resolution: Resolution, budget: int, score_games: int, *, seed: int = 0
) -> InvadersRun:
    """Train one learner on Invaders (training options: frame skip, life penalty) for
    ``budget`` env steps, then score its greedy play."""
    env = games.make("invaders", **training_env_options("invaders", {}))
    learner = "network" if resolution.make is None else "table"
    discretiser = None if resolution.make is None else resolution.make()
    agent = new_learner(learner, env, seed, discretiser)
    trainer = Trainer(env, agent, seed=seed, steps=budget)
    tic = time.perf_counter()
    trainer.run_steps(budget)
    seconds = time.perf_counter() - tic
    score, std = mean_score(env, agent, games=score_games, seed=SCORE_SEED)
    return InvadersRun(
        resolution.name,
        learner,
        trainer.steps,
        round(seconds, 2),
        round(score, 1),
        round(std, 1),
        score_games,
        memory_of(agent),
    )


# ----------------------------------------------------------------- reporting
def median_range(values: Sequence[float]) -> str:
    """``median (low-high)`` of ``values``, or the one value."""
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def gridworld_table(runs: Sequence[GridRun]) -> str:
    """One line per side and learner: memory, and steps and seconds to the first optimal
    policy per map (each map's number, or ``-`` where it was not within the budget)."""
    lines = [
        f"{'side':>5} {'learner':8} {'budget':>8} {'open cells':>20} {'Q-function':>38} "
        f"{'replay buffer':>14}  steps to first optimal (per map)  seconds (per map)",
    ]
    for side in sorted({r.side for r in runs}):
        for learner in LEARNERS:
            mine = [r for r in runs if r.side == side and r.learner == learner]
            if not mine:
                continue
            m = [r.memory for r in mine]
            if learner == "table":
                what = f"{median_range([x.entries for x in m])} entries"
            else:
                what = f"{m[0].parameters:,} parameters"
            q = f"{what}, {size_text(int(statistics.median(x.q_bytes for x in m)))}"
            replay = size_text(m[0].replay_bytes) if learner == "network" else "-"
            steps = " ".join(
                "-" if r.optimal_steps is None else f"{r.optimal_steps:,}" for r in mine
            )
            secs = " ".join(
                "-" if r.optimal_seconds is None else f"{r.optimal_seconds:.1f}" for r in mine
            )
            lines.append(
                f"{side:>5} {learner:8} {mine[0].budget:>8,} "
                f"{median_range([r.open_cells for r in mine]):>20} {q:>38} {replay:>14}  "
                f"{steps:32}  {secs}"
            )
    return "\n".join(lines)


def invaders_table(runs: Sequence[InvadersRun]) -> str:
    """One line per discretiser (and the DQN): memory, training time and score."""
    lines = [
        f"{'Q-function':32} {'states':>9} {'entries / params':>17} {'bytes':>10} "
        f"{'replay':>9} {'steps':>8} {'seconds':>8} {'score':>14}"
    ]
    for r in runs:
        m = r.memory
        size = f"{m.entries:,}" if r.learner == "table" else f"{m.parameters:,}"
        states = f"{m.states:,}" if r.learner == "table" else "-"
        replay = size_text(m.replay_bytes) if r.learner == "network" else "-"
        lines.append(
            f"{r.name:32} {states:>9} {size:>17} {size_text(m.q_bytes):>10} {replay:>9} "
            f"{r.steps:>8,} {r.seconds:>8.1f} {r.score:>7.0f} +- {r.score_std:<4.0f}"
        )
    return "\n".join(lines)


def result(**row: object) -> None:
    print("RESULT " + json.dumps(row))


def report_gridworld(runs: Sequence[GridRun], note: str) -> None:
    """RESULT rows: per side, the median steps to the first optimal policy of each
    learner where all its runs got there, and the share that did."""
    for side in sorted({r.side for r in runs}):
        for learner in LEARNERS:
            mine = [r for r in runs if r.side == side and r.learner == learner]
            found = [r.optimal_steps for r in mine if r.optimal_steps is not None]
            name = "Q-table" if learner == "table" else "DQN"
            result(
                what=f"gridworld {side}x{side}: maps optimal within budget, {name}",
                ours=round(100.0 * len(found) / len(mine), 1),
                unit="%",
                note=(
                    f"{note}; {len(mine)} random map(s), budget {mine[0].budget:,} steps; "
                    f"median steps to first optimal "
                    + (f"{statistics.median(found):,.0f}" if found else "none")
                ),
            )


def report_invaders(runs: Sequence[InvadersRun], baseline: tuple[float, float], note: str) -> None:
    """RESULT rows: each Q-function's score beside the random player's, and its bytes."""
    for r in runs:
        if r.learner == "table":
            size = f"{r.memory.states:,} states, {r.memory.entries:,} entries"
        else:
            size = f"{r.memory.parameters:,} parameters"
        result(
            what=f"invaders {r.name}: mean score after {r.steps:,} steps",
            ours=r.score,
            unit="points",
            anchor=round(baseline[0], 1),
            anchor_name="random player, same games",
            note=f"{note}; {size}, {size_text(r.memory.q_bytes)}; {r.games} games",
        )


# ----------------------------------------------------------------- plots
def plot_gridworld(runs: Sequence[GridRun], path: Path) -> None:
    """Three panels against the map's side: the Q-function's bytes (and the replay
    buffer's), env steps and training seconds to the first optimal policy: every map a
    point, the median a line; a run not optimal within its budget is a hollow marker
    at what it spent, its budget a dotted line."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(15, 5), layout="constrained")
    memory_ax, steps_ax, seconds_ax = figure.subplots(1, 3)
    sides = sorted({r.side for r in runs})
    styles = {"table": ("tab:blue", "o", "Q-table"), "network": ("tab:orange", "s", "DQN")}
    for learner, (colour, marker, label) in styles.items():
        mine = [r for r in runs if r.learner == learner]
        if not mine:
            continue
        mine_sides = sorted({r.side for r in mine})
        q = [statistics.median(r.memory.q_bytes for r in mine if r.side == s) for s in mine_sides]
        memory_ax.plot(mine_sides, q, marker=marker, color=colour, label=f"{label}: Q-function")
        if learner == "network":
            replay = [next(r.memory.replay_bytes for r in mine if r.side == s) for s in mine_sides]
            memory_ax.plot(
                mine_sides,
                replay,
                marker=marker,
                color=colour,
                linestyle="--",
                label="DQN: replay buffer (apart)",
            )
        # Side by side, not on top of each other, where both learners ran.
        shift = {"table": 0.95, "network": 1.05}[learner]
        done = [r for r in mine if r.optimal_steps is not None]
        missed = [r for r in mine if r.optimal_steps is None]
        for ax, found, spent in (
            (steps_ax, lambda r: r.optimal_steps, lambda r: r.steps),
            (seconds_ax, lambda r: r.optimal_seconds, lambda r: r.seconds),
        ):
            ax.scatter(
                [r.side * shift for r in done],
                [found(r) for r in done],
                color=colour,
                marker=marker,
                alpha=0.75,
                label=f"{label}: first optimal",
            )
            if missed:
                ax.scatter(
                    [r.side * shift for r in missed],
                    [spent(r) for r in missed],
                    facecolors="none",
                    edgecolors=colour,
                    marker=marker,
                    s=70,
                    label=f"{label}: not optimal within budget",
                )
            medians = [
                (s, statistics.median(found(r) for r in done if r.side == s))
                for s in mine_sides
                if any(r.side == s for r in done)
            ]
            if medians:
                ax.plot(*zip(*medians, strict=True), color=colour, alpha=0.6)
    budgets = sorted({(r.side, r.budget) for r in runs})
    steps_ax.plot(*zip(*budgets, strict=True), color="grey", linestyle=":", label="budget")
    for ax, title, ylabel in (
        (memory_ax, "Memory of the Q-function", "bytes"),
        (steps_ax, "Env steps to the first optimal greedy policy", "env steps"),
        (seconds_ax, "Training seconds to the first optimal greedy policy", "seconds (one core)"),
    ):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sides, [f"{s}x{s}" for s in sides])
        ax.minorticks_off()
        ax.set_xlabel("random map with walls and pits")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=8)
    figure.suptitle(
        "Gridworld: Q-table against DQN, default settings, one-hot observation of the cell"
    )
    figure.savefig(path, dpi=100)


def plot_invaders(runs: Sequence[InvadersRun], baseline: tuple[float, float], path: Path) -> None:
    """Score against the Q-function's bytes, one point per discretiser (coarse to fine)
    and one for the features DQN, its replay buffer said apart; the random player's
    score (``baseline``: mean and spread) a line."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 5), layout="constrained")
    ax = figure.subplots()
    tables = [r for r in runs if r.learner == "table"]
    ax.errorbar(
        [r.memory.q_bytes for r in tables],
        [r.score for r in tables],
        yerr=[r.score_std for r in tables],
        color="tab:blue",
        marker="o",
        capsize=3,
        label="Q-table, discretiser coarse to fine",
    )
    for r in tables:
        ax.annotate(
            "\n".join([*r.name.split(", "), f"{r.memory.states:,} states"]),
            (r.memory.q_bytes, r.score + r.score_std),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=7,
        )
    for r in (r for r in runs if r.learner == "network"):
        ax.errorbar(
            [r.memory.q_bytes],
            [r.score],
            yerr=[r.score_std],
            color="tab:orange",
            marker="s",
            capsize=3,
            markersize=8,
            label=f"DQN on the features: {r.memory.parameters:,} parameters "
            f"(replay buffer apart: {size_text(r.memory.replay_bytes)})",
        )
    ax.axhline(baseline[0], color="grey", linestyle=":", label="random player")
    steps = sorted({r.steps for r in runs})
    ax.set_xscale("log")
    ax.margins(x=0.2)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("bytes of the Q-function (table with its keys, or network weights)")
    ax.set_ylabel("mean score of greedy games (+- std)")
    ax.set_title(
        f"Invaders: score after {', '.join(f'{s:,}' for s in steps)} env steps of training"
    )
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    figure.savefig(path, dpi=110)


# ----------------------------------------------------------------- main
def draw(
    grid_runs: Sequence[GridRun],
    invaders_runs: Sequence[InvadersRun],
    baseline: tuple[float, float],
    folder: Path,
) -> None:
    """Write scaling-gridworld.png and scaling-invaders.png into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    if grid_runs:
        plot_gridworld(grid_runs, folder / "scaling-gridworld.png")
    if invaders_runs:
        plot_invaders(invaders_runs, baseline, folder / "scaling-invaders.png")


def redraw(runs_file: Path, folder: Path) -> None:
    """Draw the PNGs again from a ``--json`` file, without training."""
    data = json.loads(runs_file.read_text())

    def memory(run: dict[str, Any]) -> dict[str, Any]:
        return {**run, "memory": Memory(**run["memory"])}

    draw(
        [GridRun(**memory(r)) for r in data["gridworld"]],
        [InvadersRun(**memory(r)) for r in data["invaders"]],
        tuple(data["random_player"]),  # type: ignore[arg-type]
        folder,
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short budgets")
    parser.add_argument("--only", choices=("gridworld", "invaders"), action="append")
    parser.add_argument("--maps", type=int, help="random maps per side, for both learners")
    parser.add_argument(
        "--sides", type=int, nargs="+", choices=sorted(PLANS), help="only these map sides"
    )
    parser.add_argument("--plots", type=Path, help="write scaling-*.png into this folder")
    parser.add_argument("--json", type=Path, help="also write every run to this JSON file")
    parser.add_argument(
        "--redraw", type=Path, metavar="JSON", help="only draw --plots from a --json file"
    )
    args = parser.parse_args(argv)
    if args.redraw:
        redraw(args.redraw, args.plots or Path("."))
        return
    torch.set_num_threads(1)
    parts = args.only or ["gridworld", "invaders"]
    note = "quick" if args.quick else "full run"
    plans = QUICK_PLANS if args.quick else PLANS
    if args.sides:
        plans = {side: PLANS[side] for side in args.sides}
    if args.maps:
        plans = {
            s: dataclasses.replace(p, maps=args.maps, network_maps=args.maps)
            for s, p in plans.items()
        }
    started = time.perf_counter()
    grid_runs: list[GridRun] = []
    if "gridworld" in parts:
        for side, plan in plans.items():
            print(f"gridworld {side}x{side}: {plan}", flush=True)
            for map_seed in range(plan.maps):
                for learner in LEARNERS:
                    if learner == "network" and map_seed >= plan.network_maps:
                        continue
                    run = run_gridworld(learner, side, map_seed, plan.budget, seed=map_seed)
                    grid_runs.append(run)
                    got = (
                        f"optimal at {run.optimal_steps:,} steps, {run.optimal_seconds:.1f} s"
                        if run.optimal_steps is not None
                        else f"not optimal within {plan.budget:,} steps ({run.seconds:.1f} s)"
                    )
                    print(f"  {side}x{side} map {map_seed} {learner:8}: {got}", flush=True)
        print(gridworld_table(grid_runs))
    invaders_runs: list[InvadersRun] = []
    baseline = (0.0, 0.0)
    if "invaders" in parts:
        budget = QUICK_INVADERS_BUDGET if args.quick else INVADERS_BUDGET
        score_games = QUICK_INVADERS_GAMES if args.quick else INVADERS_GAMES
        print(f"invaders: {budget:,} env steps each, {score_games} greedy games", flush=True)
        for resolution in resolutions(args.quick):
            run = run_invaders(resolution, budget, score_games)
            invaders_runs.append(run)
            print(f"  {run.name}: {run.score:.0f} points, {run.seconds:.0f} s", flush=True)
        baseline = random_score(score_games)
        print(invaders_table(invaders_runs))
        print(f"random player: {baseline[0]:.0f} +- {baseline[1]:.0f} points, same games")
    print(f"all runs: {time.perf_counter() - started:.0f} s wall")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "gridworld": [dataclasses.asdict(r) for r in grid_runs],
                    "invaders": [dataclasses.asdict(r) for r in invaders_runs],
                    "random_player": list(baseline),
                },
                indent=1,
            )
        )
    if args.plots:
        draw(grid_runs, invaders_runs, baseline, args.plots)
    report_gridworld(grid_runs, note)
    report_invaders(invaders_runs, baseline, note)


if __name__ == "__main__":
    main()
