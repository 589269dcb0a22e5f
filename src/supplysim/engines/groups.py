"""Sums, minima and maxima of array rows or columns by group.

The engine keeps arrays with paths on the last axis, ``(k, paths)``; the ``*_rows`` methods
reduce their rows (sums through a sparse matrix product). ``sum``, ``min`` and ``max`` reduce
the columns of ``(paths, k)`` arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

@dataclass(frozen=True)
class Groups:
    """Column groups of a ``(paths, k)`` array: ``member_group[i]`` is the group of column ``i``.

    Reductions return ``(paths, n_groups)``; a group without members gets ``empty``.
    """

    perm: np.ndarray
    starts: np.ndarray
    targets: np.ndarray
    n_groups: int
    plan: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, member_group, n_groups: int) -> Groups:
        """Build from the group index of every column."""
        member_group = np.asarray(member_group, dtype=int)
        perm = np.argsort(member_group, kind="stable")
        sorted_g = member_group[perm]
        starts = np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]]) if len(perm) else perm
        targets = sorted_g[starts] if len(perm) else perm
        return cls(perm, starts, targets, n_groups, _plan(perm, starts, targets, n_groups))

    def sum_rows(self, x: np.ndarray) -> np.ndarray:
        """Group sums of the rows of ``x`` (k, paths) -> (n_groups, paths)."""
        return self.plan["csr"] @ x

    def min_rows(self, x: np.ndarray, empty: float = np.inf) -> np.ndarray:
        """Group minima of the rows of ``x`` (k, paths)."""
        return self._extreme_rows(np.minimum, x, empty)

    def max_rows(self, x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        """Group maxima of the rows of ``x`` (k, paths)."""
        return self._extreme_rows(np.maximum, x, empty)

    def _extreme_rows(self, ufunc, x: np.ndarray, empty: float) -> np.ndarray:
        out = np.full((self.n_groups, *x.shape[1:]), empty)
        for j, (g, rows) in enumerate(self.plan["ranks"]):
            out[g] = x[rows] if j == 0 else ufunc(out[g], x[rows])
        return out

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Group sums."""
        return self.sum_rows(np.asarray(x, dtype=float).T).T

    def min(self, x: np.ndarray, empty: float = np.inf) -> np.ndarray:
        """Group minima."""
        return self.min_rows(np.asarray(x, dtype=float).T, empty).T

    def max(self, x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        """Group maxima."""
        return self.max_rows(np.asarray(x, dtype=float).T, empty).T


def _plan(perm, starts, targets, n_groups: int) -> dict:
    """Sparse membership matrix for sums; members of every group by rank for minima/maxima."""
    ends = np.r_[starts[1:], len(perm)].astype(int)
    members = {int(g): perm[s:e] for g, s, e in zip(targets, starts, ends)}
    group_of = np.empty(len(perm), dtype=np.int64)
    for g, m in members.items():
        group_of[m] = g
    csr = sparse.csr_matrix((np.ones(len(perm)), (group_of, np.arange(len(perm)))),
                            shape=(n_groups, len(perm)))
    size = max((len(m) for m in members.values()), default=0)
    ranks = [(np.array([g for g, m in members.items() if len(m) > j], dtype=int),
              np.array([m[j] for m in members.values() if len(m) > j], dtype=int))
             for j in range(size)]
    return {"csr": csr, "ranks": ranks}
