"""Attacks that once got through (issue 15), one test each: the records survive kills, the
system's refusals are one-line errors, files are read within bounds, maps travel with
their checkpoints, crafted fields are refused before anything is allocated, one trainer
writes into a folder at a time, and memory stays bounded however long training runs."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from qarcade import cli, games
from qarcade.agents.checkpoints import (
    CheckpointError,
    load_agent,
    load_arrays,
    read_metadata,
    save_arrays,
)
from qarcade.agents.plotting import read_csv
from qarcade.agents.training import EpisodeStats, TrainingMetrics
from qarcade.games.core import GameError, IllegalActionError, OptionError
from qarcade.games.files import FileProblem, FolderLock, loads_json
from qarcade.games.gridworld.maps import MAX_SIDE, MapError, format_map, load_map, random_map

ROOT = Path(__file__).resolve().parents[1]


def train(*args: str) -> int:
    return cli.main(["train", *args, "--quiet"])


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.startswith("qarcade: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# ===================================================================== 1: metrics.csv
@pytest.mark.slow
def test_resume_keeps_every_row_up_to_the_checkpoint_and_drops_the_rest(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    assert train("tictactoe", "--episodes", "80", "--out", str(out)) == 0
    csv_path = out / "metrics.csv"
    before = read_csv(csv_path)
    assert [r["episode"] for r in before] == list(range(1, 81))
    # As a kill between the CSV's append and the checkpoint leaves it: rows past the
    # checkpoint, the last one cut short.
    with csv_path.open("a") as f:
        f.writelines(f"{n},{9 * n},0.5,1,1.0,\n" for n in range(81, 121))
        f.write("121,1089,0.")
    assert train("--resume", str(out / "agent.npz"), "--episodes", "150") == 0
    after = read_csv(csv_path)
    assert [r["episode"] for r in after] == list(range(1, 151))
    assert after[:80] == before, "resume changed the rows before its checkpoint"
    assert after[80]["steps"] != 9 * 81, "kept a row from past the checkpoint"


@pytest.mark.slow
def test_a_run_killed_mid_training_keeps_the_rows_of_its_last_save(tmp_path: Path) -> None:
    out = tmp_path / "run"
    child = subprocess.Popen(
        [
            sys.executable,
            "main.py",
            "train",
            "tictactoe",
            "--episodes",
            "100000",
            "--save-every",
            "25",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (out / "agent.npz").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    child.kill()
    child.wait()
    saved = read_metadata(out / "agent.npz")["episodes"]
    rows = read_csv(out / "metrics.csv")
    assert saved > 0 and len(rows) >= saved
    assert [r["episode"] for r in rows[:saved]] == list(range(1, saved + 1))


# ===================================================================== 2: OS errors
@pytest.mark.parametrize(
    "case",
    ["out is a file", "agent.npz is a folder", "metrics.csv is a folder", "tensorboard file"],
)
def test_file_system_refusals_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    out = tmp_path / "run"
    extra: list[str] = []
    if case == "out is a file":
        out.write_text("not a folder")
    elif case == "tensorboard file":
        pytest.importorskip("tensorboard")
        (tmp_path / "tb").write_text("not a folder")
        extra = ["--tensorboard", str(tmp_path / "tb")]
    else:
        (out / case.split()[0]).mkdir(parents=True)
    assert train("tictactoe", "--episodes", "20", "--out", str(out), *extra) == 2
    one_line_error(capsys)


@pytest.mark.slow
def test_a_full_disk_is_a_one_line_error_and_keeps_what_was_saved(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert train("tictactoe", "--episodes", "20", "--out", str(out)) == 0
    first = (out / "agent.npz").read_bytes()

    def small_files() -> None:
        # Writes past 200 kB fail with EFBIG, as on a full disk with ENOSPC.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    result = subprocess.run(
        [
            sys.executable,
            "main.py",
            "train",
            "--resume",
            str(out / "agent.npz"),
            "--episodes",
            "3000",
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=small_files,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("qarcade: error:") and result.stderr.count("\n") == 1
    assert "File too large" in result.stderr and "Traceback" not in result.stderr
    assert (out / "agent.npz").read_bytes() == first


def test_a_negative_seed_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert train("tictactoe", "--seed", "-1", "--out", str(tmp_path)) == 2
    assert "--seed" in one_line_error(capsys)


# ===================================================================== 3: bounded JSON
def test_deeply_nested_json_is_refused_everywhere(tmp_path: Path) -> None:
    nested = "[" * 2000 + "]" * 2000
    with pytest.raises(FileProblem, match="nested 2000 deep"):
        loads_json(nested, source="x")
    source = tmp_path / "source.npz"
    save_arrays(source, {"q": np.zeros((1, 2))}, minimal_meta())
    # The npz metadata itself.
    arrays = dict(np.load(source))
    arrays["__meta__"] = np.frombuffer(nested.encode(), np.uint8)
    np.savez(tmp_path / "meta.npz", **arrays)
    # A value inside valid metadata.
    _, meta = load_arrays(source)
    deep_meta = dict(meta, config={"x": json.loads("[" * 40 + "]" * 40)})
    save_arrays(tmp_path / "value.npz", {"q": np.zeros((1, 2))}, deep_meta)
    # A safetensors header.
    header = nested.encode()
    (tmp_path / "header.safetensors").write_bytes(len(header).to_bytes(8, "little") + header)
    for name in ("meta.npz", "value.npz", "header.safetensors"):
        with pytest.raises(CheckpointError, match="nested"):
            load_arrays(tmp_path / name)


def test_a_nested_hi_score_file_counts_as_no_record(tmp_path: Path) -> None:
    from qarcade.app.hiscore import HiScore

    path = tmp_path / "invaders.json"
    path.write_text("[" * 3000)
    assert HiScore(path).record == 0
    os.mkfifo(tmp_path / "fifo.json")
    assert HiScore(tmp_path / "fifo.json").record == 0


def minimal_meta(**extra: object) -> dict[str, object]:
    from qarcade.agents.checkpoints import FORMAT, FORMAT_VERSION

    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "agent": "tabular",
        "game": "tictactoe",
        "game_options": {},
        "config": {},
    }
    meta.update(extra)
    return meta


# ===================================================================== 4: special files
def test_special_files_are_refused_without_reading_them(tmp_path: Path) -> None:
    os.symlink("/dev/zero", tmp_path / "zero.npz")
    os.mkfifo(tmp_path / "fifo.npz")
    os.mkfifo(tmp_path / "fifo.txt")
    started = time.monotonic()
    for name, what in (("zero.npz", "character device"), ("fifo.npz", "named pipe")):
        with pytest.raises(CheckpointError, match=what):
            load_agent(tmp_path / name)
    with pytest.raises(MapError, match="named pipe"):
        load_map(str(tmp_path / "fifo.txt"))
    with open(tmp_path / "huge.npz", "wb") as f:
        f.truncate(8 << 30)  # sparse: 8 GiB that take no disk
    with pytest.raises(CheckpointError, match="larger than"):
        load_agent(tmp_path / "huge.npz")
    assert time.monotonic() - started < 5


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    from test_fuzz import zip_bomb

    path = tmp_path / "bomb.npz"
    path.write_bytes(zip_bomb())
    assert path.stat().st_size < 1 << 20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CheckpointError, match="compressed"):
        load_agent(path)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100_000


def test_a_text_file_named_npz_is_not_an_npz_archive(tmp_path: Path) -> None:
    path = tmp_path / "notes.npz"
    path.write_text("just some notes\n")
    with pytest.raises(CheckpointError) as info:
        load_agent(path)
    assert "not an npz archive" in str(info.value)
    assert "pickle" not in str(info.value)


# ===================================================================== 5: map size
def test_maps_larger_than_the_limit_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    rows = ["S" + "." * MAX_SIDE] + ["." * (MAX_SIDE + 1)] * (MAX_SIDE - 1) + ["." * MAX_SIDE + "G"]
    big.write_text("\n".join(rows))
    with pytest.raises(MapError, match=f"at most {MAX_SIDE}"):
        load_map(str(big))
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"." * (10 << 20))
    with pytest.raises(MapError, match="larger than"):
        load_map(str(huge))


def test_a_table_keys_large_observations_compactly() -> None:
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    env = games.make("gridworld", map="random", size=MAX_SIDE, map_seed=1)
    agent = TabularQAgent.for_env(env, seed=0)
    Trainer(env, agent, seed=0, episodes=5).run()
    states = agent.discretiser.num_rows
    key_bytes = sum(a.nbytes for a in agent.discretiser.to_arrays().values())
    assert states >= 10 and key_bytes <= 16 * states
    row = agent.discretiser.row(env.obs_for_cell(0, 0))
    assert np.array_equal(agent.discretiser.observation(row), env.obs_for_cell(0, 0))


def test_a_map_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("\ufeffS.\n.G\n".encode())
    assert load_map(str(path)).grid.shape == (2, 2)


# ===================================================================== 6: map in checkpoint
@pytest.mark.parametrize("kind", ["tabular", "dqn"])
def test_a_checkpoint_plays_its_own_map_after_the_file_changes_or_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    map_path = tmp_path / "mine.txt"
    original = random_map(6, 6, seed=3)
    map_path.write_text(format_map(original.grid))
    out = tmp_path / "run"
    budget = ["--episodes", "30"] if kind == "tabular" else ["--steps", "300"]
    args = ["gridworld", "--agent", kind, "--map", str(map_path), "--out", str(out), *budget]
    assert train(*args) == 0
    checkpoint = out / f"agent{'.npz' if kind == 'tabular' else '.safetensors'}"
    map_path.write_text(format_map(random_map(8, 9, seed=4).grid))  # edited: another size
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    map_path.unlink()
    meta = read_metadata(checkpoint)
    env = games.make(meta["game"], **meta["game_options"])
    assert np.array_equal(env.grid, original.grid)
    load_agent(checkpoint)
    assert cli.main(["eval", str(checkpoint), "--games", "2"]) == 0
    more = ["--episodes", "40"] if kind == "tabular" else ["--steps", "400"]
    assert train("--resume", str(checkpoint), *more) == 0


# ===================================================================== 7: crafted fields
def crafted(tmp_path: Path, kind: str, change: dict[str, object], arrays_change=None) -> Path:
    env = games.make("tictactoe")
    if kind == "tabular":
        from qarcade.agents.tabular import TabularQAgent

        agent = TabularQAgent.for_env(env, seed=0)
        agent.act(env.reset(seed=0)[0], env.action_mask(), explore=True)
    else:
        from qarcade.agents.dqn import DQNAgent, DQNConfig

        agent = DQNAgent.for_env(env, DQNConfig(hidden_sizes=(8,), buffer_size=64, device="cpu"))
    source = Path(agent.save(str(tmp_path / f"source-{kind}")))
    arrays, meta = load_arrays(source)
    for key, value in change.items():
        parent = meta
        *path, last = key.split(".")
        for part in path:
            parent = parent[part]
        parent[last] = value
    if arrays_change:
        arrays_change(arrays)
    return Path(save_arrays(tmp_path / f"crafted{source.suffix}", arrays, meta))


@pytest.mark.parametrize(
    ("kind", "change", "arrays_change", "message"),
    [
        ("tabular", {"num_actions": 3}, None, "actions"),
        ("tabular", {}, lambda a: a["q"].fill(np.nan), "NaN"),
        ("dqn", {"config.hidden_sizes": [10**6, 10**6]}, None, "needs about"),
        ("dqn", {"config.buffer_size": 10**11}, None, "needs about"),
        ("dqn", {"num_actions": 3}, None, "actions"),
    ],
)
def test_crafted_fields_with_a_valid_checksum_are_refused_before_allocation(
    tmp_path: Path, kind: str, change: dict, arrays_change, message: str
) -> None:
    path = crafted(tmp_path, kind, change, arrays_change)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CheckpointError, match=message):
        load_agent(path)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000


def test_a_dqn_too_big_for_the_machine_is_refused_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["tictactoe", "--agent", "dqn", "--set", "buffer_size=100000000000"]
    assert train(*args, "--out", str(tmp_path)) == 2
    assert "needs about" in one_line_error(capsys)


# ===================================================================== 8: one trainer a folder
@pytest.mark.slow
def test_a_second_trainer_on_a_folder_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with FolderLock(tmp_path):
        assert train("tictactoe", "--episodes", "10", "--out", str(tmp_path)) == 2
    assert "another training run" in one_line_error(capsys)
    assert train("tictactoe", "--episodes", "10", "--out", str(tmp_path)) == 0


SAVER = """
import sys
import numpy as np
from qarcade.agents.checkpoints import FORMAT, FORMAT_VERSION, save_arrays
meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "agent": "tabular",
        "game": "tictactoe", "game_options": {}, "config": {}}
