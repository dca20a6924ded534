"""Do the learners' defaults learn gridworld maps nobody tuned them for?

A fixed pool of seeded random solvable maps (6x6 to 24x24, walls and pits; a third of
them with rows of pits along the route, the kind of map issue 18 found the DQN failing
on), each also in a slippery variant. On every map and variant the table and the DQN
train with their default settings (``TabularQAgent.for_env``, ``DQNAgent.for_env``), on
several seeds, and Stable-Baselines3's DQN with its defaults (one seed) on a subset, with
the DQN's step budget. Each run is graded exactly (:mod:`games.gridworld.solver`) 400
times over its budget (:func:`grading_points`): it is *solved* once the greedy
policy's expected return is the optimum's (deterministic maps: the undiscounted return
within 1e-9; slippery: the discounted value of the start within ``--slip-tolerance``,
:class:`Grader` says why; a variant where jumping into the first pit is within that of
the optimum is reported apart, not counted); a solved run stops there (the best greedy
policy is kept, :class:`agents.evaluation.BestPolicy`, so what it ends with is at least
as good). The clock stops while grading.

Rows: the share of (map, variant, seed) runs solved by the table and by the DQN
(targets 100% and 98%), and the DQN's median seconds to solve against SB3's on the maps
both ran (target: ours no slower).

    python benchmarks/generalization.py            # the whole pool, both cores
    python benchmarks/generalization.py --quick    # a few small maps, a few minutes
    python benchmarks/generalization.py --jobs 1 --maps 10 --seeds 1
    python benchmarks/generalization.py --first-seed 1 --seeds 2 --json B.json
    python benchmarks/generalization.py --report A.json B.json  # the two runs as one

SB3 is optional (``pip install -e ".[bench]"``); without it the SB3 column is empty.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np

from qarcade.games.files import atomic_write
from qarcade.games.gridworld.env import GridWorldEnv
from qarcade.games.gridworld.maps import FLOOR, GOAL, PIT, START, WALL, format_map, goal_reachable

#: Map sides drawn from this range (inclusive).
MIN_SIDE, MAX_SIDE = 6, 24
#: Every this many maps is a pit-row map (the others plain random maps).
PIT_ROWS_EVERY = 3
#: Slippery maps are graded by discounted values with this discount, whatever the
#: learner's (the gridworld's rewards are set so a pit is worth wandering forever at it).
GRADE_GAMMA = 0.99
#: A run is graded at every fiftieth of its budget (at least every 500 steps for the
#: DQN and SB3), and at this many points evenly between: what a coarser grading misses
#: is a greedy policy that is optimal for a while between two gradings, and the steps
#: since the first one (grading is exact and costs a few milliseconds,
#: :func:`solver.policy_value`). Every point of the fiftieths is kept, so a run
#: graded more finely is solved wherever it was before, and no later.
FINER = 8
#: The goal's reward in the model :class:`Grader` values "never reach the goal" by: low
#: enough that no policy that can avoid the goal reaches it.
NO_GOAL_REWARD = -1e6


@dataclass(frozen=True)
class MapSpec:
    """One map of the pool: its text and how it was made."""

    index: int
    kind: str
    rows: int
    cols: int
    text: str


#: One run of :func:`run_one`: learner, map, slip, seed, step budget (None: the DQN's
#: default for the map) and the slippery maps' tolerance.
Task = tuple[str, MapSpec, float, int, int | None, float]


def pit_rows_map(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A map whose route snakes between rows of pits: every other row is pits but for
    one gap, the rows between are floor with a few walls, start top-left, goal in the
    last row. Any step off the route's row toward a pit ends the episode."""
    while True:
        grid = np.full((rows, cols), FLOOR, dtype=np.int8)
        for r in range(1, rows - 1, 2):
            grid[r] = PIT
            grid[r, rng.integers(cols)] = FLOOR
        walls = (rng.random((rows, cols)) < 0.08) & (grid == FLOOR)
        grid[walls] = WALL
        grid[0, 0] = START
        grid[rows - 1, rng.integers(cols // 2, cols)] = GOAL
        if goal_reachable(grid, (0, 0)):
            return grid


def random_walls_and_pits(rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """A random map (``games.gridworld.maps.random_map``'s kind, densities drawn too)."""
    pits, walls = rng.uniform(0.05, 0.2), rng.uniform(0.05, 0.2)
    while True:
        grid = rng.choice(
            np.array([FLOOR, PIT, WALL], np.int8),
            size=(rows, cols),
            p=[1 - pits - walls, pits, walls],
        )
        grid[0, 0] = START
        grid[rows - 1, cols - 1] = GOAL
        if goal_reachable(grid, (0, 0)):
            return grid


def map_pool(count: int, seed: int = 18) -> list[MapSpec]:
    """``count`` maps, the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    pool = []
    for i in range(count):
        rows, cols = (int(n) for n in rng.integers(MIN_SIDE, MAX_SIDE + 1, size=2))
        kind = "pit rows" if i % PIT_ROWS_EVERY == 0 else "random"
        make = pit_rows_map if kind == "pit rows" else random_walls_and_pits
        pool.append(MapSpec(i, kind, rows, cols, format_map(make(rows, cols, rng))))
    return pool


@dataclass
class Run:
    """One training run's outcome."""

    learner: str
    map_index: int
    kind: str
    size: str
    slippery: float
    seed: int
    solved: bool
    steps: int | None
    seconds: float | None
    best_return: float
    optimum: float
    total_seconds: float
    #: Whether never reaching the goal is within the tolerance of the optimum here
    #: (:attr:`Grader.degenerate`).
    degenerate: bool = False
    #: A run not solved: where its best policy loses the most (:meth:`Grader.most_lost`).
    most_lost: str = ""


class Grader:
    """Exact grading of a greedy policy on one map; the clock stops meanwhile.

    A deterministic map is graded by the undiscounted return within the time limit (the
    shortest safe path). A slippery one is graded by the discounted value of the start
    with :data:`GRADE_GAMMA` against the optimum's (:func:`solver.value_iteration`):
    the undiscounted optimum within a time limit is a time-dependent policy no
    stationary learner can follow, and where the goal is nearly out of reach it is to
    jump into a pit before the step costs add up to more than the pit's.

    Where the best policy that never reaches the goal (:attr:`no_goal`: jumping into the
    first pit) is itself within ``tolerance`` of the optimum, the map tests nothing: a
    slippery map whose route runs between rows of pits, where the optimum is near -1
    too. Such a run is :attr:`degenerate` and reported apart from the shares."""

    def __init__(self, env: GridWorldEnv, tolerance: float) -> None:
        from qarcade.games.gridworld import solver

        self.env, self.solver = env, solver
        self.discounted = bool(env.options["slippery"])
        if self.discounted:
            self.optimum = self._optimal_value(env)
            #: The best value of the start for a policy that never reaches the goal.
            self.no_goal = self._optimal_value(
                GridWorldEnv(**{**env.options, "goal_reward": NO_GOAL_REWARD})
            )
        else:
            self.optimum = solver.optimal_return(env)
            self.no_goal = -np.inf
        self.tolerance = tolerance
        self.best = -np.inf
        #: The best greedy policy graded so far (None before the first grading).
        self.best_policy: np.ndarray | None = None

    def _optimal_value(self, env: GridWorldEnv) -> float:
        start = env.transition_model().start
        return float(self.solver.value_iteration(env, gamma=GRADE_GAMMA).v.reshape(-1)[start])

    @property
    def degenerate(self) -> bool:
        """Whether never reaching the goal is within the tolerance of the optimum."""
        return self.no_goal >= self.optimum - self.tolerance

    def solved(self, act: Callable[[np.ndarray], int]) -> bool:
        policy = self.solver.policy_of(self.env, act)
        if self.discounted:
            value = self.solver.policy_value(self.env, policy, gamma=GRADE_GAMMA)
        else:
            value = self.solver.policy_return(self.env, policy)
        if value > self.best:
            self.best, self.best_policy = value, policy
        return value >= self.optimum - self.tolerance

    def most_lost(self) -> str:
        """Where the best policy graded loses the most discounted value
        (:func:`solver.value_lost`, with :data:`GRADE_GAMMA`): the cell, the action
        taken and the best one there, and that cell's share of the shortfall; "" before
        any grading or where nothing is lost."""
        if self.best_policy is None:
            return ""
        optimal = self.solver.value_iteration(self.env, gamma=GRADE_GAMMA)
        lost = self.solver.value_lost(
            self.env, self.best_policy, gamma=GRADE_GAMMA, optimal=optimal
        )
        row, col = (int(i) for i in np.unravel_index(lost.argmax(), lost.shape))
        if lost[row, col] <= 0:
            return ""
        best = optimal.policy[row, col]
        names = ("left", "down", "right", "up")
        return (
            f"cell ({row}, {col}): {names[self.best_policy[row, col]]} where {names[best]} "
            f"is best, {lost[row, col]:.3f} of {lost.sum():.3f} lost"
        )


def make_env(spec: MapSpec, slippery: float) -> GridWorldEnv:
    path = map_file(spec)
    return GridWorldEnv(map=path, slippery=slippery)


def map_file(spec: MapSpec) -> str:
    """The map written to a file once (envs and checkpoints name maps by path)."""
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), "qarcade-generalization")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"map{spec.index:03d}-{hash(spec.text) & 0xFFFFFFFF:08x}.txt")
    if not os.path.exists(path):
        # Workers meet the same map at once: each writes its own temporary file.
        atomic_write(path, lambda f: f.write(spec.text.encode()))
    return path


