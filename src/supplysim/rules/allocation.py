"""Allocation when short: priority classes in order, pro rata within a class."""

from __future__ import annotations

import numpy as np

from supplysim.rules._ratio import capped_ratio


def fill_share(available_t, requested_t):
    """Share of requests a supplier can fill [1]: ``min(1, available / requested)``.

    Examples
    --------
    >>> float(fill_share(30.0, 40.0)), float(fill_share(5.0, 0.0))
    (0.75, 1.0)
    """
    return capped_ratio(available_t, requested_t)


def allocate_by_class(available_t, requests_t, group, classes, group_sum):
    """Allocate grouped stocks to requests: classes in ascending order, pro rata within one [t].

    Parameters
    ----------
    available_t : ndarray, shape (groups, paths)
        Stock each group (a supplier slot, a regional stock) can give [t].
    requests_t : ndarray, shape (k, paths)
        Requests [t]; request ``i`` draws on group ``group[i]``.
    group, classes : ndarray, shape (k,)
        Group and priority class of every request; class 0 is served first.
    group_sum : callable
        Sums the rows of a ``(k, paths)`` array into ``(groups, paths)`` by ``group``.

    Examples
    --------
    >>> req = np.array([[4.0], [4.0], [4.0]])
    >>> allocate_by_class(np.array([[6.0]]), req, np.array([0, 0, 0]), np.array([1, 0, 1]),
    ...                   lambda x: x.sum(axis=0, keepdims=True))[:, 0].tolist()
    [1.0, 4.0, 1.0]
    """
    left = np.array(available_t, dtype=float)
    present = np.unique(classes)
    if len(present) == 1:
        return requests_t * fill_share(left, group_sum(requests_t))[group]
    out = np.zeros_like(requests_t, dtype=float)
    for c in present:
        want = requests_t * (classes == c)[:, None]
        got = want * fill_share(left, group_sum(want))[group]
        out += got
        left -= group_sum(got)
    return out
