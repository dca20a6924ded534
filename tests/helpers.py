"""Helpers shared by several test files (pytest puts ``tests/`` on ``sys.path``)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from qarcade import games


def canonical(value: Any) -> Any:
    """A comparable picture of a snapshot: arrays to bytes, generators and objects to state."""
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, np.random.Generator):
        return canonical(value.bit_generator.state)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return canonical({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if hasattr(value, "__dict__"):
        return canonical(vars(value))
    slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
    if slots:
        # Objects with __slots__ (caches such as Invaders' column features) have no vars().
        return canonical({s: getattr(value, s) for s in slots if hasattr(value, s)})
    return value


def state_of(env: games.Env) -> Any:
    """The canonical picture of ``env``'s whole state (see :func:`canonical`)."""
    return canonical(env.snapshot())
