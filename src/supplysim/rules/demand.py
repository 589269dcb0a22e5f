"""Demand growth and its response to prices: elasticity and substitution."""

from __future__ import annotations

import numpy as np


def demand_at(base_t, growth_per_yr, years):
    """Demand after ``years`` of compound growth [t/month].

    Parameters
    ----------
    base_t : array_like
        Baseline demand [t/month].
    growth_per_yr : array_like
        Growth rate [fraction/yr], > -1.
    years : float
        Years since the baseline [yr].

    Examples
    --------
    >>> round(float(demand_at(100.0, 0.1, 2.0)), 6)
    121.0
    """
    return base_t * np.power(1.0 + growth_per_yr, years)


def price_response(rel_price, elasticity):
    """Demand multiplier for a price relative to 2024: ``rel_price ** elasticity`` [1].

    Examples
    --------
    >>> round(float(price_response(2.0, -0.1)), 6)
    0.933033
    """
    return np.power(np.maximum(rel_price, 1e-12), elasticity)


def substitution_step(share, rel_price, threshold, max_share, lag_months):
    """Share of demand gone to substitutes after one more month [1].

    While ``rel_price`` is above ``threshold`` the share grows by ``max_share / lag_months``
    per month up to ``max_share``; it does not come back within the horizon (redesigned
    products stay redesigned).

    Examples
    --------
    >>> float(substitution_step(0.0, 3.0, 2.0, 0.3, 10.0))
    0.03
    >>> float(substitution_step(0.3, 3.0, 2.0, 0.3, 10.0))
    0.3
    >>> float(substitution_step(0.1, 1.5, 2.0, 0.3, 10.0))
    0.1
    """
    grow = np.where(rel_price > threshold, max_share / np.maximum(lag_months, 1.0), 0.0)
    return np.minimum(share + grow, max_share)
