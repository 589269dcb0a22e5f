"""Behaviour the model must show, with common random numbers (same seed across variants)."""

from __future__ import annotations

import textwrap

import pytest

import supplysim

RUNS = 512


def variant(tmp_path, name: str, body: str):
    """A scenario file that extends a bundled one."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body))
    return supplysim.load_scenario(path)


def mean_unmet(res, **sel) -> float:
    """Mean over paths of total unmet demand [t] (summed over months and the other dims)."""
    da = res.ds.unmet_t.sel(**sel) if sel else res.ds.unmet_t
    return float(da.sum([d for d in da.dims if d != "path"]).mean())


def test_baseline_has_near_zero_shortage():
    res = supplysim.simulate("baseline_2024", runs=RUNS, seed=3)
    share = res.ds.unmet_t.sum() / res.ds.demand_t.sum()
    assert float(share) < 0.01
    by_region = res.ds.unmet_t.sum(["path", "month", "sector", "material"]) / res.ds.demand_t.sum(
        ["path", "month", "sector", "material"])
    assert float(by_region.max()) < 0.02


def test_licensing_raises_shortage_outside_china():
    base = supplysim.simulate("baseline_2024", runs=RUNS, seed=3)
    lic = supplysim.simulate("china_licensing_2025", runs=RUNS, seed=3)
    assert mean_unmet(lic, region="Japan") > mean_unmet(base, region="Japan") + 1.0
    assert mean_unmet(lic, region="European Union") > mean_unmet(base, region="European Union")


def test_shortage_starts_only_after_the_rules(tmp_path):
    res = supplysim.simulate("china_licensing_2025", runs=RUNS, seed=3)
    before = res.ds.unmet_t.sel(month=slice("2025-01", "2025-03"), region="Japan")
    assert float(before.sum()) < 1e-6


def test_lower_approval_never_gives_lower_shortage(tmp_path):
    means = []
    for p in (1.0, 0.8, 0.5, 0.2, 0.0):
        sc = variant(tmp_path, f"approval_{int(p * 100)}", f"""\
            name: approval_{int(p * 100)}
            extends: china_licensing_2025
            horizon: {{months: 24}}
            policies:
              - type: export_licensing
                name: mofcom_no18
                exporter: China
                stages: [oxide, metal, magnet]
                elements: [Dy, Tb]
                approval_prob: {p}
                review_delay_days: 63
                start: 2025-04-04
            """)
        res = supplysim.simulate(sc, runs=RUNS, seed=8)
        means.append(mean_unmet(res, region=["Japan", "United States", "European Union"]))
    assert all(b >= a - 1e-6 * max(1.0, a) for a, b in zip(means, means[1:])), means
    assert means[-1] > means[0]


@pytest.mark.parametrize("holder, material", [("Japan", "magnet_hre"), ("United States", "magnet_hre")])
def test_larger_stockpile_never_gives_higher_shortage(tmp_path, holder, material):
    means = []
    for size in (0, 200, 1000, 5000):
        sc = variant(tmp_path, f"stock_{size}", f"""\
            name: stock_{size}
            extends: china_heavy_ree_stop
            horizon: {{months: 24}}
            policies:
              - type: stockpile
                name: extra_stock
                holder: {holder}
                material: {material}
                initial_t: {size}
                release_trigger_share: 0.05
                release_t_per_month: {max(size / 6, 1)}
            """)
        res = supplysim.simulate(sc, runs=RUNS, seed=9)
        means.append(mean_unmet(res, region=holder))
    assert all(b <= a + 1e-6 * max(1.0, a) for a, b in zip(means, means[1:])), means
    assert means[-1] < means[0]


def test_ban_hurts_more_than_licensing():
    lic = supplysim.simulate("china_licensing_2025", runs=RUNS, seed=4)
    ban = supplysim.simulate("china_heavy_ree_stop", runs=RUNS, seed=4)
    months = dict(month=slice("2025-04", "2026-03"))
    assert mean_unmet(ban, **months) > mean_unmet(lic, **months)


def test_projects_add_supply_outside_china():
    res = supplysim.simulate("allied_capacity", runs=RUNS, seed=4)
    ds = res.ds
    magnets = (ds.exporter == "United States") & ds.flow_material.str.startswith("magnet")
    us = ds.shipped_t.where(magnets, 0).sum(["flow", "path"])
    assert float(us.isel(month=slice(-12, None)).sum()) > 2 * float(us.isel(month=slice(0, 12)).sum())
