"""Sums, minima and maxima of array columns by group, with ``numpy.ufunc.reduceat``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Groups:
    """Column groups of a ``(paths, k)`` array: ``member_group[i]`` is the group of column ``i``.

    Reductions return ``(paths, n_groups)``; a group without members gets ``empty``.
    """

    perm: np.ndarray
    starts: np.ndarray
    targets: np.ndarray
    n_groups: int

    @classmethod
    def of(cls, member_group, n_groups: int) -> Groups:
        """Build from the group index of every column."""
        member_group = np.asarray(member_group, dtype=int)
        perm = np.argsort(member_group, kind="stable")
        sorted_g = member_group[perm]
        starts = np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]]) if len(perm) else perm
        return cls(perm, starts, sorted_g[starts] if len(perm) else perm, n_groups)

    def _reduce(self, ufunc, x: np.ndarray, empty: float) -> np.ndarray:
        out = np.full((x.shape[0], self.n_groups), empty)
        if len(self.perm):
            out[:, self.targets] = ufunc.reduceat(x[:, self.perm], self.starts, axis=1)
        return out

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Group sums."""
        return self._reduce(np.add, x, 0.0)

    def min(self, x: np.ndarray, empty: float = np.inf) -> np.ndarray:
        """Group minima."""
        return self._reduce(np.minimum, x, empty)

    def max(self, x: np.ndarray, empty: float = 0.0) -> np.ndarray:
        """Group maxima."""
        return self._reduce(np.maximum, x, empty)
