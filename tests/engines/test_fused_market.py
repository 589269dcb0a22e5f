"""The compiled per-path market against the numpy market, month by month on the same inputs."""

from __future__ import annotations

import copy
import dataclasses
import textwrap

import numpy as np
import pytest

pytest.importorskip("numba")

import supplysim  # noqa: E402
from supplysim.engines import vector  # noqa: E402
from supplysim.engines.fused import market as fm  # noqa: E402
from supplysim.engines.layout import Layout  # noqa: E402
from supplysim.engines.market import close_month, link_shares, respond  # noqa: E402
from supplysim.network import compile_network  # noqa: E402
from supplysim.rules.prices import cover_gap  # noqa: E402
from supplysim.seeding import Streams, root_seed  # noqa: E402

PATHS = 256
#: exp, pow and dense products (BLAS) may differ from numpy's in the last bits
RTOL = 1e-12

#: every market policy at once, with demand response, under the 2025 licensing
ALL_POLICIES = """\
    name: all_market_policies
    extends: china_licensing_2025
    demand_response: true
    policies:
      - type: tariff
        name: us_on_china
        exporter: China
        destinations: [United States]
        stages: [oxide, metal]
        elements: [NdPr, Dy]
        rate_share: {dist: uniform, low: 0.1, high: 0.6}
        start: 2025-06
      - type: tariff
        name: eu_on_china
        exporter: China
        destinations: all
        stages: [magnet]
        elements: [NdPr]
        rate_share: 0.25
        start: 2025-07
        end: 2025-09
      - type: friend_shoring
        name: japan_prefers_allies
        buyers: [Japan]
        bloc: allied
        stages: [oxide, metal]
        max_premium_share: {dist: uniform, low: 0.0, high: 0.8}
        start: 2025-03
      - type: friend_shoring
        name: all_prefer_allies
        buyers: all
        bloc: allied
        stages: [magnet]
        max_premium_share: 0.3
        start: 2025-05
      - type: export_price_cut
        name: cut_ndpr
        exporter: China
        elements: [NdPr, Dy]
        cut_share: {dist: uniform, low: 0.1, high: 0.5}
        start: 2025-03
      - type: export_price_cut
        name: cut_dy
        exporter: China
        elements: [Dy]
        cut_share: 0.2
        start: 2025-05
        end: 2025-08
      - type: price_floor
        name: floor
        element: NdPr
        market: ex_china
        floor_usd_per_kg: 110
        producer: United States
        stage: oxide
        covered_t_per_month: 50
        covered_share: 0.5
        start: 2025-03
    """

SCENARIOS = {  # scenario -> months to run
    "china_licensing_2025": 8,
    "mp_price_floor": 12,
    "us_japan_framework": 6,
    "rare_earth_crisis_2010": 12,
    "all_market_policies": 9,
    "battery_baseline_2024": 3,  # no priced element: the close reports nothing
}


@pytest.fixture(scope="module")
def all_policies(tmp_path_factory):
    path = tmp_path_factory.mktemp("fused_market") / "all_market_policies.yaml"
    path.write_text(textwrap.dedent(ALL_POLICIES))
    return path


def _setup(world, scenario):
    net = compile_network(world, supplysim.load_scenario(scenario, world))
    lay = Layout.of(net)
    state, pp = vector.init_state(net, lay, PATHS, Streams(root_seed(5), 0, PATHS))
    mk, mv = fm.pack_market(net, lay, pp.values)
    return net, lay, state, pp, mk, mv


def _rows(a):
    """(k, paths) -> C-contiguous (paths, k) copy."""
    return np.ascontiguousarray(np.asarray(a).T)


def _assert_books(numpy_books, fused: fm.Books, exact=("log_ratio", "stock_ref", "subst")):
    for name in fm.Books._fields:
        want = getattr(numpy_books, name).T
        got = getattr(fused, name)
        if name in exact:
            np.testing.assert_array_equal(got, want, err_msg=name)
        else:
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=name)


def fused_close(mk, mv, books, t, flows, paths):
    """The per-path close on copies of the inputs: (books, price, pay, tariff)."""
    bk = fm.books_in(books)
    f = {k: _rows(flows[k]) for k in ("stock", "short", "need", "made", "sent")}
    price = np.full((paths, len(mk.price0)), np.nan)
    pay = np.full((paths, len(mk.floor_row)), np.nan)
    tariff = np.full((paths, len(mk.tr_ptr) - 1), np.nan)
    scratch = fm.market_scratch(mk, paths)
    for p in range(paths):
        fm.close_month_path(p, t, mk, mv, bk, f["stock"], f["short"], f["need"], f["made"],
                            f["sent"], price, pay, tariff, scratch)
    return bk, price, pay, tariff


