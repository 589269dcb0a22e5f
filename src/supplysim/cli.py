"""Command-line interface: ``supplysim run | validate | list``.

Scenario and data errors print one line, ``error: <message>``, on stderr and exit with status
2; argparse usage errors exit 2 as usual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import supplysim
from supplysim.errors import DataError, ScenarioError

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
    run.set_defaults(handler=cmd_run)
    validate = sub.add_parser("validate", help="check a scenario file")
    validate.add_argument("scenario", metavar="SCENARIO", help="bundled name or path to a .yaml")
    validate.set_defaults(handler=cmd_validate)
    listing = sub.add_parser("list", help="list bundled scenarios")
    listing.set_defaults(handler=cmd_list)
    return parser


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
    kwargs: dict[str, Any] = {"runs": args.runs, "seed": args.seed, "progress": not args.quiet}
    if args.chunk_size is not None:
        kwargs["chunk_size"] = args.chunk_size
    results = supplysim.simulate(scenario, **kwargs)
    out = args.out if args.out is not None else Path("results") / str(scenario.name)
    written = write_tables(results, out) + write_plots(results, out)
    summary = results.summary()
    summary = summary[summary["material"].isin(magnet_materials(results.ds))]
    print(f"{scenario.name}: {args.runs:,} paths, seed {args.seed}")
    print(format_summary(summary))
    print(f"wrote {len(written)} files to {out}")
    return EXIT_OK


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
    except (ScenarioError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
