"""Arrays the compiled month reads: group memberships as CSR index pairs, sparse rows."""

from __future__ import annotations

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


def sparse_rows(matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(indptr, indices, data)`` of a matrix in CSR form with sorted column indices."""
    m = sparse.csr_matrix(matrix, dtype=float)
    m.sort_indices()
    return m.indptr.astype(np.int64), m.indices.astype(np.int64), m.data.astype(float)