def grading_points(total: int, minimum: int) -> list[int]:
    """The steps (or episodes) of a budget of ``total`` after which a run is graded: every
    fiftieth of it (at least ``minimum`` apart), each split :data:`FINER` ways."""
    coarse = max(minimum, total // 50)
    parts = total // coarse
    points = np.linspace(0, coarse * parts, parts * FINER + 1).round().astype(int)
    return sorted(set(points[1:].tolist()) - {0})  # a short budget has fewer


def run_one(task: Task) -> Run:
    """Train one learner on one map variant with one seed, grading as it goes."""
    import torch

    torch.set_num_threads(1)
    from qarcade.agents.dqn import DQNConfig

    learner, spec, slippery, seed, steps, tolerance = task
    env = make_env(spec, slippery)
    # The DQN's default budget grows with the map; SB3 gets the same.
    dqn_steps = steps or DQNConfig.for_env(env).total_timesteps
    grader = Grader(make_env(spec, slippery), tolerance if slippery else 1e-9)
    all_legal = np.ones(env.num_actions, bool)
    started = time.perf_counter()
    if learner == "sb3":
        solved_at, clock = run_sb3(env, grader, seed, dqn_steps)
    else:
        solved_at, clock = run_qarcade(learner, env, grader, seed, dqn_steps, all_legal)
    return Run(
        learner,
        spec.index,
        spec.kind,
        f"{spec.rows}x{spec.cols}",
        slippery,
        seed,
        solved_at is not None,
        solved_at,
        clock if solved_at is not None else None,
        round(float(grader.best), 6),
        round(grader.optimum, 6),
        round(time.perf_counter() - started, 2),
        grader.degenerate,
        "" if solved_at is not None else grader.most_lost(),
    )


def run_qarcade(
    learner: str,
    env: GridWorldEnv,
    grader: Grader,
    seed: int,
    dqn_steps: int,
    all_legal: np.ndarray,
) -> tuple[int | None, float]:
    from qarcade.agents.dqn import DQNAgent
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    if learner == "table":
        agent = TabularQAgent.for_env(env, seed=seed)
        trainer = Trainer(env, agent, seed=seed, episodes=agent.config.episodes)
        points = grading_points(agent.config.episodes, 1)

        def advance(n: int) -> None:
            trainer.run(episodes=n)

    else:
        agent = DQNAgent.for_env(env, seed=seed)
        trainer = Trainer(env, agent, seed=seed, steps=dqn_steps)
        points = grading_points(dqn_steps, 500)
        advance = trainer.run_steps

    clock = 0.0
    for n in np.diff(points, prepend=0).tolist():
        tic = time.perf_counter()
        advance(n)
        clock += time.perf_counter() - tic
        if grader.solved(lambda obs: agent.act(obs, all_legal)):
            return trainer.steps, clock
    return None, clock


def run_sb3(env: GridWorldEnv, grader: Grader, seed: int, steps: int) -> tuple[int | None, float]:
    """SB3's DQN with its own defaults (through qarcade's Gymnasium adapter)."""
    import torch
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    from qarcade.games.adapters.gymnasium import QarcadeEnv

    model = DQN("MlpPolicy", QarcadeEnv("gridworld", **env.options), seed=seed, device="cpu")
    points = set(grading_points(steps, 500))

    def act(obs: np.ndarray) -> int:
        with torch.no_grad():
            return int(model.q_net(torch.tensor(obs).unsqueeze(0)).argmax())

    class Grade(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.paused, self.start = 0.0, time.perf_counter()
            self.solved_at: int | None = None
            self.clock = 0.0

        def _on_step(self) -> bool:
            if self.num_timesteps not in points:
                return True
            tic = time.perf_counter()
            self.clock = tic - self.start - self.paused
            if grader.solved(act):
                self.solved_at = self.num_timesteps
                return False
            self.paused += time.perf_counter() - tic
            return True

    callback = Grade()
    model.learn(total_timesteps=steps, callback=callback)
    return callback.solved_at, callback.clock


def sb3_available() -> bool:
    try:
        import stable_baselines3  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--maps", type=int, default=54, help="maps in the pool (default 54)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per learner and map")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="the first seed (a long run split over several: --first-seed 1 --seeds 2)",
    )
    parser.add_argument("--sb3-maps", type=int, default=20, help="maps SB3 runs on (one seed)")
    parser.add_argument(
        "--steps",
        type=int,
        help="the DQN's (and SB3's) step budget (default: the DQN's default for the map)",
    )
    parser.add_argument(
        "--slippery",
        type=float,
        default=0.2,
        help="slip probability of the slippery variants (0: none)",
    )
    parser.add_argument(
        "--slippery-only",
        action="store_true",
        help="only the slippery variants (the deterministic maps take a run of their own)",
    )
    parser.add_argument(
        "--slip-tolerance",
        type=float,
        default=0.02,
        help="slippery maps: solved within this of the optimal discounted value",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--quick", action="store_true", help="6 small maps, 1 seed, SB3 on 2: a few minutes"
    )
    parser.add_argument("--learners", default="table,dqn,sb3")
    parser.add_argument("--json", help="also write every run to this JSON file")
    parser.add_argument(
        "--report",
        nargs="+",
        metavar="JSON",
        help="run nothing: report the runs saved by --json in these files together (a "
        "benchmark split by seeds or learners over several runs)",
    )
    args = parser.parse_args()
    if args.report:
        saved = [run for path in args.report for run in read_json(path)]
        report(saved, sorted({r.learner for r in saved}), quick=False)
        return

    pool = map_pool(args.maps)
    seeds, sb3_maps = args.seeds, args.sb3_maps
    if args.quick:
        small = [s for s in pool if s.rows * s.cols <= 120]
        pool = [s for s in small if s.kind == "pit rows"][:3] + [
            s for s in small if s.kind == "random"
        ][:3]
        seeds, sb3_maps = 1, 2
    steps = args.steps
    learners = args.learners.split(",")
    if "sb3" in learners and not sb3_available():
        print("stable-baselines3 is not installed: no SB3 runs")
        learners.remove("sb3")
    if args.slippery_only and not args.slippery:
        parser.error("--slippery-only needs a --slippery above 0")
    variants = ([] if args.slippery_only else [0.0]) + ([args.slippery] if args.slippery else [])
    tasks = []
    for index, spec in enumerate(pool):
        for slip in variants:
            for learner in ("table", "dqn"):
                if learner in learners:
                    tasks += [
                        (learner, spec, slip, seed, steps, args.slip_tolerance)
                        for seed in range(args.first_seed, args.first_seed + seeds)
                    ]
        # SB3 on the first maps of the pool, one seed, deterministic variant.
        if "sb3" in learners and index < sb3_maps:
            tasks += [("sb3", spec, 0.0, 0, steps, args.slip_tolerance)]
    print(
        f"{len(pool)} maps ({sum(s.kind == 'pit rows' for s in pool)} with pit rows), "
        f"variants {variants}, {seeds} seed(s), DQN/SB3 budget "
        f"{f'{steps:,} steps' if steps else 'the DQN default for the map'}, "
        f"{len(tasks)} runs on {args.jobs} process(es)",
        flush=True,
    )
    started = time.perf_counter()
    runs: list[Run] = []
    # Longest first, so the last runs to finish are short ones and no core waits idle
    # at the end while the other finishes a big map (LPT scheduling).
    tasks.sort(key=expected_cost, reverse=True)
    with ProcessPoolExecutor(args.jobs) as executor:
        for future in as_completed([executor.submit(run_one, task) for task in tasks]):
            run = future.result()
            runs.append(run)
            status = (
                f"solved at {run.steps:,} steps, {run.seconds:.1f} s"
                if run.solved
                else (
                    f"NOT solved (best {run.best_return:.3f}, optimum {run.optimum:.3f}; "
                    f"most lost at {run.most_lost or 'no cell'})"
                )
            )
            print(
                f"{run.learner:5} map {run.map_index:2} {run.kind:8} {run.size:5} "
                f"slip {run.slippery:.2f} seed {run.seed}: {status}",
                flush=True,
            )
            if args.json:  # as it goes: a run stopped early keeps what it did
                write_json(args.json, runs)
    wall = time.perf_counter() - started
    print(f"all runs: {wall:.0f} s wall")
    report(runs, learners, args.quick)


#: Seconds per cell of a run, by learner and variant, on the pool's biggest maps, whose
#: order matters most: session 14's and 15's runs there (2026-12-01); what
#: :func:`expected_cost` orders the runs by.
SECONDS_PER_CELL = {
    ("table", False): 0.002,
    ("table", True): 0.023,
    ("dqn", False): 0.2,
    ("dqn", True): 0.2,
    ("sb3", False): 0.5,
}


def expected_cost(task: Task) -> float:
    """About how many seconds ``task`` takes: only the order it gives matters."""
    learner, spec, slippery, *_ = task
    return SECONDS_PER_CELL[learner, slippery > 0] * spec.rows * spec.cols


def write_json(path: str, runs: list[Run]) -> None:
    """Every run so far, to ``path`` (replaced whole, never left half-written)."""
    text = json.dumps([asdict(r) for r in runs], indent=1).encode()
    atomic_write(path, lambda f: f.write(text))


def read_json(path: str) -> list[Run]:
    """The runs :func:`write_json` saved to ``path``; exits with a one-line message if
    the file is missing or is not such a list."""
    try:
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)
        return [Run(**row) for row in rows]
    except (OSError, ValueError, TypeError) as error:
        raise SystemExit(f"cannot read runs from {path}: {error}") from None


