"""One month of every path of a chunk, compiled: a ``prange`` over blocks of paths, each
block's step run by :func:`block_month` in the order of :func:`supplysim.engines.vector.step`.

What does not depend on the paths' state is decided before, with the numpy engine's own
functions (:func:`supplysim.engines.fused.inputs.month_inputs`): demand and its response to
last month's prices, node capacity, licence approvals and delays, allocation classes, bans,
quotas and the month's order shares. Arrays are shaped ``(k, paths)`` (see
:mod:`supplysim.engines.fused.kernels`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from supplysim.engines.fused.guard import block_guard
from supplysim.engines.fused.kernels import (BLOCK, OPTS, TINY, allocate, apply_exports, capped,
                                             group_sum, mix, share_of, uidx)


class State(NamedTuple):
    """State of a chunk ``(k, paths)``; pipelines ``(lags, links, paths)`` [t]."""

    stock: np.ndarray
    origin: np.ndarray
    pipe: np.ndarray
    pipe_cn: np.ndarray
    transit: np.ndarray
    demanded: np.ndarray
    short_share: np.ndarray
    made_last: np.ndarray


class Flows(NamedTuple):
    """A month's flows of every path ``(k, paths)`` [t], for the balance guard and markets."""

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
    """Scratch arrays of one block ``(k, BLOCK)``, named by their first use."""

    need: np.ndarray
    fill: np.ndarray
    made_cn: np.ndarray
    dem_slot: np.ndarray
    tin: np.ndarray
    order2: np.ndarray
    into: np.ndarray
    avail: np.ndarray
    lcopy: np.ndarray
    tot: np.ndarray
    gsum: np.ndarray
    lack: np.ndarray
    wsum: np.ndarray
    sfrom: np.ndarray
    sinto: np.ndarray
    unfilled: np.ndarray
    left: np.ndarray
    want: np.ndarray
    node_a: np.ndarray
    cap: np.ndarray
    act: np.ndarray
    done: np.ndarray
    line_cn: np.ndarray
    contracted: np.ndarray
    link_order: np.ndarray
    req: np.ndarray
    weight: np.ndarray
    alloc: np.ndarray
    total: np.ndarray
    elig: np.ndarray
    approval: np.ndarray
    delay: np.ndarray
    dem: np.ndarray
    served: np.ndarray
    watch: np.ndarray
    watch_d: np.ndarray
    fired: np.ndarray
    sp: np.ndarray
    quota_left: np.ndarray
    rows: np.ndarray
    va: np.ndarray
    vc: np.ndarray


@njit(**OPTS)
def new_work(S, L, N, NL, D, W, SP, Z, F, B):
    """Scratch for ``S`` slots, ``L`` links, ``N`` nodes, ``NL`` lines, ``D`` demand lines,
    ``W`` watched countries, ``SP`` stockpiles, ``Z`` quotas, ``F`` recorded sums of links
    and ``B`` paths; approvals 1, delays 0."""
    e = np.empty
    return Work(e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)),
                e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)),
                e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((S, B)), e((N, B)), e((N, B)),
                e((NL, B)), e((NL, B)), e((NL, B)), e((L, B)), e((L, B)), e((L, B)),
                e((L, B)), e((L, B)), e((L, B)), e((L, B)), np.ones((L, B)),
                np.zeros((L, B), np.int64), e((D, B)), e((D, B)), e((W, B)), e((W, B)),
                np.zeros((W, B), np.bool_), e((SP, B)), e((Z, B)), e((F, B)), e(B), e(B))


@njit(**OPTS)
def summed_rows(T):
    """Rows of the scratch that holds the recorded sums of links (flows, contracts)."""
    return max(len(T.flow_start), len(T.contract_start)) - 1


@njit(**OPTS)
def put_rows(out, p0, nb, t, x, n):
    """Rows ``0 .. n`` of a block's ``x`` (rows, nb) into month ``t`` of the record ``out``
    (paths, months, k): ``out[p0 + j, t, i] = x[i, j]``."""
    for j in range(nb):
        q = p0 + uidx(j)
        for i in range(n):
            out[q, t, i] = x[i, j]


