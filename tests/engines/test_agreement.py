"""The discrete-event and vector engines agree within Monte Carlo error on every bundled scenario.

For each region and month the mean unmet demand of the two engines must differ by less than
three combined standard errors in at least 90 % of the (region, month) cells, and the mean
unmet demand over the horizon and all regions by less than three combined standard errors or
15 % of the larger. Where every DES path of a cell shows no shortage its sample spread is zero
although the vector engine's few short paths show the cell is not certain; since the engines
share their rules, the DES standard error of a cell is taken as ``max(sd_des, sd_vec) /
sqrt(n_des)`` (the larger per-path spread, at the DES path count). Bundled scenarios run at
their full horizons, except those longer than five years (the 2040/2050 demand scenarios),
compared on their first two years. The bundled scenarios have no finite review queue, which only the DES
models (the vector engine uses the mean review delay).
"""

from __future__ import annotations

import numpy as np
import pytest

import supplysim

BUNDLED = [name for name, _ in supplysim.list_scenarios()]
#: DES paths per scenario (fewer for the 60-month horizon) and vector paths.
DES_RUNS = {"allied_capacity": 32, "battery_baseline_2024": 32, "battery_demand_2040": 32,
            "battery_demand_2050": 32, "china_graphite_licensing": 32,
            "indonesia_nickel_ore_ban": 32, "us_australia_deal": 32}
DEFAULT_DES_RUNS, VECTOR_RUNS = 48, 1024
#: Horizons longer than LONG_MONTHS are compared on their first SHORT_MONTHS [months].
LONG_MONTHS, SHORT_MONTHS = 60, 24
CELL_SHARE, Z, TOTAL_REL = 0.90, 3.0, 0.15


def _by_region(res) -> np.ndarray:
    """Unmet demand per path, month and region (path, month, region) [t/month]."""
    da = res.ds["unmet_t"].sum(("sector", "material")).transpose("path", "month", "region")
    return da.values.astype(float)


def agreement(name: str) -> dict:
    """Agreement figures of one scenario (see the module docstring)."""
    n_des = DES_RUNS.get(name, DEFAULT_DES_RUNS)
    scenario = supplysim.load_scenario(name)
    if scenario.horizon.months > LONG_MONTHS:
        short = scenario.horizon.model_copy(update={"months": SHORT_MONTHS})
        scenario = scenario.model_copy(update={"horizon": short})
    des = _by_region(supplysim.simulate(scenario, runs=n_des, seed=101, engine="des"))
    vec = _by_region(supplysim.simulate(scenario, runs=VECTOR_RUNS, seed=202))
    sd_d, sd_v = des.std(axis=0, ddof=1), vec.std(axis=0, ddof=1)
    se = np.hypot(np.maximum(sd_d, sd_v) / np.sqrt(n_des), sd_v / np.sqrt(VECTOR_RUNS))
    gap = np.abs(des.mean(axis=0) - vec.mean(axis=0))
    within = gap <= Z * se + 1e-9
    tot_d, tot_v = des.sum(axis=(1, 2)), vec.sum(axis=(1, 2))
    tot_se = np.hypot(tot_d.std(ddof=1) / np.sqrt(n_des), tot_v.std(ddof=1) / np.sqrt(VECTOR_RUNS))
    return dict(cells=float(within.mean()), total_des=tot_d.mean(), total_vec=tot_v.mean(),
                total_gap=abs(tot_d.mean() - tot_v.mean()), total_se=tot_se,
                worst=[(int(m), int(r)) for m, r in np.argwhere(~within)][:10])


@pytest.mark.parametrize("name", BUNDLED)
def test_des_agrees_with_vector(name):
    fig = agreement(name)
    print(f"\n{name}: {fig}")
    assert fig["cells"] >= CELL_SHARE, fig
    bound = max(Z * fig["total_se"], TOTAL_REL * max(fig["total_des"], fig["total_vec"]))
    assert fig["total_gap"] < bound, fig
