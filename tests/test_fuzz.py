"""Property tests with hypothesis: what a person can throw at qarcade never breaks it.

- Action sequences on every env (legal moves mixed with junk: out of range, negative,
  huge, floats, None, strings, bytes, arrays): a rejected action raises a
  :class:`~games.core.GameError` subclass and leaves the state exactly as it was; an
  accepted one keeps every invariant (observation shape, dtype, bounds; the mask; the
  rewards; Invaders' score and lives).
- Game options of every kind and type (``games.make``): an OptionError or a playable env.
- Map files made of random bytes, bit flips, truncations and splices of the shipped maps,
  and random text in the map alphabet: either a valid, playable map or a
  :class:`~games.gridworld.maps.MapError` naming the file.
- Checkpoints (tic-tac-toe and Invaders Q-tables as ``.npz``, a gridworld DQN as
  ``.safetensors``, all trained here) damaged byte by byte: a
  :class:`~agents.checkpoints.CheckpointError` naming the file, or an agent equal to the
  original. Rewritten with mutated metadata values or arrays (hostile sizes, wrong types,
  missing entries): a CheckpointError or an agent; and that agent should be able to play
  and learn (an expected failure while some settings are not validated on load).

- Deeply nested JSON wherever JSON is read; special files (FIFOs, devices, folders, sparse
  huge files, zip bombs, text named .npz) wherever a file is loaded; maps of every size up
  to far past the limit; crafted checkpoint fields with a valid checksum (action counts,
  NaN tables, layer sizes and buffers no machine holds); the command line against file
  system refusals and a locked folder; reset seeds and snapshots of every kind.

Every case runs under a time limit, so a hang fails instead of stalling the suite. No
memory cap: a crafted file must be refused by the code, as the real program would
refuse it (``benchmarks/fuzz_report.py`` measures each case's peak RSS). Each
outcome is tallied in :data:`TALLY` (and reported to hypothesis with ``event``, see
``--hypothesis-show-statistics``); ``pytest -s`` prints the table at the end of the module.
``benchmarks/fuzz_report.py`` runs the same properties with many more cases.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import inspect
import json
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
from helpers import canonical, state_of
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_conformance import CONFIGS, IDS

from qarcade import games
from qarcade.agents.checkpoints import CheckpointError, load_agent, load_arrays, save_arrays
from qarcade.agents.training import resume
from qarcade.games.core import GameError, GameOverError, IllegalActionError
from qarcade.games.gridworld.maps import GOAL, START, MapError, goal_reachable, load_map

ROOT = Path(__file__).resolve().parents[1]
MAP_FILES = sorted((ROOT / "assets" / "maps").glob("*.txt"))
#: Seconds one fuzz case may take before it counts as a hang.
CASE_TIME_LIMIT = 10.0

#: (property, outcome) -> cases; outcome is "ok: ..." or an exception type and the first
#: words of its message.
TALLY: collections.Counter[tuple[str, str]] = collections.Counter()

# Small enough for the whole file to run in well under a minute on one core;
# benchmarks/fuzz_report.py raises them.
EXAMPLES = {
    "actions": 60,
    "options": 150,
    "map": 300,
    "checkpoint_bytes": 150,
    "checkpoint_fields": 100,
    "nested_json": 40,
    "special_files": 40,
    "large_maps": 25,
    "crafted_fields": 40,
    "cli": 5,
    "env_calls": 100,
}


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
    message = re.sub(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"", "'…'", message)
    message = re.sub(r"(?<![\w-])\d+\b", "N", message)
    words = []
    for word in message.split(" ")[:7]:
        if word[:1] in "[{":
            words.append("…")  # a value in the message, shown whole: it varies too
            break
        words.append(word)
    return f"{type(error).__name__}: {' '.join(words)}"


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
    return st.lists(action, min_size=20, max_size=80)


def expected_index(action: Any, env: games.Env) -> int | None:
    """The action ``env`` must accept, or None if it must refuse it."""
    if isinstance(action, (bool, np.bool_)):
        return None  # True is an int to Python, never an action
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
    if isinstance(action, (bool, np.bool_)):
        return type(action).__name__
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
        from qarcade.games.invaders import rules

        score, lives = info["score"], info["lives"]
        assert score >= previous_info["score"], "scores only rise"
        assert reward == score - previous_info["score"], "the reward is the points scored"
        assert 0 <= lives <= previous_info["lives"] <= rules.LIVES


def play_actions(env: games.Env, seed: int, actions: list[Any]) -> None:
    """Play ``actions`` on ``env`` (reset with ``seed``), checking every step."""
    refuse(env, 0, GameOverError, "step before the first reset")
    _, info = env.reset(seed=seed)
    for action in actions:
        if isinstance(action, Legal):
            legal = env.legal_actions()
            action = int(legal[action % len(legal)]) if len(legal) else 0
        what = describe_action(action, env)
        if env.done or expected_index(action, env) is None:
            refusal = GameOverError if env.done else IllegalActionError
            error = refuse(env, action, refusal, what)
            record("actions", f"{what} -> refused: {type(error).__name__}")
            if env.done:
                _, info = env.reset(seed=seed)
            continue
        mover = env.current_player
        try:
            result = env.step(action)
        except Exception as error:
            raise AssertionError(f"refused an action it must accept: {what} {action!r}") from error
        check_step(env, mover, result, info)
        info = result[4]
        record("actions", f"{what} -> accepted")


def refuse(env: games.Env, action: Any, refusal: type[GameError], what: str) -> GameError:
    """Step ``action``, which ``env`` must refuse with ``refusal`` leaving its state as it
    was; returns the error."""
    before = state_of(env)
    try:
        env.step(action)
    except refusal as error:
        assert env.name in str(error), f"the message does not name the game: {error}"
        assert state_of(env) == before, f"refusing changed the state: {what} {action!r}"
        return error
    except Exception as error:
        raise AssertionError(f"not a {refusal.__name__}: {what} {action!r}") from error
    raise AssertionError(f"accepted an action it must refuse: {what} {action!r}")


@pytest.mark.slow
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


# ===================================================================== game options
def option_names(name: str) -> list[str]:
    """The keyword options ``games.make(name, ...)`` takes."""
    params = inspect.signature(games.env_class(name).__init__).parameters
    return [p for p, v in params.items() if v.kind is inspect.Parameter.KEYWORD_ONLY]


def option_sets(name: str) -> st.SearchStrategy[dict[str, Any]]:
    """One or two of the game's options, each set to any JSON value."""
    return st.dictionaries(
        st.sampled_from(option_names(name)), json_values(), min_size=1, max_size=2
    )


