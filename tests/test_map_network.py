"""The map-reading DQN: :class:`agents.networks.MapNetwork` on the gridworld's
``obs_mode="map"``, chosen from the observation, its defaults, its checkpoints, and a
tiny map learnt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from qarcade import games
from qarcade.agents.checkpoints import load_agent, save_agent
from qarcade.agents.dqn import MAP_SETTINGS, DQNAgent, DQNConfig, map_reader_for
from qarcade.agents.evaluation import optimality_check, play_episode
from qarcade.agents.networks import MLP, MapNetwork, build_network
from qarcade.agents.training import Trainer
from qarcade.games.core import GameError, OptionError
from qarcade.games.gridworld import GOAL, WALL, solver

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _network(shape: tuple[int, ...], seed: int = 0) -> MapNetwork:
    network = build_network(
        shape, np.dtype(np.float32), 4, (16,), torch.Generator().manual_seed(seed), network="map"
    )
    assert isinstance(network, MapNetwork)
    return network


@pytest.mark.parametrize("size", [4, 7, [5, 9], 16])
def test_map_observations_get_the_map_network_for_any_size(size: int | list[int]) -> None:
    env = games.make("gridworld", map="random", size=size, obs_mode="map")
    network = _network(env.observation_shape)
    obs = np.stack([env.obs_for_cell(r, c) for r in range(env.rows) for c in range(env.cols)])
    with torch.no_grad():
        q = network(torch.tensor(obs))
    assert q.shape == (env.rows * env.cols, 4) and torch.isfinite(q).all()
    # The weights do not depend on the map's size: one network for every map.
    assert network.num_parameters == _network((4, 8, 8)).num_parameters
    one_hot = games.make("gridworld", map="random", size=size)
    assert isinstance(
        build_network(one_hot.observation_shape, np.dtype(np.float32), 4, (16,), torch.Generator()),
        MLP,
    )


def test_the_network_reads_the_agent_where_the_last_plane_puts_it() -> None:
    env = games.make("gridworld", map="lake4", obs_mode="map")
    network = _network(env.observation_shape)
    with torch.no_grad():
        here = network(torch.tensor(env.obs_for_cell(0, 0))[None])
        there = network(torch.tensor(env.obs_for_cell(3, 2))[None])
        again = network(torch.tensor(env.obs_for_cell(0, 0))[None])
    assert not torch.allclose(here, there)
    torch.testing.assert_close(here, again)


def test_map_observations_get_the_map_defaults_and_a_one_hot_map_keeps_its_own() -> None:
    env = games.make("gridworld", map="random", obs_mode="map", resample_map=True)
    config = DQNConfig.for_env(env)
    assert config == DQNConfig(**MAP_SETTINGS)
    one_hot = DQNConfig.for_env(games.make("gridworld", map="lake4"))
    assert one_hot != config and one_hot.hidden_sizes == (64, 64)
    # Tic-tac-toe's planes (2, 3, 3) are no map: its shape alone would not tell.
    tictactoe = games.make("tictactoe")
    assert DQNConfig.for_env(tictactoe).network == "auto"
    assert not isinstance(DQNAgent.for_env(tictactoe).online, MapNetwork)
    assert isinstance(DQNAgent.for_env(env, config).online, MapNetwork)


def test_a_map_reading_agent_round_trips_through_its_checkpoint(tmp_path) -> None:
    env = games.make("gridworld", map="random", size=5, obs_mode="map", resample_map=True)
    agent = DQNAgent.for_env(env, DQNConfig.for_env(env, learning_starts=10, buffer_size=500))
    Trainer(env, agent, seed=0, steps=60).run_steps(60)
    path = save_agent(tmp_path / "agent.safetensors", agent)
    loaded = load_agent(path)
    assert isinstance(loaded.online, MapNetwork)
    obs = env.obs_for_cell(1, 1)
    np.testing.assert_array_equal(loaded.q_values(obs), agent.q_values(obs))


def _optimal(env, agent: DQNAgent) -> bool:
    result = play_episode(env, agent, seed=0)
    return abs(result.ret - solver.optimal_return(env)) < 1e-9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_tiny_map_is_learnt_by_the_map_reading_dqn(seed: int) -> None:
    """A 4x4 map with a pit on the top row, so the route must leave the row first; the
    untrained network does not play it optimally, the trained one does, on each seed.
    A learner that does not learn fails."""
    env = games.make("gridworld", map="random", size=4, map_seed=2, obs_mode="map")
    config = DQNConfig.for_env(env, total_timesteps=3_000, learning_starts=200, seed=seed)
    agent = DQNAgent.for_env(env, config)
    assert not _optimal(env, agent)
    Trainer(env, agent, seed=seed, steps=config.total_timesteps).run_steps(config.total_timesteps)
    assert _optimal(env, agent)


def test_the_map_network_on_observations_that_are_not_a_map_is_an_option_error() -> None:
    """``--set network=map`` on the gridworld's default one-hot observation, or on
    CartPole's features, is said in one line, not an unpacking traceback."""
    from qarcade.games.adapters.from_gymnasium import GymnasiumEnv

    for env in (games.make("gridworld", map="lake8"), GymnasiumEnv("CartPole-v1")):
        config = DQNConfig.for_env(env, network="map")
        with pytest.raises(OptionError, match="network 'map' reads planes over a map"):
            DQNAgent.for_env(env, config)


