"""Results of a simulation: tables, metrics, charts and files.

>>> from supplysim.results import Results, write_tables, write_plots
"""

from __future__ import annotations

from supplysim.results.io import write_plots, write_tables
from supplysim.results.results import Results, magnet_materials
from supplysim.results.streaming import SummarySpec
from supplysim.results.summary import NeedsPathsError, SummaryResults

__all__ = ["NeedsPathsError", "Results", "SummaryResults", "SummarySpec", "magnet_materials",
           "write_plots", "write_tables"]
