"""The Invaders view: draws :class:`games.invaders.rules.InvadersState` like the arcade.

Every frame the view paints the arcade's 224 x 256 logical screen at one pixel per unit
(sprites from :mod:`games.invaders.sprites`, coloured and turned into surfaces once), then
scales that small surface into the rect in one go: by a whole number where the rect
allows it, otherwise nearest-neighbour to a whole multiple near the target and smoothly
to the exact size ("sharp bilinear"), so pixels stay square and crisp at any window size.

When an agent plays, a strip under the screen shows its Q-value per action as bars (the
greedy action highlighted) in the same pixel font.

Sounds follow the events the env reports each step (``info["events"]``): shots,
explosions, the four-note march (its tempo is the formation's), the mystery ship's
warble while it crosses. They go through the app's asset loader, which stays silent when
there is no audio device.

Explosions are the view's own: it reads the events of each step (``env.events``, every
one stamped with its tick) and draws each for its time, so the rules hold nothing that
is only on screen.

The HI-SCORE shown is :attr:`games.view.View.best_score`, which the scene that knows who
plays sets (a person's record, never an agent's); the view neither decides that nor
keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

import numpy as np
import pygame

from qarcade.games.core import StepResult
from qarcade.games.invaders import rules, sprites
from qarcade.games.invaders.env import FIRE, LEFT, LEFT_FIRE, NOOP, RIGHT, RIGHT_FIRE, InvadersEnv
from qarcade.games.invaders.rules import InvadersState
from qarcade.games.view import Media, Overlay, View, heat_colour

Colour = tuple[int, int, int]

# ----------------------------------------------------------------------- palette
BLACK: Colour = (0, 0, 0)
WHITE: Colour = (240, 240, 240)
GREEN: Colour = (40, 255, 80)
RED: Colour = (255, 56, 56)
YELLOW: Colour = (255, 214, 64)
DIM: Colour = (110, 116, 140)
#: Alien colour by kind (top rows first): colour bands, like the arcade's cellophane.
ALIEN_COLOURS: tuple[Colour, ...] = ((255, 110, 210), (100, 220, 255), WHITE)
BOMB_COLOUR: Colour = (255, 240, 200)

# ----------------------------------------------------------------------- layout
SCREEN_W, SCREEN_H = rules.SCREEN_WIDTH, rules.SCREEN_HEIGHT
#: Height of the Q-value strip added under the screen when an overlay is drawn.
Q_STRIP_H = 44
Q_LABELS = ("NOOP", "LEFT", "RIGHT", "FIRE", "<FIRE", "FIRE>")
Q_BAR_W = 23
Q_BAR_MAX = 18
#: The bars stand on this line, measured from the top of the strip.
Q_BAR_BASE = 14 + Q_BAR_MAX
GROUND_LINE_Y = rules.GROUND_Y
#: Game ticks between two march notes at least: the last aliens step every tick, and a
#: note per tick would be a buzz, not a beat.
MIN_NOTE_TICKS = 5
#: Frames without a step after which the game counts as paused and the warble stops.
IDLE_FRAMES = 30
#: Frames the "WAVE n" banner shows after a wave is cleared.
BANNER_FRAMES = 120
#: The banner shows in the mystery ship's lane, which is empty when a wave starts.
BANNER_Y = rules.MYSTERY_Y

#: Which sound each kind of event plays.
EVENT_SOUNDS: dict[type[rules.Event], str] = {
    rules.ShotFired: "shoot",
    rules.AlienKilled: "alien_explode",
    rules.MysteryHit: "alien_explode",
    rules.PlayerHit: "player_explode",
    rules.AliensLanded: "player_explode",
    rules.WaveCleared: "wave_clear",
}
#: How long the explosion of each kind of event stays on screen, in ticks; the cannon's
#: lasts as long as the world pauses for it.
EXPLOSION_TICKS: dict[type[rules.Event], int] = {
    rules.AlienKilled: 16,
    rules.ShotMissed: 16,
    rules.ShieldHit: 16,
    rules.BombGrounded: 16,
    rules.MysteryHit: 60,
    rules.PlayerHit: rules.RESPAWN_TICKS,
}
#: The mystery ship's explosion gives way to its points after this many ticks.
MYSTERY_BURST_TICKS = 24


# ----------------------------------------------------------------------- surfaces
def mask_surface(mask: np.ndarray, colour: Colour) -> pygame.Surface:
    """A surface one pixel per mask cell: ``colour`` where True, transparent elsewhere."""
    h, w = mask.shape
    rgb = np.zeros((w, h, 3), dtype=np.uint8)
    rgb[mask.T] = colour
    surface = pygame.surfarray.make_surface(rgb)
    surface.set_colorkey(BLACK)
    return surface


def art_surface(art: sprites.Art, colour: Colour) -> pygame.Surface:
    """A sprite from its text art (see :mod:`games.invaders.sprites`)."""
    return mask_surface(sprites.to_mask(art), colour)


class _Art:
    """Every sprite coloured and made into a surface once, at one pixel per arcade pixel."""

    def __init__(self) -> None:
        self.aliens = [
            [art_surface(frame, ALIEN_COLOURS[kind]) for frame in frames]
            for kind, frames in enumerate(sprites.ALIENS)
        ]
        self.alien_explosions = [
            art_surface(sprites.ALIEN_EXPLOSION, colour) for colour in ALIEN_COLOURS
        ]
        self.cannon = art_surface(sprites.CANNON, GREEN)
        self.cannon_explosion = [art_surface(a, GREEN) for a in sprites.CANNON_EXPLOSION]
        self.mystery = [art_surface(a, RED) for a in sprites.MYSTERY]
        self.mystery_explosion = art_surface(sprites.MYSTERY_EXPLOSION, RED)
        self.shot = art_surface(sprites.SHOT, WHITE)
        self.shot_explosion = art_surface(sprites.SHOT_EXPLOSION, WHITE)
        self.shot_explosion_top = art_surface(sprites.SHOT_EXPLOSION, RED)
        self.bomb_explosion = art_surface(sprites.SHOT_EXPLOSION, BOMB_COLOUR)
        self.bombs = [[art_surface(a, BOMB_COLOUR) for a in frames] for frames in sprites.BOMBS]
        self.life_icon = self.cannon


class _Text:
    """Strings in the 5x7 pixel font, rendered once per (text, colour)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, Colour], pygame.Surface] = {}

    def __call__(self, text: str, colour: Colour = WHITE) -> pygame.Surface:
        key = (text, colour)
        surface = self._cache.get(key)
        if surface is None:
            if len(self._cache) > 512:  # scores change all game; keep the cache bounded
                self._cache.clear()
            surface = mask_surface(sprites.text_mask(text), colour)
            self._cache[key] = surface
        return surface


