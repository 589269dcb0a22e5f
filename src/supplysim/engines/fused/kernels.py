"""Pieces of the compiled month for one block of paths, compiled with numba.

Arrays are shaped ``(k, paths)`` as in the numpy engine: the chunk's state and inputs with
all the chunk's paths, scratch arrays with the ``nb`` paths of one block; a block's paths are
columns ``p0 .. p0 + nb`` of the former and ``0 .. nb`` of the latter. Every loop over a
quantity's rows runs an inner loop over the block's paths, so the arithmetic of one row is
done for many paths at once, without the numpy engine's temporaries. The arithmetic follows
the numpy engine operation by operation (same products, group sums in ascending member order,
the same ``capped_ratio``, ``share_of`` and ``clip``), so every number equals the numpy
engine's bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

TINY = 1e-300
#: Paths of one block: the width of every inner loop.
BLOCK = 64
#: Column indices into the chunk's arrays are ``p0 + uidx(j)``, unsigned, so numba adds no
#: wrap-around of negative indices, which would keep LLVM from vectorising the path loops.
uidx = np.uint64
#: Compiler options of every function: cached machine code; a zero divisor gives inf rather
#: than a check per division (every division here is guarded, so no value changes).
OPTS = dict(cache=True, error_model="numpy")


@njit(inline="always", **OPTS)
def capped(supply, need):
    """``clip(supply / need, 0, 1)``, 1 where ``need <= supply`` or ``need <= 0`` [1]."""
    r = 1.0
    if need > supply and need > 0.0:
        r = supply / need
    return min(max(r, 0.0), 1.0)


@njit(inline="always", **OPTS)
def share_of(part, total):
    """``part / total``, 0 where ``total <= 0`` [1]."""
    return part / total if total > 0.0 else 0.0


@njit(inline="always", **OPTS)
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


@njit(**OPTS)
def group_sum(start, rows, x, off, out, nb):
    """``out[g, j]`` = sum of ``x[rows[k], off + j]`` over the members ``k`` of group ``g``,
    in member order, for the block's ``nb`` paths (also the rows of a CSR matrix of ones:
    ``start, rows = indptr, indices``)."""
    off = uidx(off)
    for g in range(len(start) - 1):
        for j in range(nb):
            out[g, j] = 0.0
        for k in range(start[g], start[g + 1]):
            r = rows[k]
            for j in range(nb):
                out[g, j] += x[r, off + uidx(j)]


@njit(**OPTS)
def allocate(available, left, req, src, order, start, out, tot, got_sum, nb):
    """Allocate ``available`` (groups, nb) to requests ``req`` (k, nb) drawing on groups
    ``src``: classes in the order of ``start`` over ``order`` (rows sorted by class), pro rata
    within a class (``rules.allocation.allocate_by_class``). Writes ``out`` on those rows;
    ``left``, ``tot`` and ``got_sum`` are scratch (groups, nb). Each group sum starts from 0
    and is taken once per group (the group's later members subtract 0)."""
    for k in range(start[0], start[len(start) - 1]):
        g = src[order[k]]
        for j in range(nb):
            left[g, j] = available[g, j]
    for c in range(len(start) - 1):
        for k in range(start[c], start[c + 1]):
            g = src[order[k]]
            for j in range(nb):
                tot[g, j] = 0.0
                got_sum[g, j] = 0.0
        for k in range(start[c], start[c + 1]):
            r = order[k]
            g = src[r]
            for j in range(nb):
                tot[g, j] += req[r, j]
        for k in range(start[c], start[c + 1]):
            r = order[k]
            g = src[r]
            for j in range(nb):
                x = req[r, j] * capped(left[g, j], tot[g, j])
                out[r, j] = x
                got_sum[g, j] += x
        for k in range(start[c], start[c + 1]):
            g = src[order[k]]
            for j in range(nb):
                left[g, j] -= got_sum[g, j]
                got_sum[g, j] = 0.0


@njit(**OPTS)
def apply_exports(rows, approval, quota_scope, quota_left, x, nb):
    """Scale allocations ``x`` (links, nb) on ``rows`` in place by licence approvals, then by
    the active quotas, drawing ``quota_left`` (quotas, nb) down [t] (``Exports.apply``)."""
    for l in rows:
        for j in range(nb):
            x[l, j] = x[l, j] * approval[l, j]
    for z in range(quota_scope.shape[0]):
        for j in range(nb):
            exports = 0.0
            for l in rows:
                if quota_scope[z, l]:
                    exports += x[l, j]
            scale = capped(quota_left[z, j], exports)
            for l in rows:
                if quota_scope[z, l]:
                    x[l, j] *= scale
            quota_left[z, j] -= exports * scale
