"""Intents with any field and value (issue 23): ``CLASS[:DEVICE]/FIELD=VALUE...`` with fields of
the class is accepted wherever an intent is, made on demand; an unknown field or a value not of
the field's form exits 2 naming the class's fields or the form; a well-formed value out of range
is accepted here (each release answers it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import pcidesign
from pcidesign.cli import main
from pcidesign.model import params
from pcidesign.model.catalog import TargetError, parse_target
from pcidesign.model.dialect import strtol_base0
from pcidesign.model.errors import DataError, UnknownNameError

CAT = pcidesign.load_catalog()
OWN = ["pci-bridge/chassisNr=6", "pci-bridge/chassisNr=256", "pcie-root-port/port=16",
       "pcie-root-port:ioh3420/port=0x10", "pcie-root-port/chassis=3/port=0x11", "pci-bridge/chassisNr=05"]


@pytest.mark.parametrize("iid", OWN)
def test_a_users_own_values_make_an_intent(iid: str) -> None:
    assert iid not in CAT.intents
    it = CAT.intent(iid)
    base = CAT.intents[iid.split("/")[0]]
    assert (it.id, it.cls, it.device) == (iid, base.cls, base.device)
    assert it.target == tuple(tuple(p.split("=")) for p in iid.split("/")[1:])
    assert "not in data/intents.csv" in it.note
    assert CAT.intent(iid) is it  # one object: every cache keyed on it is shared


@pytest.mark.parametrize("iid", OWN)
def test_matrix_runs_for_a_users_own_values(iid: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--scheme", "model-subelement", "--scenario", "restart", "--timeline", "real",
                 "--intent", iid, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.strip().splitlines()[1:]
    assert rows and all(f",{iid}," in r for r in rows)


def test_explain_and_paths_take_a_users_own_values(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--scheme", "model-subelement", "--scenario", "restart", "--intent",
                 "pci-bridge/chassisNr=010", "--from", "3.2.0", "--to", "9.0.0"]) == 0
    out = capsys.readouterr().out
    assert '<target chassisNr="010"/>' in out and "chassis_nr=8" in out  # libvirt reads 010 as octal 8
    assert main(["paths", "--scheme", "model-subelement", "--intent", "pcie-root-port/port=16", "--max-hops", "1",
                 "--timeline", "real", "--format", "json"]) == 0
    assert '"pcie-root-port/port=16"' in capsys.readouterr().out


def test_questions_explorer_and_notebook_parameters_take_a_users_own_values() -> None:
    from pcidesign.analysis.questions import select_intents
    from pcidesign.report.explorer import intent_ids

    assert [i.id for i in select_intents(CAT, ["pci-root", "pci-bridge/chassisNr=7"])] == \
        ["pci-root", "pci-bridge/chassisNr=7"]
    assert intent_ids("pci-bridge/chassisNr=7", CAT) == ["pci-bridge/chassisNr=7"]
    params.check(intent="pcie-root-port/port=0x10", intents=["pci-bridge/chassisNr=300"])


@pytest.mark.parametrize("iid, words", [
    ("pci-bridge/nosuchfield=1", ["nosuchfield", "valid: chassisNr"]),
    ("pcie-root-port/chassisNr=1", ["chassisNr", "valid: chassis, port"]),
    ("pci-root/chassis=1", ["the class has no <target> values"]),
    ("pci-bridge/chassisNr=abc", ["'abc'", "decimal, hex with 0x, or octal with a leading 0", "1 to 255"]),
    ("pci-bridge/chassisNr=08", ["'08'", "octal"]),
    ("pci-bridge/chassisNr=", ["decimal, hex with 0x"]),
    ("pci-bridge/chassisNr", ["decimal, hex with 0x"]),
    ("pci-bridge/chassisNr=1/chassisNr=2", ["given twice"]),
    ("nosuch/chassisNr=1", ["unknown intent 'nosuch'", "pci-bridge"]),
    ("q35-auto/chassis=1", ["unknown intent 'q35-auto'"]),
    ("pci-bridge/chassisNr=5/chassisNr=5", ["given twice"]),
])
def test_a_bad_field_or_value_exits_2_naming_the_fields_or_the_form(iid: str, words: list[str],
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--scheme", "model-subelement", "--scenario", "restart", "--intent", iid]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for w in words:
        assert w in err, err
    with pytest.raises(UnknownNameError):
        CAT.intent(iid)


def test_the_range_is_not_checked_when_parsing_but_the_form_is() -> None:
    assert parse_target("pci-bridge", "chassisNr=0") == (("chassisNr", "0"),)
    assert parse_target("pcie-root-port", "port=0x1ff/chassis=-1") == (("port", "0x1ff"), ("chassis", "-1"))
    assert parse_target("pci-bridge", "chassisNr=" + "9" * 10_000)  # well formed; each release answers it
    with pytest.raises(TargetError):
        parse_target("pci-bridge", "chassisNr=1_0")
    with pytest.raises(ValueError):  # still a ValueError for callers that caught one
        parse_target("pci-bridge", "chassisNr=0x")


@pytest.mark.parametrize("text, number", [("010", 8), ("0x10", 16), ("0X1f", 31), ("16", 16), ("0", 0), ("-3", -3),
                                          ("08", None), ("1_0", None), ("", None), ("9" * 10_000, None)])
def test_target_values_are_read_as_strtol_base_0(text: str, number: int | None) -> None:
    assert strtol_base0(text) == number


def test_a_leading_zero_in_intents_csv_is_octal_and_a_bad_one_names_file_row_and_form(data_copy: Path) -> None:
    p = data_copy / "intents.csv"
    original = p.read_text(encoding="utf-8")
    p.write_text(original + "pci-bridge/chassisNr=05,pci-bridge,,octal five\n", encoding="utf-8")
    assert pcidesign.load_catalog(data_copy).intent("pci-bridge/chassisNr=05").target == (("chassisNr", "05"),)
    other = data_copy.parent / "other"  # a second folder: the catalog of a folder is loaded once
    shutil.copytree(data_copy, other)
    (other / "intents.csv").write_text(original + "pci-bridge/chassisNr=09,pci-bridge,,not octal\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        pcidesign.load_catalog(other)
    text = str(info.value)
    assert text.startswith("intents.csv, row ") and "'09'" in text and "octal with a leading 0" in text
    assert "invalid literal" not in text


def test_a_value_a_release_refuses_is_that_releases_rejected_with_its_message() -> None:
    """chassisNr=256: a release that knows chassisNr refuses it at define with its own words
    (0-255 up to 1.3.4, 1-255 from 2.5.0); the one that cannot write chassisNr cannot express it;
    chassisNr=6 is accepted everywhere it can be written. The path search starts no guest where
    the matrix's define is refused, and says so the same way."""
    from pcidesign.analysis.paths import explore, follow, replay

    m = pcidesign.matrix("model-subelement", "restart", intents=["pci-bridge/chassisNr=256"], scope="all")
    same = m[m["from"] == m["to"]].set_index("from")
    assert same.loc["1.2.18", "outcome"] == "not-expressible"
    assert same.loc["1.2.19", "outcome"] == "rejected" and "must be 0-255" in same.loc["1.2.19", "detail"]
    assert same.loc["4.0.0", "outcome"] == "rejected" and "must be 1-255" in same.loc["4.0.0", "detail"]
    ok = pcidesign.matrix("model-subelement", "restart", intents=["pci-bridge/chassisNr=6"], scope="all")
    assert (ok[(ok["from"] == ok["to"]) & (ok["from"] != "1.2.18")]["outcome"] == "ok").all()
    iid = "pci-bridge/chassisNr=256"
    assert follow("model-subelement", iid, "4.0.0", [("restart", "4.0.0")]) == (pcidesign.Outcome.REJECTED, 0)
    w = replay("model-subelement", iid, "4.0.0", [("restart", "4.0.0")])
    assert w.outcome is pcidesign.Outcome.REJECTED and w.hops == 0 and "must be 1-255" in w.reason
    e = explore("model-subelement", "real", 1, intents=[iid])
    assert pcidesign.Outcome.REJECTED in e.witnesses and pcidesign.Outcome.NOT_EXPRESSIBLE in e.witnesses


@pytest.mark.parametrize("iid", ["pci-root/", "pci-bridge/"])
def test_a_slash_with_nothing_after_it_is_refused_naming_the_fields(iid: str) -> None:
    with pytest.raises(TargetError, match="valid: "):
        CAT.intent(iid)
