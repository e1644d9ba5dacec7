"""An unknown release names the timeline that has it, and the option that picks it (issue 24)."""

from __future__ import annotations

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.model.catalog import load
from pcidesign.model.errors import UnknownNameError


def test_the_catalog_says_which_timelines_have_a_release() -> None:
    cat = load()
    assert cat.timelines_with("H1") == ("whatif",)
    assert set(cat.timelines_with("1.2.18")) >= {"real", "whatif"}
    assert cat.timelines_with("H99") == ()
    with pytest.raises(UnknownNameError) as info:
        cat.release("H1", "real")
    assert info.value.timelines == ("whatif",)
    assert str(info.value).endswith("H1 is on timeline whatif: add --timeline whatif")


@pytest.mark.parametrize("argv", [
    ["explain", "--scheme", "model-subelement", "--scenario", "restart", "--intent", "pci-root",
     "--from", "1.2.18", "--to", "H1"],
    ["paths", "--scheme", "status-quo", "--start", "H1"],
    ["fleet", str(fleet.SAMPLE_DIR), "--target", "H1"],
])
def test_the_cli_suggests_the_timeline(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown release 'H1'" in err and "H1 is on timeline whatif: add --timeline whatif" in err
    assert "Traceback" not in err


def test_a_release_no_timeline_has_gets_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain", "--scheme", "model-subelement", "--scenario", "restart", "--intent", "pci-root",
                     "--from", "1.2.18", "--to", "H9"]) == 2
    err = capsys.readouterr().err
    assert "unknown release 'H9'" in err and "add --timeline" not in err
