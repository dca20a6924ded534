"""DQN's gradient step, the one seam between the agent and its networks.

For a sampled batch of transitions (:class:`TensorBatch`)::

    a*     = argmax over legal a' of Q_online(s', a')      (next_mask: illegal a' excluded)
    target = r + gamma * b * Q_target(s', a*)
    loss   = Huber(Q_online(s, a), target)                  (importance-weighted, if given)

then the gradient, clipped to ``max_grad_norm``, and one Adam step. Two paths make it:

- :class:`ReferenceUpdate` reads like CleanRL's ``dqn.py``: ``nn.Module`` networks
  (:class:`~agents.networks.MLP`, :class:`~agents.networks.CNN`), autograd,
  ``clip_grad_norm_`` and ``torch.optim.Adam``.
- :class:`FastUpdate` makes the same step for the :class:`~agents.networks.FastMLP` on
  the CPU, in numpy: one pass over the observations and next observations together, the
  Huber loss's derivative and the backward by hand, and Adam on one flat vector
  (:class:`FlatAdam`). For networks this small a step is a few dozen calls over small
  arrays, and a numpy call costs a fraction of a torch one; it runs about 2.5 times as
  fast as the reference path (``benchmarks/dqn_speed.py``). ``tests/test_dqn_update.py``
  proves the two equal.

Both expose the same state (:attr:`UpdatePath.online`, :attr:`UpdatePath.target`,
learning rate, Adam's moments and step count), so everything else in
:class:`~agents.dqn.DQNAgent`, checkpoints included, is written once.
"""

from __future__ import annotations

import abc
import math
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from qarcade.agents.networks import FastMLP, QNetwork


class TensorBatch(NamedTuple):
    """A sampled batch (:class:`agents.replay.Batch`) as tensors on the learner's device,
    ``B`` rows.

    Attributes:
        obs_pair: (2B, *observation_shape): the observations the actions were taken
            from, then the next observations, in one tensor, so a network can run over
            both in one pass (:attr:`obs`, :attr:`next_obs` are its halves).
        actions: (B,) int64.
        rewards: (B,) float32.
        next_masks: (B, num_actions) bool, the legal actions in ``next_obs``.
        bootstrap: (B,) float32, what multiplies ``gamma * Q(next_obs)`` in the target:
            0 when the episode terminated, -1 when ``next_obs`` is the opponent's view
            (negamax), +1 otherwise; times ``gamma ** (n - 1)`` for an n-step transition.
    """

    obs_pair: torch.Tensor
    actions: torch.Tensor
    rewards: torch.Tensor
    next_masks: torch.Tensor
    bootstrap: torch.Tensor

    @property
    def obs(self) -> torch.Tensor:
        return self.obs_pair[: len(self.actions)]

    @property
    def next_obs(self) -> torch.Tensor:
        return self.obs_pair[len(self.actions) :]


class Step(NamedTuple):
    """What a gradient step reports, each computed before the weights changed, on the
    host (read every step, so a GPU's numbers come over once).

    Attributes:
        q: (B,) Q_online(s, a).
        loss: the (weighted) Huber loss.
        error: (B,) ``q - target``, the TD errors (prioritized replay's priorities).
    """

    q: np.ndarray
    loss: float
    error: np.ndarray


def double_dqn_targets(
    batch: TensorBatch,
    gamma: float,
    next_q_online: torch.Tensor,
    next_q_target: torch.Tensor,
    bonus: torch.Tensor | None = None,
) -> torch.Tensor:
    """The double-DQN targets of a batch: ``r + gamma * b * Q_target(s', a*)`` with
    ``a* = argmax over legal a' of Q_online(s', a')``.

    Args:
        batch: the rewards, bootstraps ``b`` and next masks (a terminal ``s'`` has no
            legal action: its argmax is arbitrary and multiplied by ``b == 0``).
        gamma: the discount.
        next_q_online, next_q_target: (B, A) both networks' Q-values of ``s'``.
        bonus: (B, A) optimism added to both before choosing and valuing ``a*`` (the
            count bonus, :attr:`agents.dqn.DQNConfig.count_bonus`), or None.
    """
    if bonus is not None:
        next_q_online, next_q_target = next_q_online + bonus, next_q_target + bonus
    best = torch.where(batch.next_masks, next_q_online, -torch.inf).argmax(1, keepdim=True)
    value = next_q_target.gather(1, best).view(-1)
    return torch.addcmul(batch.rewards, batch.bootstrap, value, value=gamma)