# ----------------------------------------------------------------------- the view
class InvadersView(View):
    """Draws an :class:`InvadersEnv` and turns held keys into its six actions.

    Args:
        env: the env to read.
        assets: the app's asset loader (sounds).
    """

    game: ClassVar[str] = "invaders"
    aspect = SCREEN_W / SCREEN_H
    realtime: ClassVar[bool] = True
    keys_help: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Left / A", "move left"),
        ("Right / D", "move right"),
        ("Space / Up / W", "fire (hold with a direction to move and fire)"),
    )

    env: InvadersEnv

    def __init__(self, env: InvadersEnv, assets: Media) -> None:
        super().__init__(env, assets)
        self._art: _Art | None = None
        self._text = _Text()
        self._screens: dict[bool, pygame.Surface] = {}
        self._scaled: dict[tuple[int, int], pygame.Surface] = {}
        self._shields: dict[int, tuple[bytes, pygame.Surface]] = {}
        self._pending_sounds: set[str] = set()
        self._march_due = False
        self._march_note = 0
        self._last_note_tick = -MIN_NOTE_TICKS
        self._mystery_playing = False
        self._idle_frames = 0
        self._banner_frames = 0
        #: Events whose explosion is still on screen, and what they were read from: the
        #: state of the game drawn (a reset or a restore makes a new one) and its tick.
        self._explosions: list[rules.Event] = []
        self._events_state: InvadersState | None = None
        self._events_tick = 0

    # ------------------------------------------------------------------ input
    def held_action(self, pressed: Sequence[bool]) -> int:
        """LEFT / A and RIGHT / D move (both at once cancel out); SPACE, UP or W fires."""
        left = pressed[pygame.K_LEFT] or pressed[pygame.K_a]
        right = pressed[pygame.K_RIGHT] or pressed[pygame.K_d]
        fire = pressed[pygame.K_SPACE] or pressed[pygame.K_UP] or pressed[pygame.K_w]
        move = int(bool(right)) - int(bool(left))
        if fire:
            return (FIRE, RIGHT_FIRE, LEFT_FIRE)[move]
        return (NOOP, RIGHT, LEFT)[move]

    # ------------------------------------------------------------------ sounds
    def on_step(self, action: int, result: StepResult) -> None:
        """Queue the sounds of the step's events; :meth:`draw` plays them once per frame."""
        self._idle_frames = 0
        for event in result[4].get("events", ()):
            sound = EVENT_SOUNDS.get(type(event))
            if sound is not None:
                self._pending_sounds.add(sound)
            if isinstance(event, rules.March):
                self._march_due = True
            elif isinstance(event, rules.WaveCleared):
                self._banner_frames = BANNER_FRAMES

    def on_reset(self) -> None:
        """A new game (or a restored one): drop queued sounds, stop the warble."""
        self._pending_sounds.clear()
        self._march_due = False
        self._march_note = 0
        self._last_note_tick = -MIN_NOTE_TICKS
        self._banner_frames = 0
        self._set_mystery_loop(False)

    def _play_sounds(self, state: InvadersState) -> None:
        for name in sorted(self._pending_sounds):
            self.assets.play(name)
        self._pending_sounds.clear()
        if self._march_due and state.tick - self._last_note_tick >= MIN_NOTE_TICKS:
            self.assets.play(f"march{self._march_note + 1}")
            self._march_note = (self._march_note + 1) % 4
            self._last_note_tick = state.tick
        self._march_due = False
        # Paused or over, the ship hangs still: its warble stops until the game moves.
        self._idle_frames += 1
        flying = state.mystery is not None and self._idle_frames <= IDLE_FRAMES
        self._set_mystery_loop(flying and not state.game_over and not self.assets.muted)

    def _set_mystery_loop(self, on: bool) -> None:
        if on and not self._mystery_playing:
            self.assets.play("mystery", loops=-1)
        elif not on and self._mystery_playing:
            self.assets.stop("mystery")
        self._mystery_playing = on

    # ------------------------------------------------------------------ drawing
    def status(self) -> str:
        """Score, lives and wave, or the final score once the game is over."""
        state = self.env.state
        if state.game_over:
            how = "the aliens landed" if state.landed else "no lives left"
            return f"Game over ({how}): score {state.score}"
        return f"Score {state.score}   Lives {state.lives}   Wave {state.wave}"

    def game_rect(self, rect: pygame.Rect, overlay: Overlay | None = None) -> pygame.Rect:
        """Where the logical screen (and the Q strip, with an overlay) lands inside
        ``rect``: centred, as large as fits, keeping the aspect."""
        width, height = self._logical_size(_q_values(overlay) is not None)
        scale = min(rect.width / width, rect.height / height)
        out = pygame.Rect(0, 0, max(1, int(width * scale)), max(1, int(height * scale)))
        out.center = rect.center
        return out

    def draw(
        self, surface: pygame.Surface, rect: pygame.Rect, overlay: Overlay | None = None
    ) -> None:
        """Paint the state on the logical screen, scale it into ``rect``, play sounds."""
        state = self.env.state
        self._follow_explosions(state)
        self._play_sounds(state)
        if rect.width < 1 or rect.height < 1:
            return
        q_values = _q_values(overlay)
        screen = self._screen(q_values is not None)
        self._paint(screen, state)
        if q_values is not None:
            self._paint_q_strip(screen, q_values)
        target = self.game_rect(rect, overlay)
        surface.blit(self._scale(screen, target.size), target)
        # Black bars where the rect is wider or taller than the game (only there: filling
        # the whole rect first would cost as much as the scaling).
        for bar in (
            pygame.Rect(rect.x, rect.y, target.x - rect.x, rect.height),
            pygame.Rect(target.right, rect.y, rect.right - target.right, rect.height),
            pygame.Rect(target.x, rect.y, target.width, target.y - rect.y),
            pygame.Rect(target.x, target.bottom, target.width, rect.bottom - target.bottom),
        ):
            if bar.width > 0 and bar.height > 0:
                surface.fill(BLACK, bar)

    def _follow_explosions(self, state: InvadersState) -> None:
        """Start an explosion for each event of the steps since the last frame that has
        one, and let those whose time is up go. Read from the env rather than from
        :meth:`on_step`, so a game stepped by a training loop shows them too."""
        if state is not self._events_state:
            # A game not seen before: its last step's events are all new.
            self._events_state = state
            self._events_tick = 0
            self._explosions.clear()
        for event in self.env.events:
            if event.tick > self._events_tick and type(event) in EXPLOSION_TICKS:
                self._explosions.append(event)
        self._events_tick = state.tick
        if self._explosions:
            self._explosions = [
                e for e in self._explosions if e.tick + EXPLOSION_TICKS[type(e)] > state.tick
            ]

    def _logical_size(self, with_q: bool) -> tuple[int, int]:
        return SCREEN_W, SCREEN_H + (Q_STRIP_H if with_q else 0)

    def _screen(self, with_q: bool) -> pygame.Surface:
        screen = self._screens.get(with_q)
        if screen is None:
            screen = pygame.Surface(self._logical_size(with_q))
            self._screens[with_q] = screen
        return screen

    def _scale(self, screen: pygame.Surface, size: tuple[int, int]) -> pygame.Surface:
        """``screen`` scaled to ``size`` with crisp pixels, into surfaces kept per size."""
        w, h = screen.get_size()
        tw, th = size
        out = self._buffer(size)
        if tw < w or th < h:  # smaller than the arcade: average, or pixels would vanish
            return pygame.transform.smoothscale(screen, size, out)
        whole = max(-(-tw // w), -(-th // h))  # the next whole multiple at or above
        if (whole * w, whole * h) == size:
            return pygame.transform.scale(screen, size, out)
        if whole > 3:
            # Big windows: going down from the multiple above costs twice as much as going
            # up from the one below, and beyond 3x the two look the same.
            whole -= 1
        big = self._buffer((whole * w, whole * h))
        pygame.transform.scale(screen, big.get_size(), big)
        return pygame.transform.smoothscale(big, size, out)

    def _buffer(self, size: tuple[int, int]) -> pygame.Surface:
        buffer = self._scaled.get(size)
        if buffer is None:
            if len(self._scaled) > 8:  # the window was resized many times
                self._scaled.clear()
            buffer = pygame.Surface(size, depth=32)
            self._scaled[size] = buffer
        return buffer

    def _paint(self, screen: pygame.Surface, state: InvadersState) -> None:
        """The whole arcade screen at one pixel per arcade pixel."""
        if self._art is None:
            self._art = _Art()
        art = self._art
        screen.fill(BLACK)
        self._paint_hud(screen, state)
        blit = screen.blit
        frame = state.anim_frame
        for _, _, x, y, kind in rules.living_aliens(state):
            blit(art.aliens[kind][frame], (x, y))
        if state.mystery is not None:
            blit(art.mystery[(state.tick // 8) % 2], (state.mystery.x, rules.MYSTERY_Y))
        for i, x in enumerate(rules.SHIELD_XS):
            blit(self._shield(i, state.shields[i]), (x, rules.SHIELD_Y))
        player_exploding = False
        for e in self._explosions:
            player_exploding |= isinstance(e, rules.PlayerHit)
            self._paint_explosion(screen, state, e)
        if state.lives > 0 and state.player_alive and not player_exploding:
            blit(art.cannon, (state.player_x, rules.PLAYER_Y))
        if state.shot is not None:
            blit(art.shot, (state.shot.x, state.shot.y))
        for bomb in state.bombs:
            # Bombs animate with game time; a per-bomb offset keeps them out of step.
            frames = art.bombs[bomb.kind % len(art.bombs)]
            blit(frames[(state.tick // 4 + bomb.x) % len(frames)], (bomb.x, bomb.y))
        screen.fill(GREEN, (0, GROUND_LINE_Y, SCREEN_W, 1))
        self._paint_lives(screen, state)
        if self._banner_frames > 0:
            self._banner_frames -= 1
            self._centred(screen, f"WAVE {state.wave}", YELLOW, BANNER_Y)
        if state.game_over:
            self._centred(screen, "GAME OVER", RED, rules.MYSTERY_Y)
            if state.landed:
                self._centred(screen, "THE INVADERS HAVE LANDED", WHITE, rules.MYSTERY_Y + 12)

    def _shield(self, index: int, mask: np.ndarray) -> pygame.Surface:
        """Shield ``index`` as a surface, rebuilt only when its erosion mask changed."""
        data = mask.tobytes()
        cached = self._shields.get(index)
        if cached is None or cached[0] != data:
            cached = (data, mask_surface(mask, GREEN))
            self._shields[index] = cached
        return cached[1]

    def _paint_explosion(
        self, screen: pygame.Surface, state: InvadersState, e: rules.Event
    ) -> None:
        art = self._art
        assert art is not None
        age = state.tick - e.tick
        match e:
            case rules.AlienKilled(x=x, y=y, alien=alien):
                sprite = art.alien_explosions[alien]
                # Centre the 13 px burst on the alien's hitbox.
                x += rules.KIND_WIDTHS[alien] // 2 - sprite.get_width() // 2
                screen.blit(sprite, (x, y))
            case rules.PlayerHit(x=x):
                screen.blit(art.cannon_explosion[(age // 6) % 2], (x, rules.PLAYER_Y))
            case rules.MysteryHit(x=x) if age < MYSTERY_BURST_TICKS:
                screen.blit(art.mystery_explosion, (x, rules.MYSTERY_Y))
            case rules.MysteryHit(x=x, points=points):
                label = self._text(str(points), RED)
                x += rules.MYSTERY_WIDTH // 2 - label.get_width() // 2
                screen.blit(label, (x, rules.MYSTERY_Y))
            case rules.ShotMissed(x=x):
                _blit_centred(screen, art.shot_explosion_top, x, rules.SHOT_CEILING)
            case rules.ShieldHit(x=x, y=y, by_bomb=by_bomb):
                sprite = art.bomb_explosion if by_bomb else art.shot_explosion
                _blit_centred(screen, sprite, x, y)
            case rules.BombGrounded(x=x):
                _blit_centred(screen, art.bomb_explosion, x, rules.GROUND_Y - rules.BOMB_HEIGHT)

    def _paint_hud(self, screen: pygame.Surface, state: InvadersState) -> None:
        text = self._text
        screen.blit(text("SCORE"), (8, 6))
        screen.blit(text(f"{state.score:05d}", GREEN), (8, 16))
        hi = text("HI-SCORE")
        screen.blit(hi, ((SCREEN_W - hi.get_width()) // 2, 6))
        best = text(f"{self.best_score:05d}", GREEN)
        screen.blit(best, ((SCREEN_W - best.get_width()) // 2, 16))
        wave = text("WAVE")
        screen.blit(wave, (SCREEN_W - 8 - wave.get_width(), 6))
        number = text(f"{state.wave:02d}", GREEN)
        screen.blit(number, (SCREEN_W - 8 - number.get_width(), 16))

    def _paint_lives(self, screen: pygame.Surface, state: InvadersState) -> None:
        """The lives left as a number, then a cannon for each reserve, under the ground."""
        art = self._art
        assert art is not None
        y = GROUND_LINE_Y + 5
        screen.blit(self._text(str(max(state.lives, 0)), GREEN), (8, y + 1))
        for i in range(max(state.lives - 1, 0)):
            screen.blit(art.life_icon, (22 + i * 16, y))

    def _centred(self, screen: pygame.Surface, words: str, colour: Colour, y: int) -> None:
        label = self._text(words, colour)
        x = (SCREEN_W - label.get_width()) // 2
        screen.fill(BLACK, (x - 3, y - 3, label.get_width() + 6, label.get_height() + 6))
        screen.blit(label, (x, y))

    def _paint_q_strip(self, screen: pygame.Surface, q_values: np.ndarray) -> None:
        """One bar per action under the screen; the greedy action's bar in yellow."""
        top = SCREEN_H
        screen.fill((12, 14, 22), (0, top, SCREEN_W, Q_STRIP_H))
        screen.fill(DIM, (0, top, SCREEN_W, 1))
        base = top + Q_BAR_BASE
        for bar in q_bar_layout(q_values):
            text_colour = YELLOW if bar.greedy else WHITE
            centre = bar.x + Q_BAR_W // 2
            number = self._text(bar.text, text_colour)
            screen.blit(number, (centre - number.get_width() // 2, top + 4))
            if bar.height > 0:
                screen.fill(bar.colour, (bar.x, base - bar.height, Q_BAR_W, bar.height))
                # A light cap keeps the height readable where the heat colour is dark.
                screen.fill(text_colour, (bar.x, base - bar.height, Q_BAR_W, 1))
            screen.fill(DIM, (bar.x - 2, base, Q_BAR_W + 4, 1))
            name = self._text(bar.label, text_colour)
            screen.blit(name, (centre - name.get_width() // 2, base + 4))


def _blit_centred(screen: pygame.Surface, sprite: pygame.Surface, x: int, y: int) -> None:
    w, h = sprite.get_size()
    screen.blit(sprite, (x - w // 2, y - h // 2))


def _q_values(overlay: Overlay | None) -> np.ndarray | None:
    if overlay is None or overlay.q_values is None:
        return None
    return np.asarray(overlay.q_values, dtype=np.float64)


class QBar(NamedTuple):
    """One action's bar in the Q strip, in logical pixels (see :func:`q_bar_layout`)."""

    x: int
    height: int
    colour: Colour
    label: str
    text: str
    greedy: bool


def q_bar_layout(q_values: np.ndarray) -> list[QBar]:
    """One :class:`QBar` per action: left x, height, colour, label and printed value.

    Heights span the Q-values' range (the lowest gets a stub of 2 px, the highest
    :data:`Q_BAR_MAX`), so the ordering of the actions is what the eye sees; the numbers
    above the bars give the scale. The greedy (highest) action is yellow, the others
    take the shared heat colour; actions without a finite value get no bar and "--".
    """
    values = np.full(len(Q_LABELS), np.nan)
    n = min(len(values), len(q_values))
    values[:n] = q_values[:n]
    finite = np.isfinite(values)
    if not finite.any():
        low = high = 0.0
        greedy = -1
    else:
        low, high = float(values[finite].min()), float(values[finite].max())
        greedy = int(np.argmax(np.where(finite, values, -np.inf)))
    pitch = SCREEN_W // len(Q_LABELS)
    bars = []
    for i, label in enumerate(Q_LABELS):
        x = i * pitch + (pitch - Q_BAR_W) // 2 + 1
        value = float(values[i])
        if not finite[i]:
            bars.append(QBar(x, 0, DIM, label, "--", False))
            continue
        fraction = (value - low) / (high - low) if high > low else 1.0
        height = 2 + round(fraction * (Q_BAR_MAX - 2))
        colour = YELLOW if i == greedy else heat_colour(value, low, high)
        text = f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"
        bars.append(QBar(x, height, colour, label, text[:6], i == greedy))
    return bars
