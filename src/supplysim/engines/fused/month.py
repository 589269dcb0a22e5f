"""One month of every path of a chunk, compiled: a ``prange`` over blocks of paths, each
path's step run by :func:`path_month` in the order of :func:`supplysim.engines.vector.step`.

What does not depend on the paths' state is decided before, with the numpy engine's own
functions (:func:`supplysim.engines.fused.inputs.month_inputs`): demand and its response to
last month's prices, node capacity, licence approvals and delays, allocation classes, bans,
quotas and the month's order shares.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from supplysim.engines.fused.kernels import (allocate, apply_exports, capped, group_sum, mix,
                                             receive, run_lines, share_of, sparse_sum)

#: Paths a block of the ``prange`` loop runs with one set of scratch arrays.
BLOCK = 16


class State(NamedTuple):
    """State of a chunk, C-contiguous: ``(paths, k)``; pipelines ``(lags, paths, links)`` [t]."""

    stock: np.ndarray
    origin: np.ndarray
    pipe: np.ndarray
    pipe_cn: np.ndarray
    transit: np.ndarray
    demanded: np.ndarray
    short_share: np.ndarray
    made_last: np.ndarray


class Flows(NamedTuple):
    """A month's flows of every path ``(paths, k)`` [t], for the balance guard and markets."""

    received: np.ndarray
    used: np.ndarray
    made: np.ndarray
    planned_in: np.ndarray
    short_in: np.ndarray
    sent: np.ndarray
    served_slot: np.ndarray


class Records(NamedTuple):
    """Output arrays of the chunk ``(paths, months, k)``, float32 (``run.OUTPUTS``)."""

    demand_t: np.ndarray
    unmet_t: np.ndarray
    shipped_t: np.ndarray
    stockpile_t: np.ndarray
    origin_share: np.ndarray
    contract_t: np.ndarray
    recycled_t: np.ndarray


class Work(NamedTuple):
    """Scratch rows of one path."""

    s1: np.ndarray
    s2: np.ndarray
    s3: np.ndarray
    s4: np.ndarray
    s5: np.ndarray
    s6: np.ndarray
    s7: np.ndarray
    dem_slot: np.ndarray
    planned_in: np.ndarray
    used: np.ndarray
    made: np.ndarray
    order: np.ndarray
    left: np.ndarray
    need: np.ndarray
    node_a: np.ndarray
    cap: np.ndarray
    line_a: np.ndarray
    line_b: np.ndarray
    line_c: np.ndarray
    l1: np.ndarray
    l2: np.ndarray
    l3: np.ndarray
    l4: np.ndarray
    l5: np.ndarray
    l6: np.ndarray
    l7: np.ndarray
    approval: np.ndarray
    delay: np.ndarray
    dem: np.ndarray
    served: np.ndarray
    watch: np.ndarray
    fired: np.ndarray
    sp: np.ndarray
    quota_left: np.ndarray


@njit(cache=True)
def new_work(S, L, N, NL, D, W, SP, Z):
    """Scratch rows for ``S`` slots, ``L`` links, ``N`` nodes, ``NL`` lines, ``D`` demand
    lines, ``W`` watched countries, ``SP`` stockpiles and ``Z`` quotas."""
    e = np.empty
    return Work(e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S), e(S),
                e(S), e(N), e(N), e(NL), e(NL), e(NL), e(L), e(L), e(L), e(L), e(L),
                e(L), e(L), np.ones(L), np.zeros(L, np.int64), e(D), e(D), e(W), np.empty(W, np.bool_), e(SP), e(Z))


@njit(cache=True, _nrt=False)
def _pass(T, rows, elig, want, left, need, total, req, order, start, M, Wk):
    """One re-sourcing pass over ``rows`` (``engines.month.resource``'s ``one_pass``): spread
    ``want`` (slots) over the eligible links by the stock their suppliers have ``left``,
    allocate, apply export policies; draw ``left`` and ``need`` down, add to ``total``.
    Group sums start from 0 and are applied once per group (later members add 0)."""
    weight, alloc = Wk.l4, Wk.l5
    wsum, sfrom, sinto = Wk.s4, Wk.s5, Wk.s6
    for l in rows:
        wsum[T.link_dst[l]] = 0.0
        sfrom[T.link_src[l]] = 0.0
        sinto[T.link_dst[l]] = 0.0
    for l in rows:
        weight[l] = left[T.link_src[l]] * elig[l]
        wsum[T.link_dst[l]] += weight[l]
    for l in rows:
        req[l] = want[T.link_dst[l]] * share_of(weight[l], wsum[T.link_dst[l]])
    allocate(left, Wk.s7, req, T.link_src, order, start, alloc, Wk.s2, Wk.s3)
    apply_exports(rows, Wk.approval, M.quota_scope, Wk.quota_left, alloc)
    for l in rows:
        sfrom[T.link_src[l]] += alloc[l]
        sinto[T.link_dst[l]] += alloc[l]
        total[l] += alloc[l]
    for l in rows:
        g, d = T.link_src[l], T.link_dst[l]
        left[g] -= sfrom[g]
        sfrom[g] = 0.0
        need[d] = need[d] - sinto[d]
        sinto[d] = 0.0


