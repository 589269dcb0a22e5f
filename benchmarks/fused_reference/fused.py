"""Compiled backend of the vector engine: the monthly step of every path in one compiled loop.

:func:`run_chunk_fused` has the contract of :func:`supplysim.run.run_chunk` and gives the same
numbers. Everything outside the month loop stays in numpy and is shared with the vector engine:
:func:`~supplysim.engines.vector.init_state` samples the per-path parameters, stocks and
pipeline, and every random number comes from the same :class:`~supplysim.seeding.Streams` calls,
in the same order and shapes (per month: ``outages (nodes,)``, then ``licences (licensed links,
applications)``). The draws of a block of months are made up front and handed to
:func:`~fused_reference.fused_kernel.run_block`, which runs those months for each path.

Mass balance: with a :class:`~supplysim.engines.balance.BalanceLog`, blocks are one month long,
the kernel writes that month's per-slot terms (start, received, used, made, sent, served) and
:func:`~supplysim.engines.balance.check_step` checks them exactly as in the vector engine.
"""

from __future__ import annotations

from collections import namedtuple
from types import SimpleNamespace

import numpy as np

from supplysim.engines.balance import BalanceLog, check_step
from fused_reference.fused_kernel import run_block
from supplysim.engines.groups import Groups
from supplysim.engines.layout import CLASS_HOME, CLASS_REPLENISH, CLASS_TRADE, Layout
from supplysim.engines.vector import PathParams, VectorState, init_state
from supplysim.rules.demand import demand_at
from supplysim.seeding import Streams

#: Memory the random draws of one block of months may take [bytes].
DRAW_BYTES = 64 * 2**20

Index = namedtuple("Index", "dst_ptr dst_idx src_ptr src_idx link_src link_dst share trade release "
                            "replenish sp_of_link consumer out_slot supply_line ip_slot ip_line "
                            "ips_ptr ips_idx ipl_ptr ipl_idx op_slot op_line ops_ptr ops_idx "
                            "opl_ptr opl_idx line_node ln_ptr ln_idx d_slot d_class ds_ptr ds_idx "
                            "fl_ptr fl_idx rel_ptr rel_idx sp_slot project_node lic_links lag_ptr "
                            "lag_k lag_v")
Params = namedtuple("Params", "cover out_yield in_ratio capacity proj_cap proj_ramp built online "
                              "outage_prob outage_loss dem_base growth sp_target sp_repl "
                              "sp_trigger sp_release lic_prob lic_delay quota")
Policy = namedtuple("Policy", "classes open sp_active lic_active lic_scope lic_apps quota_active "
                              "q_ptr q_idx years adjust outages")
State = namedtuple("State", "stock pipe transit demanded short")
Draws = namedtuple("Draws", "outages licences demand")
Records = namedtuple("Records", "demand unmet shipped stockpile")
Terms = namedtuple("Terms", "start received used made sent served")

_INT = np.int64


def _csr(groups: Groups) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, idx)``: members of group ``g`` are ``idx[ptr[g]:ptr[g + 1]]``, ascending."""
    member_group = np.empty(len(groups.perm), _INT)
    ends = np.r_[groups.starts[1:], len(groups.perm)].astype(_INT)
    for g, a, b in zip(groups.targets, groups.starts, ends):
        member_group[groups.perm[a:b]] = g
    return _csr_of(member_group, groups.n_groups)


def _csr_of(member_group: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, idx)`` of members ``i`` by their group ``member_group[i]`` (< 0: none)."""
    member_group = np.asarray(member_group, _INT)
    keep = np.flatnonzero((member_group >= 0) & (member_group < n_groups))
    idx = keep[np.argsort(member_group[keep], kind="stable")].astype(_INT)
    ptr = np.zeros(n_groups + 1, _INT)
    np.cumsum(np.bincount(member_group[keep], minlength=n_groups), out=ptr[1:])
    return ptr, idx


