"""Write a :class:`~supplysim.results.Results` to disk: tables, run record, charts.

Every file is written atomically: first to a hidden temporary name in the target folder, then
moved into place with :func:`os.replace`, so readers never see a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from supplysim.errors import SupplysimError
from supplysim.results import plot
from supplysim.results.results import magnet_materials

TABLES: dict[str, tuple[str, dict[str, Any]]] = {
    "shortage_curve": ("shortage_curve", {"by": ("region", "sector", "material")}),
    "shortage_by_region": ("shortage_curve", {"by": ("region", "material")}),
    "prob_shortage": ("prob_shortage", {"by": ("region", "material")}),
    "flows": ("flows", {}),
    "stockpiles": ("stockpiles", {}),
    "prices": ("prices", {}),
    "payments": ("payments", {}),
    "tariff_revenue": ("tariff_revenue", {}),
}

#: Tables of the supply levers, written when the scenario uses the lever.
LEVER_TABLES = ("contracts", "recycling", "finance")


class OutputExistsError(SupplysimError):
    """An output folder holds a different run's results (and overwriting was not asked for)."""


#: Fields of ``run.json`` that say which run a results folder holds.
RUN_IDENTITY = ("scenario_hash", "seed", "runs", "version")


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then move it to ``path``.

    Parameters
    ----------
    path : path-like
        Final file name.
    write : callable
        Writes the content to the file name it is given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def _write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically."""
    return atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (numpy scalars, arrays, paths and dates converted)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _package_version(name: str) -> str:
    """Installed version of a distribution, or ``"unknown"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def run_record(results: Any) -> dict[str, Any]:
    """The content of ``run.json``: metadata, Dataset attributes and library versions.

    Parameters
    ----------
    results : Results
        Simulation results.

    Returns
    -------
    dict
        JSON-ready mapping.
    """
    attrs = dict(results.ds.attrs)
    version = attrs.get("version") or _package_version("supplysim")
    record = {
        "scenario": attrs.get("scenario", results.meta.get("scenario")),
        "scenario_hash": attrs.get("scenario_hash"),
        "seed": attrs.get("seed", results.meta.get("seed")),
        "runs": results.meta.get("paths", results.ds.sizes.get("path")),
        "version": str(version),
        "chunk_size": attrs.get("chunk_size"),
        "engine": attrs.get("engine"),
        "seconds": results.meta.get("seconds"),
        "versions": {
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "xarray": xr.__version__,
            "supplysim": str(version),
        },
        "meta": results.meta,
        "attrs": attrs,
    }
    return _jsonable(record)


def run_identity(record: dict[str, Any]) -> dict[str, str]:
    """Scenario hash, seed, runs and version of a ``run.json`` record, as strings.

    Parameters
    ----------
    record : dict
        Content of ``run.json`` (older records without ``runs``/``version`` are read from
        ``meta`` and ``versions``).

    Returns
    -------
    dict
        One entry per name in :data:`RUN_IDENTITY`.
    """
    runs = record.get("runs", (record.get("meta") or {}).get("paths"))
    version = record.get("version", (record.get("versions") or {}).get("supplysim"))
    values = dict(scenario_hash=record.get("scenario_hash"), seed=record.get("seed"), runs=runs,
                  version=version)
    return {k: str(v) for k, v in values.items()}


def check_output(out_dir: str | os.PathLike[str], identity: dict[str, Any],
                 overwrite: bool = False) -> None:
    """Refuse a folder whose ``run.json`` belongs to a different run.

    Parameters
    ----------
    out_dir : path-like
        The output folder (missing, empty or without ``run.json``: accepted).
    identity : dict
        The new run's ``scenario_hash``, ``seed``, ``runs`` and ``version``.
    overwrite : bool
        Accept the folder whatever it holds.

    Raises
    ------
    OutputExistsError
        Naming the folder and what differs.
    """
    path = Path(out_dir) / "run.json"
    if overwrite or not path.is_file():
        return
    try:
        old = run_identity(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError) as exc:
        raise OutputExistsError(f"{Path(out_dir)} holds a run.json that cannot be read "
                                f"({exc}); use --overwrite (overwrite=True) to replace it") from None
    new = {k: str(identity.get(k)) for k in RUN_IDENTITY}
    diffs = [f"{k} {old[k]} != {new[k]}" for k in RUN_IDENTITY if old[k] != new[k]]
    if diffs:
        raise OutputExistsError(f"{Path(out_dir)} holds the results of a different run "
                                f"({'; '.join(diffs)}); use --overwrite (overwrite=True) "
                                "to replace them")


