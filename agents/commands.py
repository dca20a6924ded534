"""The ``train`` and ``eval`` commands.

    python main.py train tictactoe --agent tabular
    python main.py train gridworld --map maze --episodes 3000 --seed 1 --out runs/maze
    python main.py train gridworld --map lake4 --slippery
    python main.py train invaders --agent dqn --option obs_mode=pixels --set batch_size=32
    python main.py train --resume runs/tictactoe-tabular/agent.npz
    python main.py eval runs/tictactoe-tabular/agent.npz --vs minimax

``train`` shows a progress bar, then writes into ``--out`` the checkpoint
(``agent.npz`` for tables, ``agent.safetensors`` for networks), ``metrics.csv`` and
``learning_curve.png``, and prints an evaluation table.

Nothing learnt is lost: the checkpoint is saved atomically every ``--save-every``
episodes (default: every tenth of the run) and when training stops, each time after the
rows of metrics.csv it counts (so a kill loses at most the rows since the last save, and
a resumed run keeps every row up to its checkpoint). One run writes into a folder at a
time: a second ``train`` into the same ``--out`` refuses. Ctrl-C
or SIGTERM stops at the end of the episode under way, saves and exits with 128 + the
signal's number; a second signal stops after the current step instead (the unfinished
episode is then dropped on resume, so that resume is not bit-exact). Every save is made
between episodes otherwise, so ``train --resume CHECKPOINT`` with the same total
``--episodes`` ends with the table or weights the uninterrupted run would have had (for
DQN, when the checkpoint holds the replay buffer: ``--set save_replay_buffer=true``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.base import Agent
from qarcade.agents.threads import OneThread
from qarcade.agents.training import Trainer, training_env_options
from qarcade.games.core import OptionError

#: Whom a two-player learner can learn against: itself, or a fixed player.
OPPONENTS = ("self", *kinds.PLAYERS)
#: Progress-bar refreshes per second.
_REFRESH_HZ = 5.0


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``eval`` to the command line."""
    train = subparsers.add_parser(
        "train",
        help="train an agent headless, with a progress bar",
        description=(
            "Train an agent; writes a checkpoint, metrics.csv and learning_curve.png. "
            "The checkpoint is saved every --save-every episodes and when training stops "
            "on Ctrl-C or SIGTERM (at the end of the episode under way; a second signal "
            "stops at once); --resume continues a saved run exactly."
        ),
    )
    train.add_argument(
        "game", nargs="?", help=f"the game: {', '.join(games.names())} (not with --resume)"
    )
    train.add_argument(
        "--resume",
        metavar="CHECKPOINT",
        help="continue the run saved in CHECKPOINT: game, agent, settings, opponent and seed "
        "come from it; with the same total --episodes (or --steps) the result is the one "
        "the run would have had uninterrupted",
    )
    train.add_argument("--agent", choices=kinds.LEARNERS, help="the learner (default: tabular)")
    train.add_argument(
        "--episodes",
        type=int,
        help="total training episodes, counting those a resumed run already did "
        "(default: per game; with --resume: the saved run's total)",
    )
    train.add_argument(
        "--steps", type=int, help="total training env steps instead of episodes (as --episodes)"
    )
    train.add_argument("--seed", type=int, help="seed of the env and the agent (default: 0)")
    train.add_argument(
        "--out",
        help="output folder (default: runs/GAME-AGENT with the map, observation mode or "
        "other game options chosen between, e.g. runs/gridworld-lake8-dqn; with --resume: "
        "the checkpoint's, which is continued); a folder that holds another run is refused",
    )
    train.add_argument(
        "--vs",
        choices=OPPONENTS,
        help="two-player games: learn by self-play (default) or against a fixed opponent",
    )
    train.add_argument(
        "--save-every",
        type=int,
        metavar="N",
        help="save the checkpoint every N episodes (default: every tenth of the run; 0: "
        "only at the end)",
    )
    train.add_argument("--device", choices=("auto", "cpu", "cuda"), help="dqn: where to train")
    add_game_options(train)
    train.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an agent setting, e.g. --set learning_rate=0.5 (repeatable)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--tensorboard",
        metavar="DIR",
        help="also write the metrics.csv columns as TensorBoard scalars to DIR (needs tensorboard)",
    )
    train.set_defaults(handler=train_command)

    evaluate = subparsers.add_parser(
        "eval",
        help="evaluate a checkpoint and print a results table",
        description="Evaluate a saved agent greedily against baselines.",
    )
    evaluate.add_argument("checkpoint", help="a .npz or .safetensors checkpoint")
    evaluate.add_argument(
        "--vs",
        choices=kinds.PLAYERS,
        action="append",
        help="opponent or baseline (repeatable; default: all that fit the game)",
    )
    evaluate.add_argument("--games", type=int, help="games per seat or episodes")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the evaluation games")
    evaluate.set_defaults(handler=eval_command)

    bench = subparsers.add_parser(
        "bench",
        help="run the benchmarks and print the results table",
        description="Run benchmarks/report.py (every benchmark beside its anchor). Every "
        "other argument goes to report.py: --only NAME [NAME ...] runs those benchmarks "
        "(e.g. --only tabular_speed), --timeout S, --output FILE; after --, arguments for "
        "every benchmark run.",
    )
    # Arguments argparse does not know are report.py's (qarcade.cli.main hands them over).
    bench.set_defaults(handler=bench_command, pass_through=True)

    from qarcade.agents.sweep_command import add_subcommand as add_sweep

    add_sweep(subparsers)


