"""Runs in local worker processes: the numbers of a run in one process, bad arguments refused."""

from __future__ import annotations

import pytest
from parallel_helpers import assert_same_arrays

import supplysim
from supplysim.cli import main

RUNS, CHUNK, SEED = 1280, 256, 5


def test_worker_processes_give_identical_paths(licensing):
    one = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK)
    two = supplysim.simulate(licensing, runs=RUNS, seed=SEED, chunk_size=CHUNK, workers=2)
    assert_same_arrays(one, two)


def test_worker_processes_give_identical_summaries(licensing):
    # a World object travels to the workers as its tables (minerals carried included)
    kw = dict(runs=RUNS, seed=SEED, chunk_size=CHUNK, store="summary", world=supplysim.load_world())
    one, two = supplysim.simulate(licensing, **kw), supplysim.simulate(licensing, workers=2, **kw)
    for name, sums in one.summaries.sums.items():
        assert (sums == two.summaries.sums[name]).all(), name
    for name, counts in one.summaries.counts.items():
        assert (counts == two.summaries.counts[name]).all(), name


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
