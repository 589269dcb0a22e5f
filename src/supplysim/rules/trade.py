"""Quotas and the lead-time pipeline."""

from __future__ import annotations

import numpy as np

from supplysim.rules._ratio import capped_ratio


def quota_scale(exports_t, remaining_quota_t):
    """Factor that brings scoped exports within the remaining quota [1].

    Examples
    --------
    >>> float(quota_scale(200.0, 50.0))
    0.25
    """
    return capped_ratio(remaining_quota_t, exports_t)


def lag_weights(lead_months, horizon):
    """Split of a shipment over whole-month lags for a fractional lead time [1].

    Returns an array ``(horizon, links)``: a lead of 1.25 months puts 0.75 at lag 1 and 0.25
    at lag 2, so the mean lead is kept.

    Examples
    --------
    >>> lag_weights(np.array([1.25]), 3)[:, 0].tolist()
    [0.0, 0.75, 0.25]
    """
    lead = np.asarray(lead_months, dtype=float)
    low = np.floor(lead).astype(int)
    frac = lead - low
    w = np.zeros((horizon, lead.size))
    cols = np.arange(lead.size)
    w[low, cols] += 1.0 - frac
    w[np.minimum(low + 1, horizon - 1), cols] += frac
    return w
