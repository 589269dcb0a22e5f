"""Run the chunks of a simulation in worker processes on this machine.

Each chunk is a task of :mod:`supplysim.parallel.tasks`; results come back in plan order, so
the numbers are those of a run in one process. As with any use of :mod:`multiprocessing`, a
script that runs chunks in processes needs the ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from supplysim.engines.backends import fork_is_safe
from supplysim.parallel.tasks import run_chunk_task, task_inputs


def run_in_processes(workers: int, world: Any, scenario: Any, vocab: Any,
                     root: np.random.SeedSequence, plan: list[tuple[int, int]],
                     backend: str = "numpy"
                     ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Yield ``(chunk, arrays)`` for every chunk of ``plan``, in order, from ``workers`` processes.

    At most ``2 * workers`` chunks are running or waiting to be taken, so memory stays bounded
    whatever the number of chunks. Arguments as :func:`supplysim.parallel.dask.run_on_cluster`.
    The workers are forked where the platform does, but started afresh (``spawn``) once the
    compiled backend is loaded in this process (see
    :func:`supplysim.engines.backends.fork_is_safe`). On the compiled backend each worker runs
    ``cpus // workers`` threads unless ``NUMBA_NUM_THREADS`` is set.
    """
    wp, sp, entropy, spawn = task_inputs(world, scenario, vocab, root)
    chunks = iter(plan)
    context = None if fork_is_safe() else multiprocessing.get_context("spawn")
    setup = (_share_cores, (workers,)) if backend != "numpy" else (None, ())
    with ProcessPoolExecutor(workers, mp_context=context, initializer=setup[0],
                             initargs=setup[1]) as pool:
        pending: deque = deque()

        def submit_next() -> None:
            for first, n in chunks:
                future = pool.submit(run_chunk_task, wp, sp, entropy, first, n, spawn, backend)
                pending.append(((first, n), future))
                return

        for _ in range(2 * workers):
            submit_next()
        while pending:
            chunk, future = pending.popleft()
            arrays = future.result()
            submit_next()
            yield chunk, arrays


def _share_cores(workers: int) -> None:
    """Worker initializer: the compiled month's threads share the machine's cores among
    ``workers`` processes (read by numba when the worker first imports it)."""
    os.environ.setdefault("NUMBA_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