def check_options(name: str, options: dict[str, Any]) -> None:
    """Make ``name`` with ``options``: an OptionError (or another GameError) or an env
    that plays."""
    try:
        with time_limit():
            env = games.make(name, **options)
            env.reset(seed=0)
            env.step(int(env.legal_actions()[0]))
    except GameError as error:
        record("options", f"{name} -> {outcome_of(error)}")
        return
    except Exception as error:
        raise AssertionError(f"not a GameError: {name} {options!r}") from error
    record("options", f"{name} -> ok: an env that plays")


@pytest.mark.parametrize("name", ["gridworld", "invaders"])
def test_random_game_options_give_an_option_error_or_a_playable_env(name: str) -> None:
    @fuzz_settings("options")
    @given(options=option_sets(name))
    def prop(options: dict[str, Any]) -> None:
        check_options(name, options)

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
        raise AssertionError(f"not a MapError: {damage}") from error
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


# ===================================================================== checkpoints
@functools.cache
def checkpoint_folder() -> Path:
    # Lives as long as the process: the checkpoints are made once and read by every case.
    folder = tempfile.TemporaryDirectory(prefix="qarcade-fuzz-ckpt-")
    _FOLDERS.append(folder)
    return Path(folder.name)


_FOLDERS: list[tempfile.TemporaryDirectory] = []


