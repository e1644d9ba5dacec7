"""Broken and hostile data files: every one fails loading with a DataError naming the file, the
row (the line of the file it starts on) and the problem; never a traceback, never a silent
wrong catalog (issue 14, items 3, 10 and the CSV half of 13)."""

from __future__ import annotations

import csv
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcidesign import cli
from pcidesign.analysis.findings import load_questions
from pcidesign.calibrate import qemu as calibrate_qemu
from pcidesign.calibrate import testdriver as calibrate
from pcidesign.model.catalog import DATA_DIR, load, parse_csv
from pcidesign.model.errors import DataError

CATALOG_FILES = ("releases.csv", "classes.csv", "devices.csv", "defaults.csv", "intents.csv")
DATA_FILES = (*CATALOG_FILES, "questions.csv")
PROBE_FILES = ("probes.csv", "qemu-probes.csv", "unmodelled.csv")
FIELD_LIMIT = csv.field_size_limit()
BOM = b"\xef\xbb\xbf"


# -- helpers ----------------------------------------------------------------------------------------
def load_all(base: Path) -> None:
    """Load everything a data directory holds: the catalog, then the questions over it."""
    load_questions(base, load(base))


def lines(path: Path) -> list[bytes]:
    """The lines of ``path``, each with its line ending."""
    return path.read_bytes().splitlines(keepends=True)


def put_line(path: Path, number: int, text: bytes) -> None:
    """Replace line ``number`` (1-based) of ``path`` with ``text`` (which ends with a newline)."""
    old = lines(path)
    old[number - 1] = text
    path.write_bytes(b"".join(old))


def edit_cells(path: Path, fn: Callable[[list[list[str]]], list[list[str]]]) -> None:
    """Rewrite ``path`` through ``fn`` over its rows of cells."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(fn(rows))


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of row ``line`` (a file line; the file has one row per line)."""
    def fn(rows: list[list[str]]) -> list[list[str]]:
        rows[line - 1][rows[0].index(column)] = value
        return rows
    edit_cells(path, fn)


def refused(base: Path, file: str, row: int | None, problem: str, loader: Callable[[Path], object] = load_all) -> DataError:
    """Assert that loading ``base`` fails naming ``file``, ``row`` and a problem matching ``problem``."""
    with pytest.raises(DataError) as info:
        loader(base)
    err = info.value
    assert Path(err.path).name == file, str(err)
    assert err.row == row, str(err)
    assert re.search(problem, err.problem), str(err)
    assert str(err).startswith(f"{err.path}, row {row}: " if row is not None else f"{err.path}: ")
    return err


@pytest.fixture()
def full_copy(data_copy: Path) -> Path:
    """``data_copy`` that also holds the questions (``data_copy`` does: every CSV of data/)."""
    assert (data_copy / "questions.csv").is_file()
    return data_copy