def index_arrays(lay: Layout, lag_w: np.ndarray) -> Index:
    """Index arrays of a layout for the kernel; ``lag_w (lags, links)`` are lead-time weights."""
    f8, i8 = (lambda a: np.ascontiguousarray(a, float)), (lambda a: np.ascontiguousarray(a, _INT))
    rel_ptr, rel_idx = _rows_csr(lay.release_dst.toarray())
    lag_ptr, lag_k = _rows_csr(lag_w.T)
    return Index(*_csr(lay.link_by_dst), *_csr(lay.link_by_src), i8(lay.link_src),
                 i8(lay.link_dst), f8(lay.share), f8(lay.trade), lay.release.copy(),
                 lay.replenish.copy(), i8(lay.sp_of_link), f8(lay.consumer), f8(lay.out_slot),
                 f8(lay.supply_line_months), i8(lay.ip_slot), i8(lay.ip_line),
                 *_csr(lay.in_by_slot), *_csr(lay.in_by_line), i8(lay.op_slot), i8(lay.op_line),
                 *_csr(lay.out_by_slot), *_csr(lay.out_by_line), i8(lay.line_node),
                 *_csr(lay.line_by_node), i8(lay.d_slot), i8(lay.d_class),
                 *_csr(lay.demand_by_slot), *_csr(lay.link_by_flow), rel_ptr, rel_idx,
                 i8(lay.sp_slot), i8(lay.project_node), i8(lay.lic_links),
                 lag_ptr, lag_k, f8(lag_w.T[lag_w.T != 0]))


def policy_arrays(net, lay: Layout) -> Policy:
    """Export policies and stockpile windows of every month, months first."""
    pol = net.policies
    classes = np.where(pol.home_first, CLASS_HOME,
                       np.where(lay.replenish, CLASS_REPLENISH, CLASS_TRADE)).astype(_INT)
    q_ptr, q_idx = _rows_csr(pol.quota_scope)
    return Policy(classes, np.ascontiguousarray(~pol.banned), np.ascontiguousarray(pol.sp_active.T),
                  np.ascontiguousarray(pol.lic_active.T), np.ascontiguousarray(pol.lic_scope),
                  pol.lic_applications.astype(_INT), np.ascontiguousarray(pol.quota_active.T),
                  q_ptr, q_idx, np.asarray(net.years_from_base, float),
                  float(net.order_adjust_months), bool(net.outages))


