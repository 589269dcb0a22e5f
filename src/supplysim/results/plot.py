"""Charts of a :class:`~supplysim.results.Results` (duck-typed: anything with ``.ds``).

Each function returns ``(fig, ax)``. When ``ax`` is None a new figure is created with
``matplotlib.pyplot.subplots`` (so scripts can ``plt.show()``); nothing here shows or closes
figures, and no other pyplot state is touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.ticker import FuncFormatter

from supplysim.results import metrics

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _new_axes(ax: Any) -> tuple[Any, Any]:
    """Return ``(fig, ax)``, creating a figure when ``ax`` is None."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(8, 4.5), layout="constrained")


def _date_axis(ax: Any) -> None:
    """Compact month labels on the x axis."""
    locator = AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def _finish(ax: Any, ylabel: str, title: str, ylim0: bool = True, **legend: Any) -> None:
    """Label a monthly chart: axis labels, title, zero floor, date ticks, legend and grid."""
    ax.set_ylabel(ylabel)
    ax.set_xlabel("Month")
    ax.set_title(title)
    if ylim0:
        ax.set_ylim(bottom=0)
    _date_axis(ax)
    ax.legend(loc="upper left", **legend)
    ax.grid(alpha=0.3)


def _scenario(results: Any) -> str:
    """Scenario name of a results object."""
    meta = getattr(results, "meta", {}) or {}
    return str(results.ds.attrs.get("scenario") or meta.get("scenario") or "scenario")


def _as_list(value: str | Sequence[str]) -> list[str]:
    """A label or list of labels as a list."""
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _select(da: xr.DataArray, dim: str, value: str | Sequence[str] | None) -> xr.DataArray:
    """Keep only ``value`` (a label or labels) along ``dim``; all when None."""
    if value is None:
        return da
    wanted = _as_list(value)
    known = [str(v) for v in da[dim].values]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(f"unknown {dim} {unknown}; known: {known}")
    return da.sel({dim: wanted})


def _label(value: str | Sequence[str] | None, everything: str) -> str:
    """Title fragment for a selection."""
    return everything if value is None else ", ".join(_as_list(value))


def shortage_paths(
    results: Any,
    region: str | Sequence[str] | None = None,
    material: str | Sequence[str] | None = None,
    sector: str | Sequence[str] | None = None,
    share: bool = False,
) -> xr.DataArray:
    """Per-path monthly unmet demand [t/month] (or unmet share [1]) of a selection.

    Parameters
    ----------
    results : Results
        Simulation results.
    region, material, sector : str, list of str or None
        Selection; None sums over all.
    share : bool
        Return unmet / demand of the selection instead of tonnes.

    Returns
    -------
    xarray.DataArray
        Dimensions (path, month).
    """
    parts = []
    for var in ("unmet_t", "demand_t"):
        da = results.ds[var]
        for dim, value in (("region", region), ("material", material), ("sector", sector)):
            da = _select(da, dim, value)
        parts.append(metrics.sum_to(da, ("path", "month")).transpose("path", "month"))
    unmet, demand = parts
    return metrics.share(unmet, demand) if share else unmet