@pytest.fixture()
def probes_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped probe folder (data/calibration)."""
    dst = tmp_path / "calibration"
    shutil.copytree(DATA_DIR / "calibration", dst)
    return dst


# -- issue 14 item 3: bad data accepted without a word ------------------------------------------------
def test_intents_with_only_the_header_is_refused(data_copy: Path) -> None:
    path = data_copy / "intents.csv"
    path.write_bytes(lines(path)[0])
    refused(data_copy, "intents.csv", 1, r"^no intents: the header is the file's last row$")


@pytest.mark.parametrize(("file", "what"), [("classes.csv", "classes"), ("releases.csv", "releases"),
                                            ("questions.csv", "questions")])
def test_other_files_with_only_the_header_are_refused(data_copy: Path, file: str, what: str) -> None:
    path = data_copy / file
    path.write_bytes(lines(path)[0] + b"\n\n")
    refused(data_copy, file, 1, rf"^no {what}: the header is the file's last row$")


def test_an_empty_file_is_refused(data_copy: Path) -> None:
    (data_copy / "devices.csv").write_bytes(b"")
    refused(data_copy, "devices.csv", None, r"^empty file; expected a header with device, class")


def test_two_default_rules_for_one_class_and_release_name_both_rows(data_copy: Path) -> None:
    path = data_copy / "defaults.csv"
    assert lines(path)[4].startswith(b"pcie-root-port,ioh3420,1.2.19,")
    with path.open("a", encoding="utf-8") as f:
        f.write("pcie-root-port,pcie-root-port,1.2.19,a second rule for the same release\n")
    err = refused(data_copy, "defaults.csv", 12, r"^rows 5 and 12 are both the default rule for class "
                  r"'pcie-root-port' since '1\.2\.19' \('ioh3420', 'pcie-root-port'\)")
    assert "row order" in err.problem


def test_two_default_rules_are_refused_however_the_release_is_spelled(data_copy: Path) -> None:
    """``3.2`` and ``3.2.0`` are the same release; a hypothetical release id counts too."""
    with (data_copy / "defaults.csv").open("a", encoding="utf-8") as f:
        f.write("pcie-root-port,ioh3420,3.2,same release as row 6\n")
    refused(data_copy, "defaults.csv", 12, r"^rows 6 and 12 are both the default rule for class 'pcie-root-port'")


def test_same_class_at_different_releases_is_fine(data_copy: Path) -> None:
    with (data_copy / "defaults.csv").open("a", encoding="utf-8") as f:
        f.write("pcie-root-port,pcie-root-port,H2,a later rule\n")
    assert len(load(data_copy).defaults) == 11


@pytest.mark.parametrize("spelling", ["real,whatif", "real;whatif", "real|whatif", "real/whatif", "real, whatif"])
def test_a_timelines_value_that_is_not_a_timeline_spelling(data_copy: Path, spelling: str) -> None:
    path = data_copy / "releases.csv"
    set_cell(path, 4, "timelines", spelling)
    err = refused(data_copy, "releases.csv", 4, r"is not a timeline name .*separated by spaces.*"
                  r"timelines named in this file: real, whatif$")
    assert repr(spelling) in err.problem


def test_a_misspelt_timeline_does_not_invent_one(data_copy: Path) -> None:
    set_cell(data_copy / "releases.csv", 5, "timelines", "real whatfi")
    refused(data_copy, "releases.csv", 5, r"^timeline 'whatfi' has this release only.*one of: real, whatif\?\)$")


def test_a_timeline_named_twice_in_one_row(data_copy: Path) -> None:
    set_cell(data_copy / "releases.csv", 3, "timelines", "real whatif real")
    refused(data_copy, "releases.csv", 3, r"'real' is named twice")


def test_space_separated_timelines_still_load(data_copy: Path) -> None:
    set_cell(data_copy / "releases.csv", 2, "timelines", "  real \t whatif  ")
    cat = load(data_copy)
    assert cat.timeline("real")[0].id == "1.2.18" and cat.timeline("whatif")[0].id == "1.2.18"
    assert set(cat.timelines) == {"real", "whatif"}


@pytest.mark.parametrize("date", ["2015-13-45", "2015-02-30", "2015-00-10", "2015-8-3", "15-08-03",
                                  "2015-08-03T00:00", "20150803", "\u0662\u0660\u0661\u0665-08-03"])
def test_an_invalid_date_is_refused(data_copy: Path, date: str) -> None:
    set_cell(data_copy / "releases.csv", 2, "date", date)
    refused(data_copy, "releases.csv", 2, r"^date .* is not a valid date YYYY-MM-DD")


def test_an_invalid_date_on_a_hypothetical_release_is_refused(data_copy: Path) -> None:
    set_cell(data_copy / "releases.csv", 9, "date", "2030-02-29")
    refused(data_copy, "releases.csv", 9, r"^date '2030-02-29' is not a valid date")


def test_huge_version_numbers_are_refused_not_a_traceback(data_copy: Path) -> None:
    """Past Python's int-from-text limit (4300 digits), int() itself would raise."""
    row = next(n for n, line in enumerate(lines(data_copy / "releases.csv"), start=1) if line.startswith(b"9.0.0,"))
    set_cell(data_copy / "releases.csv", row, "libvirt", "9." + "9" * 5000)
    refused(data_copy, "releases.csv", row, r"needs a libvirt version")
    set_cell(data_copy / "releases.csv", row, "libvirt", "9.0.0")
    set_cell(data_copy / "devices.csv", 3, "qemu_since", "1." + "3" * 5000)
    err = refused(data_copy, "devices.csv", 3, r"is neither a version nor a release id")
    assert len(str(err)) < 300


