"""Vector engine: all paths of a chunk at once on a monthly step.

Per month, in this order: shipments due arrive; capacity, outages and project ramp-ups set what
each node can make; lines run at the rate planned from last month's orders, limited by inputs;
consumers order up to their cover target; suppliers allocate stock to orders (home first under
controls, then trade, then stockpile replenishment; pro rata within a class); export policies
cut or delay what was allocated; buyers re-source what stayed unfilled from suppliers with stock
left and from triggered stockpiles; demand lines draw on regional stocks, defence first.
Every quantity is decided by a function of :mod:`supplysim.rules`.

Arrays are exposed shaped ``(paths, k)`` but stored with paths on the last axis: the engine
works on their transposes ``(k, paths)``, so gathers copy whole rows and group sums add rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplysim.engines.balance import BalanceLog, check_step
from supplysim.engines.layout import Layout
from supplysim.engines.month import (
    apply_quotas,
    contract_delivered,
    fired_stockpiles,
    link_classes,
    link_orders,
    project_schedule,
    recycler_capacity,
    resource,
    run_lines,
    short_share,
)
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.demand import demand_at
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share, review_delay_months
from supplysim.rules.production import availability, project_capacity
from supplysim.rules.trade import lag_weights
from supplysim.seeding import Streams


@dataclass
class VectorState:
    """State of a chunk of paths; :func:`step` advances it one month in place.

    Attributes
    ----------
    stock_t : ndarray (paths, slots)
        Inventory of every slot [t].
    pipe_t : ndarray (lags, paths, links)
        Shipments due in ``month + k`` at ring position ``(month + k) % lags`` [t].
    transit_t : ndarray (paths, links)
        Shipped and not yet arrived [t].
    demanded_t : ndarray (paths, slots)
        Orders received by supplier slots last month [t/month].
    short_share : ndarray (paths, stockpiles + recipients)
        Last month's unmet share of the demand of each stockpile's holder, then of each
        stockpile-sharing recipient [1].
    made_t : ndarray (paths, slots)
        Output of every slot last month [t] (recyclers take swarf from it).
    month : int
        Index of the next month to simulate.
    """

    stock_t: np.ndarray
    pipe_t: np.ndarray
    transit_t: np.ndarray
    demanded_t: np.ndarray
    short_share: np.ndarray
    made_t: np.ndarray = None
    month: int = 0


@dataclass(frozen=True)
class PathParams:
    """Per-path parameters of a chunk, sampled once at :func:`init_state`."""

    values: dict
    built: np.ndarray          # (paths, projects) bool: project reached FID
    online_month: np.ndarray   # (paths, projects) [months from horizon start]
    lic_delay: np.ndarray      # (paths, licences) int [months]
    lag_w: np.ndarray          # (lags, links) lead-time weights


@dataclass
class MonthRecord:
    """Outputs of one month, shaped (paths, k)."""

    demand_t: np.ndarray
    unmet_t: np.ndarray
    shipped_t: np.ndarray
    stockpile_t: np.ndarray
    contract_t: np.ndarray
    recycled_t: np.ndarray


def init_state(net, lay: Layout, n_paths: int, streams: Streams) -> tuple[VectorState, PathParams]:
    """Sample per-path parameters and fill stocks to their cover targets."""
    pol = net.policies
    v = net.params.sample_streams(streams)
    v = {k: np.asfortranarray(a) for k, a in v.items()}
    u_lead = streams.uniform("leads", (len(pol.lic_names) + 2 * len(lay.project_node),))
    nq, nj = len(pol.lic_names), len(lay.project_node)
    lic_delay = review_delay_months(v["lic_delay_days"], u_lead[:, :nq])
    fid, online = project_schedule(pol.project_announced, v)
    built = u_lead[:, nq:nq + nj] < fid
    lags = lay.max_lead_lag + int(lic_delay.max(initial=0)) + 2
    use = net.slots.baseline_use_t.to_numpy(float)
    stock = v["cover_months"].T * use[:, None]
    stock[lay.sp_slot] = v["sp_initial_t"].T
    demanded = np.repeat((use * lay.out_slot)[:, None], n_paths, axis=1)
    state = VectorState(stock_t=stock.T, pipe_t=np.zeros((lags, lay.n_links, n_paths)).transpose(0, 2, 1),
                        transit_t=np.zeros((lay.n_links, n_paths)).T, demanded_t=demanded.T,
                        short_share=np.zeros((n_paths, lay.watch_demand.shape[0])),
                        made_t=np.zeros((lay.n_slots, n_paths)).T)
    lag_w = lag_weights(lay.lead_months, lags)
    _fill_pipeline(state, net, lay, lag_w)
    return state, PathParams(v, built, online, lic_delay, lag_w)


def _fill_pipeline(state: VectorState, net, lay: Layout, lag_w: np.ndarray) -> None:
    """Goods already on their way at the start: baseline flows shipped in earlier months."""
    use = net.slots.baseline_use_t.to_numpy(float)
    flow = use[lay.link_dst] * lay.share * lay.trade
    still = np.cumsum(lag_w[::-1], axis=0)[::-1]  # share of a shipment not yet arrived by lag m
    pipe = state.pipe_t.transpose(0, 2, 1)
    for m in range(lag_w.shape[0] - 1):
        pipe[m] = (flow * still[m + 1])[:, None]
    state.transit_t.T[:] = pipe.sum(axis=0)


def _capacity(net, lay: Layout, pp: PathParams, v: dict, t: int, streams: Streams,
              state: VectorState, dem_slot: np.ndarray) -> np.ndarray:
    cap = v["capacity_t_per_month"].copy()
    if len(lay.project_node):
        add = project_capacity(t + 0.5, v["project_capacity_t_per_yr"], pp.built.T, pp.online_month.T,
                               v["project_ramp_months"])
        np.add.at(cap, lay.project_node, add)
    u = streams.uniform("outages", (lay.n_outage_nodes,))
    if net.outages:
        u = np.ascontiguousarray(u.T)
        if lay.n_outage_nodes < lay.n_nodes:
            u = np.vstack([u, np.ones((lay.n_nodes - lay.n_outage_nodes, u.shape[1]))])
        cap *= availability(u, v["outage_prob"], v["outage_loss"])
    if len(lay.rec_node):
        cap[lay.rec_node] = recycler_capacity(lay, v, net.policies.rec_ramp[:, t], state.made_t.T,
                                              dem_slot)
    return cap


class _Exports:
    """Export policies of one month: link classes, bans, licence approvals and delays, quotas.

    Every link any licence covers (``lay.lic_links``) draws its own approvals each month, one
    uniform per application; approvals and delays are kept for the licensed rows ``lic_rows``
    active this month only, shaped ``(rows, paths)``.
    """

    def __init__(self, net, lay: Layout, pp: PathParams, t: int, streams: Streams) -> None:
        pol, P = net.policies, pp.built.shape[0]
        self.classes = link_classes(lay, pol.home_first[t])
        self.open = ~pol.banned[t]
        n_app = int(pol.lic_applications.max(initial=1))
        u = streams.uniform("licences", (len(lay.lic_links), n_app))
        active = np.flatnonzero(pol.lic_active[:, t])
        covered = pol.lic_scope[active].any(axis=0)
        self.lic_rows = np.flatnonzero(covered)
        self.approval = np.ones((len(self.lic_rows), P))
        self.delay = np.zeros((len(self.lic_rows), P), int)
        draw_of = np.searchsorted(lay.lic_links, self.lic_rows)
        for q in active:
            rows = np.flatnonzero(pol.lic_scope[q, self.lic_rows])
            draws = u[:, draw_of[rows], : pol.lic_applications[q]]
            share = approval_share(draws, pp.values["lic_approval_prob"][:, q, None])
            self.approval[rows] *= share.T
            self.delay[rows] = np.maximum(self.delay[rows], pp.lic_delay[:, q])
        self.quota_cols = [pol.quota_scope[z] for z in np.flatnonzero(pol.quota_active[:, t])]
        self.quota_left = pp.values["quota_t_per_month"][:, pol.quota_active[:, t]].T.copy()

    def apply(self, alloc: np.ndarray) -> np.ndarray:
        """What leaves the exporter of an allocation (links, paths) [t]: approved, within quota.

        Scales ``alloc`` in place and returns it.
        """
        sent = alloc
        if len(self.lic_rows):
            sent[self.lic_rows] = alloc[self.lic_rows] * self.approval
        apply_quotas(sent, self.quota_cols, self.quota_left)
        return sent


def _dispatch(state: VectorState, pp: PathParams, sent: np.ndarray, ex: _Exports, t: int):
    """Put shipments into the lead-time pipeline, licensed ones after their review delay."""
    pipe = state.pipe_t.transpose(0, 2, 1)
    H, lags = pipe.shape[0], np.flatnonzero(pp.lag_w.any(axis=1))
    rows, delay = ex.lic_rows, ex.delay
    now = sent
    if delay.any():
        now = sent.copy()
        now[rows] *= delay == 0
    for k in lags:
        pipe[(t + k) % H] += now * pp.lag_w[k][:, None]
    for d in np.unique(delay[delay > 0]):
        part = sent[rows] * (delay == d)
        for k in lags:
            pipe[(t + k + d) % H, rows] += part * pp.lag_w[k, rows][:, None]
    state.transit_t.T[:] += sent


def _receive(state: VectorState, lay: Layout, t: int) -> np.ndarray:
    pipe = state.pipe_t.transpose(0, 2, 1)
    arrived = pipe[t % pipe.shape[0]]
    state.transit_t.T[:] -= arrived
    received = lay.link_by_dst.sum_rows(arrived)
    arrived[:] = 0.0
    state.stock_t.T[:] += received
    return received


def step(state: VectorState, net, lay: Layout, pp: PathParams, streams: Streams,
         log: BalanceLog | None = None) -> MonthRecord:
    """Advance every path of the chunk by one month; return that month's outputs."""
    t, adjust = state.month, net.order_adjust_months
    v = {k: a.T for k, a in pp.values.items()}
    stock = state.stock_t.T
    start = stock.copy() if log is not None else None
    received = _receive(state, lay, t)
    dem = demand_at(v["demand_t_per_month"], v["growth_per_yr"], net.years_from_base[t])
    dem_slot = lay.demand_by_slot.sum_rows(dem)
    cap = _capacity(net, lay, pp, v, t, streams, state, dem_slot)
    planned_in, used, made = run_lines(stock, state.demanded_t.T, lay, v, cap, adjust)
    if len(lay.rec_node):
        state.made_t = made.T

    transit_in = lay.link_by_dst.sum_rows(state.transit_t.T)
    order = order_up_to(planned_in + dem_slot, v["cover_months"] + lay.supply_line_months[:, None],
                        stock, transit_in, adjust) * lay.consumer[:, None]
    pol = net.policies
    sp_active = pol.sp_active[:, t]
    link_order = link_orders(lay, v, stock, order, sp_active, pol.contract_active[:, t])

    ex = _Exports(net, lay, pp, t, streams)
    alloc = allocate_by_class(stock * lay.out_slot[:, None], link_order * ex.open[:, None],
                                   lay.link_src, ex.classes, lay.link_by_src.sum_rows)
    sent = ex.apply(alloc)
    fired = fired_stockpiles(lay, v, sp_active, state.short_share.T, dem_slot, stock,
                             pol.sharing_active[:, t])
    sent2, asked2 = resource(stock, lay, v, ex, order, sent, fired, planned_in + dem_slot,
                             sp_active)
    sent += sent2
    state.demanded_t = lay.link_by_src.sum_rows(link_order + asked2).T
    shipped = lay.link_by_src.sum_rows(sent)
    stock -= shipped
    _dispatch(state, pp, sent, ex, t)
    received += _receive(state, lay, t)

    served = allocate_by_class(stock, dem, lay.d_slot, lay.d_class, lay.demand_by_slot.sum_rows)
    served_slot = lay.demand_by_slot.sum_rows(served)
    stock -= served_slot
    state.short_share = short_share(lay, dem_slot, served_slot).T
    if log is not None:
        check_step(log, state, lay, start.T, received.T, used.T, made.T, sent.T, served_slot.T, t)
    state.month += 1
    return MonthRecord(demand_t=dem.T, unmet_t=(dem - served).T,
                       shipped_t=lay.link_by_flow.sum_rows(sent)[:-1].T,
                       stockpile_t=stock[lay.sp_slot].T,
                       contract_t=contract_delivered(lay, sent).T,
                       recycled_t=made[lay.rec_out].T)