@functools.cache
def real_checkpoints() -> tuple[Path, ...]:
    """Checkpoints of tiny agents trained here: a tic-tac-toe Q-table, an Invaders coarse
    table (``.npz``), and a gridworld DQN with its replay buffer (``.safetensors``)."""
    from qarcade.agents.dqn import DQNAgent, DQNConfig
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    folder = checkpoint_folder()
    paths = []
    for game, options, budget in (
        ("tictactoe", {}, {"episodes": 30}),
        ("invaders", {"preset": "small", "frame_skip": 4}, {"steps": 300}),
    ):
        env = games.make(game, **options)
        agent = TabularQAgent.for_env(env, seed=0)
        trainer = Trainer(env, agent, seed=0, **budget)
        trainer.run_steps(300) if "steps" in budget else trainer.run()
        paths.append(Path(agent.save(str(folder / game), training=trainer.state_dict())))
    env = games.make("gridworld", map="lake4")
    config = DQNConfig.for_env(
        env,
        hidden_sizes=(8,),
        buffer_size=64,
        batch_size=8,
        learning_starts=16,
        device="cpu",
        save_replay_buffer=True,
    )
    agent = DQNAgent.for_env(env, config, seed=0)
    trainer = Trainer(env, agent, seed=0, steps=100)
    trainer.run_steps(100)
    paths.append(Path(agent.save(str(folder / "dqn"), training=trainer.state_dict())))
    return tuple(paths)


def agent_picture(agent: Any) -> Any:
    """A comparable picture of everything an agent saves."""
    arrays, meta = agent.to_checkpoint()
    return canonical({"arrays": arrays, "meta": meta})


@functools.cache
def reference_pictures() -> dict[str, Any]:
    """File name -> picture of the agent loaded from the undamaged checkpoint."""
    return {p.name: agent_picture(load_agent(p)) for p in real_checkpoints()}


def use_agent(agent: Any) -> None:
    """Play and learn from one move of the agent's own game: a loaded agent must be
    usable, for play and for training on.

    A checkpoint whose game cannot be built raises a GameError (a clean refusal).
    """
    from qarcade.agents.base import Transition

    env = games.make(agent.game, **agent.game_options)
    obs, info = env.reset(seed=0)
    mask = info["action_mask"]
    action = agent.act(obs, mask, explore=True)
    assert mask[action], "loaded an agent that chose an illegal action"
    q = agent.q_values(obs, mask)
    assert q is None or np.shape(q) == (env.num_actions,), "loaded an agent with bad Q-values"
    next_obs, reward, terminated, _, info = env.step(action)
    flip = env.num_players == 2
    agent.learn(Transition(obs, action, reward, next_obs, info["action_mask"], terminated, flip))
    agent.end_episode()


@functools.cache
def checkpoint_bytes(suffix: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in real_checkpoints() if p.suffix == suffix}


