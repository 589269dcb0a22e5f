"""Price indices of a market, price floors and export price cuts.

The price rule, applied each month to each (market, element) index::

    x[t+1] = (1 - reversion) * x[t] + cover_gain * gap[t] + unmet_gain * short[t]
    gap    = clip(1 - stock / target, -1, 1)
    short  = unmet / (unmet + unmet_half)

where ``x = ln(price / price_2024)`` is clipped to ``[-ln(max_ratio), ln(max_ratio)]``. Both
drivers look at the element's own products only, its separated oxide and its metal (magnets,
which hold several elements, count for none): ``stock`` is the market's commercial stock of
them [t oxide-eq], ``target`` its normal stock (the stock smoothed over
``cover_reference_months``, starting from the initial stock), and ``unmet`` the share of the
market's planned input of them that the buyers' stocks could not cover that month. So a magnet
shortage caused by a Dy export licence raises the Dy index, not the NdPr one. The shortage term
saturates: a shortage that lasts gives at most ``exp((unmet_gain + cover_gain) / reversion)``
times the 2024 price, whatever its depth. Short stocks and uncovered input raise the price;
surplus stocks lower it; ``reversion`` pulls it back towards the 2024 level (new supply,
recycling and demand destruction outside the model).
"""

from __future__ import annotations

import numpy as np

from supplysim.rules._ratio import share_of

KG_PER_T = 1000.0


def cover_gap(stock_t, target_t):
    """Shortfall of stock against its target, ``clip(1 - stock / target, -1, 1)`` [1].

    Where the target is 0 the gap is 0.

    Examples
    --------
    >>> cover_gap(np.array([50.0, 300.0, 5.0]), np.array([100.0, 100.0, 0.0])).tolist()
    [0.5, -1.0, 0.0]
    """
    stock_t, target_t = np.broadcast_arrays(np.asarray(stock_t, float), np.asarray(target_t, float))
    gap = 1.0 - share_of(stock_t, target_t)
    return np.clip(np.where(target_t > 0, gap, 0.0), -1.0, 1.0)


def saturated(share, half):
    """``share / (share + half)``: 0 at 0, 1/2 at ``half``, towards 1 beyond [1].

    Examples
    --------
    >>> saturated(np.array([0.0, 0.1, 0.3]), 0.1).round(6).tolist()
    [0.0, 0.5, 0.75]
    """
    share = np.asarray(share, float)
    return share_of(share, share + half)


def next_log_price(log_ratio, gap, unmet_share, cover_gain, unmet_gain, unmet_half, reversion,
                   max_ratio):
    """Log price relative to 2024 after one month of the price rule [1].

    Parameters
    ----------
    log_ratio : array_like
        ``ln(price / price_2024)`` now [1].
    gap : array_like
        Cover gap from :func:`cover_gap` [1].
    unmet_share : array_like
        Share of the planned input of the element's own products left uncovered [1].
    cover_gain, unmet_gain, reversion : float
        Coefficients of the rule [1/month].
    unmet_half : float
        Unmet share at which the shortage term is half its largest value [1], > 0.
    max_ratio : float
        Bound of ``price / price_2024`` (and of its inverse) [1].

    Examples
    --------
    >>> round(float(next_log_price(0.0, 0.5, 0.2, 0.3, 0.5, 0.2, 0.05, 50.0)), 6)
    0.4
    >>> round(float(next_log_price(1.0, 0.0, 0.0, 0.3, 0.5, 0.2, 0.1, 50.0)), 6)
    0.9
    """
    short = saturated(unmet_share, unmet_half)
    x = (1.0 - reversion) * np.asarray(log_ratio, float) + cover_gain * gap + unmet_gain * short
    bound = np.log(max_ratio)
    return np.clip(x, -bound, bound)


def smooth(previous, value, months):
    """First-order smoothing: ``previous + (value - previous) / max(months, 1)``.

    Examples
    --------
    >>> float(smooth(1.0, 4.0, 3.0))
    2.0
    """
    return previous + (np.asarray(value, float) - previous) / max(float(months), 1.0)


def floor_payment_usd(floor_usd_per_kg, price_usd_per_kg, covered_t):
    """What a government pays under a price floor in a month [USD].

    ``(floor - price)+`` [USD/kg] times the covered tonnes [t] times 1000 kg/t.

    Examples
    --------
    >>> float(floor_payment_usd(110.0, 60.0, 2.0))
    100000.0
    >>> float(floor_payment_usd(110.0, 130.0, 2.0))
    0.0
    """
    gap = np.maximum(np.asarray(floor_usd_per_kg, float) - price_usd_per_kg, 0.0)
    return gap * covered_t * KG_PER_T


def cut_factor(cut_shares, active):
    """Price multiplier of export price cuts: product of ``1 - cut`` over active cuts [1].

    Parameters
    ----------
    cut_shares : ndarray (cuts, ...)
        Share by which each cut lowers the price [1].
    active : ndarray (cuts,) or (cuts, ...) of bool
        Whether each cut applies.

    Examples
    --------
    >>> float(cut_factor(np.array([0.2, 0.5]), np.array([True, False])))
    0.8
    """
    cut = np.where(active, cut_shares, 0.0)
    return np.prod(1.0 - cut, axis=0)