def check_close(market, mk, mv, books, v, t, flows):
    """Both closes on the same books and flows; returns the numpy close's report."""
    bk, price, pay, tariff = fused_close(mk, mv, books, t, flows, flows["stock"].shape[1])
    mm = close_month(market, books, v, t, flows)
    _assert_books(books, bk)
    np.testing.assert_allclose(price, mm.price_usd_per_kg.T, rtol=RTOL, atol=0)
    # floor - price cancels: a last-bit difference of the price is absolute, within a micro-dollar
    np.testing.assert_allclose(pay, mm.payment_usd.T, rtol=RTOL, atol=1e-6)
    np.testing.assert_allclose(tariff, mm.tariff_usd.T, rtol=RTOL, atol=0)
    return mm


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_per_path_market_equals_numpy_month_by_month(world, all_policies, monkeypatch, scenario):
    net, lay, state, pp, mk, mv = _setup(world, all_policies if scenario == "all_market_policies"
                                         else scenario)
    seen = {"respond": 0, "link_shares": 0, "close": 0}

    def respond_both(market, books, demand):
        out = respond(market, books, demand)
        if mk.response:
            bk, dem = fm.books_in(books), _rows(demand)
            for p in range(dem.shape[0]):
                fm.respond_path(p, mk, bk, dem)
            np.testing.assert_allclose(dem, out.T, rtol=RTOL, atol=0)
            seen["respond"] += 1
        return out

    def link_shares_both(market, layout, books, v, t):
        out = link_shares(market, layout, books, v, t)
        assert (out is None) == (not mk.steers_links)
        if mk.steers_links:
            bk = fm.books_in(books)
            share = np.full((PATHS, len(mk.share)), np.nan)
            scratch = fm.market_scratch(mk, PATHS)
            for p in range(PATHS):
                fm.link_shares_path(p, t, mk, mv, bk, scratch, share)
            if not market.tariff_active[:, t].any():  # no pow: sums and products only
                np.testing.assert_array_equal(share, out.T)
            np.testing.assert_allclose(share, out.T, rtol=RTOL, atol=0)
            seen["link_shares"] += 1
        return out

    def close_both(market, books, v, t, flows):
        seen["close"] += 1
        return check_close(market, mk, mv, books, v, t, flows)

    monkeypatch.setattr(vector, "respond", respond_both)
    monkeypatch.setattr(vector, "link_shares", link_shares_both)
    monkeypatch.setattr(vector, "close_month", close_both)
    streams = Streams(root_seed(5), 0, PATHS)
    months = SCENARIOS[scenario]
    for _ in range(months):
        vector.step(state, net, lay, pp, streams)
    assert seen == {"respond": months * net.market.response, "close": months,
                    "link_shares": months * net.market.steers_links}
    m = net.market
    active = [a[:, :months].any() for a in (m.floor_active, m.cut_active, m.tariff_active,
                                            m.fs_active)]
    if scenario == "mp_price_floor":
        assert active[0]
    if scenario == "all_market_policies":
        assert all(active)  # every kind of policy was active in some of the months compared


def test_close_at_the_bounds_of_the_price_rule(world, all_policies):
    """Empty and overfull stocks (cover gap clipped at 1 and -1), planned input all uncovered,
    all covered or none, and indices pushed to both bounds of ``max_price_ratio``."""
    net, lay, state, pp, mk, mv = _setup(world, all_policies)
    streams = Streams(root_seed(5), 0, PATHS)
    for _ in range(6):  # into the months where every policy is active
        vector.step(state, net, lay, pp, streams)
    market = dataclasses.replace(net.market, rule=dict(net.market.rule, max_price_ratio=1.5))
    mk, _ = fm.pack_market(dataclasses.replace(net, market=market), lay, pp.values)
    books = copy.deepcopy(state.market)
    half = PATHS // 2
    books.log_ratio[:, :half] = 1.0
    books.log_ratio[:, half:] = -2.0
    stock = state.stock_t.T.copy()
    stock[:, :half] = 0.0
    stock[:, half:] *= 10.0
    need = np.repeat(np.linspace(0.0, 50.0, lay.n_slots)[:, None], PATHS, axis=1)
    need[:, ::8] = 0.0  # nothing planned: no unmet share
    short = need.copy()
    short[:, half:] = 0.0  # overfull stocks and all input covered: the index falls
    flows = dict(stock=stock, need=need, short=short, made=state.made_t.T.copy(),
                 sent=np.full((lay.n_links, PATHS), 3.0))
    gap_of = cover_gap(net.market.slot_content @ stock, books.stock_ref)
    assert (gap_of == 1.0).any() and (gap_of == -1.0).any()
    mm = check_close(market, mk, mv, books, {k: a.T for k, a in pp.values.items()},
                     state.month, flows)
    bound = np.log(1.5)
    assert (books.log_ratio == bound).any() and (books.log_ratio == -bound).any()
    assert (mm.payment_usd > 0).any() and (mm.tariff_usd > 0).any()


def test_books_round_trip(world):
    _, _, state, _, _, _ = _setup(world, "mp_price_floor")
    bk = fm.books_in(state.market)
    assert all(a.flags.c_contiguous and a.shape[0] == PATHS for a in bk)
    back = fm.books_out(bk)
    for name in fm.Books._fields:
        np.testing.assert_array_equal(getattr(back, name), getattr(state.market, name))
