"""Render the explorer notebook's static view to ``docs/explore.png`` (the README's screenshot).

Runs ``notebooks/00_explore.ipynb`` with papermill (its parameters as given below), exports the
outputs to HTML without code, and takes a headless Chromium screenshot of it::

    .venv/bin/python docs/screenshot_explorer.py   # needs chromium (apt-get install chromium)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARAMS = {"variant": "model-subelement", "scenario": "restart", "timeline": "whatif", "intents": "default"}
SIZE = (1200, 1500)


def main() -> int:
    """Write docs/explore.png; exit 2 without chromium."""
    import papermill
    from nbconvert import HTMLExporter

    exe = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if exe is None:
        print("no chromium: apt-get install chromium", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        nb = Path(tmp) / "explore.ipynb"
        papermill.execute_notebook(str(ROOT / "notebooks" / "00_explore.ipynb"), str(nb), parameters=PARAMS,
                                   kernel_name="python3", progress_bar=False, cwd=tmp)
        body, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                               exclude_output_prompt=True).from_filename(str(nb))
        page = Path(tmp) / "explore.html"
        page.write_text(body, encoding="utf-8")
        target = ROOT / "docs" / "explore.png"
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--no-first-run", f"--user-data-dir={Path(tmp) / 'profile'}", "--hide-scrollbars",
                        f"--window-size={SIZE[0]},{SIZE[1]}", "--virtual-time-budget=10000",
                        f"--screenshot={target}", page.as_uri()], check=True, capture_output=True, timeout=120)
    from PIL import Image

    Image.open(target).convert("RGB").save(target, optimize=True)
    print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
