"""Compiled monthly step of the vector engine, one path at a time.

The same month as :func:`supplysim.engines.vector.step`, rule by rule and in the same order of
floating-point operations where it matters (group sums run over members in ascending order from
0.0, as the sparse sums of :class:`~supplysim.engines.groups.Groups` do). Paths are independent,
so :func:`run_block` spreads blocks of paths over threads and runs a block of months for each
path while its state stays in cache.

Arguments are named tuples built by :mod:`fused_reference.fused`:

- ``ix``: index arrays of the layout (CSR-style member lists ``*_ptr`` / ``*_idx``);
- ``pa``: per-path parameters, ``(paths, k)``;
- ``po``: per-month policies, ``(months, k)``, and scalars;
- ``st``: state, ``(paths, k)``; the pipeline is ``(paths, lags, links)`` [t];
- ``rnd``: uniform draws and demand of the months of the block, ``(months, paths, ...)``;
- ``rec``: outputs, ``(paths, months, k)`` float32;
- ``tm``: balance terms of one month, ``(paths, k)`` [t], written when ``keep``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, prange

from fused_reference.fused_ops import allocate, copy_into, group_sum, pair_sum, ratio

TINY = 1e-300

#: Paths per parallel work item [paths].
PATHS_PER_TASK = 16

Scratch = namedtuple("Scratch", "cap dem dem_slot act done node_act planned used made received "
                                "order lorder req sent alloc left tmp weight wsum approval delay "
                                "served served_slot rep fired quota_left")


@njit(cache=True)
def _scratch(ix, po, n_nodes, n_lines, n_dem):
    """Work arrays of one thread."""
    S, L = len(ix.out_slot), len(ix.link_src)
    f = np.empty
    return Scratch(f(n_nodes), f(n_dem), f(S), f(n_lines), f(n_lines), f(n_nodes), f(S), f(S),
                   f(S), f(S), f(S), f(L), f(L), f(L), f(L), f(S), f(S), f(L), f(S),
                   np.ones(L), np.zeros(L, np.int64), f(n_dem), f(S), f(len(ix.sp_slot)),
                   np.zeros(len(ix.sp_slot), np.bool_), f(po.q_ptr.shape[0] - 1))


@njit(cache=True, _nrt=False)
def _receive(row, transit, stock, ix, received):
    """Shipments of the ring position ``row`` arrive [t]; add them to ``received``."""
    for s in range(len(stock)):
        acc = 0.0
        for j in range(ix.dst_ptr[s], ix.dst_ptr[s + 1]):
            acc += row[ix.dst_idx[j]]
        stock[s] += acc
        received[s] += acc
    for l in range(len(row)):
        transit[l] -= row[l]
        row[l] = 0.0


@njit(cache=True, _nrt=False)
def _capacity(p, t, pa, ix, po, u, cap):
    """Capacity with project ramp-ups and outages [t/month]."""
    copy_into(pa.capacity[p], cap)
    for j in range(len(ix.project_node)):
        frac = (t + 0.5 - pa.online[p, j]) / max(pa.proj_ramp[p, j], 1e-9)
        frac = min(max(frac, 0.0), 1.0)
        cap[ix.project_node[j]] += pa.proj_cap[p, j] * frac * pa.built[p, j]
    if po.outages:
        for k in range(len(cap)):
            hit = 1.0 if u[k] < pa.outage_prob[p, k] else 0.0
            cap[k] *= 1.0 - pa.outage_loss[p, k] * hit


@njit(cache=True, _nrt=False)
def _demand(row, ix, dem, dem_slot):
    """Demand of every line (given, as numpy's power rounds it) and its sum by slot [t/month]."""
    copy_into(row, dem)
    group_sum(dem, ix.ds_ptr, ix.ds_idx, dem_slot)


@njit(cache=True, _nrt=False)
def _plan_lines(p, stock, demanded, pa, ix, adjust, cap, sc):
    """Line activity planned from last month's orders, within node capacity [t/month]."""
    act, cover, oy = sc.act, pa.cover[p], pa.out_yield[p]
    for ln in range(len(act)):
        best = 0.0
        for j in range(ix.opl_ptr[ln], ix.opl_ptr[ln + 1]):
            k = ix.opl_idx[j]
            s = ix.op_slot[k]
            need = max(demanded[s] + (cover[s] * demanded[s] - stock[s] - 0.0) / adjust, 0.0)
            val = need / max(oy[k], TINY)
            best = val if j == ix.opl_ptr[ln] else max(best, val)
        act[ln] = best
    group_sum(act, ix.ln_ptr, ix.ln_idx, sc.node_act)
    for ln in range(len(act)):
        node = ix.line_node[ln]
        act[ln] = act[ln] * ratio(cap[node], sc.node_act[node])


@njit(cache=True, _nrt=False)
def _run_lines(p, stock, demanded, pa, ix, adjust, sc):
    """Plan, limit by inputs and convert: fills ``planned``, ``used``, ``made`` [t]."""
    _plan_lines(p, stock, demanded, pa, ix, adjust, sc.cap, sc)
    ir, oy = pa.in_ratio[p], pa.out_yield[p]
    pair_sum(sc.act, ir, ix.ip_line, ix.ips_ptr, ix.ips_idx, sc.planned)
    for ln in range(len(sc.act)):
        low = 1.0
        for j in range(ix.ipl_ptr[ln], ix.ipl_ptr[ln + 1]):
            s = ix.ip_slot[ix.ipl_idx[j]]
            fill = ratio(stock[s], sc.planned[s])
            low = fill if j == ix.ipl_ptr[ln] else min(low, fill)
        sc.done[ln] = sc.act[ln] * low
    pair_sum(sc.done, ir, ix.ip_line, ix.ips_ptr, ix.ips_idx, sc.used)
    pair_sum(sc.done, oy, ix.op_line, ix.ops_ptr, ix.ops_idx, sc.made)
    for s in range(len(stock)):
        stock[s] += sc.made[s] - sc.used[s]


@njit(cache=True, _nrt=False)
def _orders(p, t, stock, transit, pa, ix, po, adjust, sc):
    """Orders of consumer slots and on every link, with stockpile replenishment [t]."""
    group_sum(transit, ix.dst_ptr, ix.dst_idx, sc.tmp)
    cover = pa.cover[p]
    for s in range(len(stock)):
        use = sc.planned[s] + sc.dem_slot[s]
        gap = (cover[s] + ix.supply_line[s]) * use - stock[s] - sc.tmp[s]
        sc.order[s] = max(use + gap / adjust, 0.0) * ix.consumer[s]
    for j in range(len(ix.sp_slot)):
        on = 1.0 if po.sp_active[t, j] else 0.0
        gap = min(max(pa.sp_target[p, j] - stock[ix.sp_slot[j]], 0.0), pa.sp_repl[p, j])
        sc.rep[j] = gap * on
    for l in range(len(ix.link_src)):
        if ix.replenish[l]:
            sc.lorder[l] = sc.rep[ix.sp_of_link[l]] * ix.share[l]
        else:
            sc.lorder[l] = sc.order[ix.link_dst[l]] * ix.share[l] * ix.trade[l]


@njit(cache=True, _nrt=False)
def _licences(p, t, pa, ix, po, u, approval, delay):
    """Approved share and review delay of every licensed link this month."""
    for i in range(len(ix.lic_links)):
        l = ix.lic_links[i]
        share, wait = 1.0, 0
        for q in range(len(po.lic_apps)):
            if po.lic_active[t, q] and po.lic_scope[q, l]:
                n_app = po.lic_apps[q]
                hits = 0.0
                for a in range(n_app):
                    if u[i, a] < pa.lic_prob[p, q]:
                        hits += 1.0
                share *= hits / n_app
                wait = max(wait, pa.lic_delay[p, q])
        approval[l] = share
        delay[l] = wait


@njit(cache=True, _nrt=False)
def _apply(t, x, ix, po, sc):
    """Export policies on an allocation (links,) in place: licence approvals, quotas [t]."""
    for i in range(len(ix.lic_links)):
        x[ix.lic_links[i]] *= sc.approval[ix.lic_links[i]]
    for z in range(len(po.q_ptr) - 1):
        if not po.quota_active[t, z]:
            continue
        exports = 0.0
        for j in range(po.q_ptr[z], po.q_ptr[z + 1]):
            exports += x[po.q_idx[j]]
        scale = ratio(sc.quota_left[z], exports)
        for j in range(po.q_ptr[z], po.q_ptr[z + 1]):
            x[po.q_idx[j]] *= scale
        sc.quota_left[z] -= exports * scale


@njit(cache=True, _nrt=False)
def _round_one(p, t, stock, pa, ix, po, sc):
    """First allocation at suppliers of the orders on open links; ``sent`` [t]."""
    cls, opn = po.classes[t], po.open[t]
    for l in range(len(ix.link_src)):
        sc.req[l] = sc.lorder[l] * (1.0 if opn[l] else 0.0)
    for s in range(len(stock)):
        sc.tmp[s] = stock[s] * ix.out_slot[s]
    allocate(sc.tmp, sc.req, ix.src_ptr, ix.src_idx, cls, sc.sent, sc.left)
    _apply(t, sc.sent, ix, po, sc)


@njit(cache=True, _nrt=False)
def _resource(p, t, stock, pa, ix, po, sc):
    """Round two: unfilled orders to suppliers with stock left and fired stockpiles [t]."""
    cls, opn = po.classes[t], po.open[t]
    group_sum(sc.sent, ix.src_ptr, ix.src_idx, sc.tmp)
    for s in range(len(stock)):
        sc.left[s] = max(stock[s] - sc.tmp[s], 0.0) * ix.out_slot[s]
    for j in range(len(ix.sp_slot)):
        s = ix.sp_slot[j]
        on = 1.0 if sc.fired[j] else 0.0
        sc.left[s] = max(min(stock[s], pa.sp_release[p, j]), 0.0) * on
    group_sum(sc.sent, ix.dst_ptr, ix.dst_idx, sc.tmp)
    for s in range(len(stock)):
        sc.tmp[s] = max(sc.order[s] - sc.tmp[s], 0.0)
    for l in range(len(ix.link_src)):
        flag = (ix.trade[l] > 0.0 and opn[l]) or ix.release[l]
        sc.weight[l] = sc.left[ix.link_src[l]] * (1.0 if flag else 0.0)
    group_sum(sc.weight, ix.dst_ptr, ix.dst_idx, sc.wsum)
    for l in range(len(ix.link_src)):
        d = ix.link_dst[l]
        w = sc.weight[l] / sc.wsum[d] if sc.wsum[d] > 0.0 else 0.0
        sc.req[l] = sc.tmp[d] * w
    allocate(sc.left, sc.req, ix.src_ptr, ix.src_idx, cls, sc.alloc, sc.tmp)
    _apply(t, sc.alloc, ix, po, sc)
    for l in range(len(ix.link_src)):
        sc.sent[l] += sc.alloc[l]
        sc.lorder[l] = sc.lorder[l] + sc.req[l] * ix.trade[l]


@njit(cache=True, _nrt=False)
def _dispatch(t, pipe, transit, ix, sent, delay):
    """Shipments into the lead-time ring, licensed ones after their review delay [t].

    Only the non-zero lead-time weights of a link are added (the others add 0.0). Lags plus
    delays stay below the ring length, so one wrap replaces the modulo.
    """
    H = pipe.shape[0]
    now = t % H
    for l in range(len(sent)):
        d = delay[l]
        for j in range(ix.lag_ptr[l], ix.lag_ptr[l + 1]):
            cell = now + ix.lag_k[j] + d
            if cell >= H:
                cell -= H
            pipe[cell, l] += sent[l] * ix.lag_v[j]
        transit[l] += sent[l]


@njit(cache=True, _nrt=False)
def _serve(p, stock, ix, sc):
    """Demand served by priority class from regional stocks; unmet share of need [t]."""
    allocate(stock, sc.dem, ix.ds_ptr, ix.ds_idx, ix.d_class, sc.served, sc.tmp)
    group_sum(sc.served, ix.ds_ptr, ix.ds_idx, sc.served_slot)
    for s in range(len(stock)):
        stock[s] -= sc.served_slot[s]


@njit(cache=True, _nrt=False)
def _short_share(short, ix, sc):
    """Unmet share of the need of each stockpile's release slots [1]."""
    for j in range(len(short)):
        gap, need = 0.0, 0.0
        for i in range(ix.rel_ptr[j], ix.rel_ptr[j + 1]):
            s = ix.rel_idx[i]
            want = sc.planned[s] + sc.dem_slot[s]
            gap += max(want - (sc.used[s] + sc.served_slot[s]), 0.0)
            need += want
        short[j] = ratio(gap, need)


@njit(cache=True, _nrt=False)
def _record(p, t, stock, ix, rec, sc):
    """Outputs of the month, float32."""
    for d in range(len(sc.dem)):
        rec.demand[p, t, d] = sc.dem[d]
        rec.unmet[p, t, d] = sc.dem[d] - sc.served[d]
    for f in range(rec.shipped.shape[2]):
        acc = 0.0
        for j in range(ix.fl_ptr[f], ix.fl_ptr[f + 1]):
            acc += sc.sent[ix.fl_idx[j]]
        rec.shipped[p, t, f] = acc
    for j in range(len(ix.sp_slot)):
        rec.stockpile[p, t, j] = stock[ix.sp_slot[j]]


@njit(cache=True, _nrt=False)
def _month(p, t, tb, ix, pa, po, st, rnd, rec, tm, keep, sc):
    """One month of path ``p``: the order of :func:`supplysim.engines.vector.step`."""
    stock, pipe, transit = st.stock[p], st.pipe[p], st.transit[p]
    if keep:
        copy_into(stock, tm.start[p])
    sc.received[:] = 0.0
    _receive(pipe[t % pipe.shape[0]], transit, stock, ix, sc.received)
    _capacity(p, t, pa, ix, po, rnd.outages[tb, p], sc.cap)
    _demand(rnd.demand[tb, p], ix, sc.dem, sc.dem_slot)
    _run_lines(p, stock, st.demanded[p], pa, ix, po.adjust, sc)
    _orders(p, t, stock, transit, pa, ix, po, po.adjust, sc)
    _licences(p, t, pa, ix, po, rnd.licences[tb, p], sc.approval, sc.delay)
    for z in range(len(po.q_ptr) - 1):
        sc.quota_left[z] = pa.quota[p, z]
    _round_one(p, t, stock, pa, ix, po, sc)
    for j in range(len(ix.sp_slot)):
        sc.fired[j] = st.short[p, j] > pa.sp_trigger[p, j] and po.sp_active[t, j]
    _resource(p, t, stock, pa, ix, po, sc)
    group_sum(sc.lorder, ix.src_ptr, ix.src_idx, st.demanded[p])
    group_sum(sc.sent, ix.src_ptr, ix.src_idx, sc.tmp)
    for s in range(len(stock)):
        stock[s] -= sc.tmp[s]
    _dispatch(t, pipe, transit, ix, sc.sent, sc.delay)
    _receive(pipe[t % pipe.shape[0]], transit, stock, ix, sc.received)
    _serve(p, stock, ix, sc)
    _short_share(st.short[p], ix, sc)
    _record(p, t, stock, ix, rec, sc)
    if keep:
        _keep_terms(p, tm, sc)


@njit(cache=True, _nrt=False)
def _keep_terms(p, tm, sc):
    """Balance terms of the month for :func:`supplysim.engines.balance.check_step` [t]."""
    copy_into(sc.received, tm.received[p])
    copy_into(sc.used, tm.used[p])
    copy_into(sc.made, tm.made[p])
    copy_into(sc.sent, tm.sent[p])
    copy_into(sc.served_slot, tm.served[p])


@njit(cache=True, parallel=True)
def run_block(t0, t1, ix, pa, po, st, rnd, rec, tm, keep):
    """Advance every path through months ``[t0, t1)``; draws ``rnd`` start at month ``t0``.

    Parameters
    ----------
    t0, t1 : int
        First month and the month after the last [months from horizon start].
    ix, pa, po, st, rnd, rec, tm : namedtuple
        See the module docstring; ``st``, ``rec`` and ``tm`` are written in place.
    keep : bool
        Write the balance terms ``tm`` (only meaningful for a block of one month).
    """
    n = st.stock.shape[0]
    n_nodes, n_lines, n_dem = pa.capacity.shape[1], len(ix.line_node), len(ix.d_slot)
    n_tasks = (n + PATHS_PER_TASK - 1) // PATHS_PER_TASK
    for task in prange(n_tasks):
        sc = _scratch(ix, po, n_nodes, n_lines, n_dem)
        for p in range(task * PATHS_PER_TASK, min(n, (task + 1) * PATHS_PER_TASK)):
            for t in range(t0, t1):
                _month(p, t, t - t0, ix, pa, po, st, rnd, rec, tm, keep, sc)
