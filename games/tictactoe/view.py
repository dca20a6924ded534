"""Tic-tac-toe drawn on a 3 x 3 board: click a square or press 1-9 (reading order, as the
small digits in the empty squares show: 1 2 3 on top, 7 8 9 at the bottom; the numeric
keypad works the same way).

Overlay: the agent's Q-value for every empty square, printed in the square on a heat
colour (red: the move loses, green: it wins), with the best square outlined. A value is
the result the agent expects from that move, +1 a win, 0 a draw, -1 a loss
(:data:`TicTacToeView.q_legend`); a network's estimates stray a little past those
bounds and round to "-0.00", so they are shown clipped and rounded (:func:`q_text`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pygame

from qarcade.games.tictactoe import rules
from qarcade.games.tictactoe.env import SEAT_NAMES, TicTacToeEnv
from qarcade.games.view import Overlay, View, heat_colour

BOARD = (28, 32, 48)
LINES = (206, 212, 232)
X_COLOUR = (255, 112, 96)
O_COLOUR = (96, 176, 255)
WIN_COLOUR = (255, 214, 72)
HINT = (96, 104, 132)

#: Square of each number key, in reading order (1 = top left).
_DIGITS = (
    (
        pygame.K_1,
        pygame.K_2,
        pygame.K_3,
        pygame.K_4,
        pygame.K_5,
        pygame.K_6,
        pygame.K_7,
        pygame.K_8,
        pygame.K_9,
    ),
    (
        pygame.K_KP1,
        pygame.K_KP2,
        pygame.K_KP3,
        pygame.K_KP4,
        pygame.K_KP5,
        pygame.K_KP6,
        pygame.K_KP7,
        pygame.K_KP8,
        pygame.K_KP9,
    ),
)
_KEY_SQUARES: dict[int, int] = {key: square for keys in _DIGITS for square, key in enumerate(keys)}


class TicTacToeView(View):
    """Draws a tic-tac-toe env's board; clicks and the keys 1-9 choose squares."""

    env: TicTacToeEnv
    game: ClassVar[str] = "tictactoe"
    keys_help: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Click / 1-9", "put your mark on a square (1 2 3 = top row)"),
    )
    q_legend: ClassVar[str] = "Q: +1 win, 0 draw, -1 loss"

    # ----------------------------------------------------------------- geometry
    def board_rect(self, rect: pygame.Rect) -> pygame.Rect:
        """The square the board fills inside ``rect``, with a small margin."""
        side = max(3, min(rect.width, rect.height))
        margin = side // 24
        board = pygame.Rect(0, 0, side - 2 * margin, side - 2 * margin)
        board.center = rect.center
        return board

    def square_rect(self, rect: pygame.Rect, square: int) -> pygame.Rect:
        """Where ``square`` (0..8, reading order) is drawn when the view fills ``rect``."""
        board = self.board_rect(rect)
        cell = board.width / 3
        row, col = divmod(square, 3)
        left, top = board.left + round(col * cell), board.top + round(row * cell)
        right, bottom = board.left + round((col + 1) * cell), board.top + round((row + 1) * cell)
        return pygame.Rect(left, top, right - left, bottom - top)

    def square_at(self, rect: pygame.Rect, pos: tuple[int, int]) -> int | None:
        """The square under the point ``pos``, or None off the board."""
        board = self.board_rect(rect)
        if not board.collidepoint(pos):
            return None
        col = min(2, int((pos[0] - board.left) * 3 // board.width))
        row = min(2, int((pos[1] - board.top) * 3 // board.height))
        return row * 3 + col

    def q_box(self, rect: pygame.Rect, square: int) -> pygame.Rect:
        """The coloured box an overlay draws in ``square``: inside the grid lines."""
        box = self.square_rect(rect, square)
        return box.inflate(-max(6, box.width // 7), -max(6, box.height // 7))

    # ----------------------------------------------------------------- drawing
    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        board = self.board_rect(rect)
        marks = tuple(self.env.board)
        pygame.draw.rect(surface, BOARD, board, border_radius=max(2, board.width // 40))
        cell = board.width / 3
        width = max(2, board.width // 60)
        q_values = overlay.q_values if overlay is not None else None
        if q_values is not None and not self.env.done:
            self._draw_q(surface, rect, marks, np.asarray(q_values, dtype=np.float64))
        for i in (1, 2):
            x = board.left + round(i * cell)
            y = board.top + round(i * cell)
            inset = board.width // 20
            pygame.draw.line(
                surface, LINES, (x, board.top + inset), (x, board.bottom - inset), width
            )
            pygame.draw.line(
                surface, LINES, (board.left + inset, y), (board.right - inset, y), width
            )
        font = self.assets.font(max(10, int(cell / 5)))
        for square, mark in enumerate(marks):
            box = self.square_rect(rect, square)
            if mark == rules.X:
                self._draw_x(surface, box)
            elif mark == rules.O:
                self._draw_o(surface, box)
            elif not self.env.done and q_values is None:
                digit = font.render(str(square + 1), True, HINT)
                surface.blit(
                    digit,
                    digit.get_rect(
                        topleft=(box.left + box.width // 10, box.top + box.height // 12)
                    ),
                )
        line = rules.winning_line(marks)
        if line is not None:
            start = self.square_rect(rect, line[0]).center
            end = self.square_rect(rect, line[2]).center
            pygame.draw.line(surface, WIN_COLOUR, start, end, max(4, board.width // 28))

    def _draw_x(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        inner = box.inflate(-box.width * 0.46, -box.height * 0.46)
        half = max(1.5, box.width / 18)
        for start, end in ((inner.topleft, inner.bottomright), (inner.bottomleft, inner.topright)):
            # A stroke as a polygon: pygame's thick diagonal lines come out thinner.
            dx, dy = end[0] - start[0], end[1] - start[1]
            length = max(1.0, (dx * dx + dy * dy) ** 0.5)
            nx, ny = -dy / length * half, dx / length * half
            points = [
                (start[0] + nx, start[1] + ny),
                (end[0] + nx, end[1] + ny),
                (end[0] - nx, end[1] - ny),
                (start[0] - nx, start[1] - ny),
            ]
            pygame.draw.polygon(surface, X_COLOUR, points)
            pygame.draw.circle(surface, X_COLOUR, start, half)
            pygame.draw.circle(surface, X_COLOUR, end, half)

    def _draw_o(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        radius = int(box.width * 0.29)
        pygame.draw.circle(surface, O_COLOUR, box.center, radius, max(3, box.width // 9))

    def _draw_q(
        self, surface: pygame.Surface, rect: pygame.Rect, marks: tuple[int, ...], q: np.ndarray
    ) -> None:
        legal = [s for s in range(9) if marks[s] == rules.EMPTY and np.isfinite(q[s])]
        if not legal:
            return
        best = max(legal, key=lambda s: q[s])
        font = self.assets.font(max(10, self.square_rect(rect, 0).height // 4))
        for square in legal:
            box = self.q_box(rect, square)
            pygame.draw.rect(surface, heat_colour(q[square], -1.0, 1.0), box, border_radius=6)
            if square == best:
                pygame.draw.rect(surface, WIN_COLOUR, box, width=3, border_radius=6)
            text = font.render(q_text(q[square]), True, (245, 245, 250))
            surface.blit(text, text.get_rect(center=box.center))

    # ----------------------------------------------------------------- input
    def action_for_event(self, event: pygame.event.Event, rect: pygame.Rect) -> int | None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            return self.square_at(rect, event.pos)
        if event.type == pygame.KEYDOWN:
            return _KEY_SQUARES.get(event.key)
        return None

    def status(self) -> str:
        marks = tuple(self.env.board)
        if self.env.done:
            winner = rules.winner(marks)
            return "Draw" if winner == rules.EMPTY else f"{rules.MARK_CHARS[winner]} wins"
        return f"{SEAT_NAMES[self.env.current_player]} to move"


def q_text(value: float) -> str:
    """A Q-value as the overlay prints it: within the game's [-1, 1], two decimals, a sign
    on anything but zero ("+0.97", "0.00", "-1.00"; never "-0.00" or "-1.03")."""
    shown = round(float(np.clip(value, -1.0, 1.0)), 2)
    return "0.00" if shown == 0 else f"{shown:+.2f}"
