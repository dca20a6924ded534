"""The ``sweep`` command: seeds and settings of ``train`` on Ray Tune (:mod:`agents.sweep`).

    python main.py sweep tictactoe --grid-set learning_rate=0.2,0.5 --seeds 4 --episodes 3000
    python main.py sweep --resume runs/sweeps/tictactoe-tabular

This module only parses; Ray is imported when a sweep runs, and a missing extra is a
one-line message.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from qarcade import games
from qarcade.games.core import OptionError

#: What a sweep needs that the base install lacks.
EXTRA_HINT = 'sweeps run on Ray Tune: pip install -e ".[scale]" (or pip install "ray[tune]" scipy)'


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sweep`` to the command line."""
    from qarcade.agents import kinds
    from qarcade.agents.commands import OPPONENTS, add_game_options

    sweep = subparsers.add_parser(
        "sweep",
        help="train many seeds and settings on Ray Tune (needs the scale extra)",
        description=(
            "Train every combination of the --grid-* values (times --samples draws of the "
            "--search-* distributions) with every seed, each trial a train run, on a local "
            "Ray or a cluster (--address). Prints per setting the mean, the interquartile "
            "mean and its 95% bootstrap interval over seeds; writes summary.csv, "
            "curves.png and the best checkpoint, which versus and the menu then play. "
            "An interrupted sweep continues with --resume, keeping its finished trials."
        ),
    )
    sweep.add_argument(
        "game", nargs="?", help=f"the game: {', '.join(games.names())} (not with --resume)"
    )
    sweep.add_argument(
        "--resume",
        metavar="FOLDER",
        help="continue the sweep in FOLDER: finished trials are kept, the others go on "
        "from their last checkpoint",
    )
    sweep.add_argument("--agent", choices=kinds.LEARNERS, help="the learner (default: tabular)")
    sweep.add_argument(
        "--seeds",
        default="4",
        help="N (seeds 0..N-1) or a comma list, e.g. 0,7,11 (default: 4)",
    )
    sweep.add_argument("--episodes", type=int, help="each trial's episodes (default: per game)")
    sweep.add_argument("--steps", type=int, help="each trial's env steps instead of episodes")
    sweep.add_argument("--vs", choices=OPPONENTS, help="two-player games: whom to learn against")
    sweep.add_argument("--device", choices=("auto", "cpu", "cuda"), help="dqn: where to train")
    add_game_options(sweep)
    sweep.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an agent setting every trial uses (repeatable)",
    )
    for part, what in (("set", "agent setting"), ("option", "game option")):
        sweep.add_argument(
            f"--grid-{part}",
            action="append",
            default=[],
            metavar="KEY=V1,V2,...",
            help=f"a grid over an {what}'s values (a JSON list for values with commas; "
            "repeatable: every combination is a setting)",
        )
        sweep.add_argument(
            f"--search-{part}",
            action="append",
            default=[],
            metavar="KEY=DIST:A:B",
            help=f"draw an {what} from uniform, loguniform or randint between A and B, or "
            "choice:V1:V2:... (repeatable; --samples draws)",
        )
    sweep.add_argument(
        "--samples", type=int, default=4, help="draws of the --search-* settings (default: 4)"
    )
    sweep.add_argument("--search-seed", type=int, default=0, help="seed of those draws")
    sweep.add_argument(
        "--reports",
        type=int,
        default=20,
        help="checkpoints and learning-curve points per trial (default: 20)",
    )
    sweep.add_argument("--out", help="the sweep's folder (default: runs/sweeps/GAME-AGENT)")
    sweep.add_argument(
        "--address",
        help="a Ray cluster to run on (auto, HOST:PORT or ray://HOST:10001; default: a "
        "local Ray on every core)",
    )
    sweep.add_argument("--max-concurrent", type=int, metavar="N", help="at most N trials at a time")
    sweep.add_argument(
        "--trial-resources",
        default='{"cpu": 1}',
        metavar="JSON",
        help='what one trial takes, in Ray\'s names (default: {"cpu": 1}; a custom '
        "resource pins trials to the nodes that have it)",
    )
    sweep.add_argument(
        "--no-install",
        action="store_true",
        help="keep the best checkpoint in the sweep folder only, not in your agents folder",
    )
    sweep.add_argument("--quiet", action="store_true", help="no live view")
    sweep.set_defaults(handler=sweep_command)


