"""Issue 14, item 13 and the fuzz acceptance: smaller hostile-input cases, and Hypothesis over the
CLI's arguments (every run exits 0, 1 or 2, never with a traceback)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcidesign.calibrate import testdriver
from pcidesign.calibrate.testdriver import CalibrationError
from pcidesign.cli import main
from pcidesign.model import params
from pcidesign.model.xmlsafe import XMLRefused, parse_domain

DOMAIN = b"<domain type='kvm'><name>g</name>%s<devices/></domain>"


@pytest.mark.parametrize("inner", [b"<!-- <!DOCTYPE x> -->", b"<description><![CDATA[<!ENTITY e 'x'>]]></description>"])
def test_a_declaration_quoted_in_a_comment_or_cdata_is_text(inner: bytes) -> None:
    assert parse_domain(DOMAIN % inner).find("name").text == "g"


def test_a_real_declaration_after_a_comment_is_still_refused() -> None:
    with pytest.raises(XMLRefused, match="DOCTYPE"):
        parse_domain(b"<!-- c --><!DOCTYPE domain [<!ENTITY e 'x'>]>" + DOMAIN % b"")


def test_a_repeated_value_error_is_short() -> None:
    values = [f"i{n}" for n in range(100_000)] + ["i7", "i7"]
    with pytest.raises(params.ParameterError) as err:
        params.check(intents=values)
    text = str(err.value)
    assert "'i7'" in text and "100002 values given" in text and len(text) < 300


def test_an_unmapped_reason_is_escaped_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.xml").write_text("<domain type='kvm'><name>g</name><devices>"
                                    "<controller type='pci' index='0' model='pci-root'/>"
                                    "<controller type='pci' index='1' model='bad\u202eclass'/></devices></domain>")
    assert main(["fleet", str(tmp_path), "--target", "1.2.18", "--scheme", "status-quo"]) == 0
    out = capsys.readouterr().out
    assert "unknown class 'bad\\u202eclass'" in out and "\\\\u202e" not in out and "\u202e" not in out


def test_calibrate_blames_its_own_reader_for_a_hostile_probe(tmp_path: Path) -> None:
    (tmp_path / "01-hostile.xml").write_bytes(b"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>" + DOMAIN % b"")
    (tmp_path / "probes.csv").write_text("probe,expect,shared_by,fact,source\n01-hostile.xml,keep,parser,f,s\n")
    fake = tmp_path / "virsh"
    fake.write_text("#!/bin/sh\necho 'fake virsh must not run' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(CalibrationError, match="pcidesign's reader refuses it, so it was not given to virsh"):
        testdriver.run(str(fake), tmp_path)


COMMANDS = ["matrix", "explain", "roundtrip", "fleet", "paths", "findings", "compare", "schemes", "intents",
            "releases"]
OPTIONS = ["--scheme", "--scenario", "--intent", "--timeline", "--from", "--to", "--release", "--machine",
           "--pairing", "--policy", "--variant", "--max-hops", "--hops", "--start", "--format", "--target",
           "--question", "--fail-on", "--worst", "--show"]
VALUES = st.one_of(
    st.sampled_from(["model-subelement", "status-quo+fill=never", "restart", "whatif", "1.2.18", "H1", "q35",
                     "libvirt-only", "upstream", "0", "-1", "99999", "json", "", " ", "pcie-root-port",
                     "pci-bridge/chassisNr=5", "a+b=c", "\u202e", "\x1b[2J", "../", "=cmd"]),
    st.text(max_size=12),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COMMANDS), st.lists(st.tuples(st.sampled_from(OPTIONS), VALUES), max_size=4))
def test_cli_fuzz_exits_0_1_or_2_without_a_traceback(command: str, opts: list[tuple[str, str]]) -> None:
    argv = [command] + [x for pair in opts for x in pair]
    if command == "roundtrip":
        argv.append("/nonexistent/file.xml")
    if command == "fleet":
        argv.insert(1, "/nonexistent/dir")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in err.getvalue(), argv


def test_fleet_dot_scans_the_current_folder_and_empty_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.xml").write_text("<domain type='kvm'><name>g</name><devices/></domain>")
    monkeypatch.chdir(tmp_path)
    assert main(["fleet", ".", "--target", "1.2.18", "--scheme", "status-quo"]) == 0
    assert "1 files, 1 domains" in capsys.readouterr().out
    assert main(["fleet", "", "--target", "1.2.18"]) == 2
    assert "must not be empty (say '.' for the current folder)" in capsys.readouterr().err
