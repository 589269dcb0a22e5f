"""Discrete-event engine: results API, event log, reproducibility, review queue, story plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import supplysim
from supplysim.engines.des.environment import DAYS_PER_MONTH, Stock
from supplysim.engines.des.event_log import COLUMNS, KINDS
from supplysim.engines.des.runner import batch_down, outage_schedule

LICENCE = """\
name: {name}
extends: china_licensing_2025
horizon: {{start: 2025-01, months: {months}}}
policies:
  - type: export_licensing
    name: mofcom_no18
    exporter: China
    stages: [oxide, metal, magnet]
    elements: [Dy, Tb]
    approval_prob: {{dist: beta, a: 6, b: 4}}
    review_delay_days: 45
    start: 2025-02-01
{extra}"""


def variant(tmp_path, name: str, months: int = 12, extra: str = ""):
    path = tmp_path / f"{name}.yaml"
    path.write_text(LICENCE.format(name=name, months=months, extra=extra))
    return supplysim.load_scenario(path)


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    return variant(tmp_path_factory.mktemp("des"), "short_licensing")


@pytest.fixture(scope="module")
def res(short):
    return supplysim.simulate(short, runs=3, seed=4, engine="des")


def test_same_dataset_as_vector(short, res):
    vec = supplysim.simulate(short, runs=3, seed=4)
    for name, da in vec.ds.data_vars.items():
        assert res.ds[name].dims == da.dims and res.ds[name].shape == da.shape
    assert res.meta["engine"] == "des" and res.ds.attrs["engine"] == "des"
    assert not res.shortage_curve().empty and not res.flows().empty
    assert len(res.stockpiles()) and len(res.summary())
    assert (res.ds.unmet_t <= res.ds.demand_t + 1e-3).all()
    assert (res.ds.unmet_t >= 0).all() and (res.ds.stockpile_t >= -1e-3).all()


def test_event_log(res):
    ev = res.events()
    assert tuple(ev.columns) == COLUMNS
    assert pd.api.types.is_datetime64_any_dtype(ev.time)
    assert set(ev.kind.unique()) <= set(KINDS)
    assert {"production", "shipment_departed", "shipment_arrived", "licence_filed",
            "licence_decision", "demand_draw"} <= set(ev.kind.astype(str))
    assert sorted(ev.path.unique()) == [0, 1, 2]
    start = pd.Timestamp(res.ds.month.values[0])
    assert ev.time.min() >= start
    assert ev.time.max() < start + pd.Timedelta(days=12 * DAYS_PER_MONTH)
    japan = ev[(ev.kind == "shipment_arrived") & (ev.node == "demand_Japan")]
    assert len(japan) and (japan.tonnes > 0).all()
    assert (ev.groupby("path").time.apply(lambda t: t.is_monotonic_increasing)).all()


def test_licence_decisions_follow_filing_by_the_review_delay(res):
    ev = res.events()
    lic = ev[ev.kind.isin(["licence_filed", "licence_decision"]) & (ev.path == 0)]
    filed = lic[lic.kind == "licence_filed"].time.sort_values().to_numpy()
    decided = lic[lic.kind == "licence_decision"].time.sort_values().to_numpy()
    gaps = (decided - filed[: len(decided)]) / np.timedelta64(1, "D")
    assert len(decided) > 10 and np.allclose(gaps, 45.0, atol=1e-6)
    share = (lic.detail == "approved").sum() / max((lic.kind == "licence_decision").sum(), 1)
    assert 0.1 < share < 0.99


def test_monthly_unmet_matches_the_shortage_events(res):
    ev = res.events()
    short = ev[(ev.kind == "shortage") & (ev.path == 1)].tonnes.sum()
    assert short == pytest.approx(float(res.ds.unmet_t.isel(path=1).sum()), rel=1e-4, abs=1e-2)


def test_same_seed_same_results_and_prefix_stable(short, res):
    again = supplysim.simulate(short, runs=3, seed=4, engine="des")
    for k in res.ds.data_vars:
        np.testing.assert_array_equal(res.ds[k].values, again.ds[k].values)
    pd.testing.assert_frame_equal(res.events(), again.events())
    more = supplysim.simulate(short, runs=4, seed=4, engine="des")
    np.testing.assert_array_equal(more.ds.unmet_t.values[:3], res.ds.unmet_t.values)
    other = supplysim.simulate(short, runs=3, seed=5, engine="des")
    assert not res.events().equals(other.events())


def test_finite_review_capacity_builds_a_backlog(tmp_path):
    def delays(extra):
        s = variant(tmp_path, "queue" if extra else "open", months=12, extra=extra)
        ev = supplysim.simulate(s, runs=1, seed=2, engine="des").events()
        filed = ev[ev.kind == "licence_filed"]
        decided = ev[ev.kind == "licence_decision"]
        return len(filed), len(decided), ev

    n_open, d_open, _ = delays("")
    n_q, d_q, ev = delays("    review_capacity_per_week: 3\n")
    assert n_q > 0 and d_q < 0.5 * d_open
    review = ev[ev.kind == "licence_review"]
    weekly = review.groupby(review.time).size()
    assert weekly.max() <= 3


def test_requests_for_information_delay_decisions(tmp_path):
    s = variant(tmp_path, "rfi", months=8, extra="    rfi_prob: 0.5\n    rfi_delay_days: 20\n")
    ev = supplysim.simulate(s, runs=1, seed=3, engine="des").events()
    assert (ev.kind == "licence_rfi").sum() > 5


def test_vector_results_have_no_event_log(short):
    with pytest.raises(ValueError, match="event log"):
        supplysim.simulate(short, runs=2, seed=1).events()


def test_unknown_engine_is_refused(short):
    with pytest.raises(ValueError, match="des"):
        supplysim.simulate(short, runs=2, engine="analytic")


def test_story_plot(res):
    fig, axes = res.plot_story(path=0, region="Japan")
    assert len(axes) == 4 and fig is axes[0].figure
    assert axes[0].get_title().endswith("Japan")
    with pytest.raises(ValueError, match="region"):
        res.plot_story(region="Atlantis")


def test_stock_waits_for_the_whole_amount():
    import simpy

    env = simpy.Environment()
    stock = Stock(env, init=5.0)
    got = []

    def taker():
        yield stock.take(8.0)
        got.append(env.now)

    def giver():
        yield env.timeout(3.0)
        stock.add(2.0)
        yield env.timeout(2.0)
        stock.add(1.0 - 1e-12)

    env.process(taker())
    env.process(giver())
    env.run()
    assert got == [5.0] and stock.level == 0.0
    assert stock.take(0.0 + 1e-12) is not None or stock.level == 0.0


def test_outages_are_down_their_probability_of_the_time():
    rng = np.random.default_rng(0)
    prob = np.array([0.0, 0.05, 0.2])
    cuts = outage_schedule(rng, prob, 4000)
    share = batch_down(cuts, 3, 4000).mean(axis=(1, 2))
    assert share[0] == 0.0
    assert share[1] == pytest.approx(0.05, rel=0.15) and share[2] == pytest.approx(0.2, rel=0.15)
    assert all(e > a for _, a, e in cuts) and DAYS_PER_MONTH == pytest.approx(30.4375)
