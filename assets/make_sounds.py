"""Generate the retro sound effects in ``assets/sounds/`` (numpy + the stdlib ``wave``).

Every sound is synthesised here from square waves, triangle waves and noise shaped by
envelopes, so the project owns its audio outright. The noise comes from a generator with a
fixed seed: running the script twice writes byte-identical files.

Run from the repository root::

    python assets/make_sounds.py            # writes assets/sounds/*.wav
    python assets/make_sounds.py --out DIR  # somewhere else
"""

from __future__ import annotations

import argparse
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

RATE = 22050
"""Samples per second; plenty for 8-bit style effects and keeps the files small."""

Wave = np.ndarray


def _t(seconds: float) -> Wave:
    return np.arange(int(RATE * seconds)) / RATE


def square(freq: float | Wave, seconds: float, duty: float = 0.5) -> Wave:
    """A square wave; ``freq`` may be an array (one frequency per sample) for sweeps."""
    n = int(RATE * seconds)
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    phase = np.cumsum(f) / RATE
    return np.where(phase % 1.0 < duty, 1.0, -1.0)


def triangle(freq: float | Wave, seconds: float) -> Wave:
    """A triangle wave, softer than a square; ``freq`` may be an array."""
    n = int(RATE * seconds)
    f = np.broadcast_to(np.asarray(freq, dtype=np.float64), (n,))
    phase = (np.cumsum(f) / RATE) % 1.0
    return 4.0 * np.abs(phase - 0.5) - 1.0


