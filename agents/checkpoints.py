"""Checkpoints: one file per agent, data only, never pickles, written atomically.

Two formats, picked by the file's extension, both carrying the same JSON metadata:

- ``.npz`` (Q-tables and anything else): arrays written with :func:`numpy.savez` and read
  with ``np.load(..., allow_pickle=False)``; the metadata is stored as UTF-8 JSON in the
  uint8 array ``__meta__``.
- ``.safetensors`` (network weights): the metadata JSON is the ``qarcade`` entry of the
  safetensors header's ``__metadata__``.

The metadata always holds ``format`` (:data:`FORMAT`), ``format_version``, ``agent`` (the
agent kind, e.g. ``"tabular"``), ``game``, ``game_options``, ``config``, ``steps``,
``episodes``, ``package_version`` and ``created`` (UTC, ISO 8601), plus whatever the agent
and trainer add (``training``: the trainer's state to resume from, see
:meth:`agents.training.Trainer.state_dict`), and ``checksum``: the SHA-256 of the rest of
the metadata and of every array's name, dtype, shape and bytes, so a flipped bit anywhere
that still parses is caught on load.

Every way a file can be wrong — missing, truncated, corrupt, not a checkpoint, a newer
format, made for another game or another agent — raises :class:`CheckpointError` with a
message that says what and what to do.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import random
import struct
import zipfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np

from qarcade.agents import kinds
from qarcade.games.core import GameError
from qarcade.games.files import atomic_write, loads_json, read_file, size_text

if TYPE_CHECKING:
    from qarcade.agents.base import Agent

#: The value of ``meta["format"]`` in every qarcade checkpoint.
FORMAT = "qarcade-checkpoint"
#: The metadata layout this code writes and reads (2: the first that shipped, with
#: ``checksum``).
FORMAT_VERSION = 2
#: The metadata entry holding the checksum (see the module docs).
CHECKSUM_KEY = "checksum"
#: The npz entry that holds the metadata JSON.
META_KEY = "__meta__"
#: The safetensors ``__metadata__`` entry that holds the metadata JSON.
SAFETENSORS_META_KEY = "qarcade"
SUFFIXES = (".npz", ".safetensors")
#: The largest checkpoint file read (far above any agent qarcade trains, replay buffer
#: included): a bigger file is refused before a byte of it is read.
MAX_CHECKPOINT_BYTES = 4 << 30
#: The largest metadata JSON read (a real one holds a few generator states).
MAX_META_BYTES = 1 << 20


#: The observation dtypes a checkpoint may name (numpy's ``dtype.str``, or its name).
NUMERIC_DTYPES = frozenset(
    name
    for kind in (
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "bool",
    )
    for name in (kind, np.dtype(kind).str, np.dtype(kind).newbyteorder("=").str)
)


class CheckpointError(GameError):
    """A checkpoint file that cannot be used: the message says why and what to do."""


def meta_count(meta: dict[str, Any], key: str, default: int = 0) -> int:
    """``meta[key]``, an integer >= 0 (``default`` when absent); a
    :class:`CheckpointError` naming the field otherwise."""
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CheckpointError(f"metadata field {key!r} is {value!r}, not an integer >= 0")
    return value


def meta_fraction(meta: dict[str, Any], key: str, default: float) -> float:
    """``meta[key]``, a number in [0, 1] (``default`` when absent); a
    :class:`CheckpointError` naming the field otherwise."""
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise CheckpointError(f"metadata field {key!r} is {value!r}, not a number in [0, 1]")
    return float(value)


def python_rng_json(rng: random.Random) -> list[Any]:
    """``rng``'s state in the JSON form :func:`python_rng_state` reads back."""
    version, state, gauss = rng.getstate()
    return [version, list(state), gauss]


def python_rng_state(value: Any) -> tuple[Any, ...]:
    """A ``random.Random`` state from its JSON form ``[version, [625 ints], gauss]``; a
    :class:`CheckpointError` for anything else."""
    if (
        isinstance(value, list)
        and len(value) == 3
        and value[0] == random.Random.VERSION
        and isinstance(value[1], list)
        and len(value[1]) == 625
        and all(
            isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 1 << 32 for n in value[1]
        )
        and value[1][-1] <= 624  # the position in the 624 words
        and (value[2] is None or isinstance(value[2], float))
    ):
        return (value[0], tuple(value[1]), value[2])
    raise CheckpointError("the saved random state is not a Python generator state")


