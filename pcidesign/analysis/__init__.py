"""Analyses over the model: matrices and scorecards (``matrices``), paths, fleet impact.

``pcidesign.analysis.matrix`` and friends are re-exported from :mod:`.matrices`.
"""

from pcidesign.analysis.matrices import (
    COLUMNS, FACETS, OUTCOME_DTYPE, SCOPES, WIDE_MEASURES, facet, matrix, pivot, scheme_notes, scorecard, scorecard_wide, sweep,
    worst_cells, worst_examples, written_forms,
)

__all__ = [
    "COLUMNS", "OUTCOME_DTYPE", "SCOPES", "WIDE_MEASURES", "FACETS", "facet", "matrix", "pivot", "scheme_notes", "scorecard",
    "scorecard_wide", "sweep", "worst_cells", "worst_examples", "written_forms",
]
