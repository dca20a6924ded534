"""Random-play environment throughput: qarcade's games beside the libraries people use.

Every env is driven the same way — read the legal-action mask the env gives, pick a
uniformly random legal action, step, reset when the game ends — with the observation
built every step, all in one process and one run, so the ratios are fair on a noisy
machine. Run it on one core:

    taskset -c 0 python benchmarks/env_speed.py [--seconds 2]

Anchors (benchmark-only dependencies, ``pip install -e ".[bench]"``): Gymnasium
FrozenLake-v1 and CartPole-v1, PettingZoo classic ``tictactoe_v3``, OpenSpiel's
``tic_tac_toe`` through ``rl_environment``. A missing anchor is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable

os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np

from qarcade import games

#: A benchmark body: runs steps until the deadline and returns how many it ran.
Body = Callable[[float], int]

#: Random numbers drawn ahead, so every env pays the same small cost per choice.
_RANDOM = np.random.default_rng(0).integers(0, 1 << 30, size=1 << 16).tolist()


def _pick(mask: np.ndarray, i: int) -> int:
    legal = np.flatnonzero(mask)
    return int(legal[_RANDOM[i & 0xFFFF] % len(legal)])


def qarcade_body(name: str, **options: object) -> Body:
    def body(deadline: float) -> int:
        env = games.make(name, **options)
        _, info = env.reset(seed=0)
        steps = 0
        while True:
            for _ in range(1000):
                _, _, terminated, truncated, info = env.step(_pick(info["action_mask"], steps))
                steps += 1
                if terminated or truncated:
                    _, info = env.reset()
            if time.perf_counter() > deadline:
                return steps

    return body


def gymnasium_body(env_id: str, **kwargs: object) -> Body:
    import gymnasium

    def body(deadline: float) -> int:
        env = gymnasium.make(env_id, **kwargs)
        env.reset(seed=0)
        n = int(env.action_space.n)
        steps = 0
        while True:
            for _ in range(1000):
                _, _, terminated, truncated, _ = env.step(_RANDOM[steps & 0xFFFF] % n)
                steps += 1
                if terminated or truncated:
                    env.reset()
            if time.perf_counter() > deadline:
                return steps

    return body


def pettingzoo_tictactoe_body() -> Body:
    from pettingzoo.classic import tictactoe_v3

    def body(deadline: float) -> int:
        env = tictactoe_v3.env()
        env.reset(seed=0)
        steps = 0
        while True:
            for _ in range(1000):
                obs, _, terminated, truncated, _ = env.last()
                if terminated or truncated:
                    env.reset()
                    continue
                env.step(_pick(obs["action_mask"], steps))
                steps += 1
            if time.perf_counter() > deadline:
                return steps

    return body


def openspiel_tictactoe_body() -> Body:
    from open_spiel.python import rl_environment

    def body(deadline: float) -> int:
        env = rl_environment.Environment("tic_tac_toe")
        time_step = env.reset()
        steps = 0
        while True:
            for _ in range(1000):
                player = time_step.observations["current_player"]
                legal = time_step.observations["legal_actions"][player]
                time_step = env.step([legal[_RANDOM[steps & 0xFFFF] % len(legal)]])
                steps += 1
                if time_step.last():
                    time_step = env.reset()
            if time.perf_counter() > deadline:
                return steps

    return body


def measure(body: Body, seconds: float) -> float:
    """Steps per second of ``body``, after a short warm-up."""
    body(time.perf_counter() + 0.2)
    start = time.perf_counter()
    steps = body(start + seconds)
    return steps / (time.perf_counter() - start)


def optional(make: Callable[[], Body]) -> Body | None:
    try:
        return make()
    except ImportError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per env")
    args = parser.parse_args()

    rows: list[tuple[str, Body | None]] = [
        ("qarcade tictactoe", qarcade_body("tictactoe")),
        ("PettingZoo tictactoe_v3", optional(pettingzoo_tictactoe_body)),
        ("OpenSpiel tic_tac_toe (rl_environment)", optional(openspiel_tictactoe_body)),
        ("qarcade gridworld lake4", qarcade_body("gridworld", map="lake4")),
        ("qarcade gridworld lake8", qarcade_body("gridworld", map="lake8")),
        ("Gymnasium FrozenLake-v1", optional(lambda: gymnasium_body("FrozenLake-v1"))),
        ("qarcade invaders features", qarcade_body("invaders", obs_mode="features")),
        ("qarcade invaders pixels", qarcade_body("invaders", obs_mode="pixels")),
        ("Gymnasium CartPole-v1", optional(lambda: gymnasium_body("CartPole-v1"))),
    ]
    results: dict[str, float] = {}
    print(f"{'env':42s} {'steps/s':>12s}")
    for label, body in rows:
        if body is None:
            print(f"{label:42s} {'not installed':>12s}")
            continue
        results[label] = measure(body, args.seconds)
        print(f"{label:42s} {results[label]:12,.0f}")

    print("\nratios (same run)")
    pairs = [
        ("qarcade tictactoe", "PettingZoo tictactoe_v3", 10.0),
        ("qarcade tictactoe", "OpenSpiel tic_tac_toe (rl_environment)", 1.0),
        ("qarcade gridworld lake4", "Gymnasium FrozenLake-v1", 1.0),
    ]
    for ours, anchor, target in pairs:
        if ours in results and anchor in results:
            ratio = results[ours] / results[anchor]
            verdict = "ok" if ratio >= target else "BELOW TARGET"
            print(f"{ours} / {anchor}: {ratio:.2f}x (target >= {target:g}x) {verdict}")
    features = results.get("qarcade invaders features", 0.0)
    verdict = "ok" if features >= 20_000 else "BELOW TARGET"
    print(f"qarcade invaders features: {features:,.0f} steps/s (target >= 20,000) {verdict}")

    # Machine-readable rows for benchmarks/report.py (contract in benchmarks/README.md).
    for ours, anchor, target in pairs:
        if ours in results:
            row = {"what": f"random play, {ours}", "ours": results[ours], "unit": "steps/s"}
            row |= {"anchor": results.get(anchor), "anchor_name": anchor, "target": target}
            print("RESULT " + json.dumps(row))
    for ours in ("qarcade invaders features", "qarcade invaders pixels"):
        if ours in results:
            row = {"what": f"random play, {ours}", "ours": results[ours], "unit": "steps/s"}
            if ours.endswith("features"):
                row["target"] = 20_000
            print("RESULT " + json.dumps(row))


if __name__ == "__main__":
    main()
