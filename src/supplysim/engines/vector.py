"""Vector engine: all paths of a chunk at once on a monthly step.

Per month, in this order: shipments due arrive; capacity, outages and project ramp-ups set what
each node can make; lines run at the rate planned from last month's orders, limited by inputs;
consumers order up to their cover target; suppliers allocate stock to orders (home first under
controls, then trade, then stockpile replenishment; pro rata within a class); export policies
cut or delay what was allocated; buyers re-source what stayed unfilled from suppliers with stock
left and from triggered stockpiles; demand lines draw on regional stocks, defence first.
Every quantity is decided by a function of :mod:`supplysim.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplysim.engines.balance import BalanceLog, check_step
from supplysim.engines.layout import CLASS_HOME, CLASS_REPLENISH, CLASS_TRADE, Layout
from supplysim.rules._ratio import capped_ratio
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.demand import demand_at
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share, review_delay_months
from supplysim.rules.production import (availability, input_fill, project_capacity,
                                        scale_to_capacity)
from supplysim.rules.stockpile import release_available, replenish_order
from supplysim.rules.trade import lag_weights, quota_scale
from supplysim.seeding import Streams

TINY = 1e-300


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
    month : int
        Index of the next month to simulate.
    """

    stock_t: np.ndarray
    pipe_t: np.ndarray
    transit_t: np.ndarray
    demanded_t: np.ndarray
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


def init_state(net, lay: Layout, n_paths: int, streams: Streams) -> tuple[VectorState, PathParams]:
    """Sample per-path parameters and fill stocks to their cover targets."""
    pol = net.policies
    v = net.params.sample(streams.uniform("sampling", (net.params.n_uncertain,)))
    u_lead = streams.uniform("leads", (len(pol.lic_names) + 2 * len(lay.project_node),))
    nq, nj = len(pol.lic_names), len(lay.project_node)
    lic_delay = review_delay_months(v["lic_delay_days"], u_lead[:, :nq])
    built = u_lead[:, nq:nq + nj] < v["project_fid_prob"]
    online = pol.project_announced + v["project_construction_months"]
    lags = lay.max_lead_lag + int(lic_delay.max(initial=0)) + 2
    stock = v["cover_months"] * net.slots.baseline_use_t.to_numpy(float)
    stock[:, lay.sp_slot] = v["sp_initial_t"]
    state = VectorState(stock_t=stock, pipe_t=np.zeros((lags, n_paths, lay.n_links)),
                        transit_t=np.zeros((n_paths, lay.n_links)),
                        demanded_t=np.broadcast_to(net.slots.baseline_use_t.to_numpy(float) * lay.out_slot,
                                                   (n_paths, lay.n_slots)).copy())
    lag_w = lag_weights(lay.lead_months, lags)
    _fill_pipeline(state, net, lay, lag_w)
    return state, PathParams(v, built, online, lic_delay, lag_w)


def _fill_pipeline(state: VectorState, net, lay: Layout, lag_w: np.ndarray) -> None:
    """Goods already on their way at the start: baseline flows shipped in earlier months."""
    use = net.slots.baseline_use_t.to_numpy(float)
    flow = use[lay.link_dst] * lay.share * lay.trade
    still = np.cumsum(lag_w[::-1], axis=0)[::-1]  # share of a shipment not yet arrived by lag m
    for m in range(lag_w.shape[0] - 1):
        state.pipe_t[m] = flow * still[m + 1]
    state.transit_t[:] = state.pipe_t.sum(axis=0)


def _capacity(net, lay: Layout, pp: PathParams, t: int, streams: Streams) -> np.ndarray:
    v = pp.values
    cap = v["capacity_t_per_month"].copy()
    if len(lay.project_node):
        add = project_capacity(t + 0.5, v["project_capacity_t_per_yr"], pp.built, pp.online_month,
                               v["project_ramp_months"])
        np.add.at(cap.T, lay.project_node, add.T)
    u = streams.uniform("outages", (lay.n_nodes,))
    if net.outages:
        cap *= availability(u, v["outage_prob"], v["outage_loss"])
    return cap


def _run_lines(state: VectorState, lay: Layout, v: dict, cap: np.ndarray, adjust: float):
    """Plan line activity from last month's orders, limit by capacity and inputs, convert."""
    need = order_up_to(state.demanded_t, v["cover_months"], state.stock_t, 0.0, adjust)
    act = lay.out_by_line.max(need[:, lay.op_slot] / np.maximum(v["out_yield"], TINY))
    node_act = lay.line_by_node.sum(act)
    act = scale_to_capacity(act, node_act[:, lay.line_node], cap[:, lay.line_node])
    planned_in = lay.in_by_slot.sum(act[:, lay.ip_line] * v["in_ratio"])
    fill = input_fill(state.stock_t, planned_in)
    done = act * lay.in_by_line.min(fill[:, lay.ip_slot], empty=1.0)
    used = lay.in_by_slot.sum(done[:, lay.ip_line] * v["in_ratio"])
    made = lay.out_by_slot.sum(done[:, lay.op_line] * v["out_yield"])
    state.stock_t += made - used
    return planned_in, used, made


