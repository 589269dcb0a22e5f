"""Dask cluster runs: identical numbers to a local run, also when a worker is lost mid-run."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from parallel_helpers import assert_same_arrays

import supplysim

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

RUNS, CHUNK, SEED = 3072, 256, 11


@pytest.fixture(scope="module")
def client():
    """A 2-worker local cluster (worker processes without the malloc trim setting, which makes
    numpy's large temporaries several times slower), its dashboard on a free port: a cluster of
    the other test worker may hold the default one."""
    env = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
           if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0") as cluster:
            with distributed.Client(cluster) as c:
                yield c


@pytest.fixture(scope="module")
def reference(licensing):
    return supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK)


def test_cluster_run_is_identical(client, licensing, reference):
    res = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, client=client)
    assert_same_arrays(reference, res)
    assert res.meta["chunks"] == RUNS // CHUNK


def _kill_a_busy_worker(client, folder, killed, stop):
    """After the first chunk file appears, end a worker that is running a chunk."""
    while not stop.is_set():
        if any(folder.glob("chunk_*.npz")):
            busy = [addr for addr, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(busy[0])
                return
        time.sleep(0.01)


def test_lost_worker_still_gives_identical_results(client, licensing, reference, tmp_path):
    killed: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=_kill_a_busy_worker,
                              args=(client, tmp_path, killed, stop), daemon=True)
    thread.start()
    try:
        res = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK,
                                 client=client, checkpoint=tmp_path)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert killed, "no worker was killed mid-run"
    assert killed[0] not in client.scheduler_info()["workers"]
    assert_same_arrays(reference, res)
    assert len(list(tmp_path.glob("chunk_*.npz"))) == RUNS // CHUNK


def test_cluster_resumes_a_checkpoint(client, licensing, reference, tmp_path):
    supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, checkpoint=tmp_path)
    for name in ("chunk_0_256.npz", "chunk_2816_256.npz"):
        (tmp_path / name).unlink()
    res = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, client=client,
                             checkpoint=tmp_path)
    assert res.meta["resumed_chunks"] == RUNS // CHUNK - 2
    assert_same_arrays(reference, res)


def test_no_dask_import_at_import_time():
    import subprocess
    import sys

    code = ("import sys, supplysim, supplysim.parallel, supplysim.cli; "
            "print(any(m == 'dask' or m.startswith(('dask.', 'distributed')) "
            "for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_cluster_streamed_summaries_equal_local_ones(client, licensing):
    kw = dict(runs=1024, seed=SEED, chunk_size=CHUNK, store="summary")
    local = supplysim.simulate(licensing, **kw)
    remote = supplysim.simulate(licensing, client=client, **kw)
    assert remote.summaries.paths == 1024
    for name, counts in local.summaries.counts.items():
        assert (counts == remote.summaries.counts[name]).all(), name
    for name, sums in local.summaries.sums.items():
        assert abs(sums - remote.summaries.sums[name]).max() <= 1e-9 * (1 + abs(sums).max())