def shortage_fan(
    results: Any,
    region: str | Sequence[str] | None = None,
    material: str | Sequence[str] | None = None,
    sector: str | Sequence[str] | None = None,
    share: bool = False,
    ax: Any = None,
) -> tuple[Any, Any]:
    """Fan chart of unmet demand: median, 25-75 % and 5-95 % bands across paths.

    Parameters
    ----------
    results : Results
        Simulation results.
    region, material, sector : str, list of str or None
        Selection; None sums over all.
    share : bool
        Plot the unmet share of demand [%] instead of tonnes [t/month].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    tuple
        ``(fig, ax)``.
    """
    if hasattr(results, "selection_stats"):  # streamed results: quantiles from histograms
        stats = results.selection_stats(region, material, sector, share=share,
                                        quantiles=FAN_QUANTILES)
    else:
        values = shortage_paths(results, region, material, sector, share=share)
        stats = metrics.path_stats(values, FAN_QUANTILES)
    scale = 100.0 if share else 1.0
    p = {k: v.to_numpy() * scale for k, v in stats.items()}
    months = stats["mean"]["month"].to_numpy()
    fig, ax = _new_axes(ax)
    ax.fill_between(months, p["p05"], p["p95"], alpha=0.2, color="C0", label="5-95 %")
    ax.fill_between(months, p["p25"], p["p75"], alpha=0.4, color="C0", label="25-75 %")
    ax.plot(months, p["p50"], color="C0", lw=2, label="median")
    unmet = results.ds.get("unmet_t")
    units = "t/month" if unmet is None else str(unmet.attrs.get("units", "t/month"))
    where = _label(region, "all regions")
    what = _label(material, "all materials")
    extra = "" if sector is None else f", {_label(sector, '')}"
    _finish(ax, "Unmet share of demand [%]" if share else f"Unmet demand [{units}]",
            f"{_scenario(results)}: unmet demand, {where}, {what}{extra}")
    return fig, ax


def prices(results: Any, element: str | None = None, ax: Any = None) -> tuple[Any, Any]:
    """Oxide price index of each market: median and 5-95 % band across paths [USD/kg].

    Parameters
    ----------
    results : Results
        Simulation results with ``price_usd_per_kg``.
    element : str, optional
        Element to plot; default the first one.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    tuple
        ``(fig, ax)``.
    """
    price = results.ds["price_usd_per_kg"]
    element = element or str(price["element"].values[0])
    months = price["month"].to_numpy()
    fig, ax = _new_axes(ax)
    for k, market in enumerate(map(str, price["market"].values)):
        stats = metrics.path_stats(price.sel(market=market, element=element), (0.05, 0.5, 0.95))
        ax.fill_between(months, stats["p05"], stats["p95"], alpha=0.2, color=f"C{k}")
        ax.plot(months, stats["p50"], color=f"C{k}", lw=2, label=f"{market} (median, 5-95 %)")
    _finish(ax, f"{element} oxide price [USD/kg]",
            f"{_scenario(results)}: {element} oxide price by market")
    return fig, ax


def shipped_var(ds: xr.Dataset) -> str:
    """Name of the shipments variable: per path (``shipped_t``) or streamed means."""
    return "shipped_t" if "shipped_t" in ds.data_vars else "shipped_mean"


def origin_means(
    results: Any, destination: str, material: str | Sequence[str]
) -> xr.DataArray:
    """Mean over paths of shipments into ``destination`` by exporter [t/month].

    Parameters
    ----------
    results : Results
        Simulation results.
    destination : str
        Importing country or region.
    material : str or list of str
        Material(s) summed together.

    Returns
    -------
    xarray.DataArray
        Dimensions (month, group) with coordinate ``exporter``.
    """
    shipped = results.ds[shipped_var(results.ds)]
    materials = _as_list(material)
    mask = (shipped["destination"] == destination) & shipped["flow_material"].isin(materials)
    if not bool(mask.any()):
        known = sorted({str(d) for d in shipped["destination"].values})
        raise ValueError(
            f"no flows of {materials} into {destination!r}; destinations: {known}"
        )
    chosen = shipped.isel(flow=np.flatnonzero(mask.to_numpy()))
    grouped = metrics.group_along(chosen, "flow", {"exporter": chosen["exporter"].values})
    if "path" in grouped.dims:
        grouped = grouped.mean("path")
    return grouped.transpose("month", "group")


