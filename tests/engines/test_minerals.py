"""Several mineral chains in one world: selection by scenario, battery scenarios, their effects."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import supplysim
from supplysim.data import DEFAULT_WORLD, load_world
from supplysim.errors import ScenarioError
from supplysim.network import compile_network
from supplysim.scenario import parse_scenario

SCENARIOS = Path(__file__).parents[2] / "scenarios"
BATTERY = ("lithium", "cobalt", "nickel", "graphite")


def test_world_holds_battery_minerals_beside_rare_earths(world):
    assert world.base_minerals == ("rare_earths",)
    assert set(world.minerals) == {"rare_earths", *BATTERY}
    vocab = world.vocabulary()
    assert {"Li", "Co", "Ni", "C"} <= vocab.elements
    assert {"li_converter", "co_refinery", "ni_smelter", "anode_plant"} <= vocab.facility_kinds


def test_rare_earth_selection_equals_the_world_without_mineral_folders(world, tmp_path):
    folder = tmp_path / "world"
    shutil.copytree(DEFAULT_WORLD, folder, ignore=shutil.ignore_patterns("minerals"))
    alone = load_world(folder)
    chosen = world.select(["rare_earths"])
    for name, frame in alone.tables.items():
        if name in ("sources", "countries", "estimates"):  # shared tables keep battery rows
            continue
        pd.testing.assert_frame_equal(chosen.tables[name], frame, check_dtype=False, obj=name)


def test_default_scenario_compiles_the_same_network_as_before(world, networks):
    net = networks["china_licensing_2025"]
    assert not net.nodes.country.isin(["Chile", "DR Congo", "Indonesia"]).any()
    assert set(net.demand.material) == {"magnet_hre", "magnet_std"}


def test_battery_shares_of_the_2024_baseline(world):
    """China's share of refined output and Indonesia's share of nickel mining, as sourced."""
    mines, plants = world.mines, world.plants
    ni = mines[mines.ore_type.str.startswith("ni_")]
    assert ni.loc["id_ni_laterite", "production_2024_t"] / ni.production_2024_t.sum() == pytest.approx(0.6, abs=0.03)
    co = plants[plants.process == "co_refining"]
    assert co.loc["cn_co_refinery", "capacity_t_per_yr"] / co.capacity_t_per_yr.sum() == pytest.approx(0.78, abs=0.03)
    cd = mines.loc["cd_co_copper_cobalt", "production_2024_t"]
    assert cd / mines[mines.ore_type.str.startswith("co_")].production_2024_t.sum() == pytest.approx(0.76, abs=0.02)
    gr = mines[mines.ore_type == "graphite_natural"]
    assert gr.loc["cn_graphite", "production_2024_t"] / gr.production_2024_t.sum() == pytest.approx(0.8, abs=0.03)


def test_unknown_mineral_is_a_scenario_error(world):
    text = "name: bad\nhorizon: {start: 2025-01, months: 12}\nminerals: [lithium, adamantium]\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, world.vocabulary(), file="bad.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("bad.yaml", 3, "minerals[1]")
    assert "adamantium" in err.expected


def test_minerals_key_round_trips_and_leaves_other_hashes_alone(world):
    s = supplysim.load_scenario("battery_baseline_2024", world)
    assert s.minerals == BATTERY
    assert s.to_dict()["minerals"] == list(BATTERY)
    assert "minerals" not in supplysim.load_scenario("baseline_2024", world).to_dict()


def test_one_scenario_reports_a_shortage_curve_for_each_mineral(world):
    net = compile_network(world, supplysim.load_scenario("battery_baseline_2024", world))
    assert set(net.demand.material) == {"li_chemical", "co_refined", "ni_class1", "ni_class2",
                                        "graphite_anode", "graphite_flake"}
    res = supplysim.simulate("battery_baseline_2024", runs=64, seed=4)
    curve = res.shortage_curve(by=["material"])
    mineral = world.materials.mineral
    assert set(mineral[curve.material.unique()]) == set(BATTERY)
    assert (curve.groupby("material").share_mean.mean() < 0.05).all()
    by_mineral = res.shortage_curve(by="mineral")
    assert set(by_mineral.mineral) == set(BATTERY)
    per_material = curve.assign(mineral=mineral[curve.material].to_numpy())
    np.testing.assert_allclose(by_mineral.groupby("mineral")["mean"].sum(),
                               per_material.groupby("mineral")["mean"].sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="mineral"):
        res.shortage_curve(by=["material", "mineral"])


def _without(name: str, policies: list[str], tmp_path: Path):
    path = tmp_path / f"{name}_without.yaml"
    path.write_text(f"name: {name}_without\nextends: {SCENARIOS / name}.yaml\n"
                    f"remove_policies: [{', '.join(policies)}]\n")
    return supplysim.load_scenario(str(path))


def _unmet(res, material, exclude_region=None) -> float:
    curve = res.shortage_curve(by=["region", "material"])
    curve = curve[(curve.material == material) & (curve.region != exclude_region)]
    return float(curve["mean"].sum())


def test_graphite_licensing_raises_anode_shortage_outside_china(tmp_path):
    name = "china_graphite_licensing"
    lic = supplysim.simulate(name, runs=128, seed=8)
    free = supplysim.simulate(_without(name, ["graphite_licensing_2023",
                                              "graphite_anode_controls_2025"], tmp_path),
                              runs=128, seed=8)
    assert _unmet(lic, "graphite_anode", "China") > 5 * _unmet(free, "graphite_anode", "China") + 1000
    flows = lic.flows()
    out = flows[(flows.exporter == "China") & (flows.destination != "China")
                & (flows.material == "graphite_anode")]
    before = out[out.month < "2023-12-01"].groupby("month")["mean"].sum().mean()
    after = out[out.month >= "2025-12-01"].groupby("month")["mean"].sum().mean()
    assert after < before


def test_indonesia_ore_ban_closes_the_re_sourcing_route(tmp_path):
    name = "indonesia_nickel_ore_ban"
    ban = supplysim.simulate(name, runs=64, seed=9)
    free = supplysim.simulate(_without(name, ["indonesia_ore_ban"], tmp_path), runs=64, seed=9)

    def abroad(res):
        f = res.flows()
        return f[(f.exporter == "Indonesia") & (f.destination != "Indonesia")
                 & (f.material == "ni_ore")]["mean"].sum()

    assert abroad(ban) == 0.0 and abroad(free) > 1000.0
    assert _unmet(ban, "ni_class2") > _unmet(free, "ni_class2")


@pytest.mark.parametrize("name", ["battery_demand_2040", "battery_demand_2050"])
def test_long_horizon_demand_outgrows_2024_capacity(name):
    res = supplysim.simulate(name, runs=64, seed=10)
    curve = res.shortage_curve(by=["material"])
    year = curve.month.dt.year
    for material in ("li_chemical", "graphite_anode"):
        rows = curve[curve.material == material]
        first = rows[year[rows.index] == 2025].share_mean.mean()
        last = rows[year[rows.index] == year.max()].share_mean.mean()
        assert first < 0.05 and last > 0.5, (material, first, last)
    # growth is an uncertain input: the final-year spread across paths is wide
    final = curve[(year == year.max()) & (curve.material == "li_chemical")]
    assert (final.p95 > 2 * final.p05).all()


def test_battery_scenarios_start_with_a_dated_public_event():
    for name in ("battery_demand_2040", "battery_demand_2050", "china_graphite_licensing",
                 "indonesia_nickel_ore_ban"):
        first = (SCENARIOS / f"{name}.yaml").read_text().splitlines()[0]
        assert first.startswith("# ") and any(ch.isdigit() for ch in first), name
        assert np.isfinite(supplysim.load_scenario(name).horizon.months)
