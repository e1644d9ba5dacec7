"""The command line: names, formats and exit statuses (0 ok, 1 analysis failure, 2 bad usage)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import pcidesign

from pcidesign import run, scheme_ids
from pcidesign.cli import main
from conftest import TESTS

GOLDEN_INPUT = TESTS / "golden" / "input"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_listings(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "schemes", "--format", "json")
    assert code == 0
    ids = [row["id"] for row in json.loads(out)]
    assert ids[0] == "status-quo" and "model-subelement" in ids and ids == list(scheme_ids())
    code, out, _ = cli(capsys, "releases", "--timeline", "whatif", "--format", "csv")
    assert code == 0 and [r["release"] for r in csv.DictReader(io.StringIO(out))][-2:] == ["H1", "H2"]
    code, out, _ = cli(capsys, "intents")
    assert code == 0 and "pcie-root-port:ioh3420" in out


def test_matrix_csv_columns_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "matrix", "--scheme", "model-subelement", "--scenario", "restart",
                       "--intent", "pcie-root-port", "--intent", "pci-bridge", "--format", "csv", "--scope", "all")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["scheme", "scenario", "timeline", "intent", "from", "to", "outcome", "detail"]
    n = len(pcidesign.load_catalog().timeline("real"))
    assert len(rows) == 2 * n * n
    cell = next(r for r in rows if r["intent"] == "pcie-root-port" and r["from"] == "1.2.19" and r["to"] == "3.2.0")
    assert cell["outcome"] == "ok"
    assert cell["outcome"] == run("model-subelement", "restart", "pcie-root-port", "1.2.19", "3.2.0").outcome.value


def test_matrix_without_intent_covers_all(capsys: pytest.CaptureFixture[str], catalog) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(capsys, "matrix", "--scheme", "status-quo", "--scenario", "migrate", "--timeline", "whatif",
                       "--format", "json", "--scope", "all")
    n = len(catalog.timeline("whatif"))
    assert code == 0 and len(json.loads(out)) == len(catalog.intents) * n * n
    # the default scope (naming) leaves out exactly the cells where every scheme fails alike
    from pcidesign.analysis.scope import left_out
    gone = left_out(catalog, list(catalog.intents.values()), catalog.timeline("whatif"))
    code, out, _ = cli(capsys, "matrix", "--scheme", "status-quo", "--scenario", "migrate", "--timeline", "whatif",
                       "--format", "json")
    assert code == 0 and gone.classes > 0 and gone.target > 0
    assert len(json.loads(out)) == len(catalog.intents) * n * n - gone.total


def test_explain_prints_each_hop_and_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "explain", "--scheme", "written-subtype", "--scenario", "resave-roundtrip",
                       "--intent", "dmi-to-pci-bridge", "--from", "1.2.18", "--to", "1.2.19")
    assert code == 0
    assert out.count("== step") == 4 and "subType=\"dmi-to-pci-bridge\"" in out
    assert out.strip().split("\n\n")[-1].startswith("verdict: domain-lost")  # the last paragraph (wrapped)


@pytest.mark.parametrize("args,needle", [
    (("matrix", "--scheme", "idea-9", "--scenario", "restart"), "valid: status-quo"),
    (("matrix", "--scheme", "status-quo", "--scenario", "reboot"), "valid: restart"),
    (("matrix", "--scheme", "status-quo", "--scenario", "restart", "--timeline", "x"), "valid: real, whatif"),
    (("matrix", "--scheme", "status-quo", "--scenario", "restart", "--intent", "nic"), "unknown intent 'nic'"),
    (("explain", "--scheme", "status-quo", "--scenario", "restart", "--intent", "pci-bridge", "--from", "H1",
      "--to", "9.0.0"), "unknown release 'H1' in timeline 'real'"),
    (("roundtrip", "--scheme", "status-quo", "--release", "7.0.0", "x.xml"), "valid: 1.2.18"),
])
def test_bad_names_exit_2_with_valid_values(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], needle: str) -> None:
    code, out, err = cli(capsys, *args)
    assert code == 2 and needle in err and "Traceback" not in err and out == ""


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--scenario", "restart"]) == 2  # argparse's usage error, returned as the exit status


def test_roundtrip_saved_migratable_and_rejected(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    q35 = str(GOLDEN_INPUT / "q35-2015-classes.xml")
    code, out, _ = cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "3.2.0", q35)
    assert code == 0 and '<model name="pcie-root-port"/>' in out  # 3.2.0 on QEMU 2.9: the generic port
    code, out, _ = cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "3.2.0", "--qemu", "2.8.0", q35)
    assert code == 0 and '<model name="ioh3420"/>' in out and "pcie-root-port\"/>" not in out
    code, out, err = cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "1.2.18", "--migratable",
                         str(GOLDEN_INPUT / "q35-every-class.xml"))
    assert code == 1 and out == "" and "Unknown model type 'pcie-root-port'" in err
    code, out, err = cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "9.0.0",
                         str(tmp_path / "missing.xml"))
    assert code == 2 and "cannot read" in err


def test_matrix_scope_naming(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "matrix", "--scheme", "status-quo", "--scenario", "restart", "--intent", "pcie-root-port",
                       "--scope", "naming", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and "1.2.18" not in {r["from"] for r in rows} | {r["to"] for r in rows}
    assert {r["outcome"] for r in rows} == {"ok"}


@pytest.mark.parametrize("argv, words", [
    (["fleet", ""], "must not be empty (say '.' for the current folder)"),
    (["paths", "--scheme", "model-subelement", "--fail-on", ""], "--fail-on needs an outcome"),
    (["paths", "--scheme", "model-subelement", "--all-schemes"], "not both"),
    (["matrix", "--scheme", "model-subelement", "--scenario", "restart", "--intent", "pci-bridge",
      "--intent", "pci-bridge"], "lists a value twice"),
    (["fleet", "data/fleet-sample", "--target", "1.2.18", "--target", "1.2.18"], "lists a value twice"),
    (["paths", "--scheme", "model-subelement", "--max-hops", "100000"], "from 1 to 50"),
])
def test_empty_and_repeated_values_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], words: str) -> None:
    """Issue 14, items 2, 6 and 8: no empty string taken as a default, no value counted twice."""
    code, _, err = cli(capsys, *argv)
    assert code == 2 and words in err and "Traceback" not in err


def test_huge_counts_print_in_scientific_form() -> None:
    from pcidesign.render.text import count

    assert count(6_523_070) == "6,523,070"
    assert count(1_970_720_042 * 10**6) == "1.97e+15"
    assert count(7 * 10**20000) == "7.00e+20000"  # past Python's int-to-text limit
