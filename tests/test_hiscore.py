"""The HI-SCORE: a person's best, written by the scene that knows a person plays, shown by
every lane's view; agents' scores never count; a damaged or unwritable file is no crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pygame
import pytest

from qarcade.app.hiscore import HiScore, hiscore_path
from qarcade.app.scenes.game import GameScene, SceneConfig
from qarcade.app.scenes.menu import MenuScene


class Pressed:
    """Stands in for pygame.key.get_pressed(): the dummy video driver has no keyboard."""

    def __init__(self, *keys: int) -> None:
        self.keys = set(keys)

    def __getitem__(self, key: int) -> bool:
        return key in self.keys


def start(app: Any, config: SceneConfig) -> Any:
    scene = GameScene(app, config)
    app.push(MenuScene(app))
    app.push(scene)
    app.frame()
    return scene


def score(scene: Any, lane: int, points: int) -> None:
    """Give a lane's game ``points`` as if its player had scored them."""
    lane_ = scene.lanes[lane]
    lane_.env.state.score += points
    lane_.episode_return += points


def test_a_persons_best_shows_at_once_and_is_kept_when_the_game_ends(
    app: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    scene = start(app, SceneConfig("invaders", "play", seed=0))
    path = hiscore_path("invaders")
    score(scene, 0, 120)
    app.frame()
    assert scene.lanes[0].view.best_score == 120
    assert not path.exists()  # kept when the game ends, not every frame
    scene.lanes[0].env.state.lives = 0  # the game ends on the next frame's step
    app.frame()
    assert scene.lanes[0].env.done
    assert json.loads(path.read_text()) == {"best": 120}


def test_a_game_left_under_way_counts(app: Any, data_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    scene = start(app, SceneConfig("invaders", "play", seed=0))
    score(scene, 0, 90)
    app.frame()
    app.pop()  # Esc: back to the menu
    assert HiScore(hiscore_path("invaders")).record == 90


def test_an_agents_score_never_shows_nor_is_kept(app: Any, data_dir: Path) -> None:
    hiscore_path("invaders").parent.mkdir(parents=True)
    hiscore_path("invaders").write_text('{"best": 40}')
    scene = start(app, SceneConfig("invaders", "watch", "scripted", seed=0))
    score(scene, 0, 500)
    app.frame()
    assert scene.lanes[0].view.best_score == 40  # the person's record, not the bot's
    app.pop()
    assert HiScore(hiscore_path("invaders")).record == 40


def test_both_lanes_of_a_race_show_the_persons_best(
    app: Any, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    scene = start(app, SceneConfig("invaders", "versus", "scripted", seed=0))
    you, bot = scene.lanes
    score(scene, 0, 250)
    score(scene, 1, 900)
    app.frame()
    assert you.view.best_score == bot.view.best_score == 250


def test_the_best_kept_is_never_lowered(tmp_path: Path) -> None:
    path = tmp_path / "data" / "invaders.json"
    HiScore(path).keep(120)
    assert json.loads(path.read_text()) == {"best": 120}
    HiScore(path).keep(50)
    assert HiScore(path).best == 120


@pytest.mark.parametrize(
    "content", ["", "{", "[1, 2]", '{"best": "many"}', '{"best": -5}', '{"other": 3}', "\x00\xff"]
)
def test_damaged_hiscore_file_counts_as_no_record(tmp_path: Path, content: str) -> None:
    path = tmp_path / "invaders.json"
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    hiscore = HiScore(path)
    assert hiscore.best == 0
    hiscore.keep(30)
    assert HiScore(path).best == 30


def test_unwritable_hiscore_path_is_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    hiscore = HiScore(blocker / "sub" / "invaders.json")
    hiscore.keep(40)
    assert hiscore.best == 40
