"""One keymap per scene makes its key handler, its hints bar and its help: what the bar and
the help list is what the keys do, each key once, in every scene."""

from __future__ import annotations

from typing import Any

import pygame
import pytest

from qarcade.app.keymap import Binding, Ctrl, Keymap
from qarcade.app.learn_session import LearnConfig
from qarcade.app.scenes.compare import CompareConfig, CompareScene
from qarcade.app.scenes.game import (
    PlayScene,
    RaceScene,
    SceneConfig,
    VersusScene,
    WatchScene,
    game_scene,
)
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import WINDOW_KEYMAP, App, Scene


class Target:
    """Records the actions a keymap calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[int, ...]]] = []
        self.flag = False
        self.word = "on"

    def __getattr__(self, name: str) -> Any:
        return lambda *args: self.calls.append((name, args))


def key(code: int, mod: int = 0) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=code, mod=mod)


KEYS = Keymap(
    Binding((Ctrl(pygame.K_s), pygame.K_k), "save", "Ctrl+S / K", "save", "Ctrl+S save"),
    Binding((pygame.K_PERIOD, pygame.K_s), "step", ". or S", "one step", ". step"),
    Binding((pygame.K_1, pygame.K_2), "speed", "1 2", "speed", "1-2 speed", indexed=True),
    Binding((pygame.K_q,), "toggle", "Q", "values {s.word}", "Q {s.word}", shown="flag"),
    Binding((), None, "Mouse", "click things"),
)


def test_a_row_calls_its_action_and_a_ctrl_chord_wins_over_the_plain_key() -> None:
    target = Target()
    assert KEYS.handle(target, key(pygame.K_s))
    assert KEYS.handle(target, key(pygame.K_s, pygame.KMOD_LCTRL))
    assert KEYS.handle(target, key(pygame.K_k, pygame.KMOD_LCTRL))  # K saves, Ctrl or not
    assert KEYS.handle(target, key(pygame.K_2))
    assert not KEYS.handle(target, key(pygame.K_x))
    assert target.calls == [("step", ()), ("save", ()), ("save", ()), ("speed", (1,))]


def test_hidden_rows_leave_bar_and_help_but_their_key_still_works() -> None:
    target = Target()
    assert KEYS.hints(target) == ["Ctrl+S save", ". step", "1-2 speed"]
    assert [name for name, _ in KEYS.help(target)] == ["Ctrl+S / K", ". or S", "1 2", "Mouse"]
    assert KEYS.handle(target, key(pygame.K_q)) and target.calls == [("toggle", ())]
    target.flag, target.word = True, "off"
    assert KEYS.hints(target)[-1] == "Q off"
    assert ("Q", "values off") in KEYS.help(target)


def test_a_key_bound_twice_or_to_no_method_is_refused() -> None:
    with pytest.raises(ValueError, match="bound twice"):
        KEYS + Keymap(Binding((pygame.K_1,), "other", "1", "other"))
    with pytest.raises(TypeError, match="has no method 'toggle_pasue'"):

        class Typo(Scene):
            keymap = Keymap(Binding((pygame.K_p,), "toggle_pasue", "P", "pause"))

    WINDOW_KEYMAP.check(App)


def scenes(app: App) -> list[Scene]:
    lake = {"map": "lake4"}
    return [
        MenuScene(app),
        game_scene(app, SceneConfig("tictactoe", "play", "minimax")),
        game_scene(app, SceneConfig("tictactoe", "versus", "minimax")),
        game_scene(app, SceneConfig("gridworld", "versus", "random", options=lake)),
        game_scene(app, SceneConfig("invaders", "versus", "scripted")),
        game_scene(app, SceneConfig("invaders", "watch", "scripted")),
        game_scene(app, SceneConfig("gridworld", "watch", "tabular", options=lake)),
        LearnScene(app, LearnConfig("gridworld", "tabular", options=lake)),
        LearnScene(app, LearnConfig("tictactoe", "tabular")),
        CompareScene(app, CompareConfig("gridworld", options=lake)),
    ]


def test_every_scene_lists_each_key_once_and_the_windows_keys_first(app: App) -> None:
    app.push(MenuScene(app))
    assert app.scene is not None and app.scene.hints()[:2] == ["H help", "Esc quit"]
    kinds = set()
    for scene in scenes(app):
        app.push(scene)
        kinds.add(type(scene))
        help_keys = [name for name, _ in [*scene.keys(), *WINDOW_KEYMAP.help(app)]]
        assert len(help_keys) == len(set(help_keys)), (type(scene), help_keys)
        hints = scene.hints()
        assert hints[:2] == ["H help", "Esc menu"] and len(hints) == len(set(hints)) > 2
        app.pop()
    assert {MenuScene, PlayScene, VersusScene, RaceScene, WatchScene, LearnScene} <= kinds
    assert CompareScene in kinds


@pytest.mark.parametrize(
    ("config", "key_code", "changed"),
    [
        (SceneConfig("invaders", "watch", "scripted"), pygame.K_3, "speed"),
        (SceneConfig("invaders", "watch", "scripted"), pygame.K_SPACE, "paused"),
        (SceneConfig("invaders", "play"), pygame.K_p, "paused"),
        (SceneConfig("tictactoe", "versus", "minimax"), pygame.K_q, "show_overlay"),
    ],
)
def test_a_scenes_keys_do_what_its_help_says(
    app: App, config: SceneConfig, key_code: int, changed: str
) -> None:
    scene = game_scene(app, config)
    app.push(MenuScene(app))
    app.push(scene)
    before = getattr(scene, changed)
    pygame.event.post(key(key_code))
    app.frame()
    assert getattr(scene, changed) != before
