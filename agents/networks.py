"""Q-networks for DQN: an MLP for vector observations, a small CNN for pixel frames.

Both map a batch of observations to one Q-value per action, ``(batch, num_actions)``,
and keep all their parameters in **one flat vector**, :attr:`weights` (a single
``nn.Parameter``); each layer's weight and bias are views into it
(:meth:`named_tensors`). For networks this small, Python overhead per tensor costs more
than the arithmetic, so one vector makes the Adam step, the gradient norm and the
target-network update one call each instead of a loop over layers.

The MLP goes one step further: its forward and backward passes are written out by hand
in a single autograd node (:class:`_MLPFunction`), a dozen matrix products writing the
gradient straight into one flat tensor, instead of a graph of per-layer nodes whose
bookkeeping dominates at this size. The CNN, where the arithmetic dominates, uses
ordinary autograd.

:func:`build_network` picks the network for an env's observations.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class FlatNetwork(nn.Module):
    """A network whose parameters are views into one flat vector, :attr:`weights`.

    Subclasses list their tensors as ``(name, shape)`` in :attr:`specs`; the views follow
    in that order. The initialisation is PyTorch's default for ``nn.Linear`` and
    ``nn.Conv2d`` (uniform in +-1/sqrt(fan_in) for weight and bias), drawn from a given
    generator so a seed fixes it without touching torch's global random state.
    """

    def __init__(self, specs: Sequence[tuple[str, tuple[int, ...]]]) -> None:
        super().__init__()
        self.specs = list(specs)
        self.weights = nn.Parameter(torch.zeros(sum(math.prod(s) for _, s in self.specs)))

    @property
    def num_parameters(self) -> int:
        return self.weights.numel()

    def views(self, flat: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Each tensor of :attr:`specs` as a view into ``flat`` (default: the weights)."""
        flat = self.weights if flat is None else flat
        out, offset = [], 0
        for _, shape in self.specs:
            n = math.prod(shape)
            out.append(flat[offset : offset + n].view(shape))
            offset += n
        return out

    def named_tensors(self) -> Iterator[tuple[str, torch.Tensor]]:
        """``(name, view)`` of every weight and bias, e.g. ``("layers.0.weight", W)``."""
        with torch.no_grad():
            yield from zip((name for name, _ in self.specs), self.views(), strict=True)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """PyTorch's default initialisation, drawn from ``generator``."""
        with torch.no_grad():
            views = self.views()
            for i in range(0, len(views), 2):
                weight, bias = views[i], views[i + 1]
                bound = 1.0 / math.sqrt(math.prod(weight.shape[1:]))
                weight.uniform_(-bound, bound, generator=generator)
                bias.uniform_(-bound, bound, generator=generator)


