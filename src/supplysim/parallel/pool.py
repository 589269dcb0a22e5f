"""Run the chunks of a simulation in worker processes on this machine.

Each chunk is a task of :mod:`supplysim.parallel.tasks`; results come back in plan order, so
the numbers are those of a run in one process. As with any use of :mod:`multiprocessing`, a
script that runs chunks in processes needs the ``if __name__ == "__main__":`` guard.

Where the machine has a memory-backed ``/dev/shm`` with room, a worker writes its chunk's
arrays straight into one of a few result slots there (files mapped by both processes), and the
parent reads them in place. Otherwise, or on other systems, the arrays come back pickled
through a pipe, which costs the parent about 0.07 s per chunk of 1,024 paths x 36 months.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from supplysim.engines.backends import fork_is_safe
from supplysim.parallel.tasks import _network, run_chunk_task, task_inputs

#: Where result slots are made: a memory-backed file system on Linux.
SHM = "/dev/shm"


def run_in_processes(workers: int, world: Any, scenario: Any, vocab: Any,
                     root: np.random.SeedSequence, plan: list[tuple[int, int]],
                     backend: str = "numpy", net: Any = None
                     ) -> Iterator[tuple[tuple[int, int], dict[str, np.ndarray]]]:
    """Yield ``(chunk, arrays)`` for every chunk of ``plan``, in order, from ``workers`` processes.

    At most ``2 * workers`` chunks are running or waiting to be taken, so memory stays bounded
    whatever the number of chunks. Arguments as :func:`supplysim.parallel.dask.run_on_cluster`;
    ``net``, the compiled network, gives the arrays' shapes (compiled here if None). The
    workers are forked where the platform does, but started afresh (``spawn``) once the
    compiled backend is loaded in this process (see
    :func:`supplysim.engines.backends.fork_is_safe`). On the compiled backend each worker runs
    ``cpus // workers`` threads unless ``NUMBA_NUM_THREADS`` is set.

    The arrays may be read-only views of a result slot, valid until the next chunk is asked
    for: copy what is kept.
    """
    wp, sp, entropy, spawn = task_inputs(world, scenario, vocab, root)
    shapes = slot_shapes(net if net is not None else _network(wp, sp))
    n_max = max((n for _, n in plan), default=0)
    slots = Slots.make(2 * workers, slot_bytes(shapes, n_max))
    chunks = iter(plan)
    context = None if fork_is_safe() else multiprocessing.get_context("spawn")
    setup = (_share_cores, (workers,)) if backend != "numpy" else (None, ())
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=setup[0],
                                 initargs=setup[1]) as pool:
            pending: deque = deque()

            def submit_next() -> None:
                for first, n in chunks:
                    task, slot = (wp, sp, entropy, first, n, spawn, backend), None
                    if slots is None:
                        future = pool.submit(run_chunk_task, *task)
                    else:
                        slot = slots.free.pop()
                        future = pool.submit(run_into_slot, slots.path(slot), shapes, task)
                    pending.append(((first, n), future, slot))
                    return

            for _ in range(2 * workers):
                submit_next()
            while pending:
                chunk, future, slot = pending.popleft()
                arrays = future.result()
                if slot is None:
                    submit_next()
                    yield chunk, arrays
                    continue
                yield chunk, slot_views(slots.read(slot), shapes, chunk[1])
                slots.free.append(slot)
                submit_next()
    finally:
        if slots is not None:
            slots.remove()


def slot_shapes(net: Any) -> dict[str, tuple[int, ...]]:
    """Shape of one path of each output array (months, k), as ``run_chunk`` writes them."""
    from supplysim.engines.layout import Layout
    from supplysim.parallel.chunks import new_outputs

    return {k: a.shape[1:] for k, a in new_outputs(net, Layout.of(net), 1, net.n_months).items()}


def slot_bytes(shapes: dict[str, tuple[int, ...]], n: int) -> int:
    """Bytes of the float32 output arrays of ``n`` paths [B]."""
    return n * 4 * sum(int(np.prod(s)) for s in shapes.values())


def slot_views(buf: np.ndarray, shapes: dict[str, tuple[int, ...]], n: int
               ) -> dict[str, np.ndarray]:
    """The output arrays of ``n`` paths laid one after the other in the bytes ``buf``."""
    out, offset = {}, 0
    for k, s in shapes.items():
        size = n * 4 * int(np.prod(s))
        out[k] = buf[offset:offset + size].view(np.float32).reshape(n, *s)
        offset += size
    return out


def run_into_slot(path: str, shapes: dict[str, tuple[int, ...]], task: tuple) -> None:
    """Run a chunk task (the arguments of :func:`run_chunk_task`) on a worker, writing its
    arrays into the result slot at ``path``."""
    n = task[4]
    out = slot_views(np.memmap(path, np.uint8, mode="r+"), shapes, n)
    for a in out.values():
        a.fill(0.0)  # run_chunk writes into zeroed arrays
    run_chunk_task(*task, out=out)


class Slots:
    """Result slots: files of ``size`` bytes in a fresh folder of :data:`SHM`, and which are
    free. The files' memory is reserved up front where the system allows, so a full ``SHM``
    shows here rather than as a worker killed by ``SIGBUS`` mid-chunk."""

    def __init__(self, folder: str, count: int, size: int) -> None:
        self.folder, self.free = folder, list(range(count))
        self.maps: dict[int, np.ndarray] = {}
        for i in self.free:
            with open(self.path(i), "wb") as f:
                f.truncate(size)
                if hasattr(os, "posix_fallocate"):
                    os.posix_fallocate(f.fileno(), 0, size)

    @classmethod
    def make(cls, count: int, size: int) -> Slots | None:
        """Slots in :data:`SHM` if it has room for twice them; None where it has not, where it
        is missing or refuses the files, or where the slots are empty."""
        if size == 0 or not os.path.isdir(SHM):
            return None
        try:
            st = os.statvfs(SHM)
            if st.f_bavail * st.f_frsize < 2 * count * size:
                return None
            folder = tempfile.mkdtemp(prefix="supplysim-", dir=SHM)
        except OSError:
            return None
        try:
            return cls(folder, count, size)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return None

    def path(self, slot: int) -> str:
        """File of slot ``slot``."""
        return os.path.join(self.folder, f"slot{slot}")

    def read(self, slot: int) -> np.ndarray:
        """The bytes of slot ``slot``, read-only, mapped once."""
        if slot not in self.maps:
            self.maps[slot] = np.memmap(self.path(slot), np.uint8, mode="r").view(np.ndarray)
        return self.maps[slot]

    def remove(self) -> None:
        """Delete the files (views already handed out stay readable until dropped)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _share_cores(workers: int) -> None:
    """Worker initializer: the compiled month's threads share the machine's cores among
    ``workers`` processes (read by numba when the worker first imports it)."""
    os.environ.setdefault("NUMBA_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
