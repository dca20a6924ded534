"""Resume-exact training: a run interrupted, saved and resumed ends where the same run
uninterrupted ends, bit for bit — Q-tables for the tabular learner in every game, weights
for DQN on the CPU — through the Python API and through ``python main.py train`` killed
with SIGTERM and resumed with ``--resume``. Bad resumes are one-line errors.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qarcade import cli as main
from qarcade import games
from qarcade.agents.checkpoints import CheckpointError, load_agent, load_arrays, read_metadata
from qarcade.agents.kinds import make_player
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer, resume, training_env_options

ROOT = Path(__file__).resolve().parents[1]


def tabular_trainer(game: str, options: dict[str, Any], episodes: int, vs: str | None) -> Trainer:
    env = games.make(game, **options)
    agent = TabularQAgent.for_env(env, seed=7)
    opponent = make_player(vs, env.name, seed=8) if vs else None
    return Trainer(env, agent, opponent=opponent, seed=7, episodes=episodes)


def table_state(agent: TabularQAgent) -> tuple:
    """Everything the table learner carries from one episode to the next."""
    arrays, meta = agent.to_checkpoint()
    return (
        {k: (v.dtype.str, v.shape, v.tobytes()) for k, v in arrays.items()},
        meta["rng_state"],
        meta["epsilon"],
    )


TABULAR_RUNS = [
    # (game, env options, episodes, saved after, fixed opponent)
    ("tictactoe", {}, 800, 333, None),
    ("tictactoe", {}, 400, 150, "random"),
    ("gridworld", {"map": "lake8", "slippery": True}, 300, 123, None),
    ("invaders", training_env_options("invaders", {"preset": "small"}), 6, 2, None),
]


@pytest.mark.parametrize(("game", "options", "episodes", "split", "vs"), TABULAR_RUNS)
def test_tabular_resume_gives_the_uninterrupted_table(
    tmp_path: Path, game: str, options: dict, episodes: int, split: int, vs: str | None
) -> None:
    whole = tabular_trainer(game, options, episodes, vs)
    whole.run()

    first = tabular_trainer(game, options, episodes, vs)
    first.run(episodes=split)
    path = first.agent.save(str(tmp_path / "half"), training=first.state_dict())
    del first  # the rest comes from the file alone
    resumed = resume(path, game=game)
    assert resumed.notes == []
    second = resumed.trainer
    assert (second.episodes, second.total_episodes) == (split, episodes)
    second.run()

    assert second.episodes == whole.episodes and second.steps == whole.steps
    assert table_state(second.agent) == table_state(whole.agent)
    assert second.env.rng_state() == whole.env.rng_state()
    if vs:
        assert second.opponent.rng.bit_generator.state == whole.opponent.rng.bit_generator.state


def test_slippery_gridworld_rng_state_holds_the_slips_drawn_ahead() -> None:
    """The gridworld draws slips 1024 at a time; its rng_state() must still say which
    slip comes next, wherever in a batch it is taken."""
    env = games.make("gridworld", map="lake8", slippery=True)
    env.reset(seed=3)
    moves = np.random.default_rng(0).integers(0, 4, size=3000).tolist()

    def walk(env: Any, actions: list[int]) -> list[tuple]:
        out = []
        for a in actions:
            _, reward, terminated, truncated, _ = env.step(a)
            out.append((env.cell, reward))
            if terminated or truncated:
                env.reset()
        return out

    walk(env, moves[:1500])  # into the second batch
    state = json.loads(json.dumps(env.rng_state()))
    assert 0 < state["slip_batch"]["used"] < 1024
    expected = walk(env, moves[1500:])

    fresh = games.make("gridworld", map="lake8", slippery=True)
    fresh.set_rng_state(state)
    fresh.reset()
    env.set_rng_state(state)
    env.reset()
    assert walk(fresh, moves[1500:]) == walk(env, moves[1500:])
    # The bare generator state alone is not enough: that is what was broken.
    bare = games.make("gridworld", map="lake8", slippery=True)
    bare.set_rng_state({"bit_generator": state["bit_generator"]})
    bare.reset()
    assert walk(bare, moves[1500:]) != expected


def dqn_trainer(save_replay_buffer: bool = True) -> Trainer:
    from qarcade.agents.dqn import DQNAgent, DQNConfig

    env = games.make("gridworld", map="lake4")
    config = DQNConfig.for_env(
        env,
        buffer_size=500,
        batch_size=16,
        learning_starts=32,
        train_frequency=1,
        target_network_frequency=50,
        hidden_sizes=(16,),
        device="cpu",
        save_replay_buffer=save_replay_buffer,
    )
    agent = DQNAgent.for_env(env, config, seed=5)
    return Trainer(env, agent, seed=5, steps=400)


def dqn_state(agent: Any) -> dict[str, bytes]:
    arrays, _ = agent.to_checkpoint()
    return {k: v.tobytes() for k, v in arrays.items()}


def test_dqn_resume_on_cpu_gives_the_uninterrupted_weights(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    whole = dqn_trainer()
    whole.run_steps(400)

    first = dqn_trainer()
    first.run(episodes=10)  # ends between episodes, part-way into the step budget
    assert 32 < first.steps < 400
    path = first.agent.save(str(tmp_path / "half"), training=first.state_dict())
    del first
    resumed = resume(path, game="gridworld")
    assert resumed.notes == []
    second = resumed.trainer
    second.run_steps(400 - second.steps)

    assert second.agent.train_steps == whole.agent.train_steps > 0
    # Weights of both networks, Adam's moments and the replay buffer, bit for bit.
    assert dqn_state(second.agent) == dqn_state(whole.agent)
    assert second.agent.rng.getstate() == whole.agent.rng.getstate()


def test_resume_says_when_it_cannot_be_exact(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    trainer = dqn_trainer(save_replay_buffer=False)
    trainer.run(episodes=3)
    trainer.run_steps(2)  # mid-episode
    assert trainer.in_episode
    path = trainer.agent.save(str(tmp_path / "mid"), training=trainer.state_dict())
    resumed = resume(path)
    assert len(resumed.notes) == 2
    assert "middle of an episode" in resumed.notes[0] and "replay buffer" in resumed.notes[1]
    resumed.trainer.run_steps(50)  # and it trains on
    assert resumed.trainer.steps == trainer.steps + 50


def test_bad_resumes_raise_checkpoint_errors(tmp_path: Path) -> None:
    trainer = tabular_trainer("tictactoe", {}, 50, None)
    trainer.run()
    bare = trainer.agent.save(str(tmp_path / "bare"))  # saved outside training
    with pytest.raises(CheckpointError, match="no training state"):
        resume(bare)
    good = trainer.agent.save(str(tmp_path / "good"), training=trainer.state_dict())
    with pytest.raises(CheckpointError, match="for 'tictactoe', not 'gridworld'"):
        resume(good, game="gridworld")
    arrays, meta = load_arrays(good)
    meta["training"]["env_random"] = {"bit_generator": {"bit_generator": "MT19937"}}
    from qarcade.agents.checkpoints import save_arrays

    damaged = save_arrays(tmp_path / "damaged.npz", arrays, meta)
    with pytest.raises(CheckpointError, match=r"damaged\.npz: cannot resume"):
        resume(damaged)


def test_settings_from_a_file_are_checked_and_normalised(tmp_path: Path) -> None:
    """A config a file (or ``--set initial_q=0``) gives as ints makes a float table; a
    nonsense one is refused when resuming, naming the file."""
    from qarcade.agents.checkpoints import save_arrays

    trainer = tabular_trainer("gridworld", {"map": "lake4"}, 30, None)
    trainer.run(episodes=10)
    path = Path(trainer.agent.save(str(tmp_path / "agent"), training=trainer.state_dict()))
    arrays, meta = load_arrays(path)
    meta["config"].update(initial_q=0, learning_rate=1)
    save_arrays(path, arrays, meta)
    resumed = resume(path).trainer
    resumed.run()
    assert resumed.agent.table.dtype == np.float64 and resumed.agent.learning_rate == 1.0
    meta["config"]["gamma"] = "high"
    save_arrays(path, arrays, meta)
    with pytest.raises(CheckpointError, match=r"agent\.npz.*gamma must be a number"):
        resume(path)


# ----------------------------------------------------------------- the command line
def qarcade(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_train_killed_with_sigterm_and_resumed_equals_uninterrupted(tmp_path: Path) -> None:
    total = "20000"
    whole = qarcade("train", "tictactoe", "--episodes", total, "--out", str(tmp_path / "whole"),
                    "--quiet")  # fmt: skip
    assert whole.returncode == 0, whole.stderr

    out = tmp_path / "killed"
    checkpoint = out / "agent.npz"
    process = subprocess.Popen(
        [sys.executable, "main.py", "train", "tictactoe", "--episodes", total,
         "--save-every", "1000", "--out", str(out), "--quiet"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not checkpoint.exists() and process.poll() is None:
            assert time.monotonic() < deadline, "no periodic save appeared"
            time.sleep(0.002)
        process.send_signal(signal.SIGTERM)  # right after the first periodic save
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    # SIGTERM leaves a loadable checkpoint, saved between episodes, and says so.
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "interrupted: saved" in stderr and "on SIGTERM" in stderr
    assert f"--resume {checkpoint}" in stderr and "Traceback" not in stderr
    meta = read_metadata(checkpoint)
    assert 1000 <= meta["episodes"] < 20000 and not meta["training"]["in_episode"]
    assert load_agent(checkpoint, game="tictactoe").table.size > 0

    resumed = qarcade("train", "--resume", str(checkpoint), "--episodes", total, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "note:" not in resumed.stderr
    a, b = load_agent(tmp_path / "whole" / "agent.npz"), load_agent(checkpoint)
    assert a.table.shape == b.table.shape and np.array_equal(a.table, b.table)
    assert a.rng.getstate() == b.rng.getstate()
    # The metrics of the two halves join into those of the whole run.
    assert (out / "metrics.csv").read_text() == (tmp_path / "whole" / "metrics.csv").read_text()


def test_first_signal_finishes_the_episode_and_a_second_stops_at_once() -> None:
    from qarcade.agents.commands import _Progress, _StopFlag, _train_loop

    options = training_env_options("invaders", {"preset": "small"})
    trainer = tabular_trainer("invaders", options, 50, None)
    progress = _Progress(50, "episodes", quiet=True)
    before = signal.getsignal(signal.SIGTERM)
    with _StopFlag() as stop:
        trainer.run_steps(5)
        os.kill(os.getpid(), signal.SIGTERM)
        _train_loop(trainer, progress, stop, by_episodes=True)
        # The episode under way was played to its end, and no other was started.
        assert (trainer.episodes, trainer.in_episode) == (1, False)
        assert trainer.steps == trainer.metrics.lengths[0] > 5

        trainer.run_steps(5)
        os.kill(os.getpid(), signal.SIGINT)
        steps = trainer.steps
        _train_loop(trainer, progress, stop, by_episodes=True)
        assert trainer.steps == steps and trainer.in_episode  # stopped at once
    assert stop.signals == [signal.SIGTERM, signal.SIGINT]
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    trainer = tabular_trainer("tictactoe", {}, 100, None)
    trainer.run(episodes=40)
    folder = tmp_path_factory.mktemp("saved")
    return Path(trainer.agent.save(str(folder / "agent"), training=trainer.state_dict()))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--resume", "no/such/run.npz"), "no such checkpoint file"),
        (("--resume", "{corrupt}"), "not a readable qarcade checkpoint"),
        (("gridworld", "--resume", "{saved}"), "for 'tictactoe', not 'gridworld'"),
        (("--resume", "{saved}", "--agent", "dqn"), "--agent cannot be combined with --resume"),
        (("--resume", "{saved}", "--seed", "3", "--map", "maze"), "--seed, --map cannot"),
        (("--resume", "{saved}", "--episodes", "40"), "already trained 40 of 40 episodes"),
        (("--resume", "{saved}", "--steps", "900"), "counts episodes, not steps"),
        (("--resume", "{saved}", "--device", "cpu"), "--device is for dqn"),
        (("tictactoe", "--episodes", "5", "--steps", "5"), "--episodes or --steps, not both"),
        (("--episodes", "5"), "name a game"),
        (("tictactoe", "--save-every", "-1"), "--save-every must be 0"),
    ],
)
def test_bad_resume_command_lines_are_one_line_errors(
    saved_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple, message: str
) -> None:
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(saved_run.read_bytes()[:300])
    argv = [a.format(saved=saved_run, corrupt=corrupt) for a in args]
    assert main.main(["train", *argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("qarcade: error:"), err
    assert message in err, err
    assert saved_run.exists() and read_metadata(saved_run)["episodes"] == 40  # untouched
