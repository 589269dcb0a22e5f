"""Command-line interface: ``supplysim run | validate | list | compare | sensitivity |
size-stockpile | report``.

Errors of the library (bad scenario or data, a checkpoint or output folder of a different run,
an unreachable scheduler, a backend whose dependency is missing; for the analysis verbs also bad
names or values) print one line, ``error: <message>``, on stderr and exit with status 2;
argparse usage errors exit 2 as usual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import supplysim
from supplysim.engines.backends import BACKENDS
from supplysim.errors import SupplysimError

EXIT_OK = 0
EXIT_USAGE = 2


def _int_at_least(minimum: int):
    """argparse type: an integer >= ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``supplysim`` command."""
    parser = argparse.ArgumentParser(
        prog="supplysim", description="Monte Carlo supply-chain risk simulation."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="simulate a scenario and write tables and charts")
    run.add_argument("scenario", metavar="SCENARIO", help="bundled name or path to a .yaml")
    run.add_argument("--runs", type=_int_at_least(1), default=1000, help="paths (default 1000)")
    run.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default 0)")
    run.add_argument("--out", type=Path, default=None, help="output folder")
    run.add_argument("--chunk-size", type=_int_at_least(1), default=None, help="paths per chunk")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--checkpoint", type=Path, default=None, metavar="DIR",
                     help="save each finished chunk in DIR; rerun the command to resume")
    run.add_argument("--restart", action="store_true",
                     help="discard a --checkpoint folder of a different run")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the chunks on the Dask cluster at ADDRESS")
    run.add_argument("--workers", type=_int_at_least(1), default=1, metavar="N",
                     help="run the chunks in N processes on this machine (default 1)")
    run.add_argument("--overwrite", action="store_true",
                     help="write into --out even if it holds a different run's results")
    run.add_argument("--stream", action="store_true",
                     help="keep running summaries instead of every path (flat memory; "
                          "quantiles from histograms)")
    run.add_argument("--backend", choices=BACKENDS, default="numpy",
                     help="what runs the months: numpy, or numba (compiled; same numbers; "
                          'needs pip install "supplysim[numba]") (default numpy)')
    run.set_defaults(handler=cmd_run)
    validate = sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("scenario", metavar="SCENARIO", help="bundled name or path to a .yaml")
    validate.set_defaults(handler=cmd_validate)
    listing = sub.add_parser("list", help="list bundled scenarios")
    listing.set_defaults(handler=cmd_list)
    _add_analysis(sub)
    return parser


def _common(p: argparse.ArgumentParser, runs: int, out_required: bool = False) -> None:
    """``--runs``, ``--seed`` and ``--out`` of an analysis verb."""
    p.add_argument("--runs", type=_int_at_least(1), default=runs, help=f"paths (default {runs})")
    p.add_argument("--seed", type=_int_at_least(0), default=0, help="random seed (default 0)")
    p.add_argument("--out", type=Path, required=out_required, default=None, help="output folder")


def _add_analysis(sub: Any) -> None:
    """The analysis verbs (see :mod:`supplysim.analysis`)."""
    p = sub.add_parser("compare", help="compare scenarios with a base (same seed and months)")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="bundled names or paths")
    p.add_argument("--base", required=True, help="the reference scenario")
    _common(p, 1000)
    p.set_defaults(handler=cmd_compare, analysis=True)
    p = sub.add_parser("sensitivity", help="Sobol or Morris sensitivity to uncertain inputs")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--method", choices=("sobol", "morris"), default="morris")
    p.add_argument("--n", type=_int_at_least(1), default=None,
                   help="Sobol base sample (power of 2, default 64) or Morris trajectories "
                        "(default 10)")
    p.add_argument("--metric", choices=("p_any", "expected_unmet"), default="p_any")
    p.add_argument("--region", default="Japan", help="demand region of the metric")
    _common(p, 128)
    p.set_defaults(handler=cmd_sensitivity, analysis=True)
    p = sub.add_parser("size-stockpile", help="smallest stockpile meeting a shortage target")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--holder", required=True, help="holding country")
    p.add_argument("--material", required=True, help="stocked material, e.g. oxide_Dy")
    p.add_argument("--target", type=float, default=0.05, help="largest probability (0.05)")
    p.add_argument("--threshold", type=float, default=0.1, help="unmet share of a bad month")
    p.add_argument("--months", type=_int_at_least(1), default=24, help="months counted (24)")
    p.add_argument("--confirm-runs", type=_int_at_least(1), default=2000)
    p.add_argument("--max-t", type=float, default=None, help="largest size tried [t]")
    _common(p, 512)
    p.set_defaults(handler=cmd_size_stockpile, analysis=True)
    p = sub.add_parser("report", help="write a self-contained HTML report")
    p.add_argument("scenario", metavar="SCENARIO")
    p.add_argument("--vs", default=None, metavar="BASE", help="reference scenario")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the results of a different run in --out")
    _common(p, 1000, out_required=True)
    p.set_defaults(handler=cmd_report, analysis=True)


def format_summary(df: Any, threshold: float = 0.1) -> str:
    """Text table of ``Results.summary()`` rows: tonnes with separators, shares in %.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :meth:`supplysim.results.Results.summary`.
    threshold : float
        The threshold used for ``p_any_month_over_threshold`` [1].

    Returns
    -------
    str
        The table, one line per row.
    """
    p_head = f"P(month>{threshold:.0%})"
    head = ("region", "material", "demand [t]", "unmet [t]", "unmet", "peak month", p_head)
    rows = [
        (
            str(r.region),
            str(r.material),
            f"{r.demand_t:,.0f}",
            f"{r.unmet_t:,.0f}",
            f"{r.unmet_share:.1%}",
            f"{r.peak_month_share:.1%}",
            f"{r.p_any_month_over_threshold:.1%}",
        )
        for r in df.itertuples(index=False)
    ]
    widths = [max(len(x[i]) for x in (head, *rows)) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:2], widths[:2])]
        right = [c.rjust(w) for c, w in zip(cells[2:], widths[2:])]
        return "  ".join(left + right).rstrip()

    return "\n".join([line(head), *map(line, rows)])


def cmd_run(args: argparse.Namespace) -> int:
    """``supplysim run``: simulate, write tables and charts, print a summary."""
    from supplysim.results import magnet_materials, write_plots, write_tables

    scenario = supplysim.load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / str(scenario.name)
    _check_out(out, scenario, args)
    kwargs: dict[str, Any] = {"runs": args.runs, "seed": args.seed, "progress": not args.quiet}
    if args.chunk_size is not None:
        kwargs["chunk_size"] = args.chunk_size
    if args.checkpoint is not None:
        kwargs.update(checkpoint=args.checkpoint, restart=args.restart)
    if args.stream:
        kwargs["store"] = "summary"
    if args.backend != "numpy":
        kwargs["backend"] = args.backend
    if args.workers > 1:
        if args.scheduler is not None:
            raise SupplysimError("--workers runs on this machine; --scheduler uses the cluster's")
        kwargs["workers"] = args.workers
    if args.scheduler is None:
        results = supplysim.simulate(scenario, **kwargs)
    else:
        from distributed import Client

        try:
            client = Client(args.scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise SupplysimError(f"cannot reach the Dask scheduler at {args.scheduler}: {exc}") from None
        with client:
            results = supplysim.simulate(scenario, client=client, **kwargs)
    written = write_tables(results, out, overwrite=args.overwrite) + write_plots(results, out)
    summary = results.summary()
    summary = summary[summary["material"].isin(magnet_materials(results.ds))]
    print(f"{scenario.name}: {args.runs:,} paths, seed {args.seed}")
    print(format_summary(summary))
    print(f"wrote {len(written)} files to {out}")
    return EXIT_OK


def _check_out(out: Path, scenario: Any, args: argparse.Namespace) -> None:
    """Refuse, before simulating, an output folder holding a different run's results."""
    from supplysim.results.io import check_output

    scenario_hash = getattr(scenario, "hash", None)
    if args.overwrite or not isinstance(scenario_hash, str):
        return
    identity = dict(scenario_hash=scenario_hash, seed=args.seed, runs=args.runs,
                    version=supplysim.__version__)
    check_output(out, identity)


