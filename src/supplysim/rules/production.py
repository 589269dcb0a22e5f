"""Capacity, outages, projects and conversion lines."""

from __future__ import annotations

import numpy as np

from supplysim.rules._ratio import capped_ratio


def availability(u, outage_prob, outage_loss):
    """Share of capacity available this month [1].

    An outage happens when the uniform draw ``u`` is below ``outage_prob``; it removes
    ``outage_loss`` of the capacity.

    Examples
    --------
    >>> float(availability(0.01, 0.05, 0.4))
    0.6
    >>> float(availability(0.5, 0.05, 0.4))
    1.0
    """
    return 1.0 - outage_loss * (u < outage_prob)


def project_capacity(month, capacity_t, built, online_month, ramp_months):
    """Capacity a project adds in ``month`` [t/month].

    Zero until ``online_month`` (announcement + construction), then a linear ramp to
    ``capacity_t`` over ``ramp_months``; zero throughout when not ``built`` (no FID).

    Examples
    --------
    >>> float(project_capacity(12.0, 100.0, True, 10.0, 4.0))
    50.0
    """
    frac = np.clip((month - online_month) / np.maximum(ramp_months, 1e-9), 0.0, 1.0)
    return capacity_t * frac * built


def scale_to_capacity(activity_t, node_activity_t, capacity_t):
    """Scale line activity so each node's total stays within its capacity [t/month].

    ``node_activity_t`` and ``capacity_t`` are the totals of the node each line belongs to.

    Examples
    --------
    >>> float(scale_to_capacity(30.0, 60.0, 40.0))
    20.0
    """
    return activity_t * capped_ratio(capacity_t, node_activity_t)


def input_fill(stock_t, required_t):
    """Share of a requirement that stock can meet [1], 1 where nothing is required.

    Examples
    --------
    >>> float(input_fill(5.0, 20.0)), float(input_fill(5.0, 0.0))
    (0.25, 1.0)
    """
    return capped_ratio(stock_t, required_t)


def financed_fid(fid_prob, gap_closed):
    """FID probability once financing closes ``gap_closed`` of the gap to 1 [1].

    Unchanged (bit for bit) where ``gap_closed`` is 0.

    Examples
    --------
    >>> float(financed_fid(0.6, 0.5))
    0.8
    """
    return np.where(gap_closed > 0, 1.0 - (1.0 - fid_prob) * (1.0 - gap_closed), fid_prob)


def financed_online(online_month, cut, finance_month, announced_month):
    """Month a project comes online once financing cuts ``cut`` of the construction left [months].

    The construction time left when the money comes (``finance_month``, not before
    ``announced_month``) shrinks by the share ``cut``; unchanged where ``cut`` is 0.

    Examples
    --------
    >>> float(financed_online(30.0, 0.5, 10.0, 0.0))
    20.0
    """
    left = np.maximum(online_month - np.maximum(finance_month, announced_month), 0.0)
    return np.where(cut > 0, online_month - cut * left, online_month)
