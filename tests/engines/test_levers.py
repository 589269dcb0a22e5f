"""Supply-side levers: offtake contracts, project financing, stockpile sharing, seed scenarios.

Directional effects use common random numbers: a variant and its base share the seed, and a
lever draws from its own random stream, so the other draws of a path are the same.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

import supplysim
from supplysim.engines.balance import BalanceLog
from supplysim.engines.layout import CLASS_HOME, CLASS_TRADE, Layout
from supplysim.engines.vector import init_state, step
from supplysim.errors import ScenarioError
from supplysim.network import compile_network
from supplysim.rules.production import project_capacity
from supplysim.run import run_chunk
from supplysim.seeding import Streams, root_seed

RUNS = 256


def scenario(tmp_path, name: str, body: str):
    """A scenario file in ``tmp_path`` (it may extend a bundled one)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body))
    return supplysim.load_scenario(path)


def unmet(res, region: str) -> float:
    """Mean over paths of the region's unmet demand summed over the horizon [t]."""
    da = res.ds.unmet_t.sel(region=region)
    return float(da.sum([d for d in da.dims if d != "path"]).mean())


def shipped(res, exporter: str, material: str, destination: str | None = None) -> float:
    """Mean over paths of shipments of a material from an exporter over the horizon [t]."""
    ds = res.ds
    keep = (ds.exporter == exporter) & (ds.flow_material == material)
    if destination is not None:
        keep &= ds.destination == destination
    return float(ds.shipped_t.where(keep, 0.0).sum(["month", "flow"]).mean())


OFFTAKE = """\
    name: lic_offtake
    extends: china_licensing_2025
    horizon: {months: 24}
    policies:
      - type: offtake
        name: japan_lynas_dy
        buyer: Japan
        seller: Malaysia
        material: oxide_Dy
        tonnes_per_month: 5
        start: 2025-01
    """


def test_offtake_raises_japans_share_of_lynas_and_lowers_its_shortage(tmp_path):
    base = supplysim.simulate(scenario(tmp_path, "lic", """\
        name: lic
        extends: china_licensing_2025
        horizon: {months: 24}
        """), runs=RUNS, seed=7)
    deal = supplysim.simulate(scenario(tmp_path, "lic_offtake", OFFTAKE), runs=RUNS, seed=7)
    share = [shipped(r, "Malaysia", "oxide_Dy", "Japan")
             / max(shipped(r, "Malaysia", "oxide_Dy"), 1e-9) for r in (base, deal)]
    assert share[1] > share[0] + 0.3
    assert unmet(deal, "Japan") < unmet(base, "Japan")
    c = deal.contracts()
    assert set(c.contract) == {"japan_lynas_dy"} and (c["mean"] <= 5.0 + 1e-6).all()
    assert c["mean"].sum() > 24.0
    ds = deal.to_xarray()
    assert ds.contract_t.dims == ("path", "month", "contract")
    # no price in the policy: the 2024 ex-China Dy oxide price (260 USD/kg in prices.csv) moved
    # with the ex-China Dy index, which is that price itself at the oxide stage
    price = ds.contract_usd_per_kg.sel(contract="japan_lynas_dy")
    index = ds.price_usd_per_kg.sel(market="ex_china", element="Dy")
    assert np.allclose(price, index, rtol=1e-5)
    assert float(index.max()) > 260.0
    value = (ds.contract_t.sel(contract="japan_lynas_dy") * price * 1000.0).mean("path")
    assert np.allclose(c.value_usd_mean, value.values, rtol=1e-5)


def test_a_contract_price_stays_fixed(tmp_path):
    fixed = OFFTAKE.replace("tonnes_per_month: 5",
                            "tonnes_per_month: 5\n        price_usd_per_kg: 300")
    res = supplysim.simulate(scenario(tmp_path, "lic_offtake", fixed), runs=8, seed=7)
    c = res.contracts()
    assert c.price_usd_per_kg.eq(300.0).all()
    assert np.allclose(c.value_usd_mean, c["mean"] * 300.0 * 1000.0, rtol=1e-5)