def _lineage_text(scenario: Any) -> str:
    """Names of the scenarios this one extends, root first, or ``"none"``."""
    names = [Path(str(p)).stem for p in getattr(scenario, "lineage", ())]
    own = getattr(scenario, "file", None)
    own_stem = Path(str(own)).stem if own else str(scenario.name)
    if names and names[-1] == own_stem:
        names = names[:-1]
    return " -> ".join(names) if names else "none"


def cmd_validate(args: argparse.Namespace) -> int:
    """``supplysim validate``: load a scenario and print a one-line description."""
    scenario = supplysim.load_scenario(args.scenario)
    start = scenario.horizon.start
    start_text = start.strftime("%Y-%m") if hasattr(start, "strftime") else str(start)
    print(
        f"OK {scenario.name}: {len(scenario.policies)} policies, horizon {start_text} + "
        f"{scenario.horizon.months} months, extends {_lineage_text(scenario)}"
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    """``supplysim list``: bundled scenario names and descriptions."""
    entries = [(str(n), str(d or "")) for n, d in supplysim.list_scenarios()]
    width = max((len(n) for n, _ in entries), default=0)
    for name, description in entries:
        print(f"{name.ljust(width)}  {description}".rstrip())
    return EXIT_OK


def _out(args: argparse.Namespace, default: str) -> Path:
    """The output folder, created."""
    out = args.out if args.out is not None else Path("results") / default
    out.mkdir(parents=True, exist_ok=True)
    return out


def _save(fig: Any, path: Path) -> Path:
    """Save and close a figure."""
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _print_table(df: Any) -> None:
    """Print a DataFrame compactly."""
    print(df.to_string(index=False, float_format=lambda v: f"{v:,.3g}"))


def cmd_compare(args: argparse.Namespace) -> int:
    """``supplysim compare``: differences against a base, summary side by side."""
    from supplysim.analysis import compare
    from supplysim.results.io import slug

    comp = compare(args.scenarios, args.base, runs=args.runs, seed=args.seed)
    out = _out(args, "compare")
    summary = comp.summary()
    summary.to_csv(out / "compare_summary.csv", index=False)
    for name in comp.names:
        comp.difference_curve(name).to_csv(out / f"difference_{slug(name)}.csv", index=False)
        for region in sorted(set(summary["region"])):
            fig, _ = comp.plot_difference(name, region=region)
            _save(fig, out / f"difference_{slug(name)}_{slug(region)}.png")
    print(f"{', '.join(comp.names)} vs {comp.base}: {args.runs:,} paths, seed {args.seed}")
    _print_table(summary[summary["metric"] != "peak_month_share"])
    print(f"wrote files to {out}")
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``supplysim sensitivity``: Sobol indices or Morris screening of one metric."""
    from supplysim import analysis

    if args.metric == "p_any":
        metric = analysis.p_any_month_over(0.1, region=args.region)
    else:
        metric = analysis.expected_unmet_t(region=args.region)
    if args.method == "sobol":
        df = analysis.sobol_indices(args.scenario, None, metric, n=args.n or 64, runs=args.runs,
                                    seed=args.seed)
    else:
        df = analysis.morris_screening(args.scenario, None, metric, trajectories=args.n or 10,
                                       runs=args.runs, seed=args.seed)
    out = _out(args, "sensitivity")
    df.to_csv(out / "sensitivity.csv", index=False)
    _save(analysis.plot_indices(df)[0], out / "sensitivity.png")
    print(f"{args.method} sensitivity of {metric.label} [{metric.units}]")
    _print_table(df)
    print(f"wrote files to {out}")
    return EXIT_OK


def cmd_size_stockpile(args: argparse.Namespace) -> int:
    """``supplysim size-stockpile``: smallest stockpile meeting the target, and its curve."""
    from supplysim.analysis import size_stockpile

    res = size_stockpile(args.scenario, args.holder, args.material, target=args.target,
                         threshold=args.threshold, months=args.months, runs=args.runs,
                         seed=args.seed, confirm_runs=args.confirm_runs, max_t=args.max_t)
    out = _out(args, "size_stockpile")
    curve = res.cost_curve()
    curve.to_csv(out / "cost_curve.csv", index=False)
    _save(res.plot_cost_curve()[0], out / "cost_curve.png")
    print(res)
    _print_table(curve)
    print(f"wrote files to {out}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """``supplysim report``: simulate (and a base on the same months), write report.html."""
    from supplysim.analysis import write_report
    from supplysim.analysis.compare import on_horizon
    from supplysim.analysis.experiments import simulate_with
    from supplysim.results import magnet_materials

    scenario = supplysim.load_scenario(args.scenario)
    results = simulate_with(scenario, args.runs, args.seed)
    base = None
    if args.vs is not None:
        base_s = on_horizon(supplysim.load_scenario(args.vs), scenario.horizon.start,
                             scenario.horizon.months)
        base = simulate_with(base_s, args.runs, args.seed)
    path = write_report(results, args.out, base=base, scenario=scenario,
                        overwrite=args.overwrite)
    summary = results.summary()
    print(format_summary(summary[summary["material"].isin(magnet_materials(results.ds))]))
    print(f"wrote {path}")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    int
        Exit status: 0 on success, 2 for usage, scenario or data errors.
    """
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SupplysimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, KeyError) as exc:
        if not getattr(args, "analysis", False):
            raise
        text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {text}", file=sys.stderr)
        return EXIT_USAGE