for i in range(60):
    save_arrays(sys.argv[1], {"q": np.full((64, 9), i, float)}, meta)
"""


def test_two_processes_saving_one_path_never_trip_over_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "agent.npz"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    children = [
        subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path)], env=env, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    load_arrays(path)


# ===================================================================== 9: bounded metrics
def test_training_metrics_stay_bounded_however_many_episodes() -> None:
    metrics = TrainingMetrics(window=50)
    for n in range(1, 5001):
        stats = EpisodeStats(n, 9, 9 * n, 1.0, 1 if n % 3 else -1, 0, True, 0.1, {})
        metrics.record_episode(stats)
        metrics.record_learning({"td_error": 0.5})
    assert len(metrics.returns) == len(metrics.outcomes) == len(metrics.lengths) == 50
    assert len(metrics.losses) == 50
    assert metrics.episodes == 5000 and metrics.outcome_counts[-1] == 1666


# ===================================================================== 11: small ones
@pytest.mark.parametrize("seed", [-1, 1.5, "abc", True, np.random.default_rng(0), [1, 2]])
def test_reset_refuses_seeds_that_are_not_integers(seed: object) -> None:
    env = games.make("tictactoe")
    with pytest.raises(OptionError, match="seed"):
        env.reset(seed=seed)
    env.reset(seed=np.int64(3))


@pytest.mark.parametrize("action", [True, False, np.True_, np.False_])
def test_booleans_are_not_actions(action: object) -> None:
    env = games.make("gridworld")
    env.reset(seed=0)
    with pytest.raises(IllegalActionError):
        env.step(action)


@pytest.mark.parametrize(
    "other",
    [
        lambda: games.make("tictactoe").snapshot(),
        lambda: games.make("gridworld", map="lake8").snapshot(),
        lambda: {"cell": 3},
        lambda: None,
    ],
)
def test_restore_refuses_what_is_not_a_snapshot_of_this_env(other) -> None:
    env = games.make("gridworld", map="lake4")
    env.reset(seed=0)
    snapshot = other()
    before = env.snapshot()
    with pytest.raises(GameError, match="cannot restore"):
        env.restore(snapshot)
    from helpers import canonical

    assert canonical(env.snapshot()) == canonical(before)


def test_a_signal_during_the_final_save_does_not_offer_a_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qarcade.agents.tabular import TabularQAgent

    save = TabularQAgent.save
    calls = []

    def save_then_signal(self, path, *, training=None):
        if training is not None:  # the run's checkpoint (best.npz carries no training state)
            calls.append(training["episodes"])
            if training["episodes"] == 30:
                os.kill(os.getpid(), signal.SIGTERM)
        return save(self, path, training=training)

    monkeypatch.setattr(TabularQAgent, "save", save_then_signal)
    code = train("tictactoe", "--episodes", "30", "--save-every", "0", "--out", str(tmp_path))
    err = capsys.readouterr().err
    assert code == 128 + signal.SIGTERM
    assert "--resume" not in err and "all 30 episodes trained" in err
