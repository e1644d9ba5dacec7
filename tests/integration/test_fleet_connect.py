"""``pcidesign fleet --connect URI``: a fleet read where it lives, through libvirt-python.

Against libvirt's test driver (no daemon): ``test:///default`` (one domain, ``test``) and a
custom node file (``test:///ABSPATH.xml``, a ``<node>`` of domains) holding the sample fleet's
q35 domains, whose scan must equal the scan of the same domains as files. The missing-binding
message is tested with the module hidden, so it runs without libvirt-python.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet, fleetconnect

HAVE_BINDING = importlib.util.find_spec("libvirt") is not None
needs_binding = pytest.mark.skipif(
    not HAVE_BINDING,
    reason="libvirt-python is not installed: pip install 'pcidesign[connect]' (on Debian first apt-get install "
           "libvirt-dev pkg-config)",
)

Q35 = sorted(fleet.SAMPLE_DIR.glob("*_q35_*.xml"))
"""The sample fleet's q35 domains: PCI Express controllers of every kind the catalog knows."""


def as_test_domain(data: str) -> str:
    """A domain file of the sample, as the test driver takes it (``<domain type='test'>``)."""
    return re.sub(r"<domain type='[a-z]+'", "<domain type='test'", data, count=1)


@pytest.fixture()
def node(tmp_path: Path) -> tuple[str, Path]:
    """(the test-driver URI of a node file holding the q35 domains, a folder holding them as files)."""
    files = tmp_path / "files"
    files.mkdir()
    docs = []
    for f in Q35:
        text = as_test_domain(f.read_text())
        (files / f.name).write_text(text)
        docs.append(text)
    path = tmp_path / "node.xml"
    path.write_text("<node>\n" + "\n".join(docs) + "</node>\n")
    return f"test://{path}", files


@needs_binding
def test_the_default_test_driver_is_scanned(capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert cli.main(["fleet", "--connect", "test:///default"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fleet test:///default (read through libvirt, read-only):")
    assert "1 defined domains (inactive XML), 1 domains, 0 PCI controllers" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    result = fleetconnect.scan("test:///default", schemes=["status-quo"], targets=["4.0.0"])
    assert (result.read_from, result.directory, result.domains, result.files) == ("libvirt", "test:///default", 1, 1)
    assert result.ok and result.controllers == 0
    assert set(result.summary.loc[result.summary["domains"] > 0, "outcome"].astype(str)) == {"ok"}


@needs_binding
def test_a_node_file_of_q35_domains_is_scanned_as_the_same_files_are(node: tuple[str, Path]) -> None:
    uri, files = node
    import libvirt

    conn = libvirt.openReadOnly(uri)
    try:
        held = {d.name(): d.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE) for d in conn.listAllDomains()}
    finally:
        conn.close()
    assert len(held) == len(Q35) >= 10
    pci = sum(x.count("<controller type='pci'") for x in held.values())

    live = fleetconnect.scan(uri, worst=3)
    on_disk = fleet.scan(files, worst=3)
    assert live.ok and (live.files, live.domains) == (len(Q35), len(Q35))
    assert live.controllers + live.unmapped == pci > 100  # every PCI controller libvirt returned was read
    assert live.controllers == on_disk.controllers and live.unmapped == on_disk.unmapped
    assert live.summary.equals(on_disk.summary)  # the same analysis, whatever the domains came from
    # the same worst rows; which domains of a group are named differs with the reading order (names, files)
    assert live.worst.drop(columns=["domain", "file"]).equals(on_disk.worst.drop(columns=["domain", "file"]))
    assert set(live.worst["file"]) <= set(held) and (live.worst["file"] == live.worst["domain"]).all()
    failing = live.summary[(live.summary["domains"] > 0) & live.summary["outcome"].astype(str).isin(["domain-lost"])]
    assert not failing.empty  # a downgrade to a release that cannot read these controllers loses domains


@needs_binding
def test_the_cli_table_reports_the_controllers_of_the_node(node: tuple[str, Path], capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    uri, _ = node
    monkeypatch.setenv("COLUMNS", "100")
    status = cli.main(["fleet", "--connect", uri, "--scheme", "status-quo", "--target", "1.2.18", "--scope", "all"])
    out = capsys.readouterr().out
    assert status == 0
    assert f"{len(Q35)} defined domains (inactive XML), {len(Q35)} domains" in out
    assert "scope all:" in out and "worst-off domains" in out and "domain-lost" in out
    assert "pcie-root-port" in out
    assert max(len(line) for line in out.splitlines()) <= 100


@needs_binding
def test_a_uri_that_cannot_be_opened_exits_2_naming_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"test://{tmp_path}/missing.xml"
    assert cli.main(["fleet", "--connect", uri]) == 2
    err = capsys.readouterr().err
    assert f"cannot open libvirt URI '{uri}'" in err
    assert "missing.xml" in err.split(uri, 1)[1]  # libvirt's own message follows
    assert "Traceback" not in err


def test_a_missing_binding_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "libvirt", None)  # import libvirt raises ImportError
    assert cli.main(["fleet", "--connect", "test:///default"]) == 2
    err = capsys.readouterr().err
    assert "libvirt-python" in err and "pip install 'pcidesign[connect]'" in err
    assert "apt-get install libvirt-dev pkg-config" in err
    with pytest.raises(fleetconnect.ConnectError, match="not installed"):
        fleetconnect.binding()


@pytest.mark.parametrize("argv, said", [
    (["fleet"], "neither was given"),
    (["fleet", str(fleet.SAMPLE_DIR), "--connect", "test:///default"], "not both"),
])
def test_a_directory_or_a_uri_exactly(argv: list[str], said: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    assert said in capsys.readouterr().err