def test_contract_links_rank_between_home_and_spot(tmp_path, world):
    net = compile_network(world, scenario(tmp_path, "lic_offtake", OFFTAKE))
    lay = Layout.of(net)
    contract = lay.contract_of_link >= 0
    assert contract.sum() > 0 and np.isclose(lay.contract_weight[contract].sum(), 1.0)
    assert (lay.link_class[contract] > CLASS_HOME).all()
    assert (lay.link_class[contract] < CLASS_TRADE).all()
    assert (net.links.kind[contract] == "contract").all()


def test_offtake_runs_in_the_discrete_event_engine(tmp_path):
    res = supplysim.simulate(scenario(tmp_path, "lic_offtake", OFFTAKE), runs=2, seed=7,
                             engine="des")
    assert float(res.ds.contract_t.sum()) > 10.0


def _capacity_online(net, lay, seed: int = 5, paths: int = 256) -> np.ndarray:
    """Project capacity of every path and month (paths, months) [t/month], summed over projects."""
    state, pp = init_state(net, lay, paths, Streams(root_seed(seed), 0, paths))
    v = pp.values
    months = np.arange(net.n_months)[:, None, None] + 0.5
    cap = project_capacity(months, v["project_capacity_t_per_yr"], pp.built, pp.online_month,
                           v["project_ramp_months"])
    return cap.sum(axis=2).T


def test_financing_never_lowers_capacity_online(tmp_path, world):
    plain = compile_network(world, supplysim.load_scenario("allied_capacity", world))
    sc = scenario(tmp_path, "financed", """\
        name: financed
        extends: allied_capacity
        policies:
          - type: project_finance
            name: grant_lynas
            project: lynas_hre_malaysia
            instrument: grant
            amount_usd: 200000000
            start: 2025-10
          - type: project_finance
            name: loan_energy_fuels
            project: energy_fuels_phase2
            instrument: loan
            amount_usd: 50000000
            start: 2026-06
          - type: project_finance
            name: guarantee_usar
            project: usar_stillwater
            instrument: guarantee
            amount_usd: 400000000
            start: 2025-03
        """)
    financed = compile_network(world, sc)
    a = _capacity_online(plain, Layout.of(plain))
    b = _capacity_online(financed, Layout.of(financed))
    assert (b >= a - 1e-9).all()
    assert b.mean(axis=0).sum() > a.mean(axis=0).sum() * 1.01
    res = supplysim.simulate(sc, runs=4, seed=1, world=world)
    fin = res.finance().set_index("finance")
    # cost = amount x world cost share (grant 1.0, loan 0.1, guarantee 0.05)
    assert fin.cost_usd.to_dict() == pytest.approx(
        {"grant_lynas": 2e8, "loan_energy_fuels": 5e6, "guarantee_usar": 2e7})


def test_financing_an_unknown_project_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="capacity project"):
        scenario(tmp_path, "bad_finance", """\
            name: bad_finance
            extends: allied_capacity
            policies:
              - type: project_finance
                name: grant_x
                project: no_such_project
                instrument: grant
                amount_usd: 1000000
                start: 2025-10
            """)


def test_bilateral_sharing_needs_a_share_per_member(tmp_path):
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, "bad_share", """\
            name: bad_share
            extends: china_licensing_2025
            policies:
              - type: stockpile_sharing
                name: pact
                members: [United States, Japan]
                rule: bilateral
                shares: {Japan: 0.5}
                start: 2025-10
            """)
    assert info.value.field.endswith("shares")


def test_offtake_with_itself_is_refused(tmp_path):
    with pytest.raises(ScenarioError) as info:
        scenario(tmp_path, "bad_offtake", OFFTAKE.replace("seller: Malaysia", "seller: Japan")
                 .replace("lic_offtake", "bad_offtake"))
    assert info.value.field.endswith("seller")


