"""Deep Q-learning: the same Q-function as the table, approximated by a network.

A double DQN (van Hasselt et al. 2016) in CleanRL's shape, with the masks and the
self-play sign that board games need. For a sampled batch of transitions::

    a*     = argmax over legal a' of Q_online(s', a')      (next_mask: illegal a' excluded)
    target = r + gamma * b * Q_target(s', a*)
             b = 0 if the game ended, -1 if s' is the opponent's view (flip), +1 otherwise
    loss   = Huber(Q_online(s, a), target)

then a gradient step (clipped to ``max_grad_norm``) and, every
``target_network_frequency`` steps, ``target <- tau * online + (1 - tau) * target`` (a
hard copy when ``tau == 1``). ``b = -1`` is negamax, as in the tabular agent: in a
zero-sum game the opponent's best is our worst.

Acting never picks an illegal action, exploring or not. Transitions go into a replay
buffer preallocated in numpy (:mod:`agents.replay`); the networks are in
:mod:`agents.networks`; the gradient step, by either of its two paths (CleanRL's, and a
faster one for the MLP, :attr:`DQNConfig.fast_path`), in :mod:`agents.dqn_update`.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import math
import os
import random
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar, TypeGuard

import numpy as np
import tomllib
import torch

from qarcade.agents.base import Agent, Transition
from qarcade.agents.checkpoints import (
    NUMERIC_DTYPES,
    CheckpointError,
    meta_count,
    meta_fraction,
    python_rng_json,
    python_rng_state,
    set_numpy_state,
)
from qarcade.agents.dqn_update import (
    FastUpdate,
    ReferenceUpdate,
    TensorBatch,
    UpdatePath,
)
from qarcade.agents.explain import NetworkUpdate
from qarcade.agents.exploration import VisitCounts
from qarcade.agents.kinds import check_settings, horizon_discount, learner_settings
from qarcade.agents.networks import (
    MLP,
    NETWORKS,
    FastMLP,
    MapNetwork,
    QNetwork,
    build_network,
    is_pixel_observation,
    numpy_q,
    tensor_shapes,
)
from qarcade.agents.replay import (
    ONE_HOT_INDEX,
    PrioritizedReplayBuffer,
    ReplayBuffer,
    one_hot_index,
)
from qarcade.games.core import Env, OptionError
from qarcade.games.files import size_text

DEVICES = ("auto", "cpu", "cuda")
#: ``reward_scale="auto"``: the scale follows the rewards the agent meets.
AUTO = "auto"
#: SimHash code length of the visit counts (:mod:`agents.exploration`).
COUNT_BITS = 16
#: ``reward_scale="auto"`` keeps every learnt value within +-this: TD errors then stay
#: about within the Huber loss's quadratic part (|error| < 1), where it regresses to the
#: mean target, not the median.
VALUE_BOUND = 2.0
#: The longest horizon ``reward_scale="auto"`` assumes (``gamma = 1``: an unknown one).
MAX_HORIZON = 1_000.0

#: The largest batch a gradient step may take: far above what DQNs use (32 to a few
#: thousand), far below what would hold the machine for minutes a step.
MAX_BATCH = 65_536


@dataclass
class DQNConfig:
    """Hyperparameters of :class:`DQNAgent`, with CleanRL's names.

    Attributes:
        learning_rate: Adam's step size.
        buffer_size: transitions the replay buffer holds.
        batch_size: transitions per gradient step.
        learning_starts: transitions stored before the first gradient step.
        train_frequency: a gradient step every this many transitions.
        target_network_frequency: transitions between target-network updates.
        tau: target update weight: 1.0 copies the online net, less is Polyak averaging.
        gamma: discount factor of future rewards.
        start_e: epsilon (probability of a random legal action) when training starts.
        end_e: epsilon once the decay is over.
        exploration_fraction: fraction of ``total_timesteps`` over which epsilon decays.
        total_timesteps: the training budget in transitions (env steps of every seat).
        max_grad_norm: gradients are scaled down to at most this global L2 norm.
        huber_delta: the Huber loss is quadratic for TD errors up to this, linear beyond
            (1, as in SB3 and CleanRL). Where one transition's outcomes differ by more
            (a slip beside the goal ends at +1 or in a pit at -1), the linear part pulls
            Q toward their median, not their mean: with outcomes +1 (80%) and -1 (20%)
            it settles at 0.75, not 0.6. Values learnt under ``reward_scale="auto"`` are
            within :data:`VALUE_BOUND`, so ``2 * VALUE_BOUND`` keeps every error of them
            quadratic (the slippery gridworld's setting; docs/learners.md).
        anneal_lr: the learning rate falls linearly from ``learning_rate`` to 0 over
            ``total_timesteps`` (CleanRL's ``anneal_lr``, SB3's linear schedule), so the
            late steps average the noise of the targets (a slippery floor, an unlucky
            batch) instead of following it; the greedy policy at the end is then the
            average's. It stays at 0 past ``total_timesteps``.
        policy_average: the greedy policy (playing, grading, the kept policy, the values
            drawn on the board) acts on an exponential moving average of the online
            network's weights over about this fraction of ``total_timesteps``
            (Polyak-Ruppert averaging; for networks, stochastic weight averaging,
            Izmailov et al. 2018), while the moves made to explore and the learning stay
            the online network's. Where two actions differ by less than the noise of
            the last updates, the last weights pick between them by that noise; their
            average picks by the values (docs/learners.md). 0 (the default) acts on the
            online weights.
        n_step: learn from n-step returns (Sutton & Barto 7.1; Rainbow's multi-step):
            each stored transition sums the next ``n_step`` rewards and bootstraps from
            the state after them with ``gamma ** n_step``, so a penalty reaches the
            moves that could have avoided it n times sooner. 1 is one-step DQN.
        prioritized_replay: draw transitions by their last TD error
            (:class:`~agents.replay.PrioritizedReplayBuffer`) instead of uniformly, so
            rare surprises (a life lost) are learnt from more often.
        priority_alpha: how strongly priorities skew the draw (0 is uniform).
        priority_beta: the importance-weight exponent at the start; it rises linearly
            to 1 (full correction) by the end of ``total_timesteps``.
        initial_q: the output layer's bias starts here, so every Q-value starts near it
            (in reward units). Above what the game can pay, untried actions look best
            and the greedy policy seeks them out (optimistic initial values, Sutton &
            Barto 2.6): exploration for sparse rewards that epsilon-greedy rarely
            reaches (no shipped game needs it; a big custom map may).
        reward_scale: rewards are multiplied by this before learning, so the network
            learns Q-values of order 1 whatever the game's point scale (Invaders' scores
            run into the hundreds); :meth:`DQNAgent.q_values` reports them unscaled.
            ``"auto"`` (the default) sets it from the rewards seen so far
            (:meth:`DQNAgent._observe_reward`): no learnt value exceeds
            :data:`VALUE_BOUND`, so the Huber loss stays about in its quadratic part and
            regresses to the mean target, not the median (docs/learners.md).
        count_bonus: ``C`` of count-based optimism: every action looks
            ``C / (n(s, a) + 1) ** count_power`` better than its Q-value (in learnt
            units, after ``reward_scale``), ``n`` the tries of that observation and
            action so far (:mod:`agents.exploration`), both when the agent acts to
            explore and in the target's next state, so the greedy policy is drawn along
            paths toward what was rarely tried, and an untried action looks ``C``
            better wherever it is (OPIQ, Rashid et al. 2020: optimistic initial values
            that hold under function approximation). The optimism fades as a pair is
            tried, never with time; the greedy policy (playing, grading, the kept
            policy) never sees it. 0 (the default) turns it off.
        exploit_head: with a ``count_bonus``, the network has a second head of
            Q-values, learnt from the same transitions with targets that leave the
            bonus out (double DQN on the rewards alone). The optimistic head, whose
            targets add the bonus, chooses the moves while exploring; the exploit head
            is the greedy policy (playing, grading, the values drawn on the board). The
            optimism a target adds at every step sums along a route to many times the
            goal's reward (``C / (1 - gamma)`` at most), so a single head's values say
            where the least tried cells are long after the goal is found, and its
            greedy walk wanders; the exploit head's are the rewards' from the first
            goal on. The same split as Agent57's separate extrinsic and intrinsic
            values (Badia et al. 2020). With ``dueling`` the two heads share the state
            value. False keeps one head (checkpoints made before it load so).
        optimism_cap: with a ``count_bonus``, the optimistic head's targets are at
            most the largest return the rewards seen so far allow: the largest
            positive reward that ended an episode plus the largest positive one that did
            not times the horizon ``1 / (1 - gamma)`` (R-MAX's ``V_max``, Brafman &
            Tennenholtz 2002; :meth:`DQNAgent.optimism_bound`). Uncapped, the optimism
            every target adds sums along a route to up to ``C / (1 - gamma)``, 100
            times a gridworld goal's reward: the explorer then prefers wandering toward
            the rarely tried to the goal, which ends the episode and its optimism, and
            on big maps met the goal a handful of times in the whole budget
            (docs/learners.md). Capped, no route looks better than the best the world
            has paid. False leaves it uncapped (checkpoints made before it load so).
        count_power: ``M`` above: 0.5 is MBIE-EB's ``1 / sqrt(n + 1)`` (Strehl &
            Littman 2008), which lingers; OPIQ's 2 is gone after a few tries, so the
            values it leaves in the targets are soon the reward's.
        hidden_sizes: widths of the MLP's hidden layers (the CNN uses the last one).
        dueling: the network's last layer puts out a state value and per-action
            advantages, ``Q = V + A - mean(A)`` (Wang et al. 2016): where most actions
            are worth about the same, the differences are learnt apart from the value.
        fast_path: train an MLP on the CPU by :class:`~agents.dqn_update.FastUpdate`
            (one flat weight vector, the backward by hand in numpy, about 2.5 times as
            fast for small networks); False, or a GPU, trains it by
            :class:`~agents.dqn_update.ReferenceUpdate`, which reads like CleanRL
            (``nn.Linear`` layers, autograd, ``torch.optim.Adam``). The two make the
            same steps to float precision. The CNN always takes the reference path (its
            arithmetic dominates; a flat layout gains nothing there). Checkpoints load
            into either.
        network: ``"auto"`` (the CNN for frames, an MLP otherwise) or ``"map"``, the
            value-iteration :class:`~agents.networks.MapNetwork` for planes over a grid
            (:data:`~agents.networks.NETWORKS`; :data:`MAP_SETTINGS` choose it).
        seed: seeds the weights, the replay sampling and the exploration.
        device: ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
        save_replay_buffer: checkpoints also hold the replay buffer, so a resumed run
            continues exactly (large for pixel games).
    """

    learning_rate: float = 1e-3
    buffer_size: int = 100_000
    batch_size: int = 64
    learning_starts: int = 1_000
    train_frequency: int = 4
    target_network_frequency: int = 500
    tau: float = 1.0
    gamma: float = 0.99
    start_e: float = 1.0
    end_e: float = 0.05
    exploration_fraction: float = 0.5
    total_timesteps: int = 100_000
    max_grad_norm: float = 10.0
    huber_delta: float = 1.0
    anneal_lr: bool = False
    policy_average: float = 0.0
    n_step: int = 1
    prioritized_replay: bool = False
    priority_alpha: float = 0.6
    priority_beta: float = 0.4
    initial_q: float = 0.0
    reward_scale: float | str = "auto"
    count_bonus: float = 0.0
    count_power: float = 0.5
    exploit_head: bool = True
    optimism_cap: bool = True
    hidden_sizes: tuple[int, ...] = (64, 64)
    dueling: bool = False
    fast_path: bool = True
    network: str = "auto"
    seed: int = 0
    device: str = "auto"
    save_replay_buffer: bool = False

    def __post_init__(self) -> None:
        sizes = self.hidden_sizes
        if not isinstance(sizes, (int, list, tuple)):
            raise OptionError(f"DQN hidden_sizes must be a list of integers, got {sizes!r}")
        self.hidden_sizes = (sizes,) if isinstance(sizes, int) else tuple(sizes)
        for name in (
            "anneal_lr",
            "prioritized_replay",
            "dueling",
            "exploit_head",
            "optimism_cap",
            "fast_path",
            "save_replay_buffer",
        ):
            if not isinstance(getattr(self, name), bool):
                raise OptionError(f"DQN {name} must be true or false, got {getattr(self, name)!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise OptionError(f"DQN seed must be an integer >= 0, got {self.seed!r}")
        if isinstance(self.reward_scale, str) and self.reward_scale != AUTO:
            raise OptionError(f"DQN reward_scale must be a number or {AUTO!r}")
        positive = (
            "buffer_size",
            "batch_size",
            "train_frequency",
            "target_network_frequency",
            "n_step",
        )
        for name in (*positive, "total_timesteps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionError(f"DQN {name} must be an integer >= 1, got {value!r}")
        if self.batch_size > MAX_BATCH:
            # A crafted checkpoint asked for 2.8 million: every step took minutes and
            # its intermediate tensors more than this machine's memory.
            raise OptionError(
                f"DQN batch_size must be at most {MAX_BATCH:,}, got {self.batch_size:,}"
            )
        if self.batch_size > self.buffer_size:
            # Drawn with replacement from at most buffer_size transitions, a bigger batch
            # repeats them and only costs time.
            raise OptionError(
                f"DQN batch_size ({self.batch_size}) must be at most buffer_size "
                f"({self.buffer_size})"
            )
        starts = self.learning_starts
        if isinstance(starts, bool) or not isinstance(starts, int) or starts < 0:
            raise OptionError(
                f"DQN learning_starts must be an integer >= 0, got {self.learning_starts!r}"
            )
        for name, low, high in (
            ("tau", 0.0, 1.0),
            ("gamma", 0.0, 1.0),
            ("start_e", 0.0, 1.0),
            ("end_e", 0.0, 1.0),
            ("exploration_fraction", 0.0, 1.0),
            ("policy_average", 0.0, 1.0),
            ("priority_alpha", 0.0, 1.0),
            ("priority_beta", 0.0, 1.0),
        ):
            _check_range(name, getattr(self, name), low, high)
        if not self.tau > 0.0:
            raise OptionError("DQN tau must be > 0 (0 would freeze the target network)")
        scales = ("learning_rate", "max_grad_norm", "huber_delta")
        for name in (*scales, *(("reward_scale",) if self.reward_scale != AUTO else ())):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not value > 0
                or not math.isfinite(value)
            ):
                auto = " or 'auto'" if name == "reward_scale" else ""
                raise OptionError(f"DQN {name} must be a positive number{auto}, got {value!r}")
        for name, least in (("count_bonus", ">="), ("count_power", ">")):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not (value >= 0 if least == ">=" else value > 0)
                or not math.isfinite(value)
            ):
                raise OptionError(f"DQN {name} must be a number {least} 0, got {value!r}")
        # The network's weights are float32: a start past 1e9 (times the reward scale)
        # would not fit, and no reward scale makes one useful.
        if not _finite_number(self.initial_q) or abs(self.initial_q) > 1e9:
            raise OptionError(
                f"DQN initial_q must be a finite number within -1e9..1e9, got {self.initial_q!r}"
            )
        scale = self.reward_scale
        if not isinstance(scale, str) and abs(self.initial_q * scale) > 1e30:
            raise OptionError(
                "DQN initial_q times reward_scale must fit a float32 network, got "
                f"{self.initial_q!r} x {scale!r}"
            )
        if not self.hidden_sizes or any(
            isinstance(h, bool) or not isinstance(h, int) or h < 1 for h in self.hidden_sizes
        ):
            raise OptionError(
                f"DQN hidden_sizes must be one or more positive integers, got {self.hidden_sizes!r}"
            )
        if self.network not in NETWORKS:
            raise OptionError(
                f"DQN network must be one of {', '.join(NETWORKS)}, got {self.network!r}"
            )
        if self.device not in DEVICES:
            raise OptionError(
                f"DQN device must be one of {', '.join(DEVICES)}, got {self.device!r}"
            )

    @classmethod
    def for_env(cls, env: Env, **overrides: Any) -> DQNConfig:
        """Defaults for ``env`` chosen from what it is, with ``overrides`` on top.

        - A game that tunes settings for the DQN
          (:meth:`~games.spec.GameSpec.settings_for`, from its ``game.toml``) gets those.
        - An env whose ``map_observation`` is true (planes over a grid, the last the
          agent's: the gridworld's ``obs_mode="map"``) gets the map-reading network's
          settings (:data:`MAP_SETTINGS`), whatever the game.
        - Pixel observations (stacked uint8 frames) get the CNN's settings
          (:data:`PIXEL_SETTINGS`).
        - Any other env (Gymnasium envs through the adapter, a person's own) gets the
          class defaults with what :func:`untuned_settings` derives from the env's
          properties on top, and adapts to it as it is met: the value scale follows the
          rewards seen (``reward_scale="auto"``). Nothing depends on a map's or an env's
          name.

        Unknown override names raise :class:`~games.core.OptionError` listing the valid ones.
        """
        if getattr(env, "map_observation", False):
            return cls._with(MAP_SETTINGS, overrides)
        tuned = learner_settings(env, "dqn")
        if tuned is not None:
            return cls._with(tuned, overrides)
        if is_pixel_observation(env.observation_shape, env.observation_dtype):
            return cls._with(PIXEL_SETTINGS, overrides)
        return cls._with(untuned_settings(env), overrides)

    def budget(self) -> tuple[int | None, int | None]:
        """The training budget: :attr:`total_timesteps` env steps."""
        return None, self.total_timesteps

    @classmethod
    def _with(cls, defaults: dict[str, Any], overrides: dict[str, Any]) -> DQNConfig:
        """``defaults`` then ``overrides`` over the class defaults, names checked."""
        return cls(**{**defaults, **check_settings(cls, overrides, "DQN")})

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-serialisable dict."""
        values = dataclasses.asdict(self)
        values["hidden_sizes"] = list(self.hidden_sizes)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DQNConfig:
        """The inverse of :meth:`to_dict`; unknown names and bad values raise
        :class:`~games.core.OptionError`."""
        return cls(**check_settings(cls, values, "DQN"))


#: The CNN's settings, for any env whose observations are frames
#: (:meth:`DQNConfig.for_env`), kept as data beside this module.
PIXEL_SETTINGS: dict[str, Any] = tomllib.loads(
    (resources.files(__package__) / "pixel_settings.toml").read_text(encoding="utf-8")
)
#: The map-reading network's settings, for any env whose observations are planes over a
#: grid (:meth:`DQNConfig.for_env`), kept as data beside this module.
MAP_SETTINGS: dict[str, Any] = tomllib.loads(
    (resources.files(__package__) / "map_settings.toml").read_text(encoding="utf-8")
)

#: What every env without settings of its own gets over the class defaults
#: (:func:`untuned_settings`): a Polyak-averaged target network updated every step
#: (``tau`` as in SB3's and CleanRL's continuous-control agents), which moves the targets
#: smoothly instead of jumping every few hundred steps, a learning rate annealed to 0
#: so the last steps average the targets' noise, and a greedy policy that acts on the
#: average of the weights over the last twentieth of the budget (``policy_average``), so
#: it does not hang on the last updates' noise either.
UNTUNED_SETTINGS: dict[str, Any] = {
    "tau": 0.005,
    "target_network_frequency": 1,
    "anneal_lr": True,
    "policy_average": 0.05,
}
#: Epsilon's decay, as a fraction of the budget, on feature observations (the RL Zoo's
#: CartPole and Acrobot settings decay over about a tenth): a network that generalises
#: between nearby states learns from its own greedy play sooner than from a long random
#: walk. One-hot observations keep the class default's longer decay: every state must
#: be met to be learnt.
FEATURE_EXPLORATION_FRACTION = 0.1


def untuned_settings(env: Env) -> dict[str, Any]:
    """The settings :meth:`DQNConfig.for_env` puts over the class defaults for an env
    with none of its own, chosen from what the env is, never from its name: the
    discount from its time limit (:func:`~agents.kinds.horizon_discount`), epsilon's
    decay from its observation kind (:data:`FEATURE_EXPLORATION_FRACTION`), and
    :data:`UNTUNED_SETTINGS`."""
    settings = {**UNTUNED_SETTINGS, "gamma": horizon_discount(env, DQNConfig.gamma)}
    if not env.one_hot_observation:
        settings["exploration_fraction"] = FEATURE_EXPLORATION_FRACTION
    return settings


def heads(config: DQNConfig) -> int:
    """How many heads of Q-values a network made for ``config`` has: 2 with a count
    bonus and :attr:`DQNConfig.exploit_head` (the optimistic head first), else 1."""
    return 2 if config.exploit_head and config.count_bonus > 0 else 1


def memory_budget() -> int:
    """The most memory one agent may ask for: half of this machine's physical memory
    (8 GiB where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):
        return 8 << 30


def memory_estimate(
    config: DQNConfig,
    observation_shape: tuple[int, ...],
    observation_dtype: np.dtype,
    num_actions: int,
    *,
    one_hot: bool = False,
) -> int:
    """About how many bytes an agent with ``config`` needs once its replay buffer is full:
    the replay buffer, four copies of the weights (online, target, Adam's two moments)
    plus a gradient, and the batch arrays. The network is counted as an MLP over the
    flattened observation, which bounds a CNN's size from above. A ``one_hot`` buffer
    keeps an index per observation (:mod:`agents.replay`)."""
    obs_bytes = (
        ONE_HOT_INDEX.itemsize
        if one_hot
        else math.prod(observation_shape) * np.dtype(observation_dtype).itemsize
    )
    widths = [math.prod(observation_shape), *config.hidden_sizes, num_actions * heads(config) + 1]
    parameters = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))
    per_transition = 2 * obs_bytes + num_actions + 8 + 4 + 4
    if config.prioritized_replay:
        per_transition += 2 * 8
    # A batch's observations are floats whatever the buffer keeps (a one-hot index
    # becomes a row of the width of the observation).
    batch = config.batch_size * (4 * 4 * math.prod(observation_shape) + 4 * 4 * sum(widths))
    return config.buffer_size * per_transition + 5 * 4 * parameters + batch


def check_memory(
    config: DQNConfig,
    observation_shape: tuple[int, ...],
    observation_dtype: np.dtype,
    num_actions: int,
    *,
    one_hot: bool = False,
) -> None:
    """Raise :class:`~games.core.OptionError` if an agent with ``config`` would need more
    than :func:`memory_budget` (:func:`memory_estimate`)."""
    need = memory_estimate(
        config, observation_shape, observation_dtype, num_actions, one_hot=one_hot
    )
    budget = memory_budget()
    if need > budget:
        raise OptionError(
            f"a DQN with buffer_size {config.buffer_size:,} and hidden_sizes "
            f"{list(config.hidden_sizes)} on observations of shape "
            f"{tuple(observation_shape)} needs about {size_text(need)}, more than the "
            f"{size_text(budget)} (half this machine's memory) one agent may use; "
            "lower them"
        )


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when present, else CPU; ``"cuda"`` without CUDA raises."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise OptionError("device 'cuda' was asked for but no CUDA GPU is available; use cpu")
    return torch.device(name)


class DQNAgent(Agent):
    """Double DQN with masked actions, a replay buffer and a target network.

    Args:
        observation_shape, observation_dtype: of the env's observations; uint8 frames
            ``(frames, height, width)`` get a CNN, anything else an MLP.
        num_actions: size of the action space.
        config: hyperparameters (default: :class:`DQNConfig`).
        game: the game's name, recorded in checkpoints.
        game_options: the env's options, recorded in checkpoints.
        one_hot_observation: every observation is one-hot
            (:attr:`games.core.Env.one_hot_observation`): the replay buffer keeps the
            index of the one and the network reads its weights by index, the same
            numbers as the product with the vector at a fraction of the time and memory.

    Attributes:
        epsilon: probability of a random legal action when exploring; the trainer sets it
            from the config's schedule (:class:`~agents.schedules.EpsilonSchedule`), the
            window's slider may set it directly.
        steps: transitions learnt from so far.
        train_steps: gradient steps taken so far.
        online, target: the online and target networks.
        buffer: the replay buffer.
        explain: when True, every gradient step keeps its batch's first transition, with
            its target, Q-value and loss, in ``last_update``
            (:class:`~agents.explain.NetworkUpdate`), for the window's single step.
    """

    name: ClassVar[str] = "dqn"
    learns: ClassVar[bool] = True
    config_class: ClassVar[type[DQNConfig]] = DQNConfig
    checkpoint_suffix: ClassVar[str] = ".safetensors"
    explain: bool = False
    last_update: NetworkUpdate | None = None

    def __init__(
        self,
        observation_shape: tuple[int, ...],
        observation_dtype: np.dtype,
        num_actions: int,
        config: DQNConfig | None = None,
        *,
        game: str = "",
        game_options: dict[str, Any] | None = None,
        one_hot_observation: bool = False,
    ) -> None:
        self.config = config if config is not None else DQNConfig()
        self.one_hot_observation = one_hot_observation
        if self.config.network == "map" and len(observation_shape) != 3:
            raise OptionError(
                "DQN network 'map' reads planes over a map (the gridworld's obs_mode='map'); "
                f"these observations have shape {tuple(observation_shape)}"
            )
        check_memory(
            self.config,
            observation_shape,
            observation_dtype,
            num_actions,
            one_hot=self.one_hot_observation,
        )
        self.observation_shape = tuple(observation_shape)
        self.observation_dtype = np.dtype(observation_dtype)
        self.num_actions = num_actions
        self.game = game
        self.game_options = dict(game_options or {})
        self.device = resolve_device(self.config.device)
        self.epsilon = self.config.start_e
        #: What rewards are multiplied by before learning; fixed, or following
        #: :attr:`reward_peaks` under ``reward_scale="auto"``.
        self.reward_scale = (
            1.0 if self.config.reward_scale == AUTO else float(self.config.reward_scale)
        )
        #: The largest absolute reward seen on a move the episode went on after, and on
        #: one that ended it (``reward_scale="auto"`` only).
        self.reward_peaks = [0.0, 0.0]
        #: The largest positive reward seen on a move the episode went on after, and on
        #: one that ended it (what :meth:`optimism_bound` is made of).
        self.reward_highs = [0.0, 0.0]
        self.visits = (
            VisitCounts(
                math.prod(self.observation_shape),
                num_actions,
                bits=COUNT_BITS,
                power=self.config.count_power,
                seed=self.config.seed,
            )
            if self.config.count_bonus > 0
            else None
        )
        #: n-step returns: the moves not yet stored (copies, their rewards scaled).
        self._window: collections.deque[Transition] = collections.deque()
        self.steps = 0
        self.train_steps = 0

        seed = self.config.seed
        # Every random draw has its own seeded generator, none of them global: weights
        # (torch), replay sampling (numpy) and exploration (Python's, a fraction of a
        # numpy call's cost per draw).
        generator = torch.Generator().manual_seed(seed)
        self.rng = random.Random(seed)
        buffer_args = (
            self.config.buffer_size,
            self.observation_shape,
            self.observation_dtype,
            num_actions,
            np.random.default_rng(seed),
        )
        self.buffer: ReplayBuffer = (
            PrioritizedReplayBuffer(
                *buffer_args, one_hot=self.one_hot_observation, alpha=self.config.priority_alpha
            )
            if self.config.prioritized_replay
            else ReplayBuffer(*buffer_args, one_hot=self.one_hot_observation)
        )
        online, target = self._network(generator), self._network(generator)
        target.load_state_dict(online.state_dict())
        path_args = (
            self.config.learning_rate,
            self.config.gamma,
            self.config.max_grad_norm,
            heads(self.config),
            self.config.huber_delta,
        )
        #: The networks, the optimizer and the gradient step (the seam).
        self.update_path: UpdatePath = (
            FastUpdate(online, target, *path_args)
            if isinstance(online, FastMLP) and isinstance(target, FastMLP)
            else ReferenceUpdate(online, target, *path_args)
        )
        self.online, self.target = online, target
        #: The network the greedy policy acts on: an exponential moving average of the
        #: online weights (``policy_average``), else the online network itself.
        self.greedy_network = online
        #: (average, online) tensor pairs :meth:`_update_average` moves: the flat
        #: weight vectors of two :class:`FastMLP` (one call a step), else each tensor.
        self._average_pairs: list[tuple[torch.Tensor, torch.Tensor]] = []
        if self.config.policy_average > 0:
            average = self._network(torch.Generator())
            average.load_state_dict(online.state_dict())
            self.greedy_network = average
            self._average_pairs = (
                [(average.weights.detach(), online.weights.detach())]
                if isinstance(average, FastMLP) and isinstance(online, FastMLP)
                else [
                    (mean, now)
                    for (_, mean), (_, now) in zip(
                        average.named_tensors(), online.named_tensors(), strict=True
                    )
                ]
            )
        self._set_optimism_cap()
        # Batches are sampled into fixed arrays that tensors made once look at (on a GPU,
        # copied into fixed device tensors): no allocation per step. The observations and
        # next observations are the two halves of one array, so the fast path runs the
        # online network over both in one pass.
        B = self.config.batch_size
        pair = np.zeros((2 * B, *self.buffer.obs.shape[1:]), self.buffer.obs.dtype)
        self._host_batch = self.buffer.empty_batch(B)._replace(obs=pair[:B], next_obs=pair[B:])
        host = self._host_batch
        self._cpu_batch = TensorBatch(
            *(
                torch.from_numpy(a)
                for a in (pair, host.actions, host.rewards, host.next_masks, host.bootstrap)
            )
        )
        self._device_batch = (
            self._cpu_batch
            if self.device.type == "cpu"
            else TensorBatch(*(t.to(self.device) for t in self._cpu_batch))
        )
        #: Prioritized replay: the batch's importance weights (None: uniform replay).
        self._importance = (
            torch.ones(B, device=self.device) if self.config.prioritized_replay else None
        )
        # Acting one observation at a time in numpy is several times faster than a torch
        # call for an MLP on the CPU; the arrays share the weights' memory.
        numpy_acting = isinstance(online, (MLP, FastMLP)) and self.device.type == "cpu"
        self._numpy_layers = (
            [t.numpy() for _, t in online.named_tensors()] if numpy_acting else None
        )
        self._greedy_layers = (
            [t.numpy() for _, t in self.greedy_network.named_tensors()] if numpy_acting else None
        )

    def _network(self, generator: torch.Generator) -> QNetwork:
        network = build_network(
            self.observation_shape,
            self.observation_dtype,
            self.num_actions * heads(self.config),
            self.config.hidden_sizes,
            generator,
            dueling=self.config.dueling,
            network=self.config.network,
            # The fast path's step is numpy's: on a GPU the network trains by autograd.
            fast=self.config.fast_path and self.device.type == "cpu",
        )
        with torch.no_grad():
            network.named_tensors()[-1][1].fill_(self.config.initial_q * self.reward_scale)
        return network.to(self.device)

    @classmethod
    def for_env(
        cls, env: Env, config: DQNConfig | None = None, *, seed: int | None = None
    ) -> DQNAgent:
        """An agent for ``env`` with its game's default config unless one is given;
        ``seed``, if given, replaces the config's."""
        config = config if config is not None else DQNConfig.for_env(env)
        if seed is not None:
            config = dataclasses.replace(config, seed=seed)
        return cls(
            env.observation_shape,
            env.observation_dtype,
            env.num_actions,
            config,
            game=env.name,
            game_options=env.options,
            one_hot_observation=env.one_hot_observation,
        )

    # ----------------------------------------------------------------- live settings
    @property
    def learning_rate(self) -> float:
        """Adam's step size; settable while learning (updates the optimizer)."""
        return self.config.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        value = float(value)
        if not value > 0 or not math.isfinite(value):
            raise OptionError(f"learning_rate must be a positive number, got {value!r}")
        self.config.learning_rate = value
        self.update_path.learning_rate = value

    # ----------------------------------------------------------------- acting
    def act(self, obs: np.ndarray, mask: np.ndarray, *, explore: bool = False) -> int:
        if explore and self.rng.random() < self.epsilon:
            legal = np.flatnonzero(mask)
            if len(legal) == 0:
                raise ValueError("act() needs at least one legal action in mask")
            return int(legal[int(self.rng.random() * len(legal))])
        x = self._network_input(obs)
        q = self._q(x, optimistic=explore)
        if explore and self.visits is not None:
            batch = np.array([x]) if isinstance(x, int) else x[None]
            q = q + self.config.count_bonus * self.visits.optimism(batch)[0]
        if not mask.all():
            if not mask.any():
                raise ValueError("act() needs at least one legal action in mask")
            q = np.where(mask, q, -np.inf)
        return int(q.argmax())

    def q_values(self, obs: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        q = self._q(obs).astype(np.float64) / self.reward_scale
        if mask is not None:
            q[~np.asarray(mask, dtype=bool)] = -np.inf
        return q

    def q_values_batch(self, obs: np.ndarray) -> np.ndarray:
        """Q-values of a batch of observations ``(n, *observation_shape)`` -> ``(n, A)``,
        in the game's reward units."""
        with torch.no_grad():
            x = torch.tensor(np.asarray(obs), device=self.device)
            q = self.greedy_network(x).cpu().numpy()
            return q[:, -self.num_actions :] / np.float32(self.reward_scale)

    def _network_input(self, obs: np.ndarray) -> np.ndarray | int:
        """One observation as :meth:`_q` and the visit counts take it fastest: a one-hot
        one as the index of its one where the network acts in numpy
        (:func:`~agents.networks.numpy_q`), else as it is."""
        if self.one_hot_observation and self._numpy_layers is not None:
            return one_hot_index(obs)
        return obs

    def _q(self, obs: np.ndarray | int, *, optimistic: bool = False) -> np.ndarray:
        """The Q-values of ``obs`` (or :meth:`_network_input`'s index) in learnt units:
        the greedy policy's (the exploit head's, where there are two, of
        :attr:`greedy_network`), or the online network's optimistic head's (its only
        head, where there is one) if ``optimistic``: the moves made to explore."""
        layers = self._numpy_layers if optimistic else self._greedy_layers
        if layers is not None:
            q = numpy_q(layers, self.config.dueling, obs)
        else:
            network = self.online if optimistic else self.greedy_network
            with torch.no_grad():
                x = torch.tensor(obs, device=self.device).unsqueeze(0)
                q = network(x)[0].cpu().numpy()
        A = self.num_actions
        return q[:A] if optimistic else q[-A:]

    # ----------------------------------------------------------------- learning
    def learn(self, transition: Transition) -> dict[str, float]:
        t = transition
        if self.config.reward_scale == AUTO:
            self._observe_reward(t.reward, t.terminated)
        reward = t.reward * self.reward_scale
        if self.visits is not None:
            self.visits.add(self._network_input(t.obs), t.action)
            if t.reward > self.reward_highs[t.terminated]:
                self.reward_highs[t.terminated] = t.reward
                self._set_optimism_cap()
        if self.config.n_step == 1:
            self.buffer.add(t.obs, t.action, reward, t.next_obs, t.next_mask, t.terminated, t.flip)
        else:
            self._add_n_step(t, reward)
        self.steps += 1
        config = self.config
        if self.steps <= config.learning_starts:
            return {}
        metrics: dict[str, float] = {}
        if self.steps % config.train_frequency == 0:
            if config.anneal_lr:
                left = max(0.0, 1.0 - self.steps / config.total_timesteps)
                self.update_path.learning_rate = config.learning_rate * left
            metrics = self._train_step()
            if self._average_pairs:
                self._update_average()
        if self.steps % config.target_network_frequency == 0:
            self._update_target()
        return metrics

    def _observe_reward(self, reward: float, terminated: bool) -> None:
        """Keep :attr:`reward_scale` at ``VALUE_BOUND / bound`` (never above 1), where
        ``bound = peak_end + peak_step * horizon`` bounds every return made of the rewards
        seen so far: ``horizon`` is ``1 / (1 - gamma)`` (at most :data:`MAX_HORIZON`).
        When a larger reward lowers the scale, everything learnt is rescaled with it."""
        peaks = self.reward_peaks
        seat = 1 if terminated else 0
        size = abs(reward)
        if size <= peaks[seat]:
            return
        peaks[seat] = size
        scale = min(1.0, VALUE_BOUND / (peaks[1] + peaks[0] * self._horizon()))
        if scale < self.reward_scale:
            self._rescale(scale / self.reward_scale)
            self.reward_scale = scale
            self._set_optimism_cap()

    def _horizon(self) -> float:
        """``1 / (1 - gamma)``, at most :data:`MAX_HORIZON`: how many rewards a return
        can add up to."""
        gamma = self.config.gamma
        return min(1.0 / (1.0 - gamma), MAX_HORIZON) if gamma < 1.0 else MAX_HORIZON

    def optimism_bound(self) -> float:
        """The largest return the rewards seen so far allow, in reward units: the
        largest positive reward that ended an episode plus the largest positive one that
        did not times the horizon (R-MAX's ``V_max``). 0 until a positive reward is
        seen: then no return seen could be above 0."""
        step, end = self.reward_highs
        return end + step * self._horizon()

    def _set_optimism_cap(self) -> None:
        """Give the gradient step the cap of the optimistic head's targets
        (:attr:`DQNConfig.optimism_cap`) in learnt units."""
        if self.visits is not None and self.config.optimism_cap:
            self.update_path.optimism_cap = self.optimism_bound() * self.reward_scale

    def _rescale(self, ratio: float) -> None:
        """Multiply every learnt value by ``ratio`` without changing what the agent
        prefers (Pop-Art's output preservation, van Hasselt et al. 2016, for a scale
        alone): the output layer of both networks, the rewards in the replay buffer and
        the n-step queue, and Adam's moments as the gradients they average would have
        been (``ratio`` for the output layer, ``ratio**2`` below it, where the gradient
        passes through the output weights)."""
        with torch.no_grad():
            for network in dict.fromkeys((self.online, self.target, self.greedy_network)):
                for _, tensor in network.named_tensors()[-2:]:
                    tensor.mul_(ratio)
            moments = self.update_path.adam_moments()
            for i, (exp_avg, exp_avg_sq) in enumerate(moments):
                output_layer = i >= len(moments) - 2
                exp_avg.mul_(ratio if output_layer else ratio**2)
                exp_avg_sq.mul_(ratio**2 if output_layer else ratio**4)
        self.buffer.rewards[: len(self.buffer)] *= ratio
        for move in self._window:
            move.reward *= ratio

    def _add_n_step(self, t: Transition, reward: float) -> None:
        """Queue ``t``; store the n-step transition that starts ``n_step`` moves back once
        there is one, and every pending one when the game ends. A transition that does
        not start where the last one ended (a new episode the trainer did not announce)
        closes the queue first."""
        window = self._window
        if window and t.obs is not window[-1].next_obs:
            self._flush_window(terminated=False)
        window.append(dataclasses.replace(t, reward=reward))
        if t.terminated:
            self._flush_window(terminated=True)
        elif len(window) == self.config.n_step:
            self._store_window_head(terminated=False)
            window.popleft()

    def _store_window_head(self, *, terminated: bool) -> None:
        """Store the transition from the queue's first state to its end:
        ``R = r0 + gamma s0 r1 + gamma^2 s0 s1 r2 + ...`` (``s = -1`` across a flip, as in
        the negamax target), bootstrapped with ``gamma^k`` and the product of the signs."""
        gamma = self.config.gamma
        total, coefficient, sign = 0.0, 1.0, 1.0
        for move in self._window:
            total += coefficient * sign * move.reward
            coefficient *= gamma
            sign = -sign if move.flip else sign
        first, last = self._window[0], self._window[-1]
        discount = coefficient / gamma if gamma > 0 else 0.0
        self.buffer.add(
            first.obs,
            first.action,
            total,
            last.next_obs,
            last.next_mask,
            terminated,
            sign < 0,
            discount,
        )

    def _flush_window(self, *, terminated: bool) -> None:
        while self._window:
            self._store_window_head(terminated=terminated)
            self._window.popleft()

    def end_episode(self) -> dict[str, float]:
        # A time limit: the queued moves bootstrap from the last state.
        self._flush_window(terminated=False)
        return {}

    def _train_step(self) -> dict[str, float]:
        """One gradient step on a sampled batch; returns the loss and the mean Q."""
        config = self.config
        if isinstance(self.buffer, PrioritizedReplayBuffer) and self._importance is not None:
            beta = config.priority_beta + (1.0 - config.priority_beta) * min(
                1.0, self.steps / config.total_timesteps
            )
            idx, weights = self.buffer.sample_prioritized(
                config.batch_size, beta, out=self._host_batch
            )
            self._importance.copy_(torch.from_numpy(weights))
        else:
            self.buffer.sample(config.batch_size, out=self._host_batch)
        batch = self._device_batch
        if batch is not self._cpu_batch:
            for device_tensor, cpu_tensor in zip(batch, self._cpu_batch, strict=True):
                device_tensor.copy_(cpu_tensor, non_blocking=True)
        # What the step's target makes of the first transition, read before it moves
        # the weights.
        first = self._first_target() if self.explain else None
        step = self.update_path.update(
            batch, self._bonus(self._host_batch.next_obs), self._importance
        )
        if isinstance(self.buffer, PrioritizedReplayBuffer):
            self.buffer.update_priorities(idx, step.error)
        if first is not None:
            self.last_update = self._first_of_batch(step.q, step.error, *first)
        self.train_steps += 1
        # float() waits for the device; on a GPU that also guarantees the batch copies
        # are done before the host arrays are refilled next step.
        return {"loss": step.loss, "q_mean": float(np.add.reduce(step.q)) / len(step.q)}

    def _bonus(self, next_obs: np.ndarray) -> torch.Tensor | None:
        """The count bonus of every action of ``next_obs`` (n, A) as the targets add it,
        or None when there is none."""
        if self.visits is None:
            return None
        optimism = self.visits.optimism(next_obs)
        optimism *= self.config.count_bonus
        return torch.from_numpy(optimism).to(self.device)

    def _first_target(self) -> tuple[int, float, float]:
        """The batch's first transition's next action ``a*``, ``Q_target(s', a*)`` and
        count bonus, as the step's double-DQN target makes them (bonus included) for the
        head the step reports (the exploit head's, without a bonus, where there are two)."""
        batch = self._device_batch
        A = self.num_actions
        with torch.no_grad():
            next_online = self.online(batch.next_obs[:1])[0, -A:]
            next_target = self.target(batch.next_obs[:1])[0, -A:]
            one_head = self.update_path.heads == 1
            bonus = self._bonus(self._host_batch.next_obs[:1]) if one_head else None
            if bonus is not None:
                next_online, next_target = next_online + bonus[0], next_target + bonus[0]
        mask = batch.next_masks[0]
        next_action = int(torch.where(mask, next_online, -torch.inf).argmax()) if mask.any() else 0
        bonus_value = 0.0 if bonus is None else float(bonus[0, next_action])
        return next_action, float(next_target[next_action]), bonus_value

    def _first_of_batch(
        self,
        q: np.ndarray,
        error: np.ndarray,
        next_action: int,
        next_q_target: float,
        bonus: float,
    ) -> NetworkUpdate:
        """The batch's first transition as this step learnt from it: ``q`` and ``error``
        (``Q - target``) are the step's own, the rest :meth:`_first_target`'s."""
        batch = self._device_batch
        q0, error0 = float(q[0]), float(error[0])
        weight = 1.0 if self._importance is None else float(self._importance[0])
        delta = self.config.huber_delta
        size = abs(error0)
        huber = 0.5 * size**2 if size < delta else delta * (size - 0.5 * delta)
        return NetworkUpdate(
            obs=self._observation(batch.obs[0]),
            next_obs=self._observation(batch.next_obs[0]),
            action=int(batch.actions[0]),
            reward=float(batch.rewards[0]),
            gamma=self.config.gamma,
            bootstrap=float(batch.bootstrap[0]),
            next_action=next_action,
            next_q_target=next_q_target,
            bonus=bonus,
            target=q0 - error0,
            q=q0,
            loss=weight * huber,
            batch_size=self.config.batch_size,
        )

    def _observation(self, row: torch.Tensor) -> np.ndarray:
        """An observation of a batch as the env gave it (a one-hot one made whole again
        from its index)."""
        if not self.one_hot_observation:
            return row.cpu().numpy().copy()
        obs = np.zeros(self.observation_shape, self.observation_dtype)
        obs.flat[int(row)] = 1
        return obs

    def _update_target(self) -> None:
        self.update_path.update_target(self.config.tau)

    def _update_average(self) -> None:
        """Move :attr:`greedy_network` toward the online weights after a gradient step:
        an exponential moving average over about ``policy_average * total_timesteps``
        env steps (``train_frequency`` of them a gradient step)."""
        config = self.config
        horizon = max(1.0, config.policy_average * config.total_timesteps)
        weight = 1.0 - (1.0 - 1.0 / horizon) ** config.train_frequency
        with torch.no_grad():
            for mean, now in self._average_pairs:
                mean.lerp_(now, weight)

    # ----------------------------------------------------------------- best policy
    def policy_state(self) -> list[torch.Tensor]:
        """The online weights, then the averaged ones where the greedy policy acts on
        them (``policy_average``)."""
        networks = dict.fromkeys((self.online, self.greedy_network))
        return [t.clone() for network in networks for _, t in network.named_tensors()]

    def load_policy_state(self, state: list[torch.Tensor]) -> None:
        online = self.online.named_tensors()
        saved_online = state[: len(online)]
        with torch.no_grad():
            for network in (self.online, self.target):
                for (_, tensor), saved in zip(network.named_tensors(), saved_online, strict=True):
                    tensor.copy_(saved)
            if self.greedy_network is not self.online:
                averaged = self.greedy_network.named_tensors()
                for (_, tensor), saved in zip(averaged, state[len(online) :], strict=True):
                    tensor.copy_(saved)

    # ----------------------------------------------------------------- reporting
    def memory_report(self) -> dict[str, Any]:
        parameters = self.online.num_parameters
        return {
            "kind": "network",
            "parameters": parameters,
            "bytes": parameters * torch.finfo(torch.float32).bits // 8,
            "replay_transitions": len(self.buffer),
            "replay_capacity": self.buffer.capacity,
            "replay_bytes": self.buffer.nbytes,
        }

    def config_dict(self) -> dict[str, Any]:
        return self.config.to_dict()

    # ----------------------------------------------------------------- checkpoints
    def to_checkpoint(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {f"online.{k}": _numpy(v) for k, v in self.online.named_tensors()}
        arrays.update({f"target.{k}": _numpy(v) for k, v in self.target.named_tensors()})
        if self.greedy_network is not self.online:
            arrays.update(
                {f"average.{k}": _numpy(v) for k, v in self.greedy_network.named_tensors()}
            )
        # Adam's moments flat, in the order of the tensors: either path reads them.
        moments = self.update_path.adam_moments()
        arrays["adam.exp_avg"] = _numpy(torch.cat([m.flatten() for m, _ in moments]))
        arrays["adam.exp_avg_sq"] = _numpy(torch.cat([v.flatten() for _, v in moments]))
        if self.config.save_replay_buffer:
            arrays.update(self.buffer.state_arrays("replay."))
        if self.visits is not None:
            arrays.update(self.visits.state_arrays("visits."))
        meta = {
            "game": self.game,
            "game_options": self.game_options,
            "config": self.config_dict(),
            "observation_shape": list(self.observation_shape),
            "observation_dtype": self.observation_dtype.str,
            "num_actions": self.num_actions,
            "one_hot_observation": self.one_hot_observation,
            "epsilon": self.epsilon,
            "reward_scale": self.reward_scale,
            "reward_peaks": list(self.reward_peaks),
            "reward_highs": list(self.reward_highs),
            "dqn_steps": self.steps,
            "train_steps": self.train_steps,
            "adam_step": self.update_path.adam_steps,
            "rng_state": python_rng_json(self.rng),
            "replay_rng_state": self.buffer.rng.bit_generator.state,
        }
        return arrays, meta

    @classmethod
    def from_checkpoint(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> DQNAgent:
        values = meta["config"]
        if isinstance(values, dict):
            # A checkpoint made before the exploit head had one head, and one made
            # before the optimism cap had none.
            values = {"exploit_head": False, "optimism_cap": False, **values}
        config = DQNConfig.from_dict(values)
        if config.device == "cuda" and not torch.cuda.is_available():
            # Weights trained on a GPU load anywhere.
            config = dataclasses.replace(config, device="auto")
        shape, num_actions = meta.get("observation_shape"), meta.get("num_actions")
        if not isinstance(shape, list) or not all(_size(n) for n in shape):
            raise CheckpointError(f"observation_shape {shape!r} is not a list of sizes")
        if not _size(num_actions):
            raise CheckpointError(f"num_actions {num_actions!r} is not an integer >= 1")
        dtype = meta.get("observation_dtype")
        if not isinstance(dtype, str) or dtype not in NUMERIC_DTYPES:
            raise CheckpointError(f"observation_dtype {dtype!r} is not a numeric dtype")
        # The config must fit this machine and the weights the network it describes:
        # both checked before anything of that size is allocated.
        one_hot = meta.get("one_hot_observation", False)  # absent before it was kept
        if not isinstance(one_hot, bool):
            raise CheckpointError(f"one_hot_observation {one_hot!r} is not true or false")
        check_memory(config, tuple(shape), np.dtype(dtype), num_actions, one_hot=one_hot)
        try:
            shapes = tensor_shapes(
                shape,
                np.dtype(dtype),
                num_actions * heads(config),
                config.hidden_sizes,
                dueling=config.dueling,
                network=config.network,
            )
        except ValueError as error:
            raise CheckpointError(str(error)) from None
        averaged = config.policy_average > 0 and any(key.startswith("average.") for key in arrays)
        for prefix in ("online.", "target.", *(("average.",) if averaged else ())):
            _check_weight_shapes(shapes, arrays, prefix)
        agent = cls(
            tuple(shape),
            np.dtype(dtype),
            num_actions,
            config,
            game=meta["game"],
            game_options=meta["game_options"],
            one_hot_observation=one_hot,
        )
        _load_weights(agent.online, arrays, "online.")
        _load_weights(agent.target, arrays, "target.")
        if agent.greedy_network is not agent.online:
            # A checkpoint saved without the average starts it at the online weights.
            _load_weights(agent.greedy_network, arrays, "average." if averaged else "online.")
        size = agent.online.num_parameters
        moments = agent.update_path.adam_moments()
        for index, key in enumerate(("exp_avg", "exp_avg_sq")):
            array = arrays.get(f"adam.{key}")
            if array is None or array.shape != (size,) or array.dtype != np.float32:
                raise CheckpointError(
                    f"optimizer state adam.{key} is missing or not ({size},) float32"
                )
            flat = torch.from_numpy(array)
            with torch.no_grad():
                for pair in moments:
                    moment = pair[index]
                    moment.copy_(flat[: moment.numel()].view_as(moment))
                    flat = flat[moment.numel() :]
        agent.update_path.adam_steps = meta_count(meta, "adam_step")
        if any(key.startswith("replay.") for key in arrays):
            agent.buffer.load_state_arrays(arrays, "replay.")
        if agent.visits is not None and "visits.index" in arrays:
            agent.visits.load_state_arrays(arrays, "visits.")
        agent.epsilon = meta_fraction(meta, "epsilon", agent.epsilon)
        if config.reward_scale == AUTO:
            scale = meta_fraction(meta, "reward_scale", 1.0)
            if scale == 0:
                raise CheckpointError("reward scale 0 is not a scale in (0, 1]")
            agent.reward_scale = scale
            agent.reward_peaks = _reward_pair(meta, "reward_peaks")
        agent.reward_highs = _reward_pair(meta, "reward_highs")
        agent._set_optimism_cap()
        agent.steps = meta_count(meta, "dqn_steps")
        agent.train_steps = meta_count(meta, "train_steps")
        if "rng_state" in meta:
            agent.rng.setstate(python_rng_state(meta["rng_state"]))
        if "replay_rng_state" in meta:
            set_numpy_state(agent.buffer.rng, meta["replay_rng_state"], "replay buffer")
        return agent


def map_reader_for(env: Env, source: DQNAgent) -> DQNAgent:
    """``source``, a map-reading agent (:class:`~agents.networks.MapNetwork`), made
    ready to play and keep learning on ``env``'s map, whatever its size: the network's
    weights are the same for maps of every size, so only the buffers around them are
    new (an empty replay buffer, a fresh optimizer). It explores at the config's
    ``end_e``: it has learnt already.

    Raises :class:`~games.core.OptionError` if ``source`` does not read maps or ``env``
    observes something else.
    """
    if not isinstance(source.online, MapNetwork):
        raise OptionError(f"the {source.game or 'given'} DQN does not read maps")
    shape = tuple(env.observation_shape)
    if not getattr(env, "map_observation", False) or shape[0] != source.observation_shape[0]:
        raise OptionError(
            f"a map-reading DQN plays map observations of {source.observation_shape[0]} "
            f"planes; {env.name} observes {shape} (use obs_mode='map')"
        )
    agent = DQNAgent(
        shape,
        env.observation_dtype,
        env.num_actions,
        dataclasses.replace(source.config),
        game=env.name,
        game_options=env.options,
    )
    with torch.no_grad():
        for network in dict.fromkeys((agent.online, agent.target, agent.greedy_network)):
            for (_, mine), (_, learnt) in zip(
                network.named_tensors(), source.greedy_network.named_tensors(), strict=True
            ):
                mine.copy_(learnt)
    agent.reward_scale, agent.reward_peaks = source.reward_scale, list(source.reward_peaks)
    agent.reward_highs = list(source.reward_highs)
    agent._set_optimism_cap()
    agent.epsilon = agent.config.end_e
    return agent


def _reward_pair(meta: dict[str, Any], key: str) -> list[float]:
    """A checkpoint's ``[step, end]`` pair of reward sizes (``reward_peaks``,
    ``reward_highs``), [0, 0] where it has none. Raises :class:`CheckpointError` unless
    both are finite numbers within 0..1e30."""
    pair = meta.get(key, [0.0, 0.0])
    if (
        not isinstance(pair, list)
        or len(pair) != 2
        or not all(_finite_number(p) and 0 <= p <= 1e30 for p in pair)
    ):
        raise CheckpointError(
            f"{key.replace('_', ' ')} {pair!r} are not two finite numbers within 0..1e30"
        )
    return [float(p) for p in pair]


def _finite_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def _size(value: Any) -> TypeGuard[int]:
    """Whether ``value`` is an int usable as a size (1 to 2**31)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 1 << 31


def _check_range(name: str, value: Any, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise OptionError(f"DQN {name} must be a number in [{low}, {high}], got {value!r}")


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


def _check_weight_shapes(
    shapes: dict[str, tuple[int, ...]], arrays: dict[str, np.ndarray], prefix: str
) -> None:
    """Raise :class:`CheckpointError` unless the ``prefix + name`` arrays are exactly the
    tensors of ``shapes`` (:func:`~agents.networks.tensor_shapes`), float32."""
    expected = {prefix + k for k in shapes}
    found = {k for k in arrays if k.startswith(prefix)}
    if found != expected:
        missing = sorted(expected - found)
        extra = sorted(found - expected)
        raise CheckpointError(
            f"the {prefix[:-1]} network's weights do not match this network "
            f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})"
        )
    for name, shape in shapes.items():
        array = arrays[prefix + name]
        if array.shape != shape or array.dtype != np.float32:
            raise CheckpointError(
                f"weight {prefix}{name} is {array.shape} {array.dtype}, expected {shape} float32"
            )


def _load_weights(network: QNetwork, arrays: dict[str, np.ndarray], prefix: str) -> None:
    """Copy the ``prefix + name`` arrays (checked by :func:`_check_weight_shapes`) into
    ``network``'s weights; raise :class:`CheckpointError` on a non-finite one."""
    with torch.no_grad():
        for name, tensor in network.named_tensors():
            array = arrays[prefix + name]
            if not np.isfinite(array).all():
                raise CheckpointError(f"weight {prefix}{name} holds NaN or infinite values")
            tensor.copy_(torch.from_numpy(array))
