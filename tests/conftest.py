"""Shared fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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
