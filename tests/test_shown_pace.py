"""What a person sees never depends on how a learner trained: the game on screen runs a
tick a frame with the game's own options, and an agent trained with a frame skip decides
every k ticks, seeing what it saw in training, so Watch scores what ``eval`` scores."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from qarcade import games
from qarcade.agents.evaluation import play_episode
from qarcade.agents.training import training_env_options
from qarcade.app import players
from qarcade.app.players import PacedAgent, load_opponent
from qarcade.app.scenes.game import GameScene, SceneConfig, game_scene
from qarcade.app.scenes.menu import MenuScene
from qarcade.app.window import App
from qarcade.games.invaders.env import InvadersEnv

AGENT_KINDS = ("tabular", "dqn", "scripted", "random")


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QARCADE_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def app() -> Iterator[App]:
    window = App((640, 480), fps=0, audio=False)
    yield window
    window.run(frames=window.frame_count)


class NoKeys:
    """``pygame.key.get_pressed()`` with nothing held (the dummy driver has no keyboard)."""

    def __getitem__(self, key: int) -> bool:
        return False


def start(app: App, config: SceneConfig) -> GameScene:
    scene = game_scene(app, config)
    app.push(MenuScene(app))
    app.push(scene)
    return scene


@pytest.mark.parametrize("kind", AGENT_KINDS)
@pytest.mark.parametrize("mode", ["play", "versus", "watch"])
def test_sixty_frames_are_sixty_ticks_of_the_shown_game(
    app: App, monkeypatch: pytest.MonkeyPatch, mode: str, kind: str
) -> None:
    """Play with hints, the race and Watch, beside every kind of agent: every lane runs
    the arcade's game, a tick a frame, with no training penalty; a learner trained with
    a frame skip of 4 decides every 4th tick."""
    import pygame

    monkeypatch.setattr(pygame.key, "get_pressed", NoKeys)
    scene = start(app, SceneConfig("invaders", mode, kind, seed=5))
    assert scene.opponent is not None and scene.opponent.kind == kind
    for _ in range(60):
        app.frame()
    for lane in scene.lanes:
        env = lane.env
        assert env.state.tick == 60 and env.steps == 60
        assert (env.frame_skip, env.life_penalty, env.max_steps) == (1, 0.0, 36_000)
    pilot = scene.lanes[-1].pilot
    assert pilot is not None and pilot.every == (4 if kind in ("tabular", "dqn") else 1)


def test_a_learner_decides_every_k_ticks_and_holds_its_action(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pygame

    monkeypatch.setattr(pygame.key, "get_pressed", NoKeys)
    scene = start(app, SceneConfig("invaders", "watch", "dqn", seed=1))
    lane = scene.lanes[0]
    assert lane.pilot is not None
    agent = lane.pilot.agent
    decisions: list[int] = []
    real_act = agent.act
    monkeypatch.setattr(
        agent,
        "act",
        lambda obs, mask, explore=False: (
            decisions.append(lane.env.state.tick) or real_act(obs, mask, explore=explore)
        ),
    )
    for _ in range(40):
        app.frame()
    assert decisions == list(range(0, 40, 4))


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "seeds"), [("dqn", [0]), ("tabular", [0, 2])])
def test_watch_scores_what_eval_scores_on_the_same_seed(
    app: App, kind: str, seeds: list[int]
) -> None:
    """A Watch game is the eval game of the same seed tick for tick: same score, same
    length, given the agent draws the same numbers for its own random choices (a table
    breaks ties and picks in states it never met at random). It could differ only past
    the shown game's ten-minute limit, which eval's limit, counted in steps, puts k
    times later; these games end long before."""
    opponent = load_opponent("invaders", kind)
    agent = opponent.agent
    train_env = games.make("invaders", **opponent.game_options)
    for seed in seeds:
        agent_rng = copy.deepcopy(agent.rng)
        expected = play_episode(train_env, agent, seed=seed)
        agent.rng = agent_rng
        scene = start(app, SceneConfig("invaders", "watch", kind, seed=seed))
        lane = scene.lanes[0]
        while not lane.env.done:
            scene.update(1 / 60)
        assert lane.env.state.score == expected.info["score"], seed
        assert lane.episode_return == expected.info["score"]
        assert lane.env.state.tick == train_env.state.tick
        app.pop()


@pytest.mark.parametrize("obs_mode", ["features", "pixels"])
@pytest.mark.parametrize("frame_skip", [1, 3, 4])
def test_a_follower_sees_what_the_training_env_sees(obs_mode: str, frame_skip: int) -> None:
    """Random actions held for k ticks on the shown game, and the same actions stepped on
    an env with the training options: at every decision the follower observes exactly
    what the training env does."""
    trained = training_env_options(
        "invaders", {"frame_skip": frame_skip, "obs_mode": obs_mode, "preset": "small"}
    )
    train_env = games.make("invaders", **trained)
    shown = games.make("invaders", **InvadersEnv.shown_options(trained))
    follower = games.make("invaders", **trained)
    rng = np.random.default_rng(frame_skip)
    for seed in (0, 1):
        obs, _ = train_env.reset(seed=seed)
        shown.reset(seed=seed)
        follower.follow(shown)
        for _ in range(300):
            assert np.array_equal(follower.observe(), obs)
            action = int(rng.integers(6))
            obs, *_ = train_env.step(action)
            for _ in range(frame_skip):
                if not shown.done:
                    shown.step(action)
            follower.follow(shown)
            assert shown.state.tick == train_env.state.tick
            if train_env.done:
                assert shown.done
                break


def test_the_shown_game_keeps_the_game_and_drops_the_training() -> None:
    trained = {**training_env_options("invaders", {"preset": "small"}), "obs_mode": "pixels"}
    assert InvadersEnv.shown_options(trained) == {"preset": "small"}
    maze = {"map": "maze", "step_reward": -0.01}
    assert games.env_class("gridworld").shown_options(maze) == maze


def test_hints_follow_the_persons_game_at_the_agents_pace(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Play with DQN hints: the Q-values shown are the agent's for what it sees of the
    person's game, renewed every 4 ticks."""
    import pygame

    monkeypatch.setattr(pygame.key, "get_pressed", NoKeys)
    monkeypatch.setattr(players, "_CACHE", {})
    scene = start(app, SceneConfig("invaders", "play", "dqn", seed=3))
    scene.show_overlay = True
    lane = scene.lanes[0]
    pilot = lane.pilot
    assert isinstance(pilot, PacedAgent)
    trained = games.make("invaders", **scene.trained_options)
    expected = None
    for frame in range(1, 13):
        app.frame()
        if frame % 4 == 0:
            trained.follow(lane.env)
            expected = pilot.agent.q_values(trained.observe(), trained.action_mask())
        overlay = scene.overlay_for(lane)
        assert overlay is not None and overlay.q_values is not None
        if expected is not None:
            assert np.array_equal(overlay.q_values, expected), frame


@pytest.mark.parametrize(
    "config",
    [
        SceneConfig("gridworld", "watch", "tabular", options={"map": "maze"}),
        SceneConfig("tictactoe", "versus", "dqn"),
        SceneConfig("invaders", "watch", "scripted"),
    ],
    ids=["gridworld", "tictactoe", "scripted"],
)
def test_an_agent_trained_on_the_shown_game_looks_at_it_directly(
    app: App, config: SceneConfig
) -> None:
    """No follower to copy the position into every step (a gridworld's copy rebuilds its
    tables, milliseconds a step for nothing)."""
    scene = start(app, config)
    pilot = scene.lanes[-1].pilot
    assert pilot is not None and pilot.follower is None and pilot.eyes is scene.lanes[-1].env
