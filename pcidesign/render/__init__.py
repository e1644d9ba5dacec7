"""Figures and text from analysis frames: heatmaps, path diagrams, fleet bars, explanations.

Render knows no XML parsing and no registry: it draws what the analyses computed (a table
names variants with the function it is given, the registry's ``name_of``).
"""
