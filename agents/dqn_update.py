"""DQN's gradient step, the one seam between the agent and its networks.

For a sampled batch of transitions (:class:`TensorBatch`)::

    a*     = argmax over legal a' of Q_online(s', a')      (next_mask: illegal a' excluded)
    target = r + gamma * b * Q_target(s', a*)
    loss   = Huber(Q_online(s, a), target)                  (importance-weighted, if given)

then the gradient, clipped to ``max_grad_norm``, and one Adam step. Two paths make it:

- :class:`ReferenceUpdate` reads like CleanRL's ``dqn.py``: ``nn.Module`` networks
  (:class:`~agents.networks.MLP`, :class:`~agents.networks.CNN`), autograd,
  ``clip_grad_norm_`` and ``torch.optim.Adam``.
- :class:`FastUpdate` makes the same step for the :class:`~agents.networks.FastMLP`: one
  pass over the observations and next observations together, the Huber loss's
  derivative and the backward by hand, and Adam on one flat vector (:class:`FlatAdam`).
  For networks this small it is several times faster (``benchmarks/dqn_speed.py
  --paths``); ``tests/test_dqn_update.py`` proves the two equal.

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
    """What a gradient step reports, each computed before the weights changed.

    Attributes:
        q: (B,) Q_online(s, a).
        loss: () the (weighted) Huber loss.
        error: (B,) ``q - target``, the TD errors (prioritized replay's priorities).
    """

    q: torch.Tensor
    loss: torch.Tensor
    error: torch.Tensor


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


def huber_loss(q: torch.Tensor, target: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    """The Huber loss, averaged over the rows and summed over the heads (the columns
    of ``(B, heads)`` arguments), each row times its importance weight if ``weights``."""
    if weights is None:
        return F.smooth_l1_loss(q, target, reduction="sum") / len(q)
    return (F.smooth_l1_loss(q, target, reduction="none").sum(1) * weights).mean()


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
    ) -> None:
        self.online = online
        self.target = target
        self.gamma = gamma
        self.max_grad_norm = max_grad_norm
        self.heads = heads
        self.optimism_cap = math.inf
        # Where each head's Q-values start in the output, (1, heads): made at the first
        # step, when the output's width is known.
        self._head_offsets: torch.Tensor | None = None
        target.requires_grad_(False)
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
            for target, online in zip(
                self.target.parameters(), self.online.parameters(), strict=True
            ):
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
        loss = huber_loss(q, td_target, weights)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.online.parameters(), self.max_grad_norm)
        self.optimizer.step()
        q = q.detach()[:, -1]
        return Step(q, loss.detach(), q - td_target[:, -1])

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
    """The same step for a :class:`~agents.networks.FastMLP`, by hand, on one flat
    vector: no autograd graph, no per-tensor loops."""

    online: FastMLP
    optimizer: FlatAdam

    def _make_optimizer(self, learning_rate: float) -> None:
        self.optimizer = FlatAdam(self.online.weights, learning_rate)

    def update(
        self, batch: TensorBatch, bonus: torch.Tensor | None, weights: torch.Tensor | None
    ) -> Step:
        B, heads = len(batch.actions), self.heads
        q_both, inputs = self.online.forward_keeping_inputs(batch.obs_pair)
        columns = self.taken_columns(batch.actions, q_both.shape[1])
        q = q_both[:B].gather(1, columns)
        td_target = head_targets(
            batch,
            self.gamma,
            q_both[B:],
            self.target(batch.next_obs),
            bonus,
            heads,
            self.optimism_cap,
        )
        error = q - td_target
        # dLoss/dq of the Huber loss (mean over rows, sum over heads): the error clamped
        # to [-1, 1], over B.
        slope = error.clamp(-1.0, 1.0).div_(B)
        if weights is not None:
            slope.mul_(weights.view(B, 1))
        grad_q = torch.zeros_like(q_both[:B]).scatter_(1, columns, slope)
        grad = self.online.backward_rows(inputs, grad_q)
        # clip_grad_norm_ for one tensor, without its per-call bookkeeping.
        norm = torch.linalg.vector_norm(grad)
        grad.mul_((self.max_grad_norm / (norm + 1e-6)).clamp_(max=1.0))
        self.optimizer.step(grad)
        return Step(q[:, -1], huber_loss(q, td_target, weights), error[:, -1])

    def adam_moments(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        views = self.online.views
        return list(
            zip(views(self.optimizer.exp_avg), views(self.optimizer.exp_avg_sq), strict=True)
        )

    @property
    def adam_steps(self) -> int:
        return self.optimizer.steps

    @adam_steps.setter
    def adam_steps(self, value: int) -> None:
        self.optimizer.steps = value


class FlatAdam:
    """Adam (PyTorch's formulation and defaults) for one flat parameter vector.

    ``torch.optim.Adam`` spends more time in per-call bookkeeping than in the update for
    a network this small; on one vector the whole update is a handful of tensor
    operations. ``tests/test_dqn_update.py`` checks it against ``torch.optim.Adam``.

    Attributes:
        param_groups: ``[{"lr": learning rate}]``, read at every step, as in torch's
            optimizers.
        steps: updates done (for the bias corrections).
        exp_avg, exp_avg_sq: the first and second moment estimates.
    """

    def __init__(
        self,
        param: torch.Tensor,
        lr: float,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.param = param
        self.param_groups = [{"lr": lr}]
        self.betas = betas
        self.eps = eps
        self.steps = 0
        self.exp_avg = torch.zeros_like(param, requires_grad=False)
        self.exp_avg_sq = torch.zeros_like(param, requires_grad=False)
        # Adam's denominator, written in place every step: a new vector each step cost
        # more than the arithmetic (fresh pages from the system).
        self._denom = torch.zeros_like(param, requires_grad=False)

    @torch.no_grad()
    def step(self, grad: torch.Tensor) -> None:
        """One update from ``grad``."""
        beta1, beta2 = self.betas
        self.steps += 1
        self.exp_avg.lerp_(grad, 1.0 - beta1)
        self.exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1.0 - beta2)
        bias_correction1 = 1.0 - beta1**self.steps
        bias_correction2_sqrt = math.sqrt(1.0 - beta2**self.steps)
        denom = self._denom
        if denom.device.type == "cpu":
            # numpy's square root, correctly rounded as torch's is: torch's CPU kernel
            # takes several times longer over the zeros a one-hot input leaves in the
            # moments (the weights of states not yet met).
            np.sqrt(self.exp_avg_sq.numpy(), out=denom.numpy())
        else:
            torch.sqrt(self.exp_avg_sq, out=denom)
        denom.div_(bias_correction2_sqrt).add_(self.eps)
        lr = self.param_groups[0]["lr"]
        self.param.addcdiv_(self.exp_avg, denom, value=-lr / bias_correction1)
