"""Output safety (issue 14, items 5, 11 and 12).

- Control characters from input files (ESC in a file name; C1 controls and bidi overrides in a
  domain name, a ``model`` value or a namespace URI that lxml quotes in its error message) never
  reach the terminal raw: not in the CLI's error messages, not in ``fleet``'s table, CSV or JSON.
- A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) is
  neutralised with a leading single quote in ``fleet --format csv`` and in the report's CSV files
  (``worst.csv``); numbers are left alone.
- ``02_matrix``'s ``explain``: a negative or non-integer value is a ParameterError naming the
  parameter and its range; 0 says the explanations are turned off, not "No cell fails".
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.model.params import ParameterError
from pcidesign.model.safetext import csv_cell, printable, safe_frame
from pcidesign.model.xmlsafe import display
from pcidesign.report.params import Outputs, check_params
from conftest import ROOT

ESC, CSI, RLO, LRI, PDI = "\x1b", "\x9b", "\u202e", "\u2066", "\u2069"
HOSTILE = f"{ESC}[2J{CSI}31m{RLO}{LRI}{PDI}\x07\x7f"
"""Every kind of character that must not reach a terminal raw: C0 (ESC, BEL), DEL, C1, bidi."""

XML_SAFE = f"{CSI}{RLO}{LRI}"
"""The hostile characters XML 1.0 allows in text and attribute values (C1 and bidi; ESC is not)."""


def raw_controls(text: str, allowed: str = "\n") -> list[str]:
    """The characters of ``text`` a terminal could act on (anything not printable but ``allowed``)."""
    return sorted({c for c in text if not c.isprintable() and c not in allowed})


def domain_xml(name: str, model: str = "pcie-root-port") -> bytes:
    """A q35 domain named ``name`` whose root port is ``model`` (hurt by status-quo at 1.2.18), with a
    second root port whose model value carries the hostile characters."""
    return (f'<domain type="kvm"><name>{name}</name>'
            '<os><type arch="x86_64" machine="q35">hvm</type></os><devices>'
            '<controller type="pci" index="0" model="pcie-root"/>'
            f'<controller type="pci" index="1" model="{model}"><model name="ioh3420"/></controller>'
            f'<controller type="pci" index="2" model="pcie-root-port{XML_SAFE}"/>'
            '</devices></domain>').encode()


BAD_XML = f'<domain xmlns:a="{XML_SAFE}"><name>x</name></domain>'.encode()
"""Malformed input whose lxml error message quotes the hostile characters (the namespace URI)."""


@pytest.fixture()
def hostile_fleet(tmp_path: Path) -> Path:
    """A fleet whose file names, domain names, model values and parse errors carry control
    characters and formula starts."""
    d = tmp_path / "fleet"
    d.mkdir()
    (d / f"@evil{HOSTILE}.xml").write_bytes(domain_xml(f'=HYPERLINK("http://x"){XML_SAFE}'))
    (d / f"-cmd{HOSTILE}.xml").write_bytes(domain_xml(f"+SUM(1){XML_SAFE}"))
    (d / f"=bad{HOSTILE}.xml").write_bytes(BAD_XML)
    (d / os.fsdecode(b"undecodable-\xff\x9b.xml")).write_bytes(domain_xml("plain"))
    return d


NOTEBOOKS = ROOT / "notebooks"


def run(name: str, tmp_path: Path, **params: object):
    """Run a notebook through papermill with ``params``; the executed notebook."""
    import nbformat
    import papermill

    out = tmp_path / f"{name}-out.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=params,
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    return nbformat.read(out, as_version=4)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- the functions ------------------------------------------------------------------------------------
def test_printable_escapes_every_terminal_control_and_keeps_text() -> None:
    assert printable(f"a{ESC}[31mb") == "a\\x1b[31mb"
    assert printable(f"{CSI}{RLO}{LRI}{PDI}") == "\\x9b\\u202e\\u2066\\u2069"
    assert printable("x\ty\nz\r") == "x\\ty\\nz\\r"
    assert printable("x\ty\nz", keep="\n\t") == "x\ty\nz"
    assert printable("\udcff") == "\\udcff"  # an undecodable byte of a file name: encodable now
    assert printable(b"a\x1b") == "a\\x1b" and printable(Path("a\x1b")) == "a\\x1b"
    for text in ("web01", "Ján's guest", "ドメイン", "emoji \U0001f600", "back\\slash"):
        assert printable(text) == text
    for text in (HOSTILE, "\udcff", "plain"):
        assert raw_controls(printable(text), "") == []
        printable(text).encode("utf-8")
        assert printable(printable(text)) == printable(text) == display(text)  # idempotent, as display


@pytest.mark.parametrize("cell, safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "\\t=1"), ("\r=1", "\\r=1"), ("web01", "web01"), ("'=x", "'=x"), ("", ""),
])
def test_csv_cell_neutralises_formula_starts(cell: str, safe: str) -> None:
    assert csv_cell(cell) == safe
    assert csv_cell(safe) == safe  # idempotent


def test_safe_frame_touches_text_cells_only() -> None:
    frame = pd.DataFrame({"name": ["=1+1", f"a{ESC}", None], "count": [-1, 2, 3],
                          "outcome": pd.Categorical(["@x", "ok", "ok"])})
    out = safe_frame(frame, csv=True)
    assert out["name"].tolist()[:2] == ["'=1+1", "a\\x1b"] and pd.isna(out["name"].iloc[2])
    assert out["count"].tolist() == [-1, 2, 3] and str(out["count"].dtype) == "int64"
    assert out["outcome"].tolist() == ["'@x", "ok", "ok"]
    assert frame["name"].tolist()[0] == "=1+1", "the frame itself is unchanged"
    assert safe_frame(frame)["name"].tolist()[0] == "=1+1", "only CSV neutralises formulas"


# -- the CLI's errors ----------------------------------------------------------------------------------
def test_roundtrip_error_for_a_hostile_name_and_message_is_escaped(tmp_path: Path, capsys) -> None:
    f = tmp_path / f"bad{ESC}[31m{RLO}evil.xml"
    f.write_bytes(BAD_XML)
    code, out, err = run_cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "1.2.18", str(f))
    assert code == 2 and out == ""
    assert raw_controls(err) == [], err
    assert "bad\\x1b[31m\\u202eevil.xml" in err and "'\\x9b\\u202e\\u2066' is not a valid URI" in err


def test_roundtrip_rejection_of_a_hostile_model_value_is_escaped(tmp_path: Path, capsys) -> None:
    f = tmp_path / f"m{ESC}{RLO}.xml"
    f.write_bytes(domain_xml("web", model=f"pcie-root-port{XML_SAFE}"))
    code, out, err = run_cli(capsys, "roundtrip", "--scheme", "model-subelement", "--release", "1.2.18", str(f))
    assert code == 1 and out == ""
    assert raw_controls(err) == [], err
    assert "m\\x1b\\u202e.xml" in err and "pcie-root-port\\x9b\\u202e\\u2066" in err


def test_strict_fleet_error_is_escaped(hostile_fleet: Path, capsys) -> None:
    code, out, err = run_cli(capsys, "fleet", "--strict", str(hostile_fleet))
    assert code == 1 and raw_controls(err) == [], err


def test_an_unrecognised_argument_is_escaped(capsys) -> None:
    """A shell glob can put a hostile file name where argparse does not expect it."""
    assert cli.main(["schemes", f"x{HOSTILE}.xml"]) == 2
    err = capsys.readouterr().err
    assert raw_controls(err) == [] and "x\\x1b[2J" in err


# -- fleet's outputs ---------------------------------------------------------------------------------
FLEET = ("fleet", "--scheme", "status-quo", "--target", "1.2.18", "--scope", "all")  # 1.2.18 fails them all


@pytest.mark.parametrize("fmt, show", [("table", "summary"), ("csv", "summary"), ("csv", "worst"),
                                       ("csv", "errors"), ("json", "summary")])
def test_fleet_output_has_no_raw_control_character(hostile_fleet: Path, capsys, fmt: str, show: str) -> None:
    wide = ["--wide"] if fmt == "table" else []  # every cell whole, to find each escaped text in one piece
    code, out, err = run_cli(capsys, *FLEET, "--format", fmt, "--show", show, *wide, str(hostile_fleet))
    assert code == 1, "the malformed file makes the exit status 1"
    assert raw_controls(out) == [] and raw_controls(err) == []
    out.encode("utf-8")
    if fmt == "table":  # every hostile text is in the report, escaped
        for shown in ("@evil\\x1b[2J", '=HYPERLINK("http://x")\\x9b\\u202e', "unknown class 'pcie-root-port\\",
                      "=bad\\x1b[2J", "'\\x9b\\u202e\\u2066' is not a valid URI", "undecodable-\\udcff\\udc9b.xml"):
            assert shown in out, shown


def test_fleet_json_escapes_the_hostile_texts(hostile_fleet: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, *FLEET, "--format", "json", str(hostile_fleet))
    assert out.isascii(), "json.dumps writes every non-ASCII character as \\uXXXX"
    doc = json.loads(out)
    texts = [v for table in ("worst", "errors", "unmapped") for row in doc[table] for v in row.values()
             if isinstance(v, str)]
    assert texts and all(raw_controls(t, "") == [] for t in texts), "decoded, they are escaped too"
    assert any(t.startswith("=HYPERLINK") for t in texts)


def read_csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_fleet_csv_neutralises_formulas_in_untrusted_cells(hostile_fleet: Path, capsys) -> None:
    _, out, _ = run_cli(capsys, *FLEET, "--format", "csv", "--show", "worst", str(hostile_fleet))
    rows = [r for r in read_csv_rows(out) if r["domain"] != "plain"]
    assert {r["domain"] for r in rows} == {"'=HYPERLINK(\"http://x\")\\x9b\\u202e\\u2066", "'+SUM(1)\\x9b\\u202e\\u2066"}
    assert {r["file"][:6] for r in rows} == {"'@evil", "'-cmd\\"}
    for r in rows:  # computed columns: as before
        assert r["scheme"] == "status-quo" and r["target"] == "1.2.18"
        assert r["controllers"] == "2" and r["at_worst"] == "1" and not r["detail"].startswith("'")
    _, out, _ = run_cli(capsys, *FLEET, "--format", "csv", "--show", "errors", str(hostile_fleet))
    (row,) = read_csv_rows(out)
    assert row["file"].startswith("'=bad") and row["error"].startswith("'=bad") and row["kind"] == "malformed"
    for r in rows + [row]:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in r.values())


def test_fleet_csv_of_a_clean_fleet_is_unchanged(capsys) -> None:
    """Nothing we compute starts like a formula: the sample fleet's CSV is pandas' own."""
    scan = fleet.scan(fleet.SAMPLE_DIR, schemes=["status-quo", "model-subelement"], targets=["1.2.18", "3.2.0"],
                      scope="naming")  # the command line's default
    for show, frame in (("summary", scan.summary), ("worst", scan.worst)):
        _, out, _ = run_cli(capsys, "fleet", "--scheme", "status-quo", "--scheme", "model-subelement",
                            "--target", "1.2.18", "--target", "3.2.0", "--worst", "10", "--format", "csv",
                            "--show", show, str(fleet.SAMPLE_DIR))
        assert out == frame.assign(outcome=frame["outcome"].astype(str)).to_csv(index=False)


# -- the report's CSV files (worst.csv) ----------------------------------------------------------------
def test_report_tables_neutralise_formulas_and_escape_controls(hostile_fleet: Path, tmp_path: Path) -> None:
    scan = fleet.scan(hostile_fleet, schemes=["status-quo"], targets=["1.2.18"])
    out = Outputs(str(tmp_path / "out"))
    for name, frame in (("worst", scan.worst), ("errors", scan.errors), ("totals", scan.totals())):
        assert out.table(frame, name) is frame, "shown unchanged"
    worst = (tmp_path / "out" / "worst.csv").read_text(encoding="utf-8")
    assert raw_controls(worst) == []
    rows = read_csv_rows(worst)
    assert [r["file"] for r in rows if r["domain"] == "plain"][0] == "undecodable-\\udcff\\udc9b.xml"
    rows = [r for r in rows if r["domain"] != "plain"]
    assert rows and all(r["domain"][0] == "'" and r["file"][0] == "'" for r in rows)
    assert {int(r["controllers"]) for r in rows} == {2} and len(rows) == 4
    errors = read_csv_rows((tmp_path / "out" / "errors.csv").read_text(encoding="utf-8"))
    assert errors[0]["file"].startswith("'=bad\\x1b")
    totals = read_csv_rows((tmp_path / "out" / "totals.csv").read_text(encoding="utf-8"))
    assert totals[0]["domains"] == str(scan.domains)


@pytest.mark.notebook
def test_05_fleet_writes_a_safe_worst_csv(hostile_fleet: Path, tmp_path: Path) -> None:

    run("05_fleet", tmp_path, fleet_dir=str(hostile_fleet), schemes=["status-quo"], targets=["1.2.18"],
        out_dir=str(tmp_path / "out"))
    text = (tmp_path / "out" / "worst.csv").read_text(encoding="utf-8")
    assert raw_controls(text) == []
    rows = [r for r in read_csv_rows(text) if r["domain"] != "plain"]
    assert rows and all(r["domain"].startswith("'") for r in rows)


# -- 02_matrix's explain ---------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [-1, -1000, "abc", "2", 2.5, True, 1001])
def test_explain_out_of_range_or_not_a_whole_number_is_a_parameter_error(value: object) -> None:
    with pytest.raises(ParameterError) as err:
        check_params(explain=value)
    assert "parameter explain" in str(err.value) and "whole number from 0 to 1000" in str(err.value)
    assert repr(value) in str(err.value)


def test_explain_zero_and_positive_are_accepted() -> None:
    assert check_params(explain=0)["explain"] == 0
    assert check_params(explain=1000)["explain"] == 1000


EXPLAIN_FAILING = dict(scheme="status-quo", scenario="restart", timeline="real", intents=["pcie-root-port:ioh3420"],
                       releases=["1.2.18", "9.0.0"])
"""A matrix with a failing cell (9.0.0's saved ioh3420 root port is lost on 1.2.18)."""


@pytest.mark.notebook
def test_02_explain_zero_says_explanations_are_off(tmp_path: Path) -> None:
    from pcidesign.analysis import matrices

    frame = matrices.matrix(**EXPLAIN_FAILING)
    assert not matrices.worst_examples(frame, 1).empty, "the matrix has a failing cell"
    nb = run("02_matrix", tmp_path, explain=0, **EXPLAIN_FAILING)
    cell = next(c for c in nb.cells if "explain" in c.metadata.get("tags", []))
    text = "".join(o.get("text", "") for o in cell.outputs)
    assert "explanations turned off (explain = 0)" in text.lower()
    assert "No cell fails" not in text and "verdict:" not in text


@pytest.mark.notebook
@pytest.mark.parametrize("value", [-1, "abc"])
def test_02_bad_explain_stops_with_the_parameter_error(tmp_path: Path, value: object) -> None:
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as err:
        run("02_matrix", tmp_path, explain=value, **EXPLAIN_FAILING)
    assert err.value.ename == "ParameterError"
    assert "parameter explain" in err.value.evalue and "from 0 to 1000" in err.value.evalue
