"""The fleet scan's work items: tallies merged in order give what reading every file here gives.

Workers send one tally per work item (counts and the first domain names per signature, the
refusals, the first unmapped controllers) and this process merges them in the items' order; it
also reads items itself while the workers start (docs/guide.md#fleet). These tests cut small
fleets into many items and check that nothing depends on the cut or on who read which item.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from pcidesign import cli
from pcidesign.analysis import fleet
from pcidesign.render import fleettext

SAMPLE_FILES = sorted(fleet.SAMPLE_DIR.glob("*.xml"))
TEMPLATE = fleet.SAMPLE_DIR / "ovirt_q35_erp-app-02_generic_new.xml"
SHOWS = ("summary", "worst", "errors", "machines")


@pytest.fixture()
def mixed_fleet(tmp_path: Path) -> Path:
    """Sub-directories, byte-identical copies, refusals of several kinds, unmapped controllers."""
    d = tmp_path / "fleet"
    (d / "host-a").mkdir(parents=True)
    (d / "host-b" / "deeper").mkdir(parents=True)
    for p in SAMPLE_FILES[:9]:
        shutil.copy(p, d / "host-a" / p.name)
    for n in range(5):  # the same document five times: five domains, one signature
        shutil.copy(TEMPLATE, d / "host-b" / f"copy-{n}.xml")
        shutil.copy(TEMPLATE, d / "host-b" / "deeper" / f"copy-{n}.xml")
    (d / "host-b" / "malformed.xml").write_bytes(b"<domain><name>x</name>")
    (d / "host-b" / "empty.xml").write_bytes(b"")
    (d / "host-a" / "network.xml").write_bytes(b"<network><name>default</name></network>")
    unmapped = TEMPLATE.read_bytes().replace(
        b"</devices>", b"<controller type='pci' index='20' model='spapr-pci-host-bridge'/></devices>")
    for n in range(4):
        (d / "host-b" / f"unmapped-{n}.xml").write_bytes(unmapped.replace(b"<name>", f"<name>u{n}-".encode(), 1))
    rejected = TEMPLATE.read_bytes().replace(b"<controller type='pci' index='1'",
                                             b"<controller type='pci' index='99999999999999999999'", 1)
    assert rejected != TEMPLATE.read_bytes()
    (d / "rejected.xml").write_bytes(rejected)
    return d


def _frames(s: fleet.FleetScan) -> dict[str, str]:
    got = {show: fleettext.render(s, "csv", show) for show in SHOWS}
    got["json"] = fleettext.render(s, "json")
    return got


def test_many_small_items_give_what_one_item_gives(mixed_fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = fleet.scan(mixed_fleet, worst=3)
    monkeypatch.setattr(fleet, "CHUNK", 2)
    cut = fleet.scan(mixed_fleet, worst=3)
    assert _frames(cut) == _frames(whole)
    assert whole.domains == 9 + 10 + 4 + 0
    assert whole.error_counts() == {"malformed": 1, "empty": 1, "not-a-domain": 1, "rejected": 1}
    assert whole.files == whole.domains + 4
    assert whole.unmapped == 4 and len(whole.unmapped_rows) == 4


def test_identical_documents_each_count_and_the_first_files_are_kept(mixed_fleet: Path, catalog,  # type: ignore[no-untyped-def]
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "CHUNK", 3)  # the copies fall in several items
    total = fleet._Tally(3)
    for part in fleet._read_all(fleet._folders(mixed_fleet), catalog, 1, worst=3):
        total.merge(part)
    template = fleet.read_domain(TEMPLATE)
    group = total.groups[template.intents]
    assert group.count == 10 + 4  # the copies, and the copies with an unmapped controller more
    assert group.examples == [(template.name, f"host-b/copy-{n}.xml") for n in range(3)]
    assert fleet.signatures(mixed_fleet).count(template.intents) == 14
    assert total.domains == sum(g.count for g in total.groups.values()) == 23


def test_unmapped_rows_stop_at_the_limit_across_items(mixed_fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "MAX_UNMAPPED_ROWS", 3)
    monkeypatch.setattr(fleet, "CHUNK", 2)
    s = fleet.scan(mixed_fleet)
    assert s.unmapped == 4  # every one counted
    assert list(s.unmapped_rows["file"]) == [f"host-b/unmapped-{n}.xml" for n in range(3)]  # the first three listed


def test_a_directory_that_cannot_be_listed_is_a_row_in_its_place(mixed_fleet: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.scandir

    def scandir(path: str | os.PathLike[str]):  # type: ignore[no-untyped-def]
        if os.fspath(path).endswith("deeper"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(fleet, "CHUNK", 4)
    s = fleet.scan(mixed_fleet)
    assert s.domains == 9 + 5 + 4
    row = s.errors.query("file == 'host-b/deeper'").iloc[0]
    assert row["kind"] == "unreadable" and "cannot list directory" in row["error"]
    # the walk's order: a directory's files, then its sub-directories
    assert list(s.errors["file"]) == ["rejected.xml", "host-a/network.xml", "host-b/empty.xml",
                                      "host-b/malformed.xml", "host-b/deeper"]
    assert s.files == s.domains + 4  # a directory is not a file


def test_strict_stops_at_the_first_refusal_in_order(mixed_fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fleet, "CHUNK", 4)
    with pytest.raises(fleet.XMLRefused) as info:
        fleet.scan(mixed_fleet, strict=True, jobs=2)
    assert info.value.source == "rejected.xml" and info.value.kind == "rejected"


def test_progress_is_called_at_each_thousand() -> None:
    seen: list[int] = []
    fleet._progress(seen.append, 0, 999)
    fleet._progress(seen.append, 999, 3000)
    fleet._progress(seen.append, 3000, 3500)
    fleet._progress(None, 0, 5000)
    assert seen == [1000, 2000, 3000]


def test_cli_csv_and_json_are_byte_identical_with_one_and_two_jobs(mixed_fleet: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(fleet, "CHUNK", 3)  # several work items, read by the workers and by this process
    out: dict[str, list[str]] = {}
    for jobs in ("1", "2"):
        for fmt, show in (("csv", "worst"), ("csv", "errors"), ("json", "summary")):
            assert cli.main(["fleet", str(mixed_fleet), "--format", fmt, "--show", show, "--worst", "4",
                             "--jobs", jobs]) == 1  # refused files: exit 1
            out.setdefault(f"{fmt}-{show}", []).append(capsys.readouterr().out)
    for key, (one, two) in out.items():
        assert one == two, key
    assert "copy-0.xml" in out["csv-worst"][0] and "rejected.xml" in out["csv-errors"][0]


def test_this_process_reads_while_the_workers_start(mixed_fleet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which items this process reads depends on how fast the workers start; the result may not.
    A stand-in for the workers (in a thread) waits until this process has read an item, then
    reads the rest, while this process waits for it once: both read, and the result is the same."""
    monkeypatch.setattr(fleet, "CHUNK", 2)
    alone = fleet.scan(mixed_fleet, worst=4)
    real = fleet._tally_item
    here_read, there_read = threading.Event(), threading.Event()
    readers: list[str] = []

    def tally(item, cat):  # type: ignore[no-untyped-def]
        here = threading.current_thread() is threading.main_thread()
        readers.append("here" if here else "there")
        if here:
            if here_read.is_set():
                there_read.wait(60)  # a second item here: not before the stand-in has read one
            here_read.set()
        else:
            there_read.set()
        return real(item, cat)

    def workers(fn, items, jobs, cat):  # type: ignore[no-untyped-def]
        here_read.wait(60)
        for item in items:
            yield fn(item)

    monkeypatch.setattr(fleet, "_tally_item", tally)
    monkeypatch.setattr(fleet.parallel, "ordered", workers)
    shared = fleet.scan(mixed_fleet, worst=4, jobs=2)
    assert {"here", "there"} <= set(readers)
    assert _frames(shared) == _frames(alone)
