"""Invaders: table-driven rule tests, the env's contract, determinism, a random-play soak,
and the scripted player against the random one."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from qarcade import games
from qarcade.agents.random_agent import RandomAgent
from qarcade.agents.scripted import ScriptedInvadersAgent
from qarcade.games.core import GameError, GameOverError, IllegalActionError, OptionError
from qarcade.games.invaders import env as inv
from qarcade.games.invaders import pixels, rules
from qarcade.games.invaders.env import InvadersEnv
from qarcade.games.invaders.rules import Bomb, Event, InvadersState, Mystery, Shot

NEVER = 10**9


def quiet_game(rows: int = 5, cols: int = 11) -> InvadersState:
    """A new game in which the formation, the bombs and the mystery ship stay put
    until the test says otherwise."""
    state = rules.new_game(rows, cols)
    state.march_timer = NEVER
    state.bomb_timer = NEVER
    state.mystery_timer = NEVER
    return state


def run(
    state: InvadersState, ticks: int, move: int = 0, fire: bool = False, seed: int = 0
) -> tuple[int, list[Event]]:
    """Tick ``ticks`` times; return the points scored and the events."""
    rng = np.random.default_rng(seed)
    events: list[Event] = []
    points = 0
    for _ in range(ticks):
        points += rules.tick(state, move, fire, rng, events)
    return points, events


def kinds_of(events: list[Event]) -> list[type[Event]]:
    return [type(e) for e in events]


def shot_below(state: InvadersState, row: int, col: int) -> Shot:
    """A shot that reaches the alien at (row, col) on the next tick."""
    x, y, w, h = rules.alien_rect(state, row, col)
    return Shot(x + w // 2, y + h + 2)


# ----------------------------------------------------------------------- scoring
@pytest.mark.parametrize(
    ("rows", "row", "points"),
    [
        (5, 0, 30),
        (5, 1, 20),
        (5, 2, 20),
        (5, 3, 10),
        (5, 4, 10),
        (3, 0, 30),
        (3, 1, 20),
        (3, 2, 10),
        (1, 0, 10),
    ],
)
def test_shot_kills_alien_and_scores_by_row(rows: int, row: int, points: int) -> None:
    state = quiet_game(rows, 11)
    col = 4
    alive = np.ones((rows, 11), dtype=bool)
    alive[row + 1 :, col] = False
    rules.set_alive(state, alive)
    state.shot = shot_below(state, row, col)
    scored, events = run(state, 1)
    assert scored == points and state.score == points
    assert not state.alive[row, col]
    assert state.alive_count == alive.sum() - 1
    assert state.shot is None
    (killed,) = [e for e in events if isinstance(e, rules.AlienKilled)]
    x, y, _, _ = rules.alien_rect(state, row, col)
    assert killed == rules.AlienKilled(state.tick, x, y, alien=state.kinds[row], points=points)


def test_shot_is_stopped_by_the_lowest_alien_of_its_column() -> None:
    state = quiet_game()
    state.shot = shot_below(state, 4, 3)
    state.shot.y += 40
    scored, _ = run(state, 12)
    assert scored == 10
    assert not state.alive[4, 3] and state.alive[:4, 3].all()


def test_shot_between_columns_misses() -> None:
    state = quiet_game()
    x, y, w, _ = rules.alien_rect(state, 4, 3)
    state.shot = Shot(x + w + 1, y + 10)  # in the gap between columns 3 and 4
    _, events = run(state, 60)
    assert state.alive.all() and state.score == 0
    assert rules.ShotMissed in kinds_of(events)


# ----------------------------------------------------------------------- the march
@pytest.mark.parametrize(
    ("alive_cols", "direction", "start_x", "end_x", "dy", "end_direction"),
    [
        ("all", 1, 40, 42, 0, 1),  # right edge at 214: room for one more step
        ("all", 1, 42, 42, rules.MARCH_DY, -1),  # right edge at 216: down and back
        ("all", -1, 8, 6, 0, -1),  # left edge at 10
        ("all", -1, 6, 6, rules.MARCH_DY, 1),  # left edge at 8
        ("middle", 1, 120, 122, 0, 1),  # only column 5 alive: it marches further
        ("middle", 1, 122, 122, rules.MARCH_DY, -1),
        ("middle", -1, -74, -74, rules.MARCH_DY, 1),
    ],
)
def test_march_steps_down_and_turns_at_the_edges(
    alive_cols: str, direction: int, start_x: int, end_x: int, dy: int, end_direction: int
) -> None:
    state = quiet_game()
    if alive_cols == "middle":
        alive = np.zeros((5, 11), dtype=bool)
        alive[:, 5] = True
        rules.set_alive(state, alive)
    state.formation_x, state.march_dir, state.march_timer = start_x, direction, 1
    start_y = state.formation_y
    _, events = run(state, 1)
    assert (state.formation_x, state.formation_y - start_y) == (end_x, dy)
    assert state.march_dir == end_direction
    assert rules.March in kinds_of(events)
    left, right, _ = rules.formation_extent(state)
    assert left >= rules.PLAYFIELD_LEFT and right <= rules.PLAYFIELD_RIGHT


def test_march_alternates_the_animation_frame() -> None:
    state = quiet_game()
    state.march_timer = 1
    frames = []
    for _ in range(4):
        run(state, state.march_timer)
        frames.append(state.anim_frame)
    assert frames == [1, 0, 1, 0]


@pytest.mark.parametrize("alive_count", [55, 40, 20, 5, 1])
def test_march_speeds_up_as_aliens_die(alive_count: int) -> None:
    state = quiet_game()
    alive = np.zeros(55, dtype=bool)
    alive[:alive_count] = True
    rules.set_alive(state, alive.reshape(5, 11))
    state.march_timer = 1
    ticks_of_march = []
    for t in range(3 * alive_count + 2):
        _, events = run(state, 1)
        if rules.March in kinds_of(events):
            ticks_of_march.append(t)
    # One step every `alive` ticks: the arcade moves one alien per frame.
    assert np.diff(ticks_of_march).tolist() == [alive_count] * (len(ticks_of_march) - 1)
    assert len(ticks_of_march) >= 3


# ----------------------------------------------------------------------- bombs
@pytest.mark.parametrize("seed", range(6))
def test_bombs_drop_only_from_the_lowest_alien_of_a_column(seed: int) -> None:
    state = quiet_game()
    mask_rng = np.random.default_rng(seed)
    alive = mask_rng.random((5, 11)) < 0.4
    alive[0, 0] = True
    rules.set_alive(state, alive)
    state.bomb_timer = 1
    state.player_x = rules.PLAYER_MAX_X  # out of the way: it need not survive anyway
    drops = []
    for _ in range(1500):
        _, events = run(state, 1, seed=seed)
        drops += [e for e in events if isinstance(e, rules.BombDropped)]
        assert len(state.bombs) <= rules.MAX_BOMBS
    assert len(drops) >= 10
    for drop in drops:
        rel = drop.x - state.formation_x - (rules.ALIEN_CELL - rules.BOMB_WIDTH) // 2
        assert rel % rules.ALIEN_CELL == 0
        col = rel // rules.ALIEN_CELL
        rows_alive = np.flatnonzero(alive[:, col])
        assert len(rows_alive), f"bomb from empty column {col}"
        lowest = rows_alive[-1]
        assert drop.y == state.formation_y + lowest * rules.ALIEN_CELL + rules.ALIEN_HEIGHT


def test_the_rolling_bomb_aims_at_the_player() -> None:
    state = quiet_game()
    state.bomb_timer = 1
    state.next_bomb_kind = rules.ROLLING
    x, _, w, _ = rules.alien_rect(state, 4, 7)
    state.player_x = x + w // 2 - rules.PLAYER_WIDTH // 2
    _, events = run(state, 1)
    (drop,) = [e for e in events if isinstance(e, rules.BombDropped)]
    assert drop.bomb == rules.ROLLING and drop.tick == state.tick
    assert abs(drop.x + 1 - (state.player_x + rules.PLAYER_WIDTH // 2)) <= 2


# ----------------------------------------------------------------------- the player's shot
def test_one_shot_on_screen_at_a_time() -> None:
    state = quiet_game()
    _, events = run(state, 10, fire=True)
    assert kinds_of(events).count(rules.ShotFired) == 1
    assert state.shots_fired == 1
    first = state.shot
    assert first is not None and first.y == rules.PLAYER_Y - rules.SHOT_HEIGHT * 11
    # Once it is gone, FIRE works again.
    while state.shot is not None:
        run(state, 1)
    _, events = run(state, 1, fire=True)
    assert kinds_of(events) == [rules.ShotFired] and state.shots_fired == 2


@pytest.mark.parametrize(("move", "end_x"), [(-1, rules.PLAYER_MIN_X), (1, rules.PLAYER_MAX_X)])
def test_the_player_stays_on_the_playfield(move: int, end_x: int) -> None:
    state = quiet_game()
    run(state, 300, move=move)
    assert state.player_x == end_x


# ----------------------------------------------------------------------- shields
@pytest.mark.parametrize("missile", ["shot", "bomb"])
def test_shields_erode_piece_by_piece(missile: str) -> None:
    state = quiet_game()
    shield = 1
    x = rules.SHIELD_XS[shield] + 7
    full = int(state.shields[shield].sum())
    splat = rules.SHOT_SPLAT if missile == "shot" else rules.BOMB_SPLAT
    counts = [full]
    for _ in range(40):
        if missile == "shot":
            state.shot = Shot(x, rules.SHIELD_Y + rules.SHIELD_HEIGHT + 2)
        else:
            state.bombs = [Bomb(x - 1, rules.SHIELD_Y - rules.BOMB_HEIGHT - 2, rules.PLUNGER)]
        _, events = run(state, 30)
        if rules.ShieldHit not in kinds_of(events):
            break  # the missile went straight through: a hole
        counts.append(int(state.shields[shield].sum()))
    removed = -np.diff(counts)
    assert len(removed) >= 2, "one hit must not make a hole at once"
    assert (removed > 0).all() and (removed <= splat.sum()).all()
    assert counts[-1] > full // 2, "other parts of the shield are still standing"
    assert len(counts) < 41, "repeated hits in one place make a hole"
    others = [i for i in range(4) if i != shield]
    assert (state.shields[others] == rules.SHIELD_SHAPE).all()


def test_aliens_crush_the_shields_they_march_through() -> None:
    state = quiet_game()
    state.formation_y = rules.SHIELD_Y - 4 * rules.ALIEN_CELL - 2
    state.march_timer = 1
    before = int(state.shields.sum())
    run(state, 1)
    assert int(state.shields.sum()) < before


# ----------------------------------------------------------------------- mystery ship
@pytest.mark.parametrize(
    ("shots_fired", "points"), [(1, 50), (8, 300), (15, 100), (23, 300), (10, 100), (12, 50)]
)
def test_mystery_ship_points(shots_fired: int, points: int) -> None:
    """The arcade's table, indexed by the shots fired so far (the 23rd shot is worth 300)."""
    state = quiet_game()
    state.shots_fired = shots_fired
    state.mystery = Mystery(100, 1)
    state.shot = Shot(108, rules.MYSTERY_Y + rules.MYSTERY_HEIGHT + 2)
    scored, events = run(state, 1)
    assert 50 <= scored <= 300
    assert scored == points == state.score
    assert state.mystery is None and state.shot is None
    assert [e.points for e in events if isinstance(e, rules.MysteryHit)] == [points]


