"""Safe share of a supply over a need, used by several rules."""

from __future__ import annotations

import numpy as np


def capped_ratio(supply, need):
    """``clip(supply / need, 0, 1)``, and 1 where ``need <= supply`` (no division there) [1].

    Examples
    --------
    >>> capped_ratio(np.array([3.0, 5.0, -1e-12]), np.array([6.0, 0.0, 2.0])).tolist()
    [0.5, 1.0, 0.0]
    """
    supply, need = np.asarray(supply, float), np.asarray(need, float)
    out = np.ones(np.broadcast_shapes(supply.shape, need.shape))
    where = need > supply
    where &= need > 0
    np.divide(supply, need, out=out, where=where)
    return np.clip(out, 0.0, 1.0, out=out)


def share_of(part, total):
    """``part / total``, and 0 where ``total`` is 0 [1].

    Examples
    --------
    >>> share_of(np.array([1.0, 0.0]), np.array([4.0, 0.0])).tolist()
    [0.25, 0.0]
    """
    part, total = np.broadcast_arrays(np.asarray(part, float), np.asarray(total, float))
    out = np.zeros(part.shape)
    np.divide(part, total, out=out, where=total > 0)
    return out
