"""Order-up-to replenishment of an inventory."""

from __future__ import annotations

import numpy as np


def order_up_to(use_t, cover_months, stock_t, transit_t, adjust_months):
    """Quantity to order this month [t].

    Orders cover this month's use plus a share ``1 / adjust_months`` of the gap between the
    target position (``cover_months`` of use, which should include the months goods spend in
    transit) and what is held or on its way.

    Parameters
    ----------
    use_t : array_like
        Planned use this month [t/month].
    cover_months : array_like
        Target stock [months of use].
    stock_t, transit_t : array_like
        Stock held and ordered stock in transit [t].
    adjust_months : float
        Months over which a stock gap is closed [months], > 0.

    Examples
    --------
    >>> float(order_up_to(10.0, 2.0, 5.0, 5.0, 2.0))
    15.0
    """
    gap = cover_months * use_t - stock_t - transit_t
    return np.maximum(use_t + gap / adjust_months, 0.0)
