"""A mineral defined only in a test data folder runs end to end; the engines name none."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import supplysim
from supplysim.engines.balance import BalanceLog
from supplysim.network import compile_network
from supplysim.run import run_chunk
from supplysim.seeding import root_seed

DATA = Path(__file__).parents[1] / "data" / "synthetic_world"
SRC = Path(supplysim.__file__).parent


@pytest.fixture(scope="module")
def synthetic():
    return supplysim.load_world(DATA)


def _scenario(name, world):
    return supplysim.load_scenario(str(DATA / f"{name}.yaml"), world=world)


def test_synthetic_world_has_only_its_own_names(synthetic):
    vocab = synthetic.vocabulary()
    assert synthetic.minerals == ("unobtainium",)
    assert vocab.stages == {"dirt", "ingot", "widget"}
    assert vocab.facility_kinds == {"mine", "purifier", "forge"}
    assert synthetic.separators.empty and synthetic.magnet_plants.empty


def test_synthetic_mineral_runs_end_to_end_in_both_engines(synthetic):
    scenario = _scenario("scenario_baseline", synthetic)
    res = supplysim.simulate(scenario, runs=64, seed=5, world=synthetic)
    curve = res.shortage_curve(by=["material"])
    assert set(curve.material) == {"unob_widget"}
    # the chain supplies 2,200 t/yr of widgets with capacity to spare: no shortage
    assert curve["mean"].max() < 1.0
    flows = res.flows().groupby(["exporter", "destination", "material"])["mean"].mean()
    assert flows[("Pandora", "Earth", "unob_ingot")] > 100.0
    des = supplysim.simulate(scenario, runs=4, seed=5, world=synthetic, engine="des")
    assert des.shortage_curve(by=["material"])["mean"].max() < 1.0


def test_synthetic_mineral_balances_every_node_and_month(synthetic):
    net = compile_network(synthetic, _scenario("scenario_ban", synthetic))
    log = BalanceLog(net, keep=True)
    run_chunk(net, root_seed(3), 0, 256, log)
    t = {k: np.stack(v) for k, v in log.terms.items()}
    lhs, rhs = t["start"] + t["inflow"], t["outflow"] + t["end"] + t["losses"]
    assert np.all(np.abs(lhs - rhs) <= 1e-7 * (np.abs(lhs) + np.abs(rhs) + 1.0))


def test_a_ban_on_the_synthetic_mineral_raises_shortage(synthetic):
    base = supplysim.simulate(_scenario("scenario_baseline", synthetic), runs=256, seed=5,
                              world=synthetic)
    ban = supplysim.simulate(_scenario("scenario_ban", synthetic), runs=256, seed=5,
                             world=synthetic)
    assert ban.shortage_curve()["mean"].sum() > base.shortage_curve()["mean"].sum() + 100.0


def _literals(folder: Path) -> set[str]:
    words = set()
    for path in folder.rglob("*.py"):
        words |= set(re.findall(r"""["']([A-Za-z][\w ]*)["']""", path.read_text()))
    return words


@pytest.mark.parametrize("layer", ["engines", "rules", "network"])
def test_no_element_stage_or_material_is_named_in_the_engines(layer, world, synthetic):
    names: set[str] = set()
    for w in (world, synthetic):
        vocab = w.vocabulary()
        names |= vocab.elements | vocab.stages | vocab.materials | vocab.minerals
        names |= vocab.ore_types | vocab.sectors | set(w.recipes.process)
        # "mine" is the structural kind of a node fed by ore splits, not a chain's name
        names |= vocab.facility_kinds - {"mine"}
    named = _literals(SRC / layer) & names
    assert not named, f"{layer} names {sorted(named)}"
