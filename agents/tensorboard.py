"""Training metrics as TensorBoard scalars, under the same names as the training CSV.

``python main.py train ... --tensorboard DIR`` writes one event file per run in ``DIR``;
view it with ``tensorboard --logdir DIR``. Requires ``tensorboard`` (``pip install -e
".[gym]"``); nothing else in qarcade imports it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from types import TracebackType

try:
    from torch.utils.tensorboard import SummaryWriter
except ImportError as error:  # an optional extra: say how to get it
    raise ImportError(
        f'TensorBoard logging needs the tensorboard package ({error}); pip install -e ".[gym]"'
    ) from error


class TensorBoardWriter:
    """Writes rows of named metrics as scalars, one tag per metric name.

    Args:
        log_dir: directory for the event file (created if missing).
        step_key: the metric that holds the x-axis: ``"steps"``, the env steps so far,
            as in the CSV (and as Stable-Baselines3 and CleanRL plot); it becomes the
            scalars' step and is not written as a scalar of its own.

    Use as a context manager, or call :meth:`close`, so the last rows reach the disk.
    """

    def __init__(self, log_dir: str | os.PathLike[str], *, step_key: str = "steps") -> None:
        self.log_dir = os.fspath(log_dir)
        self.step_key = step_key
        self._writer = SummaryWriter(log_dir=self.log_dir)

    def write(self, metrics: Mapping[str, float | int | None], step: int | None = None) -> None:
        """Write one row: every numeric metric at ``step`` (default: ``metrics[step_key]``).

        Metrics that are missing for this row (``None``, or NaN as a CSV writes an empty
        cell) are skipped rather than drawn as zeros.
        """
        if step is None:
            at = metrics.get(self.step_key)
            if at is None:
                raise ValueError(
                    f"no step given and no {self.step_key!r} in the metrics "
                    f"({', '.join(metrics)}); pass step=..."
                )
            step = int(at)
        for name, value in metrics.items():
            if name == self.step_key or value is None:
                continue
            value = float(value)
            if math.isnan(value):
                continue
            self._writer.add_scalar(name, value, global_step=step)

    def flush(self) -> None:
        """Push everything written so far to the event file."""
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()

    def __enter__(self) -> TensorBoardWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