class _Exports:
    """Export policies of one month: link classes, bans, licence approvals and delays, quotas."""

    def __init__(self, net, lay: Layout, pp: PathParams, t: int, streams: Streams) -> None:
        pol, P = net.policies, pp.built.shape[0]
        self.classes = np.where(pol.home_first[t], CLASS_HOME,
                                np.where(lay.replenish, CLASS_REPLENISH, CLASS_TRADE))
        self.open = ~pol.banned[t]
        self.approval = np.ones((P, lay.n_links))
        self.delay = np.zeros((P, lay.n_links), int)
        n_app = int(pol.lic_applications.max(initial=1))
        u = streams.uniform("licences", (len(pol.lic_names), n_app))
        for q in np.flatnonzero(pol.lic_active[:, t]):
            share = approval_share(u[:, q, : pol.lic_applications[q]], pp.values["lic_approval_prob"][:, q])
            cols = pol.lic_scope[q]
            self.approval[:, cols] *= share[:, None]
            self.delay[:, cols] = np.maximum(self.delay[:, cols], pp.lic_delay[:, q, None])
        self.quota_cols = [pol.quota_scope[z] for z in np.flatnonzero(pol.quota_active[:, t])]
        self.quota_left = pp.values["quota_t_per_month"][:, pol.quota_active[:, t]].copy()

    def apply(self, alloc: np.ndarray) -> np.ndarray:
        """What leaves the exporter of an allocation [t]: approved and within quota."""
        sent = alloc * self.approval
        for z, cols in enumerate(self.quota_cols):
            exports = sent[:, cols].sum(axis=1)
            scale = quota_scale(exports, self.quota_left[:, z])
            sent[:, cols] *= scale[:, None]
            self.quota_left[:, z] -= exports * scale
        return sent


def _dispatch(state: VectorState, pp: PathParams, sent: np.ndarray, delay: np.ndarray, t: int):
    """Put shipments into the lead-time pipeline, licensed ones after their review delay."""
    H = state.pipe_t.shape[0]
    delays = np.unique(delay) if delay.any() else (0,)
    for d in delays:
        part = sent if len(delays) == 1 else sent * (delay == d)
        for k in np.flatnonzero(pp.lag_w.any(axis=1)):
            state.pipe_t[(t + k + d) % H] += part * pp.lag_w[k]
    state.transit_t += sent


def _receive(state: VectorState, lay: Layout, t: int) -> np.ndarray:
    ring = t % state.pipe_t.shape[0]
    arrived = state.pipe_t[ring].copy()
    state.pipe_t[ring] = 0.0
    state.transit_t -= arrived
    received = lay.link_by_dst.sum(arrived)
    state.stock_t += received
    return received


def step(state: VectorState, net, lay: Layout, pp: PathParams, streams: Streams,
         log: BalanceLog | None = None) -> MonthRecord:
    """Advance every path of the chunk by one month; return that month's outputs."""
    t, v, adjust = state.month, pp.values, net.order_adjust_months
    start = state.stock_t.copy() if log is not None else None
    received = _receive(state, lay, t)
    cap = _capacity(net, lay, pp, t, streams)
    dem = demand_at(v["demand_t_per_month"], v["growth_per_yr"], net.years_from_base[t])
    dem_slot = lay.demand_by_slot.sum(dem)
    planned_in, used, made = _run_lines(state, lay, v, cap, adjust)

    transit_in = lay.link_by_dst.sum(state.transit_t)
    order = order_up_to(planned_in + dem_slot, v["cover_months"] + lay.supply_line_months,
                        state.stock_t, transit_in, adjust) * lay.consumer
    sp_active = net.policies.sp_active[:, t]
    rep = replenish_order(state.stock_t[:, lay.sp_slot], v["sp_target_t"],
                          v["sp_replenish_t_per_month"], sp_active)
    link_order = order[:, lay.link_dst] * lay.share * lay.trade
    if lay.replenish.any():
        link_order[:, lay.replenish] = rep[:, lay.sp_of_link[lay.replenish]] * lay.share[lay.replenish]

    ex = _Exports(net, lay, pp, t, streams)
    alloc = allocate_by_class(state.stock_t * lay.out_slot, link_order * ex.open, lay.link_src,
                              ex.classes, lay.link_by_src.sum)
    sent = ex.apply(alloc)
    sent2, asked2 = _resource(state, lay, v, ex, order, sent, sp_active)
    sent += sent2
    state.demanded_t = lay.link_by_src.sum(link_order + asked2)
    state.stock_t -= lay.link_by_src.sum(sent)
    _dispatch(state, pp, sent, ex.delay, t)
    received += _receive(state, lay, t)

    served = allocate_by_class(state.stock_t, dem, lay.d_slot, lay.d_class, lay.demand_by_slot.sum)
    served_slot = lay.demand_by_slot.sum(served)
    state.stock_t -= served_slot
    if log is not None:
        check_step(log, state, lay, start, received, used, made, sent, served_slot, t)
    state.month += 1
    return MonthRecord(demand_t=dem, unmet_t=dem - served,
                       shipped_t=lay.link_by_flow.sum(sent)[:, :-1],
                       stockpile_t=state.stock_t[:, lay.sp_slot].copy())


def _resource(state, lay: Layout, v: dict, ex: _Exports, order, sent, sp_active) -> np.ndarray:
    """Round two: unfilled orders go to suppliers with stock left and to triggered stockpiles.

    Returns what was sent and what was asked of trade links (suppliers plan for it next month).
    """
    unfilled = np.maximum(order - lay.link_by_dst.sum(sent), 0.0)
    short = (unfilled @ lay.release_dst) / np.maximum(order @ lay.release_dst, TINY)
    left = np.maximum(state.stock_t - lay.link_by_src.sum(sent), 0.0) * lay.out_slot
    left[:, lay.sp_slot] = release_available(state.stock_t[:, lay.sp_slot],
                                             v["sp_release_t_per_month"], short,
                                             v["sp_release_trigger_share"], sp_active)
    weight = left[:, lay.link_src] * ((lay.trade & ex.open) | lay.release)
    wsum = lay.link_by_dst.sum(weight)
    req = unfilled[:, lay.link_dst] * capped_ratio(weight, wsum[:, lay.link_dst])
    alloc = allocate_by_class(left, req, lay.link_src, ex.classes, lay.link_by_src.sum)
    return ex.apply(alloc), req * lay.trade
