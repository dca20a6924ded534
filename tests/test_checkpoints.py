"""Checkpoints: round trips in both formats, the metadata, resuming a run exactly, and
every way a file can be bad giving a CheckpointError that says what is wrong."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from qarcade import games
from qarcade.agents.checkpoints import (
    FORMAT,
    FORMAT_VERSION,
    META_KEY,
    CheckpointError,
    load_agent,
    load_arrays,
    read_metadata,
    save_arrays,
)
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer


def trained(game: str = "gridworld", episodes: int = 200, **options: object) -> tuple:
    env = games.make(game, **options)
    agent = TabularQAgent.for_env(env, seed=0)
    trainer = Trainer(env, agent, seed=0, episodes=episodes)
    trainer.run()
    return env, agent, trainer


def minimal_meta(**changes: object) -> dict:
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "agent": "tabular",
        "game": "gridworld",
        "game_options": {},
        "config": {},
    }
    meta.update(changes)
    return meta


# ----------------------------------------------------------------- round trips
@pytest.mark.parametrize(
    ("game", "options"),
    [("gridworld", {"map": "maze"}), ("tictactoe", {}), ("invaders", {"preset": "small"})],
)
def test_tabular_round_trip(tmp_path: Path, game: str, options: dict) -> None:
    env, agent, trainer = trained(game, episodes=3 if game == "invaders" else 300, **options)
    path = agent.save(str(tmp_path / "agent"), training=trainer.state_dict())
    assert path.endswith(".npz")
    loaded = load_agent(path, game=game)
    assert isinstance(loaded, TabularQAgent)
    assert np.array_equal(loaded.table, agent.table)
    assert loaded.config == agent.config
    assert loaded.rng.getstate() == agent.rng.getstate()
    assert loaded.memory_report() == agent.memory_report()
    obs, _ = env.reset(seed=5)
    assert np.array_equal(loaded.q_values(obs), agent.q_values(obs))
    meta = read_metadata(path)
    assert meta["game"] == game and meta["agent"] == "tabular"
    assert meta["game_options"] == env.options
    assert meta["episodes"] == trainer.episodes and meta["steps"] == trainer.steps
    assert meta["format_version"] == FORMAT_VERSION
    assert {"package_version", "created", "config", "training"} <= set(meta)
    # The env can be rebuilt from the metadata alone.
    assert games.make(meta["game"], **meta["game_options"]).options == env.options


def test_generic_arrays_in_both_formats(tmp_path: Path) -> None:
    arrays = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.ones(4, np.int64)}
    for suffix in (".npz", ".safetensors"):
        path = tmp_path / f"weights{suffix}"
        save_arrays(path, arrays, minimal_meta(agent="dqn"))
        loaded, meta = load_arrays(path)
        assert meta == minimal_meta(agent="dqn")
        assert set(loaded) == set(arrays)
        for key, value in arrays.items():
            assert loaded[key].dtype == value.dtype and np.array_equal(loaded[key], value)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    _, agent, _ = trained(episodes=20)
    path = tmp_path / "agent.npz"
    agent.save(str(path))
    first = path.read_bytes()
    with pytest.raises(TypeError):
        save_arrays(path, {"bad": np.array([object()])}, minimal_meta())
    assert path.read_bytes() == first  # a failed save leaves the old file as it was
    assert sorted(os.listdir(tmp_path)) == ["agent.npz"]


def test_resume_gives_the_same_table_as_an_uninterrupted_run(tmp_path: Path) -> None:
    def run(split: int | None) -> np.ndarray:
        env = games.make("tictactoe")
        agent = TabularQAgent.for_env(env, seed=3)
        trainer = Trainer(env, agent, seed=3, episodes=600)
        if split is None:
            trainer.run()
            return agent.table
        trainer.run(episodes=split)
        path = agent.save(str(tmp_path / "half"), training=trainer.state_dict())
        agent = load_agent(path, game="tictactoe")
        trainer = Trainer(games.make("tictactoe"), agent, episodes=600)
        trainer.load_state_dict(read_metadata(path)["training"])
        trainer.run()
        return agent.table

    assert np.array_equal(run(None), run(250))


# ----------------------------------------------------------------- bad files
@pytest.fixture
def good(tmp_path: Path) -> Path:
    _, agent, _ = trained(episodes=50)
    return Path(agent.save(str(tmp_path / "good.npz")))


def test_checkpoint_for_another_game(good: Path) -> None:
    with pytest.raises(CheckpointError, match="for 'gridworld', not 'tictactoe'"):
        load_agent(good, game="tictactoe")


def test_wrong_agent_kind(good: Path) -> None:
    with pytest.raises(CheckpointError, match="not a 'dqn' one"):
        load_agent(good, kind="dqn")


@pytest.mark.parametrize("keep", [0, 10, 100, 0.5, -20])
def test_truncated(good: Path, tmp_path: Path, keep: float) -> None:
    data = good.read_bytes()
    n = int(len(data) * keep) if isinstance(keep, float) else keep
    bad = tmp_path / "cut.npz"
    bad.write_bytes(data[:n])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        load_agent(bad)


def test_corrupt_bytes(good: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    data = bytearray(good.read_bytes())
    failures = 0
    for trial in range(30):
        bad_data = bytearray(data)
        for i in rng.integers(0, len(data), size=8):
            bad_data[i] ^= 0xFF
        bad = tmp_path / f"corrupt{trial}.npz"
        bad.write_bytes(bytes(bad_data))
        try:
            load_agent(bad)
        except CheckpointError:
            failures += 1
    # Flipped bytes inside array data can go unnoticed (npz is not checksummed on read),
    # but most damage is caught, and nothing but CheckpointError ever escapes.
    assert failures > 0


def test_not_a_checkpoint(tmp_path: Path) -> None:
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="not a readable qarcade checkpoint"):
        load_agent(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, q=np.zeros(3))
    with pytest.raises(CheckpointError, match="without qarcade metadata"):
        load_agent(plain)
    with zipfile.ZipFile(tmp_path / "other.npz", "w") as z:
        z.writestr(f"{META_KEY}.npy", b"not npy")
    with pytest.raises(CheckpointError):
        load_agent(tmp_path / "other.npz")
    foreign = tmp_path / "foreign.npz"
    save_arrays(foreign, {}, {"format": "something-else"})
    with pytest.raises(CheckpointError, match="not a qarcade checkpoint"):
        load_agent(foreign)


def test_pickled_arrays_are_refused(tmp_path: Path) -> None:
    meta = np.frombuffer(json.dumps(minimal_meta()).encode(), dtype=np.uint8)
    path = tmp_path / "pickled.npz"
    np.savez(path, q=np.array([{"a": 1}], dtype=object), **{META_KEY: meta})
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        load_agent(path)


def test_newer_format_version(tmp_path: Path) -> None:
    path = tmp_path / "future.npz"
    save_arrays(path, {}, minimal_meta(format_version=FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match="newer than this qarcade"):
        read_metadata(path)


def test_a_format_version_before_the_first_that_shipped_is_refused(tmp_path: Path) -> None:
    """Version 1 (no checksum) never shipped: such a file is damaged or crafted, and
    does not skip the checksum."""
    path = tmp_path / "old.npz"
    save_arrays(path, {}, minimal_meta(format_version=1))
    with pytest.raises(CheckpointError, match="bad format_version 1"):
        read_metadata(path)


def test_unknown_agent_kind_and_bad_tables(tmp_path: Path, good: Path) -> None:
    arrays, meta = load_arrays(good)
    save_arrays(tmp_path / "kind.npz", arrays, {**meta, "agent": "alien"})
    with pytest.raises(CheckpointError, match="unknown agent kind 'alien'"):
        load_agent(tmp_path / "kind.npz")
    save_arrays(tmp_path / "shape.npz", {**arrays, "q": arrays["q"][:-1]}, meta)
    with pytest.raises(CheckpointError, match=r"shape.npz: Q-table shape \(\d+, 4\) does not"):
        load_agent(tmp_path / "shape.npz")
    missing = {k: v for k, v in arrays.items() if k != "q"}
    save_arrays(tmp_path / "missing.npz", missing, meta)
    with pytest.raises(CheckpointError, match=r"missing.npz: Q-table shape None does not match"):
        load_agent(tmp_path / "missing.npz")


def test_missing_file_folder_and_suffix(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_agent(tmp_path / "absent.npz")
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(CheckpointError, match="is a folder"):
        load_agent(tmp_path / "dir.npz")
    with pytest.raises(CheckpointError, match="unknown checkpoint type"):
        load_agent(tmp_path / "agent.pkl")


def test_bad_safetensors(tmp_path: Path) -> None:
    path = tmp_path / "w.safetensors"
    save_arrays(path, {"w": np.zeros(4, np.float32)}, minimal_meta(agent="dqn"))
    data = path.read_bytes()
    for n in (0, 7, 20, len(data) - 3):
        (tmp_path / "cut.safetensors").write_bytes(data[:n])
        with pytest.raises(CheckpointError):
            load_arrays(tmp_path / "cut.safetensors")
    from safetensors.numpy import save_file

    save_file({"w": np.zeros(2, np.float32)}, str(tmp_path / "plain.safetensors"))
    with pytest.raises(CheckpointError, match="without qarcade metadata"):
        load_arrays(tmp_path / "plain.safetensors")


def test_a_negative_saved_random_state_is_a_checkpoint_error() -> None:
    """numpy says OverflowError for an integer out of uint64's range (found by the fuzzer)."""
    from qarcade.agents.checkpoints import CheckpointError, set_numpy_state

    generator = np.random.default_rng(0)
    state = generator.bit_generator.state
    state["state"]["state"] = -1
    with pytest.raises(CheckpointError, match="replay: the saved random state is damaged"):
        set_numpy_state(generator, state, "replay")
