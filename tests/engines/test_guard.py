"""The numba backend's compiled balance guard: it flags the path that breaks a check, and a
broken month stops the run with the host's message naming step, node and material."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

import supplysim  # noqa: E402
from supplysim.engines.balance import BalanceLog  # noqa: E402
from supplysim.engines.fused import run as compiled  # noqa: E402
from supplysim.engines.fused.guard import block_guard  # noqa: E402
from supplysim.engines.fused.kernels import uidx  # noqa: E402
from supplysim.errors import InvariantError  # noqa: E402
from supplysim.network import compile_network  # noqa: E402
from supplysim.run import run_chunk  # noqa: E402
from supplysim.seeding import root_seed  # noqa: E402

from guard_cases import P, broken_month  # noqa: E402

pytestmark = pytest.mark.xdist_group("numba")


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_guard_flags_the_broken_path(code):
    bad = np.full(P, -1, np.int8)
    block_guard(uidx(0), P, 0, *broken_month(code), bad, np.empty((2, P)))  # one block
    assert bad.tolist() == [0, 0, code, 0]


def test_a_broken_month_names_step_node_and_material(monkeypatch):
    net = compile_network(supplysim.load_world(), supplysim.load_scenario("baseline_2024"))
    inputs = compiled.month_inputs

    def broken(*args):
        m = inputs(*args)
        if args[5] == 2:  # month 2: path 1's first demand line
            m.dem[0, 1] = np.nan
        return m

    monkeypatch.setattr(compiled, "month_inputs", broken)
    with pytest.raises(InvariantError, match=r"step 2 \(2024-03\): node '.+', material '.+': "
                                             "stock is not finite"):
        run_chunk(net, root_seed(3), 0, 3, BalanceLog(net), months=4, backend="numba")