def test_mystery_ship_appears_crosses_and_leaves() -> None:
    state = quiet_game()
    state.mystery_timer = 1
    _, events = run(state, 1)
    assert rules.MysteryAppeared in kinds_of(events) and state.mystery is not None
    crossing = 0
    while state.mystery is not None:
        run(state, 1)
        crossing += 1
    assert crossing == rules.PLAYFIELD_RIGHT - rules.PLAYFIELD_LEFT - rules.MYSTERY_WIDTH + 1
    assert state.mystery_timer == rules.MYSTERY_PERIOD


def test_no_mystery_ship_with_few_aliens() -> None:
    state = quiet_game()
    alive = np.zeros((5, 11), dtype=bool)
    alive[0, : rules.MYSTERY_MIN_ALIENS - 1] = True
    rules.set_alive(state, alive)
    state.mystery_timer = 1
    run(state, 1)
    assert state.mystery is None


# ----------------------------------------------------------------------- lives
@pytest.mark.parametrize(("lives", "game_over"), [(3, False), (2, False), (1, True)])
def test_bomb_hit_costs_a_life(lives: int, game_over: bool) -> None:
    state = quiet_game()
    state.lives = lives
    state.bombs = [Bomb(state.player_x + 5, rules.PLAYER_Y - rules.BOMB_HEIGHT - 1, 0)]
    state.shot = Shot(50, 150)
    _, events = run(state, rules.BOMB_PERIOD)
    assert state.lives == lives - 1
    assert rules.PlayerHit in kinds_of(events)
    assert state.bombs == [] and state.shot is None
    assert state.game_over is game_over
    if game_over:
        return
    # The world pauses while the player explodes, then the player comes back.
    state.march_timer = 1
    x = state.formation_x
    assert not state.player_alive
    _, events = run(state, rules.RESPAWN_TICKS)
    assert state.formation_x == x
    assert state.player_alive and rules.PlayerRespawned in kinds_of(events)
    assert state.player_x == rules.PLAYER_START_X