@njit(cache=True, _nrt=False)
def path_month(p, t, T, V, M, St, F, R, Wk):
    """Advance path ``p`` by month ``t``."""
    S, L, D = St.stock.shape[1], len(T.link_src), len(T.d_slot)
    n_sp, H = len(T.sp_slot), St.pipe.shape[0]
    stock, origin, transit = St.stock[p], St.origin[p], St.transit[p]
    acc = F.received[p]
    for s in range(S):
        acc[s] = 0.0
    receive(p, t % H, T, St.pipe, St.pipe_cn, transit, stock, origin, acc)

    dem, dem_slot = Wk.dem, Wk.dem_slot
    for d in range(D):
        dem[d] = M.dem[p, d]
    group_sum(T.dslot_start, T.dslot_rows, dem, dem_slot)
    cap = Wk.cap
    for n in range(len(cap)):
        cap[n] = M.cap[p, n]
    for r in range(len(T.rec_node)):
        swarf = 0.0
        for k in range(T.swarf_ptr[r], T.swarf_ptr[r + 1]):
            swarf += St.made_last[p, T.swarf_idx[k]]
        eol = 0.0
        for k in range(T.eol_ptr[r], T.eol_ptr[r + 1]):
            eol += dem_slot[T.eol_idx[k]]
        feed = (V.rec_swarf_share[p, r] * swarf + V.rec_collection[p, r] * eol) * M.rec_ramp[r]
        cap[T.rec_node[r]] = min(feed, V.rec_cap[p, r])
    cover = V.cover[p]
    run_lines(T, St.demanded[p], cover, V.in_ratio[p], V.out_yield[p], cap, stock, origin, Wk)
    planned, used, made = Wk.planned_in, Wk.used, Wk.made
    for s in range(S):
        F.planned_in[p, s] = planned[s]
        F.used[p, s] = used[s]
        F.made[p, s] = made[s]
        F.short_in[p, s] = max(planned[s] - (stock[s] - made[s] + used[s]), 0.0)
    if len(T.rec_node):
        for s in range(S):
            St.made_last[p, s] = made[s]

    # orders: consumers order up to cover; contracts and recyclers first, then trade shares
    tin, order = Wk.s1, Wk.order
    group_sum(T.dst_start, T.dst_rows, transit, tin)
    for s in range(S):
        if T.consumer[s]:
            u = planned[s] + dem_slot[s]
            gap = (cover[s] + T.supply_line_months[s]) * u - stock[s] - tin[s]
            order[s] = max(u + gap / T.adjust, 0.0)
        else:
            order[s] = 0.0
    link_order, contracted = Wk.l1, Wk.l2
    order2 = Wk.s2
    for s in range(S):
        order2[s] = order[s]
    if M.use_contracts:
        for l in range(L):
            contracted[l] = 0.0
            c = T.contract_of_link[l]
            if c >= 0 and M.contracts_on:
                contracted[l] = (V.contract_t[p, c] * M.contract_active[c]) * T.contract_weight[l]
            if T.recycle[l]:
                contracted[l] = max(stock[T.link_src[l]], 0.0) * T.contract_weight[l]
        into = Wk.s3
        group_sum(T.dst_start, T.dst_rows, contracted, into)
        for l in range(L):
            d = T.link_dst[l]
            contracted[l] = contracted[l] * min(1.0, share_of(order[d], into[d]))
        group_sum(T.dst_start, T.dst_rows, contracted, into)
        for s in range(S):
            order2[s] = max(order[s] - into[s], 0.0)
    steer = M.share.shape[0] > 0
    for l in range(L):
        sh = M.share[p, l] if steer else T.share[l]
        x = order2[T.link_dst[l]] * sh * T.trade[l]
        if M.use_contracts:
            x += contracted[l]
        if T.replenish[l]:
            i = T.sp_of_link[l]
            rep = min(max(V.sp_target[p, i] - stock[T.sp_slot[i]], 0.0), V.sp_replenish[p, i])
            x = (rep * M.sp_active[i]) * T.share[l]
        link_order[l] = x

    # exports: licence approvals and delays, content rules on this path's origin shares
    approval, delay = Wk.approval, Wk.delay  # 1 and 0 outside the licensed rows
    for r in range(len(M.lic_rows)):
        approval[M.lic_rows[r]] = M.approval[p, r]
        delay[M.lic_rows[r]] = M.delay[p, r]
    for i in range(len(M.content_rule)):
        c = M.content_rule[i]
        prob = V.content_prob[p, c]
        n_app = M.content_apps[i]
        for l in range(L):
            if not M.content_scope[i, l]:
                continue
            if origin[T.link_src[l]] > M.content_threshold[i]:
                k = M.content_draw[l]
                ok = 0.0
                for a in range(n_app):
                    ok += 1.0 if M.content_u[p, k, a] < prob else 0.0
                approval[l] *= ok / n_app
                delay[l] = max(delay[l], V.content_delay[p, c])
    for z in range(len(Wk.quota_left)):
        Wk.quota_left[z] = M.quota_left[p, z]

    # round one: suppliers allocate their stock to the orders, export policies apply
    sent, req = F.sent[p], Wk.l3
    avail = Wk.s3
    for s in range(S):
        avail[s] = stock[s] * T.out_slot[s]
    for l in range(L):
        req[l] = link_order[l] * M.open[l]
    allocate(avail, Wk.s7, req, T.link_src, M.class_order, M.class_start, sent, Wk.s2, Wk.s4)
    apply_exports(T.all_links, approval, M.quota_scope, Wk.quota_left, sent)

    # stockpiles that fire: their holder's (or sharing recipient's) unmet share of demand
    watch, fired = Wk.watch, Wk.fired
    lack = Wk.s4
    for s in range(S):
        lack[s] = max(dem_slot[s] - min(max(stock[s], 0.0), dem_slot[s]), 0.0)
    sparse_sum(T.watch_ptr, T.watch_idx, lack, watch)
    sparse_sum(T.watch_ptr, T.watch_idx, dem_slot, Wk.s5)
    any_recipient = False
    for w in range(len(watch)):
        worst = max(St.short_share[p, w], min(share_of(watch[w], Wk.s5[w]), 1.0))
        if w < n_sp:
            fired[w] = worst > V.sp_trigger[p, w] and M.sp_active[w]
        else:
            fired[w] = worst > V.sharing_trigger[p, w - n_sp] and M.sharing_active[w - n_sp]
            any_recipient = any_recipient or fired[w]

    # round two: fired stockpiles release, allies share, unfilled orders go where stock is left
    unfilled, left, need = Wk.s1, Wk.left, Wk.need
    sinto, sfrom = Wk.s5, Wk.s6
    group_sum(T.dst_start, T.dst_rows, sent, sinto)
    group_sum(T.src_start, T.src_rows, sent, sfrom)
    for s in range(S):
        unfilled[s] = max(order[s] - sinto[s], 0.0)
        left[s] = max(stock[s] - sfrom[s], 0.0) * T.out_slot[s]
    any_left = False
    for i in range(n_sp):
        a = max(min(stock[T.sp_slot[i]], V.sp_release[p, i]), 0.0) * fired[i]
        Wk.sp[i] = a
        left[T.sp_slot[i]] = a
        any_left = any_left or a != 0.0
    for s in range(S):
        need[s] = max(unfilled[s], planned[s] + dem_slot[s] - stock[s])
    total, elig = Wk.l6, Wk.l7
    for l in range(L):
        total[l] = 0.0
    if any_left:
        for l in T.release_rows:
            elig[l] = 1.0
        _pass(T, T.release_rows, elig, need, left, need, total, req, M.rel_order, M.rel_start,
              M, Wk)
    if any_recipient:
        for i in range(n_sp):
            sl = T.sp_slot[i]
            own = Wk.sp[i] - left[sl]
            rate = V.sp_release[p, i] * M.sp_active[i]
            left[sl] = max(min(min(stock[sl], rate) - own, T.sp_share_cap[i] * rate), 0.0)
        for l in T.shared_rows:
            elig[l] = 1.0 if fired[n_sp + max(T.recipient_of_link[l], 0)] else 0.0
        want = Wk.s3
        for s in range(S):
            want[s] = max(need[s], 0.0)
        _pass(T, T.shared_rows, elig, want, left, need, total, req, M.shr_order, M.shr_start,
              M, Wk)
        for i in range(n_sp):
            left[T.sp_slot[i]] = 0.0
    for l in range(L):
        elig[l] = 1.0 if (T.trade[l] and M.open[l]) else 0.0
    _pass(T, T.all_links, elig, unfilled, left, need, total, req, M.class_order, M.class_start,
          M, Wk)
    for l in range(L):
        sent[l] += total[l]
        req[l] = link_order[l] + req[l] * T.trade[l]
    group_sum(T.src_start, T.src_rows, req, St.demanded[p])
    group_sum(T.src_start, T.src_rows, sent, sfrom)
    for s in range(S):
        stock[s] -= sfrom[s]

    # shipments enter the pipeline at their lead time, licensed ones after review
    base = t % H
    for l in range(L):
        x = sent[l]
        x_cn = x * origin[T.link_src[l]]
        for k in range(T.lag_ptr[l], T.lag_ptr[l + 1]):
            w = T.lag_wv[k]
            h = base + T.lag_k[k] + delay[l]
            if h >= H:
                h -= H
            St.pipe[h, p, l] += x * w
            St.pipe_cn[h, p, l] += x_cn * w
        transit[l] += x
    for r in range(len(M.lic_rows)):
        approval[M.lic_rows[r]] = 1.0
        delay[M.lic_rows[r]] = 0
    receive(p, t % H, T, St.pipe, St.pipe_cn, transit, stock, origin, acc)
    for i in range(len(T.od_slot)):
        R.origin_share[p, t, i] = origin[T.od_slot[i]]

    # demand lines draw on their regional stock, by priority class
    served, served_slot = Wk.served, F.served_slot[p]
    allocate(stock, Wk.s7, dem, T.d_slot, T.d_order, T.d_start, served, Wk.s2, Wk.s3)
    group_sum(T.dslot_start, T.dslot_rows, served, served_slot)
    for s in range(S):
        stock[s] -= served_slot[s]
        lack[s] = max(dem_slot[s] - served_slot[s], 0.0)
    sparse_sum(T.watch_ptr, T.watch_idx, lack, watch)
    sparse_sum(T.watch_ptr, T.watch_idx, dem_slot, Wk.s5)
    for w in range(len(watch)):
        St.short_share[p, w] = min(share_of(watch[w], Wk.s5[w]), 1.0)

    for d in range(D):
        R.demand_t[p, t, d] = dem[d]
        R.unmet_t[p, t, d] = dem[d] - served[d]
    for f in range(len(T.flow_start) - 2):
        a = 0.0
        for k in range(T.flow_start[f], T.flow_start[f + 1]):
            a += sent[T.flow_rows[k]]
        R.shipped_t[p, t, f] = a
    for c in range(len(T.contract_start) - 2):
        a = 0.0
        for k in range(T.contract_start[c], T.contract_start[c + 1]):
            a += sent[T.contract_rows[k]]
        R.contract_t[p, t, c] = a
    for i in range(n_sp):
        R.stockpile_t[p, t, i] = stock[T.sp_slot[i]]
    for i in range(len(T.rec_out)):
        R.recycled_t[p, t, i] = made[T.rec_out[i]]


@njit(parallel=True, cache=True)
def chunk_month(t, T, V, M, St, F, R):
    """Advance every path of the chunk by month ``t`` (blocks of :data:`BLOCK` paths in
    parallel)."""
    P, S = St.stock.shape
    L, N, NL, D = len(T.link_src), M.cap.shape[1], len(T.line_node), len(T.d_slot)
    n_blocks = (P + BLOCK - 1) // BLOCK
    for b in prange(n_blocks):
        Wk = new_work(S, L, N, NL, D, St.short_share.shape[1], len(T.sp_slot),
                      M.quota_left.shape[1])
        for p in range(b * BLOCK, min(P, (b + 1) * BLOCK)):
            path_month(p, t, T, V, M, St, F, R, Wk)