def add_game_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--map``, ``--slippery`` and ``--option`` (read by :func:`game_options`)."""
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


# ----------------------------------------------------------------- train
class _StopFlag:
    """Counts SIGINT / SIGTERM while training. The first asks the loop to stop at the end
    of the episode under way (a checkpoint from there resumes exactly); a second, to stop
    after the current step. Either way the agent is saved, never lost mid-update."""

    def __init__(self) -> None:
        self.signals: list[int] = []
        self._previous: dict[int, Any] = {}

    @property
    def raised(self) -> bool:
        """A stop was asked for."""
        return bool(self.signals)

    @property
    def now(self) -> bool:
        """A second signal came: stop without finishing the episode."""
        return len(self.signals) >= 2

    def signal_name(self) -> str:
        return signal.Signals(self.signals[0]).name if self.signals else ""

    def _handle(self, signum: int, frame: Any) -> None:
        self.signals.append(signum)
        # os.write, not print: a handler may run while the progress bar is mid-write to
        # sys.stderr, and buffered writers refuse reentrant calls.
        message = (
            f"\n{signal.Signals(signum).name}: stopping at the end of this episode, then "
            "saving (signal again to stop at once)\n"
            if len(self.signals) == 1
            else f"\n{signal.Signals(signum).name}: stopping now, then saving\n"
        )
        with contextlib.suppress(OSError, ValueError):
            os.write(sys.stderr.fileno(), message.encode())

    def __enter__(self) -> _StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class _Progress:
    """The progress bar on stderr: tqdm, which fits the terminal's width as it changes and
    rewrites whole lines (no digits left over from a longer reading)."""

    def __init__(self, total: int, unit: str, quiet: bool, done: int = 0) -> None:
        from tqdm import tqdm

        self._done = done
        self._bar = tqdm(
            total=total,
            initial=done,
            unit=unit,
            dynamic_ncols=True,
            file=sys.stderr,
            disable=quiet,
            # The readings after the bar carry their own rates; tqdm's would repeat them.
            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}",
        )

    def update(self, done: int, postfix: str) -> None:
        self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        self._bar.close()


@dataclasses.dataclass
class _Run:
    """What ``train`` works on, new or resumed: ``rows`` are the metrics.csv rows of the
    episodes already done (a resumed run's, up to its checkpoint)."""

    trainer: Any
    checkpoint: Path
    seed: int
    rows: list[dict[str, Any]]
    notes: list[str]


def train_command(args: argparse.Namespace) -> int:
    """``python main.py train``: train (or resume), save, plot, evaluate."""
    from qarcade.games.files import FolderLock

    if args.episodes is not None and args.steps is not None:
        raise OptionError("give --episodes or --steps, not both")
    for name, value in (("--episodes", args.episodes), ("--steps", args.steps)):
        if value is not None and value < 1:
            raise OptionError(f"{name} must be at least 1, got {value}")
    if args.save_every is not None and args.save_every < 0:
        raise OptionError(
            f"--save-every must be 0 (only at the end) or more, got {args.save_every}"
        )
    if args.seed is not None and args.seed < 0:
        raise OptionError(f"--seed must be 0 or more, got {args.seed}")
    run = _resumed_run(args) if args.resume else _new_run(args)
    # The lock proves the folder can be written before any training is spent, and keeps
    # a second run from writing into it meanwhile.
    with FolderLock(run.checkpoint.parent):
        return _train(args, run)


def _train(args: argparse.Namespace, run: _Run) -> int:
    from qarcade.agents import evaluation
    from qarcade.agents.plotting import append_csv, plot_learning_curve, read_csv, write_csv

    trainer, agent, env = run.trainer, run.trainer.agent, run.trainer.env
    one_thread_on_cpu(agent)
    out, checkpoint = run.checkpoint.parent, run.checkpoint
    csv_path = out / "metrics.csv"
    by_episodes = trainer.total_episodes is not None
    total = trainer.total_episodes if by_episodes else trainer.total_steps
    for note in run.notes:
        print(f"note: the resumed run will not match an uninterrupted one: {note}", file=sys.stderr)
    extended = schedule_note(trainer)
    if extended:
        print(f"note: {extended}", file=sys.stderr)

    # The record starts as the episodes already done; the rows of episodes since the
    # last save wait in ``unsaved``, appended to the file just before each checkpoint.
    write_csv(csv_path, run.rows)
    unsaved: list[dict[str, Any]] = []
    best_path = out / f"best{agent.checkpoint_suffix}"
    recorder = EpisodeRecorder(trainer, unsaved, best_path=best_path)
    save = _SaveSchedule(args.save_every, by_episodes, total, trainer)
    tensorboard = None
    if args.tensorboard:
        try:
            from qarcade.agents.tensorboard import TensorBoardWriter
        except ImportError as error:
            raise OptionError(str(error)) from None
        tensorboard = TensorBoardWriter(args.tensorboard)

    def save_checkpoint() -> str:
        append_csv(csv_path, unsaved)
        unsaved.clear()
        return agent.save(str(checkpoint), training=trainer.state_dict())

    def record(trainer: Any, stats: Any) -> None:
        row = recorder(trainer, stats)
        if tensorboard is not None:
            tensorboard.write(row)
        if save.due(trainer):
            save_checkpoint()

    trainer.callbacks.append(record)
    progress = _Progress(
        total,
        "episodes" if by_episodes else "steps",
        args.quiet,
        done=trainer.episodes if by_episodes else trainer.steps,
    )
    started_steps, started = trainer.steps, time.perf_counter()
    with _StopFlag() as stop:
        _train_loop(trainer, progress, stop, by_episodes=by_episodes)
        progress.close()
        # Still under the handlers: a signal now cannot cut the final save short.
        saved = save_checkpoint()
    elapsed = time.perf_counter() - started
    if tensorboard is not None:
        tensorboard.close()

    title = f"{env.name} {agent.name} ({trainer.episodes} episodes, seed {run.seed})"
    plot_learning_curve(
        out / "learning_curve.png",
        read_csv(csv_path, trainer.episodes),
        title=title,
        eval_label=recorder.eval_label,
        test_label=recorder.test_label,
    )
    memory = agent.memory_report()
    steps = trainer.steps - started_steps
    print(
        f"trained {trainer.episodes} episodes, {trainer.steps} steps ({steps} in "
        f"{elapsed:.1f} s, {steps / max(elapsed, 1e-9):,.0f} steps/s); memory: "
        + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in memory.items())
    )
    print(f"saved {saved}, {csv_path}, {out / 'learning_curve.png'}")
    if stop.raised:
        done = trainer.episodes if by_episodes else trainer.steps
        if done >= total:
            print(
                f"{stop.signal_name()} came as the run finished: saved {saved}, all "
                f"{total} {'episodes' if by_episodes else 'steps'} trained",
                file=sys.stderr,
            )
            return 128 + stop.signals[0]
        where = (
            "in the middle of an episode (a resumed run starts a new one)"
            if trainer.in_episode
            else "at the end of an episode"
        )
        print(
            f"interrupted: saved {saved} after {trainer.episodes} episodes, {where}, on "
            f"{stop.signal_name()}; continue with: python main.py train --resume {saved}",
            file=sys.stderr,
        )
        return 128 + stop.signals[0]
    best = recorder.best
    if best is not None and best.best_step is not None:
        print(
            f"best greedy policy: {recorder.eval_label} {best.best_score:.4g} at step "
            f"{best.best_step:,}, saved {best_path}"
        )
    print()
    print(evaluation.format_table(evaluation.evaluate(env, agent, seed=run.seed + 10_000)))
    return 0


