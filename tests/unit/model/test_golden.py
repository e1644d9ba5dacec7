"""Golden files, like libvirt's qemuxml2xml tests: an input domain beside the expected output.

For each scheme and release in ``GOLDEN_RELEASES``, each input under ``golden/input/`` has an
expected saved config and an expected MIGRATABLE XML (or, when the release rejects the domain,
a ``.error.txt`` with libvirt's message) under ``golden/<scheme>/<release>/``. As for
``pcidesign roundtrip``, the machine type is judged: an alias is saved as the host QEMU's
versioned machine, a machine the host's QEMU lacks is refused.

Regenerate after an intended change with ``PCIDESIGN_REGEN_GOLDEN=1 pytest tests/unit/model/test_golden.py``
and review the diff like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pcidesign
from pcidesign.model.setting import DOCUMENT
from pcidesign.model import engine
from conftest import TESTS

GOLDEN = TESTS / "golden"
INPUTS = sorted((GOLDEN / "input").glob("*.xml"))
GOLDEN_RELEASES = ("1.2.19", "9.0.0", "H2")  # the adoption, the newest real, the newest what-if
REGEN = os.environ.get("PCIDESIGN_REGEN_GOLDEN") == "1"


def _expected(scheme: str, release: str, name: str, kind: str) -> tuple[Path, Path]:
    base = GOLDEN / scheme / release
    return base / f"{name}.{kind}.xml", base / f"{name}.{kind}.error.txt"


CASES = [
    pytest.param(s, r, p, kind, id=f"{s}-{r}-{p.stem}-{kind}")
    for s in pcidesign.scheme_ids()
    for r in GOLDEN_RELEASES
    for p in INPUTS
    for kind in ("saved", "migratable")
]


@pytest.mark.parametrize("scheme,release,path,kind", CASES)
def test_golden(scheme: str, release: str, path: Path, kind: str) -> None:
    cat = pcidesign.load_catalog()  # a whole document: its machine is judged too (setting DOCUMENT)
    host = cat.host(cat.release(release))
    got = engine.roundtrip(scheme, host, path.read_bytes(), migratable=(kind == "migratable"), catalog=cat, setting=DOCUMENT)
    xml_file, err_file = _expected(scheme, release, path.stem, kind)
    if REGEN:
        xml_file.parent.mkdir(parents=True, exist_ok=True)
        for f in (xml_file, err_file):
            f.unlink(missing_ok=True)
        if got.error is not None:
            err_file.write_text(got.error + "\n")
        else:
            assert got.xml is not None
            xml_file.write_bytes(got.xml + b"\n")
        pytest.skip("regenerated: review the diff, then run without PCIDESIGN_REGEN_GOLDEN")
    if got.error is not None:
        assert err_file.exists(), f"{release} rejects {path.name}: {got.error}; no {err_file.name} expected it"
        assert got.error == err_file.read_text().rstrip("\n")
        assert not xml_file.exists()
    else:
        assert xml_file.exists(), f"{release} accepts {path.name}, but {err_file.name} expected a rejection"
        assert got.xml is not None
        assert got.xml.decode() == xml_file.read_text().rstrip("\n")


def test_golden_inputs_exist() -> None:
    assert {p.stem for p in INPUTS} >= {"q35-every-class", "i440fx-every-class"}


def test_every_golden_file_belongs_to_a_case() -> None:
    """No stale expectation lies around unchecked (a removed scheme, release or input)."""
    expected = {f for s, r, p, kind in (c.values for c in CASES) for f in _expected(s, r, p.stem, kind)}
    stale = sorted(str(f.relative_to(GOLDEN)) for f in GOLDEN.rglob("*") if f.is_file()
                   and f.parent != GOLDEN / "input" and f not in expected)
    assert not stale, f"golden files no test reads (delete them or add their case): {stale[:5]}"


def test_every_case_has_exactly_one_expectation() -> None:
    """Each case has its saved/migratable XML or libvirt's message, never both, never neither."""
    for s, r, p, kind in (c.values for c in CASES):
        xml_file, err_file = _expected(s, r, p.stem, kind)
        assert xml_file.exists() != err_file.exists(), f"{s} {r} {p.stem} {kind}: need exactly one of " \
            f"{xml_file.name}, {err_file.name} (regenerate with PCIDESIGN_REGEN_GOLDEN=1)"
