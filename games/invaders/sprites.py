"""Pixel art for the Invaders view, drawn for this project as text.

Each sprite is a tuple of equal-length strings, one per pixel row: ``X`` is a lit pixel,
``.`` is transparent. :func:`to_mask` turns one into a boolean array; the view colours and
scales it once (this module stays free of pygame, like the rest of ``games/`` outside the
views). The designs are original: one-eyed domed "beetles", clawed "crabs" and tentacled
"jellies", a tank on treads, a domed saucer with blinking lights, and a 5x7 font.
"""

from __future__ import annotations

import numpy as np

Art = tuple[str, ...]

# ----------------------------------------------------------------------- aliens
# Three kinds, top rows first (the most valuable), two frames each: the formation swaps
# frames on every march step, so the legs and claws appear to walk.
BEETLE: tuple[Art, Art] = (
    (
        "...XX...",
        ".XXXXXX.",
        "XXX..XXX",
        "XXX..XXX",
        ".XXXXXX.",
        "..X..X..",
        ".X.XX.X.",
        "X......X",
    ),
    (
        "...XX...",
        ".XXXXXX.",
        "XXX..XXX",
        "XXX..XXX",
        ".XXXXXX.",
        "..X..X..",
        "..X..X..",
        ".X....X.",
    ),
)

CRAB: tuple[Art, Art] = (
    (
        "X.........X",
        "XX..XXX..XX",
        ".XXXXXXXXX.",
        "..XX.X.XX..",
        "..XXXXXXX..",
        ".XX.XXX.XX.",
        "XX.......XX",
        "X.........X",
    ),
    (
        ".X.......X.",
        "X...XXX...X",
        "XXXXXXXXXXX",
        "..XX.X.XX..",
        "..XXXXXXX..",
        "..X.XXX.X..",
        ".X.......X.",
        "..X.....X..",
    ),
)

JELLY: tuple[Art, Art] = (
    (
        "...XXXXXX...",
        ".XXXXXXXXXX.",
        "XX.XX..XX.XX",
        "XXXXXXXXXXXX",
        ".X.XXXXXX.X.",
        ".X..X..X..X.",
        "X..X....X..X",
        ".X..X..X..X.",
    ),
    (
        "...XXXXXX...",
        ".XXXXXXXXXX.",
        "XX.XX..XX.XX",
        "XXXXXXXXXXXX",
        ".X.XXXXXX.X.",
        "X..X.XX.X..X",
        ".X.X....X.X.",
        "X...X..X...X",
    ),
)

ALIENS: tuple[tuple[Art, Art], ...] = (BEETLE, CRAB, JELLY)
"""Alien art by kind: 0 is the top rows (30 points), 1 the middle (20), 2 the bottom (10)."""

ALIEN_EXPLOSION: Art = (
    "X....X.X....X",
    ".X...X.X...X.",
    "..X.......X..",
    "...X.....X...",
    "XX.........XX",
    "...X.....X...",
    "..X.......X..",
    ".X...X.X...X.",
)

# ----------------------------------------------------------------------- the cannon
CANNON: Art = (
    "......X......",
    "......X......",
    ".....XXX.....",
    "..XXXXXXXXX..",
    ".XXXXXXXXXXX.",
    "XXXXXXXXXXXXX",
    "XX.X.X.X.X.XX",
    ".XXXXXXXXXXX.",
)

CANNON_EXPLOSION: tuple[Art, Art] = (
    (
        "...X....X....",
        "X.....X....X.",
        "..X.X...X....",
        ".....X.X..X..",
        "X..XX.XX.X...",
        "..XXXXXXXX.X.",
        "XX.X.X.XXX.XX",
        ".XXX.XXX.XXX.",
    ),
    (
        "X.....X.....X",
        "...X.....X...",
        ".X...X.X...X.",
        "...X..X..X...",
        ".X..X...X..X.",
        "..XX.XXX.XX..",
        "X.XXXX.XXXX.X",
        ".X.XXXXXXX.X.",
    ),
)

# ----------------------------------------------------------------------- the mystery ship
# Two frames: the lights along the hull chase each other.
MYSTERY: tuple[Art, Art] = (
    (
        "......XXXX......",
        "....XXX..XXX....",
        "...XXXXXXXXXX...",
        ".XXXXXXXXXXXXXX.",
        "XX.XX.XXXX.XX.XX",
        ".XXXXXXXXXXXXXX.",
        "..XX........XX..",
    ),
    (
        "......XXXX......",
        "....XXX..XXX....",
        "...XXXXXXXXXX...",
        ".XXXXXXXXXXXXXX.",
        "X.XX.XXXXXX.XX.X",
        ".XXXXXXXXXXXXXX.",
        "..XX........XX..",
    ),
)

