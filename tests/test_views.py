"""The tic-tac-toe and gridworld views, drawn headless and checked by pixels.

Each test draws an env's state into a rect of an off-screen surface and looks at the
pixels where the state says something must be (a mark, the penguin, a wall, an arrow).
"""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from qarcade import games
from qarcade.app.assets import Assets
from qarcade.games.gridworld import view as gridview
from qarcade.games.gridworld.env import DOWN, LEFT, RIGHT, UP
from qarcade.games.gridworld.maps import GOAL, PIT, WALL
from qarcade.games.tictactoe import rules
from qarcade.games.tictactoe import view as tttview
from qarcade.games.view import Overlay, fit_rect, heat_colour


@pytest.fixture(scope="module")
def assets() -> Assets:
    pygame.display.init()
    pygame.font.init()
    return Assets(audio=False)


def surface(size: tuple[int, int] = (400, 400)) -> pygame.Surface:
    canvas = pygame.Surface(size)
    canvas.fill((0, 0, 0))
    return canvas


def colour(canvas: pygame.Surface, pos: tuple[int, int]) -> tuple[int, int, int]:
    return tuple(canvas.get_at((int(pos[0]), int(pos[1]))))[:3]


# ----------------------------------------------------------------- shared helpers
@pytest.mark.parametrize(
    ("outer", "aspect"),
    [((0, 0, 800, 600), 1.0), ((10, 20, 300, 900), 224 / 256), ((0, 0, 5, 3), 11 / 9)],
)
def test_fit_rect_letterboxes_inside_with_the_aspect(outer: tuple, aspect: float) -> None:
    outer_rect = pygame.Rect(outer)
    rect = fit_rect(outer_rect, aspect)
    assert outer_rect.contains(rect)
    assert rect.width == outer_rect.width or rect.height == outer_rect.height
    assert rect.width / rect.height == pytest.approx(aspect, abs=1.0 / min(rect.size))
    assert rect.center == outer_rect.center or min(outer_rect.size) < 10


def test_heat_colour_runs_red_to_green_and_greys_nan() -> None:
    low, mid, high = heat_colour(-1, -1, 1), heat_colour(0, -1, 1), heat_colour(1, -1, 1)
    assert low[0] > low[1] and high[1] > high[0]
    assert sum(mid) < sum(high) and sum(mid) < sum(low)
    assert heat_colour(float("nan"), -1, 1) == heat_colour(0.0, 1, 1) == (90, 90, 90)


def test_view_class_finds_every_game_and_refuses_unknown_names() -> None:
    for game in games.names():
        assert games.view_class(game).game == game
    with pytest.raises(games.OptionError, match="unknown game"):
        games.view_class("chess")


# ----------------------------------------------------------------- tic-tac-toe
def ttt(assets: Assets, moves: list[int]) -> tttview.TicTacToeView:
    env = games.make("tictactoe")
    env.reset(seed=0)
    for move in moves:
        env.step(move)
    return tttview.TicTacToeView(env, assets)


@pytest.mark.parametrize("rect", [(0, 0, 400, 400), (37, 11, 251, 251), (5, 5, 90, 90)])
def test_ttt_squares_round_trip_between_clicks_and_rects(assets: Assets, rect: tuple) -> None:
    view = ttt(assets, [])
    r = pygame.Rect(rect)
    for square in range(9):
        box = view.square_rect(r, square)
        assert view.square_at(r, box.center) == square
        click = pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=box.center)
        assert view.action_for_event(click, r) == square
    assert view.square_at(r, (r.right + 5, r.bottom + 5)) is None


def test_ttt_keys_1_to_9_are_reading_order(assets: Assets) -> None:
    view = ttt(assets, [])
    rect = pygame.Rect(0, 0, 300, 300)
    for digit in range(1, 10):
        for key in (getattr(pygame, f"K_{digit}"), getattr(pygame, f"K_KP{digit}")):
            event = pygame.event.Event(pygame.KEYDOWN, key=key)
            assert view.action_for_event(event, rect) == digit - 1
    assert view.action_for_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_0), rect) is None


def test_ttt_marks_are_drawn_where_the_board_says(assets: Assets) -> None:
    view = ttt(assets, [4, 0])  # X in the centre, O top left
    canvas, rect = surface(), pygame.Rect(0, 0, 400, 400)
    view.draw(canvas, rect)
    assert colour(canvas, view.square_rect(rect, 4).center) == tttview.X_COLOUR
    top_left = view.square_rect(rect, 0)
    ring = (top_left.centerx + int(top_left.width * 0.27), top_left.centery)
    assert colour(canvas, ring) == tttview.O_COLOUR
    assert colour(canvas, top_left.center) == tttview.BOARD  # an O is hollow
    for square in (1, 2, 3, 5, 6, 7, 8):
        assert colour(canvas, view.square_rect(rect, square).center) == tttview.BOARD