def test_bomb_beside_the_player_misses() -> None:
    state = quiet_game()
    state.bombs = [Bomb(state.player_x + rules.PLAYER_WIDTH + 1, rules.PLAYER_Y - 10, 0)]
    _, events = run(state, 40)
    assert state.lives == rules.LIVES and rules.BombGrounded in kinds_of(events)


# ----------------------------------------------------------------------- game over, waves
def test_game_over_when_the_aliens_land() -> None:
    state = quiet_game()
    # Bottom row's bottom one step above the player's row, at the right edge.
    state.formation_y = rules.PLAYER_Y - rules.MARCH_DY - 4 * rules.ALIEN_CELL - 8
    state.formation_x = 42
    state.march_timer = 1
    _, events = run(state, 1)
    assert state.landed and state.game_over and state.lives == rules.LIVES
    assert kinds_of(events)[-2:] == [rules.AliensLanded, rules.GameOver]


@pytest.mark.parametrize(
    ("wave", "top"), [(1, 64), (2, 88), (3, 104), (4, 112), (6, 112), (7, 120), (30, 120)]
)
def test_each_wave_starts_lower(wave: int, top: int) -> None:
    state = quiet_game()
    state.wave = wave
    rules.start_wave(state)
    assert state.formation_y == top
    assert state.alive.all() and state.alive_count == 55


