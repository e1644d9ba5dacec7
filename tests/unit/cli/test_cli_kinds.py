"""``--kind`` on the command line: the kinds listing, an unknown kind, and the interface kind's
matrix, roundtrip and findings."""

from __future__ import annotations

import csv
import io
import json

import pytest

from pcidesign.cli import main
from conftest import ROOT

SAMPLES = ROOT / "data" / "kinds" / "interface" / "samples"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_kinds_lists_pci_controllers_and_interfaces(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "kinds")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert out.index("pci-controller") < out.index("interface")
    code, out, _ = cli(capsys, "kinds", "--format", "json")
    rows = {r["kind"]: r for r in json.loads(out)}
    assert code == 0 and list(rows) == ["pci-controller", "interface"]
    assert rows["interface"]["schemes"] == "nic-status-quo nic-model-values"
    assert rows["interface"]["elements"] == "devices/interface"
    x86 = [r for r in rows["interface"]["default_rules"] if r["arch"] == "any"]
    assert [r["prefer"] for r in x86] == [["rtl8139"], ["rtl8139", "e1000", "virtio"]]


@pytest.mark.parametrize("command", [
    ["schemes", "--kind", "usb"],
    ["intents", "--kind", "usb"],
    ["matrix", "--kind", "usb", "--scenario", "restart"],
    ["explain", "--kind", "usb", "--scenario", "restart", "--intent", "interface", "--from", "9.0.0", "--to", "V1"],
    ["roundtrip", "--kind", "usb", "--release", "9.0.0", str(SAMPLES / "q35-no-model.xml")],
    ["findings", "--kind", "usb"],
])
def test_an_unknown_kind_exits_2_naming_the_valid_kinds(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, err = cli(capsys, *command)
    assert code == 2 and out == ""
    assert "unknown kind 'usb'" in err and "pci-controller, interface" in err


def test_a_scheme_of_another_kind_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "matrix", "--kind", "interface", "--scheme", "status-quo", "--scenario", "restart")
    assert code == 2 and "nic-status-quo" in err and "is of kind pci-controller" in err


def test_matrix_needs_a_scheme_for_pci_controllers(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "matrix", "--scenario", "restart")
    assert code == 2 and "needs --scheme" in err


def test_matrix_of_interfaces_compares_every_fill_policy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "matrix", "--kind", "interface", "--scenario", "restart", "--timeline", "whatif")
    assert code == 0
    row = next(line.split() for line in out.splitlines() if line.startswith("interface  1.0.4  V1"))
    assert row[3:] == ["guest-changed", "rewritten", "ok", "ok"]
    header = next(line for line in out.splitlines() if line.startswith("intent"))
    assert header.split()[3:] == ["fill=current", "fill=define-only", "fill=never", "Idea", "1", "for", "NICs"]
    code, out, _ = cli(capsys, "matrix", "--kind", "interface", "--scenario", "restart", "--timeline", "whatif",
                       "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4 * 6 * 9 * 9  # four variants, six intents, nine releases on both axes
    cell = {r["scheme"]: r["outcome"] for r in rows if (r["intent"], r["from"], r["to"]) == ("interface", "9.0.0", "V1")}
    assert set(cell.values()) == {"ok"} and len(cell) == 4


@pytest.mark.parametrize("machine", ["q35", "i440fx"])
def test_roundtrip_of_an_interface_without_model_at_9_0_0(capsys: pytest.CaptureFixture[str], machine: str) -> None:
    code, out, _ = cli(capsys, "roundtrip", "--kind", "interface", "--release", "9.0.0", "--qemu", "7.2.0",
                       str(SAMPLES / f"{machine}-no-model.xml"))
    assert code == 0
    assert '<model type="rtl8139"/>' in out
    assert f'machine="{"pc-q35" if machine == "q35" else "pc-i440fx"}-7.2"' in out


def test_explain_replays_a_witness_without_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "explain", "--scheme", "nic-status-quo", "--scenario", "restart", "--intent", "interface",
                       "--from", "1.0.4", "--to", "V1", "--timeline", "whatif")
    assert code == 0 and "verdict: guest-changed" in out


def test_findings_of_interfaces_answer_cited_questions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "findings", "--kind", "interface", "--format", "json", "--jobs", "1")
    assert code == 0
    items = json.loads(out)["questions"]
    assert len(items) >= 3
    by_id = {f["id"]: f for f in items}
    precedent = by_id["nic-rtl8139-precedent"]
    assert precedent["who"] == "Laine Stump" and "rtl8139" in precedent["quote"]
    answers = {a["variant"]: a["outcome"] for a in precedent["answers"]}
    assert answers == {"nic-status-quo": "guest-changed", "nic-status-quo+fill=define-only": "rewritten",
                       "nic-status-quo+fill=never": "ok", "nic-model-values": "ok"}
    assert all(f["cite"] for f in items)


def test_paths_take_the_kind_of_their_scheme(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "paths", "--scheme", "nic-status-quo", "--timeline", "whatif", "--intent", "interface",
                       "--max-hops", "1", "--format", "json")
    assert code == 0
    found = json.loads(out)
    assert found["scheme"] == "nic-status-quo"
    assert "guest-changed" in json.dumps(found)
