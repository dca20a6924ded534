"""Measure the app's frame time in Play and Watch for every game, headless.

    python -m qarcade.app.frametime                 # 600 frames per case, 960x720
    python -m qarcade.app.frametime --frames 300 --size 1280x960
    python -m qarcade.app.frametime --fps 60        # throttled as in the window: is 60 held?

Each case runs the real scenes with the clock unthrottled and records the *work* per
frame (events, update, draw, flip: what must fit in 16.7 ms for 60 FPS), as wall-clock
time and as the process's CPU time (which other busy programs do not inflate); Play gets
scripted input (held keys for Invaders, a move every few frames for the turn-based
games). With the dummy video driver nothing reaches a screen, so a real display adds the
cost of presenting the frame on top.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Invaders shows the hi-score kept on disk; a scratch folder keeps the pictures the same
# on every machine and a player's record untouched.
os.environ["QARCADE_DATA_DIR"] = tempfile.mkdtemp(prefix="qarcade-")

import pygame

from qarcade.app.scenes.game import SceneConfig, game_scene
from qarcade.app.screenshots import holding_keys
from qarcade.app.window import App

#: 60 frames per second leaves this many milliseconds a frame.
BUDGET_MS = 1000.0 / 60.0
CASES: list[tuple[str, SceneConfig]] = [
    ("tictactoe play", SceneConfig("tictactoe", "play", "minimax", seed=0)),
    ("tictactoe watch", SceneConfig("tictactoe", "watch", "minimax", seed=0, speed="fast")),
    ("gridworld play", SceneConfig("gridworld", "play", options={"map": "fourrooms"}, seed=0)),
    (
        "gridworld watch",
        SceneConfig("gridworld", "watch", "random", options={"map": "fourrooms"}, seed=0),
    ),
    ("invaders play", SceneConfig("invaders", "play", seed=0)),
    ("invaders watch", SceneConfig("invaders", "watch", "scripted", seed=0)),
    ("invaders race", SceneConfig("invaders", "versus", "scripted", seed=0)),
]
_TURN_KEYS = {
    "tictactoe": [pygame.K_5, pygame.K_1, pygame.K_9, pygame.K_3, pygame.K_7, pygame.K_n],
    "gridworld": [pygame.K_RIGHT, pygame.K_DOWN, pygame.K_LEFT, pygame.K_UP],
}


def measure(app: App, config: SceneConfig, frames: int) -> dict[str, float]:
    """Run ``config`` for ``frames`` frames; the work time summary of those frames."""
    app.scenes.clear()
    scene = game_scene(app, config)
    app.push(scene)
    scene.show_overlay = scene.has_q
    app.stats.clear()
    keys = _TURN_KEYS.get(config.game, [])
    start = time.perf_counter()
    with holding_keys() as held:
        for frame in range(frames):
            if config.mode == "play" and keys and frame % 10 == 0:
                key = keys[frame // 10 % len(keys)]
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
            held.keys = {pygame.K_LEFT if frame // 60 % 2 else pygame.K_RIGHT, pygame.K_SPACE}
            app.frame()
    return app.stats.summary() | {"fps": frames / (time.perf_counter() - start)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=600, help="frames per case")
    parser.add_argument("--size", default="960x720", help="window size, WxH")
    parser.add_argument(
        "--fps",
        type=int,
        default=0,
        help="hold this frame rate as the window does (0: unthrottled); the fps column "
        "then says whether it was held",
    )
    args = parser.parse_args(argv)
    width, height = (int(x) for x in args.size.lower().split("x"))
    app = App((width, height), fps=args.fps, audio=False)
    print(f"work per frame, {args.frames} frames, {width}x{height}, budget {BUDGET_MS:.1f} ms")
    header = ("mean ms", "p95 ms", "max ms", "cpu mean", "cpu p95", "fps")
    print(f"{'case':16}" + "".join(f"{h:>10}" for h in header))
    keys = ("mean_ms", "p95_ms", "max_ms", "cpu_mean_ms", "cpu_p95_ms", "fps")
    for name, config in CASES:
        summary = measure(app, config, args.frames)
        print(f"{name:16}" + "".join(f"{summary[k]:10.2f}" for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
