"""The model: facts (catalog), XML (xmlsafe, domain), dialects, the scheme registry, the engine.

Nothing here imports from the layers above (schemes, analysis, calibrate, render, report, cli);
``tests/unit/test_layers.py`` keeps it so.
"""
