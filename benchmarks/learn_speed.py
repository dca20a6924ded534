"""Learn mode's training throughput in the window against the headless trainer, and the
window's frame rate at every Learn speed.

    python benchmarks/learn_speed.py                 # every game, both learners
    python benchmarks/learn_speed.py --seconds 5 --only gridworld

For each game and learner, the real Learn scene runs in a window held at 60 FPS (SDL's
dummy driver: nothing reaches a screen) at turbo, after a warm-up; the steps it trains
per second of wall-clock time are *ours*. The anchor is the same trainer run headless
in the same process (the loop ``python main.py train`` drives), from a fresh agent with
the same seed over the *same* range of steps, so both pay for the same phase of training
(a DQN before ``learning_starts`` does no gradient steps). Window and headless runs
alternate, ``--rounds`` times, and the best of each counts (a busy machine only ever
slows a run down). The target is half the headless rate. Then each Learn speed runs for
a second and the lowest frame rate among them is reported against the 30 FPS the window
must hold.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# Learn saves its ladder and agent in the data folder: keep a benchmark's out of the
# person's.
os.environ["QARCADE_DATA_DIR"] = tempfile.mkdtemp(prefix="qarcade-bench-")

from qarcade.agents.training import Trainer
from qarcade.app.learn_session import LearnConfig, LearnSession
from qarcade.app.scenes.learn import SPEED_NAMES, LearnScene
from qarcade.app.window import App

CASES: list[tuple[str, str, dict[str, str]]] = [
    ("gridworld", "tabular", {"map": "maze"}),
    ("gridworld", "dqn", {"map": "maze"}),
    ("tictactoe", "tabular", {}),
    ("tictactoe", "dqn", {}),
    ("invaders", "tabular", {}),
    ("invaders", "dqn", {}),
]
FPS = 60
WARMUP_FRAMES = 30


def window_rate(app: App, config: LearnConfig, seconds: float) -> tuple[int, int, float, float]:
    """Run Learn at turbo; returns (steps before, steps after, seconds, frames/s)."""
    app.scenes.clear()
    scene = LearnScene(app, config)
    app.push(scene)
    for _ in range(WARMUP_FRAMES):
        app.frame()
    trainer = scene.session.trainer
    before = trainer.steps
    frames = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        app.frame()
        frames += 1
    elapsed = time.perf_counter() - start
    after = trainer.steps
    app.scenes.clear()
    return before, after, elapsed, frames / elapsed


def headless_rate(config: LearnConfig, before: int, after: int) -> float:
    """The bare trainer's steps/s over steps ``before``..``after`` from a fresh agent."""
    session = LearnSession(config)
    trainer: Trainer = session.trainer
    trainer.callbacks.clear()  # what the headless command does per episode is its own
    trainer.run_steps(before)
    start = time.perf_counter()
    trainer.run_steps(after - before)
    return (after - before) / (time.perf_counter() - start)


def lowest_fps(app: App, config: LearnConfig, seconds: float) -> tuple[float, str]:
    """The lowest frame rate over the Learn speeds (each run ``seconds``), and where."""
    app.scenes.clear()
    scene = LearnScene(app, config)
    app.push(scene)
    for _ in range(WARMUP_FRAMES):
        app.frame()
    worst = (float("inf"), "")
    for speed in SPEED_NAMES:
        scene.speed = speed
        frames = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            app.frame()
            frames += 1
        worst = min(worst, (frames / (time.perf_counter() - start), speed))
    app.scenes.clear()
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="turbo measurement time")
    parser.add_argument("--rounds", type=int, default=3, help="window/headless pairs per case")
    parser.add_argument("--only", help="one game")
    args = parser.parse_args(argv)
    app = App((960, 720), fps=FPS, audio=False)
    print(f"{'case':20}{'window steps/s':>16}{'headless':>12}{'ratio':>8}{'turbo fps':>11}"
          f"{'lowest fps':>12}")  # fmt: skip
    for game, agent, options in CASES:
        if args.only and game != args.only:
            continue
        config = LearnConfig(game, agent, options=dict(options), speed="turbo")
        ours = anchor = turbo_fps = 0.0
        for _ in range(args.rounds):
            before, after, elapsed, fps = window_rate(app, config, args.seconds)
            if (after - before) / elapsed > ours:
                ours, turbo_fps = (after - before) / elapsed, fps
            anchor = max(anchor, headless_rate(config, before, after))
        worst_fps, worst_speed = lowest_fps(app, config, 1.0)
        name = f"{game} {agent}"
        print(
            f"{name:20}{ours:16,.0f}{anchor:12,.0f}{ours / anchor:8.2f}{turbo_fps:11.1f}"
            f"{worst_fps:9.1f} ({worst_speed})"
        )
        where = f" on {options['map']}" if "map" in options else ""
        print(
            "RESULT "
            + json.dumps(
                {
                    "what": f"Learn at turbo in the window, {name}{where}",
                    "ours": round(ours, 1),
                    "unit": "steps/s",
                    "anchor": round(anchor, 1),
                    "anchor_name": "the same trainer headless, same steps",
                    "target": 0.5,
                    "note": f"window held at {FPS} FPS, {turbo_fps:.0f} FPS measured",
                }
            )
        )
        print(
            "RESULT "
            + json.dumps(
                {
                    "what": f"Learn window FPS at its slowest speed, {name}{where}",
                    "ours": round(worst_fps, 1),
                    "unit": "FPS",
                    "target": 30,
                    "note": f"slowest: speed {worst_speed}; every speed 1 s at {FPS} FPS",
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
