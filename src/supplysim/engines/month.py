"""Decisions of one month on ``(k, paths)`` arrays, shared by the vector and discrete-event engines.

Each function decides quantities with :mod:`supplysim.rules`; the engines decide when they
apply. ``paths`` may be 1 (the discrete-event engine plans one path at a time).
"""

from __future__ import annotations

import numpy as np

from supplysim.engines.layout import Layout
from supplysim.rules._ratio import share_of
from supplysim.rules.allocation import allocate_by_class
from supplysim.rules.inventory import order_up_to
from supplysim.rules.licensing import approval_share
from supplysim.rules.origin import line_share, mix, needs_licence, technology_availability
from supplysim.rules.production import input_fill, scale_to_capacity
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


def link_orders(lay: Layout, v: dict, stock, order, sp_active, share=None) -> np.ndarray:
    """Orders placed on every link (links, paths): trade shares and stockpile replenishment.

    ``share`` (links, paths) replaces the baseline trade shares when tariffs or friend-shoring
    steer orders (see :func:`supplysim.engines.market.link_shares`).
    """
    rep = replenish_order(stock[lay.sp_slot], v["sp_target_t"], v["sp_replenish_t_per_month"],
                          sp_active[:, None])
    share = lay.share[:, None] if share is None else share
    link_order = order[lay.link_dst] * share * lay.trade[:, None]
    if lay.replenish.any():
        rows = lay.replenish
        link_order[rows] = rep[lay.sp_of_link[rows]] * lay.share[rows][:, None]
    return link_order


def short_share(lay: Layout, demand, served) -> np.ndarray:
    """Unmet share of each stockpile holder's demand (stockpiles, paths) [1].

    ``demand`` and ``served`` are per slot (slots, paths) [t/month]; only the holder's demand
    slots count.
    """
    held = lay.holder_demand
    return np.minimum(share_of(held @ np.maximum(demand - served, 0.0), held @ demand), 1.0)


def fired_stockpiles(lay: Layout, v: dict, active, last_share, demand, stock):
    """Stockpiles that release this month (stockpiles, paths) [bool].

    A stockpile fires when its holder's unmet share of demand exceeds the trigger, either last
    month (``last_share``) or in prospect this month: the share of this month's ``demand`` that
    the holder's stocks of finished goods on hand cannot cover.
    """
    prospect = short_share(lay, demand, np.minimum(np.maximum(stock, 0.0), demand))
    return fires(np.maximum(last_share, prospect), v["sp_release_trigger_share"], active[:, None])


def resource(stock, lay: Layout, v: dict, ex, order, sent, fired, use):
    """Round two: fired stockpiles release, then unfilled orders go to suppliers with stock left.

    A fired stockpile covers what its holder's consumers lack: the larger of their unfilled
    order and this month's use not covered by stock (``use`` (slots, paths) [t/month]). Then
    each consumer spreads what is still unfilled over its trade links in proportion to the stock
    each supplier has left. ``fired`` (stockpiles, paths) says which stockpiles release. Returns
    what was sent and what was asked of trade links (suppliers plan for it next month).
    """
    unfilled = np.maximum(order - lay.link_by_dst.sum_rows(sent), 0.0)
    left = np.maximum(stock - lay.link_by_src.sum_rows(sent), 0.0) * lay.out_slot[:, None]
    left[lay.sp_slot] = release_available(stock[lay.sp_slot], v["sp_release_t_per_month"], fired)
    passes = [(lay.trade & ex.open, unfilled)]
    if left[lay.sp_slot].any():
        passes.insert(0, (lay.release, np.maximum(unfilled, use - stock)))
    total = np.zeros_like(sent)
    for eligible, want in passes:
        weight = left[lay.link_src] * eligible[:, None]
        req = want[lay.link_dst] * share_of(weight, lay.link_by_dst.sum_rows(weight)[lay.link_dst])
        out = ex.apply(allocate_by_class(left, req, lay.link_src, ex.classes,
                                              lay.link_by_src.sum_rows))
        left -= lay.link_by_src.sum_rows(out)
        unfilled = np.maximum(unfilled - lay.link_by_dst.sum_rows(out), 0.0)
        total += out
    return total, req * lay.trade[:, None]


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
