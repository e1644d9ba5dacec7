"""The progress line on standard error: drawn on a terminal, never into a pipe or a file (issue 24)."""

from __future__ import annotations

import io
import threading
import time

import pytest

from pcidesign import cli
from pcidesign.render.progress import Progress


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal, and signals its first write."""

    def __init__(self) -> None:
        super().__init__()
        self.written = threading.Event()

    def isatty(self) -> bool:
        return True

    def write(self, s: str) -> int:
        n = super().write(s)
        self.written.set()
        return n


@pytest.mark.parametrize("argv", [
    ["paths", "--all-schemes", "--max-hops", "1"],
    ["fleet", "data/fleet-sample", "--scheme", "status-quo", "--target", "1.2.18"],
    ["findings", "--question", "idea3-downgrade"],
    ["compare", "--variant", "status-quo", "--variant", "model-subelement"],
])
def test_no_progress_when_standard_error_is_not_a_terminal(argv: list[str], capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from pcidesign.render import progress

    real_init = progress.Progress.__init__

    def eager(self: Progress, *a: object, **k: object) -> None:  # draw at once if it were to draw at all
        real_init(self, *a, **{**k, "delay": 0.0, "interval": 0.001})  # type: ignore[arg-type]

    monkeypatch.setattr(progress.Progress, "__init__", eager)
    if argv[0] == "fleet":
        from pcidesign.analysis import fleet
        argv = ["fleet", str(fleet.SAMPLE_DIR)] + argv[2:]
    assert cli.main(argv) in (0, 1)
    assert capsys.readouterr().err == ""


def _wait_for(term: FakeTerminal, text: str) -> bool:
    for _ in range(20000):  # a bounded wait for the drawing thread, not a timing assertion
        if text in term.getvalue():
            return True
        time.sleep(0.001)
    return False


def test_a_terminal_sees_the_line_and_then_a_clean_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    term = FakeTerminal()
    with Progress("pcidesign findings", unit="question", stream=term, delay=0.0, interval=0.001) as bar:
        bar(2, 16, "idea3-downgrade")
        assert _wait_for(term, "pcidesign findings: question 3 of 16, idea3-downgrade, ")
        bar.step("policy-upstream", 13, 16)
        assert bar.line().startswith("pcidesign findings: question 14 of 16, policy-upstream, ")
    text = term.getvalue()
    drawn = [part for part in text.split("\r") if part]
    assert all(len(part) == 99 for part in drawn)  # each drawing fills the line, never past the width
    assert drawn[-1].strip() == ""  # the last thing on the line is nothing: the output after it starts clean


def test_disabled_or_quick_work_draws_nothing() -> None:
    term = FakeTerminal()
    with Progress("x", stream=term, delay=0.0, enabled=False) as bar:
        bar.step("a")
    with Progress("y", stream=term, delay=3600.0) as bar:  # ends long before its delay
        bar.step("b")
    assert term.getvalue() == ""


def test_a_closed_terminal_does_not_break_the_work() -> None:
    term = FakeTerminal()
    term.close()
    with Progress("x", stream=term, delay=0.0, interval=0.001) as bar:
        bar.step("a")
    assert bar.done == 1