def test_clearing_a_wave_starts_the_next() -> None:
    state = quiet_game()
    alive = np.zeros((5, 11), dtype=bool)
    alive[0, 10] = True
    rules.set_alive(state, alive)
    state.shields[:] = False
    state.shot = shot_below(state, 0, 10)
    scored, events = run(state, 1)
    assert scored == 30
    assert state.wave == 2 and rules.WaveCleared(state.tick, wave=1) in events
    assert state.alive.all() and state.formation_y == rules.FORMATION_TOP + 24
    assert (state.shields == rules.SHIELD_SHAPE).all()


# ----------------------------------------------------------------------- the env
@pytest.mark.parametrize(
    "options",
    [
        {"preset": "huge"},
        {"rows": 0},
        {"cols": 12},
        {"rows": 2.5},
        {"frame_skip": 0},
        {"max_steps": 0},
        {"obs_mode": "rgb"},
        {"frame_stack": 0},
        {"life_penalty": -1},
        {"life_penalty": float("nan")},
        {"life_penalty": True},
    ],
)
def test_bad_options_raise(options: dict) -> None:
    with pytest.raises(OptionError):
        games.make("invaders", **options)


@pytest.mark.parametrize(
    ("options", "shape", "dtype"),
    [
        ({}, (inv.F_COLUMNS + 11,), np.float32),
        ({"preset": "small"}, (inv.F_COLUMNS + 6,), np.float32),
        ({"rows": 2, "cols": 4}, (inv.F_COLUMNS + 4,), np.float32),
        ({"obs_mode": "pixels"}, (4, 64, 56), np.uint8),
        ({"obs_mode": "pixels", "frame_stack": 2, "preset": "small"}, (2, 64, 56), np.uint8),
    ],
)
def test_observation_shapes_and_bounds(options: dict, shape: tuple, dtype: type) -> None:
    env = games.make("invaders", **options)
    assert env.observation_shape == shape and env.observation_dtype == dtype
    obs, info = env.reset(seed=3)
    rng = np.random.default_rng(0)
    for _ in range(300):
        assert obs.shape == shape and obs.dtype == dtype
        assert env.observation_low <= obs.min() and obs.max() <= env.observation_high
        assert info["action_mask"].tolist() == [True] * 6
        obs, _, _, _, info = env.step(int(rng.integers(6)))
    if options.get("obs_mode") != "pixels":
        assert len(inv.feature_names(env.cols)) == shape[0]


def test_options_are_recorded_as_plain_values() -> None:
    env = games.make("invaders", preset="small", rows=np.int64(2), max_steps=np.int32(9))
    assert env.options == {
        "preset": "small",
        "rows": 2,
        "cols": 6,
        "frame_skip": 1,
        "max_steps": 9,
        "obs_mode": "features",
        "frame_stack": 4,
        "life_penalty": 0.0,
    }
    assert all(type(v) in (str, int, float) for v in env.options.values())
    assert games.make("invaders", **env.options).observation_shape == env.observation_shape


def test_actions() -> None:
    env = InvadersEnv()
    assert env.num_actions == 6
    assert env.action_names == ("NOOP", "LEFT", "RIGHT", "FIRE", "LEFT+FIRE", "RIGHT+FIRE")
    assert tuple(range(6)) == (
        inv.NOOP,
        inv.LEFT,
        inv.RIGHT,
        inv.FIRE,
        inv.LEFT_FIRE,
        inv.RIGHT_FIRE,
    )


