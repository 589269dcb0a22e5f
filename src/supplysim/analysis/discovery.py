"""Scenario discovery: which input ranges lead to a bad outcome (PRIM, Friedman & Fisher 1999).

Patient Rule Induction Method, peeling only: starting from the box holding every
experiment, repeatedly cut off the ``peel_alpha`` share of the points in the box at the low or
high end of one input, choosing the cut that raises the share of cases of interest (density)
most, until the box holds less than ``min_mass`` of all points. Each step is a candidate box;
the trajectory shows the trade-off between coverage (share of all cases of interest inside the
box) and density.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PrimResult", "discover", "prim"]

Box = dict[str, tuple[float, float]]


@dataclass
class PrimResult:
    """Peeling trajectory and boxes of :func:`prim`.

    Attributes
    ----------
    trajectory : pandas.DataFrame
        One row per step: ``step``, ``coverage``, ``density``, ``mass`` [1] and ``restricted``
        (number of inputs whose range the box narrows).
    boxes : list of dict
        Per step, ``{input: (low, high)}`` in the inputs' units (inclusive limits).
    chosen : int
        The default step: the first whose density is within ``0.01`` of the highest.
    """

    trajectory: pd.DataFrame
    boxes: list[Box]
    chosen: int = 0
    limits: Box = field(default_factory=dict)

    def box(self, i: int | None = None) -> Box:
        """Limits of box ``i`` (default: :attr:`chosen`), ``{input: (low, high)}``."""
        return dict(self.boxes[self.chosen if i is None else i])

    def restricted(self, i: int | None = None) -> Box:
        """Only the inputs box ``i`` narrows (default: :attr:`chosen`)."""
        return {k: v for k, v in self.box(i).items() if v != self.limits[k]}

    def plot_tradeoff(self, ax: Any = None) -> tuple[Any, Any]:
        """Coverage against density of every step, colored by the number of restricted inputs.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on (a new figure when None).

        Returns
        -------
        tuple
            ``(fig, ax)``.
        """
        if ax is None:
            import matplotlib.pyplot as plt

            fig, ax = plt.subplots(figsize=(6.5, 5), layout="constrained")
        fig, t = ax.figure, self.trajectory
        dims = t["restricted"].to_numpy()
        points = ax.scatter(t["coverage"], t["density"], c=dims, cmap="viridis",
                            vmin=0, vmax=max(1, int(dims.max())), s=30, label="peeling steps")
        fig.colorbar(points, ax=ax, label="restricted inputs [count]")
        c = t.iloc[self.chosen]
        ax.scatter([c["coverage"]], [c["density"]], s=140, facecolors="none", edgecolors="red",
                   label=f"chosen box (step {self.chosen})")
        ax.set_xlabel("coverage: share of cases of interest inside the box [1]")
        ax.set_ylabel("density: share of the box that are cases of interest [1]")
        ax.set_title("PRIM peeling trajectory: coverage vs density")
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.legend(loc="lower left")
        ax.grid(alpha=0.3)
        return fig, ax


def _candidates(x: np.ndarray, inside: np.ndarray, alpha: float) -> list[tuple[int, str, float,
                                                                                 np.ndarray]]:
    """Every single peel of the current box: (column, side, new limit, new inside mask)."""
    out = []
    for j in range(x.shape[1]):
        col = x[inside, j]
        low, high = np.quantile(col, [alpha, 1.0 - alpha])
        keep_low = inside & (x[:, j] >= low)
        if keep_low.sum() < inside.sum():
            out.append((j, "low", float(low), keep_low))
        keep_high = inside & (x[:, j] <= high)
        if keep_high.sum() < inside.sum():
            out.append((j, "high", float(high), keep_high))
    return out


def _record(y: np.ndarray, inside: np.ndarray, box: list[list[float]], limits: list[list[float]],
            ) -> dict[str, float]:
    """Coverage, density, mass and restricted dimensions of a box."""
    n_in = int(inside.sum())
    return {
        "coverage": float(y[inside].sum() / max(y.sum(), 1)),
        "density": float(y[inside].mean()) if n_in else 0.0,
        "mass": n_in / len(y),
        "restricted": int(sum(b != lim for b, lim in zip(box, limits))),
    }


def prim(X: pd.DataFrame, y: Any, peel_alpha: float = 0.05, min_mass: float = 0.05,
         ) -> PrimResult:
    """Find boxes of input space where ``y`` is concentrated, by peeling.

    Parameters
    ----------
    X : pandas.DataFrame
        Numeric inputs, one row per experiment.
    y : array of bool
        Whether each experiment is a case of interest (e.g. a bad outcome).
    peel_alpha : float
        Share of the box's points removed per peel [1].
    min_mass : float
        Peeling stops before the box holds less than this share of all points [1].

    Returns
    -------
    PrimResult
        Trajectory and boxes; step 0 is the box of all points.
    """
    x = X.to_numpy(dtype=float)
    yy = np.asarray(y, dtype=bool)
    if len(yy) != len(x) or len(x) == 0:
        raise ValueError(f"X has {len(x)} rows and y {len(yy)} values; need equal, > 0")
    if not 0 < peel_alpha < 0.5 or not 0 <= min_mass < 1:
        raise ValueError("need 0 < peel_alpha < 0.5 and 0 <= min_mass < 1")
    limits = [[float(c.min()), float(c.max())] for c in x.T]
    box = [list(b) for b in limits]
    inside = np.ones(len(x), bool)
    rows, boxes = [_record(yy, inside, box, limits)], [_as_box(X, box)]
    while True:
        options = [c for c in _candidates(x, inside, peel_alpha) if c[3].mean() >= min_mass]
        if not options:
            break
        j, side, value, mask = max(options, key=lambda c: (yy[c[3]].mean(), c[3].sum()))
        inside = mask
        box[j][0 if side == "low" else 1] = value
        rows.append(_record(yy, inside, box, limits))
        boxes.append(_as_box(X, box))
    trajectory = pd.DataFrame(rows)
    trajectory.insert(0, "step", np.arange(len(rows)))
    density = trajectory["density"].to_numpy()
    chosen = int(np.flatnonzero(density >= density.max() - 0.01)[0])
    return PrimResult(trajectory, boxes, chosen, _as_box(X, limits))


def _as_box(X: pd.DataFrame, box: list[list[float]]) -> Box:
    """Limits as ``{column: (low, high)}``."""
    return {str(c): (float(lo), float(hi)) for c, (lo, hi) in zip(X.columns, box)}


def discover(experiments: pd.DataFrame, outcome_col: str = "metric", threshold: float = 0.1,
             above: bool = True, peel_alpha: float = 0.05, min_mass: float = 0.05,
             ) -> PrimResult:
    """PRIM on a table of experiments (e.g. from
    :func:`~supplysim.analysis.experiments.run_experiments`).

    Parameters
    ----------
    experiments : pandas.DataFrame
        Input columns plus the outcome column.
    outcome_col : str
        The outcome.
    threshold : float
        Cases of interest are those with outcome above (or, with ``above=False``, below) it,
        in the outcome's unit.
    above : bool
        Direction of the comparison.
    peel_alpha, min_mass : float
        See :func:`prim`.

    Returns
    -------
    PrimResult
        Boxes over the numeric input columns.
    """
    if outcome_col not in experiments.columns:
        raise KeyError(f"no column {outcome_col!r}; columns: {list(experiments.columns)}")
    outcome = experiments[outcome_col].to_numpy(float)
    y = outcome > threshold if above else outcome < threshold
    X = experiments.drop(columns=[outcome_col]).select_dtypes("number")
    return prim(X, y, peel_alpha=peel_alpha, min_mass=min_mass)
