"""Learn's runs (issue 13 item 2, issue 15 item 10): every agent Learn trains keeps its
own folder and ladder, nothing replaces it, it is saved while it learns (a kill -9 loses
at most the autosave interval), and the menu and Versus find it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest

from qarcade.agents.checkpoints import load_agent, read_metadata
from qarcade.app import learn_runs
from qarcade.app.learn_session import LearnConfig, LearnSession
from qarcade.app.players import load_opponent
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import App
from qarcade.games.core import GameError

ROOT = Path(__file__).resolve().parent.parent


#: Every test here writes into a scratch data folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("data_dir")


def trained_session(games: int, **config: object) -> LearnSession:
    session = LearnSession(LearnConfig("tictactoe", "tabular", **config))  # type: ignore[arg-type]
    session.trainer.run(games)
    session.dirty = True
    session.save()
    return session


def test_a_second_learn_run_leaves_the_first_loadable_with_its_game_count() -> None:
    first = trained_session(150)
    second = trained_session(20)
    assert first.run is not None and second.run is not None
    assert first.run.folder != second.run.folder
    assert read_metadata(first.run.agent_path)["episodes"] == 150
    assert load_agent(first.run.agent_path, game="tictactoe").name == "tabular"
    # Each run keeps its own ladder: the second never reached 100 games.
    assert first.run.ladder() == [100]
    assert second.run.ladder() == []
    runs = learn_runs.list_runs("tictactoe", "tabular")
    assert [run.folder for run in runs] == [second.run.folder, first.run.folder]
    assert [run.summary().games for run in runs] == [20, 150]  # type: ignore[union-attr]
    assert runs[1].label().startswith("150 games · ")


def test_continuing_a_run_saves_into_it_and_reset_begins_another(app: App) -> None:
    first = trained_session(30)
    assert first.run is not None
    scene = LearnScene(app, LearnConfig("tictactoe", "tabular", resume=True, speed="1k"))
    app.push(scene)
    assert scene.session.run == first.run
    scene.session.trainer.run(10)
    scene.session.dirty = True
    scene.save()
    assert read_metadata(first.run.agent_path)["episodes"] == 40
    assert len(learn_runs.list_runs("tictactoe", "tabular")) == 1
    # Reset: the agent so far stays in its run; the new one gets a run of its own.
    scene.session.trainer.run(5)
    scene.session.dirty = True
    scene.reset_agents()
    assert read_metadata(first.run.agent_path)["episodes"] == 45
    scene.session.trainer.run(3)
    scene.save()
    runs = learn_runs.list_runs("tictactoe", "tabular")
    assert sorted(run.summary().games for run in runs) == [3, 45]  # type: ignore[union-attr]


def test_learn_autosaves_while_it_learns(app: App) -> None:
    scene = LearnScene(app, LearnConfig("tictactoe", "tabular", speed="1k", autosave_seconds=0.2))
    app.push(scene)
    deadline = time.monotonic() + 30
    while scene.session.saved is None and time.monotonic() < deadline:
        app.frame()
    assert scene.session.saved is not None, "no autosave"
    first = read_metadata(scene.session.saved)["steps"]
    time.sleep(0.25)
    app.frame()
    app.frame()
    assert read_metadata(scene.session.saved)["steps"] > first


def test_back_from_learn_the_menu_offers_the_new_run_at_once(app: App) -> None:
    menu = MenuScene(app)
    app.push(menu)
    menu.choice.update(game="tictactoe", mode="learn", agent="tabular")
    menu._rebuild()
    assert not any(row.key == "start" for row in menu.rows)
    menu.start()
    assert isinstance(app.scene, LearnScene)
    for _ in range(5):
        app.frame()
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode=""))
    app.frame()
    assert app.scene is menu
    [start] = [row for row in menu.rows if row.key == "start"]
    [run] = learn_runs.list_runs("tictactoe", "tabular")
    assert start.choices == [("new", "Nothing"), (run.name, run.label())]


def test_versus_plays_the_ladder_of_the_chosen_run() -> None:
    older = trained_session(120)
    newer = trained_session(110)
    assert older.run is not None and newer.run is not None
    newest = load_opponent("tictactoe", "tabular@100")
    assert newest.source == str(newer.run.rung_path(100))
    chosen = load_opponent("tictactoe", f"tabular@100@{older.run.name}")
    assert chosen.source == str(older.run.rung_path(100)) and chosen.kind == "tabular@100"
    with pytest.raises(GameError, match=f"there are: {newer.run.name}") as error:
        load_opponent("tictactoe", "tabular@100@no-such-run")
    assert older.run.name in str(error.value)
    with pytest.raises(GameError, match="saved in its newest run: --after 100"):
        load_opponent("tictactoe", "tabular@1000")


def test_an_agent_saved_by_an_earlier_version_is_listed_as_a_run(data_dir: Path) -> None:
    session = trained_session(25)
    assert session.run is not None
    earlier = learn_runs.learner_folder("tictactoe", "tabular")
    session.run.agent_path.rename(earlier / "agent.npz")
    [run] = learn_runs.list_runs("tictactoe", "tabular")
    assert run.name == learn_runs.EARLIER and run.summary().games == 25  # type: ignore[union-attr]


@pytest.mark.slow
def test_learn_killed_with_sigkill_keeps_its_agent(data_dir: Path) -> None:
    """kill -9 at unplanned moments of a Learn session (autosave every second): every
    time the newest run's agent loads, and its games never go back, across resumes."""
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "QARCADE_DATA_DIR": str(data_dir),
    }
    games_seen = 0
    for kill, wait in enumerate((2.3, 1.7, 2.9)):
        command = [sys.executable, "main.py", "learn", "tictactoe", "--speed", "turbo",
                   "--fps", "0", "--autosave", "1"]  # fmt: skip
        if kill:
            command.append("--resume")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:
                runs = learn_runs.list_runs("tictactoe", "tabular")
                if runs and runs[0].summary().games > games_seen:  # type: ignore[union-attr]
                    break
                time.sleep(0.1)
            time.sleep(wait)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            process.kill()
        assert process.returncode == -signal.SIGKILL
        [run] = learn_runs.list_runs("tictactoe", "tabular")
        agent = load_agent(run.agent_path, game="tictactoe")
        games = read_metadata(run.agent_path)["episodes"]
        assert agent.name == "tabular" and games > games_seen
        games_seen = games
