"""Compiled building blocks of the fused step: ratios, copies, group sums, allocation.

All work on one path's 1-d arrays; group members are CSR-style lists (``idx[ptr[g]:ptr[g + 1]]``,
ascending), and sums run over them in that order from 0.0, as the sparse group sums of
:class:`~supplysim.engines.groups.Groups` do, so results match the vector engine bit for bit.

Per-path functions are compiled without the reference-counting runtime (``_nrt=False``): they
allocate nothing, and taking views of arrays shared by all threads then updates no atomic
counters, which would otherwise dominate the step.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, _nrt=False)
def ratio(supply, need):
    """``capped_ratio`` of one pair [1]."""
    if need > supply and need > 0.0:
        return min(max(supply / need, 0.0), 1.0)
    return 1.0


@njit(cache=True, _nrt=False)
def copy_into(src, dst):
    """``dst[:] = src`` without a temporary."""
    for i in range(len(dst)):
        dst[i] = src[i]


@njit(cache=True, _nrt=False)
def group_sum(x, ptr, idx, out):
    """Sums of ``x`` over the members of each group, ascending from 0.0."""
    for g in range(len(ptr) - 1):
        acc = 0.0
        for j in range(ptr[g], ptr[g + 1]):
            acc += x[idx[j]]
        out[g] = acc


@njit(cache=True, _nrt=False)
def pair_sum(x_line, ratio, pair_line, ptr, idx, out):
    """Sums by slot of ``x_line[pair_line] * ratio`` over pairs [t]."""
    for s in range(len(out)):
        acc = 0.0
        for j in range(ptr[s], ptr[s + 1]):
            k = idx[j]
            acc += x_line[pair_line[k]] * ratio[k]
        out[s] = acc


@njit(cache=True, _nrt=False)
def allocate(avail, req, ptr, idx, cls, out, left):
    """``allocate_rows_by_class`` for one path: classes 0, 1, 2 in turn, pro rata within one [t].

    Group ``g`` has the requests ``idx[ptr[g]:ptr[g + 1]]``; ``left`` ends as what stays.
    Classes without requests in a group are skipped (they would take nothing).
    """
    for g in range(len(ptr) - 1):
        present = 0
        for j in range(ptr[g], ptr[g + 1]):
            present |= 1 << cls[idx[j]]
        rest = avail[g]
        for c in range(3):
            if present & (1 << c):
                rest = _allocate_class(rest, req, idx, ptr[g], ptr[g + 1], cls, c, out)
        left[g] = rest


@njit(cache=True, _nrt=False, inline="always")
def _allocate_class(rest, req, idx, a, b, cls, c, out):
    """Pro rata share of ``rest`` to the class-``c`` requests ``idx[a:b]``; returns what stays."""
    tot = 0.0
    for j in range(a, b):
        if cls[idx[j]] == c:
            tot += req[idx[j]]
    f = ratio(rest, tot)
    got = 0.0
    for j in range(a, b):
        k = idx[j]
        if cls[k] == c:
            out[k] = req[k] * f
            got += out[k]
    return rest - got