@njit(**OPTS)
def receive(p0, nb, h, T, St, F, Wk, now):
    """Goods due at ring position ``h`` reach their buyers and mix into their origin share;
    adds them to ``F.received`` [t]. ``now``: read only the links with a lead time of 0
    months, the only goods that reach position ``h`` after its first receive of the month."""
    pipe, pipe_cn, transit, stock, origin = St.pipe, St.pipe_cn, St.transit, St.stock, St.origin
    va, vc, acc = Wk.va, Wk.vc, F.received
    for s in range(len(T.dst_start) - 1):
        for j in range(nb):
            va[j] = 0.0
            vc[j] = 0.0
        for k in range(T.dst_start[s], T.dst_start[s + 1]):
            l = T.dst_rows[k]
            if now and (T.lag_ptr[l] == T.lag_ptr[l + 1] or T.lag_k[T.lag_ptr[l]] != 0):
                continue
            for j in range(nb):
                q = p0 + uidx(j)
                x = pipe[h, l, q]
                transit[l, q] -= x
                va[j] += x
                vc[j] += pipe_cn[h, l, q]
                pipe[h, l, q] = 0.0
                pipe_cn[h, l, q] = 0.0
        for j in range(nb):
            q = p0 + uidx(j)
            origin[s, q] = mix(stock[s, q], origin[s, q], va[j], vc[j])
            stock[s, q] += va[j]
            acc[s, q] += va[j]


@njit(**OPTS)
def run_lines(p0, nb, T, V, St, F, Wk):
    """Plan, limit and run the conversion lines (``engines.month.run_lines`` with origin);
    fills ``F.planned_in``, ``F.used``, ``F.made`` [t]; updates stock and origin."""
    stock, origin, dem = St.stock, St.origin, St.demanded
    cover, in_ratio, out_yield = V.cover, V.in_ratio, V.out_yield
    need, act, done, cap, node_a = Wk.need, Wk.act, Wk.done, Wk.cap, Wk.node_a
    S, NL = stock.shape[0], len(T.line_node)
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            gap = cover[s, q] * dem[s, q] - stock[s, q] - 0.0
            need[s, j] = max(dem[s, q] + gap / T.adjust, 0.0)
    for i in range(NL):
        for j in range(nb):
            act[i, j] = 0.0
        for k in range(T.out_line_start[i], T.out_line_start[i + 1]):
            r = T.out_line_rows[k]
            sl = T.op_slot[r]
            if k == T.out_line_start[i]:
                for j in range(nb):
                    act[i, j] = need[sl, j] / max(out_yield[r, p0 + uidx(j)], TINY)
                continue
            for j in range(nb):
                x = need[sl, j] / max(out_yield[r, p0 + uidx(j)], TINY)
                act[i, j] = max(act[i, j], x)
    group_sum(T.node_line_start, T.node_line_rows, act, 0, node_a, nb)
    for i in range(NL):
        n = T.line_node[i]
        if T.must_run[i]:
            for j in range(nb):
                act[i, j] = cap[n, j]
            continue
        for j in range(nb):
            act[i, j] = act[i, j] * capped(cap[n, j], node_a[n, j])
    planned, fill, used, made = F.planned_in, Wk.fill, F.used, F.made
    for s in range(S):
        for j in range(nb):
            planned[s, p0 + uidx(j)] = 0.0
        for k in range(T.in_slot_start[s], T.in_slot_start[s + 1]):
            r = T.in_slot_rows[k]
            ln = T.ip_line[r]
            for j in range(nb):
                q = p0 + uidx(j)
                planned[s, q] += act[ln, j] * in_ratio[r, q]
        for j in range(nb):
            q = p0 + uidx(j)
            fill[s, j] = capped(stock[s, q], planned[s, q])
    for i in range(NL):
        for j in range(nb):
            done[i, j] = 1.0
        for k in range(T.in_line_start[i], T.in_line_start[i + 1]):
            sl = T.ip_slot[T.in_line_rows[k]]
            for j in range(nb):
                done[i, j] = min(done[i, j], fill[sl, j])
        for j in range(nb):
            done[i, j] = act[i, j] * done[i, j]
    line_cn, made_cn = Wk.line_cn, Wk.made_cn
    va, vc = Wk.va, Wk.vc
    for i in range(NL):
        if T.line_china[i]:
            for j in range(nb):
                line_cn[i, j] = 1.0
            continue
        for j in range(nb):
            va[j] = 0.0
            vc[j] = 0.0
        for k in range(T.in_line_start[i], T.in_line_start[i + 1]):
            r = T.in_line_rows[k]
            ln, sl = T.ip_line[r], T.ip_slot[r]
            for j in range(nb):
                x = done[ln, j] * in_ratio[r, p0 + uidx(j)]
                va[j] += x
                vc[j] += x * origin[sl, p0 + uidx(j)]
        for j in range(nb):
            line_cn[i, j] = min(max(share_of(vc[j], va[j]), 0.0), 1.0)
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            used[s, q] = 0.0
            made[s, q] = 0.0
            made_cn[s, j] = 0.0
        for k in range(T.in_slot_start[s], T.in_slot_start[s + 1]):
            r = T.in_slot_rows[k]
            ln = T.ip_line[r]
            for j in range(nb):
                q = p0 + uidx(j)
                used[s, q] += done[ln, j] * in_ratio[r, q]
        for k in range(T.out_slot_start[s], T.out_slot_start[s + 1]):
            r = T.out_slot_rows[k]
            ln = T.op_line[r]
            for j in range(nb):
                q = p0 + uidx(j)
                x = done[ln, j] * out_yield[r, q]
                made[s, q] += x
                made_cn[s, j] += x * line_cn[ln, j]
        for j in range(nb):
            q = p0 + uidx(j)
            origin[s, q] = mix(stock[s, q] - used[s, q], origin[s, q], made[s, q], made_cn[s, j])
            stock[s, q] += made[s, q] - used[s, q]