def set_numpy_state(generator: np.random.Generator, value: Any, what: str) -> None:
    """Give ``generator`` the bit-generator state ``value`` (a dict from JSON); numpy
    checks it and says ValueError, TypeError or OverflowError (a negative or too large
    integer), turned here into a :class:`CheckpointError` naming ``what``."""
    if not isinstance(value, dict):
        raise CheckpointError(f"{what}: the saved random state is not a JSON object")
    try:
        generator.bit_generator.state = value
    except (ValueError, TypeError, KeyError, OverflowError) as error:
        raise CheckpointError(f"{what}: the saved random state is damaged ({error})") from None


# ----------------------------------------------------------------- generic arrays + meta
def save_arrays(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict) -> str:
    """Write ``arrays`` and the JSON-serialisable ``meta`` to ``path`` atomically.

    The format follows the suffix (``.npz`` or ``.safetensors``). The file is written
    with :func:`games.files.atomic_write`, so a crash at any moment leaves either the old
    file or the new one. ``meta`` gets a fresh ``checksum``. Returns ``str(path)``.
    """
    path = Path(path)
    suffix = _suffix(path)
    checked: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        array = np.ascontiguousarray(value)
        if array.dtype.hasobject:
            raise TypeError(f"array {key!r} has dtype object; checkpoints hold plain data only")
        checked[key] = array
    meta = {k: v for k, v in meta.items() if k != CHECKSUM_KEY}
    meta[CHECKSUM_KEY] = _checksum(checked, json.dumps(meta, sort_keys=True, allow_nan=False))
    meta_json = json.dumps(meta, sort_keys=True, allow_nan=False)
    if suffix == ".npz":
        if META_KEY in checked:
            raise ValueError(f"{META_KEY!r} is reserved for the metadata")
        checked[META_KEY] = np.frombuffer(meta_json.encode("utf-8"), dtype=np.uint8)

        def write(f: IO[bytes]) -> None:
            np.savez(f, allow_pickle=False, **checked)

    else:
        from safetensors.numpy import save

        data = save(checked, metadata={SAFETENSORS_META_KEY: meta_json})

        def write(f: IO[bytes]) -> None:
            f.write(data)

    atomic_write(path, write)
    return str(path)


def load_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a file written by :func:`save_arrays`: ``(arrays, meta)``.

    Raises :class:`CheckpointError` if the file is missing, unreadable, truncated, corrupt,
    not a qarcade checkpoint, or from a newer format version.
    """
    path = Path(path)
    arrays, meta = _read(path)
    problem = _checksum_problem(arrays, meta)
    if problem:
        raise _damaged(path, problem)
    return arrays, meta


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The metadata of a checkpoint, validated as in :func:`load_arrays`."""
    return load_arrays(path)[1]


# ----------------------------------------------------------------- agents
def checkpoint_meta(
    agent: Agent, agent_meta: dict[str, Any], training: dict[str, Any] | None
) -> dict[str, Any]:
    """The full metadata of ``agent``'s checkpoint: the agent's own part plus format,
    versions, time and the training counters."""
    training = dict(training or {})
    meta: dict[str, Any] = {
        "steps": int(training.get("steps", 0)),
        "episodes": int(training.get("episodes", 0)),
    }
    meta.update(agent_meta)
    meta.update(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "agent": agent.name,
            "package_version": package_version(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "training": training,
        }
    )
    for field in ("game", "game_options", "config"):
        if field not in meta:
            raise ValueError(f"{agent.name}.to_checkpoint() must give {field!r} in its metadata")
    return meta


