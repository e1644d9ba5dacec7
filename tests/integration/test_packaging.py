"""The project's own packaging configuration builds without a setuptools warning (a licence
table, a folder missing from the package list, ...): `pip install -e .` and `make report` stay
quiet about pyproject.toml."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

# what setuptools prints about the project's configuration; pip's own notices about the machine's
# index configuration ("WARNING: Location ... is ignored") are not the project's and are left out
PROJECT_WARNING = re.compile(r"BuildBackendWarning|SetuptoolsDeprecationWarning|SetuptoolsWarning|"
                             r"is absent from the `packages` configuration|is deprecated")


def test_building_the_wheel_prints_no_setuptools_warning(tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(tmp_path), str(ROOT)],
                         capture_output=True, text=True, timeout=600)
    assert got.returncode == 0, got.stderr[-3000:]
    found = [line.strip() for line in (got.stdout + got.stderr).splitlines() if PROJECT_WARNING.search(line)]
    assert not found, "setuptools warns about the project's configuration:\n" + "\n".join(found[:20])
    assert list(tmp_path.glob("pcidesign-*.whl"))
