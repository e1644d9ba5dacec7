"""Load the facts in ``data/`` (releases, classes, devices, defaults, intents) into typed objects.

This is the only module that reads the CSV files. Every row is checked; a broken file fails
with a :class:`~pcidesign.errors.DataError` naming the file, the row and the problem.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pcidesign.model.errors import DataError, UnknownNameError
from pcidesign.model.guestabi import GUEST_VALUES, RANGES, target_field
from pcidesign.model.resources import data_dir

DATA_DIR = data_dir()
DEFAULT_TIMELINE = "real"

Key = tuple[int, ...]
"""A point in release order: a version tuple, or a hypothetical release after all real ones."""

_VERSION = re.compile(r"^\d+(\.\d+){1,3}$")
_HYPOTHETICAL_BASE = 10**6


TARGET_SINCE: Key = (1, 2, 19)
"""``<target>`` (chassisNr, chassis, port, busNr) is known from 1.2.19 (FACTS.md §4, §9)."""


def parse_target(cls: str, text: str) -> tuple[tuple[str, str], ...]:
    """``chassis=7/port=0x10`` (the part of an intent id after its first slash) -> the ``<target>``
    values of a ``cls`` controller; ValueError naming the field and the valid ones or the range."""
    out: list[tuple[str, str]] = []
    for part in text.split("/") if text else ():
        name, eq, value = part.partition("=")
        rule = target_field(cls, name)
        if rule is None:
            valid = [r.field for r in GUEST_VALUES.get(cls, ())]
            raise ValueError(f"{name!r} is not a <target> field of {cls}; valid: {', '.join(valid) or 'none'}")
        low, high = RANGES[name]
        number = int(value, 0) if eq and re.fullmatch(r"0x[0-9a-fA-F]+|[0-9]+", value) else None
        if number is None or not low <= number <= high:
            raise ValueError(f"{name}={value!r}: a number from {low} to {high} (decimal, or hex with 0x)")
        if any(name == n for n, _ in out):
            raise ValueError(f"{name} is given twice")
        out.append((name, value))
    return tuple(out)


def version_key(text: str) -> Key:
    """``"1.2.19"`` -> ``(1, 2, 19)``, padded to three parts so that ``2.9`` == ``2.9.0``."""
    parts = tuple(int(p) for p in text.split("."))
    return parts + (0,) * (3 - len(parts))


@dataclass(frozen=True, eq=False)
class Release:
    """A libvirt release together with the QEMU it runs with on that host."""

    id: str
    libvirt: str
    qemu: str
    date: str
    hypothetical: bool
    timelines: tuple[str, ...]
    adds: str
    source: str
    key: Key = field(compare=False, repr=False)

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True)
class ClassInfo:
    """A PCI controller class (the ``model`` attribute libvirt knows)."""

    id: str
    libvirt_since: Key
    machine: str
    source: str


@dataclass(frozen=True)
class DeviceInfo:
    """A QEMU device implementing a class, with when libvirt and QEMU learned it."""

    id: str
    cls: str
    libvirt_since: Key
    qemu_since: Key
    label: str
    source: str


@dataclass(frozen=True)
class DefaultRule:
    """From ``since`` on, libvirt picks ``device`` for a new ``cls`` if the host's QEMU has it."""

    cls: str
    device: str
    since: Key
    source: str


@dataclass(frozen=True)
class Intent:
    """What a user wants a controller to be: a class and the default device, or one device."""

    id: str
    cls: str
    device: str | None
    note: str
    target: tuple[tuple[str, str], ...] = ()
    """Guest-visible ``<target>`` values the user writes (``pci-bridge/chassisNr=5``), in id order."""


@dataclass(frozen=True, eq=False)
class Host:
    """A release on a host whose QEMU offers ``devices``."""

    release: Release
    qemu: str
    devices: frozenset[str]

    def __str__(self) -> str:
        return self.release.id if self.qemu == self.release.qemu else f"{self.release.id}+qemu-{self.qemu}"


