"""Origin of content: the share of Chinese-origin material in a stock, a line's output or a flow.

A stock keeps its share when goods are drawn from it; what is added mixes in by mass. A line
run in China makes Chinese-origin goods; elsewhere its output takes the mass-weighted share of
the inputs it used.
"""

from __future__ import annotations

import numpy as np

from supplysim.rules._ratio import share_of


def mix(held_t, share, added_t, added_china_t):
    """Share of Chinese-origin content after adding goods to a stock [1].

    Parameters
    ----------
    held_t : array_like
        Stock before the addition [t] (negative rounding counts as 0).
    share : array_like
        Its Chinese-origin share [1].
    added_t, added_china_t : array_like
        Goods added [t] and their Chinese-origin part [t].

    Returns
    -------
    ndarray
        ``(held * share + added_china) / (held + added)``, clipped to [0, 1]; the old
        ``share`` where nothing is held or added.

    Examples
    --------
    >>> mix(np.array([30.0, 0.0]), np.array([1.0, 0.4]), np.array([10.0, 0.0]),
    ...     np.array([0.0, 0.0])).tolist()
    [0.75, 0.4]
    """
    held = np.maximum(np.asarray(held_t, float), 0.0)
    added = np.maximum(np.asarray(added_t, float), 0.0)
    total = held + added
    china = held * share
    china += np.clip(added_china_t, 0.0, added)
    out = np.empty(np.broadcast_shapes(total.shape, np.shape(share)))
    out[...] = share
    np.divide(china, total, out=out, where=total > 0)
    return np.clip(out, 0.0, 1.0, out=out)


def line_share(in_t, in_china_t, in_china_country):
    """Chinese-origin share of a line's output [1].

    Parameters
    ----------
    in_t, in_china_t : array_like
        Inputs the line used this month [t] and their Chinese-origin part [t].
    in_china_country : array_like of bool
        Whether the line runs in China (its output is then of Chinese origin).

    Examples
    --------
    >>> line_share(np.array([4.0, 4.0, 0.0]), np.array([1.0, 1.0, 0.0]),
    ...            np.array([False, True, False])).tolist()
    [0.25, 1.0, 0.0]
    """
    own = np.clip(share_of(in_china_t, in_t), 0.0, 1.0)
    return np.where(in_china_country, 1.0, own)


def needs_licence(share, threshold):
    """Whether goods with Chinese-origin ``share`` exceed a content rule's ``threshold`` [bool].

    Examples
    --------
    >>> needs_licence(np.array([0.0005, 0.002]), 0.001).tolist()
    [False, True]
    """
    return np.asarray(share) > threshold


def technology_availability(dependence_share, cut_share, applies):
    """Share of capacity left when equipment or know-how from China is withheld [1].

    ``dependence_share`` of a facility's capacity depends on Chinese equipment or know-how;
    ``cut_share`` of that part is unavailable while the rule ``applies``.

    Examples
    --------
    >>> float(technology_availability(0.4, 0.5, True)), float(technology_availability(0.4, 0.5, False))
    (0.8, 1.0)
    """
    return 1.0 - np.clip(dependence_share * cut_share, 0.0, 1.0) * applies
