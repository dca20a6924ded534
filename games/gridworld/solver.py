"""Exact solutions of a gridworld, to grade learners and benchmarks against.

Two questions, two tools, both exact up to floating point:

- :func:`value_iteration` answers "what should a Q-learner with discount ``gamma``
  converge to?": the optimal discounted ``V``, ``Q`` and greedy policy of every cell;
  :func:`policy_value` is one policy's discounted value, to set beside it.
- :func:`optimal_return`, :func:`policy_return` and :func:`success_probability` answer
  "how well can an episode go?": the expected *undiscounted* return (or the probability of
  reaching a goal) from the start within the env's time limit, by dynamic programming over
  the remaining steps. On a deterministic map with the default rewards the optimum is
  ``goal_reward + (n - 1) * step_reward`` for the shortest safe path of ``n`` steps.

Everything is computed from :meth:`GridWorldEnv.transition_model`, so it follows the
env's rules, slips and current tiles (after :meth:`~GridWorldEnv.set_tile`) exactly.
Policies are int arrays of one action per cell, shaped ``(rows, cols)`` or ``(rows * cols,)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qarcade.games.core import OptionError
from qarcade.games.gridworld.env import GridWorldEnv, TransitionModel
from qarcade.games.gridworld.maps import GOAL


@dataclass(frozen=True)
class Solution:
    """The optimal discounted values of every cell.

    Attributes:
        v: (rows, cols) optimal state values; 0 on goal and pit cells (episodes end there).
            A wall cell holds the value of standing in it, which only
            :meth:`~GridWorldEnv.set_tile` can bring about.
        q: (rows, cols, 4) optimal action values, indexed by action (``LEFT``..``UP``).
        policy: (rows, cols) a greedy action per cell (the lowest-numbered among ties);
            -1 on goal and pit cells, where there is nothing to decide.
        gamma: the discount.
        iterations: sweeps until the largest change fell below the tolerance.
    """

    v: np.ndarray
    q: np.ndarray
    policy: np.ndarray
    gamma: float
    iterations: int


def value_iteration(
    env: GridWorldEnv, *, gamma: float = 0.99, tol: float = 1e-10, max_iterations: int = 100_000
) -> Solution:
    """Optimal discounted ``V``, ``Q`` and greedy policy by value iteration.

    Args:
        env: the gridworld (its map, current tiles, rewards and slip).
        gamma: discount in [0, 1); 1 is refused because values need not converge (a cell
            walled off from every goal would wander forever).
        tol: stop when no value changes by more than this in a sweep.
        max_iterations: a safety bound on sweeps.
    """
    _check_gamma(gamma)
    model = env.transition_model()
    v, iterations = _sweep(model, None, gamma, tol, max_iterations)
    q = _backup(model, v, gamma)
    q[model.absorbing] = 0.0
    policy = np.where(model.absorbing, -1, q.argmax(axis=1))
    shape = (env.rows, env.cols)
    return Solution(
        v=v.reshape(shape),
        q=q.reshape(*shape, env.num_actions),
        policy=policy.reshape(shape),
        gamma=gamma,
        iterations=iterations,
    )


def policy_value(
    env: GridWorldEnv,
    policy: np.ndarray,
    *,
    gamma: float = 0.99,
    tol: float = 1e-10,
    max_iterations: int = 100_000,
) -> float:
    """The discounted value of the start when following ``policy`` (one action per cell)
    forever: what a Q-learner with discount ``gamma`` maximises, to set beside
    :func:`value_iteration`'s ``v`` at the start. Time limits play no part, as in
    :func:`value_iteration`.

    Exact up to floating point: one linear solve of ``V = R + gamma P V`` over the cells
    the policy can reach from the start (a few milliseconds on the largest maps a
    benchmark grades hundreds of times a run, where sweeps to ``tol`` take a few hundred).
    Where more than :data:`DENSE_CELLS` cells are reachable it sweeps to ``tol`` instead,
    so memory stays bounded whatever the map."""
    _check_gamma(gamma)
    model = env.transition_model()
    actions = _check_policy(env, policy, model)
    cells = np.arange(model.absorbing.size)
    to, live = _policy_outcomes(model, actions)
    # The expected reward of each cell's move; nothing goes on from goal or pit.
    reward = (model.prob * model.reward)[cells, actions].sum(1)
    reward[model.absorbing] = 0.0
    reach = _reachable(model.start, to, live > 0)
    if len(reach) > DENSE_CELLS:
        v, _ = _sweep(model, actions, gamma, tol, max_iterations)
        return float(v[model.start])
    # The reachable cells renumbered 0..n-1 (the start first): (I - gamma P) V = R.
    number = np.full(cells.size, -1)
    number[reach] = np.arange(len(reach))
    sub_to, sub_live = to[reach], live[reach]
    goes_on = sub_live > 0
    rows = np.broadcast_to(np.arange(len(reach))[:, None], sub_to.shape)
    matrix = np.zeros((len(reach), len(reach)))
    np.add.at(matrix, (rows[goes_on], number[sub_to[goes_on]]), sub_live[goes_on])
    matrix *= -gamma  # I - gamma P in place: one matrix of the size, not four
    matrix[np.diag_indices(len(reach))] += 1.0
    v = np.linalg.solve(matrix, reward[reach])
    return float(v[0])


#: :func:`policy_value` solves exactly over at most this many reachable cells (a dense
#: matrix of 32 MB) and sweeps beyond.
DENSE_CELLS = 2048


def _policy_outcomes(model: TransitionModel, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's outcomes under ``actions``: ``(cells, 3)`` where they land, and the
    probability that the episode goes on there (0 from goal and pit cells)."""
    cells = np.arange(model.absorbing.size)
    live = np.where(model.terminated[cells, actions], 0.0, model.prob[cells, actions])
    live[model.absorbing] = 0.0
    return model.next_cell[cells, actions], live


