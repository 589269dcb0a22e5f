"""Compare scenarios with a base on the same months and the same random numbers.

Every scenario, the base included, is run over one common horizon (from the earliest start
to the latest end of the compared scenarios; the base is re-run over it) with the same seed,
so per-path differences cancel most sampling noise (common random numbers). Draws stay
paired exactly where two scenarios have the same uncertain numbers; policies that add random
draws (e.g. licensing) shift the streams they use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

import supplysim
from supplysim.analysis.experiments import simulate_with
from supplysim.analysis.sampling import default_world, with_values

__all__ = ["Comparison", "common_horizon", "compare", "on_horizon"]

Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def _load(scenario: Any) -> Any:
    """A scenario object from a name, path or scenario."""
    if isinstance(scenario, str):
        return supplysim.load_scenario(scenario, world=default_world())
    return scenario


def common_horizon(scenarios: Sequence[Any]) -> tuple[date, int]:
    """Earliest start and the months up to the latest end of ``scenarios``.

    Parameters
    ----------
    scenarios : sequence of Scenario
        Validated scenarios.

    Returns
    -------
    tuple
        ``(start, months)``: first month and length [months].
    """
    start = min(s.horizon.start for s in scenarios)
    end = max(s.horizon.end for s in scenarios)
    return start, (end.year - start.year) * 12 + end.month - start.month


def on_horizon(scenario: Any, start: date, months: int) -> Any:
    """``scenario`` over another horizon (unchanged if it already is).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    start : datetime.date
        First month.
    months : int
        Length [months].

    Returns
    -------
    Scenario
        A validated copy (see :func:`~supplysim.analysis.sampling.with_values`).
    """
    if scenario.horizon.start == start and scenario.horizon.months == months:
        return scenario
    return with_values(scenario, {"horizon.start": start.strftime("%Y-%m"),
                                  "horizon.months": months})


class Comparison:
    """Results of several scenarios and a base on common months and seed.

    Attributes
    ----------
    base : str
        Name of the base scenario.
    names : list of str
        Names of the compared scenarios (without the base).
    results : dict of str to Results
        Results by scenario name, base included.
    by : tuple of str
        Grouping keys among ``region``, ``sector``, ``material``.
    """

    def __init__(self, results: dict[str, Any], base: str, by: Sequence[str]) -> None:
        self.results, self.base = results, base
        self.by = (by,) if isinstance(by, str) else tuple(by)
        self.names = [n for n in results if n != base]

    def _per_path(self, name: str) -> tuple[xr.DataArray, xr.DataArray]:
        """Unmet and demand summed to (path, month, *by) [t/month]."""
        ds = self.results[name].to_xarray()
        drop = [d for d in ("region", "sector", "material") if d not in self.by]
        return ds["unmet_t"].sum(drop), ds["demand_t"].sum(drop)

    def _check(self, name: str) -> None:
        if name not in self.names:
            raise KeyError(f"no compared scenario {name!r}; compared: {self.names}")

    def difference_curve(self, name: str) -> pd.DataFrame:
        """Mean per-path difference of unmet demand, scenario minus base, per month.

        Parameters
        ----------
        name : str
            A compared scenario.

        Returns
        -------
        pandas.DataFrame
            ``month``, the ``by`` keys, ``mean``, ``lo``, ``hi`` [t/month]: mean difference and
            its 95 % confidence interval (normal approximation over paths). Groups without
            demand in either scenario are dropped.
        """
        self._check(name)
        unmet, demand = self._per_path(name)
        base_unmet, base_demand = self._per_path(self.base)
        diff = unmet - base_unmet
        mean, half = _mean_ci(diff)
        has = ((demand + base_demand) > 0).any("path")
        table = xr.Dataset({"mean": mean, "lo": mean - half, "hi": mean + half, "has": has})
        df = table.to_dataframe().reset_index()
        df = df[df["has"]][["month", *self.by, "mean", "lo", "hi"]].reset_index(drop=True)
        df.attrs["units"] = {c: "t/month" for c in ("mean", "lo", "hi")}
        return df

    def summary(self, threshold: float = 0.1) -> pd.DataFrame:
        """Headline metrics of every scenario side by side.

        Parameters
        ----------
        threshold : float
            Unmet share of demand for the probability metric [1].

        Returns
        -------
        pandas.DataFrame
            Rows: the ``by`` keys and ``metric``
            (``expected_unmet_t`` [t], ``p_any_month_over_<threshold>`` [1],
            ``peak_month_share`` [1]); one column per scenario, base first.
        """
        keys = [k for k in self.by if k in ("region", "sector", "material")]
        parts = []
        for name in [self.base, *self.names]:
            parts.append(_headline(self.results[name], keys, threshold).assign(scenario=name))
        long = pd.concat(parts, ignore_index=True)
        wide = long.pivot_table(index=[*keys, "metric"], columns="scenario", values="value",
                                sort=False)
        wide = wide[[self.base, *self.names]].reset_index()
        wide.columns.name = None
        return wide

    def plot_difference(self, name: str, region: str | None = None, material: str | None = None,
                        ax: Any = None) -> tuple[Any, Any]:
        """Mean difference in unmet demand (scenario minus base) with its 95 % CI band.

        Parameters
        ----------
        name : str
            A compared scenario.
        region, material : str, optional
            Selection among the ``by`` groups; None sums over that key.
        ax : matplotlib.axes.Axes, optional
            Axes to draw on.

        Returns
        -------
        tuple
            ``(fig, ax)``.
        """
        self._check(name)
        unmet, _ = self._per_path(name)
        base_unmet, _ = self._per_path(self.base)
        diff = _select(unmet - base_unmet, region=region, material=material)
        other = [d for d in diff.dims if d not in ("path", "month")]
        diff = diff.sum(other) if other else diff
        n = diff.sizes["path"]
        mean, half = (a.to_numpy() for a in _mean_ci(diff))
        if ax is None:
            import matplotlib.pyplot as plt

            _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        months = diff["month"].to_numpy()
        ax.fill_between(months, mean - half, mean + half, alpha=0.3, color="C3", label="95 % CI")
        ax.plot(months, mean, color="C3", lw=2, label=f"{name} minus {self.base}")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xlabel("Month")
        ax.set_ylabel("Difference in unmet demand [t/month]")
        what = ", ".join(v for v in (region or "all regions", material or "all materials"))
        ax.set_title(f"{name} minus {self.base}\nunmet demand, {what} ({n} paths)")
        ax.legend(loc="upper left")
        ax.grid(alpha=0.3)
        return ax.figure, ax


def _mean_ci(diff: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Mean over paths and the half-width of its 95 % confidence interval."""
    n = diff.sizes["path"]
    mean = diff.mean("path")
    if n < 2:
        return mean, xr.zeros_like(mean)
    return mean, Z95 * diff.std("path", ddof=1) / np.sqrt(n)


