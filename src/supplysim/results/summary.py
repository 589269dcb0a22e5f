"""Results of a streamed run (``simulate(..., store="summary")``), answered from summaries.

:class:`SummaryResults` has the tables, plots and metadata of :class:`~supplysim.results.Results`
but no per-path arrays: means and exceedance probabilities are exact, quantiles come from
fixed-bin histograms with the accuracy stated in :mod:`supplysim.results.streaming`. What needs
the paths themselves raises :class:`NeedsPathsError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from supplysim.errors import SupplysimError
from supplysim.results import metrics
from supplysim.results.results import FLOW_KEYS, ByArg, normalize_by
from supplysim.results.streaming import DEMAND_KEYS, SummaryAccumulator, hist_quantile


class NeedsPathsError(SupplysimError, ValueError):
    """Asked of streamed results for something only per-path arrays can answer."""


class SummaryResults:
    """Output of ``simulate(..., store="summary")``: running summaries plus run metadata.

    Parameters
    ----------
    acc : SummaryAccumulator
        The reduced chunks.
    labels : dict
        ``months`` (DatetimeIndex), ``flows`` (DataFrame: exporter, destination, material),
        ``stockpiles`` (DataFrame: name, holder, material).
    attrs : dict
        Dataset attributes (scenario, scenario_hash, seed, version, engine, chunk_size).
    meta : dict
        Run metadata: ``paths``, ``steps``, ``nodes``, ``seconds`` [s], ``store``.
    means : Results, optional
        Every engine output averaged over paths, labelled as a one-path :class:`Results`;
        answers ``prices``, ``payments``, ``tariff_revenue``, ``origin``, ``contracts``,
        ``recycling`` and ``finance`` with means only.

    Attributes
    ----------
    summaries : SummaryAccumulator
        Sums, exact exceedance counts and histograms.
    ds : xarray.Dataset
        Means: ``demand_mean`` and ``unmet_mean`` (month, region, sector, material)
        [t/month], ``shipped_mean`` (month, flow) [t/month], ``stockpile_mean``
        (month, stockpile) [t].
    meta : dict
        The metadata.
    """

    def __init__(self, acc: SummaryAccumulator, labels: dict, attrs: dict,
                 meta: dict[str, Any], means: Any = None) -> None:
        if acc.paths < 1:
            raise ValueError("no paths were reduced")
        self.summaries = acc
        self.months = pd.DatetimeIndex(labels["months"])
        self.flow_labels = labels["flows"].reset_index(drop=True)
        self.stockpile_labels = labels["stockpiles"].reset_index(drop=True)
        self.meta = dict(meta)
        self.means = means
        self.ds = self._dataset(dict(attrs))

    def __repr__(self) -> str:
        return (f"<SummaryResults {self.scenario!r}: paths={self.summaries.paths}, "
                f"months={len(self.months)}>")

    @property
    def scenario(self) -> str:
        """Scenario name."""
        return str(self.ds.attrs.get("scenario") or self.meta.get("scenario") or "scenario")

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Unmet shares whose exceedance probabilities were counted [1]."""
        return self.summaries.spec.thresholds

    # -- internals -------------------------------------------------------------------------
    def _grid(self, flat: np.ndarray, keys: tuple[str, ...], month: bool = True) -> xr.DataArray:
        """A (month?, G) array of every grouping as (month?, *canonical keys) for ``keys``."""
        canon = tuple(k for k in DEMAND_KEYS if k in keys)
        if "material" in canon and "mineral" in canon:
            raise ValueError("by: 'mineral' and 'material' together; a material has one mineral")
        sl, labels = self.summaries.groups[canon]
        sizes = [len(labels[k]) for k in canon]
        part = flat[..., sl]
        lead = (len(self.months),) if month else ()
        dims = (("month",) if month else ()) + canon
        coords = {k: labels[k] for k in canon}
        if month:
            coords["month"] = self.months
        return xr.DataArray(part.reshape((*lead, *sizes)), dims=dims, coords=coords)

    def _mean(self, name: str, keys, month: bool = True) -> xr.DataArray:
        return self._grid(self.summaries.sums[name] / self.summaries.paths, keys, month)

    def _has_demand(self, keys) -> xr.DataArray:
        """(month, *keys): demand > 0 in some path."""
        return self._grid(self.summaries.hi["demand"], keys) > 0

    def _threshold(self, threshold: float) -> int:
        """Index of ``threshold`` among the counted ones."""
        for i, th in enumerate(self.thresholds):
            if np.isclose(float(threshold), th, rtol=0, atol=1e-12):
                return i
        raise NeedsPathsError(
            f"streamed results count exceedances only for thresholds {list(self.thresholds)}; "
            f"got {threshold}. Pass store=SummarySpec(thresholds=...) to simulate, or keep "
            "the paths (store='paths')")

    def _quantiles(self, hist: str, rng: str, q: Sequence[float], bins) -> dict[str, np.ndarray]:
        acc = self.summaries
        return {metrics.quantile_name(x): hist_quantile(acc.counts[hist], x, bins,
                                                        acc.lo[rng], acc.hi[rng])
                for x in metrics.check_quantiles(q)}

    # -- shortage tables -------------------------------------------------------------------
    def shortage_curve(
        self, by: ByArg = ("region", "material"), quantiles: Sequence[float] = (0.05, 0.5, 0.95)
    ) -> pd.DataFrame:
        """Unmet demand per month: mean and quantiles across paths, plus mean share.

        As :meth:`supplysim.results.Results.shortage_curve`; quantiles from histograms
        (see :mod:`supplysim.results.streaming` for their accuracy).
        """
        keys = normalize_by(by, DEMAND_KEYS)
        cols = {"mean": self._mean("unmet", keys)}
        for name, a in self._quantiles("unmet_hist", "unmet", quantiles,
                                       self.summaries.tonne_bins).items():
            cols[name] = self._grid(a, keys)
        cols["share_mean"] = self._mean("share", keys)
        df = metrics.tidy(cols, ("month", *keys), self._has_demand(keys))
        df = df[["month", *keys, *cols]]
        df.attrs["units"] = {c: "t/month" for c in cols if c != "share_mean"} | {"share_mean": "1"}
        return df

    def prob_shortage(
        self, threshold: float = 0.1, by: ByArg = ("region", "material")
    ) -> pd.DataFrame:
        """Probability per month that the unmet share exceeds ``threshold`` (exact counts).

        ``threshold`` must be one of :attr:`thresholds`, else :class:`NeedsPathsError`.
        """
        keys = normalize_by(by, DEMAND_KEYS)
        i = self._threshold(threshold)
        prob = self._grid(self.summaries.counts["exceed"][i] / self.summaries.paths, keys)
        df = metrics.tidy({"prob": prob}, ("month", *keys), self._has_demand(keys))
        df = df[["month", *keys, "prob"]]
        df.attrs["units"] = {"prob": "1"}
        return df

    def prob_any(
        self, threshold: float = 0.1, by: ByArg = ("region", "material"), months: int | None = None
    ) -> pd.DataFrame:
        """Probability that the unmet share exceeds ``threshold`` in at least one month.

        ``threshold`` must be one of :attr:`thresholds`, else :class:`NeedsPathsError`;
        ``months`` counts only the first months [month].
        """
        keys = normalize_by(by, DEMAND_KEYS)
        i = self._threshold(threshold)
        T = len(self.months)
        if months is not None and int(months) < 1:
            raise ValueError(f"months must be >= 1, got {months}")
        last = T if months is None else min(int(months), T)
        counts = self.summaries.counts["exceed_any"][i, last - 1]
        prob = self._grid(counts / self.summaries.paths, keys, month=False)
        has = self._has_demand(keys).any("month")
        df = metrics.tidy({"prob": prob}, keys, has)[[*keys, "prob"]]
        df.attrs["units"] = {"prob": "1"}
        return df

    def expected_unmet(self, by: ByArg = ("region", "material")) -> pd.DataFrame:
        """Unmet demand summed over the horizon: mean and 95th percentile (histogram) [t]."""
        keys = normalize_by(by, DEMAND_KEYS)
        acc = self.summaries
        p95 = hist_quantile(acc.counts["total_hist"], 0.95, acc.tonne_bins, acc.lo["total"],
                            acc.hi["total"])
        cols = {"mean_t": self._mean("unmet_total", keys, month=False),
                "p95_t": self._grid(p95, keys, month=False)}
        has = self._has_demand(keys).any("month")
        df = metrics.tidy(cols, keys, has)[[*keys, *cols]]
        df.attrs["units"] = {"mean_t": "t", "p95_t": "t"}
        return df

    def summary(self, threshold: float = 0.1) -> pd.DataFrame:
        """One row per (region, material) with demand, as :meth:`Results.summary` (exact)."""
        keys = ("region", "material")
        i = self._threshold(threshold)
        demand_t = self._mean("demand_total", keys, month=False)
        unmet_t = self._mean("unmet_total", keys, month=False)
        p_any = self.summaries.counts["exceed_any"][i, -1] / self.summaries.paths
        cols = {
            "demand_t": demand_t,
            "unmet_t": unmet_t,
            "unmet_share": metrics.share(unmet_t, demand_t),
            "peak_month_share": self._mean("share", keys).max("month"),
            "p_any_month_over_threshold": self._grid(p_any, keys, month=False),
        }
        has = self._has_demand(keys).any("month")
        df = metrics.tidy(cols, keys, has)[[*keys, *cols]]
        df.attrs["units"] = {"demand_t": "t", "unmet_t": "t"} | {
            c: "1" for c in ("unmet_share", "peak_month_share", "p_any_month_over_threshold")
        }
        return df

    # -- stockpiles and flows --------------------------------------------------------------
    def stockpiles(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Stockpile levels at month end: mean, quantiles (histogram) and ``p_empty`` (exact)."""
        qs = self._quantiles("stock_hist", "stock", quantiles, self.summaries.tonne_bins)
        sp, cols = self.stockpile_labels, None
        if len(sp):
            n = self.summaries.paths
            arrays = {"mean": self.summaries.sums["stock"] / n, **qs,
                      "p_empty": self.summaries.counts["stock_empty"] / n}
            coords = dict(month=self.months, stockpile=sp.name.to_numpy(str),
                          holder=("stockpile", sp.holder.to_numpy(str)),
                          stockpile_material=("stockpile", sp.material.to_numpy(str)))
            cols = {k: xr.DataArray(v, dims=("month", "stockpile"), coords=coords)
                    for k, v in arrays.items()}
        return metrics.stockpile_table(cols, list(qs))

    def flows(
        self,
        by: ByArg = ("exporter", "destination", "material"),
        quantiles: Sequence[float] = (0.05, 0.95),
    ) -> pd.DataFrame:
        """Shipments per month by group: means for any grouping; quantiles per flow only.

        Quantiles need the grouping of single flows (all three keys); for coarser groupings
        pass ``quantiles=()`` or keep the paths, else :class:`NeedsPathsError`.
        """
        keys = normalize_by(by, FLOW_KEYS)
        qs = metrics.check_quantiles(quantiles)
        if qs and set(keys) != set(FLOW_KEYS):
            raise NeedsPathsError(
                "streamed results keep shipment quantiles per flow only (by=('exporter', "
                f"'destination', 'material')); for by={list(keys)} pass quantiles=() for means, "
                "or keep the paths (store='paths')")
        mean = self.ds["shipped_mean"]
        labels = {k: mean[FLOW_KEYS[k]].values for k in keys}
        cols = {"mean": metrics.group_along(mean, "flow", labels)}
        if qs:
            per = self._quantiles("shipped_hist", "shipped", qs, self.summaries.tonne_bins)
            for name, a in per.items():
                da = mean.copy(data=a)
                cols[name] = metrics.group_along(da, "flow", labels)  # one flow per group
        df = metrics.tidy(cols, ("month", "group"))[["month", *keys, *cols]]
        df.attrs["units"] = {c: "t/month" for c in cols}
        return df

    # -- raw access ------------------------------------------------------------------------
    # -- means only ------------------------------------------------------------------------
    def _mean_only(self, method: str, quantiles: Sequence[float]) -> pd.DataFrame:
        if len(quantiles):
            raise NeedsPathsError(f"{method}() of streamed results gives means only: call it with "
                                  "quantiles=(), or run with store='paths'")
        if self.means is None:
            raise NeedsPathsError(f"these streamed results carry no means for {method}()")
        return getattr(self.means, method)(quantiles=())

    def prices(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean oxide price indices per month, market and element [USD/kg]."""
        return self._mean_only("prices", quantiles)

    def payments(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean price floor payments per month and policy [USD]."""
        return self._mean_only("payments", quantiles)

    def tariff_revenue(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean tariff revenue per month and policy [USD]."""
        return self._mean_only("tariff_revenue", quantiles)

    def origin(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean Chinese-origin share of the supply each region draws on [1]."""
        return self._mean_only("origin", quantiles)

    def contracts(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean contracted tonnes delivered per month and contract [t].

        ``value_usd_mean`` here is the mean tonnes times the mean contract price [USD], not the
        mean of each path's value (which needs the paths).
        """
        return self._mean_only("contracts", quantiles)

    def recycling(self, quantiles: Sequence[float] = ()) -> pd.DataFrame:
        """Mean recycled tonnes per month, recycler and material [t]."""
        return self._mean_only("recycling", quantiles)

    def finance(self) -> pd.DataFrame:
        """Cost of the financing levers per project [USD] (means over paths)."""
        if self.means is None:
            raise NeedsPathsError("these streamed results carry no means for finance()")
        return self.means.finance()

    def to_xarray(self) -> xr.Dataset:
        """The Dataset of means (not a copy); the histograms are in :attr:`summaries`."""
        return self.ds

    def to_frame(self, var: str) -> pd.DataFrame:
        """Not available: streamed results keep no per-path variables."""
        raise NeedsPathsError(f"streamed results keep no per-path variable {var!r}; run "
                              "simulate(..., store='paths') for to_frame")

    def events(self) -> pd.DataFrame:
        """Not available: streamed runs keep no event log."""
        raise NeedsPathsError("streamed results have no event log; run "
                              "simulate(..., engine='des') with store='paths'")

    # -- plots -----------------------------------------------------------------------------
    def selection_stats(self, region=None, material=None, sector=None, share: bool = False,
                        quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> dict[str, xr.DataArray]:
        """Mean and quantiles per month of one group's unmet demand [t/month] or share [1].

        Each of ``region``, ``material``, ``sector`` is one label or None (all); lists of
        several labels need the paths (:class:`NeedsPathsError`).
        """
        chosen = {}
        for key, value in (("region", region), ("sector", sector), ("material", material)):
            if value is None:
                continue
            values = [value] if isinstance(value, str) else [str(v) for v in value]
            if len(values) != 1:
                raise NeedsPathsError(f"streamed results summarise single {key} labels or all "
                                      f"of them, got {values}; keep the paths (store='paths')")
            chosen[key] = values[0]
        keys = tuple(chosen)
        sl, labels = self.summaries.groups[keys]
        for k, v in chosen.items():
            if v not in labels[k]:
                raise ValueError(f"unknown {k} {[v]}; known: {labels[k]}")
        kind, bins = ("share", self.summaries.share_bins) if share else (
            "unmet", self.summaries.tonne_bins)
        hist = "share_hist" if share else "unmet_hist"
        out = {"mean": self._mean(kind, keys)}
        for name, a in self._quantiles(hist, kind, quantiles, bins).items():
            out[name] = self._grid(a, keys)
        return {name: da.sel(chosen) if chosen else da for name, da in out.items()}

    def plot_shortage(self, region=None, material=None, sector=None, share: bool = False,
                      ax: Any = None) -> tuple[Any, Any]:
        """Fan chart of unmet demand from histograms; see :func:`plot.shortage_fan`."""
        from supplysim.results import plot

        return plot.shortage_fan(self, region, material, sector, share=share, ax=ax)

    def plot_supply_by_origin(self, destination: str, material, ax: Any = None):
        """Stacked area of mean shipments into ``destination`` by exporter [t/month]."""
        from supplysim.results import plot

        return plot.supply_by_origin(self, destination, material, ax=ax)

    def plot_story(self, path: int = 0, region: str = "Japan", axes: Any = None):
        """Not available: a path's story needs the event log and the path's arrays."""
        raise NeedsPathsError("streamed results keep no single path; run "
                              "simulate(..., engine='des') with store='paths'")

    # -- dataset ---------------------------------------------------------------------------
    def _dataset(self, attrs: dict) -> xr.Dataset:
        keys = ("region", "sector", "material")
        f, sp, n = self.flow_labels, self.stockpile_labels, self.summaries.paths
        coords = dict(exporter=("flow", f.exporter.to_numpy(str)),
                      destination=("flow", f.destination.to_numpy(str)),
                      flow_material=("flow", f.material.to_numpy(str)),
                      stockpile=sp.name.to_numpy(str),
                      holder=("stockpile", sp.holder.to_numpy(str)),
                      stockpile_material=("stockpile", sp.material.to_numpy(str)))
        ds = xr.Dataset(
            {
                "demand_mean": self._mean("demand", keys).assign_attrs(
                    units="t/month", long_name="mean demand"),
                "unmet_mean": self._mean("unmet", keys).assign_attrs(
                    units="t/month", long_name="mean unmet demand"),
                "shipped_mean": (("month", "flow"), self.summaries.sums["shipped"] / n,
                                 {"units": "t/month", "long_name": "mean shipped"}),
                "stockpile_mean": (("month", "stockpile"), self.summaries.sums["stock"] / n,
                                   {"units": "t", "long_name": "mean stockpile at month end"}),
            },
            coords=coords, attrs=attrs | {"store": "summary"},
        )
        return ds