def check_checkpoint_bytes(damage: Damage, suffix: str) -> None:
    """Load a damaged checkpoint: CheckpointError, or an agent equal to the original."""
    kind = damage.kind
    path = checkpoint_folder() / f"damaged{suffix}"
    path.write_bytes(damage.apply(checkpoint_bytes(suffix)))
    try:
        with time_limit():
            agent = load_agent(path)
    except CheckpointError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record(f"checkpoint bytes {suffix}", f"{kind} -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"not a CheckpointError: {damage}") from error
    reference = reference_pictures()[damage.source] if damage.source else None
    assert agent_picture(agent) == reference, f"loaded a different agent: {damage}"
    record(f"checkpoint bytes {suffix}", f"{kind} -> ok: loaded the same agent")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_damaged_checkpoint_bytes_give_a_checkpoint_error_or_the_same_agent(suffix: str) -> None:
    @fuzz_settings("checkpoint_bytes")
    @given(damage=damages(checkpoint_bytes(suffix)))
    def prop(damage: Damage) -> None:
        check_checkpoint_bytes(damage, suffix)

    prop()


# ----------------------------------------------------------- mutated fields of a checkpoint
#: Values that break careless code: sizes that cannot be allocated, negative counts,
#: wrong types, empty containers.
HOSTILE_VALUES: tuple[Any, ...] = (
    -1,
    0,
    1,
    2**31,
    2**63,
    10**12,
    -(10**12),
    1e308,
    -1e308,
    0.5,
    "",
    "x",
    [],
    {},
    None,
    True,
    [[]],
    [-1],
    [10**9],
    [0],
    {"kind": None},
)


def json_values() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.sampled_from(HOSTILE_VALUES),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=6), children, max_size=3),
        ),
        max_leaves=8,
    )