def test_ttt_winning_line_is_drawn_through_the_three_squares(assets: Assets) -> None:
    view = ttt(assets, [0, 3, 1, 4, 2])  # X takes the top row
    assert view.env.done and rules.winning_line(view.env.board) == (0, 1, 2)
    canvas, rect = surface(), pygame.Rect(0, 0, 400, 400)
    view.draw(canvas, rect)
    a, b = view.square_rect(rect, 0).center, view.square_rect(rect, 1).center
    between = ((a[0] + b[0]) // 2, a[1])  # on the grid line between two squares
    assert colour(canvas, between) == tttview.WIN_COLOUR
    assert view.status() == "X wins"


def test_ttt_overlay_colours_each_empty_square_by_its_q(assets: Assets) -> None:
    view = ttt(assets, [4])
    q = np.linspace(-1.0, 1.0, 9)
    q[4] = -np.inf  # taken
    canvas, rect = surface(), pygame.Rect(0, 0, 450, 450)
    view.draw(canvas, rect, Overlay(q_values=q))
    for square in (0, 1, 2, 3, 5, 6, 7):
        box = view.q_box(rect, square)
        corner = (box.left + box.width // 4, box.top + 4)
        assert colour(canvas, corner) == heat_colour(q[square], -1, 1), square
    best = view.q_box(rect, 8)
    assert colour(canvas, (best.centerx, best.top + 1)) == tttview.WIN_COLOUR


# ----------------------------------------------------------------- gridworld
def grid(assets: Assets, map_name: str = "maze", moves: list[int] = ()) -> gridview.GridWorldView:
    env = games.make("gridworld", map=map_name)
    env.reset(seed=0)
    for move in moves:
        env.step(move)
    return gridview.GridWorldView(env, assets)


def belly(view: gridview.GridWorldView, rect: pygame.Rect, row: int, col: int) -> tuple[int, int]:
    """A pixel of the penguin's belly (art row 9, column 7) in cell (row, col)."""
    cell = view.cell_rect(rect, row, col)
    return cell.left + int(7.5 * cell.width / 16), cell.top + int(9.5 * cell.height / 16)


@pytest.mark.parametrize("size", [(440, 360), (1000, 300), (121, 99)])
def test_gridworld_penguin_is_where_env_position_says(assets: Assets, size: tuple) -> None:
    view = grid(assets, "maze", [RIGHT, RIGHT, DOWN, LEFT])  # (0,0)->(0,2)->(0,2)x->(0,1)
    rect = pygame.Rect((0, 0), size)
    canvas = surface(size)
    view.draw(canvas, rect)
    row, col = view.env.position
    assert colour(canvas, belly(view, rect, row, col)) == gridview.AGENT_COLOUR
    start = view.env.start
    if (row, col) != start:
        assert colour(canvas, belly(view, rect, *start)) != gridview.AGENT_COLOUR


def test_gridworld_tiles_follow_the_grid(assets: Assets) -> None:
    view = grid(assets, "maze")
    rect = pygame.Rect(0, 0, 11 * 32, 9 * 32)
    canvas = surface(rect.size)
    view.draw(canvas, rect)
    expected = {
        WALL: gridview.PALETTE["m"],
        PIT: gridview.PALETTE["h"],
        GOAL: gridview.PALETTE["f"],
    }
    # Art pixel (x, y) of a tile that shows its kind: mortar, deep water, the flag.
    probe = {WALL: (3, 0), PIT: (3, 10), GOAL: (8, 3)}
    for tile, want in expected.items():
        for row, col in zip(*np.nonzero(view.env.grid == tile), strict=True):
            cell = view.cell_rect(rect, row, col)
            x, y = probe[tile]
            got = colour(canvas, (cell.left + x * 2 + 1, cell.top + y * 2 + 1))
            assert got == want, (tile, row, col)


def test_gridworld_keys_move_the_right_way(assets: Assets) -> None:
    view = grid(assets, "lake4")
    rect = pygame.Rect(0, 0, 100, 100)
    table = {
        pygame.K_LEFT: LEFT, pygame.K_a: LEFT, pygame.K_DOWN: DOWN, pygame.K_s: DOWN,
        pygame.K_RIGHT: RIGHT, pygame.K_d: RIGHT, pygame.K_UP: UP, pygame.K_w: UP,
    }  # fmt: skip
    for key, action in table.items():
        assert view.action_for_event(pygame.event.Event(pygame.KEYDOWN, key=key), rect) == action
    assert view.action_for_event(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_x), rect) is None


def test_gridworld_overlay_draws_value_heat_and_the_greedy_arrow(assets: Assets) -> None:
    view = grid(assets, "cliff")
    env = view.env

    def q_for_obs(obs: np.ndarray) -> np.ndarray:
        # Values rise to the right; the greedy action is RIGHT everywhere.
        col = int(np.argmax(obs)) % env.cols
        q = np.full(4, -2.0)
        q[RIGHT] = col / (env.cols - 1) * 2 - 1
        return q

    overlay = Overlay(q_for_obs=q_for_obs)
    value, greedy = view.values(overlay)
    floor = np.isfinite(value)
    assert np.all(greedy[floor] == RIGHT) and np.all(greedy[~floor] == -1)
    assert np.isnan(value[env.grid == PIT]).all()

    rect = pygame.Rect(0, 0, 12 * 40, 4 * 40)
    plain, shown = surface(rect.size), surface(rect.size)
    view.draw(plain, rect)
    view.draw(shown, rect, overlay)
    row = 0
    left, right = view.cell_rect(rect, row, 0), view.cell_rect(rect, row, env.cols - 1)
    # The arrow head is wide right of centre, the shaft narrow left of it: it points RIGHT.
    for cell in (left, right):
        head = (cell.centerx + int(0.1 * cell.width), cell.centery + int(0.13 * cell.height))
        shaft = (cell.centerx - int(0.1 * cell.width), cell.centery + int(0.13 * cell.height))
        assert min(colour(shown, head)) >= 235  # white (drawn slightly translucent)
        assert min(colour(shown, shaft)) < 235
        assert min(colour(shown, cell.center)) >= 235
    # The heat tint makes the low-value cell redder and the high-value cell greener.
    corner = (4, 4)
    low = colour(shown, (left.left + corner[0], left.top + corner[1]))
    high = colour(shown, (right.left + corner[0], right.top + corner[1]))
    assert low[0] > low[1] and high[1] > high[0]
    assert colour(plain, (left.left + 4, left.top + 4)) != low


def test_gridworld_view_follows_set_tile(assets: Assets) -> None:
    view = grid(assets, "lake4")
    rect = pygame.Rect(0, 0, 160, 160)
    canvas = surface(rect.size)
    view.draw(canvas, rect)
    cell = view.cell_rect(rect, 0, 2)
    mortar = (cell.left + cell.width // 2, cell.top + 1)  # the art's top row is mortar
    assert colour(canvas, mortar) != gridview.PALETTE["m"]
    view.env.set_tile(0, 2, WALL)
    view.draw(canvas, rect)
    assert colour(canvas, mortar) == gridview.PALETTE["m"]


def test_gridworld_status_says_how_the_episode_ended(assets: Assets) -> None:
    view = grid(assets, "lake4")
    assert view.status().startswith("step 0")
    view.env.step(DOWN)
    view.env.step(RIGHT)  # lake4: (1, 1) is a hole
    assert view.env.done and view.status() == "Fell into a hole"


def letter_gaps(image: pygame.Surface) -> list[int]:
    """Widths of the blank column runs between the first and the last inked column."""
    ink = (pygame.surfarray.array_alpha(image) > 64).any(axis=1)
    columns = np.flatnonzero(ink)
    gaps, run = [], 0
    for inked in ink[columns[0] : columns[-1] + 1]:
        if inked and run:
            gaps.append(run)
        run = 0 if inked else run + 1
    return gaps


def test_text_keeps_its_letter_spacing_at_small_sizes(assets: Assets) -> None:
    """Hinting used to pull words apart at small sizes ("minima x", "lake 8"): the gaps
    between letters stay within a pixel of each other in most renders, where the font
    drawn plainly fails in about half of them."""
    renders = [(word, size) for word in ("minimax", "lake8", "maze") for size in range(12, 31)]

    def even(font_at: object) -> float:
        ok = 0
        for word, size in renders:
            gaps = letter_gaps(font_at(size).render(word, True, (255, 255, 255)))  # type: ignore[operator]
            ok += max(gaps) - min(gaps) <= 1
        return ok / len(renders)

    assert even(assets.font) >= 0.8
    assert assets.font(14).render("", True, (255, 255, 255)).get_width() == 0
    assert even(lambda size: pygame.font.Font(None, size)) < 0.6


@pytest.mark.parametrize(
    ("value", "text"),
    [(-0.004, "0.00"), (0.004, "0.00"), (-1.07, "-1.00"), (1.2, "+1.00"), (0.5, "+0.50"),
     (-0.986, "-0.99")],
)  # fmt: skip
def test_tictactoe_q_values_print_within_the_games_bounds(value: float, text: str) -> None:
    """A network's estimates stray past +-1 and round to "-0.00": the overlay prints what
    the numbers mean, a result between a loss (-1) and a win (+1)."""
    assert tttview.q_text(value) == text