def one_thread_on_cpu(agent: Agent) -> None:
    """Give torch and numpy's BLAS one thread for the rest of the process when ``agent``
    is a network on the CPU (:class:`~agents.threads.OneThread`): a DQN this small
    trains fastest on one thread; two spin-wait on each other (25x slower on a busy
    2-core machine)."""
    if getattr(getattr(agent, "device", None), "type", None) == "cpu":
        OneThread()


class EpisodeRecorder:
    """Turns finished episodes into the rows of a run's metrics.csv, scoring the greedy
    policy with the game's progress score (:func:`~agents.evaluation.progress_score`)
    every twentieth of the budget (episodes or steps, at the end of an episode) and
    keeping the best (:class:`~agents.evaluation.BestPolicy`; saved to ``best_path``
    whenever it improves, if given), and at the same points, in two-player self-play,
    with greedy test games against a random player (the ``test`` column: self-play
    results say nothing of strength when both seats are the learner). Call it as a
    trainer callback.

    Attributes:
        rows: the rows so far (a resumed run's earlier rows first).
        eval_label: what the ``eval`` column measures.
        test_label: what the ``test`` column measures.
    """

    def __init__(
        self, trainer: Trainer, rows: list[dict[str, Any]], *, best_path: Path | None = None
    ) -> None:
        from qarcade.agents import evaluation

        self.rows = rows
        scorer = evaluation.progress_score(trainer.env)
        self.eval_label = scorer[0] if scorer else "evaluation"
        self._by_episodes = trainer.total_episodes is not None
        total = trainer.total_episodes if self._by_episodes else trainer.total_steps
        self._eval_every = max(1, total // 20) if total else 0
        self._next_eval = self._eval_after(trainer)
        #: The best greedy policy scored so far (None where the game has no score).
        self.best = evaluation.BestPolicy(trainer.agent, scorer[1]) if scorer else None
        self.best_path = best_path
        self.test_label = (
            f"greedy test games won vs random ({2 * evaluation.TEST_GAMES} at a point)"
        )
        # The test games play on an env of their own: the training game is left as it is.
        env = trainer.env
        self._test_env = games.make(env.name, **env.options) if trainer.self_play else None

    def _done(self, trainer: Trainer) -> int:
        return trainer.episodes if self._by_episodes else trainer.steps

    def _eval_after(self, trainer: Trainer) -> int:
        """The next multiple of the evaluation interval: fixed points of the budget, so a
        resumed run evaluates (and draws its test games' numbers) where the whole run
        would have, and continues it exactly."""
        done = self._done(trainer)
        return (done // self._eval_every + 1) * self._eval_every if self._eval_every else 0

    def __call__(self, trainer: Trainer, stats: Any) -> dict[str, Any]:
        """Append (and return) the row of the episode ``stats`` describes."""
        row = {
            "episode": stats.episode,
            "steps": stats.total_steps,
            "return": round(stats.ret, 6),
            "outcome": stats.outcome,
            "epsilon": round(stats.epsilon, 6),
        }
        if self._eval_every and self._done(trainer) >= self._next_eval:
            self._next_eval = self._eval_after(trainer)
            if self.best is not None:
                value, kept = self.best.offer(stats.total_steps)
                row["eval"] = round(value, 6)
                trainer.metrics.evaluations.append((stats.episode, row["eval"]))
                if kept and self.best_path is not None:
                    trainer.agent.save(str(self.best_path))
            if self._test_env is not None:
                from qarcade.agents import evaluation

                won = evaluation.win_rate(self._test_env, trainer.agent, seed=stats.episode)
                row["test"] = round(won, 6)
        self.rows.append(row)
        return row


def _new_run(args: argparse.Namespace) -> _Run:
    """The trainer of a fresh run from the command line's game, agent and options."""
    if args.game is None:
        raise OptionError(
            f"name a game ({', '.join(games.names())}) or continue a run with --resume CHECKPOINT"
        )
    seed = 0 if args.seed is None else args.seed
    trainer = new_trainer(
        args.game,
        args.agent or kinds.LEARNERS[0],
        options=game_options(args),
        overrides=parse_assignments(args.set, "--set"),
        seed=seed,
        vs=args.vs or "self",
        episodes=args.episodes,
        steps=args.steps,
        device=args.device,
    )
    kind = args.agent or kinds.LEARNERS[0]
    out = Path(args.out) if args.out else default_run_folder(args.game, game_options(args), kind)
    refuse_to_replace(out)
    return _Run(trainer, out / f"agent{trainer.agent.checkpoint_suffix}", seed, [], [])


def new_trainer(
    game: str,
    kind: str,
    *,
    options: dict[str, Any],
    overrides: dict[str, Any],
    seed: int,
    vs: str = "self",
    episodes: int | None = None,
    steps: int | None = None,
    device: str | None = None,
) -> Trainer:
    """The :class:`~agents.training.Trainer` of a fresh ``train`` run (a sweep's trials
    are built by it too): ``game`` with the training env options and ``options`` on top,
    a ``kind`` learner with the game's defaults and ``overrides``, against ``vs`` (self,
    random or minimax), for ``episodes`` or ``steps`` (default: the agent config's)."""

    env = games.make(game, **training_env_options(game, options))
    agent = kinds.make_learner(kind, env, seed=seed, overrides=overrides, device=device)
    opponent = None
    if env.num_players == 2 and vs != "self":
        opponent = kinds.make_player(vs, env.name, seed=seed + 1)
    elif env.num_players == 1 and vs != "self":
        raise OptionError(f"{env.name} is a one-player game; --vs needs a two-player game")
    if episodes is None and steps is None:
        episodes, steps = kinds.budget(agent)
    return Trainer(env, agent, opponent=opponent, seed=seed, episodes=episodes, steps=steps)


def default_run_folder(game: str, options: dict[str, Any], agent: str) -> Path:
    """``runs/GAME[-VARIANT...]-AGENT``: the game, then what the person chose of it (a
    map by its name, an observation mode, a preset, ``slippery``...), then the learner,
    so that runs of one game on different maps or observations never share a folder."""
    parts = [game]
    for key, value in sorted(options.items()):
        if key == "map" and isinstance(value, str):
            parts.append(Path(value).stem)
        elif value is True:
            parts.append(key)
        elif isinstance(value, str):
            parts.append(value)
        elif value is not False and value is not None:
            parts.append(f"{key}{value}")
    parts.append(agent)
    name = "-".join(re.sub(r"[^A-Za-z0-9_.]+", "_", part).strip("._") or "_" for part in parts)
    return Path("runs") / name


#: The files a run leaves in its folder; a folder holding one of them holds a run.
RUN_FILES = ("agent.npz", "agent.safetensors", "metrics.csv")


def refuse_to_replace(out: Path, *, resuming: Path | None = None) -> None:
    """Raise when ``out`` already holds another run (its checkpoint or learning curve):
    a new run never silently replaces one. The message says how to continue that run
    (``--resume``) or where else to go (``--out``)."""
    found = [name for name in RUN_FILES if (out / name).is_file()]
    if not found or (resuming is not None and resuming.parent.resolve() == out.resolve()):
        return
    checkpoint = next((out / name for name in RUN_FILES[:2] if (out / name).is_file()), None)
    how = (
        f"continue it with: python main.py train --resume {checkpoint} --episodes TOTAL, or "
        if checkpoint is not None
        else ""
    )
    raise OptionError(
        f"{out} already holds a run ({', '.join(found)}); {how}give a new folder with "
        "--out DIR (or remove that one) to start another"
    )


#: Flags that make a new run; a resumed run takes all of them from its checkpoint.
_NEW_RUN_FLAGS = {
    "agent": "--agent",
    "seed": "--seed",
    "vs": "--vs",
    "map": "--map",
    "slippery": "--slippery",
    "option": "--option",
    "set": "--set",
}


def _resumed_run(args: argparse.Namespace) -> _Run:
    """The trainer of the run saved in ``--resume``, at its saved counters."""
    from qarcade.agents.training import resume

    given = [flag for name, flag in _NEW_RUN_FLAGS.items() if getattr(args, name)]
    if given:
        raise OptionError(
            f"{', '.join(given)} cannot be combined with --resume: the game, agent, settings "
            "and seed come from the checkpoint (drop them, or start a new run without --resume)"
        )
    config = {"device": args.device} if args.device is not None else None
    if config is not None and not args.resume.endswith(".safetensors"):
        raise OptionError("--device is for dqn checkpoints (.safetensors)")
    resumed = resume(
        args.resume, game=args.game, episodes=args.episodes, steps=args.steps, config=config
    )
    trainer = resumed.trainer
    by_episodes = trainer.total_episodes is not None
    done, total = (
        (trainer.episodes, trainer.total_episodes)
        if by_episodes
        else (trainer.steps, trainer.total_steps)
    )
    unit = "episodes" if by_episodes else "steps"
    if total is not None and done >= total:
        raise OptionError(
            f"{args.resume}: already trained {done} of {total} {unit}; give a larger "
            f"--{unit} (the total to reach) to train on"
        )
    resume_path = Path(args.resume)
    checkpoint = resume_path
    if args.out:
        refuse_to_replace(Path(args.out), resuming=resume_path)
        checkpoint = Path(args.out) / f"agent{trainer.agent.checkpoint_suffix}"
    from qarcade.agents.plotting import read_csv

    # Rows past the checkpoint (episodes a kill cut off before they were saved) are
    # dropped: the resumed run plays those episodes again.
    rows = read_csv(resume_path.parent / "metrics.csv", trainer.episodes)
    if by_episodes and len(rows) < trainer.episodes:
        print(
            f"note: {resume_path.parent / 'metrics.csv'} holds {len(rows)} of the "
            f"{trainer.episodes} episodes before the checkpoint; its curve has a gap",
            file=sys.stderr,
        )
    seed = trainer.seed if trainer.seed is not None else 0
    return _Run(trainer, checkpoint, seed, rows, resumed.notes)


def schedule_note(trainer: Any) -> str | None:
    """How epsilon goes on when a resumed run's budget is larger than the one its
    schedule runs over (None otherwise): it continues, it does not start over."""
    schedule, budget = trainer.schedule, trainer.schedule_budget
    by_episodes = trainer.total_episodes is not None
    total = trainer.total_episodes if by_episodes else trainer.total_steps
    if schedule is None or not budget or not total or total <= budget:
        return None
    if schedule.start_e == schedule.end_e or schedule.exploration_fraction <= 0:
        return None  # a constant epsilon: nothing to say about how it goes on
    unit = "episodes" if by_episodes else "steps"
    done = trainer.episodes if by_episodes else trainer.steps
    decayed_by = math.ceil(schedule.exploration_fraction * budget)
    extending = f"the run goes on to {total:,} {unit}; exploration keeps its schedule"
    # A schedule may rise: a person may set end_e above start_e.
    moved, way = ("fell", "down") if schedule.end_e < schedule.start_e else ("rose", "up")
    if done >= decayed_by:
        return (
            f"{extending} (ε {moved} from {schedule.start_e:g} to {schedule.end_e:g} over "
            f"the first {decayed_by:,} {unit}), so ε stays at {schedule.end_e:g}"
        )
    return (
        f"{extending}: ε goes on from {schedule(done / budget):.2f} {way} to "
        f"{schedule.end_e:g} at {decayed_by:,} {unit}, then stays there"
    )


class _SaveSchedule:
    """When ``train`` saves its checkpoint besides at the end: every ``every`` episodes
    (0: never), or by default at every tenth of the budget (checked at episode ends, so
    every save resumes exactly)."""

    def __init__(self, every: int | None, by_episodes: bool, total: int, trainer: Any) -> None:
        self.every_episodes = every if every is not None else 0
        self.every_steps = 0
        if every is None:
            if by_episodes:
                self.every_episodes = max(1, math.ceil(total / 10))
            else:
                self.every_steps = max(1, math.ceil(total / 10))
        self._next_step = (
            (trainer.steps // self.every_steps + 1) * self.every_steps if self.every_steps else 0
        )

    def due(self, trainer: Any) -> bool:
        """True at the end of an episode that should be followed by a save."""
        if self.every_episodes:
            return trainer.episodes % self.every_episodes == 0
        if self.every_steps and trainer.steps >= self._next_step:
            self._next_step = (trainer.steps // self.every_steps + 1) * self.every_steps
            return True
        return False


def _train_loop(trainer: Any, progress: _Progress, stop: _StopFlag, *, by_episodes: bool) -> None:
    """Run the trainer in chunks sized to refresh the bar about :data:`_REFRESH_HZ` times a
    second, until the budget is spent or a signal stops it (at the end of an episode, or
    at once after a second signal)."""
    budget = trainer.total_episodes if by_episodes else trainer.total_steps

    def should_stop() -> bool:
        return stop.now or (stop.raised and not trainer.in_episode)

    chunk = 1
    while not should_stop():
        done = trainer.episodes if by_episodes else trainer.steps
        if done >= budget:
            break
        n = min(chunk, budget - done)
        tic = time.perf_counter()
        if by_episodes:
            trainer.run(episodes=n, should_stop=should_stop)
        else:
            for _ in range(n):
                trainer.step()
                if should_stop():
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
        f"eps {trainer.learner.epsilon:.2f}",
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
    from qarcade.agents import evaluation
    from qarcade.agents.checkpoints import load_agent, read_metadata

    meta = read_metadata(args.checkpoint)
    agent = load_agent(args.checkpoint)
    env = games.make(meta["game"], **meta["game_options"])
    if args.games is not None and args.games < 1:
        raise OptionError(f"--games must be at least 1, got {args.games}")
    rows = evaluation.evaluate(env, agent, vs=args.vs, games=args.games, seed=args.seed)
    options = options_text(meta["game"], meta["game_options"])
    print(
        f"{args.checkpoint}: {meta['agent']} agent for {meta['game']}{options}, trained "
        f"{meta['episodes']:,} episodes / {meta['steps']:,} steps"
    )
    print(evaluation.format_table(rows))
    return 0


def options_text(game: str, options: dict[str, Any]) -> str:
    """Game options as a person reads them, `` (map lake4, slippery 0.2)``: the map,
    for a game a person picks maps in (``--map``), and the options that differ from the
    game's defaults; empty for none."""
    import inspect

    params = inspect.signature(games.env_class(game).__init__).parameters
    has_maps = games.spec(game).maps is not None
    shown = [
        f"{key} {value}"
        for key, value in options.items()
        # A map kept in the options (the gridworld's layout) is a screenful, not a name.
        if not (isinstance(value, str) and "\n" in value)
        and (
            (key == "map" and has_maps)
            or key not in params
            or params[key].default is inspect.Parameter.empty
            or params[key].default != value
        )
    ]
    return f" ({', '.join(shown)})" if shown else ""


# ----------------------------------------------------------------- bench
def bench_command(args: argparse.Namespace) -> int:
    """``python main.py bench [report.py's arguments]``: run benchmarks/report.py in a
    subprocess and exit with its status (non-zero when a benchmark is unknown or fails)."""
    import subprocess

    report = Path(__file__).resolve().parent.parent / "benchmarks" / "report.py"
    if not report.exists():
        raise OptionError(f"{report} is missing; benchmarks ship with the source checkout only")
    return subprocess.call([sys.executable, str(report), *args.passed_through])
