"""One conformance check over every game and its main options (Gymnasium's env_checker idea).

Every env must: give observations of the declared shape and dtype, a bool mask of
``num_actions`` in ``info`` that matches ``action_mask()``, replay identically from the same
seed, and refuse a finished game, an illegal or an out-of-range action without changing
its state.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import state_of

from qarcade import games
from qarcade.games.core import GameOverError, IllegalActionError, OptionError

CONFIGS: list[tuple[str, dict[str, object]]] = [
    ("tictactoe", {}),
    ("gridworld", {"map": "lake4"}),
    ("gridworld", {"map": "lake8", "slippery": 0.2}),
    ("gridworld", {"map": "cliff"}),
    ("gridworld", {"map": "maze"}),
    ("gridworld", {"map": "fourrooms"}),
    ("invaders", {"obs_mode": "features"}),
    ("invaders", {"obs_mode": "features", "frame_skip": 4}),
    ("invaders", {"obs_mode": "pixels"}),
]
IDS = [
    f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items()) or 'default'}" for name, opts in CONFIGS
]


def rollout(name: str, options: dict[str, object], seed: int, steps: int) -> list[tuple]:
    """Play ``steps`` random legal moves (actions drawn from their own seeded generator)."""
    env = games.make(name, **options)
    chooser = np.random.default_rng(seed + 1)
    obs, info = env.reset(seed=seed)
    trace: list[tuple] = [(obs.tobytes(), info["action_mask"].tobytes())]
    for _ in range(steps):
        action = int(chooser.choice(np.flatnonzero(info["action_mask"])))
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs.tobytes(), float(reward), terminated, truncated))
        if terminated or truncated:
            obs, info = env.reset()
            trace.append((obs.tobytes(), "reset"))
    return trace


@pytest.mark.parametrize(("name", "options"), CONFIGS, ids=IDS)
def test_spaces_and_masks(name: str, options: dict[str, object]) -> None:
    env = games.make(name, **options)
    assert env.num_actions == len(env.action_names) > 0
    assert env.num_players in (1, 2)
    obs, info = env.reset(seed=3)
    chooser = np.random.default_rng(0)
    for _ in range(300):
        assert obs.shape == env.observation_shape
        assert obs.dtype == env.observation_dtype
        assert np.isfinite(obs.astype(np.float64)).all()
        mask = info["action_mask"]
        assert mask.dtype == bool and mask.shape == (env.num_actions,)
        assert np.array_equal(mask, env.action_mask())
        assert mask.any(), "a running game must have a legal action"
        assert 0 <= env.current_player < env.num_players
        obs, reward, terminated, truncated, info = env.step(
            int(chooser.choice(np.flatnonzero(mask)))
        )
        assert np.isfinite(reward)
        assert len(info["rewards"]) == env.num_players
        if terminated or truncated:
            assert not info["action_mask"].any()
            obs, info = env.reset()


@pytest.mark.parametrize(("name", "options"), CONFIGS, ids=IDS)
def test_same_seed_same_rollout(name: str, options: dict[str, object]) -> None:
    assert rollout(name, options, seed=7, steps=400) == rollout(name, options, seed=7, steps=400)


def test_different_seeds_differ_where_the_game_is_random() -> None:
    assert rollout("invaders", {}, seed=1, steps=400) != rollout("invaders", {}, seed=2, steps=400)


@pytest.mark.parametrize(("name", "options"), CONFIGS, ids=IDS)
def test_bad_actions_raise_and_leave_state_unchanged(name: str, options: dict[str, object]) -> None:
    env = games.make(name, **options)
    with pytest.raises(GameOverError):
        env.step(0)  # before reset
    env.reset(seed=0)
    before = state_of(env)
    for bad in (-1, env.num_actions, 10**9, 1.5, "left", None):
        with pytest.raises(IllegalActionError):
            env.step(bad)  # type: ignore[arg-type]
        assert state_of(env) == before
    # Play to the end (or a few thousand steps), then check a finished game refuses steps.
    chooser = np.random.default_rng(0)
    for _ in range(20_000):
        mask = env.action_mask()
        illegal = np.flatnonzero(~mask)
        if illegal.size:
            before = state_of(env)
            with pytest.raises(IllegalActionError):
                env.step(int(illegal[0]))
            assert state_of(env) == before
        _, _, terminated, truncated, _ = env.step(int(chooser.choice(np.flatnonzero(mask))))
        if terminated or truncated:
            break
    else:
        pytest.skip("the game did not end within 20,000 random steps")
    before = state_of(env)
    with pytest.raises(GameOverError):
        env.step(0)
    assert state_of(env) == before


@pytest.mark.parametrize(("name", "options"), CONFIGS, ids=IDS)
def test_snapshot_restore_replays_exactly(name: str, options: dict[str, object]) -> None:
    env = games.make(name, **options)
    env.reset(seed=11)
    for _ in range(5):
        env.step(int(env.legal_actions()[0]))
        if env.done:
            env.reset()
    snap = env.snapshot()

    def play() -> list[bytes]:
        out = []
        for _ in range(50):
            if env.done:
                break
            obs, *_ = env.step(int(env.legal_actions()[-1]))
            out.append(obs.tobytes())
        return out

    first = play()
    env.restore(snap)
    assert play() == first


def test_unknown_game_and_option_list_the_valid_ones() -> None:
    with pytest.raises(OptionError, match="tictactoe"):
        games.make("chess")
    with pytest.raises(OptionError, match="valid options"):
        games.make("gridworld", colour="red")
