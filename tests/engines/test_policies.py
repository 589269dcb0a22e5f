"""Bans, quotas, home-first and defence-first, seen in the outputs."""

from __future__ import annotations

import textwrap

import numpy as np

import supplysim

RUNS = 256


def run(tmp_path, body: str, runs: int = RUNS, seed: int = 12):
    path = tmp_path / "variant.yaml"
    path.write_text(textwrap.dedent(body))
    return supplysim.simulate(supplysim.load_scenario(path), runs=runs, seed=seed)


def china_exports(ds, materials, destinations=None):
    """Shipped t/month from China to other countries of the given materials (path, month)."""
    mask = (ds.exporter == "China") & (ds.destination != "China") & ds.flow_material.isin(materials)
    if destinations is not None:
        mask &= ds.destination.isin(destinations)
    return ds.shipped_t.where(mask, 0).sum("flow")


def test_ban_stops_the_flows_in_scope():
    ds = supplysim.simulate("china_heavy_ree_stop", runs=RUNS, seed=3).ds
    dy_tb = [m for m in ds.flow_material.values if "Dy" in m or "Tb" in m or m.startswith("magnet")]
    during = china_exports(ds, dy_tb).sel(month=slice("2025-05", "2026-03"))
    before = china_exports(ds, dy_tb).sel(month=slice("2025-01", "2025-03"))
    assert float(during.max()) == 0.0
    assert float(before.min()) > 0.0


def test_quota_caps_exports_every_month(tmp_path):
    res = run(tmp_path, """\
        name: magnet_quota
        extends: baseline_2024
        horizon: {start: 2025-01, months: 18}
        policies:
          - type: export_quota
            name: magnet_cap
            exporter: China
            stages: [magnet]
            elements: [NdFeB]
            quota_t_per_month: 1500
            start: 2025-03
        """)
    exports = china_exports(res.ds, ["magnet_hre", "magnet_std"])
    assert float(exports.sel(month=slice("2025-03", None)).max()) <= 1500 * (1 + 1e-5)
    assert float(exports.sel(month="2025-01").mean()) > 1500


def test_controlling_exporter_serves_home_first():
    ds = supplysim.simulate("china_heavy_ree_stop", runs=RUNS, seed=3).ds
    share = ds.unmet_t.sum(["path", "sector", "material"]) / ds.demand_t.sum(["path", "sector", "material"])
    ban = share.sel(month=slice("2025-06", "2026-03")).mean("month")
    assert float(ban.sel(region="China")) < 0.01
    assert float(ban.sel(region="Japan")) > 0.02


def test_defence_is_served_before_other_sectors():
    ds = supplysim.simulate("china_heavy_ree_stop", runs=RUNS, seed=3).ds
    sel = dict(region=["Japan", "United States", "European Union"], material="magnet_hre")
    unmet = ds.unmet_t.sel(**sel).sum(["path", "month", "region"])
    demand = ds.demand_t.sel(**sel).sum(["path", "month", "region"])
    share = unmet / demand.where(demand > 0)
    assert float(share.sel(sector="defence")) < float(share.sel(sector="ev_motors"))


def test_outages_switch_off(tmp_path):
    res = run(tmp_path, """\
        name: no_outages
        extends: baseline_2024
        outages: false
        """)
    on = supplysim.simulate("baseline_2024", runs=RUNS, seed=12)
    assert float(res.ds.unmet_t.sum()) <= float(on.ds.unmet_t.sum())
    assert np.isfinite(res.ds.unmet_t.values).all()
