"""Decisions of one month on ``(k, paths)`` arrays, shared by the vector and discrete-event engines.

Each function decides quantities with :mod:`supplysim.rules`; the engines decide when they
apply. ``paths`` may be 1 (the discrete-event engine plans one path at a time).
"""

from __future__ import annotations

import numpy as np

from supplysim.engines.layout import CLASS_HOME, Layout
from supplysim.rules._ratio import share_of
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share
from supplysim.rules.origin import line_share, mix, needs_licence, technology_availability
from supplysim.rules.production import financed_fid, financed_online, input_fill, scale_to_capacity
from supplysim.rules.stockpile import fires, release_available, replenish_order
from supplysim.rules.trade import quota_scale

TINY = 1e-300


def run_lines(stock, demanded, lay: Layout, v: dict, cap: np.ndarray, adjust: float, origin=None):
    """Plan line activity from last month's orders, limit by capacity and inputs, convert.

    When ``origin`` (slots, paths) is given, what the lines make mixes into their output slots'
    Chinese-origin share (updated in place): the share of a line's output is 1 in China, else
    the mass-weighted share of the inputs it used.
    """
    need = order_up_to(demanded, v["cover_months"], stock, 0.0, adjust)
    act = lay.out_by_line.max_rows(need[lay.op_slot] / np.maximum(v["out_yield"], TINY))
    node_act = lay.line_by_node.sum_rows(act)
    act = scale_to_capacity(act, node_act[lay.line_node], cap[lay.line_node])
    if lay.must_run.any():
        act[lay.must_run] = cap[lay.line_node[lay.must_run]]
    planned_in = lay.in_by_slot.sum_rows(act[lay.ip_line] * v["in_ratio"])
    fill = input_fill(stock, planned_in)
    done = act * lay.in_by_line.min_rows(fill[lay.ip_slot], empty=1.0)
    used = lay.in_by_slot.sum_rows(done[lay.ip_line] * v["in_ratio"])
    made = lay.out_by_slot.sum_rows(done[lay.op_line] * v["out_yield"])
    if origin is not None:
        pair_in = done[lay.ip_line] * v["in_ratio"]
        share = line_share(lay.in_by_line.sum_rows(pair_in),
                           lay.in_by_line.sum_rows(pair_in * origin[lay.ip_slot]),
                           lay.line_china[:, None])
        made_cn = lay.out_by_slot.sum_rows(done[lay.op_line] * v["out_yield"] * share[lay.op_line])
        origin[:] = mix(stock - used, origin, made, made_cn)
    stock += made - used
    return planned_in, used, made


def project_schedule(announced, v: dict):
    """FID probability and online month of each project, after financing [1], [months].

    ``announced`` (J,) [months from horizon start]; ``v`` holds the project parameters, shaped
    (paths, J) or (J,).
    """
    fid = financed_fid(v["project_fid_prob"], v["project_fid_gap"])
    online = financed_online(announced + v["project_construction_months"], v["project_cut"],
                             v["project_finance_month"], announced)
    return fid, online


def recycler_capacity(lay: Layout, v: dict, ramp, made_last, demand) -> np.ndarray:
    """Scrap each recycler processes this month (recyclers, paths) [t/month].

    Feed: its ``recycler_swarf_share`` of the magnets made in its country last month
    (``made_last`` (slots, paths) [t]) plus ``recycler_collection_rate`` of its country's magnet
    demand this month (``demand`` (slots, paths) [t/month]; end-of-life magnets collected, a
    proxy: products retiring carry about as many magnets as are bought now), both times the
    ramp ``ramp`` (recyclers,) [1]; at most ``recycler_capacity_t_per_month``.
    """
    feed = (v["recycler_swarf_share"] * (lay.rec_swarf @ made_last)
            + v["recycler_collection_rate"] * (lay.rec_eol @ demand)) * ramp[:, None]
    return np.minimum(feed, v["recycler_capacity_t_per_month"])


def link_classes(lay: Layout, home_first) -> np.ndarray:
    """Allocation class of every link this month (L,): home first where a control is active."""
    return np.where(home_first, CLASS_HOME, lay.link_class)


