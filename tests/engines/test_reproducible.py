"""The same seed gives the same numbers, whatever the chunk size; other seeds differ."""

from __future__ import annotations

import numpy as np
import pytest

import supplysim


@pytest.fixture(scope="module")
def scenario():
    return supplysim.load_scenario("china_licensing_2025")


def _arrays(res):
    return {k: res.ds[k].values for k in ("demand_t", "unmet_t", "shipped_t", "stockpile_t")}


def test_same_seed_same_numbers(scenario):
    a = _arrays(supplysim.simulate(scenario, runs=300, seed=11))
    b = _arrays(supplysim.simulate(scenario, runs=300, seed=11))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_chunk_size_does_not_change_numbers(scenario):
    a = _arrays(supplysim.simulate(scenario, runs=600, seed=5, chunk_size=256))
    b = _arrays(supplysim.simulate(scenario, runs=600, seed=5, chunk_size=4096))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_more_runs_keep_the_first_paths(scenario):
    a = _arrays(supplysim.simulate(scenario, runs=300, seed=5))
    b = _arrays(supplysim.simulate(scenario, runs=520, seed=5))
    for k in a:
        np.testing.assert_array_equal(a[k], b[k][:300])


def test_other_seed_other_numbers(scenario):
    a = supplysim.simulate(scenario, runs=256, seed=1).ds.unmet_t.values
    b = supplysim.simulate(scenario, runs=256, seed=2).ds.unmet_t.values
    assert not np.array_equal(a, b)


def test_seed_is_recorded(scenario):
    res = supplysim.simulate(scenario, runs=256, seed=42)
    assert res.ds.attrs["seed"] == "42"
    assert res.ds.attrs["scenario_hash"] == scenario.hash


def test_a_shorter_run_is_the_start_of_the_full_one():
    from supplysim.network import compile_network
    from supplysim.run import run_chunk
    from supplysim.seeding import root_seed

    world = supplysim.load_world()
    net = compile_network(world, supplysim.load_scenario("china_licensing_2025", world))
    full = run_chunk(net, root_seed(3), 0, 256)
    short = run_chunk(net, root_seed(3), 0, 256, months=7)
    for name, a in short.items():
        assert a.shape[1] == 7
        np.testing.assert_array_equal(a, full[name][:, :7], err_msg=name)
