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
    """Groups of array rows: row ``i`` belongs to group ``member_group[i]``.

    ``*_rows`` reduce the rows of ``(k, paths)`` arrays to ``(n_groups, paths)``; a group without
    members gets ``empty``. ``sum`` reduces the columns of a ``(paths, k)`` array.
    """

    csr: sparse.csr_matrix
    ranks: tuple
    n_groups: int
    member_group: np.ndarray
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, member_group, n_groups: int) -> Groups:
        """Build from the group index of every member."""
        member_group = np.asarray(member_group, dtype=np.int64)
        k = len(member_group)
        csr = sparse.csr_matrix((np.ones(k), (member_group, np.arange(k))), shape=(n_groups, k))
        members = [np.flatnonzero(member_group == g) for g in range(n_groups)]
        size = max((len(m) for m in members), default=0)
        ranks = tuple((np.array([g for g, m in enumerate(members) if len(m) > j], dtype=int),
                       np.array([m[j] for m in members if len(m) > j], dtype=int))
                      for j in range(size))
        return cls(csr, ranks, n_groups, member_group)

    def by_class(self, classes) -> tuple[tuple[np.ndarray, np.ndarray, Groups], ...]:
        """Members of each class in ascending class order (cached by ``classes`` (k,)).

        Each item is ``(rows, groups, sub)``: the class's member rows, the groups they belong
        to, and :class:`Groups` of those rows over those groups only.
        """
        classes = np.asarray(classes)
        key = ("classes", classes.tobytes())
        if key not in self._cache:
            items = []
            for c in np.unique(classes):
                rows = np.flatnonzero(classes == c)
                used, local = np.unique(self.member_group[rows], return_inverse=True)
                items.append((rows, used, Groups.of(local, len(used))))
            self._cache[key] = tuple(items)
        return self._cache[key]

    def restrict(self, rows: np.ndarray) -> Groups:
        """The same groups over member ``rows`` only (cached by ``rows``)."""
        key = ("rows", rows.tobytes())
        if key not in self._cache:
            self._cache[key] = Groups.of(self.member_group[rows], self.n_groups)
        return self._cache[key]

    def sum_rows(self, x: np.ndarray) -> np.ndarray:
        """Group sums of the rows of ``x`` (k, paths) -> (n_groups, paths)."""
        return self.csr @ x

    def min_rows(self, x: np.ndarray, empty: float = np.inf) -> np.ndarray:
        """Group minima of the rows of ``x`` (k, paths)."""
        return self._extreme_rows(np.minimum, x, empty)

    def max_rows(self, x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        """Group maxima of the rows of ``x`` (k, paths)."""
        return self._extreme_rows(np.maximum, x, empty)

    def _extreme_rows(self, ufunc, x: np.ndarray, empty: float) -> np.ndarray:
        out = np.full((self.n_groups, *x.shape[1:]), empty)
        for j, (g, rows) in enumerate(self.ranks):
            out[g] = x[rows] if j == 0 else ufunc(out[g], x[rows])
        return out

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Group sums of the columns of ``x`` (paths, k) -> (paths, n_groups)."""
        return self.sum_rows(np.asarray(x, dtype=float).T).T
