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
    supply, need = np.broadcast_arrays(np.asarray(supply, float), np.asarray(need, float))
    out = np.ones(supply.shape)
    np.divide(supply, need, out=out, where=(need > supply) & (need > 0))
    return np.clip(out, 0.0, 1.0)
