"""Scalar pieces of one path's month, compiled with numba.

Each function works on one path: rows of the chunk's ``(paths, k)`` arrays (1-D views) and
the index arrays of :class:`~supplysim.engines.fused.pack.Topology`. The arithmetic follows
the numpy engine operation by operation (same products, group sums in ascending member order,
the same ``capped_ratio``, ``share_of`` and ``clip``), so a path's numbers equal the numpy
engine's.
"""

from __future__ import annotations

from numba import njit

TINY = 1e-300


@njit(inline="always", cache=True)
def capped(supply, need):
    """``clip(supply / need, 0, 1)``, 1 where ``need <= supply`` or ``need <= 0`` [1]."""
    r = 1.0
    if need > supply and need > 0.0:
        r = supply / need
    return min(max(r, 0.0), 1.0)


@njit(inline="always", cache=True)
def share_of(part, total):
    """``part / total``, 0 where ``total <= 0`` [1]."""
    return part / total if total > 0.0 else 0.0


@njit(inline="always", cache=True)
def mix(held, share, added, added_cn):
    """Chinese-origin share of a stock after an addition [1] (``rules.origin.mix``)."""
    h = max(held, 0.0)
    a = max(added, 0.0)
    total = h + a
    china = h * share
    china += min(max(added_cn, 0.0), a)
    out = share
    if total > 0.0:
        out = china / total
    return min(max(out, 0.0), 1.0)


@njit(inline="always", cache=True)
def group_sum(start, rows, x, out):
    """``out[g]`` = sum of ``x[rows[k]]`` over the members of group ``g``, in member order."""
    for g in range(len(start) - 1):
        acc = 0.0
        for k in range(start[g], start[g + 1]):
            acc += x[rows[k]]
        out[g] = acc


@njit(inline="always", cache=True)
def sparse_sum(ptr, idx, x, out):
    """``out[r]`` = sum of ``x`` over the columns of CSR row ``r`` (all entries 1)."""
    for r in range(len(ptr) - 1):
        acc = 0.0
        for k in range(ptr[r], ptr[r + 1]):
            acc += x[idx[k]]
        out[r] = acc


@njit(cache=True, _nrt=False)
def receive(p, h, T, pipe, pipe_cn, transit, stock, origin, acc):
    """Goods due at ring position ``h`` reach their buyers and mix into their origin share;
    adds them to ``acc`` (slots) [t]."""
    for s in range(len(stock)):
        a = 0.0
        c = 0.0
        for k in range(T.dst_start[s], T.dst_start[s + 1]):
            l = T.dst_rows[k]
            x = pipe[h, p, l]
            transit[l] -= x
            a += x
            c += pipe_cn[h, p, l]
            pipe[h, p, l] = 0.0
            pipe_cn[h, p, l] = 0.0
        origin[s] = mix(stock[s], origin[s], a, c)
        stock[s] += a
        acc[s] += a