def sweep_command(args: argparse.Namespace) -> int:
    """``python main.py sweep``: run or resume a sweep, then print and write its report."""
    from pathlib import Path

    try:
        from qarcade.agents import sweep as sweeps
    except ImportError as error:
        raise OptionError(f"{EXTRA_HINT} ({error})") from None

    resources = _resources(args.trial_resources)
    given = [
        flag
        for flag, value in (
            ("GAME", args.game),
            ("--agent", args.agent),
            ("--grid-set", args.grid_set),
            ("--grid-option", args.grid_option),
            ("--search-set", args.search_set),
            ("--search-option", args.search_option),
            ("--set", args.set),
            ("--option", args.option),
            ("--map", args.map),
            ("--episodes", args.episodes),
            ("--steps", args.steps),
            ("--out", args.out),
        )
        if value
    ]
    if args.resume and given:
        raise OptionError(
            f"{', '.join(given)} cannot be combined with --resume: the sweep continues with "
            "what it was started with"
        )
    if args.resume:
        folder = Path(args.resume)
        spec = _saved_spec(folder, sweeps.SweepSpec)
    else:
        spec = sweep_spec(args, sweeps.SweepSpec)
        folder = Path(args.out or f"runs/sweeps/{spec.game}-{spec.agent}")
    if args.max_concurrent is not None and args.max_concurrent < 1:
        raise OptionError(f"--max-concurrent must be at least 1, got {args.max_concurrent}")
    result = sweeps.run_sweep(
        spec,
        folder,
        resume=bool(args.resume),
        address=args.address,
        max_concurrent=args.max_concurrent,
        resources=resources,
        live=not args.quiet,
    )
    for line in sweeps.write_report(result, install=not args.no_install):
        print(line)
    return 1 if result.errors else 0


def sweep_spec(args: argparse.Namespace, spec_class: type) -> Any:
    """The :class:`~agents.sweep.SweepSpec` the command line describes."""
    from qarcade.agents import kinds
    from qarcade.agents.commands import game_options, parse_assignments

    if args.game is None:
        raise OptionError(
            f"name a game ({', '.join(games.names())}) or continue a sweep with --resume FOLDER"
        )
    if args.episodes is not None and args.steps is not None:
        raise OptionError("give --episodes or --steps, not both")
    for name, value in (("--episodes", args.episodes), ("--steps", args.steps)):
        if value is not None and value < 1:
            raise OptionError(f"{name} must be at least 1, got {value}")
    for name, value in (("--samples", args.samples), ("--reports", args.reports)):
        if value < 1:
            raise OptionError(f"{name} must be at least 1, got {value}")
    return spec_class(
        game=args.game,
        agent=args.agent or kinds.LEARNERS[0],
        seeds=parse_seeds(args.seeds),
        options=game_options(args),
        settings=parse_assignments(args.set, "--set"),
        grid={
            "settings": parse_grid(args.grid_set, "--grid-set"),
            "options": parse_grid(args.grid_option, "--grid-option"),
        },
        search={
            "settings": parse_search(args.search_set, "--search-set"),
            "options": parse_search(args.search_option, "--search-option"),
        },
        samples=args.samples,
        search_seed=args.search_seed,
        episodes=args.episodes,
        steps=args.steps,
        vs=args.vs or "self",
        device=args.device,
        reports=args.reports,
    )


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"4"`` -> (0, 1, 2, 3); ``"0,7,11"`` -> (0, 7, 11)."""
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise OptionError(f"--seeds takes N or a comma list of integers, got {text!r}") from None
    if len(values) == 1:
        if values[0] < 1:
            raise OptionError(f"--seeds N needs N >= 1, got {values[0]}")
        return tuple(range(values[0]))
    if len(set(values)) != len(values):
        raise OptionError(f"--seeds lists a seed twice: {text!r}")
    return tuple(values)


def parse_grid(items: list[str], flag: str) -> dict[str, list[Any]]:
    """``["learning_rate=0.1,0.5"]`` -> ``{"learning_rate": [0.1, 0.5]}``; a JSON list
    value is taken whole (``hidden=[[64],[128,128]]``); each value is read as JSON where it
    parses, else kept as a string."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key or not raw:
            raise OptionError(f"{flag} {item!r} is not KEY=V1,V2,...")
        try:
            whole = json.loads(raw)
        except ValueError:
            whole = None
        values = whole if isinstance(whole, list) else [_value(v) for v in raw.split(",")]
        if not values:
            raise OptionError(f"{flag} {item!r} lists no values")
        grid[key.replace("-", "_")] = values
    return grid


def parse_search(items: list[str], flag: str) -> dict[str, list[Any]]:
    """``["alpha=loguniform:0.01:1"]`` -> ``{"alpha": ["loguniform", 0.01, 1]}``."""
    search: dict[str, list[Any]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        name, *params = raw.split(":")
        if not sep or not key or not params:
            raise OptionError(f"{flag} {item!r} is not KEY=DISTRIBUTION:A:B")
        search[key.replace("-", "_")] = [name, *(_value(p) for p in params)]
    return search


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _resources(text: str) -> dict[str, float]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and v >= 0 for k, v in value.items()
    ):
        raise OptionError(
            f'--trial-resources takes a JSON object of amounts, e.g. {{"cpu": 1}}, got {text!r}'
        )
    return {k: float(v) for k, v in value.items()}


def _saved_spec(folder: Any, spec_class: Any) -> Any:
    """The spec a sweep folder was started with (its ``sweep.json``)."""
    path = folder / "sweep.json"
    try:
        return spec_class.from_json(json.loads(path.read_text()))
    except FileNotFoundError:
        raise OptionError(
            f"{folder} holds no sweep (no sweep.json); start one with python main.py sweep GAME"
        ) from None
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise OptionError(f"{path} is damaged ({error}); start the sweep again") from None
