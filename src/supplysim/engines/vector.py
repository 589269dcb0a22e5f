"""Vector engine: all paths of a chunk at once on a monthly step.

Per month, in this order: shipments due arrive; capacity, outages and project ramp-ups set what
each node can make; lines run at the rate planned from last month's orders, limited by inputs;
consumers order up to their cover target; suppliers allocate stock to orders (home first under
controls, then trade, then stockpile replenishment; pro rata within a class); export policies
cut or delay what was allocated; buyers re-source what stayed unfilled from suppliers with stock
left and from triggered stockpiles; demand lines draw on regional stocks, defence first. Every
stock carries its share of Chinese-origin content (:mod:`supplysim.rules.origin`), which content
rules read to decide which third-country exports need a licence. Every quantity is decided by a
function of :mod:`supplysim.rules`.

Arrays are exposed shaped ``(paths, k)`` but stored with paths on the last axis: the engine
works on their transposes ``(k, paths)``, so gathers copy whole rows and group sums add rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplysim.engines.balance import BalanceLog, check_origin, check_step
from supplysim.engines.layout import Layout
from supplysim.engines.market import (MarketBooks, close_month, input_short, link_shares,
                                      open_books, respond)
from supplysim.engines.month import (
    apply_quotas,
    content_licences,
    contract_delivered,
    fired_stockpiles,
    link_classes,
    link_orders,
    project_schedule,
    recycler_capacity,
    resource,
    run_lines,
    short_share,
    technology_cut,
)
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.demand import demand_at
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share, review_delay_months
from supplysim.rules.origin import mix
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
    origin : ndarray (paths, slots)
        Chinese-origin share of every slot's stock [1].
    pipe_cn_t : ndarray (lags, paths, links)
        Chinese-origin part of the shipments in ``pipe_t`` [t].
    market : MarketBooks
        Price indices, smoothed prices and substitution, arrays ``(k, paths)``.
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
    origin: np.ndarray
    pipe_cn_t: np.ndarray
    market: MarketBooks
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
    content_delay: np.ndarray  # (paths, content rules) int [months]


@dataclass
class MonthRecord:
    """Outputs of one month, shaped (paths, k)."""

    demand_t: np.ndarray
    unmet_t: np.ndarray
    shipped_t: np.ndarray
    stockpile_t: np.ndarray
    origin_share: np.ndarray   # (paths, demand slots) Chinese-origin share of supply [1]
    price_usd_per_kg: np.ndarray
    payment_usd: np.ndarray
    tariff_usd: np.ndarray
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
    nc = len(pol.content_names)
    content_delay = (review_delay_months(v["content_delay_days"], streams.uniform("content_leads", (nc,)))
                     if nc else np.zeros((n_paths, 0), int))
    lags = lay.max_lead_lag + int(max(lic_delay.max(initial=0), content_delay.max(initial=0))) + 2
    use = net.slots.baseline_use_t.to_numpy(float)
    stock = v["cover_months"].T * use[:, None]
    stock[lay.sp_slot] = v["sp_initial_t"].T
    demanded = np.repeat((use * lay.out_slot)[:, None], n_paths, axis=1)
    state = VectorState(stock_t=stock.T, pipe_t=np.zeros((lags, lay.n_links, n_paths)).transpose(0, 2, 1),
                        transit_t=np.zeros((lay.n_links, n_paths)).T, demanded_t=demanded.T,
                        short_share=np.zeros((n_paths, lay.watch_demand.shape[0])),
                        origin=np.repeat(lay.origin0[:, None], n_paths, axis=1).T,
                        pipe_cn_t=np.zeros((lags, lay.n_links, n_paths)).transpose(0, 2, 1),
                        market=open_books(net.market, stock),
                        made_t=np.zeros((lay.n_slots, n_paths)).T)
    lag_w = lag_weights(lay.lead_months, lags)
    _fill_pipeline(state, net, lay, lag_w)
    return state, PathParams(v, built, online, lic_delay, lag_w, content_delay)


def _fill_pipeline(state: VectorState, net, lay: Layout, lag_w: np.ndarray) -> None:
    """Goods already on their way at the start: baseline flows shipped in earlier months."""
    use = net.slots.baseline_use_t.to_numpy(float)
    flow = use[lay.link_dst] * lay.share * lay.trade
    still = np.cumsum(lag_w[::-1], axis=0)[::-1]  # share of a shipment not yet arrived by lag m
    pipe, cn = state.pipe_t.transpose(0, 2, 1), state.pipe_cn_t.transpose(0, 2, 1)
    for m in range(lag_w.shape[0] - 1):
        pipe[m] = (flow * still[m + 1])[:, None]
        cn[m] = (flow * still[m + 1] * lay.origin0[lay.link_src])[:, None]
    state.transit_t.T[:] = pipe.sum(axis=0)


def node_capacity(net, lay: Layout, pp: PathParams, v: dict, t: int,
                  streams: Streams) -> np.ndarray:
    """Capacity of every node in month ``t`` before recyclers (nodes, paths) [t/month]:
    projects, outages and technology rules."""
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
    technology_cut(cap, net.policies, v, t)
    return cap


class Exports:
    """Export policies of one month: link classes, bans, licence approvals and delays, quotas.

    Every link any licence covers (``lay.lic_links``) draws its own approvals each month, one
    uniform per application; approvals and delays are kept for the licensed rows ``lic_rows``
    active this month only, shaped ``(rows, paths)``. Links a content rule may reach
    (``lay.content_links``) draw from their own stream; in a path where the Chinese-origin share
    ``origin`` (slots, paths) of the exporting stock exceeds the rule's threshold, the link is
    licensed as under export licensing, otherwise it ships freely. With ``origin=None`` the
    content rules are left to the caller, with their draws in ``content_draws``.
    """

    def __init__(self, net, lay: Layout, pp: PathParams, t: int, streams: Streams,
                 origin: np.ndarray | None) -> None:
        pol, P = net.policies, pp.built.shape[0]
        self.classes = link_classes(lay, pol.home_first[t])
        self.open = ~pol.banned[t]
        n_app = int(pol.lic_applications.max(initial=1))
        u = streams.uniform("licences", (len(lay.lic_links), n_app))
        active = np.flatnonzero(pol.lic_active[:, t])
        covered = pol.lic_scope[active].any(axis=0)
        c_active = np.flatnonzero(pol.content_active[:, t])
        c_covered = pol.content_scope[c_active].any(axis=0)
        self.lic_rows = np.flatnonzero(covered | c_covered)
        self.approval = np.ones((len(self.lic_rows), P))
        self.delay = np.zeros((len(self.lic_rows), P), int)
        draw_of = np.searchsorted(lay.lic_links, self.lic_rows)
        for q in active:
            rows = np.flatnonzero(pol.lic_scope[q, self.lic_rows])
            cols = draw_of[rows]  # ascending: a slice (a view) where they run without gaps
            if len(cols) and cols[-1] - cols[0] + 1 == len(cols):
                cols = slice(cols[0], cols[-1] + 1)
            draws = u[:, cols, : pol.lic_applications[q]]
            share = approval_share(draws, pp.values["lic_approval_prob"][:, q, None])
            self.approval[rows] *= share.T
            self.delay[rows] = np.maximum(self.delay[rows], pp.lic_delay[:, q])
        self.content_active, self.content_draws = c_active, None
        if len(c_active):
            n_c = int(pol.content_applications.max(initial=1))
            self.content_draws = streams.uniform("content_licences", (len(lay.content_links), n_c))
            if origin is not None:
                content_licences(self, pol, lay, pp.values["content_approval_prob"],
                                 pp.content_delay, c_active, self.content_draws, origin)
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


def _dispatch(state: VectorState, pp: PathParams, sent: np.ndarray, ex: Exports, t: int,
              src_share: np.ndarray):
    """Put shipments and their Chinese-origin part into the lead-time pipeline.

    Licensed shipments enter after their review delay; ``src_share`` (links, paths) is the
    Chinese-origin share of each link's exporting stock [1].
    """
    pipes = (state.pipe_t.transpose(0, 2, 1), state.pipe_cn_t.transpose(0, 2, 1))
    H, lags = pipes[0].shape[0], np.flatnonzero(pp.lag_w.any(axis=1))
    rows, delay = ex.lic_rows, ex.delay
    delays = np.unique(delay[delay > 0])
    for pipe, amount in zip(pipes, (sent, sent * src_share)):
        now = amount
        if len(delays):
            now = amount.copy()
            now[rows] *= delay == 0
        for k in lags:
            pipe[(t + k) % H] += now * pp.lag_w[k][:, None]
        for d in delays:
            part = amount[rows] * (delay == d)
            for k in lags:
                pipe[(t + k + d) % H, rows] += part * pp.lag_w[k, rows][:, None]
    state.transit_t.T[:] += sent


def _receive(state: VectorState, lay: Layout, t: int) -> np.ndarray:
    """Goods due this month reach their buyers' stocks and mix into their origin share."""
    pipe, cn = state.pipe_t.transpose(0, 2, 1), state.pipe_cn_t.transpose(0, 2, 1)
    h = t % pipe.shape[0]
    arrived = pipe[h]
    state.transit_t.T[:] -= arrived
    received = lay.link_by_dst.sum_rows(arrived)
    received_cn = lay.link_by_dst.sum_rows(cn[h])
    arrived[:] = 0.0
    cn[h] = 0.0
    stock, origin = state.stock_t.T, state.origin.T
    origin[:] = mix(stock, origin, received, received_cn)
    stock += received
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
    dem = respond(net.market, state.market, dem)
    dem_slot = lay.demand_by_slot.sum_rows(dem)
    cap = node_capacity(net, lay, pp, v, t, streams)
    if len(lay.rec_node):
        cap[lay.rec_node] = recycler_capacity(lay, v, net.policies.rec_ramp[:, t], state.made_t.T,
                                              dem_slot)
    origin = state.origin.T
    planned_in, used, made = run_lines(stock, state.demanded_t.T, lay, v, cap, adjust, origin)
    short_in = input_short(planned_in, used, made, stock)
    if len(lay.rec_node):
        state.made_t = made.T

    transit_in = lay.link_by_dst.sum_rows(state.transit_t.T)
    order = order_up_to(planned_in + dem_slot, v["cover_months"] + lay.supply_line_months[:, None],
                        stock, transit_in, adjust) * lay.consumer[:, None]
    pol = net.policies
    sp_active = pol.sp_active[:, t]
    link_order = link_orders(lay, v, stock, order, sp_active, pol.contract_active[:, t],
                             link_shares(net.market, lay, state.market, v, t))

    ex = Exports(net, lay, pp, t, streams, origin)
    alloc = allocate_by_class(stock * lay.out_slot[:, None], link_order * ex.open[:, None],
                              ex.classes, lay.link_by_src)
    sent = ex.apply(alloc)
    fired = fired_stockpiles(lay, v, sp_active, state.short_share.T, dem_slot, stock,
                             pol.sharing_active[:, t])
    sent2, asked2 = resource(stock, lay, v, ex, order, sent, fired, planned_in + dem_slot,
                             sp_active)
    sent += sent2
    state.demanded_t = lay.link_by_src.sum_rows(link_order + asked2).T
    shipped = lay.link_by_src.sum_rows(sent)
    stock -= shipped
    _dispatch(state, pp, sent, ex, t, origin[lay.link_src])
    received += _receive(state, lay, t)
    origin_share = origin[lay.od_slot].T.copy()

    served = allocate_by_class(stock, dem, lay.d_class, lay.demand_by_slot)
    served_slot = lay.demand_by_slot.sum_rows(served)
    stock -= served_slot
    state.short_share = short_share(lay, dem_slot, served_slot).T
    mm = close_month(net.market, state.market, v, t,
                     dict(stock=stock, need=planned_in, short=short_in, made=made, sent=sent))
    if log is not None:
        check_step(log, state, lay, start.T, received.T, used.T, made.T, sent.T, served_slot.T, t)
        check_origin(log.net, t, state.origin, state.pipe_cn_t, state.pipe_t)
    state.month += 1
    return MonthRecord(demand_t=dem.T, unmet_t=(dem - served).T,
                       shipped_t=lay.link_by_flow.sum_rows(sent)[:-1].T,
                       stockpile_t=stock[lay.sp_slot].T, origin_share=origin_share,
                       price_usd_per_kg=mm.price_usd_per_kg.T, payment_usd=mm.payment_usd.T,
                       tariff_usd=mm.tariff_usd.T, contract_t=contract_delivered(lay, sent).T,
                       recycled_t=made[lay.rec_out].T)
