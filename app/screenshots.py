"""Render the menu, every game in play and Learn mode to PNG files, headless, for the
README.

    python -m qarcade.app.screenshots                      # writes docs/screenshots/*.png
    python -m qarcade.app.screenshots --out /tmp/shots --size 1280x800

Each picture is the real app driven by scripted input: the scenes are built as the menu
builds them, keys and clicks are posted as pygame events, and the frame is saved after
the app has drawn it. Agents come from ``assets/agents/`` like in the window; where a
learner's file is missing, a small one is trained here first (a few seconds), so the
Q-value overlays show real learnt values rather than nothing. Learn mode and Compare are
shown early and late in training for each game (the late ones train for a few seconds to
two minutes each), and Compare's map reader before and after a map edit.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from unittest import mock

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Invaders shows the hi-score kept on disk; a scratch folder keeps the pictures the same
# on every machine and a player's record untouched.
os.environ["QARCADE_DATA_DIR"] = tempfile.mkdtemp(prefix="qarcade-")

import pygame

from qarcade.agents.scripted import ScriptedInvadersAgent
from qarcade.app import players
from qarcade.app.learn_session import LearnConfig
from qarcade.app.scenes.compare import CompareConfig, CompareScene
from qarcade.app.scenes.game import GameScene, SceneConfig, game_scene
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import App, display_surface
from qarcade.games.gridworld import solver
from qarcade.games.gridworld.env import DOWN, LEFT, RIGHT, UP, GridWorldEnv
from qarcade.games.invaders import env as invaders
from qarcade.games.tictactoe.env import TicTacToeEnv

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "screenshots"


#: The arrow key for each gridworld move, and the keys held for each Invaders action.
ARROW_KEYS = {LEFT: pygame.K_LEFT, DOWN: pygame.K_DOWN, RIGHT: pygame.K_RIGHT, UP: pygame.K_UP}
INVADERS_KEYS: dict[int, tuple[int, ...]] = {
    invaders.NOOP: (),
    invaders.LEFT: (pygame.K_LEFT,),
    invaders.RIGHT: (pygame.K_RIGHT,),
    invaders.FIRE: (pygame.K_SPACE,),
    invaders.LEFT_FIRE: (pygame.K_LEFT, pygame.K_SPACE),
    invaders.RIGHT_FIRE: (pygame.K_RIGHT, pygame.K_SPACE),
}


class HeldKeys:
    """Stands in for ``pygame.key.get_pressed()`` (the dummy driver has no keyboard):
    the keys a script holds this frame."""

    def __init__(self) -> None:
        self.keys: set[int] = set()

    def __getitem__(self, key: int) -> bool:
        return key in self.keys


@contextmanager
def holding_keys() -> Iterator[HeldKeys]:
    """While inside, ``pygame.key.get_pressed()`` answers with the keys a script holds."""
    held = HeldKeys()
    with mock.patch.object(pygame.key, "get_pressed", lambda: held):
        yield held


def post_key(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))


def run(app: App, frames: int, each: Callable[[int], None] | None = None) -> None:
    for i in range(frames):
        if each is not None:
            each(i)
        app.frame()


def game(app: App, config: SceneConfig) -> GameScene:
    """Push the menu and a game on it, as the menu's Start does."""
    app.scenes.clear()
    app.push(MenuScene(app))
    scene = game_scene(app, config)
    app.push(scene)
    return scene


def learn_until(
    app: App, config: LearnConfig, speed: str, *, games: int = 0, steps: int = 0
) -> LearnScene:
    """Start Learn (on the menu, as the menu does), train at turbo until ``games`` games
    and ``steps`` steps are done, then draw a few frames at ``speed`` so the board shows
    play in progress."""
    app.scenes.clear()
    app.push(MenuScene(app))
    scene = LearnScene(app, config)
    app.push(scene)
    scene.speed = "turbo"
    trainer = scene.session.trainer
    while trainer.episodes < games or trainer.steps < steps:
        app.frame()
    scene.speed = speed
    run(app, 8)
    app._messages.clear()  # the ladder's "snapshot saved" notes would cover the board
    app.frame()
    return scene