# -- issue 14 item 10: a non-UTF-8 byte, an oversized field ---------------------------------------
@pytest.mark.parametrize("file", DATA_FILES)
def test_a_non_utf8_byte_names_file_row_and_offset(full_copy: Path, file: str) -> None:
    path = full_copy / file
    old = lines(path)
    at = old[2].index(b",") + 1
    put_line(path, 3, old[2][:at] + b"\xff" + old[2][at:])
    offset = len(b"".join(old[:2])) + at
    refused(full_copy, file, 3, rf"^not UTF-8: byte 0xff at byte offset {offset} ")


@pytest.mark.parametrize("bad", [b"\xc3(", b"\xed\xa0\x80", b"\x80", b"\xf8\x88\x80\x80\x80"])
def test_non_utf8_sequences_in_the_header_and_at_the_end(data_copy: Path, bad: bytes) -> None:
    path = data_copy / "classes.csv"
    data = path.read_bytes()
    path.write_bytes(bad + data)
    refused(data_copy, "classes.csv", 1, r"^not UTF-8: byte 0x[0-9a-f]{2} at byte offset 0 ")
    path.write_bytes(data + bad)
    refused(data_copy, "classes.csv", len(lines(path)), r"^not UTF-8")


def test_a_latin1_file_is_refused(data_copy: Path) -> None:
    """The sources cite 'facts §3': saved as Latin-1, the § is one byte that UTF-8 refuses."""
    path = data_copy / "defaults.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1"))
    refused(data_copy, "defaults.csv", 2, r"^not UTF-8: byte 0xa7 ")


def test_utf16_is_refused(data_copy: Path) -> None:
    path = data_copy / "intents.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    refused(data_copy, "intents.csv", 1, r"^not UTF-8: byte 0xff at byte offset 0 ")


@pytest.mark.parametrize("file", DATA_FILES)
def test_a_field_past_the_csv_limit_names_file_and_row(full_copy: Path, file: str) -> None:
    path = full_copy / file
    header = lines(path)[0].decode().strip().split(",")
    set_cell(path, 3, header[-1], "x" * (FIELD_LIMIT + 1))
    err = refused(full_copy, file, 3, rf"^not valid CSV: a field longer than {FIELD_LIMIT} characters")
    assert len(str(err)) < 200


def test_a_long_field_under_the_limit_is_not_printed_whole(data_copy: Path) -> None:
    set_cell(data_copy / "devices.csv", 4, "class", "y" * 100_000)
    err = refused(data_copy, "devices.csv", 4, r"^unknown class 'y{60}'\.\.\. \(100000 characters\)")
    assert len(str(err)) < 600


# -- calibration probes -------------------------------------------------------------------------------
def test_a_non_utf8_probe_list_names_file_and_row(probes_copy: Path) -> None:
    path = probes_copy / "probes.csv"
    put_line(path, 4, lines(path)[3].replace(b",keep,", b",k\xe9ep,"))
    refused(probes_copy, "probes.csv", 4, r"^not UTF-8: byte 0xe9", calibrate.load_probes)
    refused(probes_copy, "probes.csv", 4, r"^not UTF-8: byte 0xe9", calibrate_qemu.load_probes)


