"""The markets of one month on ``(k, paths)`` arrays, shared by the vector and discrete-event engines.

At the start of a month demand answers last month's smoothed prices (when the scenario turns
demand response on); at its end each (market, element) index moves by the rule of
:mod:`supplysim.rules.prices` from the market's stocks and unfilled orders, buyers' smoothed
prices and substitution follow, and price floors pay out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from supplysim.rules._ratio import share_of
from supplysim.rules.demand import price_response, substitution_step
from supplysim.rules.prices import (KG_PER_T, cover_gap, cut_factor, floor_payment_usd,
                                   next_log_price, smooth)


@dataclass
class MarketBooks:
    """Market state of a chunk of paths; arrays shaped ``(k, paths)``.

    Attributes
    ----------
    log_ratio : ndarray (markets x elements, paths)
        ``ln(index / price_2024)`` [1].
    smooth_rel : ndarray (demand lines, paths)
        Smoothed price of each demand line's rare-earth content relative to 2024 [1].
    subst : ndarray (demand lines, paths)
        Share of each demand line gone to substitutes [1].
    stock_ref : ndarray (markets x elements, paths)
        Normal commercial stock of each market: its stock smoothed over
        ``cover_reference_months`` [t oxide-eq].
    price : ndarray (markets x elements, paths)
        Index at the last month end [USD/kg].
    """

    log_ratio: np.ndarray
    smooth_rel: np.ndarray
    subst: np.ndarray
    stock_ref: np.ndarray
    price: np.ndarray


def open_books(mk, stock: np.ndarray) -> MarketBooks:
    """Books at the start: 2024 prices; the initial stocks (slots, paths) [t] are normal."""
    paths = stock.shape[1]
    n_rows, n_lines = mk.demand_content.shape
    return MarketBooks(np.zeros((n_rows, paths)), np.ones((n_lines, paths)),
                       np.zeros((n_lines, paths)), mk.slot_content @ stock,
                       np.repeat(mk.price0[:, None], paths, axis=1))


def respond(mk, books: MarketBooks, demand: np.ndarray) -> np.ndarray:
    """Demand (lines, paths) [t/month] after elasticity and substitution; unchanged when off."""
    if not mk.response:
        return demand
    factor = price_response(books.smooth_rel, mk.elasticity[:, None]) * (1.0 - books.subst)
    return demand * factor


@dataclass
class MonthMarket:
    """What a month's market close reports: index prices and floor payments."""

    price_usd_per_kg: np.ndarray  # (markets x elements, paths) [USD/kg]
    payment_usd: np.ndarray       # (floors, paths) [USD]
    tariff_usd: np.ndarray        # (tariffs, paths) [USD]


def input_short(planned_in: np.ndarray, used: np.ndarray, made: np.ndarray,
                stock: np.ndarray) -> np.ndarray:
    """Planned input the slots' stock could not cover this month (slots, paths) [t].

    ``stock`` is the stock after the lines ran, so the stock they drew on is
    ``stock - made + used``.
    """
    return np.maximum(planned_in - (stock - made + used), 0.0)


def close_month(mk, books: MarketBooks, v: dict, t: int, flows: dict) -> MonthMarket:
    """Move the price indices, smoothed prices and substitution; pay price floors.

    ``flows`` holds this month's ``stock`` (slots, end of month), ``made`` (output of each
    slot), ``sent`` (links), ``need`` (planned input of each slot) and ``short`` (its part the
    stock could not cover, :func:`input_short`), all ``(k, paths)`` [t or t/month]. Tariff
    revenue values what crossed a taxed link at the ex-China index of its rare-earth content.
    The cover gap compares the market's stock of each element's own products with its normal
    stock; the unmet share is the uncovered share of the market's planned input of them.
    Updates ``books`` in place.
    """
    if not len(mk.elements):  # a world without priced elements: nothing to move or pay
        none = np.zeros((0, flows["stock"].shape[1]))
        return MonthMarket(none, none, none)
    r = mk.rule
    stock = mk.slot_content @ flows["stock"]
    gap = cover_gap(stock, books.stock_ref)
    books.stock_ref = smooth(books.stock_ref, stock, r["cover_reference_months"])
    unmet = share_of(mk.slot_content @ flows["short"], mk.slot_content @ flows["need"])
    books.log_ratio = next_log_price(books.log_ratio, gap, unmet, r["price_cover_gain"],
                                     r["price_unmet_gain"], r["price_unmet_half"],
                                     r["price_reversion"], r["max_price_ratio"])
    active = mk.cut_rows[:, :, None] & mk.cut_active[:, t, None, None]
    rel = np.exp(books.log_ratio) * cut_factor(v["price_cut_share"][:, None, :], active)
    books.smooth_rel = smooth(books.smooth_rel, mk.demand_weight @ rel, r["price_smoothing_months"])
    if mk.response:
        books.subst = substitution_step(books.subst, books.smooth_rel, mk.subst_threshold[:, None],
                                        mk.subst_max[:, None], mk.subst_lag[:, None])
    price = mk.price0[:, None] * rel
    covered = v["floor_covered_t_per_month"] + v["floor_covered_share"] * (
        mk.floor_slots @ flows["made"])
    pay = floor_payment_usd(v["floor_usd_per_kg"], price[mk.floor_row], covered)
    books.price = price
    return MonthMarket(price, pay * mk.floor_active[:, t, None], _tariff_revenue(mk, v, t, price, flows["sent"]))