@njit(cache=True, _nrt=False)
def run_lines(T, demanded, cover, in_ratio, out_yield, cap, stock, origin, W):
    """Plan, limit and run the conversion lines (``engines.month.run_lines`` with origin).

    Fills ``W.planned_in``, ``W.used``, ``W.made`` (slots) [t]; updates ``stock`` and ``origin``.
    """
    S, NL = len(stock), len(T.line_node)
    need, act, done = W.s1, W.line_a, W.line_b
    for s in range(S):
        gap = cover[s] * demanded[s] - stock[s] - 0.0
        need[s] = max(demanded[s] + gap / T.adjust, 0.0)
    for j in range(NL):
        a = 0.0
        for k in range(T.out_line_start[j], T.out_line_start[j + 1]):
            q = T.out_line_rows[k]
            x = need[T.op_slot[q]] / max(out_yield[q], TINY)
            a = x if k == T.out_line_start[j] else max(a, x)
        act[j] = a
    group_sum(T.node_line_start, T.node_line_rows, act, W.node_a)
    for j in range(NL):
        n = T.line_node[j]
        act[j] = act[j] * capped(cap[n], W.node_a[n])
        if T.must_run[j]:
            act[j] = cap[n]
    planned, fill = W.planned_in, W.s2
    for s in range(S):
        a = 0.0
        for k in range(T.in_slot_start[s], T.in_slot_start[s + 1]):
            q = T.in_slot_rows[k]
            a += act[T.ip_line[q]] * in_ratio[q]
        planned[s] = a
        fill[s] = capped(stock[s], a)
    for j in range(NL):
        f = 1.0
        for k in range(T.in_line_start[j], T.in_line_start[j + 1]):
            f = min(f, fill[T.ip_slot[T.in_line_rows[k]]])
        done[j] = act[j] * f
    used, made, made_cn, line_cn = W.used, W.made, W.s3, W.line_c
    for s in range(S):
        a = 0.0
        for k in range(T.in_slot_start[s], T.in_slot_start[s + 1]):
            q = T.in_slot_rows[k]
            a += done[T.ip_line[q]] * in_ratio[q]
        used[s] = a
    for j in range(NL):
        a = 0.0
        c = 0.0
        for k in range(T.in_line_start[j], T.in_line_start[j + 1]):
            q = T.in_line_rows[k]
            x = done[T.ip_line[q]] * in_ratio[q]
            a += x
            c += x * origin[T.ip_slot[q]]
        line_cn[j] = 1.0 if T.line_china[j] else min(max(share_of(c, a), 0.0), 1.0)
    for s in range(S):
        a = 0.0
        c = 0.0
        for k in range(T.out_slot_start[s], T.out_slot_start[s + 1]):
            q = T.out_slot_rows[k]
            x = done[T.op_line[q]] * out_yield[q]
            a += x
            c += x * line_cn[T.op_line[q]]
        made[s] = a
        made_cn[s] = c
    for s in range(S):
        origin[s] = mix(stock[s] - used[s], origin[s], made[s], made_cn[s])
        stock[s] += made[s] - used[s]


@njit(cache=True, _nrt=False)
def allocate(available, left, req, src, order, start, out, tot, got_sum):
    """Allocate ``available`` (groups) to requests ``req`` drawing on groups ``src``: classes
    in the order of ``start`` over ``order`` (links sorted by class), pro rata within a class
    (``rules.allocation.allocate_by_class``). Writes ``out``; ``left``, ``tot`` and
    ``got_sum`` are scratch (groups)."""
    for k in range(start[0], start[len(start) - 1]):
        g = src[order[k]]
        left[g] = available[g]
    for c in range(len(start) - 1):
        for k in range(start[c], start[c + 1]):
            g = src[order[k]]
            tot[g] = 0.0
            got_sum[g] = 0.0
        for k in range(start[c], start[c + 1]):
            l = order[k]
            tot[src[l]] += req[l]
        for k in range(start[c], start[c + 1]):
            l = order[k]
            g = src[l]
            x = req[l] * capped(left[g], tot[g])
            out[l] = x
            got_sum[g] += x
        for k in range(start[c], start[c + 1]):
            g = src[order[k]]
            left[g] -= got_sum[g]  # once per group: the next member of g subtracts 0
            got_sum[g] = 0.0


@njit(cache=True, _nrt=False)
def apply_exports(rows, approval, quota_scope, quota_left, x):
    """Scale allocations ``x`` on ``rows`` in place by licence approvals, then by the active
    quotas (drawing ``quota_left`` down) [t] (``Exports.apply``)."""
    for l in rows:
        x[l] = x[l] * approval[l]
    for z in range(quota_scope.shape[0]):
        exports = 0.0
        for l in rows:
            if quota_scope[z, l]:
                exports += x[l]
        scale = capped(quota_left[z], exports)
        for l in rows:
            if quota_scope[z, l]:
                x[l] *= scale
        quota_left[z] -= exports * scale
