"""The window's command line: ``python main.py`` (the menu), ``play``, ``versus``, ``watch``,
``learn``.

pygame is imported only inside the handlers, so ``python main.py train ...`` never loads
it. The window flags (``--frames``, ``--size``, ``--fps``, ``--mute``) work before or after
the subcommand: ``python main.py --frames 60 play invaders`` and
``python main.py play invaders --frames 60`` do the same.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from qarcade import games
from qarcade.agents import kinds
from qarcade.app.learn_session import SPEED_NAMES
from qarcade.app.players import RACE_PACES
from qarcade.games.core import OptionError

DEFAULT_SIZE = (960, 720)


#: The agent Versus and Watch play when none is named: each game's first choice.
def _default_agents() -> str:
    """Who plays each game when ``--agent`` is not given."""
    return ", ".join(f"{kinds.kinds_for(game)[0]} in {game}" for game in games.names())


def add_window_args(parser: argparse.ArgumentParser, *, defaults: bool = True) -> None:
    """Add the window flags; on the top-level parser also make ``python main.py`` (no
    command) open the menu.

    Subcommands add the same flags with ``defaults=False``: their defaults are left
    unset, so a flag given before the subcommand is not overwritten by the subparser.
    """

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    group = parser.add_argument_group("window")
    group.add_argument(
        "--frames",
        type=_positive_int,
        default=default(None),
        metavar="N",
        help="draw N frames, then exit (for tests and screenshots)",
    )
    group.add_argument(
        "--size",
        type=window_size,
        default=default(DEFAULT_SIZE),
        metavar="WxH",
        help="window size in pixels (default 960x720; the window is resizable)",
    )
    group.add_argument(
        "--fps",
        type=_non_negative_int,
        default=default(60),
        help="frames per second to hold (default 60; 0: as fast as possible)",
    )
    group.add_argument("--mute", action="store_true", default=default(False), help="no sound")
    if defaults:
        parser.set_defaults(handler=run_menu)


def add_subcommands(subparsers: Any) -> None:
    """Add ``play``, ``versus``, ``watch``, ``learn`` and ``compare`` to the main command
    line."""
    play = subparsers.add_parser(
        "play", help="play a game yourself", description="Play a game yourself."
    )
    play.add_argument("game", choices=games.names())
    play.add_argument("--hints", choices=tuple(kinds.KINDS), help="agent whose Q-values Q shows")
    _game_args(play)
    play.set_defaults(handler=run_play)

    versus = subparsers.add_parser(
        "versus",
        help="play against an agent (a race on the same level in one-player games)",
        description="Play against an agent. In tic-tac-toe you take a seat; in the "
        "gridworld and Invaders you race the agent on the same seeded level.",
    )
    versus.add_argument("game", choices=games.names())
    versus.add_argument(
        "--agent", choices=tuple(kinds.KINDS), help=f"the opponent (default: {_default_agents()})"
    )
    versus.add_argument(
        "--as",
        dest="seat",
        help="two-player games: your seat, by name (tic-tac-toe: X or O) or number "
        "(1 moves first; default the first seat)",
    )
    versus.add_argument(
        "--pace",
        choices=tuple(RACE_PACES),
        default="normal",
        help="gridworld race: how fast the agent walks, "
        + ", ".join(f"{name} {rate:g}" for name, rate in RACE_PACES.items())
        + " steps a second (default normal); the first to the goal wins",
    )
    versus.add_argument(
        "--after",
        type=_positive_int,
        metavar="GAMES",
        help="play the tabular or dqn agent Learn mode saved after GAMES games "
        "(its difficulty ladder: 100, 1000, 10000) instead of the pretrained one",
    )
    versus.add_argument(
        "--run",
        metavar="RUN",
        help="with --after: the Learn run whose ladder to play (its folder's name, e.g. "
        "2026-11-30_041512; default: the newest)",
    )
    _game_args(versus)
    versus.set_defaults(handler=run_versus)

    watch = subparsers.add_parser(
        "watch", help="watch an agent play", description="Watch an agent play."
    )
    watch.add_argument("game", choices=games.names())
    watch.add_argument(
        "--agent", choices=tuple(kinds.KINDS), help=f"who plays (default: {_default_agents()})"
    )
    watch.add_argument(
        "--speed",
        choices=tuple(RACE_PACES),
        default="normal",
        help="how fast the agent plays (default normal; keys 1-4 change it)",
    )
    _game_args(watch)
    watch.set_defaults(handler=run_watch)

    learn = subparsers.add_parser(
        "learn",
        help="watch an agent learn from nothing, live, with its Q-values drawn",
        description="Train an agent in the window: its Q-values on the board, the learning "
        "curve, sliders for epsilon and the learning rate. Leaving saves the agent in your "
        "data folder.",
    )
    learn.add_argument("game", choices=games.names())
    learn.add_argument(
        "--agent",
        choices=kinds.LEARNERS,
        default=kinds.LEARNERS[0],
        help="the learner (default tabular)",
    )
    learn.add_argument(
        "--speed",
        choices=SPEED_NAMES,
        default="100",
        help="training steps per frame, or turbo (default 100; keys 1-5 change it)",
    )
    learn.add_argument("--map", help="gridworld: a shipped map name or a .txt map file")
    learn.add_argument("--seed", type=int, default=0, help="seed of the env and the agent")
    learn.add_argument(
        "--resume",
        nargs="?",
        const="",
        metavar="RUN",
        help="continue a run Learn saved (for this game, learner and map): the newest, or "
        "the one named (its folder's name); without it Learn starts a new run",
    )
    learn.add_argument(
        "--autosave",
        type=_positive_float,
        default=30.0,
        metavar="SECONDS",
        help="save the agent at least this often while it learns (default 30)",
    )
    add_window_args(learn, defaults=False)
    learn.set_defaults(handler=run_learn)

    compare = subparsers.add_parser(
        "compare",
        help="the table and the network learn the same world side by side",
        description="A tabular Q-learner and a DQN learn the same game from the same seed, "
        "side by side: their Q-values on two boards, their learning curves against env "
        "steps and seconds, their memory, and when each first plays optimally.",
    )
    compare.add_argument("game", choices=games.names())
    compare.add_argument(
        "--speed",
        choices=SPEED_NAMES,
        default="100",
        help="training steps per frame for each learner, or turbo (default 100)",
    )
    compare.add_argument("--map", help="gridworld: a shipped map name or a .txt map file")
    compare.add_argument(
        "--network",
        choices=("dqn", "maps"),
        default="dqn",
        help="the right side: a DQN that learns from nothing (default), or the map-reading "
        "DQN trained on random maps (gridworld), which plays a map it never saw at once",
    )
    compare.add_argument("--seed", type=int, default=0, help="seed of both envs and agents")
    add_window_args(compare, defaults=False)
    compare.set_defaults(handler=run_compare)


def _game_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map", help="gridworld: a shipped map name or a .txt map file")
    parser.add_argument("--seed", type=int, help="seed of the first game (default: the clock)")
    add_window_args(parser, defaults=False)


# ----------------------------------------------------------------- handlers
def run_menu(args: argparse.Namespace) -> int:
    """``python main.py``: the window with its menu."""
    app = _open_app(args)
    from qarcade.app.scenes.menu import MenuScene

    app.push(MenuScene(app))
    return app.run(args.frames)


def run_play(args: argparse.Namespace) -> int:
    """``python main.py play GAME``."""
    return _run_game(args, "play", args.hints)


def run_versus(args: argparse.Namespace) -> int:
    """``python main.py versus GAME --agent A --as X|O [--after GAMES]``."""
    if args.after is None:
        if args.run is not None:
            raise OptionError("--run picks the Learn run whose ladder --after plays: give --after")
        return _run_game(args, "versus", args.agent)
    from qarcade.app.learn_runs import find_run
    from qarcade.app.players import ladder, missing_rung

    if args.agent not in ("tabular", "dqn"):
        raise OptionError(
            "--after picks a rung of Learn's ladder: use it with --agent tabular or dqn"
        )
    options = _map_options(args)
    if args.run is not None:
        find_run(args.game, args.agent, options, args.run)  # a name not there: the runs
    if args.after not in ladder(args.game, args.agent, options, args.run):
        raise OptionError(missing_rung(args.game, args.agent, options, args.after, args.run))
    run = f"@{args.run}" if args.run else ""
    return _run_game(args, "versus", f"{args.agent}@{args.after}{run}")


def run_watch(args: argparse.Namespace) -> int:
    """``python main.py watch GAME --agent A --speed S``."""
    return _run_game(args, "watch", args.agent)


def run_learn(args: argparse.Namespace) -> int:
    """``python main.py learn GAME --agent tabular|dqn``."""
    options = _map_options(args)  # before the window opens: a bad --map is one line
    app = _open_app(args)
    from qarcade.app.learn_session import LearnConfig
    from qarcade.app.scenes.learn import LearnScene

    config = LearnConfig(
        args.game,
        args.agent,
        options=options,
        seed=args.seed,
        speed=args.speed,
        resume=args.resume is not None,
        run=args.resume or None,
        autosave_seconds=args.autosave,
    )
    return _run_over_menu(app, args, LearnScene(app, config))


def run_compare(args: argparse.Namespace) -> int:
    """``python main.py compare GAME [--map MAP] [--network dqn|maps]``."""
    options = _map_options(args)  # before the window opens: a bad --map is one line
    app = _open_app(args)
    from qarcade.app.scenes.compare import CompareConfig, CompareScene

    config = CompareConfig(
        args.game,
        options=options,
        seed=args.seed,
        speed=args.speed,
        network=args.network,
    )
    return _run_over_menu(app, args, CompareScene(app, config))


def _run_game(args: argparse.Namespace, mode: str, agent: str | None) -> int:
    if mode != "play" and agent is None:
        # The game's best: a pretrained learner where one fits, the built-in player else.
        agent = kinds.kinds_for(args.game)[0]
    fits = kinds.kinds_for(args.game)
    if agent is not None and agent.partition("@")[0] not in fits:
        raise OptionError(f"{agent!r} cannot play {args.game}; choose one of: {', '.join(fits)}")
    options = _map_options(args)  # before the window opens: a bad --map is one line
    seat = _seat(args.game, getattr(args, "seat", None))
    app = _open_app(args)
    from qarcade.app.scenes.game import SceneConfig, game_scene

    config = SceneConfig(
        game=args.game,
        mode=mode,
        agent=agent,
        human_seat=seat,
        options=options,
        seed=args.seed,
        speed=str(getattr(args, "speed", None) or getattr(args, "pace", "normal")),
    )
    return _run_over_menu(app, args, game_scene(app, config))


def _map_options(args: argparse.Namespace) -> dict[str, Any]:
    """The game options ``--map`` gives: none without it; an error for a game with no maps."""
    if args.map is None:
        return {}
    if games.spec(args.game).maps is None:
        with_maps = [spec.name for spec in games.specs() if spec.maps is not None]
        raise OptionError(f"--map is for {', '.join(with_maps)}; {args.game} has no maps")
    return {"map": args.map}


def _seat(game: str, asked: str | None) -> int:
    """The seat ``--as`` names: one of the game's seat names, or a number from 1."""
    if asked is None:
        return 0
    spec = games.spec(game)
    seats = games.env_class(game).num_players
    names = [name.lower() for name in spec.seat_names]
    if asked.lower() in names:
        return names.index(asked.lower())
    if asked.isdigit() and 1 <= int(asked) <= seats:
        return int(asked) - 1
    if seats == 1:
        raise OptionError(f"--as is for two-player games; {game} has one player")
    choices = [*spec.seat_names, *(str(n) for n in range(1, seats + 1))]
    raise OptionError(f"--as {asked!r}: {game} seats are {', '.join(choices)}")


def _run_over_menu(app: Any, args: argparse.Namespace, scene: Any) -> int:
    """Run ``scene`` with the menu under it: Esc goes back to the menu, as when the scene
    was started from there."""
    from qarcade.app.scenes.menu import MenuScene

    app.push(MenuScene(app))
    app.push(scene)
    return app.run(args.frames)


def _open_app(args: argparse.Namespace) -> Any:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from qarcade.app.window import App

    return App(args.size, fps=args.fps, audio=not args.mute)


# ----------------------------------------------------------------- argument types
def window_size(text: str) -> tuple[int, int]:
    """``--size``: ``"WxH"`` as pixels, refused below :data:`~app.window.MIN_SIZE`."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 960x720, got {text!r}") from None
    from qarcade.app.window import MIN_SIZE

    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise argparse.ArgumentTypeError(
            f"size must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]} (smaller, the text is too small "
            f"to read), got {text!r}"
        )
    return width, height


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value
