"""Origin tracking, content and technology rules in both engines, and the October 2025 scenarios."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

import supplysim
from supplysim.engines.balance import BalanceLog, check_origin
from supplysim.engines.layout import Layout
from supplysim.engines.vector import init_state, step
from supplysim.errors import InvariantError, ScenarioError
from supplysim.network import compile_network
from supplysim.seeding import Streams

WEST = ["Japan", "European Union", "United States"]


def magnet_unmet(res, regions=WEST, since=None) -> np.ndarray:
    """Unmet magnet demand of ``regions`` summed over months from ``since``, per path [t]."""
    ds = res.ds
    mats = [m for m in ds.material.values if str(m).startswith("magnet")]
    u = ds.unmet_t.sel(region=regions, material=mats)
    if since is not None:
        u = u.sel(month=slice(since, None))
    return u.sum(("region", "sector", "material", "month")).values.astype(float)


def write(tmp_path, body: str):
    path = tmp_path / "variant.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_china_chain_is_chinese_and_shares_stay_in_bounds(world):
    net = compile_network(world, supplysim.load_scenario("china_controls_oct2025", world))
    lay = Layout.of(net)
    state, pp = init_state(net, lay, 16, Streams(np.random.SeedSequence(5), 0, 16))
    chinese_out = (net.slots.country == "China").to_numpy() & lay.out_slot
    assert chinese_out.sum() > 5
    log = BalanceLog(net)  # mass balance and origin bounds are checked every month
    for _ in range(net.n_months):
        step(state, net, lay, pp, Streams(np.random.SeedSequence(5), 0, 16), log)
        assert np.all(state.origin[:, chinese_out] == 1.0)
        assert np.all((state.origin >= 0.0) & (state.origin <= 1.0))
    # a mine outside China makes goods of no Chinese origin
    us_mine = ((net.slots.country == "United States") & (net.slots.kind == "mine")).to_numpy()
    assert np.all(state.origin[:, us_mine] == 0.0)


def test_baseline_shares_by_hand(world):
    net = compile_network(world, supplysim.load_scenario("baseline_2024", world))
    lay = Layout.of(net)
    name = net.nodes.name.to_numpy()[net.slots.node]

    def slot(node, material):
        return int(np.flatnonzero((name == node) & (net.slots.material == material).to_numpy())[0])

    # Japan's NdPr oxide: 35 % from China, 55 % from Malaysia (Lynas, Australian ore), 10 % US
    assert lay.origin0[slot("jp_metal", "oxide_NdPr")] == pytest.approx(0.35)
    # a Japanese Dy magnet: NdPr, Dy and Tb metal weighted by the recipe's input ratios
    ratio = net.params.values["in_ratio"]
    line = net.out_pairs.line[net.out_pairs.slot == slot("jp_magnet", "magnet_hre")].iloc[0]
    pairs = net.in_pairs[net.in_pairs.line == line]
    mass = sum(ratio[i] for i in pairs.index)
    china = sum(ratio[i] * lay.origin0[p.slot] for i, p in pairs.iterrows())
    assert lay.origin0[slot("jp_magnet", "magnet_hre")] == pytest.approx(china / mass)
    assert lay.origin0[slot("jp_magnet", "magnet_hre")] == pytest.approx(0.6951, abs=1e-4)
    # made in China: Chinese, whatever the ore (Myanmar's clays feed Chinese separators)
    assert lay.origin0[slot("cn_separation", "oxide_Dy")] == 1.0


def test_origin_results_both_engines():
    for engine, runs in (("vector", 16), ("des", 2)):
        res = supplysim.simulate("baseline_2024", runs=runs, seed=4, engine=engine)
        df = res.origin()
        assert list(df.columns) == ["month", "region", "material", "mean", "p05", "p95"]
        assert df["mean"].between(0, 1).all()
        china = df[df.region == "China"]
        assert (china["mean"] > 0.99).all()  # China buys almost only its own magnets
        japan = df[(df.region == "Japan") & (df.material == "magnet_hre")]
        assert 0.5 < japan["mean"].iloc[0] < 0.95  # Japanese magnets: partly Chinese content
        assert "origin_share" in res.to_xarray()


def test_check_origin_refuses_a_share_above_one(world):
    net = compile_network(world, supplysim.load_scenario("baseline_2024", world))
    bad = np.full((2, len(net.slots)), 0.5)
    bad[1, 3] = 1.5
    pipe = np.ones((3, 2, len(net.links)))
    with pytest.raises(InvariantError, match="Chinese-origin share outside"):
        check_origin(net, 0, bad, pipe * 0.5, pipe)


def test_check_origin_checks_goods_in_transit_the_month_before_they_arrive(world):
    net = compile_network(world, supplysim.load_scenario("baseline_2024", world))
    share = np.full((2, len(net.slots)), 0.5)
    pipe = np.ones((3, 2, len(net.links)))
    cn = pipe * 0.5
    cn[2, 1, 4] = 1.5  # due in month 2 (lag slot 2 of 3)
    check_origin(net, 0, share, cn, pipe)  # month 1's goods are fine
    with pytest.raises(InvariantError, match="in transit exceed"):
        check_origin(net, 1, share, cn, pipe)


@pytest.mark.parametrize("field, value, message", [
    ("threshold_share", "1.5", "<= 1"),
    ("threshold_share", "-0.1", ">= 0"),
    ("exporter", "Japan", "expected 'China'"),
])
def test_bad_content_rule(tmp_path, field, value, message):
    fields = dict(threshold_share="0.001", exporter="China")
    fields[field] = value
    path = write(tmp_path, f"""\
        name: bad_rule
        extends: china_licensing_2025
        policies:
          - type: content_rule
            name: rule
            exporter: {fields['exporter']}
            elements: [Dy]
            threshold_share: {fields['threshold_share']}
            approval_prob: 0.5
            review_delay_days: 60
            start: 2025-12-01
        """)
    with pytest.raises(ScenarioError, match=message) as err:
        supplysim.load_scenario(path)
    assert err.value.line == (6 if field == "exporter" else 8)
    assert field in err.value.field


def test_content_rule_raises_western_magnet_shortage():
    base = supplysim.simulate("china_licensing_2025", runs=128, seed=21)
    rules = supplysim.simulate("china_controls_oct2025", runs=128, seed=21)
    assert magnet_unmet(rules).mean() > 1.02 * magnet_unmet(base).mean()
    # before October 2025 the two scenarios are the same, path by path (common random numbers)
    early = slice(None, "2025-09")
    assert np.array_equal(base.ds.unmet_t.sel(month=early).values,
                          rules.ds.unmet_t.sel(month=early).values)


def test_technology_rule_cuts_dependent_capacity(tmp_path):
    path = write(tmp_path, """\
        name: tech_only
        extends: baseline_2024
        policies:
          - type: technology_rule
            name: no62
            kinds: [magnet_plant]
            countries: [Vietnam]
            cut_share: 1.0
            start: 2024-07-01
        """)
    base = supplysim.simulate("baseline_2024", runs=64, seed=8).ds
    cut = supplysim.simulate(supplysim.load_scenario(path), runs=64, seed=8).ds
    def vn_magnets(ds):
        mask = (ds.exporter == "Vietnam") & ds.flow_material.str.startswith("magnet")
        return float(ds.shipped_t.where(mask, 0).sel(month=slice("2024-09", None)).sum())
    assert vn_magnets(cut) < 0.8 * vn_magnets(base)


def test_suspension_has_less_shortage_than_the_october_rules():
    sus = supplysim.simulate("apec_suspension", runs=128, seed=22)
    rules = supplysim.simulate("china_controls_oct2025", runs=128, seed=22)
    assert magnet_unmet(sus).mean() < magnet_unmet(rules).mean() / 1.02


def test_return_branch_has_more_shortage_after_november_2026_than_renewal():
    ret = supplysim.simulate("apec_suspension_return", runs=128, seed=22)
    ren = supplysim.simulate("apec_suspension_renewed", runs=128, seed=22)
    assert magnet_unmet(ret, since="2026-11").mean() > 1.02 * magnet_unmet(ren, since="2026-11").mean()
    # until the suspension ends the branches are the same path by path
    before = slice(None, "2026-10")
    assert np.array_equal(ret.ds.unmet_t.sel(month=before).values,
                          ren.ds.unmet_t.sel(month=before).values)


def test_des_files_content_licences_for_third_country_exports():
    res = supplysim.simulate("china_controls_oct2025", runs=2, seed=3, engine="des")
    ev = res.events()
    filed = ev[(ev.kind == "licence_filed") & (ev.detail == "mofcom_no61_content")]
    assert len(filed) > 0
    assert not filed.node.astype(str).str.startswith("cn_").any()
    assert (filed.time >= "2025-12-01").all()
