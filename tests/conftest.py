"""Shared test setup: headless SDL, so view tests run without a screen or sound card."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


@pytest.fixture(autouse=True)
def _own_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep every test away from the person's data folder: the window prefers their own
    agents (a sweep's best) to the shipped ones, and Learn and the hi-score write there."""
    monkeypatch.setenv("QARCADE_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch data folder (Learn's runs, the hi-score) for one test."""
    folder = tmp_path / "data"
    monkeypatch.setenv("QARCADE_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def app() -> Iterator[Any]:
    """A headless window at 960x720 that runs as fast as it can, closed after the test
    (every scene's on_exit runs). pygame is imported here, not when tests are collected."""
    from qarcade.app.window import App

    window = App((960, 720), fps=0, audio=False)
    yield window
    window.run(frames=window.frame_count)


@pytest.fixture
def one_torch_thread() -> Iterator[None]:
    """Torch on one thread for the test, as the command line trains networks this small
    (two threads spin-wait on each other on a busy machine); the count is put back."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
