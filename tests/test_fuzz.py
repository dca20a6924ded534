"""Property tests with hypothesis: what a person can throw at qarcade never breaks it.

- Action sequences on every env (legal moves mixed with junk: out of range, negative,
  huge, floats, None, strings, bytes, arrays): a rejected action raises a
  :class:`~games.core.GameError` subclass and leaves the state exactly as it was; an
  accepted one keeps every invariant (observation shape, dtype, bounds; the mask; the
  rewards; Invaders' score and lives).
- Map files made of random bytes, bit flips, truncations and splices of the shipped maps,
  and random text in the map alphabet: either a valid, playable map or a
  :class:`~games.gridworld.maps.MapError` naming the file.
- Checkpoints (a real tabular ``.npz`` and a real DQN ``.safetensors``, trained here)
  damaged byte by byte, and rewritten with mutated metadata or arrays: either a
  :class:`~agents.checkpoints.CheckpointError` or a usable agent (equal to the original
  when only the bytes were damaged).

Every case runs under a time limit, so a hang fails instead of stalling the suite. Each
outcome is tallied in :data:`TALLY` (and reported to hypothesis with ``event``, see
``--hypothesis-show-statistics``); ``pytest -s`` prints the table at the end of the module.
``benchmarks/fuzz_report.py`` runs the same properties with many more cases.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import operator
import re
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import state_of
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_conformance import CONFIGS, IDS

import games
from games.core import GameError, GameOverError, IllegalActionError
from games.gridworld.maps import GOAL, START, MapError, goal_reachable, load_map

ROOT = Path(__file__).resolve().parents[1]
MAP_FILES = sorted((ROOT / "assets" / "maps").glob("*.txt"))
#: Seconds one fuzz case may take before it counts as a hang.
CASE_TIME_LIMIT = 10.0

#: (property, outcome) -> cases; outcome is "ok: ..." or an exception type and the first
#: words of its message.
TALLY: collections.Counter[tuple[str, str]] = collections.Counter()

# Small enough for the whole file to run in well under a minute on one core;
# benchmarks/fuzz_report.py raises them.
EXAMPLES = {"actions": 100, "map": 400, "checkpoint_bytes": 250, "checkpoint_fields": 250}


def fuzz_settings(kind: str) -> settings:
    """Settings of the ``kind`` property: its case count, no per-case deadline (the time
    limit below catches hangs instead), and no complaints about slow data generation."""
    return settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class Hang(Exception):
    """A fuzz case ran past :data:`CASE_TIME_LIMIT`."""


@contextlib.contextmanager
def time_limit(seconds: float = CASE_TIME_LIMIT) -> Iterator[None]:
    """Raise :class:`Hang` in the block if it runs longer than ``seconds`` (SIGALRM, so
    only on the main thread, which is where pytest runs tests)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def outcome_of(error: BaseException, *paths: Path) -> str:
    """``"Type: first words of the message"`` with file paths, quoted values and numbers
    blanked, for the tally."""
    message = str(error)
    for path in paths:
        message = message.replace(str(path), "<file>")
    # Positions, quoted values and numbers vary case by case; the kind of error does not.
    message = re.sub(r"\s+", " ", message)
    message = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"(?<![\w-])\d+\b", "N", message)
    words = " ".join(message.split(" ")[:7])
    return f"{type(error).__name__}: {words}"


def record(prop: str, outcome: str) -> None:
    TALLY[prop, outcome] += 1
    event(outcome)


def format_tally(tally: collections.Counter[tuple[str, str]]) -> str:
    """The tally as a plain-text table, property by property."""
    lines = []
    for prop in sorted({p for p, _ in tally}):
        rows = sorted(((n, o) for (p, o), n in tally.items() if p == prop), reverse=True)
        lines.append(f"{prop}: {sum(n for n, _ in rows)} cases")
        lines.extend(f"  {n:6d}  {o}" for n, o in rows)
    return "\n".join(lines)


@pytest.fixture(scope="module", autouse=True)
def print_tally() -> Iterator[None]:
    yield
    print("\nfuzz cases and what they produced\n" + format_tally(TALLY))


# ===================================================================== actions on envs
class Legal(int):
    """A draw meaning "the k-th legal action, modulo how many there are", so that random
    sequences mostly make progress and reach the end of games."""


class Opaque:
    """An object that is no kind of number."""

    def __repr__(self) -> str:
        return "Opaque()"


