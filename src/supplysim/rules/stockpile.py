"""Stockpile release and replenishment."""

from __future__ import annotations

import numpy as np


def release_available(stock_t, release_t_per_month, unfilled_share, trigger_share, active):
    """Stock a stockpile offers this month [t].

    It releases up to ``release_t_per_month`` when the holder's unfilled share of orders
    exceeds ``trigger_share`` and the policy is active.

    Examples
    --------
    >>> float(release_available(100.0, 30.0, 0.2, 0.1, True))
    30.0
    >>> float(release_available(100.0, 30.0, 0.05, 0.1, True))
    0.0
    """
    fire = (unfilled_share > trigger_share) & active
    return np.clip(np.minimum(stock_t, release_t_per_month), 0.0, None) * fire


def replenish_order(stock_t, target_t, replenish_t_per_month, active):
    """Quantity a stockpile orders to return to its target [t].

    Examples
    --------
    >>> float(replenish_order(80.0, 100.0, 5.0, True))
    5.0
    """
    return np.clip(target_t - stock_t, 0.0, replenish_t_per_month) * active
