"""Gridworld maps: tiles, the text format, loading shipped maps and files, and a seeded
generator of random maps that are always solvable.

The text format (see ``assets/maps/README.md``): one character per tile, one line per row,

====  ========  ==========================================================
char  tile      effect
====  ========  ==========================================================
``.``  floor     walk on it (``F``, FrozenLake's letter, is read as floor too)
``#``  wall      moving into it leaves the agent where it was
``H``  pit       a hole: the episode ends with the pit reward
``S``  start     where every episode begins (exactly one); floor otherwise
``G``  goal      the episode ends with the goal reward (one or more)
====  ========  ==========================================================

Lines whose first character is ``;`` are comments; blank lines are skipped; trailing
whitespace is ignored; a UTF-8 byte-order mark (Notepad's default) is skipped. A map must
be rectangular, at most :data:`MAX_SIDE` tiles each way, have one start and at least one
goal, and a goal must be reachable from the start through tiles that are neither walls
nor pits. A bad map raises :class:`MapError` naming the file, the line and the column.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qarcade.assets import asset_dir
from qarcade.games.core import GameError
from qarcade.games.files import read_file

FLOOR, WALL, PIT, GOAL, START = 0, 1, 2, 3, 4
TILE_NAMES: tuple[str, ...] = ("floor", "wall", "pit", "goal", "start")
#: The character each tile is written with.
TILE_CHARS: tuple[str, ...] = (".", "#", "H", "G", "S")
#: The characters a map file may use; ``F`` lets FrozenLake maps be pasted in unchanged.
CHAR_TILES: dict[str, int] = {c: t for t, c in enumerate(TILE_CHARS)} | {"F": FLOOR}
COMMENT = ";"

MAPS_DIR = asset_dir("maps")
#: The most rows, and the most columns, a map may have: the observation is one-hot over
#: the cells, so a network's input, a replay buffer's rows and the view's tiles all grow
#: with rows * cols.
MAX_SIDE = 64
#: Smallest side of a generated map, and the largest.
MIN_RANDOM_SIDE, MAX_RANDOM_SIDE = 4, MAX_SIDE
#: The largest map text read: a full-size map with room for comments.
MAX_MAP_BYTES = 64 * 1024

_LEGEND = (
    ", ".join(f"{c!r} {n}" for c, n in zip(TILE_CHARS, TILE_NAMES, strict=True)) + ", ';' comment"
)


class MapError(GameError, ValueError):
    """A map that cannot be played; the message names the file, line and column."""


@dataclass(frozen=True)
class GridMap:
    """A parsed map.

    Attributes:
        grid: tile codes, shape (rows, cols), int8; the start cell holds ``START``.
        start: (row, col) of the start.
        name: a short name for titles (``"lake4"``, a file's stem, ``"random-8x8-s3"``).
        source: where it came from (a path, ``"<random>"``), for messages.
    """

    grid: np.ndarray
    start: tuple[int, int]
    name: str
    source: str


def shipped_maps() -> list[str]:
    """Names of the maps under ``assets/maps/`` (``"lake4"``, ``"cliff"``, ...)."""
    return sorted(p.stem for p in MAPS_DIR.glob("*.txt"))


#: Map names whose title is not the name with a capital and its number apart.
_MAP_TITLES = {"fourrooms": "Four rooms"}


def map_title(name: str) -> str:
    """A map's name as a title beside other titles: ``"lake8"`` -> ``"Lake 8"``."""
    if name in _MAP_TITLES:
        return _MAP_TITLES[name]
    spaced = re.sub(r"(?<=[A-Za-z])(?=\d+$)", " ", name)
    return spaced[:1].upper() + spaced[1:]


def map_choices() -> list[tuple[str, str]]:
    """The shipped maps as (name, title), for the menu (:attr:`GameSpec.maps`)."""
    return [(name, map_title(name)) for name in shipped_maps()]


def is_map_path(map_ref: str) -> bool:
    """Whether ``map_ref`` names a map file (it has a path separator or ends in ``.txt``)
    rather than a shipped map."""
    return map_ref.endswith(".txt") or "/" in map_ref or "\\" in map_ref


def load_map(map_ref: str) -> GridMap:
    """Load a shipped map by name (``"lake4"``) or a map file by path
    (:func:`is_map_path`)."""
    if is_map_path(map_ref):
        path = Path(map_ref).expanduser()
        if not path.exists():  # anything else there is refused, and named, by read_file
            raise MapError(
                f"map file {map_ref!r} not found; give the path of a .txt map, or one of "
                f"the shipped maps: {', '.join(shipped_maps())}"
            )
        name = path.stem
    else:
        path = MAPS_DIR / f"{map_ref}.txt"
        if not path.is_file():
            raise MapError(
                f"unknown map {map_ref!r}; shipped maps: {', '.join(shipped_maps())} "
                "(or give the path of a .txt map file)"
            )
        name = map_ref
    data = read_file(path, MAX_MAP_BYTES, what="map file", error=MapError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise MapError(f"{path}: not a text map (not UTF-8: {e.reason})") from None
    return parse_map(text, source=str(path), name=name)


def parse_map(text: str, *, source: str = "<string>", name: str = "custom") -> GridMap:
    """Parse a map from its text; ``source`` is the file name used in error messages."""
    if len(text) > MAX_MAP_BYTES:
        raise MapError(
            f"{source}: {len(text):,} characters, more than a map of at most {MAX_SIDE}x"
            f"{MAX_SIDE} tiles needs ({MAX_MAP_BYTES:,} at most)"
        )
    text = text.removeprefix("\ufeff")
    rows: list[str] = []
    line_numbers: list[int] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line or line.startswith(COMMENT):
            continue
        rows.append(line)
        line_numbers.append(number)
    if not rows:
        raise MapError(f"{source}:1:1: the map is empty (no rows of tiles); legend: {_LEGEND}")

    width = len(rows[0])
    if len(rows) > MAX_SIDE or width > MAX_SIDE:
        # Point at the first row past the limit, or at the first (too wide) row.
        at = line_numbers[MAX_SIDE] if len(rows) > MAX_SIDE else line_numbers[0]
        raise MapError(
            f"{source}:{at}:1: the map is {len(rows)} rows by {width} columns; a map may "
            f"have at most {MAX_SIDE} of each"
        )
    grid = np.empty((len(rows), width), dtype=np.int8)
    start: tuple[int, int] | None = None
    goals = 0
    for r, (line, number) in enumerate(zip(rows, line_numbers, strict=True)):
        if len(line) != width:
            raise MapError(
                f"{source}:{number}:{min(len(line), width) + 1}: ragged rows: this row has "
                f"{len(line)} tiles but the first row (line {line_numbers[0]}) has {width}; "
                "every row must be as wide"
            )
        for c, char in enumerate(line):
            tile = CHAR_TILES.get(char)
            if tile is None:
                raise MapError(
                    f"{source}:{number}:{c + 1}: unknown character {char!r}; legend: {_LEGEND}"
                )
            if tile == START:
                if start is not None:
                    raise MapError(
                        f"{source}:{number}:{c + 1}: a second start 'S'; the first is at "
                        f"line {line_numbers[start[0]]}, column {start[1] + 1}; "
                        "keep exactly one"
                    )
                start = (r, c)
            goals += tile == GOAL
            grid[r, c] = tile

    where = f"{source}:{line_numbers[0]}:1"
    if start is None:
        raise MapError(f"{where}: the map has no start; put one 'S' where episodes begin")
    if goals == 0:
        raise MapError(f"{where}: the map has no goal; put at least one 'G'")
    if not goal_reachable(grid, start):
        first_goal = tuple(int(i) for i in np.argwhere(grid == GOAL)[0])
        raise MapError(
            f"{source}:{line_numbers[first_goal[0]]}:{first_goal[1] + 1}: no goal can be "
            f"reached from the start (line {line_numbers[start[0]]}, column {start[1] + 1}) "
            "without crossing a wall '#' or a pit 'H'; open a path"
        )
    return GridMap(grid=grid, start=start, name=name, source=source)


def format_map(grid: np.ndarray) -> str:
    """The text of a grid of tile codes, one line per row (inverse of :func:`parse_map`)."""
    return "\n".join("".join(TILE_CHARS[t] for t in row) for row in grid.tolist()) + "\n"


def goal_reachable(grid: np.ndarray, start: tuple[int, int]) -> bool:
    """Whether some goal is reachable from ``start`` moving through non-wall, non-pit tiles
    (breadth-first search over the four neighbours)."""
    rows, cols = grid.shape
    seen = np.zeros(grid.shape, dtype=bool)
    seen[start] = True
    queue = deque([start])
    while queue:
        r, c = queue.popleft()
        if grid[r, c] == GOAL:
            return True
        for nr, nc in ((r, c - 1), (r + 1, c), (r, c + 1), (r - 1, c)):
            if 0 <= nr < rows and 0 <= nc < cols and not seen[nr, nc]:
                seen[nr, nc] = True
                if grid[nr, nc] not in (WALL, PIT):
                    queue.append((nr, nc))
    return False


def random_map(
    rows: int,
    cols: int,
    seed: int,
    *,
    pit_density: float = 0.15,
    wall_density: float = 0.10,
    max_tries: int = 1000,
) -> GridMap:
    """A random map with the start in the top-left corner and the goal in the bottom-right.

    Every other cell is a pit with probability ``pit_density``, a wall with probability
    ``wall_density``, floor otherwise. Maps where the goal cannot be reached are drawn
    again from the same generator, so one seed always gives the same solvable map.
    """
    for side in (rows, cols):
        if not MIN_RANDOM_SIDE <= side <= MAX_RANDOM_SIDE:
            raise MapError(
                f"random map size {rows}x{cols}: each side must be between "
                f"{MIN_RANDOM_SIDE} and {MAX_RANDOM_SIDE}"
            )
    if min(pit_density, wall_density) < 0.0 or pit_density + wall_density >= 1.0:
        raise MapError(
            f"pit_density={pit_density} and wall_density={wall_density}: each must be "
            "at least 0 and together below 1"
        )
    rng = np.random.default_rng(seed)
    start, goal = (0, 0), (rows - 1, cols - 1)
    tiles = np.array([FLOOR, PIT, WALL], dtype=np.int8)
    p = [1.0 - pit_density - wall_density, pit_density, wall_density]
    for _ in range(max_tries):
        grid = rng.choice(tiles, size=(rows, cols), p=p)
        grid[start], grid[goal] = START, GOAL
        if goal_reachable(grid, start):
            return GridMap(
                grid=grid, start=start, name=f"random-{rows}x{cols}-s{seed}", source="<random>"
            )
    raise MapError(
        f"no solvable {rows}x{cols} map in {max_tries} draws; lower the pit/wall densities"
    )
