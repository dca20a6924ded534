"""Q-networks for DQN: an MLP for vector observations, a small CNN for pixel frames, a
value-iteration network for maps.

Each maps a batch of observations to one Q-value per action, ``(batch, num_actions)``.
:class:`MLP` and :class:`CNN` are plain ``nn.Module`` s trained by autograd, as in
CleanRL. :class:`FastMLP` is the same MLP laid out for speed: its parameters are views
into **one flat vector**, :attr:`FastMLP.weights`, and its backward pass is written out
by hand in numpy (:meth:`FastMLP.backward_rows`). For networks this small, Python
overhead per tensor, per call and per autograd node costs more than the arithmetic, so
one vector makes the gradient, its norm, the Adam step and the target update one call
each
(:mod:`agents.dqn_update` trains either kind; ``tests/test_dqn_update.py`` proves them
equal).

All of them name their tensors alike (``layers.0.weight``, ``convs.1.bias``, ...;
:meth:`QNetwork.named_tensors`), so a checkpoint loads into either MLP, and draw their
initial weights from a given generator the same way.

:func:`build_network` picks the network for an env's observations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class QNetwork(nn.Module):
    """Observations ``(batch, *observation_shape)`` -> Q-values ``(batch, num_actions)``.

    Attributes:
        dueling: the last layer puts out a state value and one advantage per action,
            combined by :func:`dueling_q` (Wang et al. 2016).
    """

    dueling: bool

    def named_tensors(self) -> list[tuple[str, torch.Tensor]]:
        """``(name, tensor)`` of every weight and bias, detached, in layer order, each
        weight before its bias, e.g. ``("layers.0.weight", W)``. The tensors share the
        network's memory: writing into them changes the network."""
        return [(name, p.detach()) for name, p in self.named_parameters()]

    @property
    def num_parameters(self) -> int:
        return sum(t.numel() for _, t in self.named_tensors())

    def reset_parameters(self, generator: torch.Generator) -> None:
        """PyTorch's default initialisation of ``nn.Linear`` and ``nn.Conv2d`` (uniform
        in +-1/sqrt(fan_in) for weight and bias), drawn from ``generator`` so a seed fixes
        it without touching torch's global random state."""
        tensors = [t for _, t in self.named_tensors()]
        with torch.no_grad():
            for weight, bias in zip(tensors[::2], tensors[1::2], strict=True):
                bound = 1.0 / math.sqrt(math.prod(weight.shape[1:]))
                weight.uniform_(-bound, bound, generator=generator)
                bias.uniform_(-bound, bound, generator=generator)


def _mlp_sizes(
    in_features: int, hidden_sizes: Sequence[int], num_actions: int, dueling: bool
) -> list[int]:
    """The width of every layer's input and of the output (one more for a dueling V)."""
    return [in_features, *hidden_sizes, num_actions + dueling]


class MLP(QNetwork):
    """Fully connected Q-network: observation (flattened) -> ReLU hidden layers -> Q.

    Args:
        in_features: the observation's size once flattened.
        hidden_sizes: widths of the hidden layers, e.g. ``(64, 64)``.
        num_actions: one output per action.
        dueling: see :class:`QNetwork`.
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        num_actions: int,
        *,
        dueling: bool = False,
    ) -> None:
        super().__init__()
        sizes = _mlp_sizes(in_features, hidden_sizes, num_actions, dueling)
        # skip_init: the weights are drawn by reset_parameters, from a seeded generator.
        self.layers = nn.ModuleList(
            nn.utils.skip_init(nn.Linear, n_in, n_out) for n_in, n_out in itertools.pairwise(sizes)
        )
        self.dueling = dueling

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, *observation_shape), any real dtype, or (batch,) integer indices
        of one-hot observations' ones (:func:`is_one_hot_index`) -> Q (batch,
        num_actions)."""
        if is_one_hot_index(obs):
            x = F.one_hot(obs, cast(nn.Linear, self.layers[0]).in_features).float()
        else:
            x = obs.flatten(1).float()
        *hidden, last = self.layers
        for layer in hidden:
            x = F.relu(layer(x))
        out = last(x)
        return dueling_q(out) if self.dueling else out


