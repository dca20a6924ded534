"""qarcade command line: parses arguments and dispatches; the work lives in the packages.

python main.py                          the window, with its menu
python main.py play invaders            play a game yourself
python main.py versus tictactoe --agent dqn --as O
python main.py watch gridworld --map maze --agent tabular
python main.py learn gridworld --agent dqn
python main.py compare gridworld --map lake8
python main.py train tictactoe --agent tabular
python main.py eval runs/tictactoe-tabular/agent.npz --vs minimax
python main.py bench
"""

from __future__ import annotations

import argparse
import sys

from qarcade.games.core import GameError


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; each package adds the arguments of its own commands."""
    from qarcade.agents import commands as agent_commands
    from qarcade.app import commands as app_commands

    parser = argparse.ArgumentParser(
        prog="qarcade", description="Play against, and watch, agents that learn by Q-learning."
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="on an error, show the full traceback instead of the one-line message",
    )
    app_commands.add_window_args(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    app_commands.add_subcommands(sub)
    agent_commands.add_subcommands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; errors a person can cause print one line, not a traceback
    (``--debug`` shows the traceback too)."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown and not getattr(args, "pass_through", False):
        parser.parse_args(argv)  # argparse's own message for the unknown arguments, and exit
    args.passed_through = unknown
    try:
        return int(args.handler(args) or 0)
    except GameError as error:
        if args.debug:
            raise
        print(f"qarcade: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if args.debug:
            raise
        # The system refused a file operation (a full disk, a read-only folder, a file
        # where a folder should be): what was saved before stays as it was.
        where = error.filename or "a file"
        print(f"qarcade: error: {where}: {error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qarcade: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
