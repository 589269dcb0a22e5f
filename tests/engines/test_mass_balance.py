"""Mass balance holds at every step and node, on every bundled scenario."""

from __future__ import annotations

import numpy as np
import pytest

from supplysim.engines.balance import BalanceLog, check_step
from supplysim.engines.layout import Layout
from supplysim.engines.vector import init_state
from supplysim.errors import InvariantError
from supplysim.run import run_chunk
from supplysim.seeding import Streams, root_seed

import supplysim

BUNDLED = [name for name, _ in supplysim.list_scenarios()]


@pytest.mark.parametrize("name", BUNDLED)
def test_every_node_balances_every_month(networks, name):
    net = networks[name]
    log = BalanceLog(net, keep=True)
    run_chunk(net, root_seed(3), 0, 256, log)
    t = {k: np.stack(v) for k, v in log.terms.items()}  # (months, paths, nodes)
    lhs = t["start"] + t["inflow"]
    rhs = t["outflow"] + t["end"] + t["losses"]
    scale = np.abs(lhs) + np.abs(rhs) + 1.0
    assert t["start"].shape == (net.n_months, 256, net.n_nodes)
    assert np.all(np.abs(lhs - rhs) <= 1e-7 * scale)
    assert np.all(t["end"] >= -1e-6)
    # stock at the end of a month is the start of the next
    np.testing.assert_allclose(t["end"][:-1], t["start"][1:], rtol=1e-12, atol=1e-9)


def test_a_broken_balance_is_reported_with_step_node_and_material(networks):
    net = networks["baseline_2024"]
    lay = Layout.of(net)
    state, _ = init_state(net, lay, 256, Streams(root_seed(0), 0, 256))
    start = state.stock_t.copy()
    zero = np.zeros_like(start)
    state.stock_t[:, 5] += 1.0  # one tonne appears from nowhere
    with pytest.raises(InvariantError, match=r"step 0 \(2024-01\): node '.+', material '.+': mass balance broken"):
        check_step(BalanceLog(net), state, lay, start, zero, zero, zero,
                   np.zeros((256, lay.n_links)), zero, 0)


def test_negative_stock_is_reported(networks):
    net = networks["baseline_2024"]
    lay = Layout.of(net)
    state, _ = init_state(net, lay, 256, Streams(root_seed(0), 0, 256))
    state.stock_t[:, 3] = -5.0
    start = state.stock_t.copy()
    zero = np.zeros_like(start)
    with pytest.raises(InvariantError, match="stock is negative"):
        check_step(BalanceLog(net), state, lay, start, zero, zero, zero,
                   np.zeros((256, lay.n_links)), zero, 0)