def junk_actions(num_actions: int) -> st.SearchStrategy[Any]:
    """Anything a caller might pass as an action, legal or not."""
    near = st.integers(-3, num_actions + 2)
    return st.one_of(
        near,
        st.integers(),
        st.integers(min_value=2**62, max_value=2**200),
        st.integers(min_value=-(2**200), max_value=-1),
        near.map(np.int64),
        st.integers(0, 255).map(np.uint8),
        st.integers(0, 2**64 - 1).map(np.uint64),
        near.map(np.array),  # 0-d integer arrays index like ints
        near.map(lambda a: np.array([a])),
        st.floats(),
        near.map(float),
        near.map(np.float32),
        st.booleans(),
        st.none(),
        st.text(max_size=4),
        st.binary(max_size=2),
        st.complex_numbers(),
        st.just(Opaque()),
    )


def action_sequences(num_actions: int) -> st.SearchStrategy[list[Any]]:
    legal = st.integers(0, 1000).map(Legal)
    junk = junk_actions(num_actions)
    # Three draws in four are legal moves, so games get played to their end.
    action = st.integers(0, 3).flatmap(lambda k: junk if k == 0 else legal)
    return st.lists(action, max_size=60)


def expected_index(action: Any, env: games.Env) -> int | None:
    """The action ``env`` must accept, or None if it must refuse it."""
    try:
        index = operator.index(action)
    except TypeError:
        return None
    if not 0 <= index < env.num_actions or not env.action_mask()[index]:
        return None
    return index


def describe_action(action: Any, env: games.Env) -> str:
    """What kind of action ``action`` is for ``env`` now, for the tally."""
    if env.done:
        return "any action after the game ended"
    try:
        index = operator.index(action)
    except TypeError:
        return f"{type(action).__name__}{'[]' if np.ndim(action) else ''}"
    kind = type(action).__name__
    if not 0 <= index < env.num_actions:
        return f"{kind} out of range"
    return f"{kind} legal" if env.action_mask()[index] else f"{kind} illegal now"


def check_step(env: games.Env, mover: int, result: tuple, previous_info: dict[str, Any]) -> None:
    """The invariants every accepted step keeps."""
    obs, reward, terminated, truncated, info = result
    assert obs.shape == env.observation_shape and obs.dtype == env.observation_dtype
    values = obs.astype(np.float64)
    assert np.isfinite(values).all()
    low, high = getattr(env, "observation_low", None), getattr(env, "observation_high", None)
    if low is not None:
        assert values.min() >= low and values.max() <= high
    assert isinstance(terminated, bool) and isinstance(truncated, bool)
    assert env.done == (terminated or truncated)
    assert math.isfinite(reward)
    rewards = info["rewards"]
    assert len(rewards) == env.num_players and all(math.isfinite(r) for r in rewards)
    assert reward == rewards[mover]
    mask = info["action_mask"]
    assert mask.dtype == bool and mask.shape == (env.num_actions,)
    assert np.array_equal(mask, env.action_mask())
    assert mask.any() != env.done
    assert 0 <= env.current_player < env.num_players
    if env.name == "gridworld":
        assert values.sum() == 1.0, "the gridworld observation is one-hot"
    elif env.name == "tictactoe":
        assert not (obs[0] * obs[1]).any(), "a square holds one mark"
    elif env.name == "invaders":
        from games.invaders import rules

        score, lives = info["score"], info["lives"]
        assert score >= previous_info["score"], "scores only rise"
        assert reward == score - previous_info["score"], "the reward is the points scored"
        assert 0 <= lives <= previous_info["lives"] <= rules.LIVES


def play_actions(env: games.Env, seed: int, actions: list[Any]) -> None:
    """Play ``actions`` on ``env`` (reset with ``seed``), checking every step."""
    with pytest.raises(GameOverError):
        env.step(0)  # before the first reset
    _, info = env.reset(seed=seed)
    for action in actions:
        if isinstance(action, Legal):
            legal = env.legal_actions()
            action = int(legal[action % len(legal)]) if len(legal) else 0
        what = describe_action(action, env)
        must_accept = None if env.done else expected_index(action, env)
        if must_accept is None:
            before = state_of(env)
            refusal = GameOverError if env.done else IllegalActionError
            with pytest.raises(GameError) as caught:
                env.step(action)
            assert isinstance(caught.value, refusal), caught.value
            assert env.name in str(caught.value), "the message names the game"
            assert state_of(env) == before, f"refusing {action!r} changed the state"
            record("actions", f"{what} -> refused: {type(caught.value).__name__}")
            if env.done:
                _, info = env.reset(seed=seed)
            continue
        mover = env.current_player
        result = env.step(action)
        check_step(env, mover, result, info)
        info = result[4]
        record("actions", f"{what} -> accepted")


