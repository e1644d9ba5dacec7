"""Shared fixtures."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests are repeatable by default: the same examples on every run, so that CI passes or
# fails for the change and not for the seed; HYPOTHESIS_PROFILE=explore searches new examples.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

import pcidesign
from pcidesign.model.catalog import DATA_DIR, Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The package's own catalog."""
    return pcidesign.load_catalog()


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the CSV files of ``data/`` (not the fleet sample)."""
    dst = tmp_path / "data"
    dst.mkdir()
    for f in DATA_DIR.glob("*.csv"):
        shutil.copy(f, dst / f.name)
    return dst


@pytest.fixture(autouse=True)
def _columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the width a command has with no terminal (100 columns): pytest-xdist's
    workers set ``COLUMNS=80``, a terminal its own, and tables wrap by ``$COLUMNS``. A test that
    means another width sets it itself."""
    monkeypatch.setenv("COLUMNS", "100")


ROOT = Path(__file__).resolve().parents[1]
"""The repository's root folder."""

TESTS = ROOT / "tests"
"""The tests' folder (golden files, test data)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under ``tests/integration/`` (real QEMU, browser, wheel, whole reports, notebooks)
    are marked ``slow``: ``make test-fast`` runs ``tests/unit`` only, ``make test`` both tiers."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.slow)


BROWSERS = ("chromium", "chromium-browser", "google-chrome")
"""The headless browsers the browser tests drive, in order of preference."""


def chromium(purpose: str) -> str:
    """The first browser of :data:`BROWSERS` on the PATH, or a skip saying how to install one
    and what it was for (``purpose``)."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip(f"no Chromium: install it with 'apt-get install chromium' to {purpose}")
