"""Learn mode, headless: training between frames changes the agent and what is drawn;
sliders, buttons and cell edits posted as mouse events change the agent and the map;
snapshots taken in Learn load as Versus opponents; leaving Learn saves the agent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from qarcade import games
from qarcade.agents.base import Transition
from qarcade.agents.checkpoints import load_agent, read_metadata
from qarcade.app import learn_runs, players
from qarcade.app.learn_session import LearnConfig, LearnSession
from qarcade.app.scenes.game import SceneConfig, game_scene
from qarcade.app.scenes.learn import LearnScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.series import MAX_POINTS, Series
from qarcade.app.widgets import Slider
from qarcade.app.window import App
from qarcade.games.core import Env, GameError, OptionError
from qarcade.games.gridworld.env import MOVES
from qarcade.games.gridworld.maps import FLOOR, GOAL, PIT, WALL, goal_reachable

ROOT = Path(__file__).resolve().parent.parent


#: Learn saves into the data folder: a scratch one per test (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("data_dir")


def learn(app: App, config: LearnConfig) -> LearnScene:
    for scene in reversed(app.scenes):
        scene.on_exit()
    app.scenes.clear()
    app.push(MenuScene(app))
    scene = LearnScene(app, config)
    app.push(scene)
    app.frame()
    return scene


def run(app: App, frames: int) -> None:
    for _ in range(frames):
        app.frame()


def post_key(app: App, key: int, mod: int = 0) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=mod, unicode=""))
    app.frame()


def click(app: App, pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
    app.frame()


def set_position(env: Env) -> None:
    """A fixed position to compare Q-values in: a fresh game, and in tic-tac-toe one where
    X wins at once (the empty board is worth exactly 0 however much is learnt)."""
    env.reset(seed=123)
    if env.name == "tictactoe":
        for square in (0, 3, 1, 4):
            env.step(square)


def overlay_pixels(scene: LearnScene) -> np.ndarray:
    """The board drawn with the agent's overlay in a fixed position, so only the
    Q-values can make two pictures differ."""
    env = scene.session.env
    saved = env.snapshot()
    set_position(env)
    surface = pygame.Surface((480, 480))
    scene.view.draw(surface, surface.get_rect(), scene.overlay())
    env.restore(saved)
    return pygame.surfarray.array3d(surface)


# ----------------------------------------------------------------- training changes things
@pytest.mark.parametrize(
    ("game", "agent", "options", "steps"),
    [
        ("gridworld", "tabular", {"map": "maze"}, 2_000),
        ("tictactoe", "tabular", {}, 50_000),
        ("invaders", "tabular", {}, 2_000),
        ("gridworld", "dqn", {"map": "lake4"}, 1_000),  # learning starts after 500
    ],
)
def test_frames_of_learn_change_the_q_values_and_the_overlay(
    app: App, game: str, agent: str, options: dict, steps: int
) -> None:
    scene = learn(app, LearnConfig(game, agent, options=options, speed="1"))
    session = scene.session
    probe = games.make(game, **session.options)
    set_position(probe)
    obs, mask = probe.observe(), probe.action_mask()
    q_before = session.agent.q_values(obs, mask)
    pixels_before = overlay_pixels(scene)
    post_key(app, pygame.K_5)  # turbo
    for _ in range(2_000):  # frames, until the agent has trained ``steps`` steps
        if session.trainer.steps >= steps:
            break
        app.frame()
    assert session.trainer.steps >= steps
    q_after = session.agent.q_values(obs, mask)
    legal = np.isfinite(q_before)
    assert not np.allclose(q_before[legal], q_after[legal]), "training did not change Q"
    scene._q_cache_stale = True
    assert (overlay_pixels(scene) != pixels_before).any(), "the overlay did not change"


def test_speed_one_trains_one_step_a_frame_and_turbo_many(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="1"))
    trainer = scene.session.trainer
    steps = trainer.steps
    run(app, 5)
    assert trainer.steps == steps + 5
    post_key(app, pygame.K_5)
    assert scene.speed == "turbo"
    steps = trainer.steps
    run(app, 3)
    assert trainer.steps - steps > 100


def test_pause_single_step_and_reset(app: App) -> None:
    scene = learn(app, LearnConfig("tictactoe", "tabular", speed="100"))
    trainer = scene.session.trainer
    post_key(app, pygame.K_SPACE)
    assert scene.paused
    steps = trainer.steps
    run(app, 3)
    assert trainer.steps == steps
    post_key(app, pygame.K_PERIOD)
    assert trainer.steps == steps + 1 and scene.paused
    old_agent = scene.session.agent
    post_key(app, pygame.K_r)
    assert scene.session.agent is not old_agent
    assert scene.session.trainer.steps == 0
    assert all(not series.points for series in scene.session.curves)


# ----------------------------------------------------------------- sliders and buttons
def test_epsilon_slider_click_overrides_the_schedule(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="10"))
    slider = scene.epsilon_slider
    agent = scene.session.agent
    assert scene.session.trainer.schedule is not None
    click(app, (slider.x_of(0.0), slider.track().centery))
    assert agent.epsilon == pytest.approx(0.0, abs=0.01)
    assert scene.session.epsilon_manual
    run(app, 30)  # many episodes start: the schedule would have set epsilon again
    assert agent.epsilon == pytest.approx(0.0, abs=0.01)
    # Greedy now: exploring acts as the table says, every time.
    obs, mask = scene.session.env.observe(), np.ones(4, dtype=bool)
    greedy = {agent.act(obs, mask, explore=True) for _ in range(50)}
    q = agent.q_values(obs)
    assert greedy <= set(np.flatnonzero(q == q.max()))
    post_key(app, pygame.K_e)
    assert not scene.session.epsilon_manual


def test_learning_rate_slider_sets_the_step_size_the_update_uses(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="1"))
    post_key(app, pygame.K_SPACE)  # pause: only the hand-made update below touches Q
    slider = scene.lr_slider
    click(app, (slider.x_of(0.05), slider.track().centery))
    agent = scene.session.agent
    assert agent.learning_rate == pytest.approx(0.05, rel=0.1)
    env = scene.session.env
    corner = env.obs_for_cell(env.rows - 1, env.cols - 1)
    before = agent.q_values(corner)[1]
    agent.learn(Transition(corner, 1, 1.0, corner, np.zeros(4, dtype=bool), True))
    agent.end_episode()
    step = agent.q_values(corner)[1] - before
    assert step == pytest.approx(agent.learning_rate * (1.0 - before))


def test_dqn_learning_rate_slider_drives_the_gradient_steps(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "dqn", options={"map": "lake4"}, speed="1"))
    post_key(app, pygame.K_SPACE)  # pause: only the hand-made updates below train
    slider = scene.lr_slider
    y = slider.track().centery
    start, end = (slider.x_of(1e-4), y), (slider.x_of(1e-2), y)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=start))
    pygame.event.post(
        pygame.event.Event(pygame.MOUSEMOTION, pos=end, rel=(1, 0), buttons=(1, 0, 0))
    )
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=end))
    app.frame()
    agent = scene.session.agent
    assert agent.learning_rate == pytest.approx(1e-2, rel=0.1)
    # Adam's first step moves every weight with a gradient by about the learning rate.
    env = scene.session.env
    obs = env.obs_for_cell(0, 0)
    transition = Transition(obs, 2, 1.0, obs, np.zeros(4, dtype=bool), True)
    weights = agent.online.weights.detach().clone()
    while agent.train_steps == 0:
        weights = agent.online.weights.detach().clone()
        agent.learn(transition)
    moved = float((agent.online.weights.detach() - weights).abs().max())
    assert moved == pytest.approx(agent.learning_rate, rel=0.2)


def test_buttons_pause_and_change_speed(app: App) -> None:
    scene = learn(app, LearnConfig("tictactoe", "tabular", speed="100"))
    turbo = next(b for b in scene.speed_buttons if b.label == "turbo")
    click(app, turbo.rect.center)
    assert scene.speed == "turbo"
    click(app, scene.pause_button.rect.center)
    assert scene.paused


# ----------------------------------------------------------------- editing the gridworld
def test_clicking_a_cell_cycles_floor_wall_pit_goal(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="10"))
    env = scene.session.env
    row, col = 0, 1  # floor next to the start
    assert env.grid[row, col] == FLOOR
    for expected in (WALL, PIT, GOAL, FLOOR):
        click(app, scene.view.cell_rect(scene.board_rect, row, col).center)
        assert env.grid[row, col] == expected
    run(app, 10)  # training goes on on the edited map
    assert scene.session.trainer.steps > 0


def test_the_start_cannot_be_edited_and_a_blocked_goal_is_said(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "lake4"}, speed="1"))
    env = scene.session.env
    start = env.start
    click(app, scene.view.cell_rect(scene.board_rect, *start).center)
    assert env.grid[start] != WALL
    assert "start cannot be changed" in " ".join(toast.text for toast in app._messages)
    # Wall in the start: both neighbours of the corner (lake4's start is (0, 0)).
    for cell in ((0, 1), (1, 0)):
        while env.grid[cell] != WALL:
            click(app, scene.view.cell_rect(scene.board_rect, *cell).center)
    assert "no goal can be reached" in " ".join(toast.text for toast in app._messages)
    run(app, 5)  # allowed: the agent keeps learning in its box


# ----------------------------------------------------------------- files and the ladder
def test_save_writes_a_checkpoint_that_loads_with_the_same_table(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="1k"))
    run(app, 5)
    post_key(app, pygame.K_SPACE)  # pause, so the table saved is the table now
    post_key(app, pygame.K_s, mod=pygame.KMOD_CTRL)
    path = scene.session.saved
    assert path is not None and path.is_file()
    runs = learn_runs.list_runs("gridworld", "tabular", {"map": "maze"})
    assert [run.agent_path for run in runs] == [path]
    assert path.parent.parent == learn_runs.learner_folder("gridworld", "tabular", {"map": "maze"})
    loaded = load_agent(path, game="gridworld")
    np.testing.assert_array_equal(loaded.table, scene.session.agent.table)
    meta = read_metadata(path)
    assert meta["training"]["steps"] == scene.session.trainer.steps


def test_closing_the_window_in_learn_saves_the_agent(app: App, data_dir: Path) -> None:
    learn(app, LearnConfig("tictactoe", "dqn", speed="10"))
    run(app, 3)
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    app.run()
    [saved] = (data_dir / "learn" / "tictactoe-dqn").glob("*/agent.safetensors")
    assert load_agent(saved, game="tictactoe").name == "dqn"


def test_a_ladder_snapshot_taken_in_learn_plays_in_versus(app: App) -> None:
    scene = learn(app, LearnConfig("tictactoe", "tabular", speed="turbo"))
    while scene.session.trainer.episodes < 100:
        app.frame()
    played = scene.session.trainer.episodes
    [newest] = learn_runs.list_runs("tictactoe", "tabular")
    assert newest.ladder() == [n for n in learn_runs.MILESTONES if n <= played]
    # The menu offers it ...
    menu = MenuScene(app)
    menu.choice.update(game="tictactoe", mode="versus", agent="tabular", strength="100")
    menu._rebuild()
    assert any(row.key == "strength" for row in menu.rows)
    config = menu.config()
    assert config.agent == "tabular@100"
    # ... and Versus plays it: the person moves, the snapshot answers.
    app.scenes.clear()
    versus = game_scene(app, config)
    app.push(versus)
    assert versus.opponent is not None and versus.opponent.kind == "tabular@100"
    lane = versus.lanes[0]
    versus._step(lane, 4)
    run(app, 40)
    assert int(np.count_nonzero(lane.env.board)) == 2


def test_missing_or_bad_rungs_are_refused_with_a_way_out() -> None:
    with pytest.raises(GameError, match="Learn has saved none yet"):
        players.load_opponent("tictactoe", "tabular@1000")
    with pytest.raises(OptionError, match="tabular@N"):
        players.load_opponent("tictactoe", "tabular@lots")


def test_two_player_curves_come_from_greedy_test_games() -> None:
    session = LearnSession(LearnConfig("tictactoe", "tabular"))
    session.trainer.run(200)
    labels = [series.label for series in session.curves]
    assert labels == ["won vs random", "not lost vs minimax"]
    assert all(series.count > 0 for series in session.curves)
    assert all(0.0 <= y <= 1.0 for series in session.curves for _, y in series.points)


# ----------------------------------------------------------------- help and command line
def test_help_lists_learn_keys(app: App) -> None:
    scene = learn(app, LearnConfig("gridworld", "tabular", options={"map": "maze"}))
    keys = dict(scene.keys())
    for key in ("Space / P", ". or S", "R", "Ctrl+S / K", "Q", "Z", "E", "Click a cell"):
        assert key in keys
    post_key(app, pygame.K_h)
    assert app.show_help


def test_menu_starts_learn(app: App) -> None:
    menu = MenuScene(app)
    app.push(menu)
    menu.choice.update(game="gridworld", mode="learn")
    menu._rebuild()
    assert [value for value, _ in menu.rows[2].choices] == ["tabular", "dqn"]
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode=""))
    app.frame()
    assert isinstance(app.scene, LearnScene)
    assert app.scene.session.env.map_name == menu.choice["map"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [
        ["learn", "gridworld", "--agent", "tabular", "--map", "maze", "--speed", "turbo"],
        ["learn", "invaders", "--agent", "dqn", "--speed", "1"],
    ],
    ids=lambda c: " ".join(c[1:4]),
)
def test_learn_command_runs_n_frames_and_saves(command: list[str], data_dir: Path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    result = subprocess.run(
        [sys.executable, "main.py", *command, "--frames", "15", "--fps", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Learn saved the agent to" in result.stdout
    assert list((data_dir / "learn").glob("*/*/agent.*"))


def test_versus_after_needs_a_learner_and_a_milestone() -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    for args, words in (
        (["--agent", "minimax", "--after", "100"], "--agent tabular or dqn"),
        (["--agent", "tabular", "--after", "50"], "Learn has saved none yet"),
    ):
        result = subprocess.run(
            [sys.executable, "main.py", "versus", "tictactoe", *args, "--frames", "2"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 2 and words in result.stderr


@pytest.mark.parametrize("after", [5, 50, 100, 1_000, 10_000])
def test_versus_after_a_rung_not_saved_is_an_error_listing_the_rungs(
    after: int, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every N without its snapshot is refused with the rungs there are (never a quiet
    fall back to another player)."""
    from qarcade.cli import main

    command = ["versus", "gridworld", "--map", "maze", "--agent", "dqn", "--after", str(after)]
    assert main(command) == 2
    assert "Learn has saved none yet" in capsys.readouterr().err
    saved = learn_runs.new_run("gridworld", "dqn", {"map": "maze"})
    saved.agent_path.write_bytes(b"")
    saved.rung_path(100).write_bytes(b"")
    if after != 100:
        assert main(command) == 2
        assert f"after {after:,} games of gridworld on maze" in (err := capsys.readouterr().err)
        assert "Learn has saved in its newest run: --after 100" in err


