"""Run the chunks of a simulation on a Dask cluster.

Each chunk is one pure task of :mod:`supplysim.parallel.tasks`. Nothing is scattered, so when a
worker is lost the scheduler recomputes its tasks from their arguments on another worker. Dask
is imported inside the functions only.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version as _pkg_version
from typing import Any

import numpy as np

from supplysim.parallel.tasks import run_chunk_task, task_inputs


def run_on_cluster(client: Any, world: Any, scenario: Any, vocab: Any,
                   root: np.random.SeedSequence, plan: list[tuple[int, int]],
                   on_done: Callable[[tuple[int, int], dict], None] | None = None,
                   keep: bool = True, backend: str = "numpy"
                   ) -> dict[tuple[int, int], dict[str, np.ndarray]]:
    """Run the chunks of ``plan`` on ``client``'s cluster.

    Parameters
    ----------
    client : distributed.Client
        A connected client.
    world : World or None
        The world (None: the embedded one).
    scenario : Scenario
        The validated scenario.
    vocab : Vocabulary
        The world's vocabulary.
    root : numpy.random.SeedSequence
        Root seed.
    plan : list of (int, int)
        Chunks to run.
    on_done : callable, optional
        Called with ``(chunk, arrays)`` as each chunk arrives (e.g. to checkpoint it).
    keep : bool
        Return the arrays; False drops each chunk after ``on_done`` (streamed summaries).
    backend : str
        Backend that runs the chunks on the workers (see :mod:`supplysim.engines.backends`);
        the workers need its dependencies.

    Returns
    -------
    dict
        Arrays by chunk (empty when ``keep`` is False).
    """
    from dask.base import tokenize
    from distributed import as_completed

    wp, sp, entropy, spawn = task_inputs(world, scenario, vocab, root)
    ident = tokenize(wp, sp, entropy, spawn, backend, _pkg_version("supplysim"))
    futures = {
        client.submit(run_chunk_task, wp, sp, entropy, first, n, spawn, backend, pure=True,
                      key=f"supplysim-chunk-{ident}-{first}-{n}"): (first, n)
        for first, n in plan
    }
    out = {}
    for future in as_completed(list(futures)):
        arrays = future.result()
        chunk = futures[future]
        if keep:
            out[chunk] = arrays
        if on_done is not None:
            on_done(chunk, arrays)
        future.release()
    return out