def head_targets(
    batch: TensorBatch,
    gamma: float,
    next_q_online: torch.Tensor,
    next_q_target: torch.Tensor,
    bonus: torch.Tensor | None,
    heads: int,
    cap: float = math.inf,
) -> torch.Tensor:
    """The targets of each head of a network with ``heads`` heads of ``A`` Q-values
    side by side, ``(B, heads * A)``: :func:`double_dqn_targets` of each, the first
    head's with the count ``bonus``, a second head's without (the exploit head,
    :attr:`agents.dqn.DQNConfig.exploit_head`). -> ``(B, heads)``.

    With a ``bonus``, the first head's targets are at most ``cap``
    (:attr:`agents.dqn.DQNConfig.optimism_cap`)."""
    if heads == 1:
        targets = double_dqn_targets(batch, gamma, next_q_online, next_q_target, bonus)
        if bonus is not None and cap < math.inf:
            targets.clamp_(max=cap)
        return targets.view(-1, 1)
    rows = len(batch.actions)
    online = next_q_online.view(rows, heads, -1)
    target = next_q_target.view(rows, heads, -1)
    if bonus is not None:
        # The bonus on the first head only, in one broadcast add over all of them.
        optimism = F.pad(bonus.unsqueeze(1), (0, 0, 0, heads - 1))
        online, target = online + optimism, target + optimism
    legal = batch.next_masks.unsqueeze(1)
    best = torch.where(legal, online, -torch.inf).argmax(2, keepdim=True)
    value = target.gather(2, best).view(rows, heads)
    targets = torch.addcmul(
        batch.rewards.view(-1, 1), batch.bootstrap.view(-1, 1), value, value=gamma
    )
    if bonus is not None and cap < math.inf:
        targets[:, 0].clamp_(max=cap)
    return targets


def huber_loss(
    q: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None, delta: float
) -> torch.Tensor:
    """The Huber loss (quadratic for errors up to ``delta``, linear beyond), averaged over
    the rows and summed over the heads (the columns of ``(B, heads)`` arguments), each
    row times its importance weight if ``weights``."""
    if weights is None:
        return F.huber_loss(q, target, reduction="sum", delta=delta) / len(q)
    return (F.huber_loss(q, target, reduction="none", delta=delta).sum(1) * weights).mean()


