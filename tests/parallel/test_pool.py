"""Runs in local worker processes: the numbers of a run in one process, bad arguments refused."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from parallel_helpers import assert_same_arrays

import supplysim
from supplysim.cli import main
from supplysim.network import compile_network
from supplysim.parallel import pool

RUNS, CHUNK, SEED = 1280, 256, 5


@pytest.fixture(scope="module")
def one_process(licensing):
    return supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK)


def test_worker_processes_give_identical_paths(licensing, one_process):
    two = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, workers=2)
    assert_same_arrays(one_process, two)


def test_worker_processes_give_identical_summaries(licensing):
    # a World object travels to the workers as its tables (minerals carried included)
    kw = dict(runs=RUNS, seed=SEED, chunk_size=CHUNK, store="summary", world=supplysim.load_world())
    one, two = supplysim.simulate(licensing, **kw), supplysim.simulate(licensing, workers=2, **kw)
    for name, sums in one.summaries.sums.items():
        assert (sums == two.summaries.sums[name]).all(), name
    for name, counts in one.summaries.counts.items():
        assert (counts == two.summaries.counts[name]).all(), name


def test_results_come_back_pickled_where_no_slots_can_be_made(licensing, one_process,
                                                              monkeypatch):
    monkeypatch.setattr(pool.Slots, "make", classmethod(lambda cls, count, size: None))
    two = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, workers=2)
    assert_same_arrays(one_process, two)


def test_result_slots_are_removed(licensing, monkeypatch, tmp_path):
    monkeypatch.setattr(pool, "SHM", str(tmp_path))
    world = supplysim.load_world()
    net, plan = compile_network(world, licensing), [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, CHUNK)]

    def run():
        return pool.run_in_processes(2, None, licensing, world.vocabulary(),
                                     np.random.SeedSequence(SEED), plan, "numpy", net)

    assert [chunk for chunk, _ in run()] == plan
    assert list(tmp_path.iterdir()) == []
    # a consumer that stops early (an error while reducing a chunk) leaves nothing either
    items = run()
    chunk, arrays = next(items)
    assert chunk == (0, CHUNK) and not arrays["unmet_t"].flags.writeable
    assert len(list(tmp_path.iterdir())) == 1
    items.close()
    assert list(tmp_path.iterdir()) == []


def test_slots_that_cannot_be_reserved_leave_nothing(monkeypatch, tmp_path):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pool, "SHM", str(tmp_path))
    monkeypatch.setattr(pool.os, "posix_fallocate", full, raising=False)
    assert pool.Slots.make(4, 1 << 20) is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kw", [dict(workers=0), dict(workers=1.5), dict(workers=2, engine="des"),
                                dict(workers=2, client=object())])
def test_bad_workers_are_refused(licensing, kw):
    with pytest.raises(ValueError, match="workers"):
        supplysim.simulate(licensing, runs=8, seed=1, **kw)


def test_cli_workers(tmp_path, capsys):
    assert main(["run", "baseline_2024", "--runs", "600", "--chunk-size", "256", "--workers", "2",
                 "--quiet", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "shortage_curve.csv").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["run", "baseline_2024", "--workers", "0", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["run", "baseline_2024", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1",
                 "--out", str(tmp_path / "other")]) == 2
    assert "--scheduler" in capsys.readouterr().err