@pytest.mark.parametrize("file", PROBE_FILES)
def test_every_probe_csv_of_the_qemu_driver_names_file_and_row(probes_copy: Path, file: str) -> None:
    path = probes_copy / file
    good = path.read_bytes()
    line = lines(path)[1]
    put_line(path, 2, line.rstrip(b"\r\n") + b"\xfe" + line[len(line.rstrip(b"\r\n")):])
    refused(probes_copy, file, 2, r"^not UTF-8: byte 0xfe", calibrate_qemu.load_probes)
    path.write_bytes(good)
    set_cell(path, 2, "probe", "z" * (FIELD_LIMIT + 5))
    refused(probes_copy, file, 2, r"^not valid CSV: a field longer than", calibrate_qemu.load_probes)


def test_the_migration_pairs_csv_names_file_and_row(probes_copy: Path) -> None:
    path = probes_copy / "migrate" / "pairs.csv"
    path.write_bytes(path.read_bytes() + b"\n\n9-extra,\x9b\n")
    refused(probes_copy, "pairs.csv", len(lines(path)), r"^not UTF-8: byte 0x9b", calibrate_qemu.load_probes)


def test_a_probe_list_row_with_blank_lines_before_it(probes_copy: Path) -> None:
    path = probes_copy / "probes.csv"
    old = lines(path)
    path.write_bytes(old[0] + b"\n\r\n" + old[1] + b"\n" + b"missing.xml,keep,parser,x,y\n" + b"".join(old[2:]))
    with pytest.raises(calibrate.CalibrationError, match=r"probes\.csv, row 6: no probe file 'missing\.xml'"):
        calibrate.load_probes(probes_copy)


def fake_virsh(tmp_path: Path) -> tuple[Path, Path]:
    """An executable that records being run (calibrate must refuse the probes before it runs virsh)."""
    marker = tmp_path / "virsh-ran"
    exe = tmp_path / "virsh"
    exe.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return exe, marker


