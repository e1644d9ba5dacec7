"""Data errors name file and row; an empty value is never a silent default (issue 23, item 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pcidesign.analysis.findings import load_questions
from pcidesign.cli import main
from pcidesign.model.catalog import DATA_DIR
from pcidesign.model.errors import DataError

SAMPLE = DATA_DIR / "fleet-sample" / "nova_i440fx_instance-00000031_old.xml"


def test_an_unknown_policy_in_questions_csv_names_file_row_and_the_valid_ones(data_copy: Path) -> None:
    p = data_copy / "questions.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    row = next(n for n, line in enumerate(lines) if line.endswith(",upstream"))
    lines[row] = lines[row][: -len("upstream")] + "nosuch-policy"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_questions(data_copy)
    text = str(info.value)
    assert text.startswith(f"questions.csv, row {row + 1}: "), text  # rows count from 1, the header included
    assert "unknown support policy 'nosuch-policy'" in text and "upstream" in text


def test_the_shipped_questions_load() -> None:
    assert any(q.policy for q in load_questions())


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_qemu_exits_2(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roundtrip", "--scheme", "model-subelement", "--release", "3.2.0", "--qemu", value, str(SAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "argument --qemu: must not be empty" in err and "Traceback" not in err


def test_a_given_qemu_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["roundtrip", "--scheme", "model-subelement", "--release", "3.2.0", "--qemu", "2.9.0", str(SAMPLE)]) == 0
    assert capsys.readouterr().out.startswith("<domain")