def _ex_china(mk, price: np.ndarray) -> np.ndarray:
    """Ex-China rows of a (markets x elements, paths) price array: (elements, paths)."""
    E = len(mk.elements)
    return price[E:2 * E]


def _tariff_revenue(mk, v: dict, t: int, price: np.ndarray, sent: np.ndarray) -> np.ndarray:
    """Revenue of each tariff in month ``t`` (tariffs, paths) [USD]."""
    if not len(mk.tariff_names):
        return np.zeros((0, price.shape[1]))
    value = (mk.link_content @ _ex_china(mk, price)) * KG_PER_T * sent  # (links, paths) [USD]
    taxed = mk.tariff_scope @ value
    return v["tariff_rate_share"] * taxed * mk.tariff_active[:, t, None]


def link_shares(mk, lay, books: MarketBooks, v: dict, t: int):
    """Order shares of the links this month (links, paths) [1], or None when no policy steers them.

    Tariffs: a taxed link's share is multiplied by ``(1 + rate) ** -tariff_share_elasticity``.
    Friend-shoring: while the ex-China index of a link's rare-earth content is at most
    ``1 + max_premium_share`` times the China index (last month's prices), buyers move the
    shares of suppliers outside the preferred bloc to those inside it (in proportion to their
    baseline shares, equally where all are 0). The trade shares into each slot are then scaled
    back to their baseline sum, so only the split between suppliers changes.
    """
    if not mk.steers_links:
        return None
    paths = books.price.shape[1]
    base = np.repeat(lay.share[:, None], paths, axis=1) * lay.trade[:, None]
    share = base.copy()
    for r in np.flatnonzero(mk.tariff_active[:, t]):
        rows = mk.tariff_scope[r] > 0
        share[rows] *= (1.0 + v["tariff_rate_share"][r]) ** -mk.rule["tariff_share_elasticity"]
    E = len(mk.elements)
    premium = share_of(mk.link_content @ _ex_china(mk, books.price),
                       mk.link_content @ books.price[:E]) - 1.0
    for g in np.flatnonzero(mk.fs_active[:, t]):
        on = mk.fs_scope[g][:, None] & (premium <= v["fs_max_premium_share"][g])
        share = _prefer(lay, share, on, mk.fs_preferred[g])
    scale = share_of(lay.link_by_dst.sum_rows(base), lay.link_by_dst.sum_rows(share))
    return np.where(lay.trade[:, None], share * scale[lay.link_dst], lay.share[:, None])


def _prefer(lay, share: np.ndarray, on: np.ndarray, preferred: np.ndarray) -> np.ndarray:
    """Move the shares of non-preferred links where ``on`` (links, paths) to preferred ones."""
    moved = np.where(on & ~preferred[:, None], share, 0.0)
    pref = on & preferred[:, None]
    weight = np.where(pref, np.maximum(share, 0.0), 0.0)
    weight_sum = lay.link_by_dst.sum_rows(weight)
    count = lay.link_by_dst.sum_rows(pref.astype(float))
    w = np.where(weight_sum[lay.link_dst] > 0, share_of(weight, weight_sum[lay.link_dst]),
                 share_of(pref.astype(float), count[lay.link_dst]))
    has_pref = count[lay.link_dst] > 0
    gain = lay.link_by_dst.sum_rows(moved * has_pref)[lay.link_dst] * w
    return share - moved * has_pref + gain
