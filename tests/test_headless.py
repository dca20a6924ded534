"""Training runs headless: the games and agents never import pygame (DESIGN.md, layering)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from qarcade import agents, games
    rng = np.random.default_rng(0)
    for name in games.names():
        env = games.make(name)
        obs, info = env.reset(seed=0)
        for _ in range(1000):
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            obs, reward, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                obs, info = env.reset()
    print("pygame" in sys.modules, sorted(m for m in sys.modules if m.startswith("pygame"))[:3])
    """
)


def test_games_and_agents_run_without_pygame() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.startswith("False"), result.stdout


LEARN_SESSION = textwrap.dedent(
    """
    import sys
    sys.modules["pygame"] = None  # any import of pygame now fails
    from qarcade.app.learn_session import LearnConfig, LearnSession
    for game, agent, options in (
        ("tictactoe", "tabular", {}),
        ("gridworld", "dqn", {"map": "lake4"}),
    ):
        session = LearnSession(LearnConfig(game, agent, options=options))
        for _ in range(5):
            session.advance(40, budget=60.0)
        session.sample_memory()
        session.close()
        print(game, session.trainer.steps, session.trainer.episodes > 0)
    """
)


def test_learn_session_trains_with_pygame_blocked(tmp_path: Path) -> None:
    """Learn's training side draws nothing, so it runs where pygame cannot be imported."""
    result = subprocess.run(
        [sys.executable, "-c", LEARN_SESSION],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QARCADE_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["tictactoe", "200", "True", "gridworld", "200", "True"]
