"""The balance guard of the compiled month, per path: the checks of
:mod:`supplysim.engines.balance` with the same tolerances, as a code per path.

The CPU backend runs :func:`block_guard` on each block of paths right after the block's month
(:func:`supplysim.engines.fused.month.chunk_month`), while its arrays are in cache. The GPU
backend compiles it again as a device function and runs it with one path per thread.
Either way, a path with a nonzero code sends the month back to the host's checks, which name
the step, node and material.
"""

from __future__ import annotations

import math

from numba import njit

from supplysim.engines.balance import RTOL
from supplysim.engines.fused.kernels import OPTS, uidx

#: Codes of a broken path: a stock or slot balance, the pipeline against the goods in
#: transit, the Chinese-origin shares. The checks are written without branches, so that the
#: loops over paths vectorise.
BALANCE, PIPELINE, ORIGIN = 1.0, 2.0, 3.0


@njit(**OPTS)
def block_guard(p0, nb, t, T, St, F, start, bad, w):
    """``bad[p]`` for paths ``p0 .. p0 + nb``: 0 where month ``t`` passed the checks, else the
    code of the first broken one (slots in order, then links); ``start`` holds the stocks at
    the start of the month ``(slots, paths)`` [t]; ``w`` is scratch ``(2, nb)``."""
    total, code = w[0], w[1]
    for j in range(nb):
        code[j] = 0.0
    for s in range(St.stock.shape[0]):
        for j in range(nb):
            total[j] = 0.0
        for k in range(T.src_start[s], T.src_start[s + 1]):
            r = T.src_rows[k]
            for j in range(nb):
                total[j] += F.sent[r, p0 + uidx(j)]
        for j in range(nb):
            q = p0 + uidx(j)
            a, r, m, u = start[s, q], F.received[s, q], F.made[s, q], F.used[s, q]
            end = St.stock[s, q]
            resid = a + r + m - u - total[j] - F.served_slot[s, q] - end
            scale = abs(a) + abs(r) + abs(m) + abs(u) + abs(end) + 1.0
            o = St.origin[s, q]
            slot_ok = math.isfinite(end) & (end >= -RTOL * scale) & (abs(resid) <= 1e-7 * scale)
            origin_ok = math.isfinite(o) & (o >= -RTOL) & (o <= 1.0 + RTOL)
            c = 0.0 if origin_ok else ORIGIN
            c = c if slot_ok else BALANCE
            code[j] = code[j] if code[j] != 0.0 else c
    H = St.pipe.shape[0]
    h_next = (t + 1) % H
    for l in range(St.transit.shape[0]):
        for j in range(nb):
            total[j] = 0.0
        for h in range(H):
            for j in range(nb):
                total[j] += St.pipe[h, l, p0 + uidx(j)]
        for j in range(nb):
            q = p0 + uidx(j)
            x, due, due_cn = St.transit[l, q], St.pipe[h_next, l, q], St.pipe_cn[h_next, l, q]
            in_transit = abs(total[j] - x) <= 1e-6 + 1e-9 * abs(x)
            cn_over = (due_cn < -1e-9) | (due_cn > due + 1e-9 * (1.0 + abs(due)))
            c = ORIGIN if cn_over else 0.0
            c = c if in_transit else PIPELINE
            code[j] = code[j] if code[j] != 0.0 else c
    for j in range(nb):
        bad[p0 + uidx(j)] = code[j]
