"""Decisions of one month on ``(k, paths)`` arrays, shared by the vector and discrete-event engines.

Each function decides quantities with :mod:`supplysim.rules`; the engines decide when they
apply. ``paths`` may be 1 (the discrete-event engine plans one path at a time).
"""

from __future__ import annotations

import numpy as np

from supplysim.engines.layout import Layout
from supplysim.rules._ratio import capped_ratio, share_of
from supplysim.rules.allocation import allocate_rows_by_class
from supplysim.rules.inventory import order_up_to
from supplysim.rules.production import input_fill, scale_to_capacity
from supplysim.rules.stockpile import release_available, replenish_order

TINY = 1e-300


def run_lines(stock, demanded, lay: Layout, v: dict, cap: np.ndarray, adjust: float):
    """Plan line activity from last month's orders, limit by capacity and inputs, convert."""
    need = order_up_to(demanded, v["cover_months"], stock, 0.0, adjust)
    act = lay.out_by_line.max_rows(need[lay.op_slot] / np.maximum(v["out_yield"], TINY))
    node_act = lay.line_by_node.sum_rows(act)
    act = scale_to_capacity(act, node_act[lay.line_node], cap[lay.line_node])
    planned_in = lay.in_by_slot.sum_rows(act[lay.ip_line] * v["in_ratio"])
    fill = input_fill(stock, planned_in)
    done = act * lay.in_by_line.min_rows(fill[lay.ip_slot], empty=1.0)
    used = lay.in_by_slot.sum_rows(done[lay.ip_line] * v["in_ratio"])
    made = lay.out_by_slot.sum_rows(done[lay.op_line] * v["out_yield"])
    stock += made - used
    return planned_in, used, made


def link_orders(lay: Layout, v: dict, stock, order, sp_active) -> np.ndarray:
    """Orders placed on every link (links, paths): trade shares and stockpile replenishment."""
    rep = replenish_order(stock[lay.sp_slot], v["sp_target_t"], v["sp_replenish_t_per_month"],
                          sp_active[:, None])
    link_order = order[lay.link_dst] * lay.share[:, None] * lay.trade[:, None]
    if lay.replenish.any():
        rows = lay.replenish
        link_order[rows] = rep[lay.sp_of_link[rows]] * lay.share[rows][:, None]
    return link_order


def short_share(lay: Layout, need, got) -> np.ndarray:
    """Unmet share of the need of each stockpile's release slots (stockpiles, paths) [1]."""
    rel = lay.release_dst
    return capped_ratio(rel @ np.maximum(need - got, 0.0), rel @ need)


def resource(stock, lay: Layout, v: dict, ex, order, sent, fired):
    """Round two: unfilled orders go to suppliers with stock left and to fired stockpiles.

    ``fired`` (stockpiles, paths) says which stockpiles release this month. Returns what was
    sent and what was asked of trade links (suppliers plan for it next month).
    """
    unfilled = np.maximum(order - lay.link_by_dst.sum_rows(sent), 0.0)
    left = np.maximum(stock - lay.link_by_src.sum_rows(sent), 0.0) * lay.out_slot[:, None]
    left[lay.sp_slot] = release_available(stock[lay.sp_slot], v["sp_release_t_per_month"], fired)
    weight = left[lay.link_src] * ((lay.trade & ex.open) | lay.release)[:, None]
    wsum = lay.link_by_dst.sum_rows(weight)
    req = unfilled[lay.link_dst] * share_of(weight, wsum[lay.link_dst])
    alloc = allocate_rows_by_class(left, req, lay.link_src, ex.classes, lay.link_by_src.sum_rows)
    return ex.apply(alloc), req * lay.trade[:, None]
