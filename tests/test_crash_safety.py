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
import pytest

from qarcade.agents.checkpoints import load_agent, load_arrays, read_metadata

ROOT = Path(__file__).resolve().parents[1]
KILLS = 10

# The child saves version after version and reports each one it finished: a real
# tabular agent as ``.npz`` (save_agent), or a network-sized array as ``.safetensors``
# (save_arrays, the path DQN weights take).
CHILD = """
import sys
import numpy as np
from qarcade.agents.checkpoints import FORMAT, FORMAT_VERSION, save_agent, save_arrays

path, version = sys.argv[1], int(sys.argv[2])
if path.endswith(".npz"):
    from qarcade import games
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    env = games.make("tictactoe")
    agent = TabularQAgent.for_env(env, seed=0)
    Trainer(env, agent, seed=0, episodes=1000).run()
else:
    weights = np.zeros(64 * 1024, dtype=np.float32)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "agent": "dqn",
            "game": "gridworld", "game_options": {}, "config": {}}
while True:
    version += 1
    if path.endswith(".npz"):
        agent.table[:] = version
        save_agent(path, agent, training={"steps": version})
    else:
        weights[:] = version
        save_arrays(path, {"weights": weights}, dict(meta, steps=version))
    print(version, flush=True)
    if sys.argv[3] == "die-mid-write":
        # The next save dies at the worst moment: written, not yet renamed into place.
        import os, signal
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
"""


def start_saver(path: Path, first_version: int, mode: str = "loop") -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(first_version), mode],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def saved_version(path: Path) -> int:
    """The version in the checkpoint at ``path``, checking that it is one whole save."""
    if path.suffix == ".npz":
        agent = load_agent(path)
        version = read_metadata(path)["steps"]
        assert np.all(agent.table == version), "table and metadata are from different saves"
    else:
        arrays, meta = load_arrays(path)
        version = meta["steps"]
        assert np.all(arrays["weights"] == version), "weights and metadata are from different saves"
    return version


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


@pytest.mark.slow
@pytest.mark.parametrize("name", ["agent.npz", "weights.safetensors"])
def test_a_checkpoint_killed_while_saving_always_loads(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
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
        saved = saved_version(path)
        assert saved >= finished, "the kill lost a finished save"
        strays = [p.name for p in tmp_path.iterdir() if p != path]
        assert len(strays) <= 1, f"temporary files pile up: {strays}"
        outcomes.append((finished, saved, len(strays)))
        version = saved
    print(f"\n{name}, {KILLS} kills: (last save reported, version on disk, temp files) {outcomes}")


@pytest.mark.parametrize("name", ["agent.npz", "weights.safetensors"])
def test_kills_between_write_and_rename_keep_the_last_save_and_one_temp_file(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    version = 0
    for _ in range(3):
        child = start_saver(path, version, "die-mid-write")
        assert child.stdout is not None
        finished = int(child.stdout.readline())
        assert child.wait(timeout=60) == -signal.SIGKILL
        child.stdout.close()
        assert saved_version(path) == finished == version + 1
        strays = [p.name for p in tmp_path.iterdir() if p != path]
        assert len(strays) <= 1, f"temporary files pile up: {strays}"
        version = finished
