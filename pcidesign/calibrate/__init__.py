"""Calibration: the same inputs through real components, compared field by field with the model."""
