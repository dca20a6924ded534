"""The update explained: the numbers a learner shows for its last update are the ones it
used, checked against its own table and networks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from qarcade import games
from qarcade.agents.base import Transition
from qarcade.agents.dqn import DQNAgent, DQNConfig
from qarcade.agents.tabular import TabularConfig, TabularQAgent
from qarcade.agents.training import Trainer


def test_the_table_update_explained_is_the_one_made() -> None:
    env = games.make("gridworld", map="lake4")
    agent = TabularQAgent.for_env(env, TabularConfig(learning_rate=0.5), seed=0)
    agent.explain = True
    Trainer(env, agent, seed=0, episodes=50).run()
    obs, _ = env.reset(seed=1)
    next_obs, reward, terminated, _, info = env.step(2)
    before = agent.q_values(obs)[2]
    agent.learn(Transition(obs, 2, reward, next_obs, info["action_mask"], terminated))
    update = agent.last_update
    assert update is not None
    assert update.old_q == before
    assert update.new_q == agent.q_values(obs)[2]
    assert update.next_best == agent.q_values(next_obs).max()
    assert update.target == pytest.approx(reward + 0.99 * update.next_best, abs=0)
    assert update.new_q == pytest.approx(before + 0.5 * (update.target - before))
    np.testing.assert_array_equal(update.obs, obs)
    lines = update.lines("right")
    assert f"{update.new_q:+.4f}" in lines[-1] and f"{update.target:+.4f}" in lines[1]


def test_a_final_or_self_play_table_update_is_explained_with_its_own_target() -> None:
    agent = TabularQAgent(2, seed=0)
    agent.explain = True
    s, s2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mask = np.ones(2, dtype=bool)
    agent.learn(Transition(s2, 0, 0.5, s, mask, False))
    agent.learn(Transition(s, 1, 1.0, s2, mask, True))
    assert agent.last_update.next_best is None and agent.last_update.target == 1.0
    agent.learn(Transition(s2, 1, 0.25, s, mask, False, flip=True))
    update = agent.last_update
    assert update.flip and update.target == 0.25 - agent.config.gamma * update.next_best
    assert ":= Q" in update.lines("a")[0] and "- 0.99 ×" in update.lines("a")[1]


def test_explaining_is_off_by_default() -> None:
    agent = TabularQAgent(2, seed=0)
    mask = np.ones(2, dtype=bool)
    agent.learn(Transition(np.zeros(2), 0, 1.0, np.ones(2), mask, True))
    assert agent.last_update is None


@pytest.mark.parametrize("n_step", [1, 3])
def test_the_dqn_update_explained_is_the_one_made(n_step: int) -> None:
    env = games.make("gridworld", map="lake4")
    config = DQNConfig.for_env(
        env,
        learning_starts=50,
        train_frequency=1,
        target_network_frequency=10_000,
        n_step=n_step,
        device="cpu",
        seed=3,
    )
    agent = DQNAgent.for_env(env, config)
    trainer = Trainer(env, agent, seed=0, steps=1_000)
    trainer.run_steps(300)
    agent.explain = True
    online_before = copy.deepcopy(agent.online)
    trainer.run_steps(1)
    update = agent.last_update
    assert update is not None and agent.train_steps > 0
    greedy = slice(-env.num_actions, None)  # the exploit head's, the last of two
    with torch.no_grad():
        q = online_before(torch.from_numpy(update.obs[None]))[0, greedy]
        next_online = online_before(torch.from_numpy(update.next_obs[None]))[0, greedy]
        next_target = agent.target(torch.from_numpy(update.next_obs[None]))[0, greedy]
    assert update.q == pytest.approx(float(q[update.action]), abs=1e-6)
    if update.bootstrap != 0 and update.bonus == 0:  # a final s' has no action to pick
        assert update.next_action == int(next_online.argmax())
    expected = float(next_target[update.next_action]) + update.bonus
    assert update.next_q_target == pytest.approx(expected, abs=1e-6)
    assert update.target == pytest.approx(
        update.reward + update.gamma * update.bootstrap * update.next_q_target, abs=1e-6
    )
    huber = F.smooth_l1_loss(torch.tensor(update.q), torch.tensor(update.target))
    assert update.loss == pytest.approx(float(huber), abs=1e-7)
    assert update.batch_size == config.batch_size
    lines = update.lines("right", env.action_names[update.next_action])
    assert f"{update.target:+.4f}" in lines[1] and f"{update.loss:.5f}" in lines[2]


# --------------------------------------------------------------------------- in the window
@pytest.fixture
def app(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import pygame  # noqa: F401  (the window tests need it; the rest do not)

    from qarcade.app.window import App

    monkeypatch.setenv("QARCADE_DATA_DIR", str(tmp_path / "data"))
    window = App((960, 720), fps=0, audio=False)
    yield window
    window.run(frames=window.frame_count)


def step_until_updated(app, agents) -> None:  # type: ignore[no-untyped-def]
    """Post '.' (single step) until every agent has an update to explain."""
    import pygame

    for _ in range(400):
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PERIOD, mod=0))
        app.frame()
        if all(agent.last_update is not None for agent in agents):
            return
    raise AssertionError("no update to explain after 400 single steps")


def outlined(surface, rect, colour) -> bool:  # type: ignore[no-untyped-def]
    region = surface.subsurface(rect)
    return any(
        region.get_at((x, y))[:3] == colour
        for x in range(region.get_width())
        for y in range(0, region.get_height(), 3)
    )


def test_single_step_in_compare_explains_both_updates_and_outlines_the_cell(app) -> None:  # type: ignore[no-untyped-def]
    import pygame

    from qarcade.app.scenes.compare import CompareConfig, CompareScene
    from qarcade.app.scenes.learn import UPDATED_CELL

    scene = CompareScene(app, CompareConfig("gridworld", options={"map": "lake4"}))
    app.push(scene)
    app.frame()
    agents = [side.agent for side in scene.sides]
    assert not any(agent.explain for agent in agents)
    for side in scene.sides:
        side.advance(600, 60.0)  # the DQN past learning_starts
    step_until_updated(app, agents)
    assert scene.paused and all(agent.explain for agent in agents)
    surface = pygame.display.get_surface()
    table_update = agents[0].last_update
    row, col = scene.sides[0].env.cell_of(table_update.obs)
    cell = scene.views[0].cell_rect(scene.board_rects[0], row, col)
    assert outlined(surface, cell.inflate(4, 4).clip(surface.get_rect()), UPDATED_CELL)
    # Resuming stops explaining (the fast paths skip it again).
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0))
    app.frame()
    assert not any(agent.explain for agent in agents)
    assert all(agent.last_update is None for agent in agents)


def test_single_step_in_learn_explains_the_dqn_update(app) -> None:  # type: ignore[no-untyped-def]
    import pygame

    from qarcade.app.learn_session import LearnConfig
    from qarcade.app.scenes.learn import LearnScene

    scene = LearnScene(app, LearnConfig("gridworld", "dqn", options={"map": "lake4"}))
    app.push(scene)
    app.frame()
    before = pygame.image.tobytes(pygame.display.get_surface(), "RGB")
    scene.session.advance(600, 60.0)  # past learning_starts
    step_until_updated(app, [scene.session.agent])
    update = scene.session.agent.last_update
    assert update is not None and update.batch_size == scene.session.agent.config.batch_size
    assert pygame.image.tobytes(pygame.display.get_surface(), "RGB") != before