def _select(da: xr.DataArray, **sel: str | None) -> xr.DataArray:
    """Select labels along dimensions, refusing unknown ones."""
    for dim, value in sel.items():
        if value is None:
            continue
        if dim not in da.dims:
            raise ValueError(f"cannot select {dim}={value!r}: not among the keys {da.dims}")
        known = [str(v) for v in da[dim].values]
        if value not in known:
            raise ValueError(f"unknown {dim} {value!r}; known: {known}")
        da = da.sel({dim: value})
    return da


def _headline(results: Any, keys: list[str], threshold: float) -> pd.DataFrame:
    """Long table of the headline metrics of one result."""
    unmet = results.expected_unmet(by=keys).rename(columns={"mean_t": "value"})
    prob = results.prob_any(threshold=threshold, by=keys).rename(columns={"prob": "value"})
    curve = results.shortage_curve(by=keys)
    peak = curve.groupby(keys, sort=False)["share_mean"].max().rename("value").reset_index()
    tag = f"p_any_month_over_{threshold:g}"
    parts = [unmet[[*keys, "value"]].assign(metric="expected_unmet_t"),
             prob[[*keys, "value"]].assign(metric=tag),
             peak.assign(metric="peak_month_share")]
    return pd.concat(parts, ignore_index=True)


def compare(scenarios: Sequence[Any], base: Any, runs: int = 1000, seed: Any = 0,
            by: Sequence[str] = ("region", "material")) -> Comparison:
    """Run scenarios and a base with the same seed over a common horizon.

    Parameters
    ----------
    scenarios : list of Scenario or str
        Scenarios to compare (names, paths or objects; names must differ from the base's).
    base : Scenario or str
        The reference, e.g. ``"baseline_2024"``.
    runs : int
        Paths per scenario.
    seed : int
        Root seed shared by every run.
    by : sequence of str
        Grouping keys among ``region``, ``sector``, ``material``.

    Returns
    -------
    Comparison
        With :meth:`~Comparison.difference_curve`, :meth:`~Comparison.summary` and
        :meth:`~Comparison.plot_difference`.
    """
    if not keys_ok(by):
        raise ValueError(f"by must be distinct keys among region, sector, material; got {by}")
    base_s = _load(base)
    others = [_load(s) for s in scenarios]
    names = [s.name for s in others]
    if not others or base_s.name in names or len(set(names)) != len(names):
        raise ValueError(f"need distinct scenarios other than the base; got {names}")
    start, months = common_horizon(others)
    results = {}
    for s in [base_s, *others]:
        results[s.name] = simulate_with(on_horizon(s, start, months), runs, seed)
    return Comparison(results, base_s.name, by)


def keys_ok(by: Sequence[str]) -> bool:
    """Whether ``by`` is a list of distinct demand keys."""
    keys = [by] if isinstance(by, str) else list(by)
    return len(set(keys)) == len(keys) and set(keys) <= {"region", "sector", "material"}