JP_BAN = """\
    name: jp_ban
    extends: baseline_2024
    horizon: {start: 2025-01, months: 12}
    policies:
      - type: export_ban
        name: dy_tb_to_japan
        exporter: China
        stages: [oxide, metal, magnet]
        elements: [Dy, Tb]
        destinations: [Japan]
        start: 2025-02
      - type: stockpile
        name: us_dy
        holder: United States
        material: oxide_Dy
        initial_t: 300
        release_trigger_share: 0.2
        release_t_per_month: 20
    """


def test_shared_us_stockpile_relieves_a_japan_only_shortage(tmp_path):
    scenario(tmp_path, "jp_ban", JP_BAN)
    share = """\
        name: jp_share
        extends: jp_ban.yaml
        policies:
          - type: stockpile_sharing
            name: us_japan
            members: [United States, Japan]
            rule: {rule}
            {shares}
            release_trigger_share: 0.05
            start: 2025-01
        """
    base = supplysim.simulate(supplysim.load_scenario(tmp_path / "jp_ban.yaml"), runs=64, seed=5)
    pooled = supplysim.simulate(
        scenario(tmp_path, "jp_share", share.format(rule="pooled", shares="")), runs=64, seed=5)
    bilateral = share.format(rule="bilateral", shares="shares: {United States: 0.25, Japan: 0.25}")
    bilateral = bilateral.replace("jp_share", "jp_half")
    half = supplysim.simulate(scenario(tmp_path, "jp_half", bilateral), runs=64, seed=5)
    drawn = [300.0 - float(r.ds.stockpile_t.sel(stockpile="us_dy").isel(month=-1).mean())
             for r in (base, pooled, half)]
    assert drawn[0] < 1e-6 < drawn[2] < drawn[1]
    assert unmet(pooled, "Japan") < unmet(half, "Japan") < unmet(base, "Japan")
    assert unmet(base, "United States") < 1e-6 and unmet(pooled, "United States") < 1e-6


def test_sharing_runs_in_the_discrete_event_engine(tmp_path):
    scenario(tmp_path, "jp_ban", JP_BAN)
    sc = scenario(tmp_path, "jp_share", """\
        name: jp_share
        extends: jp_ban.yaml
        policies:
          - type: stockpile_sharing
            name: us_japan
            members: [United States, Japan]
            release_trigger_share: 0.05
            start: 2025-01
        """)
    res = supplysim.simulate(sc, runs=2, seed=5, engine="des")
    assert float(res.ds.stockpile_t.sel(stockpile="us_dy").isel(month=-1).mean()) < 300.0 - 1.0


@pytest.mark.parametrize("name, base, levers, region", [
    ("us_japan_framework", None, ["framework_loan_lynas_hre", "japan_lynas_dy", "japan_lynas_tb",
                                  "us_japan_stockpiles", "japan_recycling", "us_recycling"],
     "Japan"),
    ("us_australia_deal", "allied_capacity", [], "United States"),
])
def test_seed_scenario_moves_its_headline(tmp_path, name, base, levers, region):
    """Against its base with common random numbers.

    ``us_australia_deal`` only adds levers to ``allied_capacity``, so it is compared with it;
    ``us_japan_framework`` also adds a project to ``china_licensing_2025`` (which redraws the
    sampled parameters), so it is compared with itself without its levers.
    """
    deal = supplysim.load_scenario(name)
    assert deal.file.endswith(f"{name}.yaml")
    if base is None:
        base = scenario(tmp_path, f"{name}_without", f"""\
            name: {name}_without
            extends: {name}
            remove_policies: {levers}
            """)
    with_ = supplysim.simulate(deal, runs=128, seed=11)
    without = supplysim.simulate(base, runs=128, seed=11)
    assert unmet(with_, region) < unmet(without, region)
    ex_china = [r for r in with_.ds.region.values if r != "China"]
    assert sum(unmet(with_, r) for r in ex_china) < sum(unmet(without, r) for r in ex_china)


