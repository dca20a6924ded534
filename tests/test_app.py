"""The window app, headless: scenes driven by posted pygame events, checked by state and
by pixels, and the command line started as a subprocess in every mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest

from qarcade import games
from qarcade.agents import kinds
from qarcade.agents.tabular import TabularQAgent
from qarcade.agents.training import Trainer
from qarcade.app import players
from qarcade.app.assets import AssetError, Assets
from qarcade.app.hiscore import HiScore, hiscore_path
from qarcade.app.scenes.game import (
    AGENT_DELAY_FRAMES,
    RACE_PACE_FRAMES,
    GameScene,
    RaceScene,
    SceneConfig,
    game_scene,
)
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import App
from qarcade.games.gridworld import view as gridview
from qarcade.games.tictactoe import view as tttview

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Invaders keeps a person's hi-score on disk: keep the tests' away from the user's."""
    monkeypatch.setenv("QARCADE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def app() -> Iterator[App]:
    window = App((800, 600), fps=0, audio=False)
    yield window
    window.run(frames=window.frame_count)  # leaves every scene (on_exit)


@pytest.fixture
def no_checkpoints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Pretrained agents are looked for in an empty folder."""
    monkeypatch.setattr(players, "AGENTS_DIR", tmp_path)
    monkeypatch.setattr(players, "_CACHE", {})
    return tmp_path


def post_key(app: App, key: int, frames: int = 1) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
    run(app, frames)


def post_click(app: App, pos: tuple[int, int], frames: int = 1) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    run(app, frames)


def run(app: App, frames: int) -> None:
    for _ in range(frames):
        app.frame()


def pixel(pos: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(pygame.display.get_surface().get_at(pos))[:3]


def start(app: App, config: SceneConfig) -> GameScene:
    scene = game_scene(app, config)
    app.push(MenuScene(app))
    app.push(scene)
    app.frame()
    return scene


def messages(app: App) -> str:
    return " | ".join(toast.text for toast in app._messages)


# ----------------------------------------------------------------- menu
def test_menu_keyboard_picks_game_mode_and_starts(app: App) -> None:
    menu = MenuScene(app)
    app.push(menu)
    app.frame()
    post_key(app, pygame.K_RIGHT)  # game: gridworld
    post_key(app, pygame.K_DOWN)
    post_key(app, pygame.K_RIGHT)  # mode: versus
    assert (menu.choice["game"], menu.choice["mode"]) == ("gridworld", "versus")
    assert [row.key for row in menu.rows] == ["game", "mode", "agent", "map", "speed"]
    maps = [value for value, _ in menu.rows[3].choices]
    before = maps.index(menu.choice["map"])
    post_key(app, pygame.K_DOWN)
    post_key(app, pygame.K_DOWN)
    post_key(app, pygame.K_LEFT)  # the previous map (wrapping round)
    assert menu.choice["map"] == maps[(before - 1) % len(maps)]
    with_fallback = kinds.kinds_for("gridworld")
    assert menu.choice["agent"] in with_fallback
    post_key(app, pygame.K_RETURN)
    scene = app.scene
    assert isinstance(scene, RaceScene)  # Versus in a one-player game
    assert (scene.config.game, scene.config.mode, scene.config.options) == (
        "gridworld",
        "versus",
        {"map": menu.choice["map"]},
    )


def test_menu_mouse_click_on_a_choice_then_start(app: App) -> None:
    menu = MenuScene(app)
    app.push(menu)
    app.frame()
    invaders = next(rect for row, i, rect in menu._hits if row == 0 and i == 2)
    post_click(app, invaders.center)
    assert menu.choice["game"] == "invaders"
    watch = next(rect for row, i, rect in menu._hits if row == 1 and i == 2)
    post_click(app, watch.center)
    assert menu.choice["mode"] == "watch"
    assert menu.choice["agent"] == "scripted"
    post_click(app, menu._start_rect.center)
    assert isinstance(app.scene, GameScene) and app.scene.config.game == "invaders"


def test_menu_learn_starts_learn_mode(app: App) -> None:
    from qarcade.app.scenes.learn import LearnScene

    menu = MenuScene(app)
    app.push(menu)
    menu.choice["mode"] = "learn"
    menu._rebuild()
    post_key(app, pygame.K_RETURN)
    assert isinstance(app.scene, LearnScene)


def test_escape_goes_back_and_closing_the_window_quits(app: App) -> None:
    start(app, SceneConfig("tictactoe", "play"))
    post_key(app, pygame.K_ESCAPE)
    assert isinstance(app.scene, MenuScene) and app.running
    post_key(app, pygame.K_ESCAPE)
    assert not app.running and app.scene is None
    again = App((640, 480), fps=0, audio=False)
    again.push(MenuScene(again))
    again.push(game_scene(again, SceneConfig("gridworld", "watch", "random")))
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    assert again.run(frames=100) == 0
    assert again.frame_count == 0 and not again.running


def test_help_overlay_opens_with_h_and_any_key_closes_it(app: App) -> None:
    scene = start(app, SceneConfig("gridworld", "play", options={"map": "lake4"}))
    before = pixel((5, 300))
    post_key(app, pygame.K_h)
    assert app.show_help
    assert pixel((5, 300)) != before  # the screen is shaded under the help box
    keys = dict(scene.keys())
    assert "Arrows / WASD" in keys and "N" in keys
    post_key(app, pygame.K_RIGHT)  # closes the help; does not move
    assert not app.show_help and scene.lanes[0].env.position == (0, 0)


# ----------------------------------------------------------------- tic-tac-toe
def test_ttt_click_on_the_centre_puts_x_there_then_undo_and_new(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "play"))
    lane = scene.lanes[0]
    centre = lane.view.square_rect(lane.rect, 4).center
    assert pixel(centre) == tttview.BOARD
    post_click(app, centre)
    assert lane.env.board[4] == games.tictactoe.X
    assert pixel(centre) == tttview.X_COLOUR
    post_key(app, pygame.K_3)  # O in the top-right square
    assert lane.env.board[2] == games.tictactoe.O
    post_key(app, pygame.K_u)
    assert lane.env.board[2] == games.tictactoe.EMPTY and lane.env.board[4] == games.tictactoe.X
    post_key(app, pygame.K_n)
    assert lane.env.board == games.tictactoe.EMPTY_BOARD
    assert pixel(centre) == tttview.BOARD


def test_ttt_versus_agent_replies_and_the_tally_counts(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "versus", "random", human_seat=0, seed=3))
    lane = scene.lanes[0]
    env = lane.env
    while not env.done:
        assert lane.mover is None  # the person's turn
        square = int(np.flatnonzero(env.action_mask())[0])
        post_click(app, lane.view.square_rect(lane.rect, square).center)
        if env.done:
            break
        run(app, AGENT_DELAY_FRAMES - 2)
        assert lane.mover is not None, "the agent waits before it moves"
        run(app, 3)
    assert sum(scene.tally.values()) == 1
    assert set(scene.tally) <= {"You", "random", "draws"}
    post_key(app, pygame.K_RETURN)
    assert not env.done and env.board == games.tictactoe.EMPTY_BOARD


def test_ttt_versus_as_o_the_agent_opens(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "versus", "minimax", human_seat=1, seed=0))
    env = scene.lanes[0].env
    run(app, AGENT_DELAY_FRAMES + 1)
    assert sum(mark != 0 for mark in env.board) == 1
    assert env.current_player == 1 and scene.lanes[0].mover is None


def test_ttt_overlay_shows_minimax_values_on_empty_squares(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "play", "minimax"))
    lane = scene.lanes[0]
    for square in (0, 4, 8):  # X, O, X: now O must block... or lose
        post_key(app, getattr(pygame, f"K_{square + 1}"))
    post_key(app, pygame.K_q)
    assert scene.show_overlay
    overlay = scene.overlay_for(lane)
    q = np.asarray(overlay.q_values)
    assert np.isneginf(q[[0, 4, 8]]).all() or not np.isfinite(q[[0, 4, 8]]).any()
    box = lane.view.q_box(lane.rect, 2)
    corner = (box.left + box.width // 4, box.top + 4)
    assert pixel(corner) == tttview.heat_colour(q[2], -1, 1)


# ----------------------------------------------------------------- gridworld
def test_q_without_an_agent_says_how_to_get_hints(app: App, no_checkpoints: Path) -> None:
    start(app, SceneConfig("gridworld", "play", "tabular", options={"map": "maze"}))
    post_key(app, pygame.K_q)
    assert "no hints: no pretrained tabular agent for gridworld" in messages(app)
    scene = start(app, SceneConfig("gridworld", "watch", "random"))
    post_key(app, pygame.K_q)
    assert "random has no Q-values" in messages(app) and not scene.show_overlay


def test_gridworld_arrow_keys_move_the_penguin_on_screen(app: App) -> None:
    scene = start(app, SceneConfig("gridworld", "play", options={"map": "maze"}))
    lane = scene.lanes[0]
    for key in (pygame.K_RIGHT, pygame.K_d, pygame.K_DOWN):  # (0,2) then a wall below
        post_key(app, key)
    assert lane.env.position == (0, 2)
    cell = lane.view.cell_rect(lane.rect, 0, 2)
    belly = (cell.left + int(7.5 * cell.width / 16), cell.top + int(9.5 * cell.height / 16))
    assert pixel(belly) == gridview.AGENT_COLOUR


def test_gridworld_race_runs_two_lanes_on_the_same_seed(app: App, no_checkpoints: Path) -> None:
    scene = start(
        app, SceneConfig("gridworld", "versus", "random", options={"map": "lake8"}, seed=5)
    )
    you, agent = scene.lanes
    assert you.seats == [None] and agent.seats[0] is not None
    assert you.rect.right <= agent.rect.left
    assert you.env.rng.bit_generator.state == agent.env.rng.bit_generator.state
    run(app, RACE_PACE_FRAMES["normal"] * 3 + 1)
    assert agent.env.steps >= 3 or agent.env.done
    assert you.env.steps == 0
    post_key(app, pygame.K_RIGHT)
    assert you.env.steps == 1


def test_watch_pauses_and_single_steps(app: App) -> None:
    scene = start(app, SceneConfig("gridworld", "watch", "random", options={"map": "fourrooms"}))
    env = scene.lanes[0].env
    post_key(app, pygame.K_3, frames=30)  # fast: one step every 3 frames
    assert env.steps >= 8
    post_key(app, pygame.K_SPACE, frames=1)
    paused_at = env.steps
    run(app, 20)
    assert env.steps == paused_at and scene.paused
    post_key(app, pygame.K_PERIOD)
    assert env.steps == paused_at + 1
    post_key(app, pygame.K_s)
    assert env.steps == paused_at + 2
    post_key(app, pygame.K_SPACE, frames=12)
    assert env.steps > paused_at + 2


def test_watch_at_max_speed_plays_many_games(app: App) -> None:
    scene = start(
        app, SceneConfig("gridworld", "watch", "random", options={"map": "lake4"}, speed="max")
    )
    run(app, 30)
    assert scene.tally.get("games", 0) >= 10


# ----------------------------------------------------------------- invaders
class Pressed:
    """Stands in for pygame.key.get_pressed(): the dummy video driver has no keyboard."""

    def __init__(self, *keys: int) -> None:
        self.keys = set(keys)

    def __getitem__(self, key: int) -> bool:
        return key in self.keys


def test_invaders_held_keys_move_the_cannon(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    scene = start(app, SceneConfig("invaders", "play", seed=0))
    env = scene.lanes[0].env
    x0 = env.state.player_x
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed(pygame.K_RIGHT))
    run(app, 20)
    assert env.state.player_x > x0
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed(pygame.K_SPACE))
    fired = env.state.shots_fired
    run(app, 2)
    assert env.state.shots_fired == fired + 1
    post_key(app, pygame.K_p)
    tick = env.state.tick
    run(app, 5)
    assert env.state.tick == tick, "P pauses the game"


def invaders_race(app: App, monkeypatch: pytest.MonkeyPatch, seed: int) -> GameScene:
    """A race against the scripted bot, the person holding no key."""
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    return start(app, SceneConfig("invaders", "versus", "scripted", seed=seed))


def test_invaders_race_steps_both_lanes_every_frame(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    you, agent = invaders_race(app, monkeypatch, seed=2).lanes
    run(app, 30)
    assert you.env.steps == agent.env.steps == 31
    assert agent.env.state.shots_fired > 0 and you.env.state.shots_fired == 0


# ----------------------------------------------------------------- the hi-score
def score(scene: GameScene, lane: int, points: int) -> None:
    """Give a lane's game ``points`` as if its player had scored them."""
    lane_ = scene.lanes[lane]
    lane_.env.state.score += points
    lane_.episode_return += points


def test_a_persons_best_shows_at_once_and_is_kept_when_the_game_ends(
    app: App, monkeypatch: pytest.MonkeyPatch
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


def test_a_game_left_under_way_counts(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    scene = start(app, SceneConfig("invaders", "play", seed=0))
    score(scene, 0, 90)
    app.frame()
    app.pop()  # Esc: back to the menu
    assert HiScore(hiscore_path("invaders")).record == 90


def test_an_agents_score_never_shows_nor_is_kept(app: App) -> None:
    hiscore_path("invaders").parent.mkdir(parents=True)
    hiscore_path("invaders").write_text('{"best": 40}')
    scene = start(app, SceneConfig("invaders", "watch", "scripted", seed=0))
    score(scene, 0, 500)
    app.frame()
    assert scene.lanes[0].view.best_score == 40  # the person's record, not the bot's
    app.pop()
    assert HiScore(hiscore_path("invaders")).record == 40


def test_both_lanes_of_a_race_show_the_persons_best(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = invaders_race(app, monkeypatch, seed=0)
    you, bot = scene.lanes
    score(scene, 0, 250)
    score(scene, 1, 900)
    app.frame()
    assert you.view.best_score == bot.view.best_score == 250


@pytest.mark.slow  # a whole game of the person's, a tick a frame
def test_invaders_race_is_won_on_points_not_training_penalties(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Training options (life_penalty) never reach the game shown: a person who loses
    lives without scoring has 0 points, not -100 per life."""
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Pressed())
    config = SceneConfig("invaders", "versus", "scripted", seed=2, options={"life_penalty": 100.0})
    scene = start(app, config)
    you, agent = scene.lanes
    assert you.env.life_penalty == agent.env.life_penalty == 0.0
    you.env.state.lives = 1
    frames = 0
    while not you.env.done and frames < 5_000:
        run(app, 50)
        frames += 50
    assert you.env.done and you.env.state.score == 0
    assert you.episode_return == 0.0
    assert agent.episode_return == agent.env.state.score


# ----------------------------------------------------------------- opponents
def test_missing_checkpoint_shows_a_message_and_falls_back(app: App, no_checkpoints: Path) -> None:
    scene = start(app, SceneConfig("tictactoe", "versus", "tabular"))
    assert scene.opponent is not None and scene.opponent.kind == "minimax"
    assert "no pretrained tabular agent" in messages(app)
    assert "playing minimax instead" in messages(app)


def test_corrupt_checkpoint_shows_a_message_and_falls_back(app: App, no_checkpoints: Path) -> None:
    (no_checkpoints / "invaders-dqn.safetensors").write_bytes(b"\x00" * 40)
    scene = start(app, SceneConfig("invaders", "watch", "dqn"))
    assert scene.opponent is not None and scene.opponent.kind == "scripted"
    assert "invaders-dqn.safetensors" in messages(app)


def test_menu_survives_an_agent_that_cannot_play(app: App, no_checkpoints: Path) -> None:
    menu = MenuScene(app)
    app.push(menu)
    menu.choice.update(game="gridworld", mode="watch", agent="tabular")
    menu._rebuild()
    post_key(app, pygame.K_RETURN)  # falls back to random with a message
    assert isinstance(app.scene, GameScene)
    assert "no pretrained tabular agent for gridworld" in messages(app)


def test_pretrained_tabular_agent_drives_the_gridworld_overlay(
    app: App, no_checkpoints: Path
) -> None:
    env = games.make("gridworld", map="lake4")
    agent = TabularQAgent.for_env(env, seed=0)
    Trainer(env, agent, seed=0, episodes=400).run()
    agent.save(str(no_checkpoints / "gridworld-lake4-tabular.npz"))

    scene = start(app, SceneConfig("gridworld", "watch", "tabular", options={"map": "lake4"}))
    assert scene.opponent is not None and scene.opponent.kind == "tabular"
    assert scene.show_overlay, "Watch shows the Q-values of an agent that has them"
    lane = scene.lanes[0]
    value, greedy = lane.view.values(scene.overlay_for(lane))
    assert np.isfinite(value[0, 0]) and greedy[0, 0] in (1, 2)  # down or right from start
    cell = lane.view.cell_rect(lane.rect, 1, 0)
    tinted = pixel((cell.left + 3, cell.top + 3))
    post_key(app, pygame.K_q)
    assert not scene.show_overlay and pixel((cell.left + 3, cell.top + 3)) != tinted


def test_checkpoint_for_another_map_is_refused(no_checkpoints: Path) -> None:
    env = games.make("gridworld", map="lake4")
    TabularQAgent.for_env(env, seed=0).save(str(no_checkpoints / "gridworld-tabular.npz"))
    with pytest.raises(games.GameError, match="trained on map 'lake4', not 'maze'"):
        players.load_opponent("gridworld", "tabular", {"map": "maze"})
    opponent, message = players.load_or_fallback("gridworld", "tabular", {"map": "maze"})
    assert opponent.kind == "random" and "playing random instead" in (message or "")


def test_an_agent_that_does_not_fit_the_game_is_refused() -> None:
    with pytest.raises(games.OptionError, match="cannot play tictactoe"):
        players.load_opponent("tictactoe", "scripted")


# ----------------------------------------------------------------- window
def test_resized_window_keeps_the_board_inside_and_square(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "play"))
    for size in ((1200, 500), (420, 900), (320, 240)):
        pygame.display.set_mode(size, pygame.RESIZABLE)
        app.frame()
        rect = scene.lanes[0].rect
        assert pygame.Rect((0, 0), size).contains(rect)
        assert abs(rect.width - rect.height) <= 1
        assert pixel(scene.lanes[0].view.board_rect(rect).move(3, 3).topleft) == tttview.BOARD


@pytest.mark.parametrize("size", [(120, 90), (60, 500), (2000, 300)])
def test_every_scene_draws_at_odd_window_sizes(app: App, size: tuple[int, int]) -> None:
    pygame.display.set_mode(size, pygame.RESIZABLE)
    app.push(MenuScene(app))
    post_key(app, pygame.K_h, frames=2)
    post_key(app, pygame.K_h)
    configs = [
        SceneConfig("tictactoe", "versus", "minimax"),
        SceneConfig("gridworld", "versus", "random", options={"map": "cliff"}),
        SceneConfig("gridworld", "watch", "random"),
        SceneConfig("invaders", "versus", "scripted"),
    ]
    for config in configs:
        app.push(game_scene(app, config))
        app.message("a message long enough to need wrapping in a small window")
        post_key(app, pygame.K_h, frames=3)
        for lane in app.scene.lanes:
            assert pygame.Rect((0, 0), size).contains(lane.rect) or min(size) < 100


def test_no_audio_device_means_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise pygame.error("no audio device")

    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", broken)
    assets = Assets(audio=True)
    assert not assets.audio and assets.sound("shoot") is None
    assets.play("shoot")  # nothing, and no error


def test_a_missing_asset_fails_loudly_with_a_way_out(tmp_path: Path) -> None:
    assets = Assets(tmp_path, audio=False)
    with pytest.raises(AssetError, match=r"make_sounds\.py"):
        assets.path("sounds/shoot.wav")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(AssetError, match="cannot be read as an image"):
        assets.image("broken.png")


# ----------------------------------------------------------------- command line
COMMANDS = [
    [],
    ["play", "tictactoe"],
    ["play", "gridworld", "--map", "cliff"],
    ["play", "invaders"],
    ["versus", "tictactoe", "--agent", "minimax", "--as", "O"],
    ["versus", "gridworld", "--agent", "random"],
    ["versus", "invaders", "--agent", "scripted"],
    ["watch", "tictactoe", "--agent", "minimax", "--speed", "fast"],
    ["watch", "gridworld", "--agent", "random", "--map", "maze"],
    ["watch", "invaders", "--agent", "scripted", "--speed", "max"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "menu")
def test_main_runs_n_frames_and_exits_0(command: list[str]) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    assert env["QARCADE_DATA_DIR"]  # set by the data_dir fixture
    result = subprocess.run(
        [sys.executable, "main.py", *command, "--frames", "20", "--fps", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_frames_flag_works_before_the_command_and_errors_are_one_line() -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    ok = subprocess.run(
        [sys.executable, "main.py", "--frames", "3", "play", "tictactoe"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "main.py", "watch", "tictactoe", "--agent", "scripted", "--frames", "3"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "cannot play tictactoe" in bad.stderr and "Traceback" not in bad.stderr


def test_parsing_the_command_line_does_not_import_pygame() -> None:
    script = (
        "import sys; from qarcade import cli as main; "
        "main.build_parser().parse_args(['watch', 'invaders', '--frames', '5']); "
        "print('pygame' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.parametrize(
    ("config", "pause"),
    [
        (SceneConfig("tictactoe", "play"), False),
        (SceneConfig("tictactoe", "play", "minimax"), False),
        (SceneConfig("tictactoe", "versus", "minimax"), True),
        (SceneConfig("gridworld", "play", options={"map": "maze"}), False),
        (SceneConfig("invaders", "play"), True),
    ],
    ids=["hotseat", "hotseat-hints", "versus", "gridworld-play", "invaders-play"],
)
def test_help_lists_each_key_once_and_pause_only_where_something_moves(
    app: App, config: SceneConfig, pause: bool
) -> None:
    scene = start(app, config)
    help_lines = scene.keys()
    keys = [key for key, _ in help_lines]
    assert len(keys) == len(set(keys)), keys
    assert ("P" in keys) is pause and any(h.startswith("P ") for h in scene.hints()) is pause
    post_key(app, pygame.K_p)
    assert scene.paused is pause


# ----------------------------------------------------------------- the gridworld race
ARROWS = {
    gridview.LEFT: pygame.K_LEFT,
    gridview.DOWN: pygame.K_DOWN,
    gridview.RIGHT: pygame.K_RIGHT,
    gridview.UP: pygame.K_UP,
}


def race_with_keys(
    app: App, map_name: str, *, every: int, pace: str = "normal", path: list[int] | None = None
) -> GameScene:
    """Race the pretrained tabular agent on ``map_name``, pressing an arrow every
    ``every`` frames: the moves of ``path``, else the shortest way to the goal."""
    from qarcade.games.gridworld import solver

    config = SceneConfig("gridworld", "versus", "tabular", options={"map": map_name}, speed=pace)
    scene = start(app, config)
    you = scene.lanes[0]
    policy = solver.value_iteration(you.env).policy
    moves = iter(path or [])
    for _ in range(3_000):
        if scene.over:
            break
        action = next(moves, None) if path else int(policy[you.env.position])
        if action is not None and not you.env.done:
            post_key(app, ARROWS[action], frames=every)
        else:
            run(app, every)
    assert scene.over
    return scene


@pytest.mark.parametrize("map_name", ["maze", "lake8", "fourrooms"])
def test_a_quick_player_wins_the_race_to_the_goal(app: App, map_name: str) -> None:
    """The agent walks the shortest path at 4 steps a second; a person who walks it at
    12 gets there first, and the race stops there."""
    scene = race_with_keys(app, map_name, every=5)
    you, agent = scene.lanes
    assert you.env.reached_goal() and scene.winner is you
    assert not agent.env.done and scene.tally == {"You": 1}
    steps = agent.env.steps
    run(app, 60)
    assert agent.env.steps == steps, "the race is over: the agent stops"


def test_a_slow_player_loses_the_race(app: App) -> None:
    scene = race_with_keys(app, "maze", every=20)  # 3 steps a second
    you, agent = scene.lanes
    assert scene.winner is agent and agent.env.reached_goal() and not you.env.done
    assert scene.tally == {"tabular": 1}


def test_a_careless_player_falls_in_a_pit_and_loses(app: App) -> None:
    """One step right, then straight down the second column of lake8, runs into a hole:
    a fast player who does not look loses."""
    down = [gridview.RIGHT] + [gridview.DOWN] * 7
    scene = race_with_keys(app, "lake8", every=2, path=down)
    you, agent = scene.lanes
    assert you.env.terminated and not you.env.reached_goal()
    assert scene.winner is agent and scene.tally == {"tabular": 1}


def test_the_agents_pace_is_the_persons_choice(app: App) -> None:
    for pace, rate in players.RACE_PACES.items():
        config = SceneConfig("gridworld", "versus", "tabular", options={"map": "maze"}, speed=pace)
        scene = start(app, config)
        run(app, 120)
        assert abs(scene.lanes[1].env.steps - 2 * rate) <= 1, pace
        app.pop()


def test_the_ttt_overlay_says_what_its_numbers_are(app: App) -> None:
    scene = start(app, SceneConfig("tictactoe", "versus", "minimax"))
    assert "+1 win" not in scene._status()
    post_key(app, pygame.K_q)
    assert "Q: +1 win, 0 draw, -1 loss" in scene._status()


def test_versus_gridworld_without_a_map_races_the_agent_for_the_default_map(app: App) -> None:
    scene = start(app, SceneConfig("gridworld", "versus", "tabular"))
    assert scene.opponent is not None and scene.opponent.kind == "tabular"
    assert scene.opponent.source.endswith(f"gridworld-{scene.lanes[0].env.map_name}-tabular.npz")
    assert not messages(app)


def test_an_unknown_mode_or_speed_is_a_clear_error(app: App) -> None:
    from qarcade.games.core import GameError

    with pytest.raises(GameError, match="unknown mode 'wach'; choose play, versus or watch"):
        game_scene(app, SceneConfig("tictactoe", "wach", "minimax"))
    with pytest.raises(GameError, match="unknown speed 'quick'"):
        game_scene(app, SceneConfig("tictactoe", "watch", "minimax", speed="quick"))