@pytest.mark.parametrize("driver", ["test", "qemu"])
def test_calibrate_with_a_non_utf8_probe_list_exits_2_with_one_line(
        probes_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], driver: str) -> None:
    path = probes_copy / "probes.csv"
    put_line(path, 7, lines(path)[6].replace(b"parser", b"pars\xffer", 1))
    exe, marker = fake_virsh(tmp_path)
    code = cli.main(["calibrate", "--driver", driver, "--probes", str(probes_copy), "--virsh", str(exe)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("pcidesign calibrate: error: ") and "probes.csv, row 7: not UTF-8: byte 0xff" in err
    assert not marker.exists()


# -- a byte-order mark, blank lines and row numbers -------------------------------------------------------
def test_a_utf8_bom_is_accepted_in_every_file(full_copy: Path, probes_copy: Path) -> None:
    for file in DATA_FILES:
        path = full_copy / file
        path.write_bytes(BOM + path.read_bytes())
    for file in PROBE_FILES:
        path = probes_copy / file
        path.write_bytes(BOM + path.read_bytes())
    cat, plain = load(full_copy), load(DATA_DIR)
    assert [r.id for r in cat.releases] == [r.id for r in plain.releases]
    assert list(cat.classes) == list(plain.classes) and list(cat.intents) == list(plain.intents)
    assert [q.id for q in load_questions(full_copy, cat)] == [q.id for q in load_questions(DATA_DIR, plain)]
    assert len(calibrate.load_probes(probes_copy)) == len(calibrate.load_probes())
    assert calibrate_qemu.load_probes(probes_copy)[2].reasons == calibrate_qemu.load_probes()[2].reasons


def test_a_bom_in_the_middle_is_part_of_a_value(data_copy: Path) -> None:
    path = data_copy / "classes.csv"
    put_line(path, 3, BOM + lines(path)[2])
    refused(data_copy, "classes.csv", 3, r"^class '\\ufeffpci-bridge' is not a name")


@pytest.mark.parametrize(("file", "line", "column", "what"), [
    ("classes.csv", 4, "class", "class"), ("devices.csv", 2, "device", "device"),
    ("releases.csv", 3, "release", "release id")])
@pytest.mark.parametrize("value", ["pci root", "x\ny", "-x", "a,b", "\x1b[0m", "caf\u00e9"])
def test_ids_must_be_names(data_copy: Path, file: str, line: int, column: str, what: str, value: str) -> None:
    set_cell(data_copy / file, line, column, value)
    err = refused(data_copy, file, line, rf"^{what} .* is not a name")
    assert "\n" not in str(err) and "\x1b" not in str(err)


def test_row_numbers_are_file_lines_counting_blank_lines(data_copy: Path) -> None:
    path = data_copy / "devices.csv"
    old = lines(path)
    bad = old[3].replace(b",dmi-to-pci-bridge,", b",pcie-root-pork,", 1)
    assert bad != old[3]
    path.write_bytes(old[0] + b"\n   \n" + old[1] + b"\r\n" + old[2] + bad + b"".join(old[4:]))
    refused(data_copy, "devices.csv", 7, r"^unknown class 'pcie-root-pork'")


def test_row_numbers_count_the_lines_of_a_quoted_multiline_field(data_copy: Path) -> None:
    path = data_copy / "devices.csv"
    set_cell(path, 2, "source", "one\ntwo\nthree")
    set_cell(path, 3, "class", "nope")  # the cell of file row 3 is now on line 5
    assert lines(path)[4].startswith(b"i82801b11-bridge,nope,")
    refused(data_copy, "devices.csv", 5, r"^unknown class 'nope'")


def test_blank_lines_and_a_header_after_them(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "intents.csv"
    path.write_bytes(b"\n\n" + path.read_bytes() + b"\n\n")
    other = shutil.copytree(data_copy, tmp_path / "other")  # load() caches per folder
    assert len(load(data_copy).intents) == len(load(DATA_DIR).intents)
    path = other / "intents.csv"
    path.write_bytes(b"\n\n" + lines(path)[2])
    refused(other, "intents.csv", 3, r"^no intents")


# -- other CSV damage ---------------------------------------------------------------------------------------
def test_an_unclosed_quote_does_not_swallow_the_rest_of_the_file(data_copy: Path) -> None:
    path = data_copy / "releases.csv"
    row = next(n for n, line in enumerate(lines(path)) if b",hypothetical (" in line)  # the first what-if release
    assert b'"' not in lines(path)[row + 1]
    put_line(path, row + 1, lines(path)[row].replace(b",hypothetical (", b',"hypothetical (', 1))
    refused(data_copy, "releases.csv", row + 1, r"^not valid CSV: a quoted field that starts in this row is never closed")


def test_a_stray_quote_is_refused_at_its_row(data_copy: Path) -> None:
    """Here a later quote closes the stray one: refused where the quoted field starts."""
    path = data_copy / "releases.csv"
    assert b",pci-expander-bus" in lines(path)[3]
    put_line(path, 4, lines(path)[3].replace(b",pci-expander-bus", b',"pci-expander-bus', 1))
    refused(data_copy, "releases.csv", 4, r"^not valid CSV: text after the closing quote of a field")


def test_text_after_a_closing_quote_is_refused(data_copy: Path) -> None:
    path = data_copy / "intents.csv"
    put_line(path, 2, b'pci-root,"pci-root"x,,note\n')
    refused(data_copy, "intents.csv", 2, r"^not valid CSV: text after the closing quote of a field \(',' expected after '\"'")


@pytest.mark.parametrize(("tail", "count"), [(b",extra", 5), (b"", 4)])
def test_a_row_with_more_or_fewer_fields_than_the_header(data_copy: Path, tail: bytes, count: int) -> None:
    path = data_copy / "classes.csv"
    row = lines(path)[5].rstrip(b"\n")
    put_line(path, 6, (row + tail if tail else row.rsplit(b",", 1)[0]) + b"\n")
    wrong = count if tail else 3
    refused(data_copy, "classes.csv", 6, rf"^{wrong} fields, but the header \(row 1\) has 4")


def test_a_column_named_twice(data_copy: Path) -> None:
    path = data_copy / "intents.csv"
    put_line(path, 1, b"intent,class,device,class\n")
    refused(data_copy, "intents.csv", 1, r"^column\(s\) named twice: 'class'$")


def test_a_missing_column_after_blank_lines_says_where_the_header_is(data_copy: Path) -> None:
    path = data_copy / "devices.csv"
    path.write_bytes(b"\n" + path.read_bytes().replace(b"device,class,", b"device,klass,", 1))
    refused(data_copy, "devices.csv", None, r"^missing column\(s\) class; .*\(the header is row 2\)$")


def test_control_characters_in_a_value_are_escaped(data_copy: Path) -> None:
    set_cell(data_copy / "classes.csv", 2, "machine", "\x1b[31mq35\u202e\x9b")
    err = refused(data_copy, "classes.csv", 2, r"^unknown machine")
    assert not any(c in str(err) for c in "\x1b\u202e\x9b")


def test_an_unreadable_file(data_copy: Path) -> None:
    (data_copy / "defaults.csv").unlink()
    (data_copy / "defaults.csv").mkdir()
    with pytest.raises(DataError, match=r"defaults\.csv: cannot read: Is a directory"):
        load(data_copy)


def test_parse_csv_directly() -> None:
    table = parse_csv(BOM + b"a,b\r\n\r\n1, 2 \r\n", "x.csv", ["a"])
    assert table.columns == ("a", "b") and table.rows == ((3, {"a": "1", "b": "2"}),)
    with pytest.raises(DataError, match=r"^x\.csv, row 2: not UTF-8: byte 0xff at byte offset 5 "):
        parse_csv(b"a,b\r\n\xff,2\r\n", "x.csv")
    with pytest.raises(DataError, match=r"^x\.csv, row 3: not UTF-8"):
        parse_csv(b"a,b\r1,2\r\xff,2\r", "x.csv")


# -- fuzz: any cell value either loads or fails naming a file and a row --------------------------------------
CELL_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=",\"'\n\r\t ;|=+-@.0123456789Hrealwhatif\x00\x1b\u202e\ufeff", max_size=20),
    st.sampled_from(["", "real", "whatif", "real whatif", "H1", "H2", "1.2.19", "3.2.0", "2015-13-45", "yes",
                     "no", "pci-bridge", "ioh3420", "pcie-root-port", "q35", "pc", "9.0.0", "0.0.0"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(DATA_FILES), line=st.integers(2, 30), column=st.integers(0, 30), value=CELL_TEXT)
def test_fuzz_a_cell_loads_or_names_file_and_row(tmp_path_factory: pytest.TempPathFactory, file: str,
                                                 line: int, column: int, value: str) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    for f in DATA_DIR.glob("*.csv"):
        shutil.copy(f, base / f.name)
    path = base / file

    def fn(rows: list[list[str]]) -> list[list[str]]:
        row = rows[(line - 1) % (len(rows) - 1) + 1]
        row[column % len(row)] = value
        return rows
    edit_cells(path, fn)
    try:
        load_all(base)
    except DataError as exc:
        assert Path(exc.path).name in DATA_FILES and isinstance(exc.row, int) and exc.row >= 1, str(exc)
        assert "\n" not in str(exc) and len(str(exc)) < 2000, str(exc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(DATA_FILES), where=st.floats(0, 1), junk=st.binary(min_size=1, max_size=8))
def test_fuzz_bytes_load_or_fail_with_a_data_error(tmp_path_factory: pytest.TempPathFactory, file: str,
                                                  where: float, junk: bytes) -> None:
    base = tmp_path_factory.mktemp("fuzzb")
    for f in DATA_DIR.glob("*.csv"):
        shutil.copy(f, base / f.name)
    path = base / file
    data = path.read_bytes()
    at = int(where * len(data))
    path.write_bytes(data[:at] + junk + data[at:])
    try:
        load_all(base)
    except DataError as exc:
        assert Path(exc.path).name in DATA_FILES, str(exc)
        assert exc.row is not None or "column" in exc.problem or "empty" in exc.problem, str(exc)
        assert "\n" not in str(exc), str(exc)

