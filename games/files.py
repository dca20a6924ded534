"""A person's files, read and written defensively: one way for every loader and saver.

- :func:`read_file`: regular files only (never a FIFO, a device or a folder: a FIFO would
  hang, ``/dev/zero`` never ends), at most a stated number of bytes, checked before
  reading.
- :func:`loads_json`: JSON of bounded size and nesting (Python's parser recurses, so a
  file of ``[[[[...`` would raise ``RecursionError`` instead of a message).
- :func:`atomic_write`: write a temporary file beside the target, fsync, rename over it:
  a crash at any moment leaves the old file or the new one. Temporary names are unique
  per process, so two writers never trip over each other's.
- :class:`FolderLock`: one writer per folder (two trainers on one ``--out``).

Each reader takes the :class:`~games.core.GameError` subclass its caller reports with
(a map loader raises ``MapError``, a checkpoint loader ``CheckpointError``), so the
message a person sees names the file and what was wrong with it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from qarcade.games.core import GameError

#: JSON nesting any file qarcade writes stays far below (checkpoint metadata: about 6).
MAX_JSON_DEPTH = 32
#: A JSON string's length limit unless the caller gives one.
MAX_JSON_BYTES = 1 << 20

# A JSON string literal, escapes included: removed before brackets are counted.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileProblem(GameError):
    """A file that cannot be read or written as asked; the message names it."""


class WriteError(FileProblem, OSError):
    """The system refused to write a file (a full disk, a read-only folder, a folder
    where the file should be); what was there before is unchanged. Also an ``OSError``,
    so code that handles the system's errors handles it."""


def size_text(n: float) -> str:
    """``n`` bytes as people read them, in messages and on screen: ``"3.0 GiB"``,
    ``"25.1 KiB"``, ``"17 bytes"``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):,.1f} {unit}"
    return f"{n:.0f} bytes"


def read_file(
    path: str | os.PathLike[str],
    limit: int,
    *,
    what: str = "file",
    error: type[GameError] = FileProblem,
) -> bytes:
    """The bytes of the regular file at ``path``, refusing (with ``error``, naming the
    path) a missing file, anything that is not a regular file, and a file of more than
    ``limit`` bytes (``what`` names the kind of file in that message)."""
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error(f"{path}: no such {what}") from None
    except OSError as e:
        raise error(f"{path}: cannot open it ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)), "special")
            raise error(f"{path}: is {kind}, not a {what}")
        too_big = (
            f"{path}: larger than {size_text(limit)}, the most a {what} can hold; "
            "it is not one qarcade wrote"
        )
        if info.st_size > limit:
            raise error(too_big)
        with os.fdopen(os.dup(fd), "rb") as f:
            # One byte more than allowed: a file that grew since fstat is refused too.
            data = f.read(limit + 1)
    except OSError as e:
        raise error(f"{path}: cannot read it ({e.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(too_big)
    return data


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of the JSON ``text`` nest (brackets inside
    strings do not count); a fast scan, no parsing."""
    data = np.frombuffer(_JSON_STRING.sub("", text).encode("utf-8", "replace"), np.uint8)
    if data.size == 0:
        return 0
    steps = np.isin(data, (ord("["), ord("{"))).astype(np.int64)
    steps -= np.isin(data, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def loads_json(
    text: str | bytes,
    *,
    source: str,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    error: type[GameError] = FileProblem,
) -> Any:
    """Parse JSON no longer than ``max_bytes`` and nested at most ``max_depth`` deep;
    anything else (or invalid JSON) raises ``error`` naming ``source``."""
    if len(text) > max_bytes:
        raise error(
            f"{source}: JSON of {size_text(len(text))}, over the {size_text(max_bytes)} limit"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise error(f"{source}: JSON that is not UTF-8") from None
    depth = json_depth(text)
    if depth > max_depth:
        raise error(f"{source}: JSON nested {depth} deep, over the limit of {max_depth}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise error(f"{source}: not valid JSON ({e})") from None


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], object]) -> None:
    """Write ``path`` through ``write(file)`` atomically: into a temporary file beside it
    (``.NAME.PID.tmp``), flushed, fsynced and renamed over ``path``; then the folder is
    fsynced. A crash leaves the old file or the new one. Temporary files of processes
    that died before their rename are removed, so kills never pile them up."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise WriteError(
            f"{path}: cannot write it ({e.strerror or e}); what was there before is unchanged"
        ) from e
    # Make the rename itself durable (a no-op where folders cannot be opened).
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _remove_stale_temporaries(path: Path) -> None:
    """Remove ``.NAME.PID.tmp`` files beside ``path`` whose process is gone."""
    prefix = f".{path.name}."
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            name = entry.name
            if not (name.startswith(prefix) and name.endswith(".tmp")):
                continue
            pid = name[len(prefix) : -len(".tmp")]
            if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


class FolderLock:
    """Hold ``folder/.qarcade.lock`` while writing into ``folder``, so a second writer
    refuses with a message instead of both overwriting each other's files.

    Creating the lock also proves that the folder can be written, before any work is
    done. Use as a context manager; raises :class:`FileProblem` (naming the folder) if
    the folder cannot be made or written, or another process holds it.
    """

    NAME = ".qarcade.lock"

    def __init__(self, folder: str | os.PathLike[str], *, what: str = "training run") -> None:
        from filelock import FileLock

        self.folder = Path(folder)
        self.what = what
        self.path = self.folder / self.NAME
        self._lock = FileLock(str(self.path), timeout=0)

    def __enter__(self) -> FolderLock:
        from filelock import Timeout

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout:
            raise FileProblem(
                f"{self.folder}: another {self.what} is writing into this folder; wait for "
                "it to finish, or choose another folder"
            ) from None
        except OSError as e:
            raise FileProblem(
                f"{e.filename or self.folder}: cannot write into it ({e.strerror})"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