MYSTERY_EXPLOSION: Art = (
    "X..X....X..X....",
    "..X..X.X..X..X..",
    ".X.XXX..XX.X.X.X",
    "X.XXX.XXXX.XXX..",
    "..X.XXX..XXX.X.X",
    ".X..X.X.X..X..X.",
    "X..X...X..X...X.",
)

# ----------------------------------------------------------------------- shots and bombs
SHOT: Art = ("X", "X", "X", "X")

SHOT_EXPLOSION: Art = (
    "X...X...",
    "..X...X.",
    ".XXXXX..",
    "XXXXXXX.",
    ".XXXXXX.",
    "..XXX.X.",
    ".X..X...",
    "X.X...X.",
)

# Bombs animate as they fall: a zig-zag that wriggles, a plunger and a screw that spin.
ZIGZAG_BOMB: tuple[Art, ...] = (
    (".X.", "X..", ".X.", "..X", ".X.", "X..", ".X."),
    ("X..", ".X.", "..X", ".X.", "X..", ".X.", "..X"),
    (".X.", "..X", ".X.", "X..", ".X.", "..X", ".X."),
    ("..X", ".X.", "X..", ".X.", "..X", ".X.", "X.."),
)

PLUNGER_BOMB: tuple[Art, ...] = (
    (".X.", ".X.", ".X.", ".X.", ".X.", "XXX", ".X."),
    (".X.", ".X.", "XXX", ".X.", ".X.", ".X.", "X.X"),
    (".X.", ".X.", ".X.", ".X.", "XXX", ".X.", ".X."),
    ("XXX", ".X.", ".X.", ".X.", ".X.", ".X.", ".X."),
)

ROLLING_BOMB: tuple[Art, ...] = (
    (".X.", "XX.", ".X.", ".XX", ".X.", "XX.", ".X."),
    (".X.", ".X.", "XXX", ".X.", ".X.", "XXX", ".X."),
    (".X.", ".XX", ".X.", "XX.", ".X.", ".XX", ".X."),
    (".X.", "XXX", ".X.", ".X.", "XXX", ".X.", ".X."),
)

BOMBS: tuple[tuple[Art, ...], ...] = (ROLLING_BOMB, PLUNGER_BOMB, ZIGZAG_BOMB)
"""Bomb art by the rules' bomb kind: rolling (aimed), plunger, squiggly; 4 frames each."""