def contract_requests(lay: Layout, v: dict, order, active, stock=None) -> np.ndarray:
    """Tonnes called on each contract and recycle link (links, paths) [t].

    A buyer site calls its contracts' volumes (``contract_t_per_month`` of the active contracts,
    split over the contract's links by ``contract_weight``) and the stock of the recyclers of
    its country (split over their buyers by ``contract_weight``) up to its own order: when
    these exceed its order, all are scaled down in proportion.
    """
    rows = lay.contract_of_link >= 0
    want = np.zeros((lay.n_links, order.shape[1]))
    c = lay.contract_of_link[rows]
    if active is not None:
        want[rows] = (v["contract_t_per_month"][c] * active[c][:, None]
                      * lay.contract_weight[rows][:, None])
    if stock is not None and lay.recycle.any():
        r = lay.recycle
        want[r] = np.maximum(stock[lay.link_src[r]], 0.0) * lay.contract_weight[r][:, None]
    into = lay.link_by_dst.sum_rows(want)
    scale = np.minimum(1.0, share_of(order, into))
    return want * scale[lay.link_dst]


def link_orders(lay: Layout, v: dict, stock, order, sp_active, contract_active=None,
                share=None) -> np.ndarray:
    """Orders placed on every link (links, paths): contracts, trade shares, replenishment.

    Contract calls (see :func:`contract_requests`) come out of a buyer's order; the rest is
    spread over its trade links by share. ``share`` (links, paths) replaces the baseline trade
    shares when tariffs or friend-shoring steer orders (see
    :func:`supplysim.engines.market.link_shares`).
    """
    rep = replenish_order(stock[lay.sp_slot], v["sp_target_t"], v["sp_replenish_t_per_month"],
                          sp_active[:, None])
    contracted = None
    on = lay.n_contracts and contract_active is not None and contract_active.any()
    if on or lay.recycle.any():
        contracted = contract_requests(lay, v, order, contract_active if on else None, stock)
        order = np.maximum(order - lay.link_by_dst.sum_rows(contracted), 0.0)
    share = lay.share[:, None] if share is None else share
    link_order = order[lay.link_dst] * share * lay.trade[:, None]
    if contracted is not None:
        link_order += contracted
    if lay.replenish.any():
        rows = lay.replenish
        link_order[rows] = rep[lay.sp_of_link[rows]] * lay.share[rows][:, None]
    return link_order


def short_share(lay: Layout, demand, served) -> np.ndarray:
    """Unmet share of each stockpile holder's, then each sharing recipient's, demand [1].

    Shaped (stockpiles + recipients, paths). ``demand`` and ``served`` are per slot
    (slots, paths) [t/month]; only the country's demand slots count.
    """
    held = lay.watch_demand
    return np.minimum(share_of(held @ np.maximum(demand - served, 0.0), held @ demand), 1.0)


def fired_stockpiles(lay: Layout, v: dict, active, last_share, demand, stock, sharing_active=None):
    """Stockpiles, then sharing recipients, that release this month (SP + R, paths) [bool].

    A stockpile fires when its holder's unmet share of demand exceeds the trigger, either last
    month (``last_share``) or in prospect this month: the share of this month's ``demand`` that
    the holder's stocks of finished goods on hand cannot cover. A sharing recipient fires the
    same way against its policy's ``sharing_trigger_share`` while the policy is active
    (``sharing_active`` (R,)).
    """
    prospect = short_share(lay, demand, np.minimum(np.maximum(stock, 0.0), demand))
    worst = np.maximum(last_share, prospect)
    n = len(lay.sp_slot)
    own = fires(worst[:n], v["sp_release_trigger_share"], active[:, None])
    if not lay.n_recipients:
        return own
    act = sharing_active if sharing_active is not None else np.zeros(lay.n_recipients, bool)
    return np.vstack([own, fires(worst[n:], v["sharing_trigger_share"], act[:, None])])