@pytest.mark.parametrize(("name", "options"), CONFIGS, ids=IDS)
def test_random_actions_are_refused_cleanly_or_keep_the_invariants(
    name: str, options: dict[str, object]
) -> None:
    num_actions = games.make(name, **options).num_actions

    @fuzz_settings("actions")
    @given(seed=st.integers(0, 2**32 - 1), actions=action_sequences(num_actions))
    def prop(seed: int, actions: list[Any]) -> None:
        with time_limit():
            play_actions(games.make(name, **options), seed, actions)

    prop()


# ===================================================================== map files
@dataclass(frozen=True)
class Damage:
    """One way to damage a file, described small enough to read in a falsifying example.

    Attributes:
        kind: ``"random bytes"`` (``patch`` is the whole file), ``"bit flips"``
            (``bits`` of ``source``), ``"truncation"`` (``source`` cut at ``at``),
            ``"splice"`` (``patch`` inserted at ``at``, or written over what is there when
            ``overwrite``) or ``"text"`` (``patch``, the map alphabet).
        source: the name of the original file damaged.
    """

    kind: str
    source: str = ""
    bits: tuple[int, ...] = ()
    at: int = 0
    patch: bytes = b""
    overwrite: bool = False

    def apply(self, originals: dict[str, bytes]) -> bytes:
        if self.kind in ("random bytes", "text"):
            return self.patch
        data = originals[self.source]
        if self.kind == "truncation":
            return data[: self.at]
        if self.kind == "splice":
            end = self.at + (len(self.patch) if self.overwrite else 0)
            return data[: self.at] + self.patch + data[end:]
        out = bytearray(data)
        for bit in self.bits:
            out[bit // 8] ^= 1 << bit % 8
        return bytes(out)


def damages(originals: dict[str, bytes]) -> st.SearchStrategy[Damage]:
    """Random bytes, or bit flips, truncations and splices of one of ``originals``."""

    def of(name: str) -> st.SearchStrategy[Damage]:
        size = len(originals[name])
        return st.one_of(
            st.lists(st.integers(0, 8 * size - 1), min_size=1, max_size=8).map(
                lambda bits: Damage("bit flips", name, bits=tuple(sorted(bits)))
            ),
            st.integers(0, size - 1).map(lambda at: Damage("truncation", name, at=at)),
            st.builds(
                lambda at, patch, overwrite: Damage(
                    "splice", name, at=at, patch=patch, overwrite=overwrite
                ),
                st.integers(0, size),
                st.binary(min_size=1, max_size=16),
                st.booleans(),
            ),
        )

    return st.one_of(
        st.binary(max_size=512).map(lambda b: Damage("random bytes", patch=b)),
        st.sampled_from(sorted(originals)).flatmap(of),
    )


@functools.cache
def map_texts() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in MAP_FILES}


def map_inputs() -> st.SearchStrategy[Damage]:
    text = st.text(alphabet="SGH.#F; \t\n\r", max_size=160)
    return st.one_of(damages(map_texts()), text.map(lambda t: Damage("text", patch=t.encode())))


def check_map_file(damage: Damage, path: Path) -> None:
    """Load a damaged map file: a playable map or a MapError naming the file."""
    kind = damage.kind
    path.write_bytes(damage.apply(map_texts()))
    try:
        with time_limit():
            grid_map = load_map(str(path))
    except MapError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record("map", f"{kind} -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"{damage} raised {error!r}, not a MapError") from error
    grid = grid_map.grid
    assert grid.ndim == 2 and grid.dtype == np.int8 and grid.size > 0
    assert ((grid >= 0) & (grid <= START)).all()
    assert (grid == START).sum() == 1 and grid[grid_map.start] == START
    assert (grid == GOAL).any() and goal_reachable(grid, grid_map.start)
    with time_limit():
        env = games.make("gridworld", map=str(path))
        env.reset(seed=0)
        for action in range(env.num_actions):
            if not env.done:
                env.step(action)
    record("map", f"{kind} -> ok: valid map")


def test_damaged_map_files_give_a_valid_map_or_a_map_error() -> None:
    folder = tempfile.TemporaryDirectory(prefix="qarcade-fuzz-")
    path = Path(folder.name) / "fuzzed.txt"

    @fuzz_settings("map")
    @given(damage=map_inputs())
    def prop(damage: Damage) -> None:
        check_map_file(damage, path)

    with folder:
        prop()
