"""Training runs headless: the games and agents never import pygame (DESIGN.md, layering)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

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
