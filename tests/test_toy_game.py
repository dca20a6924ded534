"""A game defined only here, registered with one descriptor, runs through everything a
shipped game does: ``train`` and ``eval``, every window mode, Learn and Compare, and the
Gymnasium adapter. Nothing outside this file names it: if this test needs a change
anywhere else to pass, some layer still knows the shipped games by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pygame
import pytest

from qarcade import games
from qarcade.cli import main
from qarcade.games.core import Env
from qarcade.games.spec import Exact, GameSpec
from qarcade.games.view import Overlay, View
from tests.toy_envs import ChainEnv, NimEnv

LENGTH = 6
LEFT, RIGHT = 0, 1


class UnitBox:
    """One-hot observations: the Gymnasium adapter's bounds are [0, 1]."""

    observation_low: ClassVar[float] = 0.0
    observation_high: ClassVar[float] = 1.0


class Corridor(UnitBox, ChainEnv):
    """The test's corridor as a game a person can race to its end."""

    name: ClassVar[str] = "corridor"
    race_to_goal: ClassVar[bool] = True

    def reached_goal(self) -> bool:
        return self.cell == self.length - 1


class CorridorView(View):
    """The corridor as a row of cells, the walker in green; arrows move it."""

    game: ClassVar[str] = "corridor"
    aspect: float = LENGTH

    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        env = self.env
        assert isinstance(env, Corridor)
        width = rect.width // env.length
        for i in range(env.length):
            cell = pygame.Rect(rect.left + i * width, rect.top, width - 2, rect.height)
            colour = (40, 200, 90) if i == env.cell else (70, 70, 90)
            pygame.draw.rect(surface, colour, cell)

    def action_for_event(self, event: pygame.event.Event, rect: pygame.Rect) -> int | None:
        if event.type == pygame.KEYDOWN:
            return {pygame.K_LEFT: LEFT, pygame.K_RIGHT: RIGHT}.get(event.key)
        return None


def exact_score(env: Env, player: Any) -> float:
    """The greedy player's return, walked out (the corridor is deterministic)."""
    probe = Corridor(**env.options)
    obs, info = probe.reset(seed=0)
    ret, done = 0.0, False
    while not done:
        obs, reward, terminated, truncated, info = probe.step(
            player.act(obs, info["action_mask"], explore=False)
        )
        ret += reward
        done = terminated or truncated
    return ret


def best_score(env: Env) -> float:
    assert isinstance(env, Corridor)
    return 1.0 + env.step_reward * (env.length - 2)


def exact_rows(env: Env, player: Any) -> list[dict[str, Any]]:
    return [{"test": "greedy walk (exact)", "games": "exact", "return": exact_score(env, player)}]


SPEC = GameSpec(
    name="corridor",
    title="Corridor",
    env=Corridor,
    view=CorridorView,
    order=50,
    baselines=(),
    settings={"tabular": {"episodes": 300, "learning_rate": 1.0}},
    exact=Exact(label="greedy return (exact)", score=exact_score, best=best_score, rows=exact_rows),
    gym_id="toy/Corridor-v0",
)


class Nim(UnitBox, NimEnv):
    """The test's Nim as a two-player game: take 1-3 stones, the last stone wins."""

    name: ClassVar[str] = "toynim"