def _recycling(tmp_path, name: str, rate: float):
    return scenario(tmp_path, name, f"""\
        name: {name}
        extends: china_licensing_2025
        horizon: {{months: 24}}
        policies:
          - type: recycling_growth
            name: japan_recycling
            country: Japan
            collection_rate: {rate}
            years: 1
            start: 2025-03
          - type: recycling_growth
            name: eu_recycling
            country: European Union
            collection_rate: {rate}
            years: 1
            start: 2025-03
        """)


def test_more_recycling_never_raises_ex_china_shortage(tmp_path):
    ex_china, made = [], []
    for k, rate in enumerate((0.0, 0.1, 0.4)):
        res = supplysim.simulate(_recycling(tmp_path, f"recycling_{k}", rate), runs=128, seed=13)
        regions = [r for r in res.ds.region.values if r != "China"]
        ex_china.append(sum(unmet(res, r) for r in regions))
        made.append(float(res.ds.recycled_t.sum(["month", "recycled"]).mean()))
    assert ex_china[2] <= ex_china[1] <= ex_china[0]
    assert ex_china[2] < ex_china[0]
    assert 0.0 < made[0] < made[1] < made[2]  # swarf alone at rate 0
    rec = res.recycling()
    assert set(rec.recycler) == {"jp_recycling", "eu_recycling"}
    assert set(rec.material) == {"metal_NdPr", "metal_Dy", "metal_Tb"}


def test_recycled_metal_is_an_explicit_source_in_the_balance(tmp_path, world):
    net = compile_network(world, _recycling(tmp_path, "recycling_bal", 0.3))
    lay = Layout.of(net)
    log = BalanceLog(net, keep=True)
    arrays = run_chunk(net, root_seed(3), 0, 256, log, lay)
    t = {k: np.stack(v) for k, v in log.terms.items()}  # (months, paths, nodes)
    lhs, rhs = t["start"] + t["inflow"], t["outflow"] + t["end"] + t["losses"]
    assert np.all(np.abs(lhs - rhs) <= 1e-7 * (np.abs(lhs) + np.abs(rhs) + 1.0))
    # a recycler takes nothing in: all it adds is the metal reported as recycled
    rec = lay.rec_node
    inflow = t["inflow"][:, :, rec].sum(axis=2)
    assert np.allclose(inflow, arrays["recycled_t"].sum(axis=2).T, rtol=1e-5, atol=1e-4)
    assert inflow.sum() > 0
    assert np.all(t["losses"][:, :, rec] == 0.0)


def test_recycled_metal_outside_china_has_no_chinese_origin(tmp_path, world):
    net = compile_network(world, _recycling(tmp_path, "recycling_origin", 0.3))
    lay = Layout.of(net)
    streams = Streams(root_seed(3), 0, 16)
    state, pp = init_state(net, lay, 16, streams)
    made = 0.0
    for _ in range(net.n_months):
        made += float(step(state, net, lay, pp, streams, BalanceLog(net)).recycled_t.sum())
    assert made > 0
    assert not (net.nodes.country.to_numpy()[lay.rec_node] == "China").any()
    assert np.all(state.origin[:, lay.rec_out] == 0.0)


def test_recycling_of_a_country_without_a_recycler_is_refused(tmp_path, world):
    sc = scenario(tmp_path, "no_recycler", """\
        name: no_recycler
        extends: china_licensing_2025
        policies:
          - type: recycling_growth
            name: vn
            country: Vietnam
            collection_rate: 0.2
            years: 2
            start: 2025-03
        """)
    with pytest.raises(ValueError, match="no recycler of Vietnam"):
        compile_network(world, sc)


