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


# -- scheduling under pytest-xdist (`make test`: -n 2) -------------------------------------------------
SHARED: dict[str, str] = {
    # a module whose tests share a costly module-scoped fixture
    "tests/integration/test_browser.py": "browser: the report the browser looks at is made once",
    "tests/integration/test_wheel.py": "wheel: built and installed once",
    "tests/integration/test_docs.py": "docs: the findings are computed once",
    "tests/unit/model/test_readme_scheme.py": "readme-scheme: the page's commands (a report among them) run once",
    "tests/unit/report/test_diff.py": "diff: the findings of its fixture are computed once",
    "tests/integration/test_calibrate_qemu.py::test_every_check_agrees_or_is_unmodelled":
        "qemu-calibration: the calibration against real QEMU runs once",
    "tests/integration/test_calibrate_qemu.py::test_the_migration_rules_agree_with_real_qemu_and_libvirt":
        "qemu-calibration: the calibration against real QEMU runs once",
    # `pcidesign findings` with no option (every question, robust): run one after the other in one
    # process, the answers its kept workers remember serve all three instead of each computing them
    "tests/unit/analysis/test_findings.py::test_json_lists_the_questions_with_a_row_per_variant":
        "findings-cli: every question, robust, computed once",
    "tests/unit/cli/test_hostile_more.py::test_cli_fuzz_exits_0_1_or_2_without_a_traceback":
        "findings-cli: every question, robust, computed once",
    "tests/unit/cli/test_widths.py::test_no_line_is_wider_than_the_terminal[findings]":
        "findings-cli: every question, robust, computed once",
}
"""Tests that one xdist worker runs together, one after the other: a node id (or a module's path,
for all of its tests) and the unit's name, a colon, and why. pytest-xdist's own ``xdist_group``
mark does not group under pytest 9.2 (pytest-xdist issue 1386: the node-id suffix it relies on is
lost), so the scheduler below reads this table instead."""


def shared_unit(nodeid: str) -> str | None:
    """The unit of :data:`SHARED` that ``nodeid`` belongs to, or None."""
    for key, why in SHARED.items():
        if nodeid == key or nodeid.startswith((key + "::", key + "[")):
            return why.split(":")[0]
    return None


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """With ``--dist loadgroup`` (pyproject.toml's default): each unit of :data:`SHARED` goes to one
    worker whole; every other test is a unit of its own, handed out in the collection's order (see
    :func:`pytest_collection_modifyitems`) to whichever worker is about to run out (a worker holds
    at most about two tests ahead)."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return shared_unit(nodeid) or nodeid

    return SharedScheduling(config, log)


def _long(item: pytest.Item) -> bool:
    """Whether ``item`` is of the long kind: the integration tier or a notebook run."""
    return "integration" in item.path.parts or item.get_closest_marker("notebook") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests under ``tests/integration/`` (real QEMU, browser, wheel, whole reports, notebooks)
    are marked ``slow``: ``make test-fast`` runs ``tests/unit`` only, ``make test`` both tiers.

    The modules holding long tests (see :func:`_long`) come first, each module whole and in its
    own order: the scheduler hands the tests out in this order (the units of :data:`SHARED`, of
    more than one test, before them), so the many short tests come last and fill the gaps, and no
    long test starts when the other worker is about to finish."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    long = {item.path for item in items if _long(item)}
    items.sort(key=lambda item: item.path not in long)  # stable: the order within each part is kept


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