def _rows_csr(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ptr, idx)`` of the true columns of every row of a ``(groups, k)`` mask, ascending."""
    rows, cols = np.nonzero(np.asarray(mask) != 0)
    ptr = np.zeros(mask.shape[0] + 1, _INT)
    np.cumsum(np.bincount(rows, minlength=mask.shape[0]), out=ptr[1:])
    return ptr, cols.astype(_INT)


def path_params(pp: PathParams, n: int) -> Params:
    """Per-path parameters of a chunk as C-ordered ``(paths, k)`` arrays."""
    v = pp.values
    c = np.ascontiguousarray
    f = lambda name: c(v[name], float)
    return Params(f("cover_months"), f("out_yield"), f("in_ratio"), f("capacity_t_per_month"),
                  f("project_capacity_t_per_yr"), f("project_ramp_months"), c(pp.built, float),
                  c(pp.online_month, float), f("outage_prob"), f("outage_loss"),
                  f("demand_t_per_month"), f("growth_per_yr"), f("sp_target_t"),
                  f("sp_replenish_t_per_month"), f("sp_release_trigger_share"),
                  f("sp_release_t_per_month"), f("lic_approval_prob"),
                  c(pp.lic_delay, _INT).reshape(n, -1), f("quota_t_per_month"))


def kernel_state(state: VectorState) -> State:
    """C-ordered copies of a vector state: ``(paths, k)``; pipeline ``(paths, lags, links)``."""
    c = np.ascontiguousarray
    return State(c(state.stock_t), c(state.pipe_t.transpose(1, 0, 2)), c(state.transit_t),
                 c(state.demanded_t), c(state.short_share))


def _draws(streams: Streams, net, lay: Layout, pp: PathParams, n_app: int, t0: int,
           t1: int) -> Draws:
    """Uniforms of months ``[t0, t1)``, drawn as the vector engine draws them each month, and
    demand of those months ``(months, paths, demand lines)`` [t/month]."""
    outages, licences, demand = [], [], []
    base, growth = pp.values["demand_t_per_month"].T, pp.values["growth_per_yr"].T
    for t in range(t0, t1):
        outages.append(streams.uniform("outages", (lay.n_nodes,)))
        licences.append(streams.uniform("licences", (len(lay.lic_links), n_app)))
        demand.append(demand_at(base, growth, net.years_from_base[t]).T)
    c = np.ascontiguousarray
    return Draws(c(np.stack(outages)), c(np.stack(licences)), c(np.stack(demand)))


def _months_per_block(n: int, lay: Layout, n_app: int, n_months: int) -> int:
    """Months whose draws fit in :data:`DRAW_BYTES`."""
    per_month = 8 * n * (lay.n_nodes + len(lay.lic_links) * n_app + len(lay.d_slot))
    return int(np.clip(DRAW_BYTES // max(per_month, 1), 1, n_months))


def _records(n: int, n_months: int, lay: Layout, n_flows: int, n_dem: int) -> Records:
    e = np.empty
    return Records(e((n, n_months, n_dem), np.float32), e((n, n_months, n_dem), np.float32),
                   e((n, n_months, n_flows), np.float32),
                   e((n, n_months, len(lay.sp_slot)), np.float32))


def _terms(n: int, lay: Layout, keep: bool) -> Terms:
    """Balance terms of one month; a single placeholder row when they are not kept."""
    rows = n if keep else 1
    s, l = np.zeros((rows, lay.n_slots)), np.zeros((rows, lay.n_links))
    return Terms(s, s.copy(), s.copy(), s.copy(), l, s.copy())


def _check(log: BalanceLog, lay: Layout, st: State, tm: Terms, t: int) -> None:
    """:func:`check_step` on the kernel's state and terms of month ``t``."""
    view = SimpleNamespace(stock_t=st.stock, pipe_t=st.pipe.transpose(1, 0, 2),
                           transit_t=st.transit)
    check_step(log, view, lay, tm.start, tm.received, tm.used, tm.made, tm.sent, tm.served, t)


def run_chunk_fused(net, root: np.random.SeedSequence, first: int, n: int,
                    log: BalanceLog | None = None, layout: Layout | None = None) -> dict:
    """Simulate paths ``[first, first + n)`` with the compiled step.

    Parameters
    ----------
    net : Network
        Compiled network.
    root : SeedSequence
        Root seed of the run.
    first, n : int
        First path (a multiple of the random block) and number of paths [paths].
    log : BalanceLog, optional
        Check mass balance every month (one month per kernel call).
    layout : Layout, optional
        Layout of ``net`` (derived when not given).

    Returns
    -------
    dict of ndarray
        ``demand_t``, ``unmet_t`` (paths, months, demand lines) [t/month], ``shipped_t``
        (paths, months, flows) [t/month] and ``stockpile_t`` (paths, months, stockpiles) [t],
        float32, as :func:`supplysim.run.run_chunk`.
    """
    lay = layout or Layout.of(net)
    streams = Streams(root, first, n)
    state, pp = init_state(net, lay, n, streams)
    ix, po = index_arrays(lay, pp.lag_w), policy_arrays(net, lay)
    pa, st = path_params(pp, n), kernel_state(state)
    T, n_app = net.n_months, int(net.policies.lic_applications.max(initial=1))
    rec = _records(n, T, lay, len(net.flows), len(lay.d_slot))
    tm = _terms(n, lay, log is not None)
    step = 1 if log is not None else _months_per_block(n, lay, n_app, T)
    for t0 in range(0, T, step):
        t1 = min(T, t0 + step)
        run_block(t0, t1, ix, pa, po, st, _draws(streams, net, lay, pp, n_app, t0, t1), rec, tm,
                  log is not None)
        if log is not None:
            _check(log, lay, st, tm, t0)
    return dict(zip(("demand_t", "unmet_t", "shipped_t", "stockpile_t"), rec))