def supply_by_origin(
    results: Any, destination: str, material: str | Sequence[str], ax: Any = None
) -> tuple[Any, Any]:
    """Stacked area of mean shipments into ``destination`` by exporter.

    Parameters
    ----------
    results : Results
        Simulation results.
    destination : str
        Importing country or region.
    material : str or list of str
        Material(s) summed together.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    tuple
        ``(fig, ax)``.
    """
    means = origin_means(results, destination, material)
    order = np.argsort(-means.sum("month").to_numpy(), kind="stable")
    exporters = [str(means["exporter"].values[i]) for i in order]
    series = [means.isel(group=i).to_numpy() for i in order]
    fig, ax = _new_axes(ax)
    ax.stackplot(means["month"].to_numpy(), *series, labels=exporters, alpha=0.85)
    units = str(results.ds[shipped_var(results.ds)].attrs.get("units", "t/month"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    title = (f"{_scenario(results)}: supply of {', '.join(_as_list(material))} "
             f"to {destination} by origin")
    _finish(ax, f"Mean shipped [{units}]", title, ylim0=False, fontsize="small")
    return fig, ax


def _backlog(ev, nodes: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Applications filed into ``nodes`` and not yet decided, as a step series (time, count)."""
    lic = ev[ev.kind.isin(["licence_filed", "licence_decision"]) & ev.counterpart.isin(nodes)]
    step = np.where(lic.kind.to_numpy() == "licence_filed", 1, -1)
    return lic.time.to_numpy(), np.cumsum(step)


def story(results: Any, path: int = 0, region: str = "Japan", axes: Any = None) -> tuple[Any, Any]:
    """One path of a discrete-event run, told for ``region`` in four panels.

    Licence applications pending for the region's importers [1], goods arriving in the region
    per month [t/month], its strategic stockpiles at month end [t], and its demand and unmet
    demand [t/month].

    Parameters
    ----------
    results : Results
        Results of ``simulate(..., engine="des")``.
    path : int
        Path index.
    region : str
        A demand region (country).
    axes : sequence of 4 matplotlib Axes, optional
        Axes to draw on (a new figure when None).

    Returns
    -------
    tuple
        ``(fig, axes)``.
    """
    ev = results.events()
    countries = ev.attrs.get("node_country", {})
    nodes = {n for n, c in countries.items() if c == region}
    if region not in [str(r) for r in results.ds["region"].values]:
        raise ValueError(f"unknown region {region!r}")
    ev = ev[ev.path == path]
    if axes is None:
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(4, 1, figsize=(9, 9), sharex=True, layout="constrained")
    fig = axes[0].figure
    times, pending = _backlog(ev, nodes)
    axes[0].step(times, pending, where="post", color="tab:purple")
    axes[0].set_ylabel("Licences\npending [1]")
    arr = ev[(ev.kind == "shipment_arrived") & ev.node.isin(nodes)]
    monthly = arr.groupby(arr.time.dt.to_period("M"), observed=True).tonnes.sum()
    axes[1].bar(monthly.index.to_timestamp(), monthly.to_numpy(), width=25, color="tab:blue")
    axes[1].set_ylabel("Arrivals\n[t/month]")
    ds = results.ds.isel(path=path)
    months = ds["month"].to_numpy()
    held = ds["stockpile_t"].where(ds["holder"] == region, drop=True)
    for name in held["stockpile"].values:
        axes[2].plot(months, held.sel(stockpile=name).to_numpy(), label=str(name))
    if held.sizes.get("stockpile", 0):
        axes[2].legend(fontsize="small")
    axes[2].set_ylabel("Stockpiles\n[t]")
    dem = ds["demand_t"].sel(region=region).sum(("sector", "material")).to_numpy()
    unmet = ds["unmet_t"].sel(region=region).sum(("sector", "material")).to_numpy()
    axes[3].plot(months, dem, color="0.4", label="demand")
    axes[3].fill_between(months, 0, unmet, color="tab:red", alpha=0.6, label="unmet")
    axes[3].set_ylabel("Magnets\n[t/month]")
    axes[3].legend(fontsize="small")
    for ax in axes:
        ax.grid(alpha=0.3)
    _date_axis(axes[3])
    axes[0].set_title(f"{_scenario(results)}: path {path}, {region}")
    return fig, axes
