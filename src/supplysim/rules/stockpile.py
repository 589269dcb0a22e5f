"""Stockpile release and replenishment."""

from __future__ import annotations

import numpy as np


def fires(unmet_share, trigger_share, active):
    """Whether a stockpile releases: its holder's unmet share exceeds the trigger [bool].

    Examples
    --------
    >>> bool(fires(0.2, 0.1, True)), bool(fires(0.05, 0.1, True))
    (True, False)
    """
    return (unmet_share > trigger_share) & active


def release_available(stock_t, release_t_per_month, fired):
    """Stock a stockpile offers this month [t]: up to ``release_t_per_month`` when fired.

    Examples
    --------
    >>> float(release_available(100.0, 30.0, True)), float(release_available(100.0, 30.0, False))
    (30.0, 0.0)
    """
    return np.clip(np.minimum(stock_t, release_t_per_month), 0.0, None) * fired


def replenish_order(stock_t, target_t, replenish_t_per_month, active):
    """Quantity a stockpile orders to return to its target [t].

    Examples
    --------
    >>> float(replenish_order(80.0, 100.0, 5.0, True))
    5.0
    """
    return np.clip(target_t - stock_t, 0.0, replenish_t_per_month) * active