def compare_until(app: App, config: CompareConfig, steps: int, seconds: float) -> CompareScene:
    """Start Compare (on the menu, as the menu does) at turbo until the network has made
    ``steps`` env steps or ``seconds`` have passed, then draw a frame."""
    app.scenes.clear()
    app.push(MenuScene(app))
    scene = CompareScene(app, replace(config, speed="turbo"))
    app.push(scene)
    network = scene.sides[1].trainer
    start = time.perf_counter()
    while network.steps < steps and time.perf_counter() - start < seconds:
        app.frame()
    app.frame()
    return scene


def tabular_agents_dir(game_name: str, options: dict, episodes: int, scratch: Path) -> Path:
    """The folder to load a tabular agent for the shot from: ``assets/agents`` when it has
    one, else ``scratch`` after training one there for ``episodes`` episodes."""
    candidates = players.checkpoint_candidates(game_name, "tabular", options)
    if any(path.is_file() for path in candidates):
        return players.AGENTS_DIR
    from qarcade import games
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    env = games.make(game_name, **options)
    agent = TabularQAgent.for_env(env, seed=0)
    Trainer(env, agent, seed=0, episodes=episodes).run()
    scratch.mkdir(parents=True, exist_ok=True)
    agent.save(str(scratch / candidates[0].name))
    print(f"no {candidates[0].name} in assets/agents: trained one for {episodes} episodes")
    return scratch