def test_a_missing_rung_in_the_window_is_an_error_not_a_fallback(app: App) -> None:
    with pytest.raises(GameError, match="Learn has saved none yet"):
        game_scene(app, SceneConfig("tictactoe", "versus", "tabular@1000"))


def test_learn_resumes_the_saved_agent_and_the_menu_offers_it(app: App) -> None:
    config = LearnConfig("gridworld", "tabular", options={"map": "maze"}, speed="1k")
    scene = learn(app, config)
    run(app, 3)
    post_key(app, pygame.K_SPACE)
    scene.save()
    table, steps = scene.session.agent.table.copy(), scene.session.trainer.steps
    # The menu now offers to start from it.
    menu = MenuScene(app)
    menu.choice.update(game="gridworld", mode="learn", agent="tabular", map="maze")
    menu._rebuild()
    [start] = [row for row in menu.rows if row.key == "start"]
    [saved] = learn_runs.list_runs("gridworld", "tabular", {"map": "maze"})
    assert start.choices[1][0] == saved.name
    assert start.choices[1][1].startswith(f"{scene.session.trainer.episodes:,} games · ")
    menu.choice["start"] = saved.name
    app.scenes.clear()
    app.push(menu)
    menu.start()
    resumed = app.scene
    assert isinstance(resumed, LearnScene) and resumed.config.resume
    np.testing.assert_array_equal(resumed.session.agent.table, table)
    assert resumed.session.trainer.steps == steps