def write_tables(
    results: Any, out_dir: str | os.PathLike[str], netcdf: bool = False, overwrite: bool = False
) -> list[Path]:
    """Write the standard tables (CSV and Parquet), ``summary.csv`` and ``run.json``.

    The tables of :data:`LEVER_TABLES` are written too where the scenario has rows for them.

    Parameters
    ----------
    results : Results
        Simulation results.
    out_dir : path-like
        Folder, created if missing.
    netcdf : bool
        Also write the full Dataset to ``results.nc``.
    overwrite : bool
        Write even if the folder holds a different run's results (see :func:`check_output`);
        the same run may always be written again.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    OutputExistsError
        If ``out_dir`` holds a different run's ``run.json`` and ``overwrite`` is False.
    """
    out = Path(out_dir)
    record = run_record(results)
    check_output(out, run_identity(record), overwrite)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, (method, kwargs) in TABLES.items():
        df = getattr(results, method)(**kwargs)
        written.append(atomic_write(out / f"{name}.csv", lambda t, d=df: d.to_csv(t, index=False)))
        written.append(atomic_write(out / f"{name}.parquet", lambda t, d=df: d.to_parquet(t)))
    for name in LEVER_TABLES:
        df = getattr(results, name)() if hasattr(results, name) else None
        if df is not None and len(df):
            written.append(atomic_write(out / f"{name}.csv", lambda t, d=df: d.to_csv(t, index=False)))
            written.append(atomic_write(out / f"{name}.parquet", lambda t, d=df: d.to_parquet(t)))
    summary = results.summary()
    written.append(atomic_write(out / "summary.csv", lambda t: summary.to_csv(t, index=False)))
    text = json.dumps(record, indent=2, sort_keys=False) + "\n"
    written.append(_write_text(out / "run.json", text))
    if netcdf:
        written.append(atomic_write(out / "results.nc", results.ds.to_netcdf))
    return written


def slug(text: str) -> str:
    """File-name-safe lower-case form of a label: ``"United States" -> "united_states"``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def _save_figure(path: Path, draw: Callable[[Any], Any]) -> Path:
    """Call ``draw(ax=...)`` on a fresh off-screen figure (no pyplot state), save as PNG."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    draw(ax=fig.add_subplot())
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))


def write_plots(results: Any, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write PNG charts: a shortage fan chart per region and magnet material, and supply by
    origin per region that receives magnet shipments.

    Parameters
    ----------
    results : Results
        Simulation results.
    out_dir : path-like
        Folder, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written: ``shortage_<region>_<material>.png``,
        ``supply_by_origin_<region>.png`` and ``price_<element>.png``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ds = results.ds
    materials = magnet_materials(ds)
    if "demand_t" in ds.data_vars:
        demand = ds["demand_t"].sum(("path", "month", "sector"))
    else:  # streamed results: means only
        demand = ds["demand_mean"].sum(("month", "sector"))
    written: list[Path] = []
    for region in map(str, ds["region"].values):
        for material in materials:
            if float(demand.sel(region=region, material=material)) > 0:
                path = out / f"shortage_{slug(region)}_{slug(material)}.png"
                fan = partial(plot.shortage_fan, results, region=region, material=material)
                written.append(_save_figure(path, fan))
        if _receives(ds, region, materials):
            path = out / f"supply_by_origin_{slug(region)}.png"
            area = partial(plot.supply_by_origin, results, region, materials)
            written.append(_save_figure(path, area))
    if "price_usd_per_kg" in ds.data_vars:
        for element in map(str, ds["element"].values):
            fan = partial(plot.prices, results, element)
            written.append(_save_figure(out / f"price_{slug(element)}.png", fan))
    return written


def _receives(ds: xr.Dataset, destination: str, materials: list[str]) -> bool:
    """Whether any flow of ``materials`` goes to ``destination``."""
    if "flow" not in ds.dims:
        return False
    mask = (ds["destination"] == destination) & ds["flow_material"].isin(materials)
    return bool(mask.any())
