"""Run the chunks of a simulation in worker processes on this machine.

Each chunk is a task of :mod:`supplysim.parallel.tasks`; results come back in plan order, so
the numbers are those of a run in one process. As with any use of :mod:`multiprocessing`, a
script that runs chunks in processes needs the ``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import multiprocessing
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
    compiled backend has run in this process (see
    :func:`supplysim.engines.backends.fork_is_safe`).
    """
    wp, sp, entropy, spawn = task_inputs(world, scenario, vocab, root)
    chunks = iter(plan)
    context = None if fork_is_safe() else multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
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
