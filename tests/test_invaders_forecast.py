"""Invaders forecasts (games.invaders.forecast) checked against the rules themselves: what
the real tick does from copies of states met in play, and hand-built cases."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from qarcade.games.invaders import env as inv
from qarcade.games.invaders import forecast, rules
from qarcade.games.invaders.env import InvadersEnv
from qarcade.games.invaders.rules import Bomb, InvadersState

NEVER = 10**9
MOVES = (-1, 0, 1)


def states_from_play(count: int, seed: int, every: int = 7) -> list[InvadersState]:
    """Copies of states a random player meets (every ``every``-th tick, a new game when
    one ends), the formation and the bombs as they come."""
    env = InvadersEnv(frame_skip=1, max_steps=None)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        for _ in range(every):
            _, _, terminated, _, _ = env.step(int(rng.integers(6)))
            if terminated:
                env.reset()
        out.append(copy.deepcopy(env.state))
    return out


def real_hits(state: InvadersState, ticks: int) -> np.ndarray:
    """(ticks + 1, cannon x) -> would a cannon standing at x at that tick be hit, by the
    real rules: for each x, a copy of the state with the cannon parked there, ticked
    with no input and no new bombs. (A bomb's path does not depend on the cannon, only
    whether it hits it, so the table answers for moving cannons too.)"""
    hits = np.zeros((ticks + 1, rules.PLAYER_MAX_X + 1), dtype=bool)
    rng = np.random.default_rng(0)
    for x in range(rules.PLAYER_MIN_X, rules.PLAYER_MAX_X + 1):
        s = copy.deepcopy(state)
        s.player_x = x
        s.bomb_timer = s.march_timer = s.mystery_timer = NEVER
        for t in range(1, ticks + 1):
            lives = s.lives
            rules.tick(s, 0, False, rng, [])
            if s.lives < lives:
                hits[t, x] = True
                break
    return hits


def brute_force_trapped(state: InvadersState, hold: int, ticks: int) -> list[bool]:
    """The same question as forecast.trapped (margin 0), answered by dynamic programming
    over every cannon position and tick on the real hit table."""
    hits = real_hits(state, ticks)
    low, high = rules.PLAYER_MIN_X, rules.PLAYER_MAX_X
    out = []
    for move in MOVES:
        x = state.player_x
        dead = False
        for t in range(1, hold + 1):
            x = min(max(state.player_x + move * t, low), high)
            dead = dead or hits[t, x]
        alive = np.zeros(high + 2, dtype=bool)
        alive[x] = not dead
        for t in range(hold + 1, ticks + 1):
            grown = alive.copy()
            grown[low:high] |= alive[low + 1 : high + 1]
            grown[low + 1 : high + 1] |= alive[low:high]
            alive = grown & ~np.pad(hits[t], (0, 1))
        out.append(not alive.any())
    return out


def test_trapped_agrees_with_the_rules_in_play() -> None:
    """On states met in random play, with bombs falling, 'no way out' is exactly what a
    search over every path on the real rules says (new bombs aside, which neither sees)."""
    checked = trapped_somewhere = 0
    for state in states_from_play(60, seed=1, every=23):
        if state.respawn_timer or not state.bombs:
            continue
        # Long enough for every bomb on screen to reach the ground.
        ticks = (rules.GROUND_Y - min(b.y for b in state.bombs)) * rules.BOMB_PERIOD // 4 + 3
        expected = brute_force_trapped(state, hold=4, ticks=ticks)
        assert forecast.trapped(state, MOVES, hold=4, margin=0) == expected
        checked += 1
        trapped_somewhere += any(expected)
    assert checked >= 30 and trapped_somewhere >= 1


def test_trapped_between_a_bomb_and_the_wall() -> None:
    """The cannon at the left wall, a bomb 3 ticks from its row just to its right:
    going right runs into it; staying (or 'going' left into the wall) is a pixel clear,
    which counts as no way out once the margin widens the bomb by a pixel. A second bomb
    far to the right changes nothing; one far up traps nothing."""
    state = rules.new_game()
    state.player_x = rules.PLAYER_MIN_X
    state.tick = 0  # bombs move (and are tested) on ticks divisible by BOMB_PERIOD
    # A bomb moves 4 px a step: from this height its first step (tick 3) takes it into
    # the cannon's row, where it stays for 4 steps (ticks 3, 6, 9, 12).
    y = rules.PLAYER_Y - rules.BOMB_HEIGHT - rules.BOMB_SPEED + 2
    bomb_x = rules.PLAYER_MIN_X + rules.PLAYER_WIDTH  # its left pixel 1 px right of the cannon
    state.bombs = [Bomb(bomb_x, y, 0)]
    lowest, highest = bomb_x - rules.PLAYER_WIDTH + 1, bomb_x + rules.BOMB_WIDTH - 1
    assert forecast.bomb_crossings(state, state.bombs[0]) == [
        (t, lowest, highest) for t in (3, 6, 9, 12)
    ]
    assert forecast.trapped(state, MOVES, hold=4, margin=0) == [False, False, True]
    assert forecast.trapped(state, MOVES, hold=4, margin=1) == [True, True, True]
    state.bombs.append(Bomb(150, y, 0))
    assert forecast.trapped(state, MOVES, hold=4, margin=0) == [False, False, True]
    state.bombs = [Bomb(bomb_x, 60, 0)]
    assert forecast.trapped(state, MOVES, hold=4) == [False, False, False]
    state.bombs = [Bomb(bomb_x, y, 0)]
    state.respawn_timer = 10
    assert forecast.trapped(state, MOVES, hold=4) == [False, False, False]


def test_a_shield_stops_the_bomb_it_stands_under() -> None:
    state = rules.new_game()
    x = rules.SHIELD_XS[1] + 8
    state.bombs = [Bomb(x, rules.SHIELD_Y - 30, 0)]
    assert forecast.bomb_crossings(state, state.bombs[0]) == []
    state.shields[1, :, 8:11] = False  # a hole right under it
    crossings = forecast.bomb_crossings(state, state.bombs[0])
    assert crossings and all(c[1:] == (x - rules.PLAYER_WIDTH + 1, x + 2) for c in crossings)


def real_shot(state: InvadersState, move: int) -> int:
    """Points the real rules give a shot fired on the next tick after moving ``move``
    (no bombs, so nothing else happens to the cannon or the shot)."""
    s = copy.deepcopy(state)
    s.bombs = []
    s.bomb_timer = NEVER
    rng = np.random.default_rng(0)
    points = rules.tick(s, move, True, rng, [])
    while s.shot is not None:
        points += rules.tick(s, 0, False, rng, [])
    return points


def test_shot_points_agree_with_the_rules_in_play() -> None:
    """What a shot fired now would score, on states met in play, equals what the real
    tick scores (aliens of the rows random play reaches, shields, misses)."""
    seen = set()
    for state in states_from_play(400, seed=2, every=5):
        if state.shot is not None or state.respawn_timer or not state.alive_count:
            continue
        xs = [min(max(state.player_x + m, rules.PLAYER_MIN_X), rules.PLAYER_MAX_X) for m in MOVES]
        predicted = forecast.shot_points(state, xs)
        assert predicted == [real_shot(state, m) for m in MOVES]
        seen.update(predicted)
    assert {0, 10, 20} <= seen


def test_shot_points_lead_the_march_and_see_shields() -> None:
    """A lone alien marching right 2 px a tick: a shot fired from straight under it
    misses (the alien has moved on when the shot gets there), one fired where the alien
    will be hits; so does one at the mystery ship's future place. A shot from under a
    shield hits the shield."""
    state = rules.new_game(1, 1)
    state.march_timer = state.alive_count = 1  # the formation steps every tick
    state.formation_x = 70  # both shots below fly up between shields
    half = rules.PLAYER_WIDTH // 2  # the shot flies up from the cannon's x + half
    under = state.formation_x + rules.ALIEN_CELL // 2 - half
    # The shot starts at PLAYER_Y - SHOT_HEIGHT and climbs 4 px a tick (moving first);
    # it first overlaps the alien (bottom at formation_y + 8) on tick 36, against the
    # formation as it stood after 35 steps.
    ticks = (rules.PLAYER_Y - rules.SHOT_HEIGHT - state.formation_y - rules.ALIEN_HEIGHT) // 4 + 1
    assert ticks == 36
    ahead = under + rules.MARCH_DX * (ticks - 1)
    assert forecast.shot_points(state, [under, ahead]) == [0, 10]
    beneath_shield = rules.SHIELD_XS[0] + 4 - half
    assert forecast.shot_points(state, [beneath_shield]) == [0]
    assert forecast.shield_above(state, rules.SHIELD_XS[0] + 4)
    empty = copy.deepcopy(state)
    rules.set_alive(empty, np.zeros((1, 1), dtype=bool))
    assert forecast.shot_points(empty, [under, ahead]) == [0, 0]
    assert not forecast.firing_solutions(empty).any()
    # The mystery ship (y 40..47) moving left 1 px a tick; the shot meets its row after
    # (212 - 44) / 4 = 42 ticks, the ship having moved 41 px by then.
    state.formation_x = rules.PLAYFIELD_LEFT  # out of the way, and now standing still
    state.march_timer = NEVER
    state.mystery = rules.Mystery(147, -1)
    state.shots_fired = 7  # the 8th shot: MYSTERY_POINTS[8] = 300
    x = 147 - 41 + 4 - half  # the shot at x 110, between shields, meets the ship's x 110
    assert forecast.shot_points(state, [x]) == [300]
    assert real_shot(state, 0) == 0  # from its own place the shot would miss it
    state.player_x = x
    assert real_shot(state, 0) == 300


def test_env_features_carry_the_forecasts() -> None:
    """The features say, per move, trapped or not and what a shot would score; with a
    shot in flight the shot entries are 0 (firing does nothing)."""
    env = InvadersEnv(frame_skip=4)
    env.reset(seed=0)
    s = env.state
    s.bomb_timer = s.march_timer = NEVER
    s.player_x = rules.PLAYER_MIN_X
    s.tick = 0
    y = rules.PLAYER_Y - rules.BOMB_HEIGHT - 3 * rules.BOMB_SPEED + 1
    s.bombs = [Bomb(rules.PLAYER_MIN_X + 13, y, 0)]
    obs = env.observe()
    assert obs[inv.F_TRAPPED : inv.F_TRAPPED + 3].tolist() == [1.0, 1.0, 1.0]
    s.bombs = []
    expected = [min(p, 30) / 30 for p in forecast.shot_points(s, [8, 8, 9])]
    assert obs[inv.F_SHOT_POINTS : inv.F_SHOT_POINTS + 3] == pytest.approx(expected)
    # A shot at x 110 flies between shields 1 and 2 into column 5 of the (still)
    # formation, whose bottom row is worth 10 points.
    s.player_x = 110 - rules.PLAYER_WIDTH // 2
    obs = env.observe()
    assert obs[inv.F_SHOT_POINTS + 1] == pytest.approx(1 / 3)
    # Standing in a firing solution: no way to go for one.
    assert obs[inv.F_AIM : inv.F_AIM + 2].tolist() == [0.0, 0.0]
    # A shot in flight changes nothing: the entries say where the cannon stands.
    s.shot = rules.Shot(100, 100)
    assert env.observe()[inv.F_SHOT_POINTS + 1] == pytest.approx(1 / 3)
    s.respawn_timer = 5
    obs = env.observe()
    assert (obs[inv.F_SHOT_POINTS : inv.F_SHOT_POINTS + 3] == 0.0).all()
    assert (obs[inv.F_AIM : inv.F_AIM + 2] == 1.0).all()
    assert inv.feature_names(11)[inv.F_TRAPPED : inv.F_COLUMNS] == (
        "trapped_left",
        "trapped_stay",
        "trapped_right",
        "shot_points_left",
        "shot_points_stay",
        "shot_points_right",
        "aim_left",
        "aim_right",
    )


def test_firing_solutions_agree_with_the_rules_across_the_screen() -> None:
    """Every third column a shot could fly up, on states met in play: a firing solution
    exactly where the real tick scores an alien for a shot fired from there."""
    half = rules.PLAYER_WIDTH // 2
    checked = 0
    for state in states_from_play(10, seed=3, every=97):
        if not state.alive_count or state.respawn_timer:
            continue
        state.mystery = None  # firing solutions leave the mystery ship out
        solutions = forecast.firing_solutions(state)
        for x in range(rules.PLAYER_MIN_X + 1, rules.PLAYER_MAX_X, 3):
            # real_shot moves first: from x + 1, moving left, the shot leaves from x.
            parked = copy.deepcopy(state)
            parked.player_x = x + 1
            parked.shot = None
            assert bool(solutions[x + half]) == (real_shot(parked, -1) > 0), x
        checked += 1
    assert checked >= 6


def test_aim_says_how_far_the_nearest_firing_solution_is() -> None:
    """One still alien, its hitbox over screen x 106..117 (no shield under it): from x 60
    the nearest solution is 46 px to the right and none to the left; from x 140, 23 px
    to the left; from under it, 0 both ways."""
    env = InvadersEnv()
    env.reset(seed=0)
    s = env.state
    rules.set_alive(s, _one(4, 5))
    s.march_timer = s.bomb_timer = s.mystery_timer = NEVER
    s.formation_x = 104 - 5 * rules.ALIEN_CELL  # column 5's cell starts at x 104
    half = rules.PLAYER_WIDTH // 2
    for shot_x, expected in ((60, (1.0, 46)), (140, (23, 1.0)), (110, (0, 0))):
        s.player_x = shot_x - half
        aim = env.observe()[inv.F_AIM : inv.F_AIM + 2]
        assert aim == pytest.approx([e if e == 1.0 else e / rules.SCREEN_WIDTH for e in expected])


def _one(row: int, col: int) -> np.ndarray:
    alive = np.zeros((5, 11), dtype=bool)
    alive[row, col] = True
    return alive