class FastMLP(QNetwork):
    """:class:`MLP` with its parameters in one flat vector and a hand-written backward.

    Args:
        shapes: the name and shape of each weight and bias, in layer order (an MLP's
            :func:`tensor_shapes`).
        dueling: see :class:`QNetwork`.

    The layer views of the weights (and of a gradient buffer they are written into) are
    made once, when the network is built or moved: slicing a dozen views per call would
    cost more than the small network's arithmetic. The forward pass does not record an
    autograd graph; :meth:`forward_keeping_inputs` and :meth:`backward_rows` are the
    training step's forward and backward, in numpy on the same memory (CPU only: a numpy
    call costs about a microsecond where a torch call costs several).
    """

    def __init__(self, shapes: Mapping[str, tuple[int, ...]], *, dueling: bool = False) -> None:
        super().__init__()
        self.names = list(shapes)
        self.shapes = list(shapes.values())
        self.weights = nn.Parameter(torch.zeros(sum(math.prod(s) for s in self.shapes)))
        self.dueling = dueling
        self._make_views()

    def views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """Each layer's weight and bias as views into ``flat`` (the weights, a gradient,
        an optimizer's moment: anything laid out like :attr:`weights`)."""
        sizes = [math.prod(shape) for shape in self.shapes]
        return [
            part.view(shape) for part, shape in zip(flat.split(sizes), self.shapes, strict=True)
        ]

    def _make_views(self) -> None:
        # Ordinary tensors even when first called under torch.inference_mode, so the
        # training step may write into the gradient buffer later.
        with torch.inference_mode(False):
            weights = self.weights.detach()
            self._weights = self.views(weights)
            self._transposed = [w.t() for w in self._weights[::2]]
            # The training step's numpy views of the weights and of a gradient buffer
            # (:meth:`forward_keeping_inputs`, :meth:`backward_rows`): on the CPU only.
            self._arrays: list[np.ndarray] | None = None
            if weights.device.type == "cpu":
                self._arrays = [w.numpy() for w in self._weights]
                grad = torch.zeros_like(weights)
                self._grad = grad.numpy()
                self._grads = [g.numpy() for g in self.views(grad)]
                self._first_grad = self.views(grad)[0]
                # Ones to sum a gradient's rows by a matrix-vector product (numpy's sum
                # along the first axis is several times slower); grown to the batch.
                self._ones = np.ones(0, self._grad.dtype)

    def _apply(self, fn: Callable[[torch.Tensor], torch.Tensor], recurse: bool = True) -> FastMLP:
        # .to(device), .double() ... give the weights new memory: view it anew.
        super()._apply(fn, recurse)
        self._make_views()
        return self

    def named_tensors(self) -> list[tuple[str, torch.Tensor]]:
        return list(zip(self.names, self._weights, strict=True))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, *observation_shape), any real dtype, or (batch,) integer indices
        of one-hot observations' ones (:func:`is_one_hot_index`) -> Q (batch,
        num_actions), without autograd."""
        with torch.no_grad():
            q = self._layers_forward(_flat_input(obs))
        return dueling_q(q) if self.dueling else q

    def _layers_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The layers on ``x``. One-hot inputs given by index pick their column of the
        first layer's weights: the same numbers as the product, without the
        multiplications by zero."""
        last = len(self._transposed) - 1
        for i, (weight_t, bias) in enumerate(
            zip(self._transposed, self._weights[1::2], strict=True)
        ):
            if i == 0 and is_one_hot_index(x):
                x = weight_t.index_select(0, x).add_(bias)
            else:
                x = torch.addmm(bias, x, weight_t)
            if i < last:
                x = x.relu_()
        return x

    def forward_keeping_inputs(self, obs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Q-values of ``obs`` (a numpy batch, or one-hot indices) and each layer's input,
        for :meth:`backward_rows`, in numpy on the weights' memory (CPU only): the fast
        training step runs the online network once over the batch's observations and
        next observations together and back-propagates through the first half only."""
        inputs: list[np.ndarray] = []
        q = self._numpy_forward(obs, inputs)
        return q, inputs

    def numpy_forward(self, obs: np.ndarray) -> np.ndarray:
        """Q-values of a numpy batch ``obs`` (or one-hot indices), in numpy (CPU only)."""
        return self._numpy_forward(obs, None)

    def _numpy_forward(self, obs: np.ndarray, inputs: list[np.ndarray] | None) -> np.ndarray:
        """The layers on ``obs``; appends each layer's input to ``inputs`` if given. One-hot
        inputs given by index pick their column of the first layer's weights: the same
        numbers as the product, without the multiplications by zero."""
        arrays = self._arrays
        if arrays is None:
            raise RuntimeError("the numpy kernels need the weights on the CPU")
        one_hot = _is_index_array(obs)
        x = obs if one_hot else obs.reshape(len(obs), -1).astype(arrays[0].dtype, copy=False)
        last = len(arrays) // 2 - 1
        for i in range(last + 1):
            weight, bias = arrays[2 * i], arrays[2 * i + 1]
            if inputs is not None:
                inputs.append(x)
            x = weight.T[x] if i == 0 and one_hot else x @ weight.T
            x += bias
            if i < last:
                # torch's ReLU on the same memory: numpy's maximum is several times
                # slower on a float32 batch.
                torch.from_numpy(x).relu_()
        if self.dueling:
            advantages = x[:, 1:]
            return x[:, :1] + advantages - advantages.mean(1, keepdims=True)
        return x

    def backward_rows(self, inputs: list[np.ndarray], grad_q: np.ndarray) -> np.ndarray:
        """dL/dweights, flat, given ``grad_q`` = dL/dQ for the first ``len(grad_q)`` rows of
        a :meth:`forward_keeping_inputs` pass. The layers run in reverse, writing
        ``dL/dW = g^T h`` and ``dL/db = sum g`` into views of one flat gradient and passing
        ``g W`` (zeroed where the ReLU was off) down. The result is a buffer the next call
        reuses."""
        arrays, grads = self._arrays, self._grads
        if arrays is None:
            raise RuntimeError("the numpy kernels need the weights on the CPU")
        if self.dueling:
            # Q = V + A - mean(A): dL/dV sums over the actions, dL/dA is centred.
            grad_q = np.concatenate(
                (grad_q.sum(1, keepdims=True), grad_q - grad_q.mean(1, keepdims=True)), 1
            )
        rows = grad_q.shape[0]
        if len(self._ones) < rows:
            self._ones = np.ones(rows, self._grad.dtype)
        ones = self._ones[:rows]
        g = grad_q
        for layer in reversed(range(len(inputs))):
            h = inputs[layer][:rows]
            if layer == 0 and _is_index_array(h):
                # g^T h for one-hot rows h: each row of g adds to its one's column (torch's
                # index_add_: numpy's add.at is ten times slower).
                self._first_grad.zero_().index_add_(1, torch.from_numpy(h), torch.from_numpy(g).t())
            else:
                np.matmul(g.T, h, out=grads[2 * layer])
            np.matmul(ones, g, out=grads[2 * layer + 1])
            if layer > 0:
                # The layer's input is a ReLU output (>= 0): zero where the unit was off,
                # by a product with the mask (a masked copy is four times slower).
                g = g @ arrays[2 * layer]
                np.multiply(g, h > 0, out=g)
        return self._grad


def _is_index_array(obs: np.ndarray) -> bool:
    """:func:`is_one_hot_index` for a numpy batch."""
    return obs.ndim == 1 and obs.dtype.kind in "iu"


def is_one_hot_index(obs: torch.Tensor) -> bool:
    """Whether ``obs`` is a batch of one-hot observations given by the index of their one
    (``(batch,)`` integers, as a one-hot replay buffer keeps them: :mod:`agents.replay`)
    rather than a batch of observations."""
    return obs.dim() == 1 and not obs.is_floating_point()


def _flat_input(obs: torch.Tensor) -> torch.Tensor:
    """An MLP's input: observations flattened to float rows, or one-hot indices as they
    are."""
    return obs if is_one_hot_index(obs) else obs.flatten(1).float()


def dueling_q(out: torch.Tensor) -> torch.Tensor:
    """Q from a dueling head's output ``(batch, 1 + A)``: ``V + A - mean(A)`` (the mean
    makes V and A identifiable)."""
    advantages = out[:, 1:]
    return out[:, :1] + advantages - advantages.mean(1, keepdim=True)


def numpy_q(layers: Sequence[np.ndarray], dueling: bool, obs: np.ndarray | int) -> np.ndarray:
    """An MLP's Q-values of one observation, in numpy, from its weights and biases in
    order (:meth:`QNetwork.named_tensors` as numpy arrays on the CPU). A one-hot
    observation may be given by the index of its one (an ``int``): the first layer's
    column there is the same numbers as the product, without 0 times every other.

    For acting one observation at a time: a network this small costs a few microseconds
    in numpy where a torch call costs tens. Arrays that share the weights' memory always
    give the current weights' Q-values.
    """
    if isinstance(obs, int):
        x = layers[0][:, obs] + layers[1]
    else:
        x = layers[0] @ obs.reshape(-1).astype(np.float32, copy=False) + layers[1]
    for i in range(2, len(layers), 2):
        np.maximum(x, 0.0, out=x)  # the ReLU of the layer before
        x = layers[i] @ x + layers[i + 1]
    if dueling:
        return x[0] + x[1:] - x[1:].mean()
    return x


class CNN(QNetwork):
    """Convolutional Q-network for stacked grayscale frames: the first DQN's layers
    (Mnih et al. 2013: 16 8x8 filters, stride 4; 32 4x4, stride 2; a fully connected
    layer), small enough to train on a CPU.

    Args:
        observation_shape: ``(frame_stack, height, width)``; frames are uint8 and scaled
            to [0, 1] inside the network, so the replay buffer keeps them as bytes.
        hidden_size: width of the fully connected layer after the convolutions.
        num_actions: one output per action.
        dueling: see :class:`QNetwork`.
    """

    #: (out_channels, kernel, stride) of each convolution.
    CONVS = ((16, 8, 4), (32, 4, 2))

    def __init__(
        self,
        observation_shape: Sequence[int],
        hidden_size: int,
        num_actions: int,
        *,
        dueling: bool = False,
    ) -> None:
        super().__init__()
        channels = observation_shape[0]
        convs = []
        for out_channels, kernel, stride in self.CONVS:
            convs.append(nn.utils.skip_init(nn.Conv2d, channels, out_channels, kernel, stride))
            channels = out_channels
        self.convs = nn.ModuleList(convs)
        self.head = nn.ModuleList(
            [
                nn.utils.skip_init(nn.Linear, self.flat_size(observation_shape), hidden_size),
                nn.utils.skip_init(nn.Linear, hidden_size, num_actions + dueling),
            ]
        )
        self.dueling = dueling

    @classmethod
    def flat_size(cls, observation_shape: Sequence[int]) -> int:
        """The size of the convolutions' output for frames of ``observation_shape``;
        ``ValueError`` if they are too small for the convolutions."""
        _, height, width = observation_shape
        for _, kernel, stride in cls.CONVS:
            height, width = (height - kernel) // stride + 1, (width - kernel) // stride + 1
            if height < 1 or width < 1:
                raise ValueError(f"frames of {observation_shape} are too small for the CNN")
        return cls.CONVS[-1][0] * height * width

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, frame_stack, height, width) uint8 -> Q (batch, num_actions)."""
        x = obs.float() / 255.0
        for conv in self.convs:
            x = F.relu(conv(x))
        hidden, out = self.head
        q = out(F.relu(hidden(x.flatten(1))))
        return dueling_q(q) if self.dueling else q