@dataclass(frozen=True)
class Catalog:
    """Every fact pcidesign knows, loaded from one data directory."""

    releases: tuple[Release, ...]
    classes: dict[str, ClassInfo]
    devices: dict[str, DeviceInfo]
    defaults: tuple[DefaultRule, ...]
    intents: dict[str, Intent]
    timelines: dict[str, tuple[Release, ...]]
    _hosts: dict[tuple[str, str | None], Host] = field(default_factory=dict, repr=False, compare=False)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    # -- lookups that fail with the valid choices ------------------------------------------
    def timeline(self, name: str = DEFAULT_TIMELINE) -> tuple[Release, ...]:
        """The ordered releases of timeline ``name``."""
        try:
            return self.timelines[name]
        except KeyError:
            raise UnknownNameError("timeline", name, self.timelines) from None

    def release(self, rid: str, timeline: str | None = None) -> Release:
        """The release ``rid``, checked to belong to ``timeline`` when one is given."""
        pool = self.timeline(timeline) if timeline else self.releases
        for r in pool:
            if r.id == str(rid):
                return r
        raise UnknownNameError(
            "release", rid, [r.id for r in pool], f"timeline {timeline!r}" if timeline else ""
        )

    def intent(self, iid: str) -> Intent:
        """The intent ``iid`` (``CLASS`` or ``CLASS:DEVICE``)."""
        try:
            return self.intents[iid]
        except KeyError:
            raise UnknownNameError("intent", iid, self.intents) from None

    def device(self, did: str) -> DeviceInfo:
        """The QEMU device ``did``."""
        try:
            return self.devices[did]
        except KeyError:
            raise UnknownNameError("device", did, self.devices) from None

    # -- what a release knows ----------------------------------------------------------------
    def since(self, text: str) -> Key:
        """Resolve a ``since`` field: a version, or the id of a hypothetical release."""
        return _since(text, {r.id: r.key for r in self.releases})

    def known_classes(self, release: Release) -> frozenset[str]:
        """Classes the ``model`` attribute of this libvirt release accepts."""
        return frozenset(c.id for c in self.classes.values() if c.libvirt_since <= release.key)

    def knows(self, release: Release, intent: Intent) -> bool:
        """Whether this libvirt release can hold ``intent`` at all: its class, and ``<target>``
        (from 1.2.19) when the intent writes guest-visible values. Scope ``naming`` keeps only the
        cells whose intent both releases know: elsewhere every scheme fails alike."""
        if intent.cls not in self.known_classes(release):
            return False
        return not intent.target or release.key >= TARGET_SINCE

    def known_devices(self, release: Release) -> frozenset[str]:
        """Device names this libvirt release knows (whatever the scheme spells them as)."""
        return frozenset(d.id for d in self.devices.values() if d.libvirt_since <= release.key)

    def legacy_device(self, cls: str) -> str | None:
        """The device a class has always meant (its first default), or None for root buses."""
        rules = [r for r in self.defaults if r.cls == cls]
        return min(rules, key=lambda r: r.since).device if rules else None

    def default_device(self, cls: str, host: Host) -> str | None:
        """The device libvirt at ``host`` fills in for a new ``cls``: newest rule QEMU supports."""
        best: DefaultRule | None = None
        for rule in self.defaults:
            if rule.cls == cls and rule.since <= host.release.key and rule.device in host.devices:
                if best is None or rule.since > best.since:
                    best = rule
        return best.device if best else None

    def host(self, release: Release | str, qemu: str | None = None) -> Host:
        """The host of ``release``, with its own QEMU or the QEMU version ``qemu``."""
        rel = release if isinstance(release, Release) else self.release(release)
        if qemu == rel.qemu:
            qemu = None
        cached = self._hosts.get((rel.id, qemu))
        if cached is not None:
            return cached
        version = qemu or rel.qemu
        if not _VERSION.match(version):
            raise UnknownNameError("QEMU version", version, ["a version such as 2.9.0"])
        qkey = version_key(version)
        devices = frozenset(
            d.id
            for d in self.devices.values()
            if (d.qemu_since <= qkey if d.qemu_since[0] < _HYPOTHETICAL_BASE else d.qemu_since <= rel.key)
        )
        host = self._hosts[(rel.id, qemu)] = Host(rel, version, devices)
        return host

    def host_with(self, release: Release | str, devices: Iterable[str]) -> Host:
        """A host of ``release`` whose QEMU offers exactly ``devices`` (as libvirt's tests do)."""
        rel = release if isinstance(release, Release) else self.release(release)
        devs = frozenset(devices)
        for d in devs:
            self.device(d)
        return Host(rel, "caps", devs)


# ---------------------------------------------------------------------------------------------
def _since(text: str, hypothetical: dict[str, Key]) -> Key:
    if _VERSION.match(text):
        return version_key(text)
    if text in hypothetical:
        return hypothetical[text]
    raise ValueError(f"{text!r} is neither a version nor a release id ({', '.join(hypothetical)})")


