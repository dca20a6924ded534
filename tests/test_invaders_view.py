"""The Invaders view, rendered headless and checked by pixels: the formation, shields,
Q-value bars and HUD are where the state says; keys map to the six actions; sounds follow
the step events and no audio device means silence; explosions come from the step events
and last their time; the HI-SCORE shown is the one the scene hands the view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from qarcade.app.assets import Assets
from qarcade.games.invaders import rules, sprites
from qarcade.games.invaders.env import (
    FIRE,
    LEFT,
    LEFT_FIRE,
    NOOP,
    RIGHT,
    RIGHT_FIRE,
    InvadersEnv,
)
from qarcade.games.invaders.view import (
    ALIEN_COLOURS,
    BLACK,
    GREEN,
    Q_BAR_BASE,
    Q_STRIP_H,
    RED,
    SCREEN_H,
    SCREEN_W,
    YELLOW,
    InvadersView,
    q_bar_layout,
)
from qarcade.games.view import Overlay


@pytest.fixture(scope="module", autouse=True)
def _display():
    pygame.display.init()
    yield
    pygame.display.quit()


class FakeAssets:
    """Records what the view plays instead of playing it."""

    def __init__(self) -> None:
        self.muted = False
        self.played: list[str] = []
        self.looping: set[str] = set()

    def play(self, name: str, *, loops: int = 0) -> None:
        self.played.append(name)
        if loops:
            self.looping.add(name)

    def stop(self, name: str) -> None:
        self.looping.discard(name)


def make_view(tmp_path: Path, **env_options) -> tuple[InvadersEnv, InvadersView, FakeAssets]:
    env = InvadersEnv(**env_options)
    env.reset(seed=0)
    assets = FakeAssets()
    view = InvadersView(env, assets)
    return env, view, assets


def render(view: InvadersView, rect: pygame.Rect, overlay: Overlay | None = None) -> pygame.Surface:
    surface = pygame.Surface((rect.right + 7, rect.bottom + 5))
    surface.fill((1, 2, 3))  # not black, so drawing outside the rect would show
    view.draw(surface, rect, overlay)
    return surface


def pixel(
    view: InvadersView,
    surface: pygame.Surface,
    rect: pygame.Rect,
    x: float,
    y: float,
    overlay: Overlay | None = None,
) -> tuple[int, int, int]:
    """The colour drawn at the centre of logical pixel (x, y)."""
    target = view.game_rect(rect, overlay)
    height = SCREEN_H + (Q_STRIP_H if overlay is not None else 0)
    sx = target.x + int((x + 0.5) * target.width / SCREEN_W)
    sy = target.y + int((y + 0.5) * target.height / height)
    return tuple(surface.get_at((sx, sy)))[:3]


def lit_pixel(art_frames: tuple[sprites.Art, ...]) -> tuple[int, int]:
    """A pixel (x, y) lit in every frame of a sprite, away from its edges."""
    both = np.logical_and.reduce([sprites.to_mask(a) for a in art_frames])
    ys, xs = np.nonzero(both)
    i = int(np.argmin((ys - both.shape[0] / 2) ** 2 + (xs - both.shape[1] / 2) ** 2))
    return int(xs[i]), int(ys[i])


# Exact 2x and 3x scales (crisp: colours are exact), placed away from the origin.
RECTS = [pygame.Rect(20, 10, 2 * SCREEN_W, 2 * SCREEN_H), pygame.Rect(5, 3, 672, 768)]


@pytest.mark.parametrize("rect", RECTS, ids=["2x", "3x"])
def test_formation_drawn_where_the_state_says(tmp_path, rect):
    env, view, _ = make_view(tmp_path)
    state = env.state
    alive = np.ones((state.rows, state.cols), dtype=bool)
    alive[0, 3] = alive[2, 0] = alive[4, 10] = alive[1, 5] = False
    rules.set_alive(state, alive)
    state.formation_x += 6  # anywhere on screen, not only the start position
    surface = render(view, rect)
    for row in range(state.rows):
        kind = state.kinds[row]
        dx, dy = lit_pixel(sprites.ALIENS[kind])
        for col in range(state.cols):
            x, y, _, _ = rules.alien_rect(state, row, col)
            colour = pixel(view, surface, rect, x + dx, y + dy)
            expected = ALIEN_COLOURS[kind] if alive[row, col] else BLACK
            assert colour == expected, (row, col)


def test_animation_frame_follows_the_state(tmp_path):
    env, view, _ = make_view(tmp_path)
    rect = RECTS[0]
    masks = [sprites.to_mask(a) for a in sprites.CRAB]
    ys, xs = np.nonzero(masks[0] & ~masks[1])  # lit in frame 0 only
    row = env.state.kinds.index(rules.CRAB)
    x, y, _, _ = rules.alien_rect(env.state, row, 0)
    for frame, expected in ((0, ALIEN_COLOURS[rules.CRAB]), (1, BLACK)):
        env.state.anim_frame = frame
        surface = render(view, rect)
        assert pixel(view, surface, rect, x + xs[0], y + ys[0]) == expected


def test_shields_drawn_from_the_erosion_masks(tmp_path):
    env, view, _ = make_view(tmp_path)
    rect = RECTS[0]
    shields = env.state.shields
    shields[1, 4:9, 6:12] = False  # a bite out of the second shield
    shields[3, :, :11] = False  # half of the fourth one gone
    surface = render(view, rect)
    for i, sx in enumerate(rules.SHIELD_XS):
        for y in range(rules.SHIELD_HEIGHT):
            for x in range(rules.SHIELD_WIDTH):
                expected = GREEN if shields[i, y, x] else BLACK
                got = pixel(view, surface, rect, sx + x, rules.SHIELD_Y + y)
                assert got == expected, (i, x, y)
    assert pixel(view, surface, rect, rules.SHIELD_XS[1] + 8, rules.SHIELD_Y + 6) == BLACK
    assert pixel(view, surface, rect, rules.SHIELD_XS[1] + 2, rules.SHIELD_Y + 6) == GREEN


def test_player_shot_bombs_and_mystery_ship_drawn(tmp_path):
    env, view, _ = make_view(tmp_path)
    rect = RECTS[0]
    state = env.state
    state.player_x = 100
    state.shot = rules.Shot(150, 120)
    state.bombs = [rules.Bomb(60, 150, rules.PLUNGER)]
    state.mystery = rules.Mystery(90, 1)
    surface = render(view, rect)
    cx, cy = lit_pixel((sprites.CANNON,))
    assert pixel(view, surface, rect, 100 + cx, rules.PLAYER_Y + cy) == GREEN
    assert pixel(view, surface, rect, 150, 121) != BLACK
    assert pixel(view, surface, rect, 151, 121) == BLACK
    bomb_frame = sprites.to_mask(sprites.PLUNGER_BOMB[0])
    assert any(
        pixel(view, surface, rect, 60 + x, 150 + y) != BLACK for y, x in np.argwhere(bomb_frame)
    )
    mx, my = lit_pixel(sprites.MYSTERY)
    assert pixel(view, surface, rect, 90 + mx, rules.MYSTERY_Y + my)[0] > 200  # red
    state.player_x = 20
    state.mystery = None
    surface = render(view, rect)
    assert pixel(view, surface, rect, 100 + cx, rules.PLAYER_Y + cy) == BLACK
    assert pixel(view, surface, rect, 90 + mx, rules.MYSTERY_Y + my) == BLACK


def test_lives_icons_and_ground_line(tmp_path):
    _, view, _ = make_view(tmp_path)
    rect = RECTS[0]
    surface = render(view, rect)
    assert pixel(view, surface, rect, 100, rules.GROUND_Y) == GREEN
    icon_x, icon_y = lit_pixel((sprites.CANNON,))
    y = rules.GROUND_Y + 5 + icon_y
    # 3 lives: two reserve cannons under the ground line, no third.
    for i, expected in ((0, GREEN), (1, GREEN), (2, BLACK)):
        assert pixel(view, surface, rect, 22 + i * 16 + icon_x, y) == expected


def test_view_draws_only_inside_its_rect(tmp_path):
    _, view, _ = make_view(tmp_path)
    rect = pygame.Rect(30, 20, 300, 200)  # wider than the game: letterboxed inside
    surface = render(view, rect)
    array = pygame.surfarray.array3d(surface)
    outside = np.ones(array.shape[:2], dtype=bool)
    outside[rect.left : rect.right, rect.top : rect.bottom] = False
    assert (array[outside] == (1, 2, 3)).all()
    assert (array[rect.left : rect.right, rect.top : rect.bottom] != (1, 2, 3)).any(axis=2).all()


@pytest.mark.parametrize("size", [(0, 0), (1, 1), (3, 400), (400, 3), (97, 61), (1921, 1081)])
def test_any_rect_size_draws_without_error(tmp_path, size):
    _, view, _ = make_view(tmp_path)
    overlay = Overlay(q_values=np.arange(6.0))
    for o in (None, overlay):
        render(view, pygame.Rect(2, 2, *size), o)


def test_q_bars_are_as_tall_as_the_q_values_are_ordered(tmp_path):
    _, view, _ = make_view(tmp_path)
    q = np.array([3.0, -1.0, 7.5, 0.5, 2.0, 5.0])
    overlay = Overlay(q_values=q, label="dqn")
    rect = pygame.Rect(0, 0, 2 * SCREEN_W, 2 * (SCREEN_H + Q_STRIP_H))
    surface = render(view, rect, overlay)
    base = SCREEN_H + Q_BAR_BASE - 1
    strip = pixel(view, surface, rect, 1, SCREEN_H + 2, overlay)
    heights = []
    colours = []
    for bar in q_bar_layout(q):
        x = bar.x + 5
        height = 0
        while pixel(view, surface, rect, x, base - height, overlay) != strip:
            height += 1
        heights.append(height)
        colours.append(pixel(view, surface, rect, x, base, overlay))
    assert np.argsort(heights).tolist() == np.argsort(q).tolist()
    assert len(set(heights)) == len(q)
    greedy = int(np.argmax(q))
    assert colours[greedy] == YELLOW
    assert all(c != YELLOW for i, c in enumerate(colours) if i != greedy)


def test_q_bars_without_finite_values_have_no_bar():
    bars = q_bar_layout(np.array([np.nan, 2.0, -np.inf, 1.0, 1.0, 0.0]))
    assert [b.height > 0 for b in bars] == [False, True, False, True, True, True]
    assert [b.greedy for b in bars] == [False, True, False, False, False, False]
    assert bars[0].text == "--"
    assert all(b.height == 0 for b in q_bar_layout(np.full(6, np.nan)))


def test_overlay_off_draws_no_q_strip(tmp_path):
    _, view, _ = make_view(tmp_path)
    rect = pygame.Rect(0, 0, 448, 512)
    assert view.game_rect(rect, None).size == (448, 512)
    assert view.game_rect(rect, Overlay(q_values=None)).size == (448, 512)
    assert view.game_rect(rect, Overlay(q_values=np.zeros(6))).height == 512


class Pressed:
    """Stands in for ``pygame.key.get_pressed()``."""

    def __init__(self, *keys: int) -> None:
        self.keys = set(keys)

    def __getitem__(self, key: int) -> bool:
        return key in self.keys


@pytest.mark.parametrize(
    ("keys", "action"),
    [
        ((), NOOP),
        ((pygame.K_LEFT,), LEFT),
        ((pygame.K_a,), LEFT),
        ((pygame.K_RIGHT,), RIGHT),
        ((pygame.K_d,), RIGHT),
        ((pygame.K_SPACE,), FIRE),
        ((pygame.K_UP,), FIRE),
        ((pygame.K_LEFT, pygame.K_SPACE), LEFT_FIRE),
        ((pygame.K_a, pygame.K_w), LEFT_FIRE),
        ((pygame.K_RIGHT, pygame.K_SPACE), RIGHT_FIRE),
        ((pygame.K_d, pygame.K_UP), RIGHT_FIRE),
        ((pygame.K_LEFT, pygame.K_RIGHT), NOOP),
        ((pygame.K_LEFT, pygame.K_RIGHT, pygame.K_SPACE), FIRE),
        ((pygame.K_q, pygame.K_p), NOOP),
    ],
)
def test_held_keys_map_to_actions(tmp_path, keys, action):
    _, view, _ = make_view(tmp_path)
    assert view.held_action(Pressed(*keys)) == action


def play(env: InvadersEnv, view: InvadersView, actions, rect=None) -> None:
    rect = rect or pygame.Rect(0, 0, 224, 256)
    surface = pygame.Surface(rect.size)
    for action in actions:
        if env.done:
            break
        view.on_step(action, env.step(action))
        view.draw(surface, rect)


def test_sounds_follow_the_step_events(tmp_path):
    env, view, assets = make_view(tmp_path, preset="small")
    play(env, view, [FIRE] + [NOOP] * 150)  # 18 aliens: a step every 18 ticks or so
    assert assets.played[0] == "shoot"
    notes = [name for name in assets.played if name.startswith("march")]
    assert notes[:5] == ["march1", "march2", "march3", "march4", "march1"]
    # One alien left: the formation steps every tick, the notes stay a beat apart.
    state = env.state
    alive = np.zeros((state.rows, state.cols), dtype=bool)
    alive[0, 0] = True
    rules.set_alive(state, alive)
    assets.played.clear()
    play(env, view, [NOOP] * 30)
    notes = [name for name in assets.played if name.startswith("march")]
    assert 3 <= len(notes) <= 30 // 5 + 1


def test_mystery_warble_loops_while_the_ship_flies(tmp_path):
    env, view, assets = make_view(tmp_path)
    env.state.mystery_timer = 2
    play(env, view, [NOOP] * 3)
    assert env.state.mystery is not None
    assert "mystery" in assets.looping
    assert assets.played.count("mystery") == 1
    play(env, view, [NOOP] * 5)
    assert assets.played.count("mystery") == 1  # started once, not every frame
    env.state.mystery = None
    env.state.mystery_timer = rules.MYSTERY_PERIOD
    play(env, view, [NOOP])
    assert "mystery" not in assets.looping


def test_kill_and_death_sounds(tmp_path):
    env, view, assets = make_view(tmp_path)
    state = env.state
    # An alien straight above the cannon's gun and a bomb about to land on the cannon.
    x, _, w, _ = rules.alien_rect(state, state.rows - 1, 5)
    state.player_x = x + w // 2 - rules.PLAYER_WIDTH // 2
    play(env, view, [FIRE] * 80)
    assert "alien_explode" in assets.played
    state.bombs = [rules.Bomb(state.player_x + 4, rules.PLAYER_Y - 6, rules.PLUNGER)]
    play(env, view, [NOOP] * 6)
    assert "player_explode" in assets.played


def test_no_audio_device_means_silence(monkeypatch, tmp_path):
    def no_device(*args, **kwargs):
        raise pygame.error("No available audio device")

    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", no_device)
    assets = Assets()
    assert not assets.audio
    env = InvadersEnv()
    env.reset(seed=1)
    env.state.mystery_timer = 5
    view = InvadersView(env, assets)
    play(env, view, [FIRE, LEFT_FIRE, RIGHT_FIRE] * 100)
    view.on_reset()


def test_hiscore_shown_is_the_one_the_scene_gives(tmp_path):
    """The view shows :attr:`best_score` and nothing else: not the score of the game it
    draws (an agent's, perhaps), and it keeps nothing on disk."""
    env, view, _ = make_view(tmp_path)
    rect = RECTS[0]
    env.state.score = 500

    def hiscore_drawn(digits: str) -> bool:
        mask = sprites.text_mask(digits)
        x0 = (SCREEN_W - mask.shape[1]) // 2
        surface = render(view, rect)
        return all(
            (pixel(view, surface, rect, x0 + x, 16 + y) == GREEN) == mask[y, x]
            for y, x in np.ndindex(mask.shape)
        )

    assert hiscore_drawn("00000") and not hiscore_drawn("00500")
    view.best_score = 1230
    assert hiscore_drawn("01230")
    assert list(tmp_path.iterdir()) == []


def test_game_over_banner_and_status(tmp_path):
    env, view, _ = make_view(tmp_path)
    assert "Lives 3" in view.status()
    env.state.landed = True
    rect = RECTS[0]
    surface = render(view, rect)
    assert "landed" in view.status()
    banner = sprites.text_mask("GAME OVER")
    x0 = (SCREEN_W - banner.shape[1]) // 2
    ys, xs = np.nonzero(banner)
    assert all(
        pixel(view, surface, rect, x0 + x, rules.MYSTERY_Y + y)[0] > 200
        for y, x in zip(ys[:20], xs[:20], strict=True)
    )


def test_sprites_are_well_formed():
    for frames in (*sprites.ALIENS, sprites.CANNON_EXPLOSION, sprites.MYSTERY, *sprites.BOMBS):
        shapes = {sprites.to_mask(a).shape for a in frames}
        assert len(shapes) == 1  # every animation frame the same size
        assert len({tuple(a) for a in frames}) == len(frames)  # and each frame different
    for kind, frames in enumerate(sprites.ALIENS):
        # The art fits the rules' hitbox for its kind.
        assert sprites.to_mask(frames[0]).shape == (rules.ALIEN_HEIGHT, rules.KIND_WIDTHS[kind])
    assert sprites.to_mask(sprites.CANNON).shape == (rules.PLAYER_HEIGHT, rules.PLAYER_WIDTH)
    assert sprites.to_mask(sprites.MYSTERY[0]).shape == (
        rules.MYSTERY_HEIGHT,
        rules.MYSTERY_WIDTH,
    )
    assert len(sprites.BOMBS) == 3
    for frames in sprites.BOMBS:
        assert sprites.to_mask(frames[0]).shape == (rules.BOMB_HEIGHT, rules.BOMB_WIDTH)
    with pytest.raises(ValueError, match="one width"):
        sprites.to_mask(("XX", "X"))
    text = sprites.text_mask("HI-SCORE 0123456789")
    assert text.shape == (sprites.GLYPH_H, 19 * 6 - 1)


def test_wave_banner_after_a_cleared_wave(tmp_path):
    env, view, assets = make_view(tmp_path)
    rect = RECTS[0]
    banner = sprites.text_mask("WAVE 1")
    x0 = (SCREEN_W - banner.shape[1]) // 2
    y, x = np.argwhere(banner)[0]
    assert pixel(view, render(view, rect), rect, x0 + x, rules.MYSTERY_Y + y) == BLACK
    cleared = rules.WaveCleared(env.state.tick, wave=1)
    view.on_step(NOOP, (env.observe(), 0.0, False, False, {"events": [cleared]}))
    assert pixel(view, render(view, rect), rect, x0 + x, rules.MYSTERY_Y + y) == YELLOW
    assert "wave_clear" in assets.played
    for _ in range(200):
        surface = render(view, rect)
    assert pixel(view, surface, rect, x0 + x, rules.MYSTERY_Y + y) == BLACK


def test_warble_stops_while_paused(tmp_path):
    env, view, assets = make_view(tmp_path)
    env.state.mystery_timer = 1
    play(env, view, [NOOP] * 2)
    assert "mystery" in assets.looping
    surface = pygame.Surface((224, 256))
    for _ in range(60):  # drawn, never stepped: the app is paused
        view.draw(surface, surface.get_rect())
    assert "mystery" not in assets.looping
    play(env, view, [NOOP])
    assert "mystery" in assets.looping


def alien_burst_lit(view: InvadersView, rect: pygame.Rect, x: int, y: int, kind: int) -> bool:
    """Whether the explosion of an alien of ``kind`` killed at (x, y) is drawn."""
    burst = sprites.to_mask(sprites.ALIEN_EXPLOSION)
    left = x + rules.KIND_WIDTHS[kind] // 2 - burst.shape[1] // 2
    surface = render(view, rect)
    return all(
        pixel(view, surface, rect, left + bx, y + by) == ALIEN_COLOURS[kind]
        for by, bx in np.argwhere(burst)
    )


@pytest.mark.parametrize("told", [True, False], ids=["on_step", "training loop"])
def test_explosion_drawn_from_the_step_events_for_its_time(tmp_path, told):
    """A killed alien bursts where it was, in its colour, for 16 ticks; the view reads the
    events from the env, so a game stepped by a training loop (nobody calls on_step)
    shows them too. The rules keep nothing of it."""
    env, view, _ = make_view(tmp_path)
    state = env.state
    state.bomb_timer = 10**6
    row, col = state.rows - 1, 4
    kind = state.kinds[row]
    x, y, w, _ = rules.alien_rect(state, row, col)
    state.shot = rules.Shot(x + w // 2, y + rules.ALIEN_HEIGHT + 1)
    rect = RECTS[0]

    def step() -> None:
        result = env.step(NOOP)
        if told:
            view.on_step(NOOP, result)

    step()
    assert not state.alive[row, col]
    (killed,) = [e for e in env.events if isinstance(e, rules.AlienKilled)]
    assert (killed.x, killed.y, killed.alien) == (x, y, kind)
    assert not hasattr(state, "explosions")
    for _ in range(16):
        assert alien_burst_lit(view, rect, x, y, kind)
        step()
    assert not alien_burst_lit(view, rect, x, y, kind)


def test_explosions_end_with_their_game(tmp_path):
    """A new game starts without the last one's explosions, even if nobody says so
    (Learn's trainer resets the env itself)."""
    env, view, _ = make_view(tmp_path)
    env.state.shot = rules.Shot(100, rules.SHOT_CEILING + 2)
    env.step(NOOP)
    rect = RECTS[0]
    burst = sprites.to_mask(sprites.SHOT_EXPLOSION)
    by, bx = np.argwhere(burst)[0]
    left, top = 100 - burst.shape[1] // 2, rules.SHOT_CEILING - burst.shape[0] // 2
    assert pixel(view, render(view, rect), rect, left + bx, top + by) == RED
    env.reset(seed=1)
    env.step(NOOP)
    assert pixel(view, render(view, rect), rect, left + bx, top + by) == BLACK