def test_danger_says_how_soon_each_move_is_hit() -> None:
    """A bomb 20 px above the cannon, straight over its centre: staying is hit after
    20 / (4/3) = 15 ticks (danger 1 - 15/60 = 0.75); fleeing left or right sweeps the
    cannon 15 px aside by then, clear of it. Against the left wall, fleeing left is
    staying. A bomb too high (beyond 60 ticks) or one already past is no danger."""
    env = InvadersEnv()
    env.reset(seed=0)
    s = env.state
    s.bomb_timer = s.march_timer = NEVER
    centre = s.player_x + rules.PLAYER_WIDTH / 2
    top = rules.PLAYER_Y - rules.BOMB_HEIGHT  # a bomb's y when its bottom meets the cannon
    bomb_x = round(centre - rules.BOMB_WIDTH / 2)
    s.bombs = [Bomb(bomb_x, top - 20, 0)]
    danger = env.observe()[inv.F_DANGER : inv.F_DANGER + 3]
    assert danger == pytest.approx([0.0, 0.75, 0.0], abs=0.02)
    s.player_x = rules.PLAYER_MIN_X
    s.bombs = [Bomb(rules.PLAYER_MIN_X + 5, top - 20, 0)]
    left, stay, right = env.observe()[inv.F_DANGER : inv.F_DANGER + 3]
    assert left == stay == pytest.approx(0.75) and right == 0.0
    # A bomb 4 px beside where "right" would take the cannon: only that move is hit.
    s.bombs = [Bomb(rules.PLAYER_MIN_X + 30, top - 12, 0)]
    left, stay, right = env.observe()[inv.F_DANGER : inv.F_DANGER + 3]
    assert left == stay == 0.0 and right == pytest.approx(1 - 9 / 60)
    s.bombs = [Bomb(bomb_x, top - 100, 0), Bomb(bomb_x, rules.PLAYER_Y + rules.PLAYER_HEIGHT, 0)]
    assert (env.observe()[inv.F_DANGER : inv.F_DANGER + 3] == 0.0).all()
    assert inv.feature_names(11)[inv.F_DANGER : inv.F_DANGER + 3] == (
        "danger_left",
        "danger_stay",
        "danger_right",
    )


def test_features_describe_the_state() -> None:
    env = InvadersEnv()
    env.reset(seed=0)
    s = env.state
    s.bomb_timer = s.march_timer = NEVER
    s.bombs = [Bomb(s.player_x + 20, 150, 0), Bomb(s.player_x - 30, 190, 1)]
    env.step(inv.FIRE)
    obs = env.observe()
    width = rules.SCREEN_WIDTH
    px = s.player_x + rules.PLAYER_WIDTH // 2
    assert obs[inv.F_PLAYER_X] == pytest.approx(2 * px / width - 1)
    assert obs[inv.F_SHOT_ACTIVE] == 1.0 and obs[inv.F_PLAYER_READY] == 1.0
    # The sooner bomb (lower on screen) comes first, on the player's left.
    first, second = inv.F_BOMBS, inv.F_BOMBS + inv.BOMB_FEATURES
    assert obs[first + inv.BOMB_PRESENT] == obs[second + inv.BOMB_PRESENT] == 1.0
    assert obs[first + inv.BOMB_DX] < 0 < obs[second + inv.BOMB_DX]
    assert 0 < obs[first + inv.BOMB_DY] < obs[second + inv.BOMB_DY]
    assert obs[first + 2 * inv.BOMB_FEATURES + inv.BOMB_PRESENT] == 0.0
    # The nearest column to the player at the start is column 0.
    col0 = s.formation_x + rules.ALIEN_CELL // 2
    assert obs[inv.F_TARGET_DX] * width == pytest.approx(col0 - px)
    columns = obs[inv.F_COLUMNS :]
    assert (columns == columns[0]).all() and columns[0] > -1
    # Without the bottom row and column 3, the columns report the row above, and -1.
    alive = np.ones((5, 11), dtype=bool)
    alive[4, :] = alive[:, 3] = False
    rules.set_alive(s, alive)
    columns = env.observe()[inv.F_COLUMNS :]
    bottom = s.formation_y + 3 * rules.ALIEN_CELL + rules.ALIEN_HEIGHT
    assert columns[3] == -1.0
    assert columns[0] == pytest.approx(2 * bottom / rules.SCREEN_HEIGHT - 1)