# ----------------------------------------------------------------------- a 5x7 font
# Upper case, digits and the few marks the HUD and Q-value bars need.
FONT: dict[str, Art] = {
    "A": (".XXX.", "X...X", "X...X", "XXXXX", "X...X", "X...X", "X...X"),
    "B": ("XXXX.", "X...X", "X...X", "XXXX.", "X...X", "X...X", "XXXX."),
    "C": (".XXX.", "X...X", "X....", "X....", "X....", "X...X", ".XXX."),
    "D": ("XXXX.", "X...X", "X...X", "X...X", "X...X", "X...X", "XXXX."),
    "E": ("XXXXX", "X....", "X....", "XXXX.", "X....", "X....", "XXXXX"),
    "F": ("XXXXX", "X....", "X....", "XXXX.", "X....", "X....", "X...."),
    "G": (".XXX.", "X...X", "X....", "X.XXX", "X...X", "X...X", ".XXXX"),
    "H": ("X...X", "X...X", "X...X", "XXXXX", "X...X", "X...X", "X...X"),
    "I": (".XXX.", "..X..", "..X..", "..X..", "..X..", "..X..", ".XXX."),
    "J": ("..XXX", "...X.", "...X.", "...X.", "...X.", "X..X.", ".XX.."),
    "K": ("X...X", "X..X.", "X.X..", "XX...", "X.X..", "X..X.", "X...X"),
    "L": ("X....", "X....", "X....", "X....", "X....", "X....", "XXXXX"),
    "M": ("X...X", "XX.XX", "X.X.X", "X.X.X", "X...X", "X...X", "X...X"),
    "N": ("X...X", "X...X", "XX..X", "X.X.X", "X..XX", "X...X", "X...X"),
    "O": (".XXX.", "X...X", "X...X", "X...X", "X...X", "X...X", ".XXX."),
    "P": ("XXXX.", "X...X", "X...X", "XXXX.", "X....", "X....", "X...."),
    "Q": (".XXX.", "X...X", "X...X", "X...X", "X.X.X", "X..X.", ".XX.X"),
    "R": ("XXXX.", "X...X", "X...X", "XXXX.", "X.X..", "X..X.", "X...X"),
    "S": (".XXXX", "X....", "X....", ".XXX.", "....X", "....X", "XXXX."),
    "T": ("XXXXX", "..X..", "..X..", "..X..", "..X..", "..X..", "..X.."),
    "U": ("X...X", "X...X", "X...X", "X...X", "X...X", "X...X", ".XXX."),
    "V": ("X...X", "X...X", "X...X", "X...X", "X...X", ".X.X.", "..X.."),
    "W": ("X...X", "X...X", "X...X", "X.X.X", "X.X.X", "X.X.X", ".X.X."),
    "X": ("X...X", "X...X", ".X.X.", "..X..", ".X.X.", "X...X", "X...X"),
    "Y": ("X...X", "X...X", ".X.X.", "..X..", "..X..", "..X..", "..X.."),
    "Z": ("XXXXX", "....X", "...X.", "..X..", ".X...", "X....", "XXXXX"),
    "0": (".XXX.", "X...X", "X..XX", "X.X.X", "XX..X", "X...X", ".XXX."),
    "1": ("..X..", ".XX..", "..X..", "..X..", "..X..", "..X..", ".XXX."),
    "2": (".XXX.", "X...X", "....X", "...X.", "..X..", ".X...", "XXXXX"),
    "3": ("XXXX.", "....X", "....X", ".XXX.", "....X", "....X", "XXXX."),
    "4": ("...X.", "..XX.", ".X.X.", "X..X.", "XXXXX", "...X.", "...X."),
    "5": ("XXXXX", "X....", "XXXX.", "....X", "....X", "X...X", ".XXX."),
    "6": ("..XX.", ".X...", "X....", "XXXX.", "X...X", "X...X", ".XXX."),
    "7": ("XXXXX", "....X", "...X.", "..X..", ".X...", ".X...", ".X..."),
    "8": (".XXX.", "X...X", "X...X", ".XXX.", "X...X", "X...X", ".XXX."),
    "9": (".XXX.", "X...X", "X...X", ".XXXX", "....X", "...X.", ".XX.."),
    " ": (".....",) * 7,
    "-": (".....", ".....", ".....", "XXXXX", ".....", ".....", "....."),
    "+": (".....", "..X..", "..X..", "XXXXX", "..X..", "..X..", "....."),
    ".": (".....", ".....", ".....", ".....", ".....", ".XX..", ".XX.."),
    ":": (".....", ".XX..", ".XX..", ".....", ".XX..", ".XX..", "....."),
    "=": (".....", ".....", "XXXXX", ".....", "XXXXX", ".....", "....."),
    "!": ("..X..", "..X..", "..X..", "..X..", "..X..", ".....", "..X.."),
    "?": (".XXX.", "X...X", "....X", "...X.", "..X..", ".....", "..X.."),
    "<": ("...X.", "..X..", ".X...", "X....", ".X...", "..X..", "...X."),
    ">": (".X...", "..X..", "...X.", "....X", "...X.", "..X..", ".X..."),
    "/": ("....X", "....X", "...X.", "..X..", ".X...", "X....", "X...."),
    "*": (".....", "X.X.X", ".XXX.", "XXXXX", ".XXX.", "X.X.X", "....."),
}
"""5x7 glyphs; :func:`text_mask` lays them out with one blank column between letters."""

GLYPH_W, GLYPH_H = 5, 7


def to_mask(art: Art) -> np.ndarray:
    """Boolean array (rows, columns) of a sprite: True where it has a lit pixel."""
    widths = {len(row) for row in art}
    if len(widths) != 1:
        raise ValueError(f"sprite rows must have one width, got widths {sorted(widths)}")
    return np.array([[c == "X" for c in row] for row in art], dtype=bool)


def text_mask(text: str) -> np.ndarray:
    """Boolean array of ``text`` in the 5x7 font (unknown characters draw as ``?``)."""
    glyphs = [to_mask(FONT.get(c, FONT["?"])) for c in text.upper()]
    if not glyphs:
        return np.zeros((GLYPH_H, 0), dtype=bool)
    gap = np.zeros((GLYPH_H, 1), dtype=bool)
    parts: list[np.ndarray] = []
    for g in glyphs:
        parts += [g, gap]
    return np.hstack(parts[:-1])
