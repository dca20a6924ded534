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
