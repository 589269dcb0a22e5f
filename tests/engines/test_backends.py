"""Backends: the numba backend gives the numpy backend's numbers bit for bit, wherever the
chunks run; bad names and a missing numba are refused with a clear message.

The first numba compile of a process takes about a minute (then the on-disk cache is used), so
every test that compiles the backend runs in one xdist group: one worker compiles it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import supplysim
from supplysim.cli import main
from supplysim.engines.balance import BalanceLog
from supplysim.engines.layout import Layout
from supplysim.run import run_chunk
from supplysim.seeding import root_seed

from parallel_helpers import assert_same_arrays, cli_env

BUNDLED = [name for name, _ in supplysim.list_scenarios()]
SCENARIO, RUNS, CHUNK, SEED = "china_licensing_2025", 512, 256, 13
pytestmark = pytest.mark.xdist_group("numba")


@pytest.fixture(scope="module")
def numba():
    return pytest.importorskip("numba")


@pytest.fixture(scope="module")
def numpy_run():
    """The numpy backend's paths of :data:`SCENARIO` in two chunks."""
    return supplysim.simulate(SCENARIO, runs=RUNS, seed=SEED, chunk_size=CHUNK)


def _same_results(a, b) -> None:
    assert_same_arrays(a, b)
    pd.testing.assert_frame_equal(a.shortage_curve(), b.shortage_curve(), check_exact=True)
    pd.testing.assert_frame_equal(a.flows(), b.flows(), check_exact=True)


@pytest.mark.parametrize("name", BUNDLED)
def test_chunk_is_identical_on_every_scenario(numba, networks, name):
    net = networks[name]
    lay = Layout.of(net)
    want = run_chunk(net, root_seed(7), 0, 256, BalanceLog(net), lay)
    got = run_chunk(net, root_seed(7), 0, 256, BalanceLog(net), lay, backend="numba")
    assert set(got) == set(want)
    for key, a in want.items():
        assert got[key].shape == (256, net.n_months, a.shape[2]) and got[key].dtype == a.dtype
        np.testing.assert_array_equal(got[key], a, err_msg=key)


def test_simulate_in_chunks_is_identical(numba, numpy_run):
    res = supplysim.simulate(SCENARIO, runs=RUNS, seed=SEED, chunk_size=CHUNK, backend="numba")
    assert res.meta["chunks"] == 2 and res.meta["backend"] == "numba"
    _same_results(numpy_run, res)


def test_worker_processes_are_identical(numba, numpy_run):
    res = supplysim.simulate(SCENARIO, runs=RUNS, seed=SEED, chunk_size=CHUNK, backend="numba",
                             workers=2)
    _same_results(numpy_run, res)


def test_streamed_summary_is_identical(numba):
    kw = dict(runs=RUNS, seed=SEED, chunk_size=CHUNK, store="summary")
    one = supplysim.simulate(SCENARIO, **kw)
    two = supplysim.simulate(SCENARIO, backend="numba", **kw)
    assert two.meta["backend"] == "numba"
    for name, sums in one.summaries.sums.items():
        np.testing.assert_array_equal(sums, two.summaries.sums[name], err_msg=name)
    for name, counts in one.summaries.counts.items():
        np.testing.assert_array_equal(counts, two.summaries.counts[name], err_msg=name)
    pd.testing.assert_frame_equal(one.shortage_curve(), two.shortage_curve(), check_exact=True)


def test_numba_resumes_a_numpy_checkpoint(numba, numpy_run, tmp_path):
    kw = dict(runs=RUNS, seed=SEED, chunk_size=CHUNK, checkpoint=tmp_path)
    supplysim.simulate(SCENARIO, **kw)
    (tmp_path / f"chunk_{CHUNK}_{CHUNK}.npz").unlink()
    res = supplysim.simulate(SCENARIO, backend="numba", **kw)
    assert res.meta["resumed_chunks"] == 1
    _same_results(numpy_run, res)


def test_dask_run_is_identical(numba, numpy_run):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=":0") as client:
        res = supplysim.simulate(SCENARIO, runs=RUNS, seed=SEED, chunk_size=CHUNK,
                                 backend="numba", client=client)
    _same_results(numpy_run, res)


def test_unknown_backend_is_refused(networks):
    with pytest.raises(ValueError, match=r"unknown backend 'fortran'; available: 'numpy', 'numba', 'cuda'"):
        supplysim.simulate(SCENARIO, runs=8, seed=1, backend="fortran")
    with pytest.raises(ValueError, match="unknown backend"):
        run_chunk(networks["baseline_2024"], root_seed(1), 0, 8, backend="fortran")


def test_des_has_no_backends():
    with pytest.raises(ValueError, match="engine='vector' only"):
        supplysim.simulate(SCENARIO, runs=8, seed=1, engine="des", backend="numba")


def test_cli_backend(numba, tmp_path, capsys):
    assert main(["run", "baseline_2024", "--runs", "64", "--backend", "numba", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert (tmp_path / "shortage_curve.csv").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["run", "baseline_2024", "--backend", "nope", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "--backend" in capsys.readouterr().err


MISSING_NUMBA = """
import sys
sys.modules["numba"] = None  # import numba raises ImportError
import supplysim
from supplysim.cli import main
try:
    supplysim.simulate("baseline_2024", runs=8, seed=1, backend="numba")
except ImportError as exc:
    print(exc)
sys.exit(main(["run", "baseline_2024", "--runs", "8", "--backend", "numba", "--quiet",
               "--out", sys.argv[1]]))
"""


def test_missing_numba_says_what_to_install(tmp_path):
    proc = subprocess.run([sys.executable, "-c", MISSING_NUMBA, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300, check=False,
                          env=cli_env())
    hint = 'pip install "supplysim[numba]"'
    assert hint in proc.stdout, proc.stderr
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert err.startswith("error: ") and hint in err and "\n" not in err
    assert not (tmp_path / "out").exists()
