"""Inputs of the compiled month: per-path parameters, and what each month decides before the
paths' state is read, with the numpy engine's own functions."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from supplysim.engines.fused.pack import class_csr, own
from supplysim.engines.market import link_shares, respond
from supplysim.engines.vector import Exports, node_capacity
from supplysim.rules.demand import demand_at


class Params(NamedTuple):
    """Per-path parameters, C-contiguous ``(k, paths)``."""

    cover: np.ndarray
    in_ratio: np.ndarray
    out_yield: np.ndarray
    sp_target: np.ndarray
    sp_replenish: np.ndarray
    sp_release: np.ndarray
    sp_trigger: np.ndarray
    sharing_trigger: np.ndarray
    contract_t: np.ndarray
    rec_cap: np.ndarray
    rec_swarf_share: np.ndarray
    rec_collection: np.ndarray
    content_prob: np.ndarray
    content_delay: np.ndarray


def pack_params(pp) -> Params:
    """The per-path parameters the compiled month reads, from ``PathParams``."""
    v = {k: own(a.T) for k, a in pp.values.items()}
    return Params(cover=v["cover_months"], in_ratio=v["in_ratio"], out_yield=v["out_yield"],
                  sp_target=v["sp_target_t"], sp_replenish=v["sp_replenish_t_per_month"],
                  sp_release=v["sp_release_t_per_month"],
                  sp_trigger=v["sp_release_trigger_share"],
                  sharing_trigger=v["sharing_trigger_share"],
                  contract_t=v["contract_t_per_month"],
                  rec_cap=v["recycler_capacity_t_per_month"],
                  rec_swarf_share=v["recycler_swarf_share"],
                  rec_collection=v["recycler_collection_rate"],
                  content_prob=v["content_approval_prob"],
                  content_delay=own(pp.content_delay.T, np.int64))


class Month(NamedTuple):
    """What month ``t`` decides for all paths before their state is read."""

    dem: np.ndarray             # (demand lines, paths) after price response [t/month]
    cap: np.ndarray             # (nodes, paths) before recyclers [t/month]
    share: np.ndarray           # (links, paths) order shares, or (0, 0) for the baseline [1]
    lic_rows: np.ndarray        # links under an active licence or content rule
    approval: np.ndarray        # (licensed rows, paths) approved share of their exports [1]
    delay: np.ndarray           # (licensed rows, paths) review delay [months]
    open: np.ndarray            # (links,) not banned
    class_order: np.ndarray     # links sorted by allocation class (see pack.class_csr)
    class_start: np.ndarray
    rel_order: np.ndarray       # the same over the release links
    rel_start: np.ndarray
    shr_order: np.ndarray       # the same over the shared release links
    shr_start: np.ndarray
    quota_scope: np.ndarray     # (active quotas, links) bool
    quota_left: np.ndarray      # (active quotas, paths) [t]
    content_rule: np.ndarray    # active content rules
    content_scope: np.ndarray   # (active content rules, links) bool
    content_threshold: np.ndarray
    content_apps: np.ndarray
    content_u: np.ndarray       # (paths, content links, applications) uniform draws
    sp_active: np.ndarray
    contract_active: np.ndarray
    contracts_on: bool
    use_contracts: bool
    sharing_active: np.ndarray
    rec_ramp: np.ndarray


def month_inputs(net, lay, pp, v: dict, books, t: int, streams) -> Month:
    """Decide month ``t``'s state-independent quantities; ``v`` holds ``pp.values`` transposed
    to ``(k, paths)``, ``books`` the numpy-layout market books of last month's close."""
    pol, L, P = net.policies, lay.n_links, pp.built.shape[0]
    dem = demand_at(v["demand_t_per_month"], v["growth_per_yr"], net.years_from_base[t])
    dem = respond(net.market, books, dem)
    cap = node_capacity(net, lay, pp, v, t, streams)
    share = link_shares(net.market, lay, books, v, t)
    ex = Exports(net, lay, pp, t, streams, None)
    order, start = class_csr(ex.classes)
    rel_order, rel_start = class_csr(ex.classes, lay.release_rows)
    shr_order, shr_start = class_csr(ex.classes, lay.shared_rows)
    quota = np.array(ex.quota_cols, dtype=np.bool_).reshape(len(ex.quota_cols), L)
    c_active = ex.content_active
    u_c = ex.content_draws if ex.content_draws is not None else np.zeros((P, 0, 0))
    contract_active = pol.contract_active[:, t]
    on = bool(lay.n_contracts and contract_active.any())
    return Month(
        dem=own(dem), cap=own(cap), share=own(share) if share is not None else np.zeros((0, 0)),
        lic_rows=own(ex.lic_rows, np.int64), approval=own(ex.approval),
        delay=own(ex.delay, np.int64), open=own(ex.open, np.bool_),
        class_order=order, class_start=start, rel_order=rel_order, rel_start=rel_start,
        shr_order=shr_order, shr_start=shr_start, quota_scope=quota,
        quota_left=own(ex.quota_left), content_rule=own(c_active, np.int64),
        content_scope=own(pol.content_scope[c_active], np.bool_).reshape(len(c_active), L),
        content_threshold=own(pol.content_threshold[c_active]),
        content_apps=own(pol.content_applications[c_active], np.int64),
        content_u=own(u_c), sp_active=own(pol.sp_active[:, t], np.bool_),
        contract_active=own(contract_active, np.bool_), contracts_on=on,
        use_contracts=bool(on or lay.recycle.any()),
        sharing_active=own(pol.sharing_active[:, t], np.bool_),
        rec_ramp=own(pol.rec_ramp[:, t]))
