"""Numbers with limits (issue 23): an index of any length is read as libvirt reads it (strtoul
saturates and virStrToLong_* fails), never by Python's int() of 10,000 digits; fleet refuses
such a file instead of counting it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcidesign.model.dialect import INT_MAX, Rejection, parse_index

from conftest import ROOT
BIG = "9" * 10_000
DOMAIN = ("<domain type='kvm'><name>big</name><os><type arch='x86_64' machine='pc-i440fx-2.0'>hvm</type></os>"
          "<devices><controller type='pci' index='0' model='pci-root'/>"
          "<controller type='pci' index='{index}' model='pci-bridge'/></devices></domain>")


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PCIDESIGN_SCHEMES"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "pcidesign.cli", *argv], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.parametrize("release, message", [
    ((3, 2, 0), f"internal error: Cannot parse controller index {BIG}"),
    ((1, 2, 18), f"internal error: Cannot parse controller index {BIG}"),
    ((9, 0, 0), f"XML error: Invalid value for attribute 'index' in element 'controller': '{BIG}'. "
                "Expected integer value"),
])
@pytest.mark.parametrize("sign", ["", "-", "+", " 000"])
def test_a_huge_index_is_the_release_s_refusal(release: tuple[int, ...], message: str, sign: str) -> None:
    got = parse_index(sign + BIG, release)
    assert isinstance(got, Rejection)
    assert got.message == message.replace(BIG, sign + BIG)


def test_leading_zeros_do_not_overflow() -> None:
    assert parse_index("0" * 10_000 + "7", (3, 2, 0)) == 7
    assert parse_index("0" * 10_000 + "7", (9, 0, 0)) == 7


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**70), st.sampled_from([(1, 2, 19), (4, 0, 0), (9, 0, 0)]))
def test_an_index_is_accepted_exactly_up_to_int_max(n: int, release: tuple[int, ...]) -> None:
    got = parse_index(str(n), release)
    assert got == n if n <= INT_MAX else isinstance(got, Rejection)


def test_roundtrip_of_a_10000_digit_index_exits_1_with_libvirt_s_message(tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_text(DOMAIN.format(index=BIG))
    for release, words in (("3.2.0", "internal error: Cannot parse controller index 999"),
                           ("9.0.0", "Expected integer value")):
        got = cli("roundtrip", "--scheme", "model-subelement", "--release", release, str(tmp_path / "big.xml"))
        assert got.returncode == 1, got.stderr
        assert "Traceback" not in got.stderr and "4300 digits" not in got.stderr
        assert words in got.stderr and got.stderr.count("\n") == 1


def test_fleet_refuses_a_file_with_a_10000_digit_index(tmp_path: Path) -> None:
    (tmp_path / "big.xml").write_text(DOMAIN.format(index=BIG))
    (tmp_path / "fine.xml").write_text(DOMAIN.format(index="1"))
    got = cli("fleet", str(tmp_path), "--scheme", "model-subelement", "--show", "errors", "--format", "csv")
    assert got.returncode == 1, got.stderr
    assert "Traceback" not in got.stderr
    rows = got.stdout.strip().splitlines()
    assert len(rows) == 2 and rows[1].startswith("big.xml,rejected,") and "Expected integer value" in rows[1]
    got = cli("fleet", str(tmp_path), "--scheme", "model-subelement", "--format", "table")
    assert "2 files, 1 domains" in got.stdout
