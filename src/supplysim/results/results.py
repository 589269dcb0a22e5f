"""The :class:`Results` object: Monte Carlo output of one scenario and tables drawn from it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import xarray as xr

from supplysim.results import metrics
from supplysim.results.levers import MarketViews

DEMAND_KEYS = ("region", "sector", "material", "mineral")
FLOW_KEYS = {"exporter": "exporter", "destination": "destination", "material": "flow_material"}
REQUIRED = ("demand_t", "unmet_t")
EMPTY_T = 1e-6  # [t] a stockpile below this is empty

ByArg = str | Sequence[str] | None


def normalize_by(by: ByArg, allowed: Iterable[str]) -> tuple[str, ...]:
    """Turn a ``by`` argument (str, sequence or None) into a checked tuple of keys.

    Parameters
    ----------
    by : str, sequence of str or None
        Grouping keys; None or empty means no grouping.
    allowed : iterable of str
        Valid keys.

    Returns
    -------
    tuple of str
        The keys, in the order given.
    """
    keys = () if by is None else (by,) if isinstance(by, str) else tuple(by)
    allowed = tuple(allowed)
    bad = [k for k in keys if k not in allowed]
    if bad or len(set(keys)) != len(keys):
        raise ValueError(f"by must be distinct keys among {list(allowed)}, got {list(keys)}")
    return keys


def magnet_materials(ds: xr.Dataset) -> list[str]:
    """Materials named ``magnet*`` in ``ds`` (all materials if none is).

    Parameters
    ----------
    ds : xarray.Dataset
        A results Dataset with a ``material`` coordinate.

    Returns
    -------
    list of str
        Material names, in coordinate order.
    """
    names = [str(m) for m in ds["material"].values]
    magnets = [m for m in names if m.startswith("magnet")]
    return magnets or names


class Results(MarketViews):
    """Output of :func:`supplysim.simulate`: per-path monthly arrays plus run metadata.

    Parameters
    ----------
    ds : xarray.Dataset
        ``demand_t`` and ``unmet_t`` (path, month, region, sector, material) [t/month],
        ``shipped_t`` (path, month, flow) [t/month], ``stockpile_t`` (path, month, stockpile)
        [t], ``origin_share`` (path, month, region, material) [1]; attributes ``scenario``, ``scenario_hash``, ``seed``, ``version``, ...
    meta : dict
        Run metadata: at least ``paths``, ``steps``, ``nodes``, ``seconds`` [s].
    events : pandas.DataFrame, optional
        Event log of a discrete-event run (see :meth:`events`).

    Attributes
    ----------
    ds : xarray.Dataset
        The Dataset.
    meta : dict
        The metadata.
    """

    def __init__(self, ds: xr.Dataset, meta: dict[str, Any],
                 events: pd.DataFrame | None = None) -> None:
        missing = [v for v in REQUIRED if v not in ds.data_vars]
        if missing:
            raise ValueError(f"results Dataset lacks variables {missing}")
        self.ds = ds
        self.meta = dict(meta)
        self._events = events
        self._groups: dict[tuple[str, ...], tuple[xr.DataArray, xr.DataArray]] = {}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.ds.sizes.items())
        return f"<Results {self.scenario!r}: {sizes}>"

    @property
    def scenario(self) -> str:
        """Scenario name from the Dataset attributes or the metadata."""
        return str(self.ds.attrs.get("scenario") or self.meta.get("scenario") or "scenario")

    # -- internals -------------------------------------------------------------------------
    def _grouped(self, by: tuple[str, ...]) -> tuple[xr.DataArray, xr.DataArray]:
        """Per-path unmet and demand summed to (path, month, *by) [t/month], cached."""
        if by not in self._groups:
            keep = ("path", "month", *by)
            unmet = metrics.sum_to(self._by_mineral("unmet_t", by), keep).transpose(*keep)
            demand = metrics.sum_to(self._by_mineral("demand_t", by), keep).transpose(*keep)
            self._groups[by] = (unmet, demand)
        return self._groups[by]

    def _by_mineral(self, name: str, by: tuple[str, ...]) -> xr.DataArray:
        """``ds[name]`` with materials summed into their mineral when ``by`` names ``mineral``."""
        da = self.ds[name]
        if "mineral" not in by:
            return da
        if "material" in by:
            raise ValueError("by: 'mineral' and 'material' together; a material has one mineral")
        if "mineral" not in da.coords:
            raise ValueError("these results carry no mineral labels")
        return da.groupby("mineral").sum("material")

    def _share(self, by: tuple[str, ...]) -> tuple[xr.DataArray, xr.DataArray]:
        """Per-path unmet share (path, month, *by) [1] and a has-demand mask (*by)."""
        unmet, demand = self._grouped(by)
        has_demand = (demand > 0).any(("path", "month"))
        return metrics.share(unmet, demand), has_demand

    # -- shortage tables -------------------------------------------------------------------
    def shortage_curve(
        self, by: ByArg = ("region", "material"), quantiles: Sequence[float] = (0.05, 0.5, 0.95)
    ) -> pd.DataFrame:
        """Unmet demand per month: mean and quantiles across paths, plus mean share.

        Parameters
        ----------
        by : str, sequence of str or None
            Keys among ``region``, ``sector``, ``material`` or ``mineral`` (the chain of the
            materials, e.g. ``lithium``; not with ``material``); empty for a world total.
        quantiles : sequence of float
            Quantiles across paths [1]; columns named ``p05``, ``p50``, ...

        Returns
        -------
        pandas.DataFrame
            ``month``, the ``by`` keys, ``mean`` and quantiles [t/month], ``share_mean`` [1].
            Rows whose demand is 0 in all paths are dropped.
        """
        keys = normalize_by(by, DEMAND_KEYS)
        unmet, demand = self._grouped(keys)
        cols = metrics.path_stats(unmet, quantiles)
        cols["share_mean"] = metrics.share(unmet, demand).mean("path")
        keep = (demand > 0).any("path")
        df = metrics.tidy(cols, ("month", *keys), keep)[["month", *keys, *cols]]
        df.attrs["units"] = {c: "t/month" for c in cols} | {"share_mean": "1"}
        return df

    def prob_shortage(
        self, threshold: float = 0.1, by: ByArg = ("region", "material")
    ) -> pd.DataFrame:
        """Probability per month that the unmet share of a group exceeds ``threshold``.

        Parameters
        ----------
        threshold : float
            Unmet share of demand [1].
        by : str, sequence of str or None
            Keys among ``region``, ``sector``, ``material`` or ``mineral``.

        Returns
        -------
        pandas.DataFrame
            ``month``, the ``by`` keys, ``prob`` [1]; groups without demand are dropped.
        """
        keys = normalize_by(by, DEMAND_KEYS)
        unmet, demand = self._grouped(keys)
        prob = metrics.exceed_prob(metrics.share(unmet, demand), threshold)
        keep = (demand > 0).any("path")
        df = metrics.tidy({"prob": prob}, ("month", *keys), keep)[["month", *keys, "prob"]]
        df.attrs["units"] = {"prob": "1"}
        return df

    def prob_any(
        self, threshold: float = 0.1, by: ByArg = ("region", "material"), months: int | None = None
    ) -> pd.DataFrame:
        """Probability that the unmet share exceeds ``threshold`` in at least one month.

        Parameters
        ----------
        threshold : float
            Unmet share of demand [1].
        by : str, sequence of str or None
            Keys among ``region``, ``sector``, ``material`` or ``mineral``.
        months : int or None
            Only the first ``months`` months of the horizon count [month].

        Returns
        -------
        pandas.DataFrame
            The ``by`` keys and ``prob`` [1]; groups without demand are dropped.
        """
        keys = normalize_by(by, DEMAND_KEYS)
        share, has_demand = self._share(keys)
        prob = metrics.any_exceed_prob(share, threshold, months=months)
        df = metrics.tidy({"prob": prob}, keys, has_demand)[[*keys, "prob"]]
        df.attrs["units"] = {"prob": "1"}
        return df

    def expected_unmet(self, by: ByArg = ("region", "material")) -> pd.DataFrame:
        """Unmet demand summed over the horizon: mean and 95th percentile across paths.

        Parameters
        ----------
        by : str, sequence of str or None
            Keys among ``region``, ``sector``, ``material`` or ``mineral``.

        Returns
        -------
        pandas.DataFrame
            The ``by`` keys, ``mean_t`` and ``p95_t`` [t]; groups without demand are dropped.
        """
        keys = normalize_by(by, DEMAND_KEYS)
        unmet, demand = self._grouped(keys)
        stats = metrics.path_stats(unmet.sum("month"), (0.95,))
        cols = {"mean_t": stats["mean"], "p95_t": stats["p95"]}
        keep = (demand > 0).any(("path", "month"))
        df = metrics.tidy(cols, keys, keep)[[*keys, *cols]]
        df.attrs["units"] = {"mean_t": "t", "p95_t": "t"}
        return df

    def summary(self, threshold: float = 0.1) -> pd.DataFrame:
        """One row per (region, material) with demand: totals, shares and shortage odds.

        Parameters
        ----------
        threshold : float
            Unmet share of demand for ``p_any_month_over_threshold`` [1].

        Returns
        -------
        pandas.DataFrame
            ``region``, ``material``, ``demand_t`` and ``unmet_t`` (mean over paths of the
            horizon total) [t], ``unmet_share`` (= unmet_t / demand_t) [1],
            ``peak_month_share`` (max over months of the mean unmet share) [1],
            ``p_any_month_over_threshold`` [1].
        """
        keys = ("region", "material")
        unmet, demand = self._grouped(keys)
        share, has_demand = self._share(keys)
        demand_t = demand.sum("month").mean("path")
        unmet_t = unmet.sum("month").mean("path")
        cols = {
            "demand_t": demand_t,
            "unmet_t": unmet_t,
            "unmet_share": metrics.share(unmet_t, demand_t),
            "peak_month_share": share.mean("path").max("month"),
            "p_any_month_over_threshold": metrics.any_exceed_prob(share, threshold),
        }
        df = metrics.tidy(cols, keys, has_demand)[[*keys, *cols]]
        df.attrs["units"] = {"demand_t": "t", "unmet_t": "t"} | {
            c: "1" for c in ("unmet_share", "peak_month_share", "p_any_month_over_threshold")
        }
        return df

    # -- stockpiles and flows --------------------------------------------------------------
    def stockpiles(self, quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Stockpile levels at month end: mean, quantiles and probability of being empty.

        Parameters
        ----------
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, ``stockpile``, ``holder``, ``material``, ``mean`` and quantiles [t],
            ``p_empty`` (share of paths holding < 1e-6 t) [1]. Empty when there are none.
        """
        stock = self.ds.get("stockpile_t")
        cols = None
        if stock is not None and stock.sizes.get("stockpile", 0):
            cols = metrics.path_stats(stock, quantiles)
            cols["p_empty"] = (stock < EMPTY_T).mean("path")
        return metrics.stockpile_table(cols, metrics.quantile_names(quantiles))

    def flows(
        self,
        by: ByArg = ("exporter", "destination", "material"),
        quantiles: Sequence[float] = (0.05, 0.95),
    ) -> pd.DataFrame:
        """Shipments per month, summed over the flows of each group, then path statistics.

        Parameters
        ----------
        by : str, sequence of str or None
            Keys among ``exporter``, ``destination``, ``material``.
        quantiles : sequence of float
            Quantiles across paths [1].

        Returns
        -------
        pandas.DataFrame
            ``month``, the ``by`` keys, ``mean`` and quantiles (``p05``, ``p95``) [t/month].
        """
        keys = normalize_by(by, FLOW_KEYS)
        if "shipped_t" not in self.ds.data_vars:
            raise ValueError("results Dataset has no shipped_t variable")
        shipped = self.ds["shipped_t"]
        labels = {k: shipped[FLOW_KEYS[k]].values for k in keys}
        grouped = metrics.group_along(shipped, "flow", labels)
        cols = metrics.path_stats(grouped, quantiles)
        df = metrics.tidy(cols, ("month", "group"))[["month", *keys, *cols]]
        df.attrs["units"] = {c: "t/month" for c in cols}
        return df

    # -- raw access ------------------------------------------------------------------------
    def to_xarray(self) -> xr.Dataset:
        """The underlying Dataset (not a copy)."""
        return self.ds

    def to_frame(self, var: str) -> pd.DataFrame:
        """One variable as a tidy long table.

        Parameters
        ----------
        var : str
            Data variable name, e.g. ``"unmet_t"``.

        Returns
        -------
        pandas.DataFrame
            One row per coordinate combination, column ``var`` in the variable's units.
        """
        if var not in self.ds.data_vars:
            raise KeyError(f"no variable {var!r}; known: {sorted(map(str, self.ds.data_vars))}")
        da = self.ds[var]
        df = da.to_dataframe(name=var).reset_index()
        df.attrs["units"] = {var: str(da.attrs.get("units", ""))}
        return df

    def events(self) -> pd.DataFrame:
        """The event log of a discrete-event run (``engine="des"``).

        Returns
        -------
        pandas.DataFrame
            Columns ``path``, ``time`` (Timestamp), ``kind``, ``node``, ``counterpart``,
            ``material``, ``tonnes`` [t] and ``detail``; one row per event, in time order
            within a path. Kinds are listed in :mod:`supplysim.engines.des.event_log`.

        Raises
        ------
        ValueError
            When the results carry no event log (the vector engine keeps none).
        """
        if self._events is None:
            raise ValueError("these results have no event log; run simulate(..., engine='des')")
        return self._events

    # -- plots -----------------------------------------------------------------------------
    def plot_story(self, path: int = 0, region: str = "Japan", axes: Any = None) -> tuple[Any, Any]:
        """One path's story in ``region``: licence backlog, arrivals, stockpile, shortage.

        See :func:`supplysim.results.plot.story`.
        """
        from supplysim.results import plot

        return plot.story(self, path, region, axes=axes)

    def plot_shortage(
        self,
        region: str | None = None,
        material: str | None = None,
        sector: str | None = None,
        share: bool = False,
        ax: Any = None,
    ) -> tuple[Any, Any]:
        """Fan chart of unmet demand per month; see :func:`supplysim.results.plot.shortage_fan`."""
        from supplysim.results import plot

        return plot.shortage_fan(self, region, material, sector, share=share, ax=ax)

    def plot_supply_by_origin(
        self, destination: str, material: str | Sequence[str], ax: Any = None
    ) -> tuple[Any, Any]:
        """Stacked area of mean shipments into ``destination`` by exporter [t/month].

        See :func:`supplysim.results.plot.supply_by_origin`.
        """
        from supplysim.results import plot

        return plot.supply_by_origin(self, destination, material, ax=ax)