def resource(stock, lay: Layout, v: dict, ex, order, sent, fired, use, sp_active=None):
    """Round two: fired stockpiles release, then unfilled orders go to suppliers with stock left.

    A fired stockpile covers what its holder's consumers lack: the larger of their unfilled
    order and this month's use not covered by stock (``use`` (slots, paths) [t/month]). Next,
    allies' stockpiles cover what a fired sharing recipient still lacks, each up to its open
    share of its release rate left this month (its window ``sp_active`` (SP,) open). Then each
    consumer spreads what was unfilled after round one (releases not deducted) over its trade
    links in proportion to the stock each supplier has left. ``fired`` (SP + R, paths) says
    which stockpiles and recipients release. Returns what was sent and what was asked of trade
    links (suppliers plan for it next month).
    """
    n_sp = len(lay.sp_slot)
    unfilled = np.maximum(order - lay.link_by_dst.sum_rows(sent), 0.0)
    left = np.maximum(stock - lay.link_by_src.sum_rows(sent), 0.0) * lay.out_slot[:, None]
    avail = release_available(stock[lay.sp_slot], v["sp_release_t_per_month"], fired[:n_sp])
    left[lay.sp_slot] = avail
    need = np.maximum(unfilled, use - stock)
    total = np.zeros_like(sent)

    def one_pass(eligible, want, rows=None):
        """Allocate ``want`` over the eligible links, all among ``rows`` (default all); return the
        requests on ``rows``."""
        nonlocal need
        src, dst, classes = lay.link_src, lay.link_dst, ex.classes
        by_src, by_dst = lay.link_by_src, lay.link_by_dst
        if rows is not None:
            src, dst, classes, eligible = src[rows], dst[rows], classes[rows], eligible[rows]
            by_src, by_dst = by_src.restrict(rows), by_dst.restrict(rows)
        weight = left[src] * eligible
        req = want[dst] * share_of(weight, by_dst.sum_rows(weight)[dst])
        alloc = allocate_by_class(left, req, classes, by_src)
        if rows is not None:
            alloc = _rows_into(rows, alloc, sent.shape)
        out = ex.apply(alloc)
        left[:] -= lay.link_by_src.sum_rows(out)
        need = need - lay.link_by_dst.sum_rows(out)
        total[:] += out
        return req

    if left[lay.sp_slot].any():
        one_pass(lay.release[:, None], need, lay.release_rows)
    if lay.n_recipients and fired[n_sp:].any():
        own = avail - left[lay.sp_slot]
        rate = v["sp_release_t_per_month"] * (sp_active[:, None] if sp_active is not None else 1.0)
        cap = lay.link_by_src.max_rows(lay.share_cap[:, None] * lay.shared[:, None])[lay.sp_slot]
        left[lay.sp_slot] = np.maximum(np.minimum(np.minimum(stock[lay.sp_slot], rate) - own,
                                                  cap * rate), 0.0)
        eligible = lay.shared[:, None] & fired[n_sp + np.maximum(lay.recipient_of_link, 0)]
        one_pass(eligible, np.maximum(need, 0.0), lay.shared_rows)
        left[lay.sp_slot] = 0.0
    req = one_pass((lay.trade & ex.open)[:, None], unfilled)
    return total, req * lay.trade[:, None]


def _rows_into(rows, values, shape) -> np.ndarray:
    """Zeros of ``shape`` with ``values`` in ``rows``."""
    out = np.zeros(shape)
    out[rows] = values
    return out


def contract_delivered(lay: Layout, sent) -> np.ndarray:
    """Tonnes shipped on each offtake contract (contracts, paths) [t]."""
    if not lay.n_contracts:
        return np.zeros((0, sent.shape[1]))
    return lay.link_by_contract.sum_rows(sent)[:-1]


def apply_quotas(sent, quota_cols, quota_left) -> None:
    """Scale shipments (links, paths) in place so each active quota holds [t].

    ``quota_cols[z]`` is the link mask of active quota ``z``; ``quota_left`` (quotas, paths) is
    what each may still export this month and is drawn down.
    """
    for z, cols in enumerate(quota_cols):
        exports = sent[cols].sum(axis=0)
        scale = quota_scale(exports, quota_left[z])
        sent[cols] *= scale
        quota_left[z] -= exports * scale


def technology_cut(cap, pol, v: dict, t: int) -> None:
    """Cut capacity (nodes, paths) in place under the technology rules active in month ``t``.

    Each rule removes ``tech_cut_share`` of the ``tech_dependence_share`` of the capacity of
    the facilities it reaches [t/month].
    """
    for r in np.flatnonzero(pol.tech_active[:, t]):
        cap *= technology_availability(v["tech_dependence_share"], v["tech_cut_share"][r],
                                       pol.tech_scope[r][:, None])


def content_licences(ex, pol, lay: Layout, approval_prob, delay_months, active, u, origin) -> None:
    """Licence the rows of ``ex.lic_rows`` the active content rules reach, per path.

    Where the Chinese-origin share of a link's exporting stock (``origin`` (slots, paths))
    exceeds a rule's threshold, the approved share of the month's applications multiplies
    ``ex.approval`` (rows, paths) and its review delay [months] bounds ``ex.delay`` from below.
    ``approval_prob`` and ``delay_months`` are (paths, rules); ``u`` (paths, content links,
    applications) are the month's draws.
    """
    draw_of = np.searchsorted(lay.content_links, ex.lic_rows)
    for c in active:
        rows = np.flatnonzero(pol.content_scope[c, ex.lic_rows])
        hit = needs_licence(origin[lay.link_src[ex.lic_rows[rows]]], pol.content_threshold[c])
        share = approval_share(u[:, draw_of[rows], : pol.content_applications[c]],
                               approval_prob[:, c, None])
        ex.approval[rows] *= np.where(hit, share.T, 1.0)
        ex.delay[rows] = np.maximum(ex.delay[rows], np.where(hit, delay_months[:, c], 0))