def test_resume_without_a_saved_agent_says_what_to_do(app: App) -> None:
    with pytest.raises(GameError, match="without --resume"):
        LearnScene(app, LearnConfig("tictactoe", "dqn", resume=True))


@pytest.mark.parametrize("size", [(320, 240), (1600, 500), (500, 1000)])
def test_learn_draws_at_odd_window_sizes(size: tuple[int, int]) -> None:
    window = App(size, fps=0, audio=False)
    for game, agent in (("gridworld", "tabular"), ("tictactoe", "tabular"), ("invaders", "dqn")):
        scene = learn(window, LearnConfig(game, agent, speed="10"))
        run(window, 3)
        board = scene.board_rect
        assert window.screen.get_rect().contains(board)
    window.run(frames=window.frame_count)


def test_series_keeps_a_bounded_moving_average() -> None:
    series = Series("x", (255, 255, 255), window=10)
    for i in range(1, 5001):
        series.add(float(i))
    assert len(series.points) <= MAX_POINTS
    xs = [x for x, _ in series.points]
    assert xs == sorted(xs) and xs[-1] <= 5000
    assert series.average == pytest.approx(np.mean(np.arange(4991, 5001)))
    for x, y in series.points[-5:]:  # each point is the mean of the 10 values up to it
        assert y == pytest.approx(x - 4.5)


