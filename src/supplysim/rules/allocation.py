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


def allocate_by_class(available_t, requests_t, classes, groups):
    """Allocate grouped stocks to requests: classes in ascending order, pro rata within one [t].

    Parameters
    ----------
    available_t : ndarray, shape (groups, paths)
        Stock each group (a supplier slot, a regional stock) can give [t].
    requests_t : ndarray, shape (k, paths)
        Requests [t]; request ``i`` draws on group ``groups.member_group[i]``.
    classes : ndarray, shape (k,)
        Priority class of every request; class 0 is served first.
    groups : supplysim.engines.groups.Groups
        The group of every request, with sums of request rows by group.

    Examples
    --------
    >>> from supplysim.engines.groups import Groups
    >>> req = np.array([[4.0], [4.0], [4.0]])
    >>> allocate_by_class(np.array([[6.0]]), req, np.array([1, 0, 1]),
    ...                   Groups.of([0, 0, 0], 1))[:, 0].tolist()
    [1.0, 4.0, 1.0]
    """
    by_class = groups.by_class(classes)
    if len(by_class) == 1:
        _, used, sub = by_class[0]
        share = fill_share(available_t[used], sub.sum_rows(requests_t))
        return requests_t * share[sub.member_group]
    left = np.array(available_t, dtype=float)
    out = np.zeros_like(requests_t, dtype=float)
    for rows, used, sub in by_class:
        want = requests_t[rows]
        got = want * fill_share(left[used], sub.sum_rows(want))[sub.member_group]
        out[rows] = got
        left[used] -= sub.sum_rows(got)
    return out
