"""The thread's costs beside the computed metrics (issue 19): data/costs.csv, shown by compare
and, with --costs, axes of the Pareto front."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcidesign.analysis import compare, costs
from pcidesign.cli import main
from pcidesign.model import registry
from pcidesign.model.errors import DataError

from conftest import ROOT


def test_every_builtin_scheme_has_every_cost_with_its_source() -> None:
    table = costs.load_costs()
    for sid in registry.scheme_ids():
        assert set(table[sid]) == set(costs.COSTS), sid
        for c in table[sid].values():
            assert c.who and c.source and c.words
    assert costs.costs_of("model-subelement+fill=define-only") == table["model-subelement"]
    assert table["model-is-device"]["names-function"].who == "Laine Stump"


def test_a_bad_level_is_a_data_error(tmp_path: Path) -> None:
    good = (ROOT / "data" / costs.COSTS_FILE).read_text(encoding="utf-8")
    (tmp_path / costs.COSTS_FILE).write_text(good.replace(",low,", ",cheap,", 1), encoding="utf-8")
    with pytest.raises(DataError, match="unknown level 'cheap'"):
        costs.load_costs(tmp_path)


def test_costs_can_move_the_front() -> None:
    ids = ["status-quo", "model-subelement", "written-subtype+fill=define-only"]
    plain = compare.compare(ids, "real")
    priced = compare.compare(ids, "real", costs=True)
    front = lambda c: set(c.summary[c.summary["pareto"]]["variant"])  # noqa: E731
    # Idea 3's fill variant ties the shipped design on the metrics; its costs put it off the front
    assert "written-subtype+fill=define-only" in front(plain)
    assert "written-subtype+fill=define-only" not in front(priced)
    assert "compat-code (lower)" in priced.front_axes and "compat-code (lower)" not in plain.front_axes


def test_compare_json_carries_the_costs_with_their_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--variant", "model-is-device", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    c = record["variants"][0]["costs"]["names-function"]
    assert c["value"] == "high" and c["who"] == "Laine Stump" and "thread-laine" in c["source"]