class MLP(FlatNetwork):
    """Fully connected Q-network: observation (flattened) -> ReLU hidden layers -> Q.

    Args:
        in_features: the observation's size once flattened.
        hidden_sizes: widths of the hidden layers, e.g. ``(64, 64)``.
        num_actions: one output per action.
        dueling: the last layer puts out a state value and one advantage per action,
            combined by :func:`dueling_q` (Wang et al. 2016).
    """

    def __init__(
        self,
        in_features: int,
        hidden_sizes: Sequence[int],
        num_actions: int,
        *,
        dueling: bool = False,
    ) -> None:
        sizes = [in_features, *hidden_sizes, num_actions + dueling]
        specs = []
        for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            specs += [(f"layers.{i}.weight", (n_out, n_in)), (f"layers.{i}.bias", (n_out,))]
        super().__init__(specs)
        self.dueling = dueling
        self._cache: _ViewCache | None = None

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, *observation_shape), any real dtype -> Q (batch, num_actions)."""
        x = obs.flatten(1).float()
        if torch.is_grad_enabled():
            out = _MLPFunction.apply(x, self.weights, self)
        else:
            out = _layers_forward(self.cached_views(), x, None)
        return dueling_q(out) if self.dueling else out

    def forward_keeping_inputs(self, obs: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Q-values of ``obs`` without autograd, and each layer's input for
        :meth:`backward_rows`: DQN's training step runs the online network once over the
        batch's observations and next observations together and back-propagates through
        the first half only."""
        inputs: list[torch.Tensor] = []
        with torch.no_grad():
            q = _layers_forward(self.cached_views(), obs.flatten(1).float(), inputs)
        return (dueling_q(q) if self.dueling else q), inputs

    def backward_rows(self, inputs: list[torch.Tensor], grad_q: torch.Tensor) -> torch.Tensor:
        """dL/dweights, flat, given ``grad_q`` = dL/dQ for the first ``len(grad_q)`` rows of
        a :meth:`forward_keeping_inputs` pass. The result is a buffer the next call reuses."""
        with torch.no_grad():
            if self.dueling:
                # Q = V + A - mean(A): dL/dV sums over the actions, dL/dA is centred.
                grad_q = torch.cat(
                    (grad_q.sum(1, keepdim=True), grad_q - grad_q.mean(1, keepdim=True)), 1
                )
            return _layers_backward(self.cached_views(), inputs, grad_q)

    def numpy_forward(self, obs: np.ndarray) -> np.ndarray:
        """Q-values of one observation, computed in numpy from CPU weights.

        For acting one observation at a time: this network in numpy costs a few
        microseconds where a torch call costs tens. It reads the weights through numpy
        views, so it always sees the current ones.
        """
        views = self.cached_views().numpy
        x = obs.reshape(-1).astype(np.float32, copy=False)
        last = len(views) - 2
        for i in range(0, len(views), 2):
            x = views[i] @ x + views[i + 1]
            if i < last:
                np.maximum(x, 0.0, out=x)
        if self.dueling:
            return x[0] + x[1:] - x[1:].mean()
        return x

    def cached_views(self) -> _ViewCache:
        """The layer views of the weights and of a gradient buffer, made once: slicing
        a dozen views per call would cost more than the small network's arithmetic. The
        weights are updated in place, so the views stay valid until the storage moves
        (``.to(device)``), which the cache notices."""
        pointer = self.weights.data_ptr()
        if self._cache is None or self._cache.pointer != pointer:
            # Ordinary tensors even when first called under torch.inference_mode, so the
            # training step may write into the gradient buffer later.
            with torch.inference_mode(False):
                weights = self.weights.detach()
                grad = torch.empty_like(weights)
                numpy = [v.numpy() for v in self.views(weights)] if not weights.is_cuda else []
                views = self.views(weights)
                self._cache = _ViewCache(
                    pointer, views, [w.t() for w in views[::2]], grad, self.views(grad), numpy
                )
        return self._cache


class _ViewCache(NamedTuple):
    """An MLP's layer views (see :meth:`MLP.cached_views`)."""

    pointer: int
    weights: list[torch.Tensor]
    transposed: list[torch.Tensor]
    grad: torch.Tensor
    grads: list[torch.Tensor]
    numpy: list[np.ndarray]


class _MLPFunction(torch.autograd.Function):
    """The MLP's forward and backward by hand, as one autograd node.

    Forward keeps each layer's input; backward runs the layers in reverse, writing
    ``dL/dW = g^T h`` and ``dL/db = sum g`` into views of one flat gradient and passing
    ``g W`` (zeroed where the ReLU was off) down. Checked against autograd by
    ``tests/test_dqn.py``.
    """

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weights: torch.Tensor, mlp: MLP) -> torch.Tensor:
        # ``weights`` is what autograd differentiates; the cached views alias it.
        inputs: list[torch.Tensor] = []
        q = _layers_forward(mlp.cached_views(), x, inputs)
        ctx.save_for_backward(*inputs)
        ctx.mlp = mlp
        return q

    @staticmethod
    def backward(ctx: Any, grad_q: torch.Tensor) -> tuple[None, torch.Tensor, None]:
        # A copy: the buffer is reused by the next backward, the result may be kept.
        return (
            None,
            _layers_backward(ctx.mlp.cached_views(), ctx.saved_tensors, grad_q).clone(),
            None,
        )


def _layers_backward(
    cache: _ViewCache, inputs: Sequence[torch.Tensor], grad_q: torch.Tensor
) -> torch.Tensor:
    """The gradient of the weights given ``grad_q`` = dL/dQ for the first ``len(grad_q)``
    rows of the forward pass that kept ``inputs``; written into ``cache.grad`` (returned)."""
    views, grads = cache.weights, cache.grads
    rows = grad_q.shape[0]
    g = grad_q
    for layer in reversed(range(len(inputs))):
        h = inputs[layer][:rows]
        torch.mm(g.t(), h, out=grads[2 * layer])
        torch.sum(g, 0, out=grads[2 * layer + 1])
        if layer > 0:
            # The layer's input is a ReLU output: zero exactly where the unit was off.
            g = g.mm(views[2 * layer]).masked_fill_(h == 0, 0.0)
    return cache.grad