def test_log_slider_maps_positions_to_values_and_back() -> None:
    value = [1e-3]
    slider = Slider("lr", 1e-5, 1e-1, lambda: value[0], lambda v: value.__setitem__(0, v), log=True)
    slider.rect = pygame.Rect(0, 0, 208, 40)
    for v in (1e-5, 1e-4, 1e-3, 1e-2, 1e-1):
        assert slider.value_at(slider.x_of(v)) == pytest.approx(v, rel=0.06)
    track = slider.track()
    assert abs(slider.x_of(1e-3) - (track.left + track.width / 2)) <= 1  # a decade a quarter
    event = pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(track.right - 1, 20))
    assert slider.handle_event(event) and value[0] == pytest.approx(1e-1)


def test_dqn_learn_trains_on_one_thread_and_gives_the_counts_back(app: App) -> None:
    """torch's threads and those of the BLAS numpy calls (the fast update path's)."""
    import torch
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    with threadpool_limits(2, user_api="blas"):  # as on this 2-core machine, or more
        before, blas_before = torch.get_num_threads(), blas_threads()
        assert blas_before and max(blas_before) > 1
        learn(app, LearnConfig("gridworld", "dqn", options={"map": "lake4"}, speed="1"))
        assert torch.get_num_threads() == 1 and set(blas_threads()) == {1}
        post_key(app, pygame.K_ESCAPE)
        assert torch.get_num_threads() == before and blas_threads() == blas_before


