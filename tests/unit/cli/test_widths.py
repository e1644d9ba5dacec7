"""Every table the CLI prints fits the terminal (issue 24, acceptance 1): at 100 columns no line is
wider than 100 characters unless ``--wide`` asks for everything; CSV and JSON are not touched."""

from __future__ import annotations

import json

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.render import table

SAMPLE = str(fleet.SAMPLE_DIR)

COMMANDS = {
    "schemes": ["schemes"],
    "schemes --variants": ["schemes", "--variants"],
    "releases": ["releases", "--timeline", "whatif"],
    "intents": ["intents"],
    "matrix": ["matrix", "--scheme", "model-subelement", "--scenario", "restart", "--timeline", "whatif"],
    "paths": ["paths", "--scheme", "status-quo"],
    "paths --all-schemes": ["paths", "--all-schemes", "--timeline", "whatif", "--max-hops", "2"],
    "paths --notions": ["paths", "--scheme", "model-subelement", "--notions", "--max-hops", "2"],
    "fleet": ["fleet", SAMPLE],
    "compare": ["compare"],
    "findings": ["findings"],
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status in (0, 1), err
    return status, out.split("\n")


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_line_is_wider_than_the_terminal(name: str, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _, lines = _run(COMMANDS[name], capsys)
    wide = [line for line in lines if len(line) > 100]
    assert len(lines) > 3 and not wide, f"{len(wide)} lines over 100, e.g. {wide[:2]}"


def test_a_narrower_terminal_is_respected(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    _, lines = _run(["paths", "--all-schemes", "--max-hops", "1"], capsys)
    assert max(len(line) for line in lines) <= 72


def test_wide_shows_every_cell_in_full(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _, cut = _run(["fleet", SAMPLE, "--scheme", "status-quo", "--scope", "all"], capsys)
    _, full = _run(["fleet", SAMPLE, "--scheme", "status-quo", "--scope", "all", "--wide"], capsys)
    assert any(table.ELLIPSIS in line for line in cut)
    assert not any(table.ELLIPSIS in line for line in full)
    assert max(len(line) for line in full) > 100
    assert any("Unknown PCI controller model" in line or "Unknown model type" in line for line in full)


def test_names_stand_beside_ids_in_the_tables(capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    _, lines = _run(["paths", "--all-schemes", "--max-hops", "1"], capsys)
    text = "\n".join(lines)
    for name, sid in (("Idea 1", "multiplex-model"), ("what shipped", "model-subelement"),
                      ("Ján's MIGRATABLE variant", "migratable-compat")):
        at = lines.index(next(line for line in lines if line.startswith(name + " ")))
        assert lines[at + 1].startswith(f"({sid})"), text
    _, lines = _run(["fleet", SAMPLE, "--scheme", "model-subelement", "--target", "1.2.18"], capsys)
    assert "what shipped (model-subelement), downgrades from 9.0.0:" in lines


def test_csv_and_json_keep_their_columns_and_full_cells(capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    _, lines = _run(["paths", "--all-schemes", "--max-hops", "1", "--format", "json"], capsys)
    rows = json.loads("\n".join(lines))
    assert {r["scheme"] for r in rows} >= {"status-quo", "model-subelement"}  # ids, not names
    assert any(len(r["why"]) > 40 for r in rows)
    _, lines = _run(["schemes", "--format", "csv"], capsys)
    assert lines[0].startswith("id,thread,naming,fills,policies,pros,cons,name")
    assert max(len(line) for line in lines) > 100


# -- the formatter itself ---------------------------------------------------------------------------
WORDS = ("pcie-root-port", "define", "restart@1.2.18", ">", "the", "guest", "model-subelement+fill=define-only",
         "a", "very-long-hyphenated-identifier-that-is-longer-than-any-column-could-be", "1.2.19")


@pytest.mark.parametrize("width", [20, 37, 60, 100])
def test_fit_wraps_within_the_width_and_loses_no_word(width: int) -> None:
    rows = [[f"row{k}", " ".join(WORDS[k:] + WORDS[:k]), str(k * 1000), WORDS[k]] for k in range(len(WORDS))]
    out = table.fit(["key", "text", "n", "word"], rows, width, overflow="wrap")
    lines = out.split("\n")
    assert max(len(line) for line in lines) <= width
    if width >= 37:
        for r in rows:
            assert r[0] in out  # short keys stay whole where they can
    for w in (1, 7, 12, width):
        for r in rows:
            got = table.wrap(r[1], w)
            assert max(len(line) for line in got) <= w
            assert "".join("".join(got).split()) == "".join(r[1].split())  # no character lost
            if w >= 80:
                assert " ".join(got) == r[1]  # broken at spaces only, when the words fit


def test_fit_truncates_long_tables_with_an_ellipsis() -> None:
    rows = [[f"r{k}", "x" * 80] for k in range(table.LONG_TABLE + 1)]
    lines = table.fit(["key", "value"], rows, 50).split("\n")
    assert len(lines) == len(rows) + 1
    assert all(len(line) <= 50 for line in lines)
    assert lines[1].endswith(table.ELLIPSIS)


def test_fit_without_a_width_changes_nothing() -> None:
    rows = [["a", "x" * 300], ["bb", "y"]]
    lines = table.fit(["k", "v"], rows, None).split("\n")
    assert lines[1] == "a   " + "x" * 300 and lines[2] == "bb  y"


def test_fit_aligns_numbers_right_and_puts_titles_before_their_rows() -> None:
    out = table.fit(["name", "n"], [["a", "5"], ["b", "500"]], 40, titles={0: "group one:", 1: "group two:"})
    assert out.split("\n") == ["name    n", "group one:", "a       5", "", "group two:", "b     500"]


def test_the_terminal_width_comes_from_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "133")
    assert table.terminal_width() == 133
    monkeypatch.setenv("COLUMNS", "5")
    assert table.terminal_width() == 20


def test_cut_and_wrapped_cells_carry_no_raw_control_character() -> None:
    """Cells are escaped before they reach the formatter; cutting or wrapping one never brings a raw
    control back (it only ever removes characters or breaks at spaces)."""
    escaped = "=HYPERLINK(\"http://x\")\\x9b\\u202e domain with a long escaped name \\x1b[2J"
    for width in (12, 30, 60):
        for overflow in ("wrap", "truncate"):
            out = table.fit(["domain", "n"], [[escaped, "1"]] * 2, width, overflow)
            assert all(ch == "\n" or ch.isprintable() for ch in out)
