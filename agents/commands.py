"""The ``train`` and ``eval`` commands.

    python main.py train tictactoe --agent tabular
    python main.py train gridworld --map maze --episodes 3000 --seed 1 --out runs/maze
    python main.py train gridworld --map lake4 --slippery
    python main.py train invaders --agent dqn --option obs_mode=pixels --set batch_size=32
    python main.py eval runs/tictactoe-tabular/agent.npz --vs minimax

``train`` shows a progress bar, then writes into ``--out`` the checkpoint
(``agent.npz`` for tables, ``agent.safetensors`` for networks), ``metrics.csv`` and
``learning_curve.png``, and prints an evaluation table. Ctrl-C (or SIGTERM) stops after
the current step and saves what was learnt so far.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import games
from agents.base import Agent
from games.core import Env, OptionError

AGENTS = ("tabular", "dqn")
OPPONENTS = ("self", "random", "minimax")
#: Progress-bar refreshes per second.
_REFRESH_HZ = 5.0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``eval`` to the command line."""
    train = subparsers.add_parser(
        "train",
        help="train an agent headless, with a progress bar",
        description="Train an agent; writes a checkpoint, metrics.csv and learning_curve.png.",
    )
    train.add_argument("game", help=f"the game: {', '.join(games.GAMES)}")
    train.add_argument("--agent", choices=AGENTS, default="tabular", help="the learner")
    train.add_argument("--episodes", type=int, help="training episodes (default: per game)")
    train.add_argument("--steps", type=int, help="training env steps instead of episodes")
    train.add_argument("--seed", type=int, default=0, help="seed of the env and the agent")
    train.add_argument("--out", help="output folder (default: runs/GAME-AGENT)")
    train.add_argument(
        "--vs",
        choices=OPPONENTS,
        default="self",
        help="two-player games: learn by self-play or against a fixed opponent",
    )
    train.add_argument("--save-every", type=int, metavar="N", help="also save every N episodes")
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), help="dqn: where to train")
    _add_game_options(train)
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an agent setting, e.g. --set learning_rate=0.5 (repeatable)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.set_defaults(handler=train_command)

    evaluate = subparsers.add_parser(
        "eval",
        help="evaluate a checkpoint and print a results table",
        description="Evaluate a saved agent greedily against baselines.",
    )
    evaluate.add_argument("checkpoint", help="a .npz or .safetensors checkpoint")
    evaluate.add_argument(
        "--vs",
        choices=("random", "minimax", "scripted"),
        action="append",
        help="opponent or baseline (repeatable; default: all that fit the game)",
    )
    evaluate.add_argument("--games", type=int, help="games per seat or episodes")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the evaluation games")
    evaluate.set_defaults(handler=eval_command)

    bench = subparsers.add_parser(
        "bench",
        help="run the benchmarks and print the results table",
        description="Run benchmarks/report.py (every benchmark beside its anchor).",
    )
    bench.add_argument(
        "report_args",
        nargs=argparse.REMAINDER,
        help="arguments for benchmarks/report.py, e.g. --only tabular_speed",
    )
    bench.set_defaults(handler=bench_command)


def _add_game_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", help="gridworld: a shipped map name or a .txt map file")
    parser.add_argument(
        "--slippery",
        nargs="?",
        const="true",
        metavar="P",
        help="gridworld: slip sideways (alone: FrozenLake's 2/3; or a probability)",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other game option, e.g. --option preset=small (repeatable)",
    )