def test_map_options_are_checked() -> None:
    with pytest.raises(OptionError):
        games.make("gridworld", map="random", size=8, min_size=4)  # needs resample_map
    with pytest.raises(OptionError):
        games.make("gridworld", map="random", size=8, resample_map=True, min_size=9)
    env = games.make("gridworld", map="random", size=8, resample_map=True, min_size=4)
    sizes = set()
    for seed in range(20):
        env.reset(seed=seed)
        rows, cols = (int(n) for n in env.map_name.split("-")[1].split("x"))
        sizes.add((rows, cols))
        # The smaller map sits top-left, walled in; its goal is its bottom-right corner.
        assert env.grid[rows - 1, cols - 1] == GOAL
        assert (env.grid[rows:] == WALL).all() and (env.grid[:, cols:] == WALL).all()
    assert len(sizes) > 5


def test_a_map_reader_plays_a_map_of_another_size_with_the_same_weights() -> None:
    small = games.make("gridworld", map="random", size=5, obs_mode="map")
    agent = DQNAgent.for_env(small, DQNConfig.for_env(small, seed=3))
    big = games.make("gridworld", map="random", size=9, obs_mode="map")
    moved = map_reader_for(big, agent)
    assert moved.observation_shape == big.observation_shape
    for (_, moved_tensor), (_, tensor) in zip(
        moved.online.named_tensors(), agent.online.named_tensors(), strict=True
    ):
        torch.testing.assert_close(moved_tensor, tensor)
    assert moved.epsilon == moved.config.end_e
    obs, info = big.reset(seed=0)
    assert 0 <= moved.act(obs, info["action_mask"]) < 4
    with pytest.raises(OptionError):
        map_reader_for(games.make("gridworld", map="random", size=5), agent)


def test_with_weights_set_by_hand_the_network_is_value_iteration() -> None:
    """What the network can express: tiles to rewards and gates that are the gridworld's
    own (landing on a goal pays 1 and ends, a pit -1 and ends, floor -0.01 and goes on,
    discounted by 0.99; a move into a wall stays put), and each Q-value the value of
    its move. Then its propagation is value iteration, and it plays
    every random map optimally. Broken propagation or read-out fails this."""
    env = games.make("gridworld", map="random", size=8, obs_mode="map")
    agent = DQNAgent.for_env(env, DQNConfig.for_env(env, hidden_sizes=(4,)))
    network = agent.online
    assert isinstance(network, MapNetwork)
    with torch.no_grad():
        tensors = [tensor for _, tensor in network.named_tensors()]
        for tensor in tensors:
            tensor.zero_()
        embed_w, embed_b, gate_w, gate_b, head_w, _ = tensors
        # Hidden units: wall, pit, goal, floor (1 - the others).
        embed_w[:3] = torch.eye(3)
        embed_w[3], embed_b[3] = -1.0, 1.0
        gate_w[0] = torch.tensor([-10.0, -1.0, 1.0, -0.01])
        gate_w[1], gate_b[1] = torch.tensor([-30.0, -30.0, -30.0, 30.0 + np.log(99.0)]), -30.0
        gate_w[2] = torch.tensor([-30.0, 30.0, 30.0, 30.0])  # only walls are not passable
        # The 3x3 patch of values is read row by row: left is 3, down 7, right 5, up 1.
        for action, cell in enumerate((3, 7, 5, 1)):
            head_w[action, cell] = 1.0
    for map_seed in range(20):
        env = games.make("gridworld", map="random", size=8, map_seed=map_seed, obs_mode="map")
        assert _optimal(env, agent), map_seed


