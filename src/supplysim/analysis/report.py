"""One self-contained HTML page about a run: assumptions, headline numbers, charts, tables."""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

import supplysim
from supplysim.analysis.sampling import default_world
from supplysim.results import magnet_materials, write_tables
from supplysim.results.io import atomic_write

__all__ = ["difference_table", "write_report"]

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}
td:first-child,th:first-child{text-align:left}img{max-width:100%;margin:0.5em 0}
.note{background:#fff8e0;border-left:4px solid #e0b000;padding:0.5em 1em}"""


def _png(draw: Callable[[Any], Any], size: tuple[float, float] = (8, 4.5)) -> str:
    """An ``<img>`` tag holding a base64 PNG of what ``draw(ax)`` draws (no pyplot state)."""
    fig = Figure(figsize=size, layout="constrained")
    draw(fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="chart" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    """An HTML table of ``df`` with numbers rounded."""
    return df.round(digits).to_html(index=False, border=0, escape=True, na_rep="")


def _scenario_of(results: Any, scenario: Any) -> tuple[Any, str]:
    """The scenario behind ``results`` and a note when it could not be confirmed."""
    if scenario is not None:
        return scenario, ""
    try:
        found = supplysim.load_scenario(results.scenario, world=default_world())
    except Exception:  # noqa: BLE001 - the page still renders without the assumptions
        return None, "The scenario file could not be found by name; assumptions not shown."
    if found.hash != str(results.ds.attrs.get("scenario_hash", found.hash)):
        return None, ("The bundled scenario of this name differs from the one simulated (hash "
                      "mismatch); pass scenario= to show its assumptions.")
    return found, ""


def _policies(scenario: Any) -> pd.DataFrame:
    """One row per policy: name, type and the other fields as text."""
    rows = []
    for p in scenario.to_dict()["policies"]:
        rest = {k: v for k, v in p.items() if k not in ("name", "type") and v is not None}
        rows.append({"name": p["name"], "type": p["type"],
                     "settings": "; ".join(f"{k}={v}" for k, v in rest.items())})
    return pd.DataFrame(rows, columns=["name", "type", "settings"])


def _assumptions(results: Any, scenario: Any, note: str) -> str:
    """The assumptions section."""
    meta, attrs = results.meta, results.ds.attrs
    items = [("scenario", results.scenario), ("paths", meta.get("paths")),
             ("seed", attrs.get("seed", meta.get("seed"))),
             ("scenario hash", attrs.get("scenario_hash")), ("engine", attrs.get("engine")),
             ("supplysim version", attrs.get("version"))]
    if scenario is not None:
        start = scenario.horizon.start.strftime("%Y-%m")
        lineage = " -> ".join(Path(str(p)).stem for p in scenario.lineage) or "none"
        items[1:1] = [("description", scenario.description),
                      ("horizon", f"{start} + {scenario.horizon.months} months"),
                      ("lineage", lineage)]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in items)
    out = f"<h2>Assumptions</h2><table>{rows}</table>"
    if note:
        out += f'<p class="note">{html.escape(note)}</p>'
    if scenario is not None:
        out += "<h3>Policies</h3>" + (_table(_policies(scenario)) if scenario.policies
                                      else "<p>No policies.</p>")
    return out


def difference_table(results: Any, base: Any) -> pd.DataFrame:
    """Summary of ``results`` next to that of ``base``, with differences.

    Parameters
    ----------
    results, base : Results
        The scenario and its reference (ideally the same seed and months).

    Returns
    -------
    pandas.DataFrame
        ``region``, ``material``, then for ``unmet_t`` [t], ``unmet_share`` and
        ``p_any_month_over_threshold`` [1]: the scenario value, the base value and
        ``<metric>_diff`` (scenario minus base).
    """
    cols = ["unmet_t", "unmet_share", "p_any_month_over_threshold"]
    keys = ["region", "material"]
    a = results.summary()[keys + cols]
    b = base.summary()[keys + cols]
    df = a.merge(b, on=keys, how="outer", suffixes=("", "_base"))
    for c in cols:
        df[f"{c}_diff"] = df[c] - df[f"{c}_base"]
    return df[keys + [f"{c}{s}" for c in cols for s in ("", "_base", "_diff")]]


def _same_months(a: Any, b: Any) -> bool:
    """Whether two runs cover the same months."""
    ma, mb = a.ds["month"].values, b.ds["month"].values
    return len(ma) == len(mb) and bool((ma == mb).all())


def _charts(results: Any) -> str:
    """Fan charts per region and magnet material, stockpiles, supply by origin."""
    ds = results.ds
    demand = ds["demand_t"].sum(("path", "month", "sector"))
    parts = ["<h2>Shortage by region (magnet materials)</h2>"]
    for region in map(str, ds["region"].values):
        for material in magnet_materials(ds):
            if float(demand.sel(region=region, material=material)) > 0:
                parts.append(_png(lambda ax, r=region, m=material:
                                  results.plot_shortage(region=r, material=m, ax=ax)))
    parts.append("<h2>Stockpile levels</h2>" + _stockpiles(results))
    parts.append("<h2>Prices</h2>" + _prices(results))
    parts.append("<h2>Supply by origin</h2>")
    for region in map(str, ds["region"].values):
        try:
            parts.append(_png(lambda ax, r=region:
                              results.plot_supply_by_origin(r, magnet_materials(ds), ax=ax)))
        except ValueError:  # no magnet flows into this region (e.g. the main producer)
            continue
    return "\n".join(parts)


def _stockpiles(results: Any) -> str:
    """Chart of mean stockpile levels and a table of the last month."""
    df = results.stockpiles()
    if df.empty:
        return "<p>No stockpiles in this run.</p>"

    def draw(ax: Any) -> None:
        for name, g in df.groupby("stockpile", sort=False):
            ax.plot(g["month"], g["mean"], label=f"{name} ({g['holder'].iloc[0]})")
        ax.set_xlabel("Month")
        ax.set_ylabel("Mean stockpile held at month end [t]")
        ax.set_yscale("symlog", linthresh=1.0)
        ax.set_title(f"{results.scenario}: stockpile levels (mean over paths)")
        ax.legend(fontsize="small", loc="upper right")
        ax.grid(alpha=0.3)

    last = df[df["month"] == df["month"].max()].drop(columns="month")
    return _png(draw) + "<p>Last month [t; p_empty: share of paths empty]:</p>" + _table(last)


def _prices(results: Any) -> str:
    """Price fan charts per element and the policy money of the run (floors, tariffs)."""
    if "price_usd_per_kg" not in results.ds or results.ds.sizes.get("element", 0) == 0:
        return "<p>No priced elements in this run.</p>"
    parts = ["<p>Oxide price indices of the China and ex-China markets (median, 5-95 % of "
             "paths) [USD/kg]; see the price rule in the README.</p>"]
    parts += [_png(lambda ax, e=str(e): results.plot_prices(e, ax=ax))
              for e in results.ds["element"].values]
    for title, df in (("Price floor payments", results.payments()),
                      ("Tariff revenue", results.tariff_revenue())):
        if len(df):
            total = df.groupby("policy", sort=False)["mean"].sum().rename("mean_total_usd")
            parts.append(f"<p>{title} over the horizon (mean over paths) [USD]:</p>"
                         + _table(total.reset_index()))
    return "\n".join(parts)


def _sensitivity(df: pd.DataFrame) -> str:
    """Sensitivity table and chart."""
    from supplysim.analysis.sensitivity import plot_indices

    size = (8, 0.5 * len(df) + 2.5)
    return "<h2>Sensitivity</h2>" + _table(df) + _png(lambda ax: plot_indices(df, ax=ax), size)


def write_report(results: Any, out_dir: str | os.PathLike[str], base: Any = None,
                 sensitivity: pd.DataFrame | None = None, scenario: Any = None,
                 overwrite: bool = False) -> Path:
    """Write ``report.html`` (charts embedded as base64 PNG) and the standard tables.

    Parameters
    ----------
    results : Results
        The run to report.
    out_dir : path-like
        Folder, created if missing; also receives the tables of
        :func:`supplysim.results.write_tables` (CSV and Parquet).
    base : Results, optional
        A reference run; adds a difference table (``difference.csv`` too).
    sensitivity : pandas.DataFrame, optional
        Output of :func:`~supplysim.analysis.sensitivity.sobol_indices` or
        :func:`~supplysim.analysis.sensitivity.morris_screening`.
    scenario : Scenario, optional
        The scenario simulated (default: the bundled scenario of the same name, if its hash
        matches).
    overwrite : bool
        Replace the tables of a different run already in ``out_dir``.

    Returns
    -------
    pathlib.Path
        Path of ``report.html``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_tables(results, out, overwrite=overwrite)
    scenario, note = _scenario_of(results, scenario)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = [f"<h1>supplysim report: {html.escape(results.scenario)}</h1><p>Written {when}.</p>",
            _assumptions(results, scenario, note),
            "<h2>Headline metrics</h2><p>Tonnes over the horizon (mean over paths) [t], shares "
            "[1].</p>" + _table(results.summary())]
    if base is not None:
        diff = difference_table(results, base)
        atomic_write(out / "difference.csv", lambda t: diff.to_csv(t, index=False))
        body.append(f"<h2>Versus {html.escape(base.scenario)}</h2><p>Scenario minus base; "
                    "tonnes [t], shares [1].</p>" + _table(diff))
        if not _same_months(results, base):
            body.append('<p class="note">The base covers other months than this run: totals '
                        "differ by horizon as well as by policy.</p>")
    body.append(_charts(results))
    if sensitivity is not None:
        body.append(_sensitivity(sensitivity))
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>supplysim: "
            f"{html.escape(results.scenario)}</title><style>{CSS}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
    return atomic_write(out / "report.html", lambda t: Path(t).write_text(page, "utf-8"))
