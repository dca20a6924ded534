"""What the window shows around the scenes (issue 13 items 12, 13, 18): messages that
tell news from errors, fade, and never stack over controls; PAUSED off the board; a
minimum window size; menu targets that stay put; map names as titles."""

from __future__ import annotations

import time

import numpy as np
import pygame
import pytest

from qarcade.app import hud as colours
from qarcade.app.commands import window_size
from qarcade.app.learn_session import LearnConfig
from qarcade.app.scenes import menu as menu_module
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import MIN_SIZE, App, Toast

#: Every test here writes into a scratch data folder (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("data_dir")


def screen(app: App) -> np.ndarray:
    return pygame.surfarray.array3d(pygame.display.get_surface()).copy()


def colour_count(pixels: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.all(pixels == np.array(colour), axis=-1).sum())


def paused_learn(app: App) -> LearnScene:
    app.push(MenuScene(app))
    scene = LearnScene(app, LearnConfig("tictactoe", "tabular", speed="10"))
    app.push(scene)
    app.frame()
    scene.paused = True
    app._messages.clear()
    app.frame()
    return scene


def test_news_and_errors_look_different(app: App) -> None:
    paused_learn(app)
    app.notify("saved: 12 games")
    app.frame()
    news = screen(app)
    app._messages.clear()
    app.message("could not save the agent: disk full")
    app.frame()
    error = screen(app)
    assert colour_count(news, colours.SELECTED) > 100 and colour_count(news, colours.BAD) == 0
    assert colour_count(error, colours.BAD) > 100


def test_messages_never_cover_the_learn_panel_controls(app: App) -> None:
    scene = paused_learn(app)
    clean = screen(app)
    for i in range(5):
        app.notify(f"snapshot after {i:,} games saved: pick it as the opponent in Versus")
        app.message(f"could not save the agent: error number {i}")
    app.frame()
    shown = screen(app)
    controls = [scene.epsilon_slider.rect, scene.lr_slider.rect]
    controls += [button.rect for button in (*scene.speed_buttons, *scene.buttons)]
    for rect in controls:
        assert rect.width > 0
        area = (slice(rect.left, rect.right), slice(rect.top, rect.bottom))
        np.testing.assert_array_equal(shown[area], clean[area])
    # Something was drawn, over the board's side.
    assert not np.array_equal(shown, clean)
    assert len(app._messages) == 3


def test_messages_fade_out_and_the_same_words_do_not_stack(app: App) -> None:
    now = time.monotonic()
    toast = Toast("saved", now + 0.3, error=False)
    assert toast.opacity(now) < 1.0 and toast.opacity(now + 0.3) == 0.0
    assert Toast("saved", now + 5, error=False).opacity(now) == 1.0
    app.notify("sound off")
    app.notify("sound off")
    assert [m.text for m in app._messages] == ["sound off"]


def test_paused_is_not_drawn_on_the_board(app: App) -> None:
    scene = paused_learn(app)
    board = scene.board_rect
    paused = screen(app)[board.left : board.right, board.top : board.bottom]
    scene.paused = False
    scene.speed = "1"
    scene.session.advance = lambda steps, budget: 0  # type: ignore[method-assign]
    scene._must_redraw = True
    app.frame()
    running = screen(app)[board.left : board.right, board.top : board.bottom]
    np.testing.assert_array_equal(paused, running)


def test_the_window_is_never_smaller_than_legible() -> None:
    window = App((320, 240), fps=0, audio=False)
    assert window.screen.get_size() == MIN_SIZE
    window.run(frames=0)
    with pytest.raises(Exception, match=f"at least {MIN_SIZE[0]}x{MIN_SIZE[1]}"):
        window_size("640x480")


def test_start_stays_put_as_menu_rows_come_and_go() -> None:
    # Learn runs with a ladder, so that Start from and Strength rows show too.
    from qarcade.app import learn_runs

    for game, options in (("tictactoe", {}), ("gridworld", {"map": "maze"}), ("invaders", {})):
        for kind in ("tabular", "dqn"):
            run = learn_runs.new_run(game, kind, options)
            run.agent_path.write_bytes(b"")
            run.rung_path(100).write_bytes(b"")
    window = App(MIN_SIZE, fps=0, audio=False)
    menu = MenuScene(window)
    window.push(menu)
    places = set()
    for game in ("tictactoe", "gridworld", "invaders"):
        for mode in ("play", "versus", "watch", "learn"):
            menu.choice.update(game=game, mode=mode)
            menu._rebuild()
            window.frame()
            places.add(tuple(menu._start_rect))
            assert {row.label for row in menu.rows} <= set(menu_module.ROW_LABELS)
            assert len(menu.rows) <= menu_module.MAX_ROWS
            labels = [hit[2].left for hit in menu._hits if hit[1] == 0]
            assert len(set(labels)) == 1  # every row's first choice at one x
            # Every choice of every row is drawn inside the window.
            assert len(menu._hits) == sum(len(row.choices) for row in menu.rows)
    assert len(places) == 1
    window.run(frames=window.frame_count)


def test_menu_map_names_are_titles(app: App) -> None:
    menu = MenuScene(app)
    menu.choice.update(game="gridworld", mode="play")
    menu._rebuild()
    [maps] = [row for row in menu.rows if row.key == "map"]
    shown = dict(maps.choices)
    assert shown["lake8"] == "Lake 8" and shown["fourrooms"] == "Four rooms"
    assert shown["maze"] == "Maze"


def test_menu_messages_stay_below_start() -> None:
    window = App(MIN_SIZE, fps=0, audio=False)
    menu = MenuScene(window)
    window.push(menu)
    window.frame()
    clean = screen(window)
    window.notify("Learn saved the agent: 3 games, run 2026-11-30_050248")
    window.message("no pretrained dqn agent for invaders: train one first")
    window.frame()
    shown = screen(window)
    assert not np.array_equal(shown, clean)
    bottom = menu._start_rect.bottom
    for _, _, rect in menu._hits:
        bottom = max(bottom, rect.bottom)
    np.testing.assert_array_equal(shown[:, :bottom], clean[:, :bottom])
    window.run(frames=window.frame_count)
