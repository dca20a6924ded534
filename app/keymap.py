"""One table of keys per scene: what each key does and how the hints bar and the help
overlay name it, so the handler, the bar and the help are made from the same rows and
cannot disagree.

A :class:`Keymap` is a tuple of :class:`Binding` rows; a scene declares its own as a
class attribute and the window asks it to handle a key press (:meth:`Keymap.handle`),
for the hints bar's items (:meth:`Keymap.hints`) and for the help overlay's lines
(:meth:`Keymap.help`). The texts may name attributes of the scene as ``{s.name}``
(``"Q Q-values {s.overlay_word}"``), read when they are drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame


@dataclass(frozen=True)
class Ctrl:
    """A key pressed with Ctrl held (``Ctrl(pygame.K_s)``)."""

    key: int


@dataclass(frozen=True)
class Binding:
    """One row of a keymap.

    Attributes:
        keys: what triggers it: key codes (Ctrl or not, unless another row claims the key
            with :class:`Ctrl`) and :class:`Ctrl` chords; none for a row that is only
            listed (a mouse gesture).
        action: the name of the scene's method it calls, with no argument, or with the
            index of the key pressed in :attr:`keys` when :attr:`indexed`; None for a row
            that is only listed.
        name: how the help overlay names the keys (``"Space / P"``).
        help: what it does, for the help overlay.
        hint: the hints bar's item (``"Space pause"``); None leaves it off the bar.
        shown: the name of a scene attribute: the row is listed (on the bar and in the
            help) only while it is true; the key still works, and its action says why
            it cannot act where it cannot.
        indexed: the action takes the index of the key pressed.
    """

    keys: tuple[int | Ctrl, ...]
    action: str | None
    name: str
    help: str
    hint: str | None = None
    shown: str | None = None
    indexed: bool = False


class Keymap:
    """A scene's keys, in the order the bar and the help list them.

    Args:
        bindings: the rows. Keymaps add up (``BASE + Keymap(...)``): the rows of the
            left one first.
    """

    def __init__(self, *bindings: Binding) -> None:
        self.bindings = bindings
        seen: set[int | Ctrl] = set()
        for binding in bindings:
            for key in binding.keys:
                if key in seen:
                    raise ValueError(f"key {key!r} is bound twice ({binding.name})")
                seen.add(key)

    def check(self, owner: type) -> None:
        """Raise TypeError unless ``owner`` (the class that handles these keys) has a
        method for every action, so a misspelt action fails on import, not on a key."""
        for binding in self.bindings:
            if binding.action is not None and not callable(getattr(owner, binding.action, None)):
                what = f"{owner.__name__} has no method {binding.action!r}"
                raise TypeError(f"{what} for the keys {binding.name}")

    def __add__(self, other: Keymap) -> Keymap:
        return Keymap(*self.bindings, *other.bindings)

    def handle(self, target: Any, event: pygame.event.Event) -> bool:
        """Call the action bound to the key of ``event`` (a KEYDOWN) on ``target``; True
        if a row took it. A Ctrl chord wins over the plain key."""
        ctrl = bool(getattr(event, "mod", 0) & pygame.KMOD_CTRL)
        wanted = [Ctrl(event.key), event.key] if ctrl else [event.key]
        for key in wanted:
            for binding in self.bindings:
                if binding.action is None or key not in binding.keys:
                    continue
                method = getattr(target, binding.action)
                if binding.indexed:
                    method(binding.keys.index(key))
                else:
                    method()
                return True
        return False

    def hints(self, target: Any) -> list[str]:
        """The hints bar's items for ``target`` as it is now."""
        return [
            binding.hint.format(s=target)
            for binding in self._listed(target)
            if binding.hint is not None
        ]

    def help(self, target: Any) -> list[tuple[str, str]]:
        """``(keys, what they do)`` for the help overlay, for ``target`` as it is now."""
        return [(b.name, b.help.format(s=target)) for b in self._listed(target)]

    def _listed(self, target: Any) -> list[Binding]:
        return [b for b in self.bindings if b.shown is None or getattr(target, b.shown)]