def meta_paths(meta: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths to the values in ``meta``: every dict key at any depth, and the first few
    items of each list (a generator state's 625 words add nothing past the first)."""
    paths = []
    if isinstance(meta, dict):
        items = meta.items()
    elif isinstance(meta, list):
        items = list(enumerate(meta))[:3]
    else:
        return paths
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(meta_paths(value, (*prefix, key)))
    return paths


@dataclass(frozen=True)
class FieldChange:
    """One change to a checkpoint's content before it is written again.

    Attributes:
        kind: ``"set"`` (the metadata value at ``path`` becomes ``value``), ``"delete"``
            (the value at ``path`` is removed), ``"array"`` (array ``name`` becomes
            ``value``, or is added) or ``"drop array"``.
    """

    kind: str
    path: tuple = ()
    name: str = ""
    value: Any = None

    def apply(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        if self.kind == "array":
            arrays[self.name] = self.value
        elif self.kind == "drop array":
            del arrays[self.name]
        else:
            parent = meta
            for key in self.path[:-1]:
                parent = parent[key]
            if self.kind == "set":
                parent[self.path[-1]] = self.value
            else:
                del parent[self.path[-1]]


def random_arrays(suffix: str) -> st.SearchStrategy[np.ndarray]:
    from hypothesis.extra import numpy as hnp

    dtypes = [np.float64, np.float32, np.float16, np.int64, np.int32, np.uint8, np.bool_]
    if suffix == ".npz":
        dtypes.append(np.dtype("<U3"))
    shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
    return st.sampled_from(dtypes).flatmap(lambda d: hnp.arrays(d, shapes))


def field_changes(path: Path) -> st.SearchStrategy[list[FieldChange]]:
    arrays, meta = load_arrays(path)
    names = sorted(arrays)
    paths = meta_paths(meta)
    one = st.one_of(
        st.builds(
            lambda p, v: FieldChange("set", path=p, value=v), st.sampled_from(paths), json_values()
        ),
        st.sampled_from(paths).map(lambda p: FieldChange("delete", path=p)),
        st.builds(
            lambda n, v: FieldChange("array", name=n, value=v),
            st.one_of(st.sampled_from(names), st.text("abcq.", min_size=1, max_size=6)),
            random_arrays(path.suffix),
        ),
        st.sampled_from(names).map(lambda n: FieldChange("drop array", name=n)),
    )
    return st.lists(one, min_size=1, max_size=3)


def check_changed_checkpoint(source: Path, changes: list[FieldChange], *, use: bool) -> None:
    """Rewrite ``source`` with ``changes``: loading gives a CheckpointError or an agent.
    With ``use``, resuming its training also gives a GameError or a trainer, and the agent
    can play and learn and the trainer train (or, for a game that cannot be built, a
    GameError)."""
    from hypothesis import reject

    prop = f"checkpoint fields {source.suffix}"
    arrays, meta = load_arrays(source)
    kinds = "+".join(sorted({c.kind for c in changes}))
    try:
        for change in changes:
            change.apply(arrays, meta)
        path = Path(save_arrays(checkpoint_folder() / f"changed{source.suffix}", arrays, meta))
    except (KeyError, IndexError, TypeError, ValueError):
        reject()  # a change the format itself cannot hold (or one a previous change undid)
    try:
        with time_limit():
            agent = load_agent(path)
    except CheckpointError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record(prop, f"{kinds} -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"not a CheckpointError: {changes}") from error
    if not use:
        record(prop, f"{kinds} -> ok: loaded an agent")
        return
    # What `train --resume` does with the file: a clean refusal or a trainer.
    try:
        with time_limit():
            resumed = resume(path)
    except GameError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record(prop, f"{kinds} -> loaded; resume: {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"resume raised, not a GameError: {changes}") from error
    try:
        with time_limit():
            use_agent(agent)
            resumed.trainer.run_steps(3)
    except GameError as error:
        record(prop, f"{kinds} -> loaded; then {outcome_of(error)}")
        return
    except Exception as error:
        raise AssertionError(f"loaded an agent that fails: {changes}") from error
    record(prop, f"{kinds} -> ok: loaded an agent that plays, learns and resumes training")


CHECKPOINT_NAMES = ["tictactoe.npz", "invaders.npz", "dqn.safetensors"]


@pytest.mark.parametrize("name", CHECKPOINT_NAMES)
def test_checkpoints_with_mutated_fields_give_a_checkpoint_error_or_an_agent(name: str) -> None:
    real_checkpoints()
    source = checkpoint_folder() / name

    @fuzz_settings("checkpoint_fields")
    @given(changes=field_changes(source))
    def prop(changes: list[FieldChange]) -> None:
        check_changed_checkpoint(source, changes, use=False)

    prop()


@pytest.mark.parametrize("name", CHECKPOINT_NAMES)
def test_agents_loaded_from_mutated_checkpoints_resume_play_and_learn(name: str) -> None:
    real_checkpoints()
    source = checkpoint_folder() / name

    @fuzz_settings("checkpoint_fields")
    @given(changes=field_changes(source))
    def prop(changes: list[FieldChange]) -> None:
        check_changed_checkpoint(source, changes, use=True)

    prop()


# ===================================================================== nested JSON
JSON_PLACES = ("npz metadata", "metadata value", "safetensors header", "hi-score file")


def nested_json_cases() -> st.SearchStrategy[tuple[str, int, str]]:
    """(where the JSON goes, how deep it nests, which bracket)."""
    return st.tuples(st.sampled_from(JSON_PLACES), st.integers(1, 5000), st.sampled_from("[{"))


def nested_text(depth: int, bracket: str) -> str:
    if bracket == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def check_nested_json(case: tuple[str, int, str]) -> None:
    """JSON nested ``depth`` deep where qarcade reads JSON: a clean refusal or a load."""
    from qarcade.app.hiscore import HiScore

    place, depth, bracket = case
    folder = checkpoint_folder()
    text = nested_text(depth, bracket)
    prop = "nested json"
    if place == "hi-score file":
        path = folder / "hiscore.json"
        path.write_text(text)
        with time_limit():
            assert isinstance(HiScore(path).record, int)
        record(prop, f"{place} -> ok: no record")
        return
    if place == "safetensors header":
        path = folder / "nested.safetensors"
        header = text.encode()
        path.write_bytes(len(header).to_bytes(8, "little") + header)
    else:
        arrays, meta = load_arrays(real_checkpoints()[0])
        # Inside otherwise valid metadata, or as the metadata itself.
        meta_json = json.dumps(meta)[:-1] + f', "extra": {text}}}'
        if place == "npz metadata":
            meta_json = text
        arrays["__meta__"] = np.frombuffer(meta_json.encode(), np.uint8)
        path = folder / "nested.npz"
        np.savez(path, **arrays)
    try:
        with time_limit():
            load_agent(path)
    except CheckpointError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record(prop, f"{place} -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"not a CheckpointError: {case}") from error
    record(prop, f"{place} -> ok: loaded")


def test_nested_json_is_refused_cleanly_wherever_json_is_read() -> None:
    @fuzz_settings("nested_json")
    @given(case=nested_json_cases())
    def prop(case: tuple[str, int, str]) -> None:
        check_nested_json(case)

    prop()


# ===================================================================== special files
SPECIAL_FILES = (
    "named pipe",
    "link to /dev/zero",
    "link to /dev/null",
    "folder",
    "sparse 8 GiB file",
    "zip bomb",
    "text",
    "empty file",
)
LOADERS = (".npz", ".safetensors", ".txt map", ".json hi-score")


@functools.cache
def zip_bomb() -> bytes:
    """An npz whose one entry unpacks to 128 MiB of zeros (about 130 kB packed)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("q.npy", "w", force_zip64=True) as member,
    ):
        np.lib.format.write_array_header_1_0(
            member, {"descr": "<f8", "fortran_order": False, "shape": (1 << 24,)}
        )
        block = bytes(1 << 20)
        for _ in range(1 << 7):
            member.write(block)
    return buffer.getvalue()


def make_special(kind: str, path: Path) -> None:
    import os
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.is_symlink() or path.exists():
        path.unlink()
    if kind == "named pipe":
        os.mkfifo(path)
    elif kind.startswith("link to "):
        os.symlink(kind.removeprefix("link to "), path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "sparse 8 GiB file":
        with open(path, "wb") as f:
            f.truncate(8 << 30)
    elif kind == "zip bomb":
        path.write_bytes(zip_bomb())
    elif kind == "text":
        path.write_text("S.G\njust some notes\n")
    else:
        path.write_bytes(b"")


def check_special_file(case: tuple[str, str]) -> None:
    """Load a special file with each loader: a clean refusal, quickly."""
    from qarcade.app.hiscore import HiScore

    kind, loader = case
    prop = "special files"
    path = checkpoint_folder() / f"special{loader.split()[0]}"
    make_special(kind, path)
    try:
        with time_limit():
            if loader == ".json hi-score":
                assert HiScore(path).record == 0
                record(prop, f"{kind} as {loader} -> ok: no record")
                return
            if loader == ".txt map":
                load_map(str(path))
            else:
                load_agent(path)
    except (CheckpointError, MapError) as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        assert "pickle" not in str(error), f"the message suggests pickles: {error}"
        record(prop, f"{kind} as {loader} -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"not a clean refusal: {case}") from error
    raise AssertionError(f"loaded a special file: {case}")


@pytest.mark.slow
def test_special_files_are_refused_cleanly_by_every_loader() -> None:
    @fuzz_settings("special_files")
    @given(case=st.tuples(st.sampled_from(SPECIAL_FILES), st.sampled_from(LOADERS)))
    def prop(case: tuple[str, str]) -> None:
        check_special_file(case)

    prop()


# ===================================================================== large maps
def large_map_cases() -> st.SearchStrategy[tuple[int, int, int]]:
    """(rows, columns, seed): from tiny to far past the limit, and single huge lines."""
    return st.one_of(
        st.tuples(st.integers(1, 200), st.integers(1, 200), st.integers(0, 2**16)),
        st.tuples(st.just(1), st.integers(10**5, 10**7), st.integers(0, 2**16)),
    )


def check_large_map(case: tuple[int, int, int]) -> None:
    """A map file of the given size: a MapError, or (within the limit) a map that a
    table trains on."""
    from qarcade.agents.tabular import TabularQAgent
    from qarcade.agents.training import Trainer

    rows, cols, seed = case
    rng = np.random.default_rng(seed)
    grid = rng.choice(np.frombuffer(b"..#H", np.uint8), size=(rows, cols))
    grid.flat[0], grid.flat[-1] = ord("S"), ord("G")
    path = checkpoint_folder() / "large.txt"
    path.write_bytes(b"\n".join(bytes(row) for row in grid))
    prop = "large maps"
    size = "within" if max(rows, cols) <= 64 else "past"
    try:
        with time_limit():
            env = games.make("gridworld", map=str(path))
            agent = TabularQAgent.for_env(env, seed=0)
            Trainer(env, agent, seed=0, episodes=2).run()
    except MapError as error:
        assert str(path) in str(error), f"the message does not name the file: {error}"
        record(prop, f"{size} the limit -> {outcome_of(error, path)}")
        return
    except Exception as error:
        raise AssertionError(f"not a MapError: {case}") from error
    assert size == "within", f"loaded a map past the limit: {case}"
    record(prop, f"{size} the limit -> ok: a table trained on it")


def test_maps_of_every_size_load_within_the_limit_and_are_refused_past_it() -> None:
    @fuzz_settings("large_maps")
    @given(case=large_map_cases())
    def prop(case: tuple[int, int, int]) -> None:
        check_large_map(case)

    prop()


# ===================================================================== crafted fields
def crafted_changes(name: str) -> st.SearchStrategy[list[FieldChange]]:
    """Hostile values of the fields that size things, with a valid checksum."""
    sizes = st.one_of(
        st.integers(-5, 40), st.integers(10**6, 10**13), st.sampled_from(HOSTILE_VALUES)
    )
    size_lists = st.lists(sizes, min_size=0, max_size=4)
    fields = [
        st.builds(lambda v: FieldChange("set", path=("num_actions",), value=v), sizes),
        st.builds(lambda v: FieldChange("set", path=("episodes",), value=v), sizes),
    ]
    if name.endswith(".npz"):
        q = load_arrays(checkpoint_folder() / name)[0]["q"]
        fields.append(
            st.sampled_from([np.nan, np.inf, -np.inf]).map(
                lambda v: FieldChange("array", name="q", value=np.full(q.shape, v))
            )
        )
    else:
        for field in ("buffer_size", "batch_size", "hidden_sizes", "n_step"):
            values = size_lists if field == "hidden_sizes" else sizes
            fields.append(
                st.builds(
                    lambda v, f=field: FieldChange("set", path=("config", f), value=v), values
                )
            )
        fields.append(
            st.builds(
                lambda v: FieldChange("set", path=("observation_shape",), value=v), size_lists
            )
        )
    return st.lists(st.one_of(fields), min_size=1, max_size=2)


@pytest.mark.parametrize("name", CHECKPOINT_NAMES)
def test_crafted_fields_with_a_valid_checksum_are_refused_or_load_an_agent_that_works(
    name: str,
) -> None:
    real_checkpoints()
    source = checkpoint_folder() / name

    @fuzz_settings("crafted_fields")
    @given(changes=crafted_changes(name))
    def prop(changes: list[FieldChange]) -> None:
        check_changed_checkpoint(source, changes, use=True)

    prop()


# ===================================================================== the command line
CLI_CASES = (
    "out is a file",
    "agent.npz is a folder",
    "metrics.csv is a folder",
    "files over 100 kB fail",
    "folder locked by another run",
    "negative seed",
)


def check_cli_case(case: tuple[str, int]) -> None:
    """``train`` against a file system that refuses: exit 0, or 2 with one line on
    stderr and no traceback."""
    import io
    import resource
    import shutil
    from contextlib import redirect_stderr, redirect_stdout

    from qarcade import cli
    from qarcade.games.files import FolderLock

    kind, episodes = case
    out = checkpoint_folder() / "cli"
    if out.is_dir():
        shutil.rmtree(out)
    elif out.exists():
        out.unlink()
    args = ["train", "tictactoe", "--episodes", str(episodes), "--out", str(out), "--quiet"]
    if kind == "out is a file":
        out.write_text("a file")
    elif kind.endswith("is a folder"):
        (out / kind.split()[0]).mkdir(parents=True)
    elif kind == "negative seed":
        args += ["--seed", str(-episodes)]
    err = io.StringIO()
    with contextlib.ExitStack() as stack:
        if kind == "files over 100 kB fail":
            soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
            previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, hard))
            stack.callback(signal.signal, signal.SIGXFSZ, previous)
            stack.callback(resource.setrlimit, resource.RLIMIT_FSIZE, (soft, hard))
        if kind == "folder locked by another run":
            stack.enter_context(FolderLock(out))
        stack.enter_context(redirect_stderr(err))
        stack.enter_context(redirect_stdout(io.StringIO()))
        with time_limit():
            code = cli.main(args)
    text = err.getvalue()
    assert "Traceback" not in text, text
    if code == 0:
        record("command line", f"{kind} -> ok: trained")
        return
    assert code == 2 and text.startswith("qarcade: error:") and text.count("\n") == 1, text
    record("command line", f"{kind} -> one-line error: {outcome_of(Exception(text[16:]), out)}")


@pytest.mark.slow
def test_train_against_refusing_file_systems_gives_one_line_errors() -> None:
    @fuzz_settings("cli")
    @given(case=st.tuples(st.sampled_from(CLI_CASES), st.integers(1, 60)))
    def prop(case: tuple[str, int]) -> None:
        check_cli_case(case)

    prop()


# ===================================================================== env calls
def env_call_cases() -> st.SearchStrategy[tuple[int, int, str, Any]]:
    """(env config, other env config, call, argument): reset with any seed, restore
    with any snapshot or value."""
    seeds = st.one_of(
        json_values(),
        st.integers(-(2**70), 2**70),
        st.integers(0, 2**32).map(np.int64),
        st.just("generator"),
        st.just("seed sequence"),
    )
    configs = st.integers(0, len(CONFIGS) - 1)
    return st.one_of(
        st.tuples(configs, configs, st.just("reset"), seeds),
        st.tuples(configs, configs, st.just("restore"), st.one_of(st.just("snapshot"), seeds)),
    )


def check_env_call(case: tuple[int, int, str, Any]) -> None:
    """A seed or snapshot of any kind: a GameError leaving the env as it was, or a call
    that must have been valid."""
    mine, theirs, call, value = case
    env = games.make(CONFIGS[mine][0], **CONFIGS[mine][1])
    env.reset(seed=1)
    other = games.make(CONFIGS[theirs][0], **CONFIGS[theirs][1])
    other.reset(seed=2)
    if value == "generator":
        value = np.random.default_rng(0)
    elif value == "seed sequence":
        value = np.random.SeedSequence(0)
    elif value == "snapshot":
        value = other.snapshot()
    before = state_of(env)
    what = f"{call}({type(value).__name__})"
    try:
        with time_limit():
            env.reset(seed=value) if call == "reset" else env.restore(value)
    except GameError as error:
        assert state_of(env) == before, f"a refused {call} changed the state: {case}"
        record("env calls", f"{what} -> {outcome_of(error)}")
        return
    except Exception as error:
        raise AssertionError(f"not a GameError: {case}") from error
    if call == "reset":
        # None is no seed (fresh entropy), as in Gymnasium; json_values() draws it.
        valid = value is None or (
            not isinstance(value, (bool, np.bool_))
            and isinstance(value, (int, np.integer))
            and value >= 0
        )
        assert valid, f"accepted the seed {value!r}"
    else:
        assert type(env) is type(other) and env.observation_shape == other.observation_shape
        assert state_of(env) == state_of(other), "restore did not take the snapshot's state"
    record("env calls", f"{what} -> ok")


def test_reset_and_restore_refuse_what_they_cannot_take() -> None:
    @fuzz_settings("env_calls")
    @given(case=env_call_cases())
    def prop(case: tuple[int, int, str, Any]) -> None:
        check_env_call(case)

    prop()
