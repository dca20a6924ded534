"""Time the Invaders view's ``draw`` per frame, headless, at common window sizes.

A frame at 60 FPS has 16.7 ms for everything (events, env step, agent, HUD, flip); the
view's draw should take a small part of it, under 4 ms at the default 960 x 720 window.
There is no anchor: the target is that budget. The game is played by random actions from
a fixed seed, so every frame draws a different state (explosions, bombs, erosion).

    python benchmarks/invaders_view_speed.py              # 600 frames per size
    python benchmarks/invaders_view_speed.py --frames 2000

Prints per size the median and 95th percentile wall time and the median CPU time of
the process (less disturbed by other programs on a busy machine), then ``RESULT`` lines
(benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np
import pygame

from qarcade.app.assets import Assets
from qarcade.games.invaders.env import InvadersEnv
from qarcade.games.invaders.view import InvadersView
from qarcade.games.view import Overlay, fit_rect

SIZES = ((960, 720), (1920, 1080))
TARGET_MS = 4.0


def time_draws(
    size: tuple[int, int], frames: int, with_q: bool, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Wall and CPU milliseconds of ``frames`` draws into a ``size`` window."""
    surface = pygame.display.set_mode(size)
    env = InvadersEnv()
    env.reset(seed=seed)
    view = InvadersView(env, Assets(audio=False))
    rect = fit_rect(surface.get_rect(), view.aspect)
    rng = np.random.default_rng(seed)
    overlay = Overlay(q_values=rng.normal(size=6)) if with_q else None
    for _ in range(30):  # warm-up: sprites built, buffers allocated
        view.draw(surface, rect, overlay)
    wall, cpu = np.empty(frames), np.empty(frames)
    for i in range(frames):
        if env.done:
            env.reset(seed=seed + i)
            view.on_reset()
        action = int(rng.integers(env.num_actions))
        view.on_step(action, env.step(action))
        if with_q:
            overlay = Overlay(q_values=rng.normal(size=6))
        w0, c0 = time.perf_counter(), time.process_time()
        view.draw(surface, rect, overlay)
        wall[i], cpu[i] = time.perf_counter() - w0, time.process_time() - c0
    return wall * 1000.0, cpu * 1000.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=600, help="frames timed per size")
    args = parser.parse_args(argv)
    pygame.display.init()
    for size in SIZES:
        for with_q in (False, True):
            wall, cpu = time_draws(size, args.frames, with_q)
            label = f"{size[0]}x{size[1]}{' + Q bars' if with_q else ''}"
            median, p95 = float(np.median(wall)), float(np.percentile(wall, 95))
            print(
                f"{label:22s} draw: median {median:.2f} ms, p95 {p95:.2f} ms, "
                f"median CPU {np.median(cpu):.2f} ms"
            )
            row = {
                "what": f"Invaders view draw, {label}",
                "ours": round(median, 3),
                "unit": "ms",
                "higher_is_better": False,
                "target": TARGET_MS,
                "note": f"median of {args.frames} frames; p95 {p95:.2f} ms",
            }
            print("RESULT " + json.dumps(row))
    pygame.display.quit()


if __name__ == "__main__":
    main()
