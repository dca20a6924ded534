"""One compute thread while a small network trains on the CPU.

A DQN this small trains fastest on one thread: its matrices are a few thousand numbers,
and a second thread only waits on the first. Where the machine is busy (the window
drawing, another run, two of them on two cores) the threads spin-wait on each other:
the fast update path (numpy, :mod:`agents.dqn_update`) ran 25 steps/s instead of 590 on
a 21x23 map with two other runs on the 2-core machine. torch's own threads are set by
``torch.set_num_threads``; numpy's BLAS (OpenBLAS) threads by threadpoolctl, the
library scikit-learn uses for the same thing.
"""

from __future__ import annotations


class OneThread:
    """torch and the BLAS library numpy calls compute on one thread from construction
    until :meth:`restore`, which puts both counts back."""

    def __init__(self) -> None:
        import torch
        from threadpoolctl import threadpool_limits

        self._torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        self._blas = threadpool_limits(1, user_api="blas")

    def restore(self) -> None:
        import torch

        # threadpoolctl puts back every library it saw, torch's OpenMP included (as it
        # was, with one thread): torch's count goes back after it.
        self._blas.restore_original_limits()
        torch.set_num_threads(self._torch_threads)
