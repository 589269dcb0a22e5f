"""Arrays the compiled month reads: group memberships as CSR index pairs, sparse rows."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import sparse

from supplysim.engines.groups import Groups


def group_csr(groups: Groups) -> tuple[np.ndarray, np.ndarray]:
    """``(start, rows)``: the members of group ``g`` are ``rows[start[g]:start[g + 1]]``,
    ascending, so a loop over them adds in the order of ``Groups.sum_rows``."""
    order = np.argsort(groups.member_group, kind="stable").astype(np.int64)
    start = np.zeros(groups.n_groups + 1, np.int64)
    np.cumsum(np.bincount(groups.member_group, minlength=groups.n_groups), out=start[1:])
    return start, order


def class_csr(classes, rows=None) -> tuple[np.ndarray, np.ndarray]:
    """``(order, start)``: ``rows`` (default all) sorted by class, ascending within a class;
    the members of the ``c``-th smallest class present are ``order[start[c]:start[c + 1]]``."""
    classes = np.asarray(classes)
    rows = np.arange(len(classes)) if rows is None else np.asarray(rows)
    keys = classes[rows]
    order = rows[np.argsort(keys, kind="stable")].astype(np.int64)
    counts = np.unique(keys, return_counts=True)[1]
    start = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=start[1:])
    return order, start


def sparse_rows(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of a matrix in CSR form with sorted column indices."""
    m = sparse.csr_matrix(matrix, dtype=float)
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(float)


class Topology(NamedTuple):
    """Index arrays of a network for the compiled month (see
    :class:`~supplysim.engines.layout.Layout`).

    ``*_start, *_rows`` pairs are :func:`group_csr` of the Layout's groups; ``*_ptr, *_idx``
    are the CSR rows of its sparse matrices (all entries 1).
    """

    op_slot: np.ndarray
    op_line: np.ndarray
    ip_slot: np.ndarray
    ip_line: np.ndarray
    line_node: np.ndarray
    line_china: np.ndarray
    must_run: np.ndarray
    out_line_start: np.ndarray
    out_line_rows: np.ndarray
    in_line_start: np.ndarray
    in_line_rows: np.ndarray
    in_slot_start: np.ndarray
    in_slot_rows: np.ndarray
    out_slot_start: np.ndarray
    out_slot_rows: np.ndarray
    node_line_start: np.ndarray
    node_line_rows: np.ndarray
    consumer: np.ndarray
    out_slot: np.ndarray
    supply_line_months: np.ndarray
    link_src: np.ndarray
    link_dst: np.ndarray
    src_start: np.ndarray
    src_rows: np.ndarray
    dst_start: np.ndarray
    dst_rows: np.ndarray
    flow_start: np.ndarray
    flow_rows: np.ndarray
    contract_start: np.ndarray
    contract_rows: np.ndarray
    share: np.ndarray
    trade: np.ndarray
    replenish: np.ndarray
    recycle: np.ndarray
    sp_of_link: np.ndarray
    contract_of_link: np.ndarray
    contract_weight: np.ndarray
    recipient_of_link: np.ndarray
    d_slot: np.ndarray
    dslot_start: np.ndarray
    dslot_rows: np.ndarray
    sp_slot: np.ndarray
    sp_share_cap: np.ndarray
    watch_ptr: np.ndarray
    watch_idx: np.ndarray
    rec_node: np.ndarray
    rec_out: np.ndarray
    swarf_ptr: np.ndarray
    swarf_idx: np.ndarray
    eol_ptr: np.ndarray
    eol_idx: np.ndarray
    od_slot: np.ndarray
    content_draw: np.ndarray  # (links,) row of a link in the content draws, else -1
    d_order: np.ndarray
    d_start: np.ndarray
    all_links: np.ndarray
    release_rows: np.ndarray
    shared_rows: np.ndarray
    lag_ptr: np.ndarray
    lag_k: np.ndarray
    lag_wv: np.ndarray
    adjust: float


def own(a, dtype=float) -> np.ndarray:
    """A writeable C-contiguous copy (numba compiles read-only arrays as another type)."""
    out = np.empty(np.shape(a), dtype)
    out[...] = a
    return out


def _int(a) -> np.ndarray:
    return own(a, np.int64)


def _bool(a) -> np.ndarray:
    return own(a, np.bool_)


def _lags(lag_w: np.ndarray) -> dict:
    """Nonzero lead-time weights of each link as CSR: ``lag_k`` months, ``lag_wv`` weights."""
    ptr, idx, val = sparse_rows(sparse.csr_matrix(lag_w.T))
    return dict(lag_ptr=ptr, lag_k=idx, lag_wv=val)


def pack_topology(net, lay, lag_w: np.ndarray) -> Topology:
    """The Layout of ``net`` as flat arrays; ``lag_w`` (lags, links) the lead-time weights [1]."""
    groups = dict(out_line=lay.out_by_line, in_line=lay.in_by_line, in_slot=lay.in_by_slot,
                  out_slot=lay.out_by_slot, node_line=lay.line_by_node, src=lay.link_by_src,
                  dst=lay.link_by_dst, flow=lay.link_by_flow, contract=lay.link_by_contract,
                  dslot=lay.demand_by_slot)
    csr = {}
    for name, g in groups.items():
        csr[f"{name}_start"], csr[f"{name}_rows"] = group_csr(g)
    sparse_csr = {}
    for name, m in dict(watch=lay.watch_demand, swarf=lay.rec_swarf, eol=lay.rec_eol).items():
        ptr, idx, _ = sparse_rows(m)
        sparse_csr[f"{name}_ptr"], sparse_csr[f"{name}_idx"] = ptr, idx
    d_order, d_start = class_csr(lay.d_class)
    draw = np.full(lay.n_links, -1, np.int64)
    draw[lay.content_links] = np.arange(len(lay.content_links))
    cap = lay.link_by_src.max_rows((lay.share_cap * lay.shared)[:, None])[:, 0]
    return Topology(
        op_slot=_int(lay.op_slot), op_line=_int(lay.op_line), ip_slot=_int(lay.ip_slot),
        ip_line=_int(lay.ip_line), line_node=_int(lay.line_node),
        line_china=_bool(lay.line_china), must_run=_bool(lay.must_run),
        consumer=_bool(lay.consumer), out_slot=_bool(lay.out_slot),
        supply_line_months=own(lay.supply_line_months),
        link_src=_int(lay.link_src), link_dst=_int(lay.link_dst),
        share=own(lay.share), trade=_bool(lay.trade),
        replenish=_bool(lay.replenish),
        recycle=_bool(lay.recycle), sp_of_link=_int(lay.sp_of_link),
        contract_of_link=_int(lay.contract_of_link),
        contract_weight=own(lay.contract_weight),
        recipient_of_link=_int(lay.recipient_of_link), d_slot=_int(lay.d_slot),
        sp_slot=_int(lay.sp_slot),
        sp_share_cap=own(cap[lay.sp_slot]),
        d_order=d_order, d_start=d_start, all_links=np.arange(lay.n_links, dtype=np.int64),
        release_rows=_int(lay.release_rows), shared_rows=_int(lay.shared_rows),
        rec_node=_int(lay.rec_node), rec_out=_int(lay.rec_out), od_slot=_int(lay.od_slot),
        content_draw=draw,
        **_lags(lag_w),
        adjust=float(net.order_adjust_months), **csr, **sparse_csr)
