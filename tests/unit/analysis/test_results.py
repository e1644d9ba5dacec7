"""The results a report computes once are the cells and comparison each artefact would compute."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pcidesign import Setting
from pcidesign.analysis import compare, matrices
from pcidesign.analysis import results as _results

VARIANTS = ["model-subelement", "status-quo"]
SCENARIOS = ["restart", "migrate", "daemon-restart"]


def test_results_equal_what_each_artefact_computes(tmp_path: Path) -> None:
    st = Setting(timeline="whatif")
    res = _results.compute(VARIANTS, SCENARIOS, st)
    for scope in ("all", "naming"):
        for scns in (SCENARIOS, ["migrate"]):
            want = matrices.sweep(VARIANTS, scns, setting=st.replace(scope=scope))
            got = res.cells(scope, scns)
            pd.testing.assert_frame_equal(got, want)
            assert got.attrs["setting"] == st.replace(scope=scope)
    again = _results.load(res.save(tmp_path / "r.pkl"))
    pd.testing.assert_frame_equal(again.sweep, res.sweep)
    want_c = compare.compare(VARIANTS, None, "upstream", setting=st)
    pd.testing.assert_frame_equal(again.comparison.summary, want_c.summary)
    assert again.answers(VARIANTS, st.replace(scope="naming"), "upstream")
    assert not again.answers(VARIANTS, st.replace(machine="q35"), "upstream")
    assert not again.answers(VARIANTS[:1], st, "upstream")


def test_a_file_that_is_not_results_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(_results.ResultsError, match="cannot read the results file"):
        _results.load(bad)
    with pytest.raises(_results.ResultsError, match="cannot read"):
        _results.load(tmp_path / "missing.pkl")


def test_a_matrix_from_the_results_is_the_matrix() -> None:
    st = Setting(timeline="real")
    res = _results.compute(VARIANTS, SCENARIOS, st)
    assert res.holds("model-subelement", "migrate", st.replace(scope="naming"))
    assert not res.holds("model-subelement", "resave-roundtrip", st)
    assert not res.holds("impl-attribute", "migrate", st)
    for scope in ("all", "naming"):
        want = matrices.matrix("model-subelement", "migrate", setting=st.replace(scope=scope))
        pd.testing.assert_frame_equal(res.matrix("model-subelement", "migrate", scope), want)
