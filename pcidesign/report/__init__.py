"""The batch report: papermill over the notebook grid, then the index page."""
