"""The command line's rough edges a newcomer met (issue 13): ``bench`` passing its
arguments on, run folders that never replace another run, a resumed run's exploration,
the progress bar, eval's checks and header, and a start without a sound card."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qarcade import cli

ROOT = Path(__file__).resolve().parents[1]


def qarcade(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python main.py ARGS`` in a subprocess, headless."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env
        if env is not None
        else {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"},
    )


# ----------------------------------------------------------------- bench
def test_bench_hands_its_arguments_to_the_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench --only tabular_speed``, as ``bench --help`` says, reaches report.py."""
    calls: list[list[str]] = []
    monkeypatch.setattr(subprocess, "call", lambda command: calls.append(command) or 0)
    assert cli.main(["bench", "--only", "tabular_speed", "--", "--seconds", "1"]) == 0
    assert calls[0][1].endswith("benchmarks/report.py")
    assert calls[0][2:] == ["--only", "tabular_speed", "--", "--seconds", "1"]


def test_unknown_arguments_of_other_commands_are_still_refused() -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "gridworld", "--only", "x"])
    assert exit_.value.code == 2


def test_bench_of_an_unknown_benchmark_fails() -> None:
    done = qarcade("bench", "--only", "no_such_bench")
    assert done.returncode != 0
    assert "no benchmark named no_such_bench" in done.stderr
    assert "tabular_speed" in done.stderr


# ----------------------------------------------------------------- sound
def test_a_start_without_a_sound_card_says_so_in_one_line_at_most() -> None:
    """SDL left to pick its audio driver (as a person runs it): on a machine without a
    sound card ALSA used to print eight lines of its own; now one line says the game is
    silent (none where there is sound)."""
    env = {k: v for k, v in os.environ.items() if k != "SDL_AUDIODRIVER"}
    env["SDL_VIDEODRIVER"] = "dummy"
    done = qarcade("--frames", "3", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) <= 1, done.stderr
    assert "ALSA lib" not in done.stderr