@njit(**OPTS)
def resource_pass(nb, T, rows, want, order, start, M, Wk):
    """One re-sourcing pass over ``rows`` (``engines.month.resource``'s ``one_pass``): spread
    ``want`` (slots) over the eligible links ``Wk.elig`` by the stock their suppliers have left
    (``Wk.left``), allocate, apply export policies; draw ``Wk.left`` and ``Wk.need`` down and
    add to ``Wk.total`` [t]. Group sums start from 0 and are applied once per group (the
    group's later members add 0)."""
    left, need, total, req, elig = Wk.left, Wk.need, Wk.total, Wk.req, Wk.elig
    weight, alloc, wsum, sfrom, sinto = Wk.weight, Wk.alloc, Wk.wsum, Wk.sfrom, Wk.sinto
    S = left.shape[0]
    every = len(rows) > S  # cheaper by slot than by row; other slots add and subtract 0
    if every:
        for s in range(S):
            for j in range(nb):
                wsum[s, j] = 0.0
                sfrom[s, j] = 0.0
                sinto[s, j] = 0.0
    else:
        for l in rows:
            d, g = T.link_dst[l], T.link_src[l]
            for j in range(nb):
                wsum[d, j] = 0.0
                sfrom[g, j] = 0.0
                sinto[d, j] = 0.0
    for l in rows:
        d, g = T.link_dst[l], T.link_src[l]
        for j in range(nb):
            weight[l, j] = left[g, j] * elig[l, j]
            wsum[d, j] += weight[l, j]
    for l in rows:
        d = T.link_dst[l]
        for j in range(nb):
            req[l, j] = want[d, j] * share_of(weight[l, j], wsum[d, j])
    allocate(left, Wk.lcopy, req, T.link_src, order, start, alloc, Wk.tot, Wk.gsum, nb)
    apply_exports(rows, Wk.approval, M.quota_scope, Wk.quota_left, alloc, nb)
    for l in rows:
        d, g = T.link_dst[l], T.link_src[l]
        for j in range(nb):
            sfrom[g, j] += alloc[l, j]
            sinto[d, j] += alloc[l, j]
            total[l, j] += alloc[l, j]
    if every:
        for s in range(S):
            for j in range(nb):
                left[s, j] -= sfrom[s, j]
                need[s, j] = need[s, j] - sinto[s, j]
        return
    for l in rows:
        d, g = T.link_dst[l], T.link_src[l]
        for j in range(nb):
            left[g, j] -= sfrom[g, j]
            sfrom[g, j] = 0.0
            need[d, j] = need[d, j] - sinto[d, j]
            sinto[d, j] = 0.0