class NimView(View):
    """The pile as a row of stones; keys 1-3 take that many."""

    game: ClassVar[str] = "toynim"
    aspect: float = 3.0

    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        env = self.env
        assert isinstance(env, Nim)
        width = rect.width // env.start
        for i in range(env.stones):
            stone = pygame.Rect(rect.left + i * width, rect.centery - width // 2, width - 4, width)
            pygame.draw.ellipse(surface, (200, 200, 210), stone)

    def action_for_event(self, event: pygame.event.Event, rect: pygame.Rect) -> int | None:
        if event.type == pygame.KEYDOWN:
            return {pygame.K_1: 0, pygame.K_2: 1, pygame.K_3: 2}.get(event.key)
        return None


def nim_grade(env: Env, player: Any) -> float:
    """The share of winning piles (stones % 4 != 0) where the greedy move takes
    stones % 4, the one winning move."""
    assert isinstance(env, Nim)
    probe = Nim(**env.options)
    winning = [n for n in range(1, probe.start + 1) if n % 4]
    right = sum(
        player.act(probe.obs_for(n), np.arange(3) < n, explore=False) == n % 4 - 1 for n in winning
    )
    return right / len(winning)


NIM = GameSpec(
    name="toynim",
    title="Nim",
    env=Nim,
    view=NimView,
    order=51,
    seat_names=("First", "Second"),
    settings={"tabular": {"episodes": 3000, "learning_rate": 0.5, "gamma": 1.0}},
    exact=Exact(
        label="exact grade",
        score=nim_grade,
        best=lambda env: 1.0,
        rows=lambda env, player: [
            {"test": "winning move taken", "games": "exact", "optimal": nim_grade(env, player)}
        ],
    ),
)


@pytest.fixture(autouse=True)
def toy_games() -> Iterator[None]:
    games.register(SPEC)
    games.register(NIM)
    yield
    games.unregister(SPEC.name)
    games.unregister(NIM.name)


def test_it_is_registered_beside_the_shipped_games() -> None:
    assert "corridor" in games.names()
    assert games.make("corridor", length=7).observation_shape == (7,)
    assert games.view_class("corridor") is CorridorView


def test_train_then_eval_from_the_command_line(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "run"
    assert main(["train", "corridor", "--out", str(out), "--episodes", "300", "--seed", "1"]) == 0
    checkpoint = out / "agent.npz"
    assert checkpoint.is_file()
    capsys.readouterr()
    assert main(["eval", str(checkpoint)]) == 0
    printed = capsys.readouterr().out
    assert "greedy walk (exact)" in printed and "greedy episodes" in printed
    # The table learnt the corridor: the exact greedy return is the best one.
    from qarcade.agents.checkpoints import load_agent

    agent = load_agent(checkpoint, game="corridor")
    env = games.make("corridor")
    assert exact_score(env, agent) == pytest.approx(best_score(env))


def test_the_dqn_trains_on_it_with_settings_chosen_from_the_env(
    tmp_path: Path, capsys: Any
) -> None:
    """The plumbing: the game names no DQN settings, so they come from the env's
    properties; the run saves, reloads and evaluates (learning itself is tested on the
    shipped games and random maps)."""
    out = tmp_path / "dqn"
    args = ["train", "corridor", "--agent", "dqn", "--out", str(out), "--steps", "1500"]
    assert main([*args, "--set", "learning_starts=200", "--seed", "0"]) == 0
    capsys.readouterr()
    assert main(["eval", str(out / "agent.safetensors"), "--games", "5"]) == 0
    assert "greedy walk (exact)" in capsys.readouterr().out


@pytest.mark.parametrize("game", ["corridor", "toynim"])
@pytest.mark.parametrize("mode", ["play", "versus", "watch", "learn", "compare"])
def test_every_window_mode_runs(game: str, mode: str) -> None:
    assert main([mode, game, "--frames", "20", "--fps", "0"]) == 0


def test_the_two_player_toy_learns_by_self_play_and_is_evaluated_by_seat(
    tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "nim"
    assert main(["train", "toynim", "--out", str(out), "--seed", "0"]) == 0
    capsys.readouterr()
    assert main(["eval", str(out / "agent.npz"), "--games", "20"]) == 0
    printed = capsys.readouterr().out
    assert "vs random as First" in printed and "vs random as Second" in printed
    from qarcade.agents.checkpoints import load_agent

    agent = load_agent(out / "agent.npz", game="toynim")
    assert nim_grade(games.make("toynim"), agent) == 1.0


def test_versus_seats_by_the_games_own_names(app: Any) -> None:
    assert main(["versus", "toynim", "--as", "second", "--frames", "5", "--fps", "0"]) == 0
    assert main(["versus", "toynim", "--as", "2", "--frames", "5", "--fps", "0"]) == 0
    assert main(["versus", "toynim", "--as", "X", "--frames", "1"]) == 2


def test_play_moves_the_walker_by_key_and_draws_it(app: Any) -> None:
    from qarcade.app.scenes.game import SceneConfig, game_scene

    scene = game_scene(app, SceneConfig("corridor", "play"))
    app.push(scene)
    for _ in range(3):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0))
        app.frame()
    env = scene.lanes[0].env
    assert isinstance(env, Corridor) and env.cell == 3
    app.frame()
    pixels = pygame.surfarray.array3d(pygame.display.get_surface())
    green = (pixels[..., 1] > 180) & (pixels[..., 0] < 80) & (pixels[..., 2] < 120)
    assert green.sum() > 100, "the walker is drawn"


def test_learn_trains_it_in_the_window(app: Any) -> None:
    from qarcade.app.learn_session import LearnConfig
    from qarcade.app.scenes.learn import LearnScene

    scene = LearnScene(app, LearnConfig("corridor", "tabular", speed="1k"))
    app.push(scene)
    for _ in range(30):
        app.frame()
    assert scene.session.trainer.episodes > 10


def test_the_gymnasium_adapter_takes_it() -> None:
    gymnasium = pytest.importorskip("gymnasium")
    from gymnasium.utils.env_checker import check_env

    from qarcade.games.adapters import gymnasium as qgym

    qgym.register_envs()
    try:
        env = gymnasium.make("toy/Corridor-v0")
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=0)
        assert obs.shape == (LENGTH,)
        total, done = 0.0, False
        while not done:
            obs, reward, terminated, truncated, _ = env.step(RIGHT)
            total += float(reward)
            done = terminated or truncated
        assert terminated and total == pytest.approx(best_score(games.make("corridor")))
    finally:
        gymnasium.registry.pop("toy/Corridor-v0", None)


def test_a_descriptor_file_with_a_mistake_says_where_and_what() -> None:
    from qarcade.games.spec import read_spec

    with pytest.raises(games.OptionError, match=r"games/x: unknown field\(s\) colour"):
        read_spec('name = "x"\ntitle = "X"\nenv = "a:B"\nview = "a:C"\ncolour = 1\n', "games/x")
    with pytest.raises(games.OptionError, match="games/x: not a game descriptor"):
        read_spec("name = ", "games/x")
    with pytest.raises(games.OptionError, match=r"games/x: .*title"):
        read_spec('name = "x"\nenv = "a:B"\nview = "a:C"\n', "games/x")
    with pytest.raises(games.OptionError, match="already registered"):
        games.register(SPEC)
