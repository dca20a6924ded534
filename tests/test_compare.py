"""Compare mode, headless: the table and the DQN learn side by side, driven by posted
keys and clicks and checked by pixels; the first-optimal moment is found exactly; Compare
keeps no files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from qarcade import games
from qarcade.agents.evaluation import optimality_check
from qarcade.app.scenes.compare import MEMORY_COLOUR, CompareConfig, CompareScene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import App
from qarcade.cli import main
from qarcade.games.gridworld.env import RIGHT
from qarcade.games.gridworld.maps import FLOOR, GOAL, WALL

# Every test gets a scratch data folder: Compare must leave it empty.
pytestmark = pytest.mark.usefixtures("data_dir")


def compare(app: App, game: str, **options: str) -> CompareScene:
    app.scenes.clear()
    app.push(MenuScene(app))
    scene = CompareScene(app, CompareConfig(game, options=dict(options), speed="10"))
    app.push(scene)
    app.frame()
    return scene


def post_key(app: App, key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))
    app.frame()


def click(app: App, pos: tuple[int, int]) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
    app.frame()


def colour_count(surface: pygame.Surface, rect: pygame.Rect, colour: tuple[int, int, int]) -> int:
    region = surface.subsurface(rect.clip(surface.get_rect()))
    return sum(
        region.get_at((x, y))[:3] == colour
        # Every column: a table's bar may be one pixel wide beside a network's bytes.
        for x in range(region.get_width())
        for y in range(0, region.get_height(), 2)
    )


@pytest.mark.parametrize("game", games.names())
def test_both_learners_train_side_by_side_and_draw_their_boards(app: App, game: str) -> None:
    scene = compare(app, game)
    for _ in range(3):
        app.frame()
    table, network = scene.sides
    assert table.kind == "tabular" and network.kind == "dqn"
    assert table.trainer.steps > 0 and network.trainer.steps > 0
    assert table.env is not network.env and type(table.env) is type(network.env)
    surface = pygame.display.get_surface()
    width = surface.get_width()
    left = pygame.Rect(0, 0, width // 2, surface.get_height())
    right = pygame.Rect(width // 2, 0, width // 2, surface.get_height())
    # Each half has its board and its memory bar.
    for half, rect in zip((left, right), scene.board_rects, strict=True):
        assert half.contains(rect)
        assert colour_count(surface, half, MEMORY_COLOUR) > 0


def test_pause_step_and_speed_keys_act_on_both(app: App) -> None:
    scene = compare(app, "gridworld", map="lake4")
    post_key(app, pygame.K_SPACE)
    assert scene.paused
    before = [side.trainer.steps for side in scene.sides]
    for _ in range(3):
        app.frame()
    assert [side.trainer.steps for side in scene.sides] == before
    post_key(app, pygame.K_PERIOD)
    assert [side.trainer.steps for side in scene.sides] == [n + 1 for n in before]
    post_key(app, pygame.K_5)
    assert scene.speed == "turbo"
    click(app, scene.pause_button.rect.center)
    assert not scene.paused


def test_a_click_edits_the_cell_on_both_maps_and_the_board_shows_it(app: App) -> None:
    scene = compare(app, "gridworld", map="lake4")
    post_key(app, pygame.K_SPACE)
    view, rect = scene.views[1], scene.board_rects[1]
    cell_w = rect.width // 4
    pos = (rect.left + 2 * cell_w + cell_w // 2, rect.top + cell_w // 2)
    assert view.cell_at(rect, pos) == (0, 2)  # type: ignore[attr-defined]
    surface = pygame.display.get_surface()
    # Near the cell's corner: its centre is covered by the Q-value arrow.
    corner = pygame.Rect(rect.left + 2 * cell_w + 4, rect.top + 4, cell_w // 5, cell_w // 5)
    before = pygame.image.tobytes(surface.subsurface(corner), "RGB")
    assert scene.sides[0].env.grid[0, 2] == FLOOR  # type: ignore[attr-defined]
    click(app, pos)
    for side in scene.sides:
        assert side.env.grid[0, 2] == WALL  # type: ignore[attr-defined]
    after = pygame.image.tobytes(surface.subsurface(corner), "RGB")
    assert after != before


def test_the_moment_the_table_first_plays_optimally_is_marked(app: App) -> None:
    scene = compare(app, "gridworld", map="lake4")
    table = scene.sides[0]
    # Steps, not frames: what a frame holds depends on the machine's load.
    while not table.optimal_marks and table.trainer.steps < 40_000:
        table.advance(500, 60.0)
        table.check_optimal(now=True)
    assert table.optimal and table.optimal_marks
    steps, seconds = table.optimal_marks[0]
    assert 0 < steps <= table.trainer.steps and 0 < seconds <= table.seconds
    check = optimality_check(table.env)
    assert check is not None and check(table.agent)
    app.frame()
    # A goal beside the start, on the side the learnt route does not take (floor -> wall
    # -> pit -> goal), changes the best route: not optimal until relearnt.
    start = table.env.obs_for_cell(0, 0)  # type: ignore[attr-defined]
    first_move = table.agent.act(start, np.ones(4, bool))
    cell = (1, 0) if first_move == RIGHT else (0, 1)
    for _ in range(3):
        scene.edit_cell(*cell)
    assert table.env.grid[cell] == GOAL  # type: ignore[attr-defined]
    assert not table.optimal


def test_compare_keeps_no_files(app: App, data_dir: Path) -> None:
    scene = compare(app, "gridworld", map="lake4")
    scene.speed = "turbo"
    table = scene.sides[0]
    while table.trainer.episodes < 120:
        app.frame()
    app.run(frames=app.frame_count)
    assert not data_dir.exists() or not any(p.is_file() for p in data_dir.rglob("*"))


def test_compare_command_runs_and_refuses_a_map_for_other_games(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["compare", "gridworld", "--map", "lake4", "--frames", "3", "--fps", "0"]) == 0
    assert main(["compare", "tictactoe", "--map", "lake4", "--frames", "1"]) == 2
    assert "--map is for gridworld; tictactoe has no maps" in capsys.readouterr().err


def test_steps_plot_turns_logarithmic_when_one_curve_ran_ten_times_further(app: App) -> None:
    """At turbo the table runs far more env steps than the network: on a linear axis the
    network's curve would be a sliver at the left edge; on the log axis it spans most of
    the plot."""
    from qarcade.app.plot import draw_plot
    from qarcade.app.scenes import compare as compare_scene
    from qarcade.app.series import Series

    red, green = (255, 0, 0), (0, 255, 0)
    short, long = Series("short", red, window=1), Series("long", green, window=1)
    for x in range(1, 1_001):
        short.add(0.0, float(x))
    for x in range(1, 100_001, 100):
        long.add(1.0, float(x))
    assert compare_scene._far_apart([short, long])
    assert not compare_scene._far_apart([long, long]) and not compare_scene._far_apart([short])
    surface = pygame.Surface((400, 200))

    def reach(log_x: bool) -> int:
        """The rightmost pixel column of the short curve (the legend left out)."""
        surface.fill((0, 0, 0))
        draw_plot(surface, surface.get_rect(), app.hud, [short, long], y_range=(-1, 2),
                  log_x=log_x)  # fmt: skip
        return max(x for x in range(400) for y in range(150) if surface.get_at((x, y))[:3] == red)

    linear, logarithmic = reach(False), reach(True)
    assert linear < 0.1 * 400 and logarithmic > 0.5 * 400


def test_a_flat_curve_of_large_values_gets_ticks_its_labels_tell_apart() -> None:
    """Invaders' first game scores, say, 370 on both sides: the y axis around one value
    must not label all three ticks "370"."""
    from qarcade.app.plot import nice_range

    for value in (370.0, -1.25, 0.0, 5_000.0):
        low, high = nice_range(value, value)
        assert low < value < high
        ticks = {f"{low + (high - low) * i / 2:.0f}" for i in range(3)}
        assert len(ticks) == 3 or abs(value) < 5, (value, ticks)
