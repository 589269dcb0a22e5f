"""The markets of one month for one path, compiled: :mod:`supplysim.engines.market` per path.

:func:`pack_market` turns the compiled markets and the per-path parameters into namedtuples of
plain arrays; :func:`respond_path`, :func:`link_shares_path` and :func:`close_month_path` then
do for path ``p`` what :func:`~supplysim.engines.market.respond`,
:func:`~supplysim.engines.market.link_shares` and
:func:`~supplysim.engines.market.close_month` do for all paths, on arrays shaped
``(paths, k)``, without allocating. The arithmetic keeps the order of the numpy code (sparse
sums over members in ascending index order), so results are equal bit for bit except where
numpy calls ``exp`` or ``pow`` or a dense matrix product (BLAS), which may differ in the last
bits; those places are marked below. The functions allocate nothing and are compiled without
numba's reference counting (``_nrt=False``): a call per path then costs about 0.1 us instead of
0.4 us for the increments and decrements of the many arrays in the namedtuples.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from supplysim.engines.fused.pack import group_csr, sparse_rows
from supplysim.engines.market import MarketBooks
from supplysim.rules.prices import KG_PER_T


class PackedMarket(NamedTuple):
    """Static arrays of the markets (rows of ``net.market`` and the link layout).

    ``*_ptr, *_idx, *_val`` are CSR rows (:func:`~supplysim.engines.fused.pack.sparse_rows`):
    ``sc`` slot content (ME, S) [t oxide-eq/t], ``dw`` demand weight (D, ME) [1], ``fl``
    floor slots (F, S) [1], ``lc`` link content (L, E) [t oxide-eq/t], ``tr`` tariff scope
    (R, L) [1]. Activity matrices ``(policies, months)`` are uint8.
    """

    n_elements: int          # E; 0 when no element is priced
    response: int            # demand answers prices (call respond_path)
    steers_links: int        # tariffs or friend-shoring move shares (call link_shares_path)
    price0: np.ndarray       # (ME,) [USD/kg]
    sc_ptr: np.ndarray
    sc_idx: np.ndarray
    sc_val: np.ndarray
    dw_ptr: np.ndarray
    dw_idx: np.ndarray
    dw_val: np.ndarray
    elasticity: np.ndarray   # (D,) [1]
    subst_grow: np.ndarray   # (D,) subst_max / max(subst_lag, 1) [1/month]
    subst_max: np.ndarray    # (D,) [1]
    subst_threshold: np.ndarray  # (D,) [1]
    keep: float              # 1 - price_reversion [1]
    cover_gain: float
    unmet_gain: float
    unmet_half: float
    bound: float             # ln(max_price_ratio) [1]
    cover_div: float         # max(cover_reference_months, 1) [months]
    smooth_div: float        # max(price_smoothing_months, 1) [months]
    tariff_power: float      # -tariff_share_elasticity [1]
    floor_row: np.ndarray    # (F,)
    fl_ptr: np.ndarray
    fl_idx: np.ndarray
    fl_val: np.ndarray
    floor_active: np.ndarray  # (F, T)
    cut_rows: np.ndarray     # (C, ME)
    cut_active: np.ndarray   # (C, T)
    lc_ptr: np.ndarray
    lc_idx: np.ndarray
    lc_val: np.ndarray
    tr_ptr: np.ndarray
    tr_idx: np.ndarray
    tr_val: np.ndarray
    tariff_active: np.ndarray  # (R, T)
    fs_scope: np.ndarray     # (G, L)
    fs_preferred: np.ndarray  # (G, L)
    fs_active: np.ndarray    # (G, T)
    steers_month: np.ndarray  # (T,) a tariff or friend-shoring policy is active
    fs_slot_ptr: np.ndarray  # slots with a link in the scope of policy g:
    fs_slot_idx: np.ndarray  #   fs_slot_idx[fs_slot_ptr[g]:fs_slot_ptr[g + 1]], ascending
    dst_start: np.ndarray    # links into each slot: dst_rows[dst_start[s]:dst_start[s + 1]]
    dst_rows: np.ndarray
    share: np.ndarray        # (L,) baseline order shares [1]
    trade: np.ndarray        # (L,) 1.0 on trade links, else 0.0
    base_sum: np.ndarray     # (S,) sum of share * trade over the links into each slot [1]


class PackedValues(NamedTuple):
    """Per-path parameters of the markets, C-contiguous ``(paths, policies)``."""

    price_cut_share: np.ndarray        # [1]
    floor_usd_per_kg: np.ndarray       # [USD/kg]
    floor_covered_t_per_month: np.ndarray  # [t/month]
    floor_covered_share: np.ndarray    # [1]
    tariff_rate_share: np.ndarray      # [1]
    fs_max_premium_share: np.ndarray   # [1]


class Books(NamedTuple):
    """:class:`~supplysim.engines.market.MarketBooks` shaped ``(paths, k)``, C-contiguous."""

    log_ratio: np.ndarray
    smooth_rel: np.ndarray
    subst: np.ndarray
    stock_ref: np.ndarray
    price: np.ndarray


class MarketScratch(NamedTuple):
    """Work arrays of the per-path functions."""

    rel: np.ndarray   # (paths, ME) index relative to 2024 after cuts [1]
    link: np.ndarray  # (paths, L) premium [1] or value [USD] of each link


def pack_market(net, lay, values: dict) -> tuple[PackedMarket, PackedValues]:
    """The markets of ``net`` and the layout ``lay`` as arrays, and the per-path ``values``."""
    mk, r = net.market, net.market.rule
    u8 = lambda a: np.ascontiguousarray(a, dtype=np.uint8)
    trade = lay.trade.astype(float)
    base = lay.share * trade
    start, rows = group_csr(lay.link_by_dst)
    fs_slots = sparse_rows(_scope_slots(mk.fs_scope, lay.link_dst, lay.n_slots))
    arrays = PackedMarket(
        n_elements=len(mk.elements), response=int(mk.response), steers_links=int(mk.steers_links),
        price0=np.ascontiguousarray(mk.price0, dtype=float),
        **_csr("sc", mk.slot_content), **_csr("dw", mk.demand_weight),
        elasticity=mk.elasticity.astype(float),
        subst_grow=mk.subst_max / np.maximum(mk.subst_lag, 1.0),
        subst_max=mk.subst_max.astype(float), subst_threshold=mk.subst_threshold.astype(float),
        keep=float(1.0 - r["price_reversion"]), cover_gain=float(r["price_cover_gain"]),
        unmet_gain=float(r["price_unmet_gain"]), unmet_half=float(r["price_unmet_half"]),
        bound=float(np.log(r["max_price_ratio"])),
        cover_div=max(float(r["cover_reference_months"]), 1.0),
        smooth_div=max(float(r["price_smoothing_months"]), 1.0),
        tariff_power=float(-r["tariff_share_elasticity"]),
        floor_row=mk.floor_row.astype(np.int64), **_csr("fl", mk.floor_slots),
        floor_active=u8(mk.floor_active), cut_rows=u8(mk.cut_rows), cut_active=u8(mk.cut_active),
        **_csr("lc", mk.link_content), **_csr("tr", mk.tariff_scope),
        tariff_active=u8(mk.tariff_active), fs_scope=u8(mk.fs_scope),
        fs_preferred=u8(mk.fs_preferred), fs_active=u8(mk.fs_active),
        steers_month=u8(mk.tariff_active.any(axis=0) | mk.fs_active.any(axis=0)),
        fs_slot_ptr=fs_slots[0], fs_slot_idx=fs_slots[1],
        dst_start=start, dst_rows=rows, share=lay.share.astype(float), trade=trade,
        base_sum=lay.link_by_dst.sum_rows(base[:, None])[:, 0],  # as link_shares sums it
    )
    per_path = PackedValues(*(np.ascontiguousarray(values[k], dtype=float)
                              for k in PackedValues._fields))
    return arrays, per_path


def _scope_slots(scope: np.ndarray, link_dst: np.ndarray, n_slots: int) -> np.ndarray:
    """(policies, slots) 0/1: whether a link into the slot is in the policy's scope."""
    out = np.zeros((scope.shape[0], n_slots))
    for g in range(scope.shape[0]):
        out[g, link_dst[scope[g]]] = 1.0
    return out