# ----------------------------------------------------------------- parsing helpers
def parse_assignments(items: list[str], what: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` -> ``{"a": 1, "b": "x"}``; values are read as JSON when they
    parse (numbers, true/false, lists), else kept as strings."""
    values: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise OptionError(f"{what} {item!r} is not KEY=VALUE")
        try:
            values[key.replace("-", "_")] = json.loads(raw)
        except ValueError:
            values[key.replace("-", "_")] = raw
    return values


def game_options(args: argparse.Namespace) -> dict[str, Any]:
    """The env options given on the command line."""
    options = parse_assignments(args.option, "--option")
    if args.map is not None:
        options["map"] = args.map
    if args.slippery is not None:
        value = parse_assignments([f"slippery={args.slippery}"], "--slippery")["slippery"]
        if not isinstance(value, (bool, int, float)):
            raise OptionError(f"--slippery takes a probability in [0, 1], got {args.slippery!r}")
        options["slippery"] = value
    return options


def make_agent(
    kind: str, env: Env, *, seed: int, overrides: dict[str, Any], device: str | None = None
) -> Agent:
    """A fresh learner of ``kind`` for ``env`` with the game's defaults plus
    ``overrides``."""
    if kind == "tabular":
        from agents.tabular import TabularConfig, TabularQAgent

        config = TabularConfig.for_game(env.name, env.options)
        names = {f.name for f in dataclasses.fields(config)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise OptionError(
                f"unknown tabular setting(s) {', '.join(unknown)}; "
                f"valid: {', '.join(sorted(names))}"
            )
        return TabularQAgent.for_env(env, dataclasses.replace(config, **overrides), seed=seed)
    if kind == "dqn":
        from agents.dqn import DQNAgent, DQNConfig

        if device is not None:
            overrides = {**overrides, "device": device}
        return DQNAgent.for_env(env, DQNConfig.for_game(env.name, **overrides), seed=seed)
    raise OptionError(f"unknown agent {kind!r}; choose one of: {', '.join(AGENTS)}")


# ----------------------------------------------------------------- train
class _StopFlag:
    """Set by SIGINT / SIGTERM while training, so the loop stops between steps and the
    agent is saved instead of lost mid-update."""

    def __init__(self) -> None:
        self.raised = False
        self._previous: dict[int, Any] = {}

    def __call__(self) -> bool:
        return self.raised

    def _handle(self, signum: int, frame: Any) -> None:
        self.raised = True

    def __enter__(self) -> _StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class _Progress:
    """A progress bar on stderr: tqdm when installed, else a plain one-line bar."""

    def __init__(self, total: int, unit: str, quiet: bool) -> None:
        self.total, self.unit, self.quiet = total, unit, quiet
        self._bar = None
        self._done = 0
        if quiet:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total, unit=unit, dynamic_ncols=True, file=sys.stderr)

    def update(self, done: int, postfix: str) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(done - self._done)
            self._bar.set_postfix_str(postfix, refresh=True)
        else:
            width = 30
            filled = int(width * done / max(self.total, 1))
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {self.unit} "
                f"{postfix}"
            )
            sys.stderr.flush()
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif not self.quiet:
            sys.stderr.write("\n")


def train_command(args: argparse.Namespace) -> int:
    """``python main.py train``: train, save, plot, evaluate."""
    from agents import evaluation
    from agents.plotting import plot_learning_curve, write_csv
    from agents.training import Trainer

    options = game_options(args)
    if args.agent == "tabular":
        from agents.tabular import TRAIN_ENV_OPTIONS

        options = {**TRAIN_ENV_OPTIONS.get(args.game, {}), **options}
    env = games.make(args.game, **options)
    agent = make_agent(
        args.agent,
        env,
        seed=args.seed,
        overrides=parse_assignments(args.set, "--set"),
        device=args.device,
    )
    opponent = None
    if env.num_players == 2 and args.vs != "self":
        opponent = evaluation.make_opponent(args.vs, env, seed=args.seed + 1)
    elif env.num_players == 1 and args.vs != "self":
        raise OptionError(f"{env.name} is a one-player game; --vs needs a two-player game")

    episodes, steps = args.episodes, args.steps
    config = getattr(agent, "config", None)
    if episodes is None and steps is None:
        episodes = getattr(config, "episodes", None)
        if episodes is None:
            steps = getattr(config, "total_timesteps", 100_000)
    for name, value in (("--episodes", episodes), ("--steps", steps)):
        if value is not None and value < 1:
            raise OptionError(f"{name} must be at least 1, got {value}")
    trainer = Trainer(env, agent, opponent=opponent, seed=args.seed, episodes=episodes, steps=steps)

    out = Path(args.out or f"runs/{env.name}-{agent.name}")
    checkpoint = out / f"agent{agent.checkpoint_suffix}"
    rows: list[dict[str, Any]] = []
    scorer = evaluation.progress_score(env)
    eval_every = max(1, (episodes or 0) // 20) if episodes else 0

    def record(trainer: Trainer, stats: Any) -> None:
        row = {
            "episode": stats.episode,
            "steps": stats.total_steps,
            "return": round(stats.ret, 6),
            "outcome": stats.outcome,
            "epsilon": round(stats.epsilon, 6),
        }
        if scorer is not None and eval_every and stats.episode % eval_every == 0:
            row["eval"] = round(scorer[1](agent), 6)
            trainer.metrics.evaluations.append((stats.episode, row["eval"]))
        rows.append(row)
        if args.save_every and stats.episode % args.save_every == 0:
            agent.save(str(checkpoint), training=trainer.state_dict())

    trainer.callbacks.append(record)
    total = episodes if episodes is not None else steps
    unit = "episodes" if episodes is not None else "steps"
    progress = _Progress(total, unit, args.quiet)
    started = time.perf_counter()
    with _StopFlag() as stop:
        _train_loop(trainer, progress, stop, by_episodes=episodes is not None)
    progress.close()
    elapsed = time.perf_counter() - started

    saved = agent.save(str(checkpoint), training=trainer.state_dict())
    title = f"{env.name} {agent.name} ({trainer.episodes} episodes, seed {args.seed})"
    write_csv(out / "metrics.csv", rows)
    plot_learning_curve(
        out / "learning_curve.png",
        rows,
        title=title,
        eval_label=scorer[0] if scorer else "evaluation",
        outcome_labels=(
            ("first player wins", "draws", "second player wins")
            if trainer.self_play
            else ("learner wins", "draws", "learner losses")
        ),
    )
    memory = agent.memory_report()
    print(
        f"trained {trainer.episodes} episodes, {trainer.steps} steps in {elapsed:.1f} s "
        f"({trainer.steps / max(elapsed, 1e-9):,.0f} steps/s); memory: "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in memory.items())
    )
    print(f"saved {saved}, {out / 'metrics.csv'}, {out / 'learning_curve.png'}")
    if stop.raised:
        print("interrupted: saved what was learnt so far", file=sys.stderr)
        return 130
    print()
    print(evaluation.format_table(evaluation.evaluate(env, agent, seed=args.seed + 10_000)))
    return 0


def _train_loop(
    trainer: Any, progress: _Progress, stop: Callable[[], bool], *, by_episodes: bool
) -> None:
    """Run the trainer in chunks sized to refresh the bar about :data:`_REFRESH_HZ` times a
    second, until the budget is spent or ``stop()``."""
    budget = trainer.total_episodes if by_episodes else trainer.total_steps
    chunk = 1
    while not stop():
        done = trainer.episodes if by_episodes else trainer.steps
        if done >= budget:
            break
        n = min(chunk, budget - done)
        tic = time.perf_counter()
        if by_episodes:
            trainer.run(episodes=n, should_stop=stop)
        else:
            for _ in range(n):
                trainer.step()
                if stop():
                    break
        spent = time.perf_counter() - tic
        # Grow or shrink the chunk toward one refresh period.
        target = max(1, int(n / max(spent, 1e-6) / _REFRESH_HZ))
        chunk = max(1, min(target, 2 * chunk))
        trainer.metrics.tick(trainer.steps, trainer.episodes)
        progress.update(trainer.episodes if by_episodes else trainer.steps, _postfix(trainer))


def _postfix(trainer: Any) -> str:
    """The progress bar's readings: speed, epsilon, results, latest evaluation, loss."""
    metrics = trainer.metrics
    parts = [
        f"{metrics.episodes_per_second:,.0f} ep/s",
        f"{metrics.steps_per_second:,.0f} steps/s",
        f"eps {getattr(trainer.agent, 'epsilon', 0.0):.2f}",
    ]
    if metrics.outcomes and trainer.opponent is not None:
        win, draw, loss = metrics.outcome_rates()
        parts.append(f"W/D/L {win:.0%}/{draw:.0%}/{loss:.0%}")
    elif metrics.returns and not metrics.outcomes:
        parts.append(f"return {metrics.mean_return():.3g}")
    if metrics.evaluations:
        parts.append(f"eval {metrics.evaluations[-1][1]:.4g}")
    loss = metrics.recent_loss()
    if loss is not None and math.isfinite(loss):
        parts.append(f"loss {loss:.3g}")
    return " ".join(parts)


# ----------------------------------------------------------------- eval
def eval_command(args: argparse.Namespace) -> int:
    """``python main.py eval``: load a checkpoint, play it greedily, print a table."""
    from agents import evaluation
    from agents.checkpoints import load_agent, read_metadata

    meta = read_metadata(args.checkpoint)
    agent = load_agent(args.checkpoint)
    env = games.make(meta["game"], **meta["game_options"])
    if args.games is not None and args.games < 1:
        raise OptionError(f"--games must be at least 1, got {args.games}")
    print(
        f"{args.checkpoint}: {meta['agent']} agent for {meta['game']} "
        f"{meta['game_options'] or ''}, trained {meta['episodes']} episodes / "
        f"{meta['steps']} steps".replace("  ", " ")
    )
    rows = evaluation.evaluate(env, agent, vs=args.vs, games=args.games, seed=args.seed)
    print(evaluation.format_table(rows))
    return 0


# ----------------------------------------------------------------- bench
def bench_command(args: argparse.Namespace) -> int:
    """``python main.py bench``: run benchmarks/report.py in a subprocess."""
    import subprocess

    report = Path(__file__).resolve().parent.parent / "benchmarks" / "report.py"
    if not report.exists():
        raise OptionError(f"{report} is missing; benchmarks ship with the source checkout only")
    return subprocess.call([sys.executable, str(report), *args.report_args])