def reference_features(s: InvadersState) -> dict[int, float]:
    """The fixed features computed the slow, obvious way from the state."""
    w, h = rules.SCREEN_WIDTH, rules.SCREEN_HEIGHT
    px = s.player_x + rules.PLAYER_WIDTH // 2
    living = [c for c in range(s.cols) if s.alive[:, c].any()]
    centres = {c: s.formation_x + c * rules.ALIEN_CELL + rules.ALIEN_CELL // 2 for c in living}
    target = min(living, key=lambda c: (abs(centres[c] - px), c))
    lowest = max(np.flatnonzero(s.alive[:, target]))
    left, right, bottom = rules.formation_extent(s)
    out = {
        inv.F_PLAYER_X: 2 * px / w - 1,
        inv.F_TARGET_DX: (centres[target] - px) / w,
        inv.F_TARGET_Y: 2 * (s.formation_y + lowest * 16 + rules.ALIEN_HEIGHT) / h - 1,
        inv.F_FORMATION_LEFT: 2 * left / w - 1,
        inv.F_FORMATION_RIGHT: 2 * right / w - 1,
        inv.F_FORMATION_BOTTOM: 2 * bottom / h - 1,
        inv.F_ALIVE_FRACTION: s.alive.mean(),
        inv.F_MARCH_SPEED: 1 / s.alive.sum(),
        inv.F_SHOT_ACTIVE: float(s.shot is not None),
        inv.F_MYSTERY_ACTIVE: float(s.mystery is not None),
    }
    shield_above = any(
        sx <= px < sx + rules.SHIELD_WIDTH and s.shields[i, :, px - sx].any()
        for i, sx in enumerate(rules.SHIELD_XS)
    )
    out[inv.F_SHIELD_ABOVE] = float(shield_above)
    return out


def test_features_match_a_direct_computation() -> None:
    env = InvadersEnv()
    obs, _ = env.reset(seed=4)
    rng = np.random.default_rng(4)
    checked = 0
    for step in range(6000):
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(6)))
        if terminated or truncated:
            obs, _ = env.reset()
        if step % 300 == 0:
            # Random formations cover the column cache and the target search.
            alive = rng.random((5, 11)) < rng.random()
            alive[rng.integers(5), rng.integers(11)] = True
            rules.set_alive(env.state, alive)
            obs = env.observe()
        if step % 7:
            continue
        for index, value in reference_features(env.state).items():
            assert obs[index] == pytest.approx(value, abs=1e-6), inv.feature_names(11)[index]
        checked += 1
    assert checked > 800


def test_fire_while_a_shot_flies_is_legal_and_does_nothing() -> None:
    env = InvadersEnv()
    env.reset(seed=0)
    env.step(inv.FIRE)
    _, _, _, _, info = env.step(inv.FIRE)
    assert info["action_mask"].all()
    assert env.state.shots_fired == 1
    assert not any(isinstance(e, rules.ShotFired) for e in info["events"])


def test_frame_skip_repeats_the_action() -> None:
    env = InvadersEnv(frame_skip=4)
    env.reset(seed=0)
    x = env.state.player_x
    env.step(inv.RIGHT)
    assert env.state.tick == 4 and env.state.player_x == x + 4


def test_max_steps_truncates() -> None:
    env = InvadersEnv(max_steps=50)
    env.reset(seed=0)
    for _ in range(49):
        *_, truncated, _ = env.step(inv.NOOP)
        assert not truncated
    *_, truncated, _ = env.step(inv.NOOP)
    assert truncated and env.done
    with pytest.raises(GameOverError):
        env.step(inv.NOOP)


@pytest.mark.parametrize("penalty", [0.0, 25.0])
def test_reward_is_the_points_scored_minus_the_life_penalty(penalty: float) -> None:
    env = InvadersEnv(life_penalty=penalty)
    env.reset(seed=0)
    s = env.state
    s.bomb_timer = s.march_timer = NEVER
    s.shot = shot_below(s, 4, 2)
    s.bombs = [Bomb(s.player_x + 5, rules.PLAYER_Y - rules.BOMB_HEIGHT - 1, 0)]
    total = 0.0
    for _ in range(rules.BOMB_PERIOD):
        _, reward, _, _, info = env.step(inv.NOOP)
        total += reward
    assert info["lives"] == 2 and info["score"] == 10
    assert total == 10 - penalty