def _csr(name: str, matrix) -> dict:
    ptr, idx, val = sparse_rows(matrix)
    return {f"{name}_ptr": ptr, f"{name}_idx": idx, f"{name}_val": val}


def market_scratch(mk: PackedMarket, paths: int) -> MarketScratch:
    """Work arrays for ``paths`` paths."""
    return MarketScratch(np.empty((paths, len(mk.price0))), np.empty((paths, len(mk.share))))


def books_in(books: MarketBooks) -> Books:
    """The engine's books (k, paths) as C-contiguous ``(paths, k)`` copies."""
    return Books(*(np.ascontiguousarray(getattr(books, f).T) for f in Books._fields))


def books_out(arrays) -> MarketBooks:
    """:class:`MarketBooks` (k, paths) from ``(paths, k)`` arrays in :class:`Books` order."""
    return MarketBooks(*(np.ascontiguousarray(np.asarray(a).T) for a in arrays))


@njit(cache=True, _nrt=False, inline="always")
def _row_dot(ptr, idx, val, i, x, p, off):
    """Sum over the CSR row ``i`` of ``val * x[p, off + idx]``, members in ascending order."""
    acc = 0.0
    for k in range(ptr[i], ptr[i + 1]):
        acc += val[k] * x[p, off + idx[k]]
    return acc


