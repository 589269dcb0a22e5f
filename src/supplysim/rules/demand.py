"""Demand growth."""

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
