"""``python main.py train`` and ``eval`` as a person runs them: in a subprocess, with the
files they write, their tables, one-line errors, and Ctrl-C saving the agent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qarcade.agents.checkpoints import load_agent, read_metadata
from qarcade.cli import main

ROOT = Path(__file__).resolve().parents[1]


def qarcade(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"},
    )


def test_train_then_eval(tmp_path: Path) -> None:
    out = tmp_path / "lake"
    done = qarcade(
        "train", "gridworld", "--map", "lake4", "--episodes", "300", "--seed", "2",
        "--out", str(out), "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("agent.npz", "metrics.csv", "learning_curve.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = (out / "metrics.csv").read_text().splitlines()
    assert lines[0] == "episode,steps,return,outcome,epsilon,eval,test"
    assert len(lines) == 301
    assert "optimum (exact)" in done.stdout and "greedy episodes" in done.stdout
    meta = read_metadata(out / "agent.npz")
    assert meta["episodes"] == 300 and meta["game_options"]["map"] == "lake4"

    evaluated = qarcade("eval", str(out / "agent.npz"), "--games", "100")
    assert evaluated.returncode == 0, evaluated.stderr
    table = evaluated.stdout.splitlines()
    assert any(line.startswith("greedy episodes") and "100.0%" in line for line in table)


def test_train_tictactoe_against_a_fixed_opponent(tmp_path: Path) -> None:
    done = qarcade(
        "train", "tictactoe", "--vs", "random", "--episodes", "200", "--out", str(tmp_path),
        "--set", "learning_rate=0.2", "--quiet",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "exact grade" in done.stdout and "vs minimax as O" in done.stdout
    agent = load_agent(tmp_path / "agent.npz", game="tictactoe")
    assert agent.learning_rate == 0.2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("train", "chess"), "unknown game 'chess'"),
        (("train", "gridworld", "--map", "nowhere"), "nowhere"),
        (("train", "gridworld", "--set", "alpha=1"), "unknown tabular setting(s) alpha"),
        (("train", "gridworld", "--episodes", "0"), "--episodes must be at least 1"),
        (("train", "gridworld", "--vs", "random"), "one-player game"),
        (("eval", "no/such/file.npz"), "no such checkpoint file"),
    ],
)
def test_one_line_errors(args: tuple[str, ...], message: str) -> None:
    done = qarcade(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("qarcade: error:") and message in done.stderr
    assert "Traceback" not in done.stderr


def test_eval_of_a_bad_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "agent.npz"
    bad.write_bytes(b"PK\x03\x04 this is not a zip at all")
    done = qarcade("eval", str(bad))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not a readable qarcade checkpoint" in done.stderr


def test_ctrl_c_saves_what_was_learnt(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "main.py", "train", "gridworld", "--map", "fourrooms",
         "--episodes", "10000000", "--out", str(tmp_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        # Wait for the progress bar: training has started.
        assert process.stderr is not None
        seen, deadline = "", time.monotonic() + 60
        while "episodes" not in seen and time.monotonic() < deadline:
            seen += process.stderr.read(1)
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted: saved" in stderr
    meta = read_metadata(tmp_path / "agent.npz")
    assert 0 < meta["episodes"] < 10_000_000
    assert load_agent(tmp_path / "agent.npz").discretiser.num_rows > 10


def test_debug_shows_the_traceback_of_an_error_a_person_caused() -> None:
    plain = qarcade("eval", "no-such-file.npz")
    debug = qarcade("--debug", "eval", "no-such-file.npz")
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().count("\n") == 0, plain.stderr
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_sweep_without_the_scale_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import qarcade.agents

    monkeypatch.setitem(sys.modules, "ray", None)  # what a missing package imports as
    # Forget an imported sweep module, so the command imports it again.
    monkeypatch.delitem(sys.modules, "qarcade.agents.sweep", raising=False)
    monkeypatch.delattr(qarcade.agents, "sweep", raising=False)
    assert main(["sweep", "tictactoe"]) == 2
    err = capsys.readouterr().err
    assert 'pip install -e ".[scale]"' in err and "Traceback" not in err
