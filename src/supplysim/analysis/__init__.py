"""Analysis on top of :func:`supplysim.simulate`: sampling of uncertain inputs, experiments,
global sensitivity (SALib), scenario discovery (PRIM), scenario comparison, stockpile sizing
and an HTML report.

>>> from supplysim.analysis import uncertain_inputs
>>> import supplysim
>>> sorted(uncertain_inputs(supplysim.load_scenario("china_licensing_2025")))
['policies.mofcom_no18.approval_prob', 'policies.mofcom_no18.review_delay_days']
"""

from __future__ import annotations

from supplysim.analysis.compare import Comparison, compare
from supplysim.analysis.discovery import PrimResult, discover, prim
from supplysim.analysis.experiments import (
    Metric,
    expected_unmet_t,
    p_any_month_over,
    run_experiments,
)
from supplysim.analysis.report import write_report
from supplysim.analysis.sampling import sample_inputs, uncertain_inputs, with_values
from supplysim.analysis.sensitivity import morris_screening, plot_indices, sobol_indices
from supplysim.analysis.sizing import SizingResult, size_stockpile

__all__ = [
    "Comparison", "Metric", "PrimResult", "SizingResult", "compare", "discover",
    "expected_unmet_t", "morris_screening", "p_any_month_over", "plot_indices", "prim",
    "run_experiments", "sample_inputs", "size_stockpile", "sobol_indices", "uncertain_inputs",
    "with_values", "write_report",
]  # fmt: skip
