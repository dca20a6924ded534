"""A checkpoint survives a kill at any moment: saves are atomic.

A child process saves a checkpoint over and over through :mod:`agents.checkpoints`, each
version marked (its Q-table filled with the version number, which is also its ``steps``),
and is killed with SIGKILL at a random moment. Afterwards the file must load, hold one
whole version (table and metadata agreeing, never a torn mix) no older than the last
one the child finished, and at most one temporary file may be left beside it however many
kills came before.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from agents.checkpoints import load_agent, read_metadata

ROOT = Path(__file__).resolve().parents[1]
KILLS = 10

# The child: a small real agent, saved in a loop; it reports each finished save.
CHILD = """
import sys
import games
from agents.checkpoints import save_agent
from agents.tabular import TabularQAgent
from agents.training import Trainer

env = games.make("tictactoe")
agent = TabularQAgent.for_env(env, seed=0)
Trainer(env, agent, seed=0, episodes=20).run()
version = int(sys.argv[2])
while True:
    version += 1
    agent.table[:] = version
    save_agent(sys.argv[1], agent, training={"steps": version})
    print(version, flush=True)
"""


def start_saver(path: Path, first_version: int) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(first_version)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def last_reported(child: subprocess.Popen[str], wait: float) -> int:
    """Read the child's reports for ``wait`` seconds (at least one); the last version."""
    assert child.stdout is not None
    deadline = time.monotonic() + 30.0
    last = None
    stop = None
    while True:
        ready, _, _ = select.select([child.stdout], [], [], 0.5)
        if ready:
            line = child.stdout.readline()
            assert line, "the saver died before it was killed"
            last = int(line)
            if stop is None:
                stop = time.monotonic() + wait
        if stop is not None and time.monotonic() >= stop:
            return last
        assert time.monotonic() < deadline, "the saver never finished a save"


def test_a_checkpoint_killed_while_saving_always_loads(tmp_path: Path) -> None:
    path = tmp_path / "agent.npz"
    rng = random.Random()
    version = 0
    outcomes = []
    for _ in range(KILLS):
        child = start_saver(path, version)
        try:
            # A save is reported once finished; more may finish before the kill lands.
            finished = last_reported(child, wait=rng.uniform(0.0, 0.15))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        agent = load_agent(path)
        saved = read_metadata(path)["steps"]
        assert saved >= finished, "the kill lost a finished save"
        assert np.all(agent.table == saved), "the table and the metadata are from different saves"
        strays = [p.name for p in tmp_path.iterdir() if p != path]
        assert len(strays) <= 1, f"temporary files pile up: {strays}"
        outcomes.append((finished, saved, len(strays)))
        version = saved
    print(f"\n{KILLS} kills: (last finished save, version on disk, stray temp files) {outcomes}")