def test_terminated_when_the_aliens_land_which_costs_every_life_left() -> None:
    """Landing ends the game: the reward takes the life penalty for each life left (two
    here), as if they had been lost one by one; the score and lives shown stay as they
    were."""
    env = InvadersEnv(life_penalty=25.0)
    env.reset(seed=0)
    s = env.state
    s.lives = 2
    s.formation_y = rules.PLAYER_Y - rules.MARCH_DY - 4 * rules.ALIEN_CELL - 8
    s.formation_x, s.march_timer, s.bomb_timer = 42, 1, NEVER
    _, reward, terminated, truncated, info = env.step(inv.NOOP)
    assert terminated and not truncated and not info["action_mask"].any()
    assert any(isinstance(e, rules.AliensLanded) for e in info["events"])
    assert reward == -50.0 and info["lives"] == 2 and info["score"] == 0


def test_bad_actions_raise_and_leave_the_state_alone() -> None:
    env = InvadersEnv()
    env.reset(seed=0)
    env.step(inv.RIGHT_FIRE)
    before = env.snapshot()
    for action in (-1, 6, 2.5, "FIRE"):
        with pytest.raises(IllegalActionError):
            env.step(action)
    after = env.snapshot()
    assert after.fields["state"].tick == before.fields["state"].tick
    assert after.fields["state"].player_x == before.fields["state"].player_x


def rollout(env: InvadersEnv, seed: int, steps: int) -> list:
    obs, _ = env.reset(seed=seed)
    actions = np.random.default_rng(99).integers(0, 6, size=steps)
    trace = [obs]
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(int(a))
        trace.append((obs, reward, info["score"], info["lives"], info["events"]))
        if terminated or truncated:
            break
    return trace


def _same(a: list, b: list) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, np.ndarray):
            if not np.array_equal(x, y):
                return False
        elif not (np.array_equal(x[0], y[0]) and x[1:] == y[1:]):
            return False
    return True


@pytest.mark.parametrize(
    "options", [{}, {"preset": "small", "frame_skip": 3}, {"obs_mode": "pixels"}]
)
def test_same_seed_same_rollout(options: dict) -> None:
    steps = 400 if options.get("obs_mode") == "pixels" else 3000
    first = rollout(InvadersEnv(**options), 7, steps)
    assert _same(first, rollout(InvadersEnv(**options), 7, steps))
    assert not _same(first, rollout(InvadersEnv(**options), 8, steps))


def test_snapshot_restore_replays_the_same_future() -> None:
    env = InvadersEnv()
    env.reset(seed=5)
    for a in np.random.default_rng(0).integers(0, 6, size=500):
        env.step(int(a))
    snap = env.snapshot()
    actions = np.random.default_rng(1).integers(0, 6, size=800).tolist()

    def play() -> list:
        out = []
        for a in actions:
            obs, reward, terminated, _, _ = env.step(a)
            out.append((obs.tobytes(), reward))
            if terminated:
                break
        return out

    first = play()
    env.restore(snap)
    assert play() == first