@njit(**OPTS)
def block_month(p0, nb, t, T, V, M, St, F, R, Wk):
    """Advance the paths ``p0 .. p0 + nb`` by month ``t``."""
    S, L, D = St.stock.shape[0], len(T.link_src), len(T.d_slot)
    n_sp, H, Wn = len(T.sp_slot), St.pipe.shape[0], St.short_share.shape[0]
    stock, origin, transit = St.stock, St.origin, St.transit
    for s in range(S):
        for j in range(nb):
            F.received[s, p0 + uidx(j)] = 0.0
    receive(p0, nb, t % H, T, St, F, Wk, False)

    dem, dem_slot, cap = Wk.dem, Wk.dem_slot, Wk.cap
    for d in range(D):
        for j in range(nb):
            dem[d, j] = M.dem[d, p0 + uidx(j)]
    group_sum(T.dslot_start, T.dslot_rows, dem, 0, dem_slot, nb)
    for n in range(cap.shape[0]):
        for j in range(nb):
            cap[n, j] = M.cap[n, p0 + uidx(j)]
    for r in range(len(T.rec_node)):
        for j in range(nb):
            q = p0 + uidx(j)
            swarf = 0.0
            for k in range(T.swarf_ptr[r], T.swarf_ptr[r + 1]):
                swarf += St.made_last[T.swarf_idx[k], q]
            eol = 0.0
            for k in range(T.eol_ptr[r], T.eol_ptr[r + 1]):
                eol += dem_slot[T.eol_idx[k], j]
            feed = (V.rec_swarf_share[r, q] * swarf + V.rec_collection[r, q] * eol) * M.rec_ramp[r]
            cap[T.rec_node[r], j] = min(feed, V.rec_cap[r, q])
    run_lines(p0, nb, T, V, St, F, Wk)
    planned, used, made = F.planned_in, F.used, F.made
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            F.short_in[s, q] = max(planned[s, q] - (stock[s, q] - made[s, q] + used[s, q]), 0.0)
            if len(T.rec_node):
                St.made_last[s, q] = made[s, q]

    # orders: consumers order up to cover; contracts and recyclers first, then trade shares
    tin, order, order2 = Wk.tin, Wk.unfilled, Wk.order2
    group_sum(T.dst_start, T.dst_rows, transit, p0, tin, nb)
    for s in range(S):
        if not T.consumer[s]:
            for j in range(nb):
                order[s, j] = 0.0
                order2[s, j] = 0.0
            continue
        extra = T.supply_line_months[s]
        for j in range(nb):
            q = p0 + uidx(j)
            u = planned[s, q] + dem_slot[s, j]
            gap = (V.cover[s, q] + extra) * u - stock[s, q] - tin[s, j]
            o = max(u + gap / T.adjust, 0.0)
            order[s, j] = o
            order2[s, j] = o
    link_order, contracted, into = Wk.link_order, Wk.contracted, Wk.into
    if M.use_contracts:
        for l in range(L):
            c, wgt = T.contract_of_link[l], T.contract_weight[l]
            if T.recycle[l]:
                g = T.link_src[l]
                for j in range(nb):
                    contracted[l, j] = max(stock[g, p0 + uidx(j)], 0.0) * wgt
            elif c >= 0 and M.contracts_on:
                on = M.contract_active[c]
                for j in range(nb):
                    contracted[l, j] = (V.contract_t[c, p0 + uidx(j)] * on) * wgt
            else:
                for j in range(nb):
                    contracted[l, j] = 0.0
        group_sum(T.dst_start, T.dst_rows, contracted, 0, into, nb)
        for l in range(L):
            d = T.link_dst[l]
            for j in range(nb):
                contracted[l, j] = contracted[l, j] * min(1.0, share_of(order[d, j], into[d, j]))
        group_sum(T.dst_start, T.dst_rows, contracted, 0, into, nb)
        for s in range(S):
            for j in range(nb):
                order2[s, j] = max(order[s, j] - into[s, j], 0.0)
    steer = M.share.shape[0] > 0
    for l in range(L):
        d, sh, tr = T.link_dst[l], T.share[l], 1.0 if T.trade[l] else 0.0
        if T.replenish[l]:
            i = T.sp_of_link[l]
            g, on = T.sp_slot[i], M.sp_active[i]
            for j in range(nb):
                q = p0 + uidx(j)
                rep = min(max(V.sp_target[i, q] - stock[g, q], 0.0), V.sp_replenish[i, q])
                link_order[l, j] = (rep * on) * sh
            continue
        if steer:
            for j in range(nb):
                link_order[l, j] = order2[d, j] * M.share[l, p0 + uidx(j)] * tr
        else:
            for j in range(nb):
                link_order[l, j] = order2[d, j] * sh * tr
        if M.use_contracts:
            for j in range(nb):
                link_order[l, j] += contracted[l, j]

    # exports: licence approvals and delays, content rules on the paths' origin shares
    approval, delay = Wk.approval, Wk.delay  # 1 and 0 outside the licensed rows
    for r in range(len(M.lic_rows)):
        l = M.lic_rows[r]
        for j in range(nb):
            approval[l, j] = M.approval[r, p0 + uidx(j)]
            delay[l, j] = M.delay[r, p0 + uidx(j)]
    for i in range(len(M.content_rule)):
        c = M.content_rule[i]
        n_app = M.content_apps[i]
        for l in range(L):
            if not M.content_scope[i, l]:
                continue
            src, k = T.link_src[l], T.content_draw[l]
            for j in range(nb):
                q = p0 + uidx(j)
                if origin[src, q] > M.content_threshold[i]:
                    prob = V.content_prob[c, q]
                    ok = 0.0
                    for a in range(n_app):
                        ok += 1.0 if M.content_u[q, k, a] < prob else 0.0
                    approval[l, j] *= ok / n_app
                    delay[l, j] = max(delay[l, j], V.content_delay[c, q])
    for z in range(M.quota_left.shape[0]):
        for j in range(nb):
            Wk.quota_left[z, j] = M.quota_left[z, p0 + uidx(j)]

    # round one: suppliers allocate their stock to the orders, export policies apply
    sent, req, avail = Wk.total, Wk.req, Wk.avail
    for s in range(S):
        for j in range(nb):
            avail[s, j] = stock[s, p0 + uidx(j)] * T.out_slot[s]
    for l in range(L):
        for j in range(nb):
            req[l, j] = link_order[l, j] * M.open[l]
    allocate(avail, Wk.lcopy, req, T.link_src, M.class_order, M.class_start, sent, Wk.tot,
             Wk.gsum, nb)
    apply_exports(T.all_links, approval, M.quota_scope, Wk.quota_left, sent, nb)
    for l in range(L):
        for j in range(nb):
            F.sent[l, p0 + uidx(j)] = sent[l, j]

    # stockpiles that fire: their holder's (or sharing recipient's) unmet share of demand
    watch, watch_d, fired, lack = Wk.watch, Wk.watch_d, Wk.fired, Wk.lack
    for s in range(S):
        for j in range(nb):
            held = min(max(stock[s, p0 + uidx(j)], 0.0), dem_slot[s, j])
            lack[s, j] = max(dem_slot[s, j] - held, 0.0)
    group_sum(T.watch_ptr, T.watch_idx, lack, 0, watch, nb)
    group_sum(T.watch_ptr, T.watch_idx, dem_slot, 0, watch_d, nb)
    any_recipient = False
    for w in range(Wn):
        for j in range(nb):
            q = p0 + uidx(j)
            worst = max(St.short_share[w, q], min(share_of(watch[w, j], watch_d[w, j]), 1.0))
            if w < n_sp:
                fired[w, j] = worst > V.sp_trigger[w, q] and M.sp_active[w]
            else:
                fired[w, j] = (worst > V.sharing_trigger[w - n_sp, q]
                               and M.sharing_active[w - n_sp])
                any_recipient = any_recipient or fired[w, j]

    # round two: fired stockpiles release, allies share, unfilled orders go where stock is left
    sent = F.sent
    unfilled, left, need, sinto, sfrom = Wk.unfilled, Wk.left, Wk.need, Wk.sinto, Wk.sfrom
    group_sum(T.dst_start, T.dst_rows, sent, p0, sinto, nb)
    group_sum(T.src_start, T.src_rows, sent, p0, sfrom, nb)
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            unfilled[s, j] = max(unfilled[s, j] - sinto[s, j], 0.0)  # unfilled held the orders
            left[s, j] = max(stock[s, q] - sfrom[s, j], 0.0) * T.out_slot[s]
    any_left = False
    for i in range(n_sp):
        sl = T.sp_slot[i]
        for j in range(nb):
            q = p0 + uidx(j)
            a = max(min(stock[sl, q], V.sp_release[i, q]), 0.0) * fired[i, j]
            Wk.sp[i, j] = a
            left[sl, j] = a
            any_left = any_left or a != 0.0
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            need[s, j] = max(unfilled[s, j], planned[s, q] + dem_slot[s, j] - stock[s, q])
    total, elig = Wk.total, Wk.elig
    for l in range(L):
        for j in range(nb):
            total[l, j] = 0.0
    if any_left:
        for l in T.release_rows:
            for j in range(nb):
                elig[l, j] = 1.0
        resource_pass(nb, T, T.release_rows, need, M.rel_order, M.rel_start, M, Wk)
    if any_recipient:
        for i in range(n_sp):
            sl = T.sp_slot[i]
            for j in range(nb):
                q = p0 + uidx(j)
                own = Wk.sp[i, j] - left[sl, j]
                rate = V.sp_release[i, q] * M.sp_active[i]
                spare = min(min(stock[sl, q], rate) - own, T.sp_share_cap[i] * rate)
                left[sl, j] = max(spare, 0.0)
        for l in T.shared_rows:
            rc = n_sp + max(T.recipient_of_link[l], 0)
            for j in range(nb):
                elig[l, j] = 1.0 if fired[rc, j] else 0.0
        want = Wk.want
        for s in range(S):
            for j in range(nb):
                want[s, j] = max(need[s, j], 0.0)
        resource_pass(nb, T, T.shared_rows, want, M.shr_order, M.shr_start, M, Wk)
        for i in range(n_sp):
            for j in range(nb):
                left[T.sp_slot[i], j] = 0.0
    for l in range(L):
        for j in range(nb):
            elig[l, j] = 1.0 if (T.trade[l] and M.open[l]) else 0.0
    resource_pass(nb, T, T.all_links, unfilled, M.class_order, M.class_start, M, Wk)
    for l in range(L):
        for j in range(nb):
            sent[l, p0 + uidx(j)] += total[l, j]
            req[l, j] = link_order[l, j] + req[l, j] * T.trade[l]
    group_sum(T.src_start, T.src_rows, req, 0, sfrom, nb)
    for s in range(S):
        for j in range(nb):
            St.demanded[s, p0 + uidx(j)] = sfrom[s, j]
    group_sum(T.src_start, T.src_rows, sent, p0, sfrom, nb)
    for s in range(S):
        for j in range(nb):
            stock[s, p0 + uidx(j)] -= sfrom[s, j]

    # shipments enter the pipeline at their lead time, licensed ones after review
    base = t % H
    for l in range(L):
        src, d0 = T.link_src[l], delay[l, 0]
        spread, shipped = 0, 0.0  # the block's delays differ; it shipped (or NaN)
        for j in range(nb):
            spread += delay[l, j] != d0
            shipped += abs(sent[l, p0 + uidx(j)])
        if shipped == 0.0:
            continue  # adding nothing leaves the pipeline and the goods in transit as they are
        same = spread == 0  # one ring position for the block's goods
        for k in range(T.lag_ptr[l], T.lag_ptr[l + 1]):
            w, lag = T.lag_wv[k], T.lag_k[k]
            if same:
                h = (base + lag + d0) % H
                for j in range(nb):
                    q = p0 + uidx(j)
                    x = sent[l, q]
                    St.pipe[h, l, q] += x * w
                    St.pipe_cn[h, l, q] += (x * origin[src, q]) * w
                continue
            for j in range(nb):
                q = p0 + uidx(j)
                x = sent[l, q]
                h = base + lag + delay[l, j]
                if h >= H:
                    h -= H
                St.pipe[h, l, q] += x * w
                St.pipe_cn[h, l, q] += (x * origin[src, q]) * w
        for j in range(nb):
            q = p0 + uidx(j)
            transit[l, q] += sent[l, q]
    for r in range(len(M.lic_rows)):
        l = M.lic_rows[r]
        for j in range(nb):
            approval[l, j] = 1.0
            delay[l, j] = 0
    receive(p0, nb, t % H, T, St, F, Wk, True)
    for i in range(len(T.od_slot)):
        for j in range(nb):
            q = p0 + uidx(j)
            R.origin_share[q, t, i] = origin[T.od_slot[i], q]

    # demand lines draw on their regional stock, by priority class
    served, served_slot = Wk.served, F.served_slot
    for s in range(S):
        for j in range(nb):
            avail[s, j] = stock[s, p0 + uidx(j)]
    allocate(avail, Wk.lcopy, dem, T.d_slot, T.d_order, T.d_start, served, Wk.tot, Wk.gsum, nb)
    group_sum(T.dslot_start, T.dslot_rows, served, 0, sfrom, nb)
    for s in range(S):
        for j in range(nb):
            q = p0 + uidx(j)
            served_slot[s, q] = sfrom[s, j]
            stock[s, q] -= sfrom[s, j]
            lack[s, j] = max(dem_slot[s, j] - sfrom[s, j], 0.0)
    group_sum(T.watch_ptr, T.watch_idx, lack, 0, watch, nb)
    for w in range(Wn):
        for j in range(nb):
            St.short_share[w, p0 + uidx(j)] = min(share_of(watch[w, j], watch_d[w, j]), 1.0)

    unmet = served  # the served scratch, now holding unmet demand
    for d in range(D):
        for j in range(nb):
            unmet[d, j] = dem[d, j] - served[d, j]
    put_rows(R.demand_t, p0, nb, t, dem, D)
    put_rows(R.unmet_t, p0, nb, t, unmet, D)
    rows = Wk.rows
    group_sum(T.flow_start, T.flow_rows, sent, p0, rows, nb)
    put_rows(R.shipped_t, p0, nb, t, rows, len(T.flow_start) - 2)
    group_sum(T.contract_start, T.contract_rows, sent, p0, rows, nb)
    put_rows(R.contract_t, p0, nb, t, rows, len(T.contract_start) - 2)
    for j in range(nb):
        q = p0 + uidx(j)
        for i in range(n_sp):
            R.stockpile_t[q, t, i] = stock[T.sp_slot[i], q]
        for i in range(len(T.rec_out)):
            R.recycled_t[q, t, i] = made[T.rec_out[i], q]