def save_agent(
    path: str | os.PathLike[str], agent: Agent, *, training: dict[str, Any] | None = None
) -> str:
    """Save ``agent`` (and the trainer's ``training`` state, if given) to ``path``.

    A path without one of :data:`SUFFIXES` gets the agent's default suffix appended.
    Returns the path written.
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        path = path.with_name(path.name + agent.checkpoint_suffix)
    arrays, agent_meta = agent.to_checkpoint()
    return save_arrays(path, arrays, checkpoint_meta(agent, agent_meta, training))


def load_agent(
    path: str | os.PathLike[str], *, game: str | None = None, kind: str | None = None
) -> Agent:
    """Load whichever agent a checkpoint holds (dispatching on ``meta["agent"]``).

    Args:
        path: the checkpoint file.
        game: if given, the game the caller expects; a checkpoint for another game raises.
        kind: if given, the agent kind the caller expects (``"tabular"``, ``"dqn"``).
    """
    path = Path(path)
    arrays, meta = _read(path)
    problem = _checksum_problem(arrays, meta)
    check_game(path, meta, game)
    # A damaged file whose agent can still be built raises for its checksum; one the
    # agent's own checks refuse first gets their more telling message (e.g. NaN weights).
    agent = agent_from_arrays(path, arrays, meta, kind=kind)
    if problem:
        raise _damaged(path, problem)
    return agent


def check_observations(path: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    """Raise :class:`CheckpointError` unless the checkpoint's agent fits the game its
    metadata makes: the same number of actions and, where the agent records it, the same
    observation shape. A network trained before the game's observation changed (say,
    Invaders' features gained entries) would otherwise fail on its first move, and a
    table with fewer actions than its game would index past its rows. Options this
    machine cannot make a game from (a map file not here) are left to the code that
    makes the game."""
    from qarcade import games

    try:
        env = games.make(meta["game"], **meta["game_options"])
    except (GameError, OSError, TypeError):
        return
    actions = meta.get("num_actions")
    if actions is not None and actions != env.num_actions:
        raise CheckpointError(
            f"{path}: its agent has {actions!r} actions, but {meta['game']} has "
            f"{env.num_actions}; the file is damaged or not for this game"
        )
    shape = meta.get("observation_shape")
    if shape is None:
        return
    if not isinstance(shape, list) or tuple(shape) != tuple(env.observation_shape):
        raise CheckpointError(
            f"{path}: its agent reads {meta['game']} observations of shape "
            f"{tuple(shape) if isinstance(shape, list) else shape!r}, but the game made from "
            f"its options gives {tuple(env.observation_shape)}: the game (its options, a map, "
            "or this version of qarcade) changed since it was trained; train it again"
        )


def agent_from_arrays(
    path: str | os.PathLike[str],
    arrays: dict[str, np.ndarray],
    meta: dict[str, Any],
    *,
    kind: str | None = None,
) -> Agent:
    """Build the agent of a checkpoint already read with :func:`load_arrays` (e.g. after
    changing a setting such as the device in ``meta["config"]``); ``path`` names the
    file in errors."""
    agent_kind = meta["agent"]
    if kind is not None and agent_kind != kind:
        raise CheckpointError(
            f"{path}: holds a {agent_kind!r} agent, not a {kind!r} one; "
            f"load it with the {agent_kind} agent"
        )
    if agent_kind not in kinds.LEARNERS:
        raise CheckpointError(
            f"{path}: unknown agent kind {agent_kind!r}; known kinds: "
            f"{', '.join(kinds.LEARNERS)} (was it written by a newer qarcade?)"
        )
    check_observations(path, meta)
    cls = kinds.agent_class(agent_kind)
    # Every field is validated as it is read, each mistake a GameError naming it; any
    # other exception here is a bug, and shows as one (``--debug`` for its traceback).
    try:
        return cls.from_checkpoint(arrays, meta)
    except GameError as error:
        if isinstance(error, CheckpointError) and str(path) in str(error):
            raise
        raise CheckpointError(f"{path}: {error}") from error


def check_game(path: str | os.PathLike[str], meta: dict[str, Any], game: str | None) -> None:
    """Raise :class:`CheckpointError` unless the checkpoint was made for ``game``."""
    if game is not None and meta["game"] != game:
        raise CheckpointError(
            f"{path}: this checkpoint is for {meta['game']!r}, not {game!r}; "
            f"train one for {game} with: python main.py train {game}"
        )


def package_version() -> str:
    """qarcade's version, as installed (``"unknown"`` when run from a bare checkout)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("qarcade")
    except PackageNotFoundError:
        return "unknown"