def test_a_lever_leaves_every_other_draw_unchanged(tmp_path, world):
    """Levers draw from their own stream: the base's sampled parameters are kept."""
    base = compile_network(world, supplysim.load_scenario("china_licensing_2025", world))
    deal = compile_network(world, supplysim.load_scenario("us_japan_framework", world))
    plain = compile_network(world, scenario(tmp_path, "uj_plain", """\
        name: uj_plain
        extends: us_japan_framework
        remove_policies: [framework_loan_lynas_hre, japan_lynas_dy, japan_lynas_tb,
                          us_japan_stockpiles, japan_recycling, us_recycling]
        """))
    assert base.params.n_uncertain < plain.params.n_uncertain  # the project adds draws
    assert plain.params.n_uncertain == deal.params.n_uncertain and deal.params.levers
    a = plain.params.sample_streams(Streams(root_seed(2), 0, 64))
    b = deal.params.sample_streams(Streams(root_seed(2), 0, 64))
    # entry k of either table takes uniform column k (recycler slots shift slot indices)
    for (name, i, _), (name_b, j, _) in zip(plain.params.uncertain, deal.params.uncertain):
        assert name == name_b
        np.testing.assert_array_equal(a[name][:, i], b[name][:, j], err_msg=name)


def test_offtake_of_a_material_without_a_price_needs_one(tmp_path, world):
    sc = scenario(tmp_path, "no_price", """\
        name: no_price
        extends: china_licensing_2025
        policies:
          - type: offtake
            name: us_japan_magnets
            buyer: United States
            seller: Japan
            material: magnet_hre
            tonnes_per_month: 10
            start: 2025-06
        """)
    with pytest.raises(ValueError, match="price_usd_per_kg"):
        compile_network(world, sc)


def test_one_recycling_policy_per_country(tmp_path):
    with pytest.raises(ScenarioError, match="one recycling_growth per country"):
        scenario(tmp_path, "twice", """\
            name: twice
            extends: china_licensing_2025
            policies:
              - type: recycling_growth
                name: a
                country: Japan
                collection_rate: 0.2
                years: 2
                start: 2025-03
              - type: recycling_growth
                name: b
                country: Japan
                collection_rate: 0.3
                years: 2
                start: 2025-03
            """)


def test_lever_tables_are_written(tmp_path):
    from supplysim.results import write_tables

    res = supplysim.simulate("us_japan_framework", runs=4, seed=1)
    names = {p.name for p in write_tables(res, tmp_path / "out")}
    assert {"contracts.csv", "recycling.parquet", "finance.csv"} <= names
    fin = pd.read_csv(tmp_path / "out" / "finance.csv")
    assert fin.cost_usd.tolist() == [1e7]  # US$100 m loan x 0.1 budget cost share


def test_lever_runs_do_not_depend_on_the_chunk_size():
    a = supplysim.simulate("us_japan_framework", runs=260, seed=4, chunk_size=256)
    b = supplysim.simulate("us_japan_framework", runs=260, seed=4, chunk_size=512)
    for var in ("unmet_t", "contract_t", "recycled_t", "stockpile_t"):
        np.testing.assert_array_equal(a.ds[var].values, b.ds[var].values, err_msg=var)


def test_lower_priority_contract_is_served_first(tmp_path):
    body = """\
        name: {name}
        extends: china_licensing_2025
        horizon: {{months: 12}}
        policies:
          - type: offtake
            name: japan_dy
            buyer: Japan
            seller: Malaysia
            material: oxide_Dy
            tonnes_per_month: 20
            priority: {japan}
            start: 2025-01
          - type: offtake
            name: us_dy
            buyer: United States
            seller: Malaysia
            material: oxide_Dy
            tonnes_per_month: 20
            priority: {us}
            start: 2025-01
        """
    got = {}
    for name, japan, us in (("japan_first", 0, 3), ("us_first", 3, 0)):
        res = supplysim.simulate(scenario(tmp_path, name, body.format(name=name, japan=japan, us=us)),
                                 runs=32, seed=2)
        got[name] = res.contracts().groupby("contract")["mean"].sum()
    assert got["japan_first"]["japan_dy"] > got["us_first"]["japan_dy"]
    assert got["us_first"]["us_dy"] > got["japan_first"]["us_dy"]
