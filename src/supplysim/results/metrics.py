"""Statistics across Monte Carlo paths, as plain functions over DataArrays.

Every function here takes ``xarray.DataArray`` objects that carry a ``path`` dimension (one
entry per simulated path) and reduces over it, or prepares such arrays (group sums, shares).
Amounts keep the units of their input (e.g. [t/month]); shares and probabilities are [1].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

PATH = "path"
MONTH = "month"


def quantile_name(q: float) -> str:
    """Column name of a quantile: ``0.05 -> "p05"``, ``0.5 -> "p50"``, ``0.025 -> "p2.5"``.

    Parameters
    ----------
    q : float
        Quantile in [0, 1] [1].

    Returns
    -------
    str
        The column name.
    """
    pct = float(q) * 100.0
    if abs(pct - round(pct)) < 1e-9:
        return f"p{int(round(pct)):02d}"
    return f"p{pct:g}"


def check_quantiles(quantiles: Sequence[float]) -> tuple[float, ...]:
    """Validate quantiles and return them as a tuple of floats.

    Parameters
    ----------
    quantiles : sequence of float
        Quantiles, each in [0, 1] [1].

    Returns
    -------
    tuple of float
        The quantiles.

    Raises
    ------
    ValueError
        If a value lies outside [0, 1] or two give the same column name.
    """
    qs = tuple(float(q) for q in quantiles)
    bad = [q for q in qs if not 0.0 <= q <= 1.0]
    if bad:
        raise ValueError(f"quantiles must lie in [0, 1], got {bad}")
    names = [quantile_name(q) for q in qs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate quantiles: {list(qs)}")
    return qs


def path_stats(
    da: xr.DataArray, quantiles: Sequence[float] = (0.05, 0.5, 0.95), dim: str = PATH
) -> dict[str, xr.DataArray]:
    """Mean and quantiles of ``da`` across paths.

    Parameters
    ----------
    da : xarray.DataArray
        Values per path, any units [u].
    quantiles : sequence of float
        Quantiles to compute [1] (linear interpolation between paths).
    dim : str
        The path dimension.

    Returns
    -------
    dict of str to xarray.DataArray
        ``"mean"`` then one entry per quantile named by :func:`quantile_name` [u].
    """
    qs = check_quantiles(quantiles)
    values = da.astype(np.float64)
    out = {"mean": values.mean(dim, skipna=False)}
    if qs:
        qa = values.quantile(list(qs), dim=dim, skipna=False)
        for i, q in enumerate(qs):
            out[quantile_name(q)] = qa.isel(quantile=i, drop=True)
    return out


def sum_to(da: xr.DataArray, keep: Sequence[str]) -> xr.DataArray:
    """Sum ``da`` over every dimension not in ``keep``, in float64.

    Parameters
    ----------
    da : xarray.DataArray
        Amounts [u].
    keep : sequence of str
        Dimensions to keep.

    Returns
    -------
    xarray.DataArray
        Sums with the kept dimensions, in ``da``'s order [u].
    """
    drop = [d for d in da.dims if d not in keep]
    values = da.astype(np.float64)
    return values.sum(drop, skipna=False) if drop else values


def share(unmet: xr.DataArray, demand: xr.DataArray) -> xr.DataArray:
    """Unmet share of demand, 0 where demand is 0.

    Parameters
    ----------
    unmet : xarray.DataArray
        Unmet demand [t/month].
    demand : xarray.DataArray
        Demand, same shape [t/month].

    Returns
    -------
    xarray.DataArray
        ``unmet / demand`` where demand > 0, else 0 [1].
    """
    positive = demand > 0
    ratio = unmet / demand.where(positive, 1.0)
    return ratio.where(positive, 0.0)


def exceed_prob(values: xr.DataArray, threshold: float, dim: str = PATH) -> xr.DataArray:
    """Share of paths where ``values`` exceeds ``threshold``.

    Parameters
    ----------
    values : xarray.DataArray
        Values per path, e.g. unmet shares [1].
    threshold : float
        Strict lower bound, same units as ``values``.
    dim : str
        The path dimension.

    Returns
    -------
    xarray.DataArray
        Probability in [0, 1] [1].
    """
    return (values > threshold).mean(dim)


def any_exceed_prob(
    values: xr.DataArray,
    threshold: float,
    months: int | None = None,
    dim: str = PATH,
    month_dim: str = MONTH,
) -> xr.DataArray:
    """Share of paths with at least one month where ``values`` exceeds ``threshold``.

    Parameters
    ----------
    values : xarray.DataArray
        Values per path and month, e.g. unmet shares [1].
    threshold : float
        Strict lower bound, same units as ``values``.
    months : int or None
        Only look at the first ``months`` months [month]; all when None.
    dim, month_dim : str
        The path and month dimensions.

    Returns
    -------
    xarray.DataArray
        Probability in [0, 1] [1].
    """
    if months is not None:
        if int(months) < 1:
            raise ValueError(f"months must be >= 1, got {months}")
        values = values.isel({month_dim: slice(0, int(months))})
    return (values > threshold).any(month_dim).mean(dim)


def group_along(da: xr.DataArray, dim: str, keys: Mapping[str, Sequence[str]]) -> xr.DataArray:
    """Sum ``da`` over the members of ``dim`` that share the same key tuple.

    Parameters
    ----------
    da : xarray.DataArray
        Amounts with dimension ``dim`` [u].
    dim : str
        Dimension to group, e.g. ``"flow"``.
    keys : mapping of str to sequence of str
        Output name -> one label per member of ``dim``. Empty: sum over all of ``dim``.

    Returns
    -------
    xarray.DataArray
        ``dim`` replaced by ``"group"`` (sorted key tuples) with one coordinate per key [u].
    """
    values = da.astype(np.float64)
    if not keys:
        return values.sum(dim, skipna=False).expand_dims("group", axis=-1)
    frame = pd.DataFrame({name: np.asarray(v, dtype=object) for name, v in keys.items()})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(frame), sort=True)
    indicator = np.zeros((len(frame), len(uniques)))
    indicator[np.arange(len(frame)), codes] = 1.0
    weights = xr.DataArray(indicator, dims=(dim, "group"))
    out = xr.dot(values, weights, dim=dim)
    labels = pd.DataFrame(list(uniques), columns=list(keys))
    return out.assign_coords({n: ("group", labels[n].to_numpy(dtype=object)) for n in keys})


def tidy(
    columns: Mapping[str, xr.DataArray],
    order: Sequence[str],
    keep: xr.DataArray | None = None,
) -> pd.DataFrame:
    """Long table with one row per coordinate combination and one column per array.

    Parameters
    ----------
    columns : mapping of str to xarray.DataArray
        Column name -> values; all share the same dimensions.
    order : sequence of str
        Dimension order of the rows (outer first).
    keep : xarray.DataArray of bool, optional
        Rows where this is False are dropped.

    Returns
    -------
    pandas.DataFrame
        Index columns (dimensions and non-dimension coordinates) then ``columns``.
    """
    ds = xr.Dataset(dict(columns))
    if keep is not None:
        ds["_keep"] = keep
    if not ds.dims:
        df = pd.DataFrame({k: [v.item()] for k, v in ds.data_vars.items()})
    else:
        df = ds.to_dataframe(dim_order=list(order)).reset_index()
    if keep is not None:
        df = df[df.pop("_keep").to_numpy(dtype=bool)]
    if "group" in df.columns:
        df = df.drop(columns="group")
    return df.reset_index(drop=True)


TEXT_COLUMNS = frozenset({
    "stockpile", "holder", "material", "contract", "buyer", "seller", "finance", "project",
    "instrument", "recycler", "country", "market", "element", "policy"})


def quantile_names(quantiles: Sequence[float]) -> list[str]:
    """Checked column names of ``quantiles`` (``p05``, ``p50``, ...)."""
    return [quantile_name(q) for q in check_quantiles(quantiles)]


def empty_table(names: Sequence[str]) -> pd.DataFrame:
    """Table with no rows and columns ``names``: ``month`` datetimes, label text, else floats."""
    return pd.DataFrame({c: pd.Series(dtype=_empty_dtype(c)) for c in names})


def _empty_dtype(column: str) -> object:
    """dtype of a column of an empty table."""
    if column == "month":
        return "datetime64[ns]"
    if column in TEXT_COLUMNS:
        return str
    return np.float64


def stockpile_table(cols: dict | None, qnames: Sequence[str]) -> pd.DataFrame:
    """The ``stockpiles()`` table from ``(month, stockpile)`` DataArrays ``cols`` (``mean``,
    quantiles ``qnames`` [t] and ``p_empty`` [1], with ``holder`` and ``stockpile_material``
    coordinates); ``cols`` None gives the empty table."""
    names = ["month", "stockpile", "holder", "material", "mean", *qnames, "p_empty"]
    if cols is None:
        df = empty_table(names)
    else:
        df = tidy(cols, ("month", "stockpile"))
        df = df.rename(columns={"stockpile_material": "material"})[names]
    df.attrs["units"] = {c: "t" for c in ("mean", *qnames)} | {"p_empty": "1"}
    return df