# ----------------------------------------------------------------- internals
def _read(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and checked metadata of a checkpoint, its checksum not yet verified."""
    suffix = _suffix(path)
    data = _read_bytes(path)
    if suffix == ".npz":
        arrays, meta_json = _parse_npz(path, data)
    else:
        arrays, meta_json = _parse_safetensors(path, data)
    return arrays, _check_meta(path, meta_json)


def _suffix(path: Path) -> str:
    if path.suffix not in SUFFIXES:
        raise CheckpointError(
            f"{path}: unknown checkpoint type {path.suffix or '(no suffix)'!r}; "
            f"checkpoints end in {' or '.join(SUFFIXES)}"
        )
    return path.suffix


def _read_bytes(path: Path) -> bytes:
    return read_file(path, MAX_CHECKPOINT_BYTES, what="checkpoint file", error=CheckpointError)


def _damaged(path: Path, what: str) -> CheckpointError:
    return CheckpointError(
        f"{path}: not a readable qarcade checkpoint ({what}); the file is truncated, "
        "corrupt or of another kind — use another checkpoint or train a new one"
    )


#: The first bytes of a zip archive (an npz file): a local file header, or the end of
#: an empty archive.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


def _parse_npz(path: Path, data: bytes) -> tuple[dict[str, np.ndarray], str]:
    if not data.startswith(_ZIP_MAGIC):
        raise _damaged(path, "not an npz archive: a .npz checkpoint is a zip file")
    # Anything can be wrong in a damaged zip (bad headers, CRCs, lengths, a pickled
    # array np.load refuses), and each surfaces as a different exception type; all of
    # them mean the same thing to the person holding the file.
    try:
        arrays = _npz_arrays(path, data)
    except CheckpointError:
        raise
    except Exception as error:
        raise _damaged(path, f"{type(error).__name__}: {error}") from error
    meta_array = arrays.pop(META_KEY, None)
    if meta_array is None or meta_array.dtype != np.uint8 or meta_array.ndim != 1:
        raise CheckpointError(
            f"{path}: an npz file without qarcade metadata, not a qarcade checkpoint"
        )
    try:
        return arrays, meta_array.tobytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise _damaged(path, "metadata is not UTF-8") from error


def _npz_arrays(path: Path, data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an npz archive, every size checked before anything is allocated:
    entries must be stored uncompressed (as :func:`numpy.savez` writes them; a
    compressed entry could unpack to any size), and each ``.npy`` header must declare
    exactly the bytes its entry holds."""
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
                raise _damaged(path, f"entry {info.filename!r} is compressed")
            if not info.filename.endswith(".npy"):
                raise _damaged(path, f"entry {info.filename!r} is not an array")
            with archive.open(info) as member:
                shape, fortran, dtype = _npy_header(member)
                if dtype.hasobject:
                    raise _damaged(path, f"entry {info.filename!r} holds Python objects")
                declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if declared != info.file_size - member.tell():
                    raise _damaged(
                        path,
                        f"entry {info.filename!r} declares {size_text(declared)} but holds "
                        f"{size_text(info.file_size - member.tell())}",
                    )
                array = np.frombuffer(member.read(), dtype=dtype).copy()
            order: Literal["F", "C"] = "F" if fortran else "C"
            arrays[info.filename[: -len(".npy")]] = array.reshape(shape, order=order)
    return arrays


def _npy_header(member: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The (shape, fortran order, dtype) an ``.npy`` entry declares."""
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(member)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(member)
    raise ValueError(f"npy format version {version} is not one numpy.savez writes here")


def _parse_safetensors(path: Path, data: bytes) -> tuple[dict[str, np.ndarray], str]:
    from safetensors.numpy import load

    if len(data) < 8:
        raise _damaged(path, "shorter than a safetensors header")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise _damaged(path, "header longer than the file")
    try:
        header = loads_json(
            data[8 : 8 + header_len],
            source="header",
            max_bytes=2 * MAX_META_BYTES,
            error=CheckpointError,
        )
        meta_json = header.get("__metadata__", {}).get(SAFETENSORS_META_KEY)
    except (CheckpointError, AttributeError) as error:
        raise _damaged(path, f"{error}") from error
    if not isinstance(meta_json, str):
        raise CheckpointError(
            f"{path}: a safetensors file without qarcade metadata, not a qarcade checkpoint"
        )
    try:
        arrays = load(data)
    except Exception as error:  # safetensors raises its own error types for bad data
        raise _damaged(path, f"{type(error).__name__}: {error}") from error
    return arrays, meta_json


def _check_meta(path: Path, meta_json: str) -> dict[str, Any]:
    try:
        meta = loads_json(
            meta_json, source="metadata", max_bytes=MAX_META_BYTES, error=CheckpointError
        )
    except CheckpointError as error:
        raise _damaged(path, f"{error}") from error
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a qarcade checkpoint (no {FORMAT!r} marker)")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < FORMAT_VERSION:
        raise _damaged(path, f"bad format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format version {version} is newer than this qarcade "
            f"understands (up to {FORMAT_VERSION}); upgrade qarcade to load it"
        )
    for field, kind in (("agent", str), ("game", str), ("game_options", dict), ("config", dict)):
        if not isinstance(meta.get(field), kind):
            raise _damaged(path, f"metadata field {field!r} missing or not a {kind.__name__}")
    return meta


def _checksum(arrays: dict[str, np.ndarray], meta_json: str) -> str:
    """SHA-256 (hex) of the metadata JSON and of every array's name, dtype, shape and
    bytes, in name order: what a checkpoint means, not how its container lays it out."""
    digest = hashlib.sha256(meta_json.encode("utf-8"))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"\0{name}\0{array.dtype.str}\0{array.shape}\0".encode())
        digest.update(array.data)
    return digest.hexdigest()


def _checksum_problem(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> str | None:
    """What is wrong with the checksum (None if nothing), removing it from ``meta``."""
    stored = meta.pop(CHECKSUM_KEY, None)
    if not isinstance(stored, str):
        return "its checksum is missing"
    if stored != _checksum(arrays, json.dumps(meta, sort_keys=True, allow_nan=False)):
        return "its checksum does not match its content"
    return None