def shots(app: App, out: Path, scratch: Path) -> list[Path]:
    """Make every screenshot into ``out``; returns the files written. ``scratch`` holds
    agents trained for the shots when ``assets/agents`` lacks them."""
    written: list[Path] = []

    def save(name: str) -> None:
        path = out / f"{name}.png"
        pygame.image.save(display_surface(), str(path))
        written.append(path)

    # The menu, with a choice being made.
    app.scenes.clear()
    menu = MenuScene(app)
    app.push(menu)
    run(app, 2)
    post_key(pygame.K_RIGHT)  # gridworld
    post_key(pygame.K_DOWN)
    post_key(pygame.K_RIGHT)
    post_key(pygame.K_RIGHT)  # watch
    run(app, 2)
    save("menu")

    # Tic-tac-toe against minimax, the person to move, minimax's values shown.
    scene = game(app, SceneConfig("tictactoe", "versus", "minimax", human_seat=0, seed=1))
    lane = scene.lanes[0]
    assert isinstance(lane.env, TicTacToeEnv)
    run(app, 2)
    for _ in range(2):  # the centre, then a free corner: minimax must block next
        free = [s for s in (4, 0, 6, 8, 2) if lane.env.board[s] == 0]
        post_key(getattr(pygame, f"K_{free[0] + 1}"))
        run(app, 40)
    post_key(pygame.K_q)
    run(app, 2)
    save("tictactoe-versus")

    # Tic-tac-toe hot seat, X wins along the diagonal.
    scene = game(app, SceneConfig("tictactoe", "play"))
    for square in (0, 1, 4, 2, 8):
        post_key(getattr(pygame, f"K_{square + 1}"))
        run(app, 1)
    run(app, 2)
    save("tictactoe-win")

    # Gridworld, Watch: a tabular agent walks the maze, values and arrows on every cell.
    shipped = players.AGENTS_DIR
    players.AGENTS_DIR = tabular_agents_dir("gridworld", {"map": "maze"}, 600, scratch)
    try:
        scene = game(
            app, SceneConfig("gridworld", "watch", "tabular", options={"map": "maze"}, seed=0)
        )
    finally:
        players.AGENTS_DIR = shipped
    run(app, 12 * 9)
    save("gridworld-watch")

    # Gridworld, Play on the cliff walk.
    scene = game(app, SceneConfig("gridworld", "play", options={"map": "cliff"}, seed=0))
    for key in (pygame.K_UP, pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_RIGHT, pygame.K_RIGHT):
        post_key(key)
        run(app, 1)
    save("gridworld-play")

    # Gridworld race on the four rooms: a quick hand walks the shortest way, 12 steps a
    # second, and reaches the goal before the pretrained table (4 steps a second).
    config = SceneConfig("gridworld", "versus", "tabular", options={"map": "fourrooms"}, seed=3)
    scene = game(app, config)
    you = scene.lanes[0]
    assert isinstance(you.env, GridWorldEnv)
    policy = solver.value_iteration(you.env).policy
    while not scene.over:
        post_key(ARROW_KEYS[int(policy[you.env.position])])
        run(app, 5)
    run(app, 2)
    save("gridworld-race")

    # Invaders: the person (a scripted hand on the keys) plays, then races the DQN for
    # 20 s, the hand's keys chosen by the scripted bot, so both cannons are still alive.
    with holding_keys() as held:

        def hands(frame: int) -> None:
            held.keys = {pygame.K_LEFT if frame // 50 % 2 else pygame.K_RIGHT}
            if frame % 20 == 0:
                held.keys.add(pygame.K_SPACE)

        game(app, SceneConfig("invaders", "play", seed=4))
        run(app, 420, hands)
        save("invaders-play")
        scene = game(app, SceneConfig("invaders", "versus", "dqn", seed=4))
        you, bot = scene.lanes[0], ScriptedInvadersAgent()

        def good_hands(frame: int) -> None:
            held.keys = set(INVADERS_KEYS[bot.act(you.env.observe(), you.env.action_mask())])

        run(app, 20 * 60, good_hands)
        save("invaders-race")

    game(app, SceneConfig("invaders", "watch", "scripted", seed=5))
    run(app, 900)
    save("invaders-watch")

    # Learn mode, early and late in training, for each game; and a network beside a table.
    maze = {"map": "maze"}
    learn_until(app, LearnConfig("gridworld", "tabular", options=maze), "10", games=3)
    save("learn-gridworld-early")
    learn_until(app, LearnConfig("gridworld", "tabular", options=maze), "10", games=1500)
    save("learn-gridworld-late")
    cliff = {"map": "cliff"}
    learn_until(app, LearnConfig("gridworld", "dqn", options=cliff), "10", steps=50_000)
    save("learn-gridworld-dqn")
    learn_until(app, LearnConfig("tictactoe", "tabular"), "1", games=60)
    save("learn-tictactoe-early")
    learn_until(app, LearnConfig("tictactoe", "tabular"), "1", games=25_000)
    save("learn-tictactoe-late")
    learn_until(app, LearnConfig("invaders", "tabular"), "1", games=2)
    save("learn-invaders-early")
    learn_until(app, LearnConfig("invaders", "tabular"), "1", games=150)
    save("learn-invaders-late")

    # Compare, the table beside the network, early and late, for each game; and the
    # shipped map reader beside the table on lake8, before and after a wall is raised
    # on both maps.
    for name, options in (("gridworld", {"map": "lake8"}), ("tictactoe", {}), ("invaders", {})):
        compare_until(app, CompareConfig(name, options=options), 500, 60)
        save(f"compare-{name}-early")
        compare_until(app, CompareConfig(name, options=options), 40_000, 120)
        save(f"compare-{name}-late")
    lake8 = CompareConfig("gridworld", options={"map": "lake8"}, speed="100", network="maps")
    app.scenes.clear()
    app.push(MenuScene(app))
    reader = CompareScene(app, lake8)
    app.push(reader)
    while reader.sides[0].trainer.steps < 3_000:
        app.frame()
    app.frame()
    save("compare-maps-before-edit")
    reader.edit_cell(3, 3)
    run(app, 3)
    save("compare-maps-after-edit")
    app.scenes.clear()

    # The help overlay over a game.
    game(app, SceneConfig("gridworld", "play", options={"map": "lake8"}, seed=0))
    run(app, 1)
    post_key(pygame.K_h)
    run(app, 1)
    save("help")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    parser.add_argument("--size", default="960x720", help="window size, WxH (default 960x720)")
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    app = App((width, height), fps=0, audio=False)
    with tempfile.TemporaryDirectory() as scratch:
        for path in shots(app, args.out, Path(scratch)):
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
