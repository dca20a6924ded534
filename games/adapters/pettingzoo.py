"""Tic-tac-toe as a PettingZoo AEC env, shaped like PettingZoo's own ``tictactoe_v3``.

    from qarcade.games.adapters.pettingzoo import env

    aec = env(render_mode="human")
    aec.reset(seed=42)
    for agent in aec.agent_iter():
        observation, reward, termination, truncation, info = aec.last()
        action = None if termination or truncation else policy(observation)
        aec.step(action)

Every agent observes ``{"observation", "action_mask"}``: the board from *its own* point
of view (qarcade's encoding, so an agent trained on :class:`games.tictactoe.env.TicTacToeEnv`
plays here unchanged) and the int8 mask of legal squares (all zeros when it is not that
agent's turn). Requires ``pettingzoo`` (``pip install -e ".[gym]"``); rendering uses the
game's pygame view through the Gymnasium adapter's renderer.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import AgentSelector, wrappers

from qarcade.games.adapters.gymnasium import TURN_BASED_FPS, Renderer
from qarcade.games.core import OptionError
from qarcade.games.tictactoe.env import OBSERVATION_SHAPE, TicTacToeEnv, observation
from qarcade.games.tictactoe.rules import to_bits


class TicTacToeAEC(AECEnv):
    """Tic-tac-toe for agents ``"player_0"`` (X, moves first) and ``"player_1"`` (O).

    Actions:
        ``Discrete(9)``: the squares in row-major order, ``0`` top left.

    Observation:
        ``Dict(observation=Box(0, 1, (2, 3, 3), float32), action_mask=Box(0, 1, (9,),
        int8))``. Plane 0 of ``observation`` holds the observing agent's marks, plane 1
        the opponent's.

    Rewards:
        +1 to the winner and -1 to the loser when a game is won, 0 otherwise.

    Episode end:
        Both agents terminate when a player has three in a line or the board is full.

    Arguments:
        render_mode: None, ``"rgb_array"`` or ``"human"``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "name": "qarcade_tictactoe_v0",
        "render_modes": ["human", "rgb_array"],
        "render_fps": TURN_BASED_FPS,
        "is_parallelizable": False,
    }

    def __init__(self, render_mode: str | None = None) -> None:
        super().__init__()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise OptionError(
                f"unknown render_mode {render_mode!r}; choose one of: "
                f"{', '.join(self.metadata['render_modes'])} (or None)"
            )
        self.render_mode = render_mode
        self.game = TicTacToeEnv()
        self.possible_agents = [f"player_{seat}" for seat in range(self.game.num_players)]
        self.agents = self.possible_agents[:]
        self._seat = {agent: seat for seat, agent in enumerate(self.possible_agents)}
        self.action_spaces = {a: spaces.Discrete(self.game.num_actions) for a in self.agents}
        self.observation_spaces = {
            a: spaces.Dict(
                {
                    "observation": spaces.Box(0.0, 1.0, OBSERVATION_SHAPE, np.float32),
                    "action_mask": spaces.Box(0, 1, (self.game.num_actions,), np.int8),
                }
            )
            for a in self.agents
        }
        self._renderer: Renderer | None = None
        self._selector = AgentSelector(self.agents)
        self.agent_selection = self._selector.reset()
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict[str, Any]] = {a: {} for a in self.agents}

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        seat = self._seat[agent]
        bits = to_bits(self.game.board)
        board = observation(bits[seat], bits[1 - seat]).copy()
        if agent == self.agent_selection:
            mask = self.game.action_mask().astype(np.int8)
        else:
            mask = np.zeros(self.game.num_actions, dtype=np.int8)
        return {"observation": board, "action_mask": mask}

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        self.game.reset(seed=seed)
        self.agents = self.possible_agents[:]
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos = {a: {} for a in self.agents}
        self._selector.reinit(self.agents)
        self.agent_selection = self._selector.reset()
        if self.render_mode == "human":
            self.render()

    def step(self, action: Any) -> None:
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        self._cumulative_rewards[agent] = 0.0
        _, _, terminated, truncated, info = self.game.step(action)
        for a in self.agents:
            self.rewards[a] = float(info["rewards"][self._seat[a]])
        if terminated or truncated:
            self.terminations = dict.fromkeys(self.agents, bool(terminated))
            self.truncations = dict.fromkeys(self.agents, bool(truncated))
        self._accumulate_rewards()
        self.agent_selection = self._selector.next()
        if self.render_mode == "human":
            self.render()

    def render(self) -> np.ndarray | None:
        """An (H, W, 3) uint8 frame in ``rgb_array`` mode; draws the window in ``human``."""
        if self.render_mode is None:
            return None
        if self._renderer is None:
            self._renderer = Renderer(self.game, self.render_mode, TURN_BASED_FPS)
        return self._renderer.draw()

    def close(self) -> None:
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


def raw_env(render_mode: str | None = None) -> TicTacToeAEC:
    """The env without PettingZoo's checking wrappers."""
    return TicTacToeAEC(render_mode=render_mode)


def env(render_mode: str | None = None) -> AECEnv:
    """The env with PettingZoo's standard wrappers, as ``tictactoe_v3.env()`` has them:
    an illegal move ends the game with -1 for the mover, and misuse raises clear errors."""
    aec: AECEnv = raw_env(render_mode=render_mode)
    aec = wrappers.TerminateIllegalWrapper(aec, illegal_reward=-1)
    aec = wrappers.AssertOutOfBoundsWrapper(aec)
    return wrappers.OrderEnforcingWrapper(aec)
