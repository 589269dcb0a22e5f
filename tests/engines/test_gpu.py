"""The optional GPU backend (``backend="cuda"``): refused with a clear message where there is no
GPU or no numba; its kernels, run in numba's CUDA simulator (Python, no GPU needed), give the
numpy backend's numbers bit for bit, and a broken balance stops the run with the node named.

The simulator runs in a subprocess, since numba reads ``NUMBA_ENABLE_CUDASIM`` when it first
imports ``numba.cuda``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import supplysim
from supplysim.cli import main
from supplysim.errors import BackendUnavailable

from parallel_helpers import cli_env

pytestmark = pytest.mark.xdist_group("numba")


@pytest.fixture(scope="module")
def no_gpu():
    cuda = pytest.importorskip("numba.cuda")
    if cuda.is_available():
        pytest.skip("this machine has a GPU")


def test_cuda_without_a_gpu_is_refused(no_gpu, tmp_path, capsys):
    with pytest.raises(BackendUnavailable, match="needs an NVIDIA GPU"):
        supplysim.simulate("baseline_2024", runs=8, seed=1, backend="cuda")
    assert main(["run", "baseline_2024", "--runs", "8", "--backend", "cuda", "--quiet",
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "needs an NVIDIA GPU" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_cuda_without_numba_says_what_to_install():
    code = ("import sys; sys.modules['numba'] = None\nimport supplysim\ntry:\n"
            "    supplysim.simulate('baseline_2024', runs=8, seed=1, backend='cuda')\n"
            "except ImportError as exc:\n    print(exc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False, env=cli_env())
    assert 'pip install "supplysim[gpu]"' in proc.stdout, proc.stderr


SIMULATED = """
import warnings
import numpy as np
import supplysim
from supplysim.engines.balance import BalanceLog
from supplysim.errors import ExperimentalWarning
from supplysim.network import compile_network
from supplysim.run import run_chunk
from supplysim.seeding import root_seed

world = supplysim.load_world()
# licences; supply levers; an export quota (active from month 6)
for name in ("china_licensing_2025", "us_japan_framework", "rare_earth_crisis_2010"):
    net = compile_network(world, supplysim.load_scenario(name))
    logs = [BalanceLog(net, keep=True), BalanceLog(net, keep=True)]
    want = run_chunk(net, root_seed(3), 0, 3, logs[0], months=8)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        got = run_chunk(net, root_seed(3), 0, 3, logs[1], months=8, backend="cuda")
    assert any(issubclass(w.category, ExperimentalWarning) for w in seen)
    for key in want:
        assert np.array_equal(want[key], got[key]), (name, key)
    for key, terms in logs[0].terms.items():
        assert all(np.array_equal(a, b) for a, b in zip(terms, logs[1].terms[key])), key
print("same numbers")
"""

GUARD = f"""
import sys
import numpy as np
sys.path.insert(0, {str(Path(__file__).parent)!r})
from guard_cases import P, broken_month
from supplysim.engines.fused import gpu
for code in (0, 1, 2, 3):
    bad = np.full(P, -1, np.int8)
    gpu._compile()["guard"][1, P](0, *broken_month(code), bad, np.empty((2, P)))
    assert bad.tolist() == [0, 0, code, 0], (code, bad.tolist())
print("guard ok")
"""


BROKEN = """
import numpy as np
import supplysim
from supplysim.engines.balance import BalanceLog
from supplysim.engines.fused import gpu
from supplysim.errors import InvariantError
from supplysim.network import compile_network
from supplysim.run import run_chunk
from supplysim.seeding import root_seed

net = compile_network(supplysim.load_world(), supplysim.load_scenario("baseline_2024"))
inputs = gpu.month_inputs
def broken(net, lay, pp, v, books, t, streams):
    m = inputs(net, lay, pp, v, books, t, streams)
    if t == 2:
        m.dem[0, 1] = np.nan  # path 1's first demand line
    return m
gpu.month_inputs = broken
try:
    run_chunk(net, root_seed(3), 0, 3, BalanceLog(net), months=4, backend="cuda")
except InvariantError as exc:
    print("caught:", exc)
"""


@pytest.mark.parametrize("script, printed", [(SIMULATED, "same numbers"), (GUARD, "guard ok"),
                                             (BROKEN, "caught: step 2 (2024-03): node ")],
                         ids=["kernel", "guard", "broken"])
def test_cuda_kernels_in_the_simulator(script, printed):
    pytest.importorskip("numba")
    env = {**cli_env(), "NUMBA_ENABLE_CUDASIM": "1"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600, check=False, env=env, cwd=os.getcwd())
    assert proc.returncode == 0 and printed in proc.stdout, proc.stderr[-3000:]