def noise(seconds: float, rng: np.random.Generator, hold: int = 1) -> Wave:
    """White noise; ``hold`` > 1 repeats each value, which lowers its pitch (a crunchier hiss)."""
    n = int(RATE * seconds)
    values = rng.uniform(-1.0, 1.0, size=n // hold + 1)
    return np.repeat(values, hold)[:n]


def envelope(n: int, attack: float = 0.005, release: float = 0.05, power: float = 1.0) -> Wave:
    """Linear attack, then a decay to silence shaped by ``power`` (>1 dies away faster)."""
    env = np.ones(n)
    a = max(1, int(RATE * attack))
    env[:a] = np.linspace(0.0, 1.0, a)
    decay = np.linspace(1.0, 0.0, n - a) ** power
    env[a:] = decay
    r = min(n, max(1, int(RATE * release)))
    env[-r:] *= np.linspace(1.0, 0.0, r)
    return env


# ----------------------------------------------------------------------- the sounds
def shoot(rng: np.random.Generator) -> Wave:
    """The cannon's shot: a fast falling square chirp over a little hiss."""
    seconds = 0.16
    n = int(RATE * seconds)
    freq = np.geomspace(1400.0, 300.0, n)
    tone = square(freq, seconds, duty=0.25)
    hiss = noise(seconds, rng, hold=2)
    return (0.7 * tone + 0.25 * hiss) * envelope(n, 0.002, 0.02, power=1.5)


def alien_explode(rng: np.random.Generator) -> Wave:
    """An alien hit: a crunchy noise burst with a falling pitched core."""
    seconds = 0.28
    n = int(RATE * seconds)
    crunch = noise(seconds, rng, hold=6)
    core = square(np.geomspace(520.0, 90.0, n), seconds, duty=0.5)
    return (0.65 * crunch + 0.35 * core) * envelope(n, 0.002, 0.04, power=2.0)


def player_explode(rng: np.random.Generator) -> Wave:
    """The cannon destroyed: a long low rumble that crackles as it fades."""
    seconds = 1.1
    n = int(RATE * seconds)
    rumble = noise(seconds, rng, hold=14)
    crackle = noise(seconds, rng, hold=3) * (rng.uniform(size=n) < 0.35)
    # A slow square "wobble" makes the rumble pulse like the arcade's.
    wobble = 0.75 + 0.25 * square(9.0, seconds)
    return (0.7 * rumble * wobble + 0.3 * crackle) * envelope(n, 0.004, 0.2, power=1.6)


def mystery(rng: np.random.Generator) -> Wave:
    """The mystery ship's warble, made to loop seamlessly.

    The pitch swings on a triangle LFO whose period divides the length exactly, and the
    carrier's phase is whole at the end, so the loop point does not click.
    """
    del rng
    seconds = 0.48
    lfo_hz = 1.0 / (seconds / 3)  # three wobbles per loop
    lfo = triangle(lfo_hz, seconds)
    freq = 620.0 + 220.0 * lfo
    # Nudge the whole sweep so the carrier completes an integer number of cycles.
    cycles = np.sum(freq) / RATE
    freq *= np.round(cycles) / cycles
    return 0.5 * square(freq, seconds, duty=0.5) + 0.25 * triangle(freq * 2.0, seconds)


def march(note: int) -> Callable[[np.random.Generator], Wave]:
    """One of the four falling bass thumps the formation marches to."""
    freqs = (98.0, 87.3, 77.8, 73.4)  # G2, F2, D#2, D2: a descending four-note loop

    def make(rng: np.random.Generator) -> Wave:
        del rng
        seconds = 0.11
        n = int(RATE * seconds)
        bend = np.linspace(1.15, 1.0, n)  # a slight downward bend makes it a "thump"
        body = square(freqs[note] * bend, seconds, duty=0.5)
        return 0.9 * body * envelope(n, 0.002, 0.03, power=1.2)

    make.__doc__ = f"March note {note + 1} of 4."
    return make


def wave_clear(rng: np.random.Generator) -> Wave:
    """A wave cleared: a rising arpeggio of short square blips."""
    del rng
    notes = (523.3, 659.3, 784.0, 1046.5, 1318.5)  # C major, up two octaves
    parts = []
    for i, f in enumerate(notes):
        seconds = 0.22 if i == len(notes) - 1 else 0.08
        n = int(RATE * seconds)
        parts.append(0.55 * square(f, seconds, duty=0.25) * envelope(n, 0.002, 0.02))
    return np.concatenate(parts)


def ui_move(rng: np.random.Generator) -> Wave:
    """Menu cursor moved: a tiny high tick."""
    del rng
    seconds = 0.04
    n = int(RATE * seconds)
    return 0.4 * square(1760.0, seconds, duty=0.5) * envelope(n, 0.001, 0.01, power=2.0)


def ui_click(rng: np.random.Generator) -> Wave:
    """Menu item chosen: two quick rising blips."""
    del rng
    a = square(880.0, 0.05, duty=0.5) * envelope(int(RATE * 0.05), 0.001, 0.01)
    b = square(1320.0, 0.07, duty=0.5) * envelope(int(RATE * 0.07), 0.001, 0.02)
    return 0.45 * np.concatenate([a, b])


SOUNDS: dict[str, Callable[[np.random.Generator], Wave]] = {
    "shoot": shoot,
    "alien_explode": alien_explode,
    "player_explode": player_explode,
    "mystery": mystery,
    "march1": march(0),
    "march2": march(1),
    "march3": march(2),
    "march4": march(3),
    "wave_clear": wave_clear,
    "ui_move": ui_move,
    "ui_click": ui_click,
}
"""Every sound this script makes, by file stem."""


def write_wav(path: Path, samples: Wave, volume: float = 0.6) -> None:
    """Write ``samples`` (floats in [-1, 1]) as a 16-bit mono WAV at :data:`RATE`."""
    pcm = np.clip(samples * volume, -1.0, 1.0)
    data = (pcm * 32767.0).astype("<i2").tobytes()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = Path(__file__).resolve().parent / "sounds"
    parser.add_argument("--out", type=Path, default=default, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, (stem, make) in enumerate(SOUNDS.items()):
        # One seed per sound, so editing one sound leaves the others' bytes unchanged.
        samples = make(np.random.default_rng(1000 + i))
        write_wav(args.out / f"{stem}.wav", samples)
        print(f"{stem}.wav  {len(samples) / RATE:.2f} s")


if __name__ == "__main__":
    main()
