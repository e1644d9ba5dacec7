"""The release-day pairing (issue 19): each release runs the newest QEMU released on or before
its own date (data/qemu-releases.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

import pcidesign
from pcidesign.model import engine
from pcidesign.model.catalog import load
from pcidesign.model.errors import DataError
from pcidesign.model.setting import Setting

from conftest import ROOT

DAY = Setting(timeline="whatif", pairing="release-day")


def qemu_of(release: str, setting: Setting = DAY) -> str:
    cat = pcidesign.load_catalog()
    host = cat.host(cat.release(release))
    return engine.paired(cat, setting, host, host)[0].qemu


def test_release_day_pairs_each_release_with_the_qemu_out_on_its_date() -> None:
    assert qemu_of("3.2.0") == "2.8.0"  # 2017-04-02: QEMU 2.9.0 came on 2017-04-20
    assert qemu_of("1.3.4") == "2.5.0"  # 2016-05-01: QEMU 2.6.0 came on 2016-05-11
    assert qemu_of("9.0.0") == "7.2.0"
    assert qemu_of("H1") == "7.2.0"  # a hypothetical release has no date: its own QEMU
    assert qemu_of("3.2.0", Setting(timeline="whatif")) == "2.9.0"  # bundled: the QEMU of the table


def test_under_release_day_3_2_0_cannot_give_the_generic_root_port() -> None:
    r = engine.run("model-subelement", "restart", "pcie-root-port", "3.2.0", "9.0.0", setting=DAY)
    assert "3.2.0+qemu-2.8.0" in r.steps[0].note and "pcie-root-port=ioh3420" in r.steps[0].note


def copy_data(folder: Path) -> Path:
    folder.mkdir()
    for f in (ROOT / "data").glob("*.csv"):
        if f.name != "qemu-releases.csv":
            (folder / f.name).write_bytes(f.read_bytes())
    return folder


def test_release_day_without_dates_is_a_clear_data_error(tmp_path: Path) -> None:
    cat = load(copy_data(tmp_path / "none"))
    with pytest.raises(DataError, match="qemu-releases.csv"):
        cat.release_day_qemu(cat.release("3.2.0"))
    bad = copy_data(tmp_path / "bad")
    (bad / "qemu-releases.csv").write_text("qemu,date,source\n2.9.0,April 2017,x\n")
    with pytest.raises(DataError, match="YYYY-MM-DD"):
        load(bad)