def dueling_q(out: torch.Tensor) -> torch.Tensor:
    """Q from a dueling head's output ``(batch, 1 + A)``: ``V + A - mean(A)`` (the mean
    makes V and A identifiable)."""
    advantages = out[:, 1:]
    return out[:, :1] + advantages - advantages.mean(1, keepdim=True)


def _layers_forward(
    cache: _ViewCache, x: torch.Tensor, inputs: list[torch.Tensor] | None
) -> torch.Tensor:
    """The MLP's layers on ``x``; appends each layer's input to ``inputs`` if given."""
    last = len(cache.transposed) - 1
    for i, (weight_t, bias) in enumerate(zip(cache.transposed, cache.weights[1::2], strict=True)):
        if inputs is not None:
            inputs.append(x)
        x = torch.addmm(bias, x, weight_t)
        if i < last:
            x = x.relu_()
    return x


class CNN(FlatNetwork):
    """Convolutional Q-network for stacked grayscale frames: the first DQN's layers
    (Mnih et al. 2013: 16 8x8 filters, stride 4; 32 4x4, stride 2; a fully connected
    layer), small enough to train on a CPU.

    Args:
        observation_shape: ``(frame_stack, height, width)``; frames are uint8 and scaled
            to [0, 1] inside the network, so the replay buffer keeps them as bytes.
        hidden_size: width of the fully connected layer after the convolutions.
        num_actions: one output per action.
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
        channels, height, width = observation_shape
        specs: list[tuple[str, tuple[int, ...]]] = []
        for i, (out_channels, kernel, stride) in enumerate(self.CONVS):
            specs += [
                (f"convs.{i}.weight", (out_channels, channels, kernel, kernel)),
                (f"convs.{i}.bias", (out_channels,)),
            ]
            channels = out_channels
            height, width = (height - kernel) // stride + 1, (width - kernel) // stride + 1
            if height < 1 or width < 1:
                raise ValueError(f"frames of {observation_shape} are too small for the CNN")
        flat_size = channels * height * width
        specs += [
            ("head.0.weight", (hidden_size, flat_size)),
            ("head.0.bias", (hidden_size,)),
            ("head.1.weight", (num_actions + dueling, hidden_size)),
            ("head.1.bias", (num_actions + dueling,)),
        ]
        super().__init__(specs)
        self.dueling = dueling

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """``obs`` (batch, frame_stack, height, width) uint8 -> Q (batch, num_actions)."""
        views = self.views()
        x = obs.float() / 255.0
        for i, (_, _, stride) in enumerate(self.CONVS):
            x = F.relu(F.conv2d(x, views[2 * i], views[2 * i + 1], stride=stride))
        x = F.relu(F.linear(x.flatten(1), views[-4], views[-3]))
        out = F.linear(x, views[-2], views[-1])
        return dueling_q(out) if self.dueling else out


def is_pixel_observation(observation_shape: Sequence[int], observation_dtype: np.dtype) -> bool:
    """True for stacked uint8 frames ``(frames, height, width)``, which get the CNN."""
    return len(observation_shape) == 3 and np.dtype(observation_dtype) == np.uint8


def build_network(
    observation_shape: Sequence[int],
    observation_dtype: np.dtype,
    num_actions: int,
    hidden_sizes: Sequence[int],
    generator: torch.Generator,
    *,
    dueling: bool = False,
) -> MLP | CNN:
    """The Q-network for an env's observations, initialised from ``generator``.

    uint8 frames ``(frames, height, width)`` get the :class:`CNN` (with a fully connected
    layer of ``hidden_sizes[-1]`` units); anything else is flattened into the :class:`MLP`.
    ``dueling`` gives either a dueling head.
    """
    if is_pixel_observation(observation_shape, observation_dtype):
        network: MLP | CNN = CNN(observation_shape, hidden_sizes[-1], num_actions, dueling=dueling)
    else:
        network = MLP(math.prod(observation_shape), hidden_sizes, num_actions, dueling=dueling)
    network.reset_parameters(generator)
    return network