@njit(parallel=True, **OPTS)
def chunk_month(t, T, V, M, St, F, R, start, bad):
    """Advance every path of the chunk by month ``t``, blocks of :data:`BLOCK` paths in
    parallel; returns the number of paths the balance guard found broken.

    With one code per path in ``bad``, each block's guard
    (:func:`~supplysim.engines.fused.guard.block_guard`) runs right after the block's month,
    while its arrays are in cache, and ``start`` (slots, paths) receives the month's starting
    stocks [t]; with an empty ``bad`` nothing is checked. (No array is assigned by slice in the
    loop's body: numba would share it.)"""
    S, P = St.stock.shape
    L, N, NL, D = len(T.link_src), M.cap.shape[0], len(T.line_node), len(T.d_slot)
    check = len(bad) > 0
    for b in prange((P + BLOCK - 1) // BLOCK):
        Wk = new_work(S, L, N, NL, D, St.short_share.shape[0], len(T.sp_slot),
                      M.quota_left.shape[0], summed_rows(T), BLOCK)
        p0 = uidx(b * BLOCK)
        nb = min(P, b * BLOCK + BLOCK) - b * BLOCK
        if check:
            for s in range(S):
                for j in range(nb):
                    start[s, p0 + uidx(j)] = St.stock[s, p0 + uidx(j)]
        block_month(p0, nb, t, T, V, M, St, F, R, Wk)
        if check:
            block_guard(p0, nb, t, T, St, F, start, bad, np.empty((2, BLOCK)))
    broken = 0
    if check:
        for p in range(P):
            broken += bad[p] != 0
    return broken