@pytest.mark.parametrize("game", ["invaders", "tictactoe"])
def test_learn_help_describes_only_this_games_keys(app: App, game: str) -> None:
    """Cells (clicking one, zoomed cells printing values) are the gridworld's alone."""
    scene = learn(app, LearnConfig(game, "tabular", speed="1"))
    help_lines = scene.keys()
    assert not [what for _, what in help_lines if "cell" in what]


@pytest.mark.slow
def test_a_dqn_relearns_the_route_after_the_map_is_edited_under_it(app: App) -> None:
    """Half-way through the default budget, walls go up on the route the DQN learnt (by
    the Learn scene's own edit) until that route is no longer the best; by the end of the
    budget the greedy policy is optimal on the new map."""
    from qarcade.games.gridworld import solver

    scene = learn(app, LearnConfig("gridworld", "dqn", options={"map": "lake4"}))
    session = scene.session
    env, agent = session.env, session.agent
    budget = agent.config.total_timesteps  # type: ignore[attr-defined]
    session.trainer.run_steps(budget // 2)
    all_legal = np.ones(env.num_actions, bool)

    def greedy() -> np.ndarray:
        return solver.policy_of(env, lambda obs: agent.act(obs, all_legal))

    learnt = greedy()
    cell = env.start
    while solver.policy_return(env, learnt) >= solver.optimal_return(env) - 1e-9:
        cell = tuple(int(x) + d for x, d in zip(cell, MOVES[learnt[cell]], strict=True))
        assert env.grid[cell] == FLOOR
        scene.edit_cell(*cell)  # floor -> wall
        assert env.grid[cell] == WALL
    assert goal_reachable(env.grid, env.start)
    session.trainer.run_steps(budget - session.trainer.steps)
    assert solver.policy_return(env, greedy()) == pytest.approx(solver.optimal_return(env))