def _reachable(start: int, to: np.ndarray, goes_on: np.ndarray) -> np.ndarray:
    """The cells reachable from ``start`` through the outcomes ``to`` (``(cells,
    outcomes)``) where ``goes_on``, the start first."""
    seen = np.zeros(len(to), bool)
    seen[start] = True
    order, frontier = [np.array([start])], np.array([start])
    while frontier.size:
        reached = np.unique(to[frontier][goes_on[frontier]])
        frontier = reached[~seen[reached]]
        seen[frontier] = True
        order.append(frontier)
    return np.concatenate(order)


def value_lost(
    env: GridWorldEnv,
    policy: np.ndarray,
    *,
    gamma: float = 0.99,
    tol: float = 1e-10,
    max_iterations: int = 100_000,
    optimal: Solution | None = None,
) -> np.ndarray:
    """Where ``policy`` loses value: ``(rows, cols)``, each cell's
    ``d(s) * (V*(s) - Q*(s, policy(s)))``, with ``d`` the policy's discounted visits of
    the cell from the start and ``V*``, ``Q*`` :func:`value_iteration`'s. By the
    performance difference lemma (Kakade & Langford 2002) the cells' losses sum to
    ``V*(start) - V^policy(start)``, what the policy falls short of the optimum by, so
    the largest says which cell's choice costs the most and how much of the shortfall
    it makes. 0 on goal and pit cells, and on cells the policy never reaches.
    ``optimal``: :func:`value_iteration`'s solution with this ``gamma``, if the caller
    has it already."""
    _check_gamma(gamma)
    model = env.transition_model()
    actions = _check_policy(env, policy, model)
    if optimal is None:
        optimal = value_iteration(env, gamma=gamma, tol=tol, max_iterations=max_iterations)
    elif optimal.gamma != gamma:
        raise OptionError(f"the optimal solution is for gamma {optimal.gamma}, not {gamma}")
    cells = np.arange(model.absorbing.size)
    # d = e_start + gamma * P^T d by sweeps, over the outcomes of the policy's moves that
    # go on (each cell has at most three).
    to, weight = _policy_outcomes(model, actions)
    start = np.zeros(cells.size)
    start[model.start] = 1.0
    visits = start
    for _ in range(max_iterations):
        carried = np.bincount(to.ravel(), (weight * visits[:, None]).ravel(), minlength=cells.size)
        new_visits = start + gamma * carried
        done = float(np.abs(new_visits - visits).max()) < tol
        visits = new_visits
        if done:
            break
    q = optimal.q.reshape(cells.size, -1)
    gap = optimal.v.reshape(-1) - q[cells, actions]
    gap[model.absorbing] = 0.0
    return (visits * gap).reshape(env.rows, env.cols)