def solved_of(runs: list[Run], keep: Callable[[Run], bool]) -> str:
    """``"solved/total"`` of the runs ``keep`` accepts."""
    kept = [r for r in runs if keep(r)]
    return f"{sum(r.solved for r in kept)}/{len(kept)}"


def report(runs: list[Run], learners: list[str], quick: bool) -> None:
    """Print the summary and the RESULT rows."""

    def note_of(kept: list[Run]) -> str:
        """Which part of the pool ``kept`` ran on (a merged report's learners may differ)."""
        return "quick subset" if quick else f"{len({r.map_index for r in kept})} maps of the pool"

    for learner, target in (("table", 100.0), ("dqn", 98.0)):
        apart = [r for r in runs if r.learner == learner and r.degenerate]
        mine = [r for r in runs if r.learner == learner and not r.degenerate]
        if not mine:
            continue
        note = note_of(mine + apart)
        share = 100.0 * sum(r.solved for r in mine) / len(mine)
        by_kind = {k: solved_of(mine, lambda r, k=k: r.kind == k) for k in ("random", "pit rows")}
        slips = sorted({r.slippery for r in mine})
        by_slip = {s: solved_of(mine, lambda r, s=s: r.slippery == s) for s in slips}
        seeds = sorted({r.seed for r in mine})
        print(
            f"{learner}: solved {share:.1f}% of {len(mine)} runs (seeds {seeds}); "
            f"by kind {by_kind}; by slip {by_slip}; not counted, where jumping into "
            f"the first pit is within the tolerance: {solved_of(apart, bool)} solved"
        )
        name = "table" if learner == "table" else "DQN"
        row = {
            "what": f"gridworld maps solved optimally with defaults, {name}",
            "ours": round(share, 1),
            "unit": "%",
            "target": target,
            "note": f"{note}: {len(mine)} runs, {len(apart)} degenerate ones apart",
        }
        print("RESULT " + json.dumps(row))
    sb3 = {r.map_index: r for r in runs if r.learner == "sb3"}
    if "sb3" in learners and sb3:
        ours = [r for r in runs if r.learner == "dqn" and r.slippery == 0.0 and r.map_index in sb3]
        if not ours:
            return
        note = note_of(ours)
        mine, theirs = censored_median(ours), censored_median(list(sb3.values()))
        solved = f"DQN {solved_of(ours, bool)}, SB3 {solved_of(list(sb3.values()), bool)} solved"
        print(f"on the {len(sb3)} maps SB3 ran: {solved}; median seconds {mine} and {theirs}")
        row = {
            "what": "gridworld maps: median seconds to the first optimal policy, DQN",
            "ours": mine,
            "unit": "s",
            "anchor": theirs,
            "anchor_name": "SB3 DQN defaults",
            "higher_is_better": False,
            "target": 1.0,
            "note": (
                f"{note}: the {len(sb3)} deterministic maps SB3 ran on, same budget; {solved}; "
                "a run not solved within the budget counts as slower than any solved "
                "(None: not solved in half the runs)"
            ),
        }
        print("RESULT " + json.dumps(row))


def censored_median(runs: list[Run]) -> float | None:
    """The median seconds to solve, a run not solved counting as slower than any solved
    one; None where that is one not solved (fewer than half solved)."""
    times = sorted(r.seconds if r.seconds is not None else math.inf for r in runs)
    median = statistics.median(times) if times else math.inf
    return round(median, 2) if math.isfinite(median) else None


if __name__ == "__main__":
    main()