class MapNetwork(QNetwork):
    """A value-iteration network (Tamar et al. 2016) for observations that are planes
    over a grid map, the last plane marking the agent: it reads the map, so it can play
    maps it never saw.

    The gridworld's ``obs_mode="map"`` is such an observation (walls, pits, goals,
    agent). From the tile planes alone the network learns, cell by cell, a value ``r``
    for landing there, a gate ``g`` (how much of what lies beyond counts: the discount
    where the walk goes on, nothing where it ends) and a passability ``p`` (whether a
    move into the cell lands there, or stays where it was, as a move into a wall does),
    then propagates values across the map ``iterations`` times::

        L(c) <- r(c) + g(c) * max over c and its four neighbours n of
                    L(c) + p(n) * (L(n) - L(c))

    value iteration with the grid's moves (a step to a neighbour, or staying put against
    a wall or the map's edge) as its transition model, gated as in gated path planning
    networks (Lee et al. 2018). The Q-values are read out at the agent's cell (the
    largest entry of the last plane), linearly, from those same move values of its 3x3
    neighbourhood and where the map's edge is: whatever the network knows of a move's
    worth must be in the values it propagated, so every TD error teaches the
    propagation. Every weight is shared by all cells, so what is learnt in one corner of
    a map holds in every other, and on maps of every size.

    Passability is what lets a wall be learnt: a move into a wall is worth the agent's
    own cell, so without ``p`` the read-out would pull a wall's value up to its
    neighbours' and the propagation would carry values through walls.

    Args:
        observation_shape: ``(planes, rows, cols)``; the last plane is the agent's cell.
        hidden_size: units of the per-cell tile embedding.
        num_actions: one output per action.
        iterations: propagation steps, at least the longest route the network should
            find. Default: twice the map's rows plus columns.
        dueling: see :class:`QNetwork`.
    """

    #: The last propagation steps that gradients flow through. Propagation heads for a
    #: fixed point, so the steps before run without a graph (a truncated, "phantom"
    #: gradient, Geng et al. 2021), where back-propagating through them all would cost
    #: most of a training step.
    GRADIENT_ITERATIONS = 8
    #: The gate's initial logit (:meth:`reset_parameters`).
    OPEN_GATE = 3.0
    #: Outputs per cell, from its tiles: reward, gate and passability logits.
    CELL_OUTPUTS = 3
    #: Passability's initial logit (:meth:`reset_parameters`).
    OPEN_PASSAGE = 0.0

    def __init__(
        self,
        observation_shape: Sequence[int],
        hidden_size: int,
        num_actions: int,
        *,
        iterations: int | None = None,
        dueling: bool = False,
    ) -> None:
        super().__init__()
        planes, rows, cols = observation_shape
        shapes = self.shapes(observation_shape, hidden_size, num_actions + dueling)
        # skip_init: the weights are drawn by reset_parameters, from a seeded generator.
        self.embed = nn.utils.skip_init(nn.Linear, planes - 1, hidden_size)
        self.reward_gate = nn.utils.skip_init(nn.Linear, hidden_size, self.CELL_OUTPUTS)
        self.head = nn.utils.skip_init(nn.Linear, shapes["head.weight"][1], num_actions + dueling)
        self.rows, self.cols = rows, cols
        self.iterations = 2 * (rows + cols) if iterations is None else iterations
        self.dueling = dueling
        # Cells are numbered row * cols + col; number rows * cols stands for "outside".
        cell = torch.arange(rows * cols)
        row, col = cell // cols, cell % cols
        moves = [cell]
        for d_row, d_col in ((0, -1), (1, 0), (0, 1), (-1, 0)):
            r, c = row + d_row, col + d_col
            inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
            moves.append(torch.where(inside, r * cols + c, rows * cols))
        #: (cells * 5,) the cell itself and its four neighbours, for each cell in turn.
        self.moves: torch.Tensor
        self.register_buffer("moves", torch.stack(moves, 1).flatten(), persistent=False)
        # On a canvas one cell wider on each side: the 3x3 cells around each cell.
        width = cols + 2
        around = [(row + i) * width + col + j for i in range(3) for j in range(3)]
        #: (cells, 9) the canvas cells of each cell's 3x3 neighbourhood.
        self.around: torch.Tensor
        self.register_buffer("around", torch.stack(around, 1), persistent=False)

    @staticmethod
    def shapes(
        observation_shape: Sequence[int], hidden_size: int, outputs: int
    ) -> dict[str, tuple[int, ...]]:
        """The name and shape of every tensor; none depends on the map's size."""
        planes = observation_shape[0]
        if len(observation_shape) != 3 or planes < 2:
            raise ValueError(
                f"map observations {tuple(observation_shape)} need tile planes and an agent plane"
            )
        return {
            "embed.weight": (hidden_size, planes - 1),
            "embed.bias": (hidden_size,),
            "reward_gate.weight": (MapNetwork.CELL_OUTPUTS, hidden_size),
            "reward_gate.bias": (MapNetwork.CELL_OUTPUTS,),
            # The read-out sees, in each of the 9 cells, the value of a move there and a
            # plane that is 1 inside the map (0 beyond the edge).
            "head.weight": (outputs, 9 * 2),
            "head.bias": (outputs,),
        }

    def reset_parameters(self, generator: torch.Generator) -> None:
        """PyTorch's default initialisation, but every cell starts with reward 0, an open
        gate (about 0.95) and even odds of being passable, so values travel across the
        map from the first update, none is drawn into a cell's own loop by a reward that
        says nothing yet, and passability is learnt where its gradient is largest; and
        the read-out starts increasing in the move values around the agent, the sense
        value iteration gives them (more value nearby is better), without saying which
        action leads where."""
        super().reset_parameters(generator)
        with torch.no_grad():
            self.reward_gate.weight.zero_()
            self.reward_gate.bias.copy_(torch.tensor([0.0, self.OPEN_GATE, self.OPEN_PASSAGE]))
            self.head.weight[:, :9].abs_()

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, planes, rows, cols) -> Q (batch, num_actions)."""
        x = obs.float()
        batch = x.shape[0]
        tiles = x[:, :-1].flatten(2).transpose(1, 2)  # (batch, cells, tile planes)
        # Per cell, from its tiles alone (a 1x1 convolution, as linear layers): the
        # reward, the gate and the passability.
        reward, gate, passable = self.reward_gate(F.relu(self.embed(tiles))).unbind(2)
        gate, passable = torch.sigmoid(gate), torch.sigmoid(passable)
        # Beyond the edge nothing is passable: a move there stays put.
        passable_around = F.pad(passable, (0, 1)).index_select(1, self.moves).view(batch, -1, 5)
        value = reward
        with torch.no_grad():
            for _ in range(self.iterations - self.GRADIENT_ITERATIONS):
                value = self._propagate(value, reward, gate, passable_around)
        for _ in range(min(self.iterations, self.GRADIENT_ITERATIONS)):
            value = self._propagate(value, reward, gate, passable_around)
        planes = torch.stack((value, passable, torch.ones_like(value)), 1)
        canvas = F.pad(planes.view(batch, 3, self.rows, self.cols), (1, 1, 1, 1)).flatten(2)
        agent = x[:, -1].flatten(1).argmax(1)
        index = self.around[agent].unsqueeze(1).expand(-1, 3, -1)
        around, passable_near, inside = canvas.gather(2, index).unbind(1)  # (batch, 9) each
        here = around[:, 4:5]
        moves = here + passable_near * (around - here)
        out = self.head(torch.cat((moves, inside), 1))
        return dueling_q(out) if self.dueling else out

    def _propagate(
        self,
        value: torch.Tensor,
        reward: torch.Tensor,
        gate: torch.Tensor,
        passable_around: torch.Tensor,
    ) -> torch.Tensor:
        """One step on ``(batch, cells)`` values: ``r + g * max(value of each move)``, a
        move to a neighbour worth its value as far as it is passable, the cell's own
        otherwise (``passable_around``: (batch, cells, 5), the cell and its neighbours,
        0 beyond the edge)."""
        around = F.pad(value, (0, 1)).index_select(1, self.moves).view(value.shape[0], -1, 5)
        here = value.unsqueeze(2)
        best = torch.addcmul(here, passable_around, around - here).amax(2)
        return torch.addcmul(reward, gate, best)


def is_pixel_observation(observation_shape: Sequence[int], observation_dtype: np.dtype) -> bool:
    """True for stacked uint8 frames ``(frames, height, width)``, which get the CNN."""
    return len(observation_shape) == 3 and np.dtype(observation_dtype) == np.uint8


#: The network kinds :func:`build_network` makes: ``"auto"`` chooses by the observation
#: (the CNN for frames, the MLP otherwise); ``"map"`` is the :class:`MapNetwork`, for
#: planes over a grid whose last plane marks the agent (an env says so with
#: ``map_observation``: its shape alone cannot, tic-tac-toe's planes are not a map).
NETWORKS = ("auto", "map")


def tensor_shapes(
    observation_shape: Sequence[int],
    observation_dtype: np.dtype,
    num_actions: int,
    hidden_sizes: Sequence[int],
    *,
    dueling: bool = False,
    network: str = "auto",
) -> dict[str, tuple[int, ...]]:
    """The name and shape of every tensor of the network :func:`build_network` makes,
    worked out without making it (to check a file before allocating anything)."""
    outputs = num_actions + dueling
    if network == "map":
        return MapNetwork.shapes(observation_shape, hidden_sizes[-1], outputs)
    if is_pixel_observation(observation_shape, observation_dtype):
        shapes: dict[str, tuple[int, ...]] = {}
        channels = observation_shape[0]
        for i, (out_channels, kernel, _) in enumerate(CNN.CONVS):
            shapes[f"convs.{i}.weight"] = (out_channels, channels, kernel, kernel)
            shapes[f"convs.{i}.bias"] = (out_channels,)
            channels = out_channels
        hidden = hidden_sizes[-1]
        shapes["head.0.weight"] = (hidden, CNN.flat_size(observation_shape))
        shapes["head.0.bias"] = (hidden,)
        shapes["head.1.weight"] = (outputs, hidden)
        shapes["head.1.bias"] = (outputs,)
        return shapes
    sizes = _mlp_sizes(math.prod(observation_shape), hidden_sizes, num_actions, dueling)
    shapes = {}
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        shapes[f"layers.{i}.weight"] = (n_out, n_in)
        shapes[f"layers.{i}.bias"] = (n_out,)
    return shapes


def build_network(
    observation_shape: Sequence[int],
    observation_dtype: np.dtype,
    num_actions: int,
    hidden_sizes: Sequence[int],
    generator: torch.Generator,
    *,
    dueling: bool = False,
    fast: bool = False,
    network: str = "auto",
) -> QNetwork:
    """The Q-network for an env's observations, initialised from ``generator``.

    ``network="map"`` gives the :class:`MapNetwork` (a tile embedding of
    ``hidden_sizes[-1]`` units; see :data:`NETWORKS`). Otherwise uint8 frames ``(frames,
    height, width)`` get the :class:`CNN` (with a fully connected layer of
    ``hidden_sizes[-1]`` units); anything else is flattened into the :class:`MLP`, or the
    :class:`FastMLP` if ``fast``. ``dueling`` gives any of them a dueling head.
    """
    q_network: QNetwork
    if network == "map":
        q_network = MapNetwork(observation_shape, hidden_sizes[-1], num_actions, dueling=dueling)
    elif is_pixel_observation(observation_shape, observation_dtype):
        q_network = CNN(observation_shape, hidden_sizes[-1], num_actions, dueling=dueling)
    elif fast:
        shapes = tensor_shapes(
            observation_shape, observation_dtype, num_actions, hidden_sizes, dueling=dueling
        )
        q_network = FastMLP(shapes, dueling=dueling)
    else:
        q_network = MLP(math.prod(observation_shape), hidden_sizes, num_actions, dueling=dueling)
    q_network.reset_parameters(generator)
    return q_network