@njit(cache=True, _nrt=False)
def respond_path(p, mk, bk, dem):
    """Scale demand ``dem[p, d]`` (paths, lines) [t/month] by elasticity and substitution.

    ``max(rel, 1e-12) ** elasticity`` is ``pow`` (last bits may differ from numpy's).
    """
    for d in range(dem.shape[1]):
        factor = max(bk.smooth_rel[p, d], 1e-12) ** mk.elasticity[d] * (1.0 - bk.subst[p, d])
        dem[p, d] = dem[p, d] * factor


@njit(cache=True, _nrt=False)
def link_shares_path(p, t, mk, mv, bk, scratch, share_out):
    """Order shares of the links in month ``t`` into ``share_out[p, :]`` [1].

    The tariff factor ``(1 + rate) ** -elasticity`` is ``pow`` and the premium's content
    prices are a dense product in numpy (last bits may differ, so may a premium exactly at
    its threshold).
    """
    L = mk.share.shape[0]
    if not mk.steers_month[t]:  # numpy scales every slot's shares by x / x = 1 (shares >= 0)
        for l in range(L):
            share_out[p, l] = mk.share[l]
        return
    for l in range(L):
        share_out[p, l] = mk.share[l] * mk.trade[l]
    for r in range(mk.tariff_active.shape[0]):
        if mk.tariff_active[r, t]:
            f = (1.0 + mv.tariff_rate_share[p, r]) ** mk.tariff_power
            for k in range(mk.tr_ptr[r], mk.tr_ptr[r + 1]):
                if mk.tr_val[k] > 0.0:
                    share_out[p, mk.tr_idx[k]] *= f
    for g in range(mk.fs_active.shape[0]):
        if mk.fs_active[g, t]:
            _prefer_path(p, g, mk, mv.fs_max_premium_share[p, g], bk.price, scratch.link,
                         share_out)
    for s in range(mk.dst_start.shape[0] - 1):
        total = 0.0
        for k in range(mk.dst_start[s], mk.dst_start[s + 1]):
            total += share_out[p, mk.dst_rows[k]]
        scale = mk.base_sum[s] / total if total > 0.0 else 0.0
        for k in range(mk.dst_start[s], mk.dst_start[s + 1]):
            l = mk.dst_rows[k]
            share_out[p, l] = share_out[p, l] * scale if mk.trade[l] != 0.0 else mk.share[l]


@njit(cache=True, _nrt=False)
def _prefer_path(p, g, mk, max_premium, price, premium, share):
    """Friend-shoring policy ``g`` on path ``p``: non-preferred shares of links whose premium
    is at most ``max_premium`` move to the preferred links into the same slot.

    ``premium[p, l]`` is written for the links in the policy's scope. Slots without a
    preferred link on are skipped: numpy adds 0 to the shares there.
    """
    for j in range(mk.fs_slot_ptr[g], mk.fs_slot_ptr[g + 1]):
        s = mk.fs_slot_idx[j]
        a, b = mk.dst_start[s], mk.dst_start[s + 1]
        weight_sum, count = 0.0, 0.0
        for k in range(a, b):
            l = mk.dst_rows[k]
            if mk.fs_scope[g, l] != 0:
                premium[p, l] = _premium(p, l, mk, price)
                if premium[p, l] <= max_premium and mk.fs_preferred[g, l] != 0:
                    weight_sum += max(share[p, l], 0.0)
                    count += 1.0
        if count == 0.0:
            continue
        moved_sum = 0.0
        for k in range(a, b):
            l = mk.dst_rows[k]
            if _moves(g, l, mk, premium[p, l], max_premium):
                moved_sum += share[p, l]
        for k in range(a, b):
            l = mk.dst_rows[k]
            if _moves(g, l, mk, premium[p, l], max_premium):
                share[p, l] = share[p, l] - share[p, l] + moved_sum * 0.0  # all of it moves
            elif mk.fs_scope[g, l] != 0 and premium[p, l] <= max_premium:  # preferred
                if weight_sum > 0.0:
                    w = max(share[p, l], 0.0) / weight_sum
                else:
                    w = 1.0 / count
                share[p, l] = share[p, l] - 0.0 + moved_sum * w


@njit(cache=True, _nrt=False, inline="always")
def _moves(g, l, mk, premium, max_premium):
    """Whether the share of non-preferred link ``l`` moves under policy ``g``."""
    return mk.fs_scope[g, l] != 0 and mk.fs_preferred[g, l] == 0 and premium <= max_premium


