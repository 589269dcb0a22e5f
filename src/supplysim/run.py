"""``simulate``: compile, run the paths in chunks of whole random blocks, label the results."""

from __future__ import annotations

import time
from importlib.metadata import version as _pkg_version

import numpy as np
import pandas as pd

from supplysim.engines.backends import check_backend, compiled_runner
from supplysim.engines.balance import BalanceLog
from supplysim.engines.layout import Layout
from supplysim.engines.vector import init_state, step
from supplysim.network import Network, compile_network
from supplysim.parallel.chunks import (DEFAULT_CHUNK, OUTPUTS, chunk_length, chunk_plan,
                                       new_outputs, rows_of)
from supplysim.results import Results
from supplysim.results.dataset import to_dataset
from supplysim.seeding import SeedLike, Streams, root_seed

__all__ = ["DEFAULT_CHUNK", "chunk_plan", "run_chunk", "simulate", "to_dataset"]

def run_chunk(net: Network, root: np.random.SeedSequence, first: int, n: int,
              log: BalanceLog | None = None, layout: Layout | None = None,
              months: int | None = None, backend: str = "numpy",
              out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Simulate paths ``[first, first + n)``; arrays shaped (paths, months, k), float32.

    The result depends on ``net``, ``root``, ``first`` and ``n`` only (``first`` is a multiple
    of the random block size), so chunks can run anywhere and in any order. ``months`` stops
    after the first months of the horizon (default: all of them). ``backend`` is one of
    :data:`~supplysim.engines.backends.BACKENDS`; all give the same numbers. ``out``, zeroed
    arrays of :func:`~supplysim.parallel.chunks.new_outputs` (e.g. rows of a whole run's
    arrays), receives the result, which is then ``out`` itself.
    """
    lay = layout or Layout.of(net)
    T = net.n_months if months is None else months
    out = out if out is not None else new_outputs(net, lay, n, T)
    compiled = compiled_runner(backend)
    if compiled is not None:
        return compiled(net, root, first, n, lay, T, log, out)
    streams = Streams(root, first, n)
    state, pp = init_state(net, lay, n, streams)
    for t in range(T):
        rec = step(state, net, lay, pp, streams, log)
        for name in OUTPUTS:
            out[name][:, t] = getattr(rec, name)
    return out


def simulate(scenario, runs: int = 1000, seed: SeedLike = None, chunk_size: int | None = None,
             engine: str = "vector", progress: bool = False, world=None, checkpoint=None,
             restart: bool = False, client=None, store="paths", workers: int = 1,
             backend: str = "numpy"):
    """Run ``runs`` Monte Carlo paths of a scenario and return labelled :class:`Results`.

    Parameters
    ----------
    scenario : Scenario or str
        A loaded scenario, or a bundled name / path for :func:`supplysim.load_scenario`.
    runs : int
        Number of paths.
    seed : int, SeedSequence or None
        Root seed; the same seed gives the same numbers whatever ``chunk_size``.
    chunk_size : int, optional
        Paths per chunk (rounded up to whole blocks of 256; default 1,024, fewer for networks
        of over 384 links); changes memory and speed, never numbers.
    engine : {"vector", "des"}
        The engine to run: the monthly numpy engine, or a discrete-event (SimPy) simulation of
        each path (see :mod:`supplysim.engines.des`; ``chunk_size`` does not apply, and
        :meth:`Results.events` returns its event log).
    progress : bool
        Show a progress bar over chunks.
    world : World, optional
        World data (default: the embedded 2024 world).
    checkpoint : path-like, optional
        Folder where each finished chunk is saved; a run with the same scenario, seed, runs and
        chunk size resumes from it (see :mod:`supplysim.parallel.checkpoint`). With
        ``seed=None`` the seed is drawn once and recorded there.
    restart : bool
        Discard a checkpoint of a different run instead of raising ``CheckpointError``.
    client : distributed.Client, optional
        Run the chunks as tasks on this Dask cluster (see :mod:`supplysim.parallel.dask`);
        the numbers are those of a local run.
    store : {"paths", "summary"} or SummarySpec
        ``"paths"`` keeps every path's monthly arrays and returns :class:`Results`;
        ``"summary"`` (or a :class:`~supplysim.results.streaming.SummarySpec`) reduces each
        finished chunk into running sums, exact exceedance counts and fixed-bin histograms and
        returns :class:`~supplysim.results.summary.SummaryResults`, whose memory does not grow
        with ``runs`` (vector engine only).
    workers : int
        Worker processes on this machine that run the chunks (vector engine, no ``client``);
        the numbers are those of ``workers=1``. Scripts need the ``__main__`` guard.
    backend : {"numpy", "numba", "cuda"}
        What runs the vector engine's months, in this process, in ``workers``, on a Dask
        cluster, with checkpoints and streamed summaries alike: ``"numpy"`` (array operations
        over a whole chunk) or ``"numba"``, the same month compiled to one loop over paths,
        whose numbers equal numpy's bit for bit. ``"numba"`` needs the optional extra
        (``pip install "supplysim[numba]"``); the first call in a fresh installation compiles
        for about a minute and caches the machine code next to the package (numba
        ``cache=True``), later processes load it. Its threads share the cores among
        ``workers``; Dask workers need numba too. ``"cuda"`` runs the compiled month on an
        NVIDIA GPU, one thread per path, in chunks of 65,536 paths by default (extra
        ``"supplysim[gpu]"``; experimental: its rounding differs, which separates single
        paths, and its distributions equal the others'). Not for ``engine="des"``.

    Returns
    -------
    Results or SummaryResults
        The labelled results.
    """
    from supplysim import load_scenario, load_world

    if engine not in ("vector", "des"):
        raise ValueError(f"unknown engine {engine!r}; available: 'vector', 'des'")
    if check_backend(backend) != "numpy" and engine != "vector":
        raise ValueError(f"backend={backend!r} applies to engine='vector' only")
    compiled_runner(backend)  # a missing numba is reported before anything runs
    spec = _summary_spec(store)
    if spec is not None and engine != "vector":
        raise ValueError("store='summary' applies to engine='vector' only")
    if isinstance(scenario, str):
        scenario = load_scenario(scenario)
    given_world, world = world, world or load_world()
    t0 = time.perf_counter()
    net = compile_network(world, scenario)
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")
    if workers > 1 and client is not None:
        raise ValueError("workers applies to runs on this machine; a Dask client has its own")
    if engine == "des":
        if checkpoint is not None or client is not None or workers > 1:
            raise ValueError("checkpoint, client and workers apply to engine='vector' only")
        return _simulate_des(net, scenario, root_seed(seed), runs, t0)
    plan = chunk_plan(runs, chunk_size, len(net.links), backend)
    ckpt = None
    if checkpoint is not None:
        from supplysim.parallel.checkpoint import Checkpoint

        ckpt = Checkpoint.open(checkpoint, scenario_name=scenario.name,
                               scenario_hash=scenario.hash, seed=seed, runs=runs,
                               chunk_size=chunk_length(chunk_size, len(net.links), backend),
                               restart=restart)
    root = ckpt.root if ckpt is not None else root_seed(seed)
    save = (lambda c, a: ckpt.save(*c, a)) if ckpt is not None else None
    if spec is not None:
        acc, resumed = _run_summary(net, root, plan, ckpt, save, spec, client, given_world,
                                    world, scenario, progress, workers, backend)
        return _summary_results(net, acc, root, plan, runs, t0, scenario, ckpt, resumed,
                                backend)
    lay = Layout.of(net)
    arrays = new_outputs(net, lay, runs, net.n_months)  # chunks fill their rows

    def place(chunk, got, new=True):
        rows = rows_of(arrays, chunk)
        for k, a in rows.items():
            if not np.may_share_memory(a, got[k]):  # not written in place
                a[...] = got[k]
        if new and save is not None:
            save(chunk, rows)

    parts = ckpt.load_done(plan) if ckpt is not None else {}
    for chunk, got in parts.items():
        place(chunk, got, new=False)
    todo = [c for c in plan if c not in parts]
    resumed = len(parts)
    del parts
    if client is not None:
        from supplysim.parallel.dask import run_on_cluster

        run_on_cluster(client, given_world, scenario, world.vocabulary(), root, todo, place,
                       keep=False, backend=backend)
    else:
        for chunk, got in _local_chunks(net, root, todo, workers, given_world, world,
                                        scenario, progress, backend, lay, arrays):
            place(chunk, got)
    seconds = time.perf_counter() - t0
    ds = to_dataset(net, arrays, seed=root.entropy, chunk_size=plan[0][1])
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine=engine, backend=backend,
                chunks=len(plan), node_steps_per_s=runs * net.n_months * net.n_nodes / seconds)
    if ckpt is not None:
        meta.update(checkpoint=str(ckpt.folder), resumed_chunks=resumed)
    return Results(ds, meta)


def _summary_spec(store):
    """The :class:`SummarySpec` of a ``store`` argument, None for per-path arrays."""
    from supplysim.results.streaming import SummarySpec

    if isinstance(store, SummarySpec):
        return store
    if store == "summary":
        return SummarySpec()
    if store == "paths":
        return None
    raise ValueError(f"store must be 'paths', 'summary' or a SummarySpec, got {store!r}")


def _run_summary(net: Network, root, plan, ckpt, save, spec, client, given_world, world,
                 scenario, progress: bool, workers: int, backend: str):
    """Reduce every chunk of ``plan`` into a :class:`SummaryAccumulator` and drop it.

    Chunks finished in the checkpoint ``ckpt`` are loaded and reduced one at a time; the others
    run (locally or on ``client``'s cluster) and are reduced in the order they finish.
    Returns the accumulator and the number of chunks taken from the checkpoint.
    """
    from supplysim.results.streaming import SummaryAccumulator

    d = net.demand
    acc = SummaryAccumulator.of(d.region.to_numpy(str), d.sector.to_numpy(str),
                                d.material.to_numpy(str), net.n_months, len(net.flows),
                                len(net.stockpiles), spec, d.mineral.to_numpy(str))
    todo = []
    for chunk in plan:
        arrays = ckpt.load(*chunk) if ckpt is not None else None
        if arrays is None:
            todo.append(chunk)
        else:
            acc.add(arrays)
    resumed = len(plan) - len(todo)

    def done(chunk, arrays):
        if save is not None:
            save(chunk, arrays)
        acc.add(arrays)

    if client is not None:
        from supplysim.parallel.dask import run_on_cluster

        run_on_cluster(client, given_world, scenario, world.vocabulary(), root, todo, done,
                       keep=False, backend=backend)
        return acc, resumed
    for chunk, arrays in _local_chunks(net, root, todo, workers, given_world, world, scenario,
                                       progress, backend):
        done(chunk, arrays)
    return acc, resumed


def _summary_results(net: Network, acc, root, plan, runs: int, t0: float, scenario, ckpt,
                     resumed: int, backend: str):
    """Label an accumulator as :class:`SummaryResults`."""
    from supplysim.results.summary import SummaryResults

    seconds = time.perf_counter() - t0
    sp = net.stockpiles
    labels = dict(months=pd.DatetimeIndex(net.months),
                  flows=net.flows[["exporter", "destination", "material"]],
                  stockpiles=sp[["name", "holder", "material"]])
    attrs = dict(scenario=net.scenario_name, scenario_hash=net.scenario_hash,
                 seed=str(root.entropy), version=_pkg_version("supplysim"), engine="vector",
                 chunk_size=plan[0][1])
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine="vector", backend=backend,
                chunks=len(plan), node_steps_per_s=runs * net.n_months * net.n_nodes / seconds,
                store="summary", summary_bytes=acc.nbytes())
    if ckpt is not None:
        meta.update(checkpoint=str(ckpt.folder), resumed_chunks=resumed)
    mean_arrays = {k: (v / acc.paths)[None].astype(np.float32) for k, v in acc.raw.items()}
    means = Results(to_dataset(net, mean_arrays, root.entropy, plan[0][1]), dict(meta, paths=1))
    return SummaryResults(acc, labels, attrs, meta, means)


def _local_chunks(net: Network, root, todo, workers: int, given_world, world, scenario,
                  progress: bool, backend: str, lay: Layout | None = None, arrays=None):
    """``(chunk, arrays)`` of every chunk of ``todo`` in order, run here or in worker processes;
    a chunk run here fills its rows of the run's ``arrays`` if given (see :func:`run_chunk`)."""
    if workers > 1 and len(todo) > 1:
        from supplysim.parallel.pool import run_in_processes

        items = run_in_processes(workers, given_world, scenario, world.vocabulary(), root, todo,
                                 backend, net)
    else:
        lay = lay or Layout.of(net)
        items = ((chunk, run_chunk(net, root, *chunk, BalanceLog(net), lay, backend=backend,
                                   out=rows_of(arrays, chunk) if arrays else None))
                 for chunk in todo)
    return _progress(items, progress, scenario.name, len(todo))


def _simulate_des(net: Network, scenario, root, runs: int, t0: float) -> Results:
    """Run the discrete-event engine and label its monthly books like the vector engine's."""
    from supplysim.engines.des import run_des

    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    arrays, events = run_des(net, scenario, root, runs)
    seconds = time.perf_counter() - t0
    ds = to_dataset(net, arrays, seed=root.entropy, chunk_size=runs)
    ds.attrs["engine"] = "des"
    meta = dict(paths=runs, steps=net.n_months, nodes=net.n_nodes, seconds=seconds,
                scenario=scenario.name, seed=str(root.entropy), engine="des", chunks=1,
                node_steps_per_s=runs * net.n_months * net.n_nodes / seconds)
    return Results(ds, meta, events=events)


def _progress(items, show: bool, name: str, total: int):
    if not show:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=name, unit="chunk", total=total)