class UpdatePath(abc.ABC):
    """The online and target networks and the optimizer of a DQN, and its gradient step.

    Args:
        online, target: the two networks (same kind and shape; ``target`` is never
            trained, only updated from ``online``).
        learning_rate: Adam's step size.
        gamma: the discount.
        max_grad_norm: gradients are scaled down to at most this global L2 norm.
        heads: Q-value heads side by side in the networks' output: 1, or 2 for an
            optimistic head and an exploit head (:func:`head_targets`). A step reports
            the last head's Q-values and errors.
        huber_delta: where the Huber loss turns from quadratic to linear.

    Attributes:
        optimism_cap: the most the optimistic head's targets may be, in learnt units
            (:func:`head_targets`); the agent keeps it up to date, ``inf`` is no cap.
    """

    optimizer: torch.optim.Optimizer | FlatAdam

    def __init__(
        self,
        online: QNetwork,
        target: QNetwork,
        learning_rate: float,
        gamma: float,
        max_grad_norm: float,
        heads: int = 1,
        huber_delta: float = 1.0,
    ) -> None:
        self.online = online
        self.target = target
        self.gamma = gamma
        self.max_grad_norm = max_grad_norm
        self.heads = heads
        self.huber_delta = huber_delta
        self.optimism_cap = math.inf
        # Where each head's Q-values start in the output, (1, heads): made at the first
        # step, when the output's width is known.
        self._head_offsets: torch.Tensor | None = None
        target.requires_grad_(False)
        # Each target parameter beside its online one, listed once: walking the modules'
        # parameters every step cost more than the update of a flat network's one vector.
        self._target_pairs = list(zip(target.parameters(), online.parameters(), strict=True))
        self._make_optimizer(learning_rate)

    @abc.abstractmethod
    def _make_optimizer(self, learning_rate: float) -> None:
        """Make the Adam optimizer of :attr:`online`."""

    def taken_columns(self, actions: torch.Tensor, width: int) -> torch.Tensor:
        """The output columns of the actions taken in every head, ``(B, heads)``, of an
        output ``width`` wide: head ``h``'s Q-values are its ``h``-th ``width / heads``."""
        columns = actions.view(-1, 1)
        if self.heads == 1:
            return columns
        if self._head_offsets is None:
            step = width // self.heads
            self._head_offsets = torch.arange(0, width, step, device=actions.device).view(1, -1)
        return columns + self._head_offsets

    @abc.abstractmethod
    def update(
        self, batch: TensorBatch, bonus: torch.Tensor | None, weights: torch.Tensor | None
    ) -> Step:
        """One gradient step on ``batch``: targets (with the count ``bonus``, if any),
        the Huber loss (times importance ``weights``, if any), its gradient clipped to
        :attr:`max_grad_norm`, an Adam step on the online network."""

    @property
    def learning_rate(self) -> float:
        """Adam's step size, read at every step (settable while learning)."""
        return float(self.optimizer.param_groups[0]["lr"])

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self.optimizer.param_groups[0]["lr"] = value

    @abc.abstractmethod
    def adam_moments(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Adam's first and second moment of each tensor of
        :meth:`~agents.networks.QNetwork.named_tensors`, in that order; writing into them
        changes the optimizer's state."""

    @property
    @abc.abstractmethod
    def adam_steps(self) -> int:
        """Adam steps taken (for the bias corrections); settable (a resumed run)."""

    @adam_steps.setter
    @abc.abstractmethod
    def adam_steps(self, value: int) -> None: ...

    def update_target(self, tau: float) -> None:
        """``target <- tau * online + (1 - tau) * target`` (a copy when ``tau == 1``)."""
        with torch.no_grad():
            for target, online in self._target_pairs:
                if tau == 1.0:
                    target.copy_(online)
                else:
                    target.lerp_(online, tau)


class ReferenceUpdate(UpdatePath):
    """The gradient step as CleanRL writes it: autograd and ``torch.optim.Adam``."""

    optimizer: torch.optim.Adam

    def _make_optimizer(self, learning_rate: float) -> None:
        self.optimizer = torch.optim.Adam(self.online.parameters(), lr=learning_rate)
        # Adam's state made now rather than at its first step, so a checkpoint can fill it.
        for p in self.online.parameters():
            self.optimizer.state[p] = {
                "step": torch.tensor(0.0),
                "exp_avg": torch.zeros_like(p),
                "exp_avg_sq": torch.zeros_like(p),
            }

    def update(
        self, batch: TensorBatch, bonus: torch.Tensor | None, weights: torch.Tensor | None
    ) -> Step:
        with torch.no_grad():
            td_target = head_targets(
                batch,
                self.gamma,
                self.online(batch.next_obs),
                self.target(batch.next_obs),
                bonus,
                self.heads,
                self.optimism_cap,
            )
        q_all = self.online(batch.obs)
        columns = self.taken_columns(batch.actions, q_all.shape[1])
        q = q_all.gather(1, columns)
        loss = huber_loss(q, td_target, weights, self.huber_delta)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.online.parameters(), self.max_grad_norm)
        self.optimizer.step()
        q = q.detach()[:, -1]
        return Step(q.cpu().numpy(), float(loss.detach()), (q - td_target[:, -1]).cpu().numpy())

    def adam_moments(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        states = [self.optimizer.state[p] for p in self.online.parameters()]
        return [(state["exp_avg"], state["exp_avg_sq"]) for state in states]

    @property
    def adam_steps(self) -> int:
        return int(self.optimizer.state[next(self.online.parameters())]["step"])

    @adam_steps.setter
    def adam_steps(self, value: int) -> None:
        for p in self.online.parameters():
            self.optimizer.state[p]["step"].fill_(value)


class FastUpdate(UpdatePath):
    """The same step for a :class:`~agents.networks.FastMLP` on the CPU, by hand, in
    numpy, on one flat vector: no autograd graph, no per-tensor loops, and numpy's
    per-call cost (about a microsecond) where torch's is several."""

    online: FastMLP
    target: FastMLP
    optimizer: FlatAdam

    def _make_optimizer(self, learning_rate: float) -> None:
        if self.online.weights.device.type != "cpu":
            raise ValueError("the fast update path runs on the CPU; use the reference path")
        self.optimizer = FlatAdam(self.online.weights.detach().numpy(), learning_rate)
        # Where each head's Q-values start in the output, (1, heads): made at the first
        # step, when the output's width is known.
        self._numpy_offsets: np.ndarray | None = None

    def update(
        self, batch: TensorBatch, bonus: torch.Tensor | None, weights: torch.Tensor | None
    ) -> Step:
        B, heads = len(batch.actions), self.heads
        obs_pair = batch.obs_pair.numpy()
        q_both, inputs = self.online.forward_keeping_inputs(obs_pair)
        width = q_both.shape[1]
        if self._numpy_offsets is None:
            self._numpy_offsets = np.arange(0, width, width // heads).reshape(1, -1)
            self._rows = np.arange(B).reshape(-1, 1)
        rows, columns = self._rows, batch.actions.numpy().reshape(-1, 1) + self._numpy_offsets
        q = q_both[rows, columns]
        td_target = numpy_head_targets(
            batch.rewards.numpy(),
            batch.bootstrap.numpy(),
            batch.next_masks.numpy(),
            self.gamma,
            q_both[B:],
            self.target.numpy_forward(obs_pair[B:]),
            None if bonus is None else bonus.numpy(),
            heads,
            self.optimism_cap,
        )
        error = q - td_target
        # The Huber loss's derivative: the error clamped to [-delta, delta]. With
        # c = |clamped|, the loss is c * (|error| - c / 2): 0.5 * error^2 inside,
        # delta * (|error| - delta / 2) outside.
        delta = self.huber_delta
        clamped = np.clip(error, -delta, delta)
        huber = error - 0.5 * clamped
        huber *= clamped
        # dLoss/dq (mean over rows, sum over heads): the clamped error over B.
        slope = clamped / B
        if weights is None:
            loss = float(np.add.reduce(huber, None)) / B
        else:
            importance = weights.numpy()
            slope *= importance.reshape(B, 1)
            loss = float(huber.sum(1) @ importance) / B
        grad_q = np.zeros((B, width), q.dtype)
        grad_q[rows, columns] = slope
        grad = self.online.backward_rows(inputs, grad_q)
        # clip_grad_norm_ for one vector.
        norm = math.sqrt(float(np.dot(grad, grad)))
        if norm + 1e-6 > self.max_grad_norm:  # else the factor is 1: nothing to scale
            grad *= self.max_grad_norm / (norm + 1e-6)
        self.optimizer.step(grad)
        return Step(q[:, -1], loss, error[:, -1])

    def adam_moments(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        views = self.online.views
        moments = (
            torch.from_numpy(self.optimizer.exp_avg),
            torch.from_numpy(self.optimizer.exp_avg_sq),
        )
        return list(zip(views(moments[0]), views(moments[1]), strict=True))

    @property
    def adam_steps(self) -> int:
        return self.optimizer.steps

    @adam_steps.setter
    def adam_steps(self, value: int) -> None:
        self.optimizer.steps = value


def numpy_head_targets(
    rewards: np.ndarray,
    bootstrap: np.ndarray,
    next_masks: np.ndarray,
    gamma: float,
    next_q_online: np.ndarray,
    next_q_target: np.ndarray,
    bonus: np.ndarray | None,
    heads: int,
    cap: float = math.inf,
) -> np.ndarray:
    """:func:`head_targets` in numpy, for the fast path (``tests/test_dqn_update.py``
    holds the two equal). ``next_q_online`` and ``next_q_target`` are overwritten."""
    rows = len(rewards)
    online = next_q_online.reshape(rows, heads, -1)
    target = next_q_target.reshape(rows, heads, -1)
    if bonus is not None:
        online[:, 0] += bonus
        target[:, 0] += bonus
    legal = np.where(next_masks[:, None, :], online, -np.inf)
    value = target[np.arange(rows).reshape(-1, 1), np.arange(heads), legal.argmax(2)]
    value *= (gamma * bootstrap).reshape(-1, 1)
    value += rewards.reshape(-1, 1)
    if bonus is not None and cap < math.inf:
        np.minimum(value[:, 0], cap, out=value[:, 0])
    return value


class FlatAdam:
    """Adam (PyTorch's formulation and defaults) for one flat numpy parameter vector.

    ``torch.optim.Adam`` spends more time in per-call bookkeeping than in the update for
    a network this small. On one vector the whole update is one call of the kernel that
    ``torch.optim.Adam(fused=True)`` runs (``torch._fused_adam_``: one pass over the
    vector where numpy would make a dozen), without the optimizer's bookkeeping around
    it. ``tests/test_dqn_update.py`` checks it against ``torch.optim.Adam``.

    Attributes:
        param: the vector, updated in place.
        param_groups: ``[{"lr": learning rate}]``, read at every step, as in torch's
            optimizers.
        steps: updates done (for the bias corrections).
        exp_avg, exp_avg_sq: the first and second moment estimates.
    """

    def __init__(
        self,
        param: np.ndarray,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.param = param
        self.param_groups = [{"lr": lr}]
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.exp_avg = np.zeros_like(param)
        self.exp_avg_sq = np.zeros_like(param)
        # The kernel's arguments, made once: tensors on the same memory, and the step
        # count it reads for the bias corrections.
        self._tensors = [torch.from_numpy(a) for a in (param, self.exp_avg, self.exp_avg_sq)]
        self._step = torch.zeros(())

    def step(self, grad: np.ndarray) -> None:
        """One update from ``grad``."""
        self.steps += 1
        self._step.fill_(self.steps)
        param, exp_avg, exp_avg_sq = self._tensors
        beta1, beta2 = self.betas
        torch._fused_adam_(
            [param],
            [torch.from_numpy(grad)],
            [exp_avg],
            [exp_avg_sq],
            [],
            [self._step],
            lr=self.param_groups[0]["lr"],
            beta1=beta1,
            beta2=beta2,
            weight_decay=0.0,
            eps=self.eps,
            amsgrad=False,
            maximize=False,
        )