@njit(cache=True, _nrt=False, inline="always")
def _premium(p, l, mk, price):
    """Ex-China over China price of link ``l``'s content, less 1 [1] (numpy: dense products)."""
    E = mk.n_elements
    ex = _row_dot(mk.lc_ptr, mk.lc_idx, mk.lc_val, l, price, p, E)
    cn = _row_dot(mk.lc_ptr, mk.lc_idx, mk.lc_val, l, price, p, 0)
    return (ex / cn if cn > 0.0 else 0.0) - 1.0


@njit(cache=True, _nrt=False)
def close_month_path(p, t, mk, mv, bk, stock, short, need, made, sent, price_out, pay_out,
                     tariff_out, scratch):
    """Close month ``t`` on path ``p``: move the books, write price, floor payments, tariffs.

    ``stock, short, need, made`` (paths, slots) [t], ``sent`` (paths, links) [t];
    ``price_out`` (paths, ME) [USD/kg], ``pay_out`` (paths, F) [USD], ``tariff_out``
    (paths, R) [USD]. Without priced elements it returns at once and writes nothing (the
    numpy close then reports arrays with 0 rows, tariffs included).
    """
    ME = mk.price0.shape[0]
    if ME == 0:
        return
    rel = scratch.rel
    for i in range(ME):
        held = _row_dot(mk.sc_ptr, mk.sc_idx, mk.sc_val, i, stock, p, 0)
        ref = bk.stock_ref[p, i]
        gap = 1.0 - held / ref if ref > 0.0 else 0.0
        gap = min(max(gap, -1.0), 1.0)
        bk.stock_ref[p, i] = ref + (held - ref) / mk.cover_div
        lack = _row_dot(mk.sc_ptr, mk.sc_idx, mk.sc_val, i, short, p, 0)
        want = _row_dot(mk.sc_ptr, mk.sc_idx, mk.sc_val, i, need, p, 0)
        unmet = lack / want if want > 0.0 else 0.0
        half = unmet + mk.unmet_half
        saturated = unmet / half if half > 0.0 else 0.0
        x = mk.keep * bk.log_ratio[p, i] + mk.cover_gain * gap + mk.unmet_gain * saturated
        x = min(max(x, -mk.bound), mk.bound)
        bk.log_ratio[p, i] = x
        cut = 1.0
        for c in range(mk.cut_rows.shape[0]):
            active = mk.cut_rows[c, i] != 0 and mk.cut_active[c, t] != 0
            cut *= 1.0 - (mv.price_cut_share[p, c] if active else 0.0)
        rel[p, i] = np.exp(x) * cut  # exp: last bits may differ from numpy's
    for d in range(mk.dw_ptr.shape[0] - 1):  # a dense product in numpy
        weighted = _row_dot(mk.dw_ptr, mk.dw_idx, mk.dw_val, d, rel, p, 0)
        smooth = bk.smooth_rel[p, d] + (weighted - bk.smooth_rel[p, d]) / mk.smooth_div
        bk.smooth_rel[p, d] = smooth
        if mk.response:
            grow = mk.subst_grow[d] if smooth > mk.subst_threshold[d] else 0.0
            bk.subst[p, d] = min(bk.subst[p, d] + grow, mk.subst_max[d])
    for i in range(ME):
        price = mk.price0[i] * rel[p, i]
        price_out[p, i] = price
        bk.price[p, i] = price
    for f in range(mk.floor_row.shape[0]):
        output = _row_dot(mk.fl_ptr, mk.fl_idx, mk.fl_val, f, made, p, 0)  # dense in numpy
        covered = mv.floor_covered_t_per_month[p, f] + mv.floor_covered_share[p, f] * output
        below = max(mv.floor_usd_per_kg[p, f] - price_out[p, mk.floor_row[f]], 0.0)
        pay = below * covered * KG_PER_T
        pay_out[p, f] = pay * (1.0 if mk.floor_active[f, t] else 0.0)
    _tariff_revenue_path(p, t, mk, mv, price_out, sent, tariff_out, scratch.link)


@njit(cache=True, _nrt=False)
def _tariff_revenue_path(p, t, mk, mv, price, sent, tariff_out, value):
    """Revenue of each tariff on path ``p`` in month ``t`` [USD] (dense products in numpy)."""
    R = mk.tr_ptr.shape[0] - 1
    if R == 0:
        return
    E = mk.n_elements
    for l in range(mk.share.shape[0]):
        ex_china = _row_dot(mk.lc_ptr, mk.lc_idx, mk.lc_val, l, price, p, E)
        value[p, l] = ex_china * KG_PER_T * sent[p, l]
    for r in range(R):
        taxed = _row_dot(mk.tr_ptr, mk.tr_idx, mk.tr_val, r, value, p, 0)
        active = 1.0 if mk.tariff_active[r, t] else 0.0
        tariff_out[p, r] = mv.tariff_rate_share[p, r] * taxed * active
