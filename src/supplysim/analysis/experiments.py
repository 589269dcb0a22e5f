"""Run a scenario once per row of sampled inputs and reduce each run to one number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import supplysim
from supplysim.analysis.sampling import default_world, with_values

__all__ = ["Metric", "expected_unmet_t", "p_any_month_over", "run_experiments", "simulate_with"]


class Metric:
    """A function of :class:`~supplysim.Results` to one number, with a label and a unit.

    Parameters
    ----------
    func : callable
        ``func(results) -> float``.
    label : str
        What the number is, for tables and plot titles.
    units : str
        Its unit, e.g. ``"1"`` for a probability or ``"t"``.
    """

    def __init__(self, func: Callable[[Any], float], label: str, units: str) -> None:
        self.func, self.label, self.units = func, label, units

    def __call__(self, results: Any) -> float:
        """Evaluate on ``results``."""
        return float(self.func(results))

    def __repr__(self) -> str:
        return f"<Metric {self.label} [{self.units}]>"


def _keys(region: str | None, material: str | None) -> tuple[str, ...]:
    """Grouping keys for a selection."""
    return tuple(k for k, v in (("region", region), ("material", material)) if v is not None)


def _pick(df: pd.DataFrame, region: str | None, material: str | None, col: str) -> float:
    """The value of ``col`` in the row of the selection; an error if there is none."""
    rows = df
    for key, value in (("region", region), ("material", material)):
        if value is not None:
            rows = rows[rows[key] == value]
    if len(rows) != 1:
        raise ValueError(f"no demand for region={region!r}, material={material!r} in results")
    return float(rows[col].iloc[0])


def p_any_month_over(
    threshold: float = 0.1, region: str | None = "Japan", material: str | None = None,
    months: int | None = 24,
) -> Metric:
    """Metric: probability over paths that any of the first ``months`` months has an unmet
    share of demand above ``threshold`` in a region (and material).

    Parameters
    ----------
    threshold : float
        Unmet share of demand [1].
    region : str or None
        Demand region; None for the world total.
    material : str or None
        Demand material (e.g. ``"magnet_hre"``); None for all materials of the region.
    months : int or None
        Months counted from the horizon start [months]; None for the whole horizon.

    Returns
    -------
    Metric
        Uses :meth:`Results.prob_any`; value in [0, 1] [1].
    """
    keys = _keys(region, material)

    def func(results: Any) -> float:
        df = results.prob_any(threshold=threshold, by=keys, months=months)
        return _pick(df, region, material, "prob")

    where = ", ".join(v for v in (region or "world", material) if v)
    span = f" in {months} months" if months else ""
    return Metric(func, f"P(any month unmet > {threshold:.0%}{span}), {where}", "1")


def expected_unmet_t(region: str | None = None, material: str | None = None) -> Metric:
    """Metric: mean over paths of unmet demand summed over the horizon.

    Parameters
    ----------
    region : str or None
        Demand region; None for all regions.
    material : str or None
        Demand material; None for all materials.

    Returns
    -------
    Metric
        Uses :meth:`Results.expected_unmet`; value in t.
    """
    keys = _keys(region, material)

    def func(results: Any) -> float:
        df = results.expected_unmet(by=keys)
        return _pick(df, region, material, "mean_t")

    where = ", ".join(v for v in (region or "world", material) if v)
    return Metric(func, f"expected unmet demand, {where}", "t")


def simulate_with(scenario: Any, runs: int, seed: Any, **kwargs: Any) -> Any:
    """:func:`supplysim.simulate` on the default world (loaded once).

    Parameters
    ----------
    scenario : Scenario or str
        Scenario, or a bundled name / path.
    runs : int
        Paths.
    seed : int or SeedSequence
        Root seed.
    **kwargs
        Passed on to :func:`supplysim.simulate`.

    Returns
    -------
    Results
        The results.
    """
    world = default_world()
    if isinstance(scenario, str):
        scenario = supplysim.load_scenario(scenario, world=world)
    return supplysim.simulate(scenario, runs=runs, seed=seed, world=world, **kwargs)


def run_experiments(
    scenario: Any, samples: pd.DataFrame, metric: Callable[[Any], float], runs: int = 256,
    seed: Any = 0, progress: bool = False,
) -> pd.DataFrame:
    """Simulate the scenario once per row of ``samples`` and evaluate ``metric``.

    Every experiment uses the same ``seed`` (common random numbers), so differences between
    rows come from the inputs, not from sampling noise.

    Parameters
    ----------
    scenario : Scenario or str
        The scenario; each row fixes the inputs named by the columns (see
        :func:`~supplysim.analysis.sampling.with_values`).
    samples : pandas.DataFrame
        One column per input path, one row per experiment, values in the fields' units.
    metric : callable
        ``metric(results) -> float``, e.g. :func:`p_any_month_over`.
    runs : int
        Paths per experiment.
    seed : int
        Root seed of every experiment.
    progress : bool
        Show a progress bar over experiments.

    Returns
    -------
    pandas.DataFrame
        ``samples`` plus a ``metric`` column.
    """
    if isinstance(scenario, str):
        scenario = supplysim.load_scenario(scenario, world=default_world())
    rows = samples.to_dict("records")
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(rows, desc="experiments", unit="run")
    values = [metric(simulate_with(with_values(scenario, row), runs, seed)) for row in rows]
    out = samples.copy()
    out["metric"] = np.asarray(values, dtype=float)
    label = getattr(metric, "label", None)
    if label:
        out.attrs["metric"] = {"label": label, "units": getattr(metric, "units", "")}
    return out
