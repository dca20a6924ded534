"""The one asset loader: images, sounds and fonts, each read once and cached.

Everything a view or scene draws or plays comes through :class:`Assets`, so a missing or
broken file fails in one place with one clear message (:class:`AssetError`: which file,
and how to make it again), never as a bare pygame error in the middle of a frame.

Sound is optional: without an audio device (a server, a CI box, ``SDL_AUDIODRIVER=dummy``
failing) :meth:`Assets.sound` returns None and the caller plays nothing. A *missing*
sound file is still an error, because that is a broken checkout, not a missing device.

Fonts are pygame's default font (``pygame.font.Font(None, size)``), which ships with
pygame, so nothing is bundled.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pygame

from qarcade.assets import assets_root
from qarcade.games.core import GameError
from qarcade.games.view import Media

#: The installed ``qarcade/assets`` folder (the repository's ``assets/`` in a checkout).
ASSETS_DIR = assets_root()


class AssetError(GameError):
    """An asset file is missing or unreadable; the message names it and how to restore it."""


class Assets(Media):
    """Loads and caches the files under ``assets/`` (or ``root``).

    Args:
        root: the assets folder; defaults to the repository's ``assets/``.
        audio: try to open the mixer. False (or no audio device) means silence.
    """

    def __init__(self, root: Path | str | None = None, *, audio: bool = True) -> None:
        super().__init__()
        self.root = Path(root) if root is not None else ASSETS_DIR
        self._images: dict[str, pygame.Surface] = {}
        self._sounds: dict[str, pygame.mixer.Sound] = {}
        self.audio = audio and _init_mixer()
        self.muted = False

    def path(self, relative: str) -> Path:
        """The full path of ``relative`` under the assets folder; raises if it is missing."""
        full = self.root / relative
        if not full.is_file():
            raise AssetError(f"asset {full} is missing; {_how_to_restore(relative)}")
        return full

    def image(self, relative: str) -> pygame.Surface:
        """The image ``assets/<relative>`` (converted for fast blits when a display exists)."""
        if relative not in self._images:
            full = self.path(relative)
            try:
                surface = pygame.image.load(str(full))
            except (pygame.error, OSError) as error:
                raise AssetError(
                    f"asset {full} cannot be read as an image ({error}); "
                    f"{_how_to_restore(relative)}"
                ) from None
            if pygame.display.get_surface() is not None:
                surface = surface.convert_alpha()
            self._images[relative] = surface
        return self._images[relative]

    def sound(self, name: str) -> pygame.mixer.Sound | None:
        """The sound ``assets/sounds/<name>.wav``, or None when there is no audio device."""
        if not self.audio:
            return None
        if name not in self._sounds:
            full = self.path(f"sounds/{name}.wav")
            try:
                self._sounds[name] = pygame.mixer.Sound(str(full))
            except pygame.error as error:
                raise AssetError(
                    f"asset {full} cannot be read as a sound ({error}); "
                    f"{_how_to_restore(f'sounds/{name}.wav')}"
                ) from None
        return self._sounds[name]

    def play(self, name: str, *, loops: int = 0) -> None:
        """Play a sound by name if there is audio and the app is not muted."""
        sound = self.sound(name)
        if sound is not None and not self.muted:
            sound.play(loops=loops)

    def stop(self, name: str) -> None:
        """Stop every playing copy of a sound (e.g. the looping mystery ship)."""
        sound = self.sound(name)
        if sound is not None:
            sound.stop()


def _init_mixer() -> bool:
    """Open the mixer; False (silence, said in one line) when there is no audio device."""
    if pygame.mixer.get_init():
        return True
    try:
        with _stderr_silenced():
            pygame.mixer.init(frequency=22050, size=-16, channels=1, buffer=512)
    except pygame.error as error:
        print(f"qarcade: no sound ({error}); playing silently", file=sys.stderr)
        return False
    return True


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Send the process's stderr (file descriptor 2) to the null device for a moment.

    Without a sound card, ALSA prints its own eight error lines while SDL probes it, from
    C and from SDL's threads, so neither Python's ``sys.stderr`` nor a Python error
    handler given to ALSA (SDL's thread would wait on the interpreter lock that the
    caller holds) can stop them; SDL's error, which pygame raises, says it in one line.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _how_to_restore(relative: str) -> str:
    if relative.startswith("sounds/"):
        return "make the sounds again with: python assets/make_sounds.py"
    if relative.startswith("agents/"):
        return "train it with the command listed in assets/agents/README.md"
    return "restore it from the repository (git checkout -- assets)"