def test_pixel_frames_stack_oldest_first() -> None:
    env = InvadersEnv(obs_mode="pixels", frame_stack=3)
    obs, _ = env.reset(seed=0)
    assert all(np.array_equal(obs[i], pixels.render(env.state)) for i in range(3))
    previous = obs
    for action in (inv.RIGHT, inv.FIRE, inv.RIGHT, inv.RIGHT):
        obs, *_ = env.step(action)
        assert np.array_equal(obs[:-1], previous[1:])
        assert np.array_equal(obs[-1], pixels.render(env.state))
        previous = obs
    # The player's cannon shows in the bottom rows of the frame, the aliens above it.
    frame = obs[-1]
    assert frame[rules.PLAYER_Y // pixels.DOWNSCALE].max() == pixels.SHADE_PLAYER
    top = env.state.formation_y // pixels.DOWNSCALE
    assert frame[top].max() == pixels.SHADE_ALIEN


def test_pixels_draw_the_formation_where_the_state_says() -> None:
    state = quiet_game()
    alive = np.zeros((5, 11), dtype=bool)
    alive[2, 3] = True
    rules.set_alive(state, alive)
    screen = pixels.render_screen(state)
    x, y, w, h = rules.alien_rect(state, 2, 3)
    region = screen[:200]  # above the shields
    ys, xs = np.nonzero(region == pixels.SHADE_ALIEN)
    assert (xs.min(), ys.min(), xs.max(), ys.max()) == (x, y, x + w - 1, y + h - 1)


# ----------------------------------------------------------------------- soak
def _check_invariants(env: InvadersEnv, obs: np.ndarray, last_score: int) -> int:
    s = env.state
    assert s.score >= last_score
    assert 0 <= s.lives <= rules.LIVES
    assert obs.dtype == np.float32 and not np.isnan(obs).any()
    assert obs.min() >= -1.0 and obs.max() <= 1.0
    extent = rules.formation_extent(s)
    assert extent is not None
    left, right, bottom = extent
    assert left >= rules.PLAYFIELD_LEFT and right <= rules.PLAYFIELD_RIGHT
    assert bottom <= rules.PLAYER_Y + rules.MARCH_DY
    assert s.alive_count == int(s.alive.sum())
    assert rules.PLAYER_MIN_X <= s.player_x <= rules.PLAYER_MAX_X
    assert len(s.bombs) <= rules.MAX_BOMBS
    return s.score


@pytest.mark.slow
@pytest.mark.parametrize(("preset", "steps"), [("arcade", 120_000), ("small", 80_000)])
def test_random_play_soak(preset: str, steps: int) -> None:
    """200,000 random steps over both formations with the invariants checked every step
    (about 10 s); benchmarks/env_speed.py runs longer."""
    env = InvadersEnv(preset=preset, max_steps=20_000)
    obs, _ = env.reset(seed=11)
    actions = np.random.default_rng(11).integers(0, 6, size=steps).tolist()
    score, episodes = 0, 0
    for a in actions:
        obs, reward, terminated, truncated, _ = env.step(a)
        assert reward >= 0
        score = _check_invariants(env, obs, score)
        if terminated or truncated:
            assert terminated == env.state.game_over
            obs, _ = env.reset()
            score, episodes = 0, episodes + 1
    assert episodes >= 5


def test_scripted_soak_reaches_later_waves() -> None:
    """The scripted player clears waves, so the soak covers wave changes too."""
    env = InvadersEnv(preset="small")
    agent = ScriptedInvadersAgent()
    obs, info = env.reset(seed=2)
    score, max_wave = 0, 1
    for _ in range(12_000):
        obs, _, terminated, truncated, info = env.step(agent.act(obs, info["action_mask"]))
        score = _check_invariants(env, obs, score)
        max_wave = max(max_wave, info["wave"])
        if terminated or truncated:
            break
    assert max_wave >= 3


# ----------------------------------------------------------------------- players
def mean_score(agent: object, preset: str, games_: int, seed: int) -> float:
    env = InvadersEnv(preset=preset)
    scores = []
    for g in range(games_):
        obs, info = env.reset(seed=seed + g)
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(
                agent.act(obs, info["action_mask"])  # type: ignore[attr-defined]
            )
            done = terminated or truncated
        scores.append(info["score"])
    return float(np.mean(scores))


@pytest.mark.slow
def test_scripted_player_beats_random() -> None:
    scripted = mean_score(ScriptedInvadersAgent(), "small", 4, seed=100)
    random = mean_score(RandomAgent(seed=0), "small", 4, seed=100)
    assert scripted > 3 * random > 0


def test_scripted_player_needs_features() -> None:
    env = InvadersEnv(obs_mode="pixels")
    obs, info = env.reset(seed=0)
    with pytest.raises(GameError, match="obs_mode='features'"):
        ScriptedInvadersAgent().act(obs, info["action_mask"])


def test_no_pygame_in_headless_play() -> None:
    code = (
        "import sys, numpy as np, games, agents.scripted\n"
        "env = games.make('invaders', obs_mode='pixels')\n"
        "env.reset(seed=0)\n"
        "for a in np.random.default_rng(0).integers(0, 6, 1000): env.step(int(a))\n"
        "assert 'pygame' not in sys.modules, 'pygame was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("preset", ["arcade", "small"])
def test_the_aliens_hold_fire_at_the_start_of_a_game(preset: str) -> None:
    """A person who has not moved yet is not shot at once: in every seed the first bomb
    drops after the grace, and a cannon that stands still keeps its lives until the
    first bomb has had time to fall (it lost one at tick 102 in every seed before)."""
    rows, cols = inv.PRESETS[preset]
    fall = (rules.PLAYER_Y - rules.FORMATION_TOP) // rules.BOMB_SPEED * rules.BOMB_PERIOD
    for seed in range(40):
        state = rules.new_game(rows, cols)
        rng = np.random.default_rng(seed)
        events: list[Event] = []
        while not state.bombs:
            rules.tick(state, 0, False, rng, events)
        assert state.tick == rules.FIRST_BOMB_TICKS
        while state.tick < rules.FIRST_BOMB_TICKS + fall:
            rules.tick(state, 0, False, rng, events)
        assert state.lives == rules.LIVES, seed