def _rows(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise DataError(str(path.name), None, f"missing column(s) {', '.join(missing)}; "
                                f"expected {', '.join(columns)}")
            return [(i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise DataError(str(path), None, f"cannot read: {exc.strerror}") from None


def _yes(value: str, path: Path, row: int) -> bool:
    if value not in ("yes", "no"):
        raise DataError(path.name, row, f"expected yes or no, got {value!r}")
    return value == "yes"


def load(data_dir: str | Path | None = None) -> Catalog:
    """Load and check the catalog from ``data_dir`` (the package's ``data/`` by default)."""
    base = Path(data_dir) if data_dir is not None else DATA_DIR
    return _load(base.resolve())


@functools.lru_cache(maxsize=8)
def _load(base: Path) -> Catalog:
    releases = _load_releases(base / "releases.csv")
    hyp = {r.id: r.key for r in releases}

    def since(path: Path, row: int, text: str) -> Key:
        try:
            return _since(text, hyp)
        except ValueError as exc:
            raise DataError(path.name, row, str(exc)) from None

    p = base / "classes.csv"
    classes: dict[str, ClassInfo] = {}
    for row, r in _rows(p, ["class", "libvirt_since", "machine", "source"]):
        if r["machine"] not in ("pc", "q35"):
            raise DataError(p.name, row, f"unknown machine {r['machine']!r}; valid: pc, q35")
        if r["class"] in classes:
            raise DataError(p.name, row, f"duplicate class {r['class']!r}")
        classes[r["class"]] = ClassInfo(r["class"], since(p, row, r["libvirt_since"]), r["machine"], r["source"])

    p = base / "devices.csv"
    devices: dict[str, DeviceInfo] = {}
    for row, r in _rows(p, ["device", "class", "libvirt_since", "qemu_since", "label", "source"]):
        if r["class"] not in classes:
            raise DataError(p.name, row, f"unknown class {r['class']!r}; valid: {', '.join(classes)}")
        if r["device"] in devices:
            raise DataError(p.name, row, f"duplicate device {r['device']!r}")
        devices[r["device"]] = DeviceInfo(
            r["device"], r["class"], since(p, row, r["libvirt_since"]),
            since(p, row, r["qemu_since"]), r["label"], r["source"],
        )

    p = base / "defaults.csv"
    defaults: list[DefaultRule] = []
    for row, r in _rows(p, ["class", "device", "libvirt_since", "source"]):
        dev = devices.get(r["device"])
        if dev is None:
            raise DataError(p.name, row, f"unknown device {r['device']!r}; valid: {', '.join(devices)}")
        if dev.cls != r["class"]:
            raise DataError(p.name, row, f"device {dev.id!r} implements {dev.cls!r}, not {r['class']!r}")
        defaults.append(DefaultRule(r["class"], r["device"], since(p, row, r["libvirt_since"]), r["source"]))

    p = base / "intents.csv"
    intents: dict[str, Intent] = {}
    for row, r in _rows(p, ["intent", "class", "device", "note"]):
        if r["class"] not in classes:
            raise DataError(p.name, row, f"unknown class {r['class']!r}; valid: {', '.join(classes)}")
        device = r["device"] or None
        if device is not None:
            if device not in devices:
                raise DataError(p.name, row, f"unknown device {device!r}; valid: {', '.join(devices)}")
            if devices[device].cls != r["class"]:
                raise DataError(p.name, row, f"device {device!r} implements {devices[device].cls!r}, "
                                f"not {r['class']!r}")
        expected = r["class"] if device is None else f"{r['class']}:{device}"
        base_id, _, values = r["intent"].partition("/")
        if base_id != expected:
            raise DataError(p.name, row, f"intent id {r['intent']!r} should be {expected!r}, optionally followed "
                            "by /FIELD=VALUE target values")
        try:
            target = parse_target(r["class"], values)
        except ValueError as exc:
            raise DataError(p.name, row, f"intent {r['intent']!r}: {exc}") from None
        if r["intent"] in intents:
            raise DataError(p.name, row, f"duplicate intent {r['intent']!r}")
        intents[r["intent"]] = Intent(r["intent"], r["class"], device, r["note"], target)

    timelines: dict[str, list[Release]] = {}
    for rel in releases:
        for t in rel.timelines:
            timelines.setdefault(t, []).append(rel)
    if DEFAULT_TIMELINE not in timelines:
        raise DataError("releases.csv", None, f"no release belongs to the default timeline {DEFAULT_TIMELINE!r}")
    return Catalog(
        releases=tuple(releases), classes=classes, devices=devices, defaults=tuple(defaults),
        intents=intents, timelines={k: tuple(v) for k, v in timelines.items()},
    )


def _load_releases(p: Path) -> list[Release]:
    columns = ["release", "libvirt", "qemu", "date", "hypothetical", "timelines", "adds", "source"]
    out: list[Release] = []
    seen: set[str] = set()
    n_hyp = 0
    for row, r in _rows(p, columns):
        rid = r["release"]
        if not rid or rid in seen:
            raise DataError(p.name, row, f"missing or duplicate release id {rid!r}")
        seen.add(rid)
        hyp = _yes(r["hypothetical"], p, row)
        if not _VERSION.match(r["qemu"]):
            raise DataError(p.name, row, f"qemu {r['qemu']!r} is not a version")
        if hyp:
            n_hyp += 1
            key: Key = (_HYPOTHETICAL_BASE + n_hyp,)
        else:
            if not _VERSION.match(r["libvirt"]) or not re.match(r"^\d{4}-\d{2}-\d{2}$", r["date"]):
                raise DataError(p.name, row, "a real release needs a libvirt version and a date (YYYY-MM-DD)")
            if n_hyp:
                raise DataError(p.name, row, f"real release {rid!r} listed after a hypothetical one")
            key = version_key(r["libvirt"])
            if out and (key <= out[-1].key or r["date"] <= out[-1].date):
                raise DataError(p.name, row, f"release {rid!r} is out of order: it must come after "
                                f"{out[-1].id} in version and date")
        timelines = tuple(r["timelines"].split())
        if not timelines:
            raise DataError(p.name, row, f"release {rid!r} belongs to no timeline")
        out.append(Release(rid, r["libvirt"], r["qemu"], r["date"], hyp, timelines, r["adds"], r["source"], key))
    if not out:
        raise DataError(p.name, None, "no releases")
    return out