@pytest.fixture
def map_reader_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A map-reading DQN briefly trained on random 5x5 maps, where Compare looks for the
    shipped one."""
    from qarcade.app import players
    from qarcade.app.scenes.compare import MAP_READER

    env = games.make("gridworld", map="random", size=5, obs_mode="map", resample_map=True)
    agent = DQNAgent.for_env(env, DQNConfig.for_env(env, learning_starts=50, buffer_size=500))
    Trainer(env, agent, seed=0, steps=200).run_steps(200)
    monkeypatch.setattr(players, "AGENTS_DIR", tmp_path)
    return Path(save_agent(tmp_path / MAP_READER, agent))


def test_compare_puts_the_map_reader_beside_the_table_and_a_click_edits_both(
    app: Any, map_reader_file: Path
) -> None:
    """Compare with ``network="maps"``, driven by posted events: the right side is the
    map reader (the file's weights on this map's size, reading the map), a click walls a
    cell on both maps, both boards show it, and both sides are graded on the new map."""
    import pygame

    from qarcade.app.scenes.compare import CompareConfig, CompareScene, MapReaderSide
    from qarcade.app.scenes.menu import MenuScene

    app.scenes.clear()
    app.push(MenuScene(app))
    config = CompareConfig("gridworld", options={"map": "lake8"}, speed="10", network="maps")
    scene = CompareScene(app, config)
    app.push(scene)
    app.frame()
    table, reader = scene.sides
    assert isinstance(reader, MapReaderSide) and reader.title == "Map-reading DQN"
    assert reader.env.observation_shape == (4, 8, 8) and table.env.observation_shape == (64,)
    saved = load_agent(map_reader_file)
    assert reader.agent.epsilon == reader.agent.config.end_e  # type: ignore[attr-defined]
    for (_, mine), (_, theirs) in zip(
        reader.agent.online.named_tensors(),  # type: ignore[attr-defined]
        saved.online.named_tensors(),  # type: ignore[attr-defined]
        strict=True,
    ):
        assert mine.shape == theirs.shape
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=""))
    app.frame()
    row, col = 3, 3
    surface = pygame.display.get_surface()
    corners, before = [], []
    for rect in scene.board_rects:
        cell_w = rect.width // 8
        corner = pygame.Rect(rect.left + col * cell_w + 4, rect.top + row * cell_w + 4, 6, 6)
        corners.append(corner)
        before.append(pygame.image.tobytes(surface.subsurface(corner), "RGB"))
    rect = scene.board_rects[1]
    cell_w = rect.width // 8
    pos = (rect.left + col * cell_w + cell_w // 2, rect.top + row * cell_w + cell_w // 2)
    assert scene.views[1].cell_at(rect, pos) == (row, col)  # type: ignore[attr-defined]
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, button=1, pos=pos))
    app.frame()
    for side in scene.sides:
        assert side.env.grid[row, col] == WALL  # type: ignore[attr-defined]
        check = optimality_check(side.env)
        assert check is not None and side.optimal == check(side.agent)
    for corner, old in zip(corners, before, strict=True):
        assert pygame.image.tobytes(surface.subsurface(corner), "RGB") != old
    # The reader's own observation shows the wall: it reads the map it is shown.
    assert reader.env.observe()[0, row, col] == 1.0


def test_compare_without_the_map_reader_file_says_how_to_make_it(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qarcade.app import players
    from qarcade.app.scenes.compare import CompareConfig, CompareScene

    monkeypatch.setattr(players, "AGENTS_DIR", tmp_path)
    with pytest.raises(GameError, match=r"assets/agents/README\.md"):
        CompareScene(app, CompareConfig("gridworld", options={"map": "lake4"}, network="maps"))