def optimal_return(env: GridWorldEnv, *, horizon: int | None = None) -> float:
    """The best expected undiscounted return from the start within ``horizon`` steps
    (default: the env's ``max_steps``), over all policies, time-dependent ones included."""
    model = env.transition_model()
    return float(_finite_horizon(model, model.reward, None, _horizon(env, horizon))[model.start])


def policy_return(env: GridWorldEnv, policy: np.ndarray, *, horizon: int | None = None) -> float:
    """The expected undiscounted return from the start of following ``policy`` (one action
    per cell) for at most ``horizon`` steps (default: the env's ``max_steps``)."""
    model = env.transition_model()
    actions = _check_policy(env, policy, model)
    if _deterministic(model):
        return _walk(model, actions.__getitem__, _horizon(env, horizon))
    return float(_finite_horizon(model, model.reward, actions, _horizon(env, horizon))[model.start])


def return_of(
    env: GridWorldEnv, act: Callable[[np.ndarray], int], *, horizon: int | None = None
) -> float:
    """:func:`policy_return` of the policy ``act(obs)`` plays (as :func:`policy_of`), asking
    it only in the cells its path from the start goes through where every move has one
    outcome, so grading a network costs a walk, not a question per cell."""
    model = env.transition_model()
    if not _deterministic(model):
        return policy_return(env, policy_of(env, act), horizon=horizon)
    cols = env.cols

    # A policy that loops comes back to the same cells: each is asked once.
    @functools.cache
    def action_at(cell: int) -> int:
        action = int(act(env.obs_for_cell(cell // cols, cell % cols)))
        if not 0 <= action < env.num_actions:
            raise OptionError(f"actions are 0..{env.num_actions - 1}, got {action}")
        return action

    return _walk(model, action_at, _horizon(env, horizon))


def _deterministic(model: TransitionModel) -> bool:
    return bool((model.prob == 1.0).any(axis=2).all())


def success_probability(
    env: GridWorldEnv, policy: np.ndarray | None = None, *, horizon: int | None = None
) -> float:
    """The probability of reaching a goal from the start within ``horizon`` steps (default:
    the env's ``max_steps``): following ``policy``, or with the best policy when ``None``."""
    model = env.transition_model()
    reaches_goal = (model.landing == GOAL).astype(float)
    actions = None if policy is None else _check_policy(env, policy, model)
    values = _finite_horizon(model, reaches_goal, actions, _horizon(env, horizon))
    return float(values[model.start])


def policy_of(env: GridWorldEnv, act: Callable[[np.ndarray], int]) -> np.ndarray:
    """The (rows, cols) policy of an agent, asking ``act(obs)`` for the action in every cell
    without stepping, e.g. ``policy_of(env, lambda obs: agent.act(obs, mask))``; -1 on goal
    and pit cells. Pass it to :func:`policy_return` or :func:`success_probability`."""
    absorbing = env.transition_model().absorbing.reshape(env.rows, env.cols)
    policy = np.full((env.rows, env.cols), -1, dtype=np.int64)
    for row in range(env.rows):
        for col in range(env.cols):
            if not absorbing[row, col]:
                policy[row, col] = int(act(env.obs_for_cell(row, col)))
    return policy


def _check_gamma(gamma: float) -> None:
    if not 0.0 <= gamma < 1.0:
        raise OptionError(
            f"gamma must be in [0, 1) for discounted values, got {gamma}; use "
            "optimal_return or policy_return for undiscounted returns within the time limit"
        )


def _sweep(
    model: TransitionModel,
    actions: np.ndarray | None,
    gamma: float,
    tol: float,
    max_iterations: int,
) -> tuple[np.ndarray, int]:
    """Discounted values of every cell, maximising over actions (``actions is None``) or
    following ``actions``, by sweeps until no value changes by more than ``tol``; and the
    number of sweeps."""
    v = np.zeros(model.absorbing.shape)
    cells = np.arange(v.size)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        q = _backup(model, v, gamma)
        new_v = np.where(
            model.absorbing, 0.0, q.max(axis=1) if actions is None else q[cells, actions]
        )
        delta = float(np.abs(new_v - v).max())
        v = new_v
        if delta < tol:
            break
    return v, iterations


def _backup(model: TransitionModel, v: np.ndarray, gamma: float) -> np.ndarray:
    """Q[s, a] = sum over outcomes of p * (r + gamma * V[s'] if the episode goes on)."""
    future = np.where(model.terminated, 0.0, v[model.next_cell])
    return (model.prob * (model.reward + gamma * future)).sum(axis=2)


def _finite_horizon(
    model: TransitionModel, reward: np.ndarray, actions: np.ndarray | None, horizon: int
) -> np.ndarray:
    """Undiscounted value of every cell with ``horizon`` steps left, for ``reward`` per
    outcome, maximising over actions (``actions is None``) or following ``actions``."""
    v = np.zeros(model.absorbing.shape)
    cells = np.arange(v.size)
    for _ in range(horizon):
        q = (model.prob * (reward + np.where(model.terminated, 0.0, v[model.next_cell]))).sum(2)
        new_v = q.max(axis=1) if actions is None else q[cells, actions]
        new_v[model.absorbing] = 0.0
        # Each step maps v to the next the same way: once it stops changing, it is final.
        if np.array_equal(new_v, v):
            break
        v = new_v
    return v


def _walk(model: TransitionModel, action_at: Callable[[int], int], horizon: int) -> float:
    """:func:`policy_return` where every move has one outcome: the rewards along the one
    path the policy takes from the start, summed last first as :func:`_finite_horizon`
    sums them, so both give the same number to the last bit, in steps along the path
    instead of sweeps over every cell."""
    rewards = []
    cell = model.start
    for _ in range(horizon):
        action = action_at(cell)
        outcome = int(model.prob[cell, action].argmax())
        rewards.append(float(model.reward[cell, action, outcome]))
        if model.terminated[cell, action, outcome]:
            break
        cell = int(model.next_cell[cell, action, outcome])
    total = 0.0
    for reward in reversed(rewards):
        total = reward + total
    return total


def _check_policy(env: GridWorldEnv, policy: np.ndarray, model: TransitionModel) -> np.ndarray:
    actions = np.asarray(policy).reshape(-1)
    if actions.size != env.rows * env.cols or not np.issubdtype(actions.dtype, np.integer):
        raise OptionError(
            f"a policy is one integer action per cell: {env.rows}x{env.cols} = "
            f"{env.rows * env.cols} of them, got shape {np.shape(policy)} of {actions.dtype}"
        )
    # Goal and pit cells may hold anything (value_iteration puts -1): nothing is decided there.
    actions = np.where(model.absorbing, 0, actions)
    if actions.min() < 0 or actions.max() >= env.num_actions:
        raise OptionError(
            f"policy actions must be 0..{env.num_actions - 1} on every cell that is not a "
            f"goal or a pit, got {actions.min()}..{actions.max()}"
        )
    return actions.astype(np.int64)


def _horizon(env: GridWorldEnv, horizon: int | None) -> int:
    if horizon is None:
        return env.max_steps
    if horizon < 0:
        raise OptionError(f"horizon must be >= 0 steps, got {horizon}")
    return horizon