# ----------------------------------------------------------------- run folders
def test_run_folders_name_the_map_and_never_replace_a_run(tmp_path: Path) -> None:
    """Two maps train into two folders; the same command again is refused with the way
    to continue the run, and the first checkpoint is left as it was."""
    from qarcade.agents.checkpoints import read_metadata

    train = ("train", "gridworld", "--episodes", "30", "--quiet")
    first = qarcade(*train, "--map", "lake4", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = qarcade(*train, "--map", "lake8", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    lake4 = tmp_path / "runs" / "gridworld-lake4-tabular" / "agent.npz"
    lake8 = tmp_path / "runs" / "gridworld-lake8-tabular" / "agent.npz"
    assert read_metadata(lake4)["game_options"]["map"] == "lake4"
    assert read_metadata(lake8)["game_options"]["map"] == "lake8"

    before = lake4.read_bytes()
    again = qarcade(*train, "--map", "lake4", "--episodes", "40", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.count("\n") == 1 and "already holds a run" in again.stderr
    assert "--resume runs/gridworld-lake4-tabular/agent.npz" in again.stderr
    assert "--out" in again.stderr
    assert lake4.read_bytes() == before

    # An explicit --out that holds a run is refused too, even for another learner.
    other = qarcade(
        "train", "gridworld", "--map", "lake4", "--agent", "dqn", "--steps", "50",
        "--out", "runs/gridworld-lake4-tabular", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert other.returncode == 2 and "already holds a run" in other.stderr
    assert not (lake4.parent / "agent.safetensors").exists()


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({}, "invaders-dqn"),
        ({"obs_mode": "pixels"}, "invaders-pixels-dqn"),
        ({"map": "maps/my maze.txt", "slippery": True}, "invaders-my_maze-slippery-dqn"),
        ({"slippery": 0.2}, "invaders-slippery0.2-dqn"),
    ],
)
def test_default_run_folder_names(options: dict, name: str) -> None:
    from qarcade.agents.commands import default_run_folder

    assert default_run_folder("invaders", options, "dqn") == Path("runs") / name


# ----------------------------------------------------------------- eval
def test_eval_refuses_an_opponent_the_game_cannot_have() -> None:
    done = qarcade("eval", "assets/agents/gridworld-lake4-tabular.npz", "--vs", "minimax")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "drop --vs minimax" in done.stderr


@pytest.mark.parametrize(
    ("checkpoint", "header"),
    [
        (
            "tictactoe-tabular.npz",
            "tabular agent for tictactoe, trained 30,000 episodes / ",
        ),
        ("gridworld-lake4-tabular.npz", "tabular agent for gridworld (map lake4), trained "),
    ],
)
def test_eval_header_reads_as_words(checkpoint: str, header: str) -> None:
    """No Python dict and no stray space before the comma: the options a person chose."""
    done = qarcade("eval", f"assets/agents/{checkpoint}", "--games", "2")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert header in first and "{" not in first and " ," not in first


# ----------------------------------------------------------------- resume
def test_a_resumed_run_given_more_episodes_keeps_exploring_as_it_was(tmp_path: Path) -> None:
    """``train --resume ... --episodes N`` continues the epsilon schedule: after a run
    whose exploration had finished, epsilon stays at its floor (it used to climb back up,
    undoing what was learnt), and the command says so."""
    import csv

    out = tmp_path / "lake"
    first = qarcade(
        "train", "gridworld", "--map", "lake4", "--episodes", "200", "--out", str(out), "--quiet"
    )
    assert first.returncode == 0, first.stderr
    more = qarcade("train", "--resume", str(out / "agent.npz"), "--episodes", "600", "--quiet")
    assert more.returncode == 0, more.stderr
    assert "exploration keeps its schedule" in more.stderr and "stays at 0.1" in more.stderr
    with (out / "metrics.csv").open() as f:
        epsilon = [float(row["epsilon"]) for row in csv.DictReader(f)]
    assert len(epsilon) == 600
    assert epsilon[199] == pytest.approx(0.1)
    assert max(epsilon[200:]) == pytest.approx(0.1)


def test_a_run_extended_mid_decay_goes_on_from_its_epsilon(tmp_path: Path) -> None:
    """Saved a quarter of the way through, then given three times the budget: epsilon
    goes on from the value it had, down the same slope."""
    from qarcade import games
    from qarcade.agents.commands import schedule_note
    from qarcade.agents.kinds import make_learner
    from qarcade.agents.training import Trainer, resume

    env = games.make("gridworld", map="lake4")
    agent = make_learner("tabular", env, seed=0)
    trainer = Trainer(env, agent, seed=0, episodes=400)
    trainer.run(100)
    before = agent.epsilon  # type: ignore[attr-defined]
    path = agent.save(str(tmp_path / "agent.npz"), training=trainer.state_dict())

    resumed = resume(path, episodes=1200).trainer
    assert resumed.schedule_budget == 400
    note = schedule_note(resumed)
    assert note is not None and "down to 0.1 at 200 episodes" in note
    resumed.run(1)
    config = resumed.agent.config  # type: ignore[attr-defined]
    slope = (config.end_e - config.start_e) / 200
    assert resumed.agent.epsilon == pytest.approx(before + slope)  # type: ignore[attr-defined]


def test_a_rising_schedule_is_said_to_rise() -> None:
    """A schedule set to raise epsilon (``end_e`` above ``start_e``): a run extended past
    its budget is told epsilon goes up, and past the end that it rose."""
    from types import SimpleNamespace

    from qarcade.agents.commands import schedule_note
    from qarcade.agents.schedules import EpsilonSchedule

    rising = EpsilonSchedule(start_e=0.05, end_e=0.1, exploration_fraction=1.0)
    run = SimpleNamespace(
        schedule=rising, schedule_budget=1000, total_episodes=None, total_steps=3000, steps=400
    )
    assert "from 0.07 up to 0.1 at 1,000 steps" in (schedule_note(run) or "")
    run.steps = 2000
    assert "ε rose from 0.05 to 0.1 over the first 1,000 steps" in (schedule_note(run) or "")


# ----------------------------------------------------------------- progress bar
def screen_lines(stream: str) -> list[str]:
    """What a terminal shows of ``stream``, line by line: ``\\r`` returns to the start of
    the line and what follows overwrites it, without erasing what it does not cover."""
    lines, line, col = [], [], 0
    for char in stream:
        if char == "\r":
            col = 0
        elif char == "\n":
            lines.append("".join(line))
            line, col = [], 0
        else:
            if col < len(line):
                line[col] = char
            else:
                line.append(char)
            col += 1
    return [*lines, "".join(line)]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_the_progress_bar_fits_an_80_column_terminal_and_leaves_no_stale_digits(
    tmp_path: Path,
) -> None:
    import fcntl
    import pty
    import struct
    import termios

    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "train", "tictactoe", "--episodes", "1500",
         "--out", str(tmp_path / "run")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary,
    )  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 4096)
        except OSError:  # the other end closed
            break
        if not data:
            break
        chunks.append(data)
    assert process.wait(timeout=120) == 0
    os.close(primary)
    stream = b"".join(chunks).decode("utf-8", errors="replace")
    refreshes = [part for part in stream.replace("\n", "\r").split("\r") if "%|" in part]
    assert len(refreshes) >= 3, stream
    # Each refresh fits the 80 columns (no wrapping, no scrolling) ...
    assert max(len(part) for part in refreshes) < 80, max(refreshes, key=len)
    # ... and what the terminal shows after it is exactly it: no leftovers of a longer one.
    shown = ""
    for part in stream.split("\r"):
        shown = screen_lines("\r".join([shown, part]))[-1] if "\n" not in part else ""
        if "%|" in part and "\n" not in part:
            assert shown.rstrip() == part.rstrip(), (shown, part)


# ----------------------------------------------------------------- learning curve
def test_tictactoe_curve_records_greedy_test_games_not_self_play(tmp_path: Path) -> None:
    """Self-play results are flat whatever is learnt (both seats are the learner): the
    CSV and the plot carry greedy test games against a random player instead."""
    import csv

    done = qarcade(
        "train", "tictactoe", "--episodes", "200", "--out", str(tmp_path / "t"), "--quiet"
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "t" / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    tests = [(int(r["episode"]), float(r["test"])) for r in rows if r["test"]]
    assert [episode for episode, _ in tests] == list(range(10, 201, 10))
    assert all(0.0 <= won <= 1.0 for _, won in tests)
    assert len({won for _, won in tests}) > 1
