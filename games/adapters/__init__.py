"""Bridges between qarcade's games and the RL ecosystem (``pip install -e ".[gym]"``).

- :mod:`games.adapters.gymnasium`: every game as a ``gymnasium.Env`` under ``qarcade/``.
- :mod:`games.adapters.pettingzoo`: tic-tac-toe as a PettingZoo AEC env.
- :mod:`games.adapters.from_gymnasium`: any discrete-action Gymnasium env as a qarcade env,
  so qarcade's own agents and training loop run on it.

Nothing is imported here, so ``import games`` never needs Gymnasium or PettingZoo.
"""
