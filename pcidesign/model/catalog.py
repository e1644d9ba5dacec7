"""Load the facts in ``data/`` (releases, classes, devices, defaults, intents) into typed objects.

This is the only module that reads the CSV files. Every row is checked; a broken file fails
with a :class:`~pcidesign.errors.DataError` naming the file, the row and the problem.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar

from pcidesign.model.csvdata import Table, _show, parse_csv, read_csv  # noqa: F401  (re-exported)
from pcidesign.model.errors import DataError, UnknownNameError
from pcidesign.model.setting import AXES, MACHINE_FAMILIES
from pcidesign.model.guestabi import GUEST_VALUES, RANGES, target_field
from pcidesign.model.resources import data_dir

T = TypeVar("T")

DATA_DIR = data_dir()
DEFAULT_TIMELINE = AXES["timeline"].default

Key = tuple[int, ...]
"""A point in release order: a version tuple, or a hypothetical release after all real ones."""

_VERSION = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,9}){1,3}\Z")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*\Z")
_TIMELINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\Z")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_HYPOTHETICAL_BASE = 10**6


TARGET_SINCE: Key = (1, 2, 19)
"""``<target>`` (chassisNr, chassis, port, busNr) is known from 1.2.19 (facts §4, §9)."""


TARGET_FORM = "a whole number: decimal, hex with 0x, or octal with a leading 0 (as libvirt reads it, strtol base 0)"
"""The form of a ``<target>`` value in an intent id. libvirt reads these attributes with base 0
(observed on 9.0.0: ``chassis='010'`` is chassis 8); a value out of a field's range is well
formed here, and each release answers it as it does."""

_TARGET_NUMBER = re.compile(r"-?(0[xX][0-9a-fA-F]+|[1-9][0-9]*|0[0-7]*)")


class TargetError(UnknownNameError, ValueError):
    """A ``<target>`` value of an intent id that is not a field of the class, not of the field's
    form, or given twice (bad usage: exit 2)."""


def parse_target(cls: str, text: str) -> tuple[tuple[str, str], ...]:
    """``chassis=7/port=0x10`` (the part of an intent id after its first slash) -> the ``<target>``
    values of a ``cls`` controller; :class:`TargetError` (a ValueError too) naming the class's
    fields, or the field and :data:`TARGET_FORM`. The range is not checked here: a well-formed value
    out of range is each release's to refuse."""
    out: list[tuple[str, str]] = []
    fields = [r.field for r in GUEST_VALUES.get(cls, ())]
    for part in text.split("/") if text else ():
        name, eq, value = part.partition("=")
        rule = target_field(cls, name)
        if rule is None:
            raise TargetError(f"<target> field of {cls}", name, fields or ["none: the class has no <target> values"])
        if rule.words:
            if not eq or value not in dict(rule.words):
                raise TargetError(f"{name} value", value, [w for w, _ in rule.words])
        elif not eq or _TARGET_NUMBER.fullmatch(value) is None:
            low, high = RANGES[name]
            raise TargetError(f"{name} value", value, [f"{TARGET_FORM}; libvirt accepts {low} to {high}"])
        if any(name == n for n, _ in out):
            raise TargetError("field given twice", name, [f for f in fields if f not in dict(out)])
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


def remembered_hash(obj: object) -> int:
    """The hash of a frozen dataclass's fields, computed once per object (a cell's cache key
    hashes its intent and scenario every time it is looked up). Never pickled: a string's hash
    differs from process to process (see :func:`fields_only`)."""
    d = obj.__dict__
    try:
        return d["_hash"]  # type: ignore[no-any-return]
    except KeyError:
        h = d["_hash"] = hash(tuple(getattr(obj, f.name) for f in fields(obj)))  # type: ignore[arg-type]
        return h


def fields_only(obj: object) -> dict[str, object]:
    """An object's state for pickling without the hash :func:`remembered_hash` keeps."""
    return {k: v for k, v in obj.__dict__.items() if k != "_hash"}


@dataclass(frozen=True)
class Intent:
    """What a user wants a controller to be: a class and the default device, or one device."""

    id: str
    cls: str
    device: str | None
    note: str
    target: tuple[tuple[str, str], ...] = ()
    """Guest-visible ``<target>`` values the user writes (``pci-bridge/chassisNr=5``), in id order."""

    def __hash__(self) -> int:
        return remembered_hash(self)

    def __getstate__(self) -> dict[str, object]:
        return fields_only(self)

    @property
    def auto(self) -> bool:
        """A domain-level intent (``q35-auto``): devices and the root bus only, the defining
        release adds the controllers (:mod:`pcidesign.model.autoadd`)."""
        return self.id.endswith("-auto")


@dataclass(frozen=True)
class MachineInfo:
    """A versioned QEMU machine type (``pc-q35-2.4``): the first QEMU that has it, the one that
    removed it (None: still there in the newest QEMU the catalog knows)."""

    name: str
    family: str
    version: Key
    qemu_since: Key
    qemu_removed: Key | None
    source: str


LEGACY_PC_FAMILY = "pc"
"""The i440fx machines QEMU named ``pc-0.10`` to ``pc-1.3``, before ``pc-i440fx-1.4`` (data/machines.csv)."""


@dataclass(frozen=True, eq=False)
class Host:
    """A release on a host whose QEMU offers ``devices``."""

    release: Release
    qemu: str
    devices: frozenset[str]

    def __str__(self) -> str:
        return self.release.id if self.qemu == self.release.qemu else f"{self.release.id}+qemu-{self.qemu}"


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every fact pcidesign knows, loaded from one data directory."""

    releases: tuple[Release, ...]
    classes: dict[str, ClassInfo]
    devices: dict[str, DeviceInfo]
    defaults: tuple[DefaultRule, ...]
    intents: dict[str, Intent]
    timelines: dict[str, tuple[Release, ...]]
    machines: dict[str, MachineInfo] = field(default_factory=dict)
    qemu_dates: dict[str, str] = field(default_factory=dict)
    """QEMU version -> release date (``data/qemu-releases.csv``; empty when a data directory has none)."""
    _hosts: dict[tuple[str, str | None], Host] = field(default_factory=dict, repr=False, compare=False)
    _known: dict[Key, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _made: dict[str, Intent] = field(default_factory=dict, repr=False, compare=False)
    """The intents made on demand from a user's ``<target>`` values (see :meth:`intent`)."""
    _derived: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False, compare=False)
    """What :meth:`_once` remembers: the release-day QEMU, machine lookups, per (question, arguments)."""

    _CACHES = ("_hosts", "_known", "_derived")
    """The fields that only remember what was derived from the others: left out of a pickle (a
    worker derives them again), so that a catalog pickles to the same bytes however much it was
    used (the kept workers are keyed on those bytes: :mod:`pcidesign.analysis.parallel`)."""

    def _once(self, key: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The value derived for ``key`` (the question and its arguments), computed the first time."""
        got = self._derived.get(key)
        if got is None:
            got = self._derived[key] = compute()
        return got  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHES}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        for name in self._CACHES:
            self.__dict__[name] = {}

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
            "release", rid, [r.id for r in pool], f"timeline {timeline!r}" if timeline else "",
            self.timelines_with(rid),
        )

    def timelines_with(self, rid: str) -> tuple[str, ...]:
        """The timelines that have release ``rid`` (none for an unknown id)."""
        return tuple(t for t, line in self.timelines.items() if any(r.id == str(rid) for r in line))

    def intent(self, iid: str) -> Intent:
        """The intent ``iid``: one of data/intents.csv, or ``BASE/FIELD=VALUE...`` where BASE is
        one (``CLASS`` or ``CLASS:DEVICE``) and every field a ``<target>`` field of its class, made
        on demand (a user's own values). UnknownNameError for an unknown base or field,
        :class:`TargetError` for a value not of :data:`TARGET_FORM`."""
        found = self.intents.get(iid) if isinstance(iid, str) else None
        if found is not None:
            return found
        made = self._made.get(iid) if isinstance(iid, str) else None
        if made is not None:
            return made
        if not isinstance(iid, str) or "/" not in iid:
            raise UnknownNameError("intent", iid, [*self.intents, "INTENT/FIELD=VALUE (a <target> value of yours)"])
        base_id, _, values = iid.partition("/")
        base = self.intents.get(base_id)
        if base is None or base.target or base.auto:
            plain = [i for i, v in self.intents.items() if not v.target and not v.auto]
            raise UnknownNameError("intent", base_id, plain, f"intent {iid!r} (the part before '/')")
        try:
            if not values:  # 'pci-root/': a slash that names no value would silently mean the base intent
                fields = [r.field for r in GUEST_VALUES.get(base.cls, ())]
                raise TargetError(f"<target> field of {base.cls}", "", fields or ["none: the class has no <target> values"])
            target = parse_target(base.cls, values)
        except TargetError as exc:
            raise TargetError(exc.kind, exc.value, exc.valid, f"intent {iid!r}") from None
        made = Intent(iid, base.cls, base.device, f"{base.note}, with your <target> values {values} "
                      "(not in data/intents.csv)", target)
        self._made[iid] = made
        return made

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
        """Classes the ``model`` attribute of this libvirt release accepts (computed once per release:
        scope ``naming`` asks for every cell)."""
        known = self._known.get(release.key)
        if known is None:
            known = self._known[release.key] = frozenset(
                c.id for c in self.classes.values() if c.libvirt_since <= release.key)
        return known

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

    def release_day_qemu(self, release: Release) -> str:
        """The newest QEMU of ``qemu-releases.csv`` released on or before ``release``'s date (the
        ``release-day`` pairing); a release without a date (hypothetical) keeps its own QEMU."""
        return self._once(("release-day", release.id), lambda: self._release_day_qemu(release))

    def _release_day_qemu(self, release: Release) -> str:
        if not release.date:
            return release.qemu
        if not self.qemu_dates:
            raise DataError(QEMU_RELEASES, None, "no QEMU release dates: the release-day pairing needs this file")
        out = [q for q, d in self.qemu_dates.items() if d <= release.date]
        if not out:
            raise DataError(QEMU_RELEASES, None, f"no QEMU released on or before {release.id} ({release.date})")
        return max(out, key=version_key)

    def default_device(self, cls: str, host: Host) -> str | None:
        """The device libvirt at ``host`` fills in for a new ``cls``: newest rule QEMU supports."""
        best: DefaultRule | None = None
        for rule in self.defaults:
            if rule.cls == cls and rule.since <= host.release.key and rule.device in host.devices:
                if best is None or rule.since > best.since:
                    best = rule
        return best.device if best else None

    # -- machine types ----------------------------------------------------------------------------
    def canonical_machine(self, machine: str, host: Host) -> str:
        """``machine`` as libvirt saves it on ``host``: an alias becomes the host QEMU's newest
        versioned machine of its family (observed on 9.0.0: ``q35`` saved as ``pc-q35-7.2``,
        facts §9); a versioned machine is kept."""
        return self._once(("canonical", host, machine), lambda: self._canonical_machine(machine, host))

    def _canonical_machine(self, machine: str, host: Host) -> str:
        family = MACHINE_FAMILIES.get(machine)
        if family is None or not _VERSION.match(host.qemu):
            return machine
        if host.release.hypothetical:  # the whatif's QEMU of that release, when it has a machine of its own
            own = [m for m in self.machines.values()
                   if m.family == family and m.qemu_since[0] >= _HYPOTHETICAL_BASE and m.qemu_since <= host.release.key]
            if own:
                return max(own, key=lambda m: m.qemu_since).name
        q = version_key(host.qemu)
        return f"{family}-{q[0]}.{q[1]}"

    def runs_machine(self, host: Host, machine: str) -> bool:
        """Whether ``host``'s QEMU has the versioned machine ``machine`` (data/machines.csv);
        an alias always runs, a name the file does not list never does."""
        return self._once(("runs", host, machine), lambda: self._runs_machine(host, machine))

    def _runs_machine(self, host: Host, machine: str) -> bool:
        if machine in MACHINE_FAMILIES or not _VERSION.match(host.qemu):
            return True  # an alias, or a host described by its capabilities rather than a QEMU version
        info = self.machines.get(machine)
        if info is None:
            return False
        q = version_key(host.qemu)
        if info.qemu_since[0] >= _HYPOTHETICAL_BASE:  # the QEMU of a hypothetical release, as its devices
            return info.qemu_since <= host.release.key
        return info.qemu_since <= q and (info.qemu_removed is None or q < info.qemu_removed)

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

    def host_with(self, release: Release | str, devices: Iterable[str], qemu: str = "caps") -> Host:
        """A host of ``release`` whose QEMU offers exactly ``devices`` (as libvirt's tests do);
        ``qemu`` is its version (``caps``: a capabilities file, which runs every machine)."""
        rel = release if isinstance(release, Release) else self.release(release)
        devs = frozenset(devices)
        for d in devs:
            self.device(d)
        return Host(rel, qemu, devs)


# ---------------------------------------------------------------------------------------------
def _since(text: str, hypothetical: dict[str, Key]) -> Key:
    if _VERSION.match(text):
        return version_key(text)
    if text in hypothetical:
        return hypothetical[text]
    raise ValueError(f"{_show(text)} is neither a version nor a release id ({', '.join(hypothetical)})")


def _rows(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    return list(read_csv(path, columns).rows)


def _name(value: str, what: str, path: Path, row: int) -> str:
    """``value`` if it can name a ``what`` (it goes into XML, file names and messages), else a DataError."""
    if not _NAME.match(value):
        raise DataError(path.name, row, f"{what} {_show(value)} is not a name (a letter or digit, then "
                        "letters, digits and . _ + -)")
    return value


def _yes(value: str, path: Path, row: int) -> bool:
    if value not in ("yes", "no"):
        raise DataError(path.name, row, f"expected yes or no, got {_show(value)}")
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
    table = read_csv(p, ["class", "libvirt_since", "machine", "source"])
    table.require_rows("classes")
    for row, r in table.rows:
        _name(r["class"], "class", p, row)
        if r["machine"] not in ("pc", "q35"):
            raise DataError(p.name, row, f"unknown machine {_show(r['machine'])}; valid: pc, q35")
        if r["class"] in classes:
            raise DataError(p.name, row, f"duplicate class {_show(r['class'])}")
        classes[r["class"]] = ClassInfo(r["class"], since(p, row, r["libvirt_since"]), r["machine"], r["source"])

    p = base / "devices.csv"
    devices: dict[str, DeviceInfo] = {}
    for row, r in _rows(p, ["device", "class", "libvirt_since", "qemu_since", "label", "source"]):
        if r["class"] not in classes:
            raise DataError(p.name, row, f"unknown class {_show(r['class'])}; valid: {', '.join(classes)}")
        _name(r["device"], "device", p, row)
        if r["device"] in devices:
            raise DataError(p.name, row, f"duplicate device {_show(r['device'])}")
        devices[r["device"]] = DeviceInfo(
            r["device"], r["class"], since(p, row, r["libvirt_since"]),
            since(p, row, r["qemu_since"]), r["label"], r["source"],
        )

    p = base / "defaults.csv"
    defaults: list[DefaultRule] = []
    first_rule: dict[tuple[str, Key], tuple[int, str]] = {}
    for row, r in _rows(p, ["class", "device", "libvirt_since", "source"]):
        dev = devices.get(r["device"])
        if dev is None:
            raise DataError(p.name, row, f"unknown device {_show(r['device'])}; valid: {', '.join(devices)}")
        if dev.cls != r["class"]:
            raise DataError(p.name, row, f"device {_show(dev.id)} implements {_show(dev.cls)}, not {_show(r['class'])}")
        rule = DefaultRule(r["class"], r["device"], since(p, row, r["libvirt_since"]), r["source"])
        other = first_rule.setdefault((rule.cls, rule.since), (row, rule.device))
        if other[0] != row:
            raise DataError(p.name, row, f"rows {other[0]} and {row} are both the default rule for class "
                            f"{_show(rule.cls)} since {_show(r['libvirt_since'])} ({_show(other[1])}, "
                            f"{_show(rule.device)}); keep one, since row order must not decide")
        defaults.append(rule)

    p = base / "intents.csv"
    intents: dict[str, Intent] = {}
    table = read_csv(p, ["intent", "class", "device", "note"])
    for row, r in table.rows:
        if r["class"] not in classes:
            raise DataError(p.name, row, f"unknown class {_show(r['class'])}; valid: {', '.join(classes)}")
        device = r["device"] or None
        if device is not None:
            if device not in devices:
                raise DataError(p.name, row, f"unknown device {_show(device)}; valid: {', '.join(devices)}")
            if devices[device].cls != r["class"]:
                raise DataError(p.name, row, f"device {_show(device)} implements {_show(devices[device].cls)}, "
                                f"not {_show(r['class'])}")
        expected = r["class"] if device is None else f"{r['class']}:{device}"
        base_id, _, values = r["intent"].partition("/")
        if base_id.endswith("-auto") and r["class"] in ("pcie-root",) and device is None and not values:
            expected = base_id  # a domain-level intent: the root bus, the release adds the rest
        if base_id != expected:
            raise DataError(p.name, row, f"intent id {_show(r['intent'])} should be {_show(expected)}, optionally "
                            "followed by /FIELD=VALUE target values")
        try:
            target = parse_target(r["class"], values)
        except TargetError as exc:
            raise DataError(p.name, row, f"intent {_show(r['intent'])}: {exc}") from None
        if r["intent"] in intents:
            raise DataError(p.name, row, f"duplicate intent {_show(r['intent'])}")
        intents[r["intent"]] = Intent(r["intent"], r["class"], device, r["note"], target)
    table.require_rows("intents")

    timelines: dict[str, list[Release]] = {}
    for rel in releases:
        for t in rel.timelines:
            timelines.setdefault(t, []).append(rel)
    if DEFAULT_TIMELINE not in timelines:
        raise DataError("releases.csv", None, f"no release belongs to the default timeline {_show(DEFAULT_TIMELINE)}")
    return Catalog(
        releases=tuple(releases), classes=classes, devices=devices, defaults=tuple(defaults),
        intents=intents, timelines={k: tuple(v) for k, v in timelines.items()},
        machines=_load_machines(base / "machines.csv") | _load_whatif_machines(base, releases),
        qemu_dates=_load_qemu_dates(base / QEMU_RELEASES),
    )


QEMU_RELEASES = "qemu-releases.csv"
"""QEMU versions with their release dates (optional: only the ``release-day`` pairing reads it)."""


def _load_qemu_dates(p: Path) -> dict[str, str]:
    """``qemu-releases.csv``: QEMU version -> release date (YYYY-MM-DD); empty when absent."""
    if not p.exists():
        return {}
    out: dict[str, str] = {}
    for row, r in read_csv(p, ["qemu", "date", "source"]).rows:
        if not _VERSION.match(r["qemu"]) or not re.match(r"^\d{4}-\d{2}-\d{2}\Z", r["date"]):
            raise DataError(p.name, row, f"a QEMU version and a date YYYY-MM-DD, not {_show(r['qemu'])}, "
                            f"{_show(r['date'])}")
        if r["qemu"] in out:
            raise DataError(p.name, row, f"duplicate QEMU {_show(r['qemu'])}")
        out[r["qemu"]] = r["date"]
    return out


WHATIF_MACHINES = "machines-whatif.csv"
"""The machines of the hypothetical releases' QEMUs (optional: a data folder without hypothetical
releases, or whose whatif adds no QEMU, has none)."""


def _load_whatif_machines(base: Path, releases: Sequence[Release]) -> dict[str, MachineInfo]:
    """``machines-whatif.csv``, as ``machines.csv``, but a hypothetical release's id stands for the
    QEMU of that release in ``version`` and ``qemu_since`` (the whatif's QEMU that gains a device
    adds its machine version, as every QEMU release does): ``pc-q35-H1``, run only by hosts of that
    release and later ones. Empty when the folder has no such file."""
    p = base / WHATIF_MACHINES
    if not p.exists():
        return {}
    return _load_machines(p, {r.id: r.key for r in releases if r.hypothetical})


def _load_machines(p: Path, hypothetical: Mapping[str, Key] | None = None) -> dict[str, MachineInfo]:
    """``machines.csv``: one versioned machine per row (family, version, first QEMU, removing QEMU);
    with ``hypothetical`` (release id -> order key), those ids too (:func:`_load_whatif_machines`)."""
    hyp = dict(hypothetical or {})
    out: dict[str, MachineInfo] = {}
    table = read_csv(p, ["family", "version", "qemu_since", "qemu_removed", "source"])
    table.require_rows("machines")
    families = set(MACHINE_FAMILIES.values()) | {LEGACY_PC_FAMILY}
    for row, r in table.rows:
        if r["family"] not in families:
            raise DataError(table.name, row, f"unknown machine family {_show(r['family'])}; valid: {', '.join(families)}")
        for col in ("version", "qemu_since") + (("qemu_removed",) if r["qemu_removed"] else ()):
            if not _VERSION.match(r[col]) and not (col != "qemu_removed" and r[col] in hyp):
                raise DataError(table.name, row, f"{col} {_show(r[col])} is not a version such as 2.4 or 2.4.0"
                                + (f" or a hypothetical release ({', '.join(hyp)})" if hyp else ""))
        name = f"{r['family']}-{r['version']}"
        if name in out:
            raise DataError(table.name, row, f"machine {name} appears twice")
        removed = version_key(r["qemu_removed"]) if r["qemu_removed"] else None
        since = hyp[r["qemu_since"]] if r["qemu_since"] in hyp else version_key(r["qemu_since"])
        version = hyp[r["version"]] if r["version"] in hyp else version_key(r["version"])
        if removed is not None and removed <= since:
            raise DataError(table.name, row, f"machine {name} is removed ({r['qemu_removed']}) before it appears "
                            f"({r['qemu_since']})")
        out[name] = MachineInfo(name, r["family"], version, since, removed, r["source"])
    return out


def _load_releases(p: Path) -> list[Release]:
    columns = ["release", "libvirt", "qemu", "date", "hypothetical", "timelines", "adds", "source"]
    out: list[Release] = []
    seen: set[str] = set()
    n_hyp = 0
    table = read_csv(p, columns)
    table.require_rows("releases")
    named = list(dict.fromkeys(t for _, r in table.rows for t in r["timelines"].split() if _TIMELINE.match(t)))
    members: dict[str, list[int]] = {}
    for row, r in table.rows:
        rid = r["release"]
        if rid:
            _name(rid, "release id", p, row)
        if not rid or rid in seen:
            raise DataError(p.name, row, f"missing or duplicate release id {_show(rid)}")
        seen.add(rid)
        hyp = _yes(r["hypothetical"], p, row)
        if r["date"]:
            _check_date(r["date"], p, row)
        if not _VERSION.match(r["qemu"]):
            raise DataError(p.name, row, f"qemu {_show(r['qemu'])} is not a version")
        if hyp:
            n_hyp += 1
            key: Key = (_HYPOTHETICAL_BASE + n_hyp,)
        else:
            if not _VERSION.match(r["libvirt"]) or not r["date"]:
                raise DataError(p.name, row, "a real release needs a libvirt version and a date (YYYY-MM-DD)")
            if n_hyp:
                raise DataError(p.name, row, f"real release {_show(rid)} listed after a hypothetical one")
            key = version_key(r["libvirt"])
            if out and (key <= out[-1].key or r["date"] <= out[-1].date):
                raise DataError(p.name, row, f"release {_show(rid)} is out of order: it must come after "
                                f"{out[-1].id} in version and date")
        timelines = tuple(r["timelines"].split())
        if not timelines:
            raise DataError(p.name, row, f"release {_show(rid)} belongs to no timeline")
        for t in timelines:
            if not _TIMELINE.match(t):
                raise DataError(p.name, row, f"timelines {_show(r['timelines'])}: {_show(t)} is not a timeline "
                                "name (letters, digits, '-' and '_'; several are separated by spaces); "
                                f"timelines named in this file: {', '.join(named) or 'none'}")
            if timelines.count(t) > 1:
                raise DataError(p.name, row, f"timelines {_show(r['timelines'])}: {_show(t)} is named twice")
            members.setdefault(t, []).append(row)
        out.append(Release(rid, r["libvirt"], r["qemu"], r["date"], hyp, timelines, r["adds"], r["source"], key))
    for t, rows in members.items():
        if len(rows) == 1:
            others = [o for o in named if o != t]
            raise DataError(p.name, rows[0], f"timeline {_show(t)} has this release only, and a timeline needs two "
                            f"releases to compare (a misspelling of one of: {', '.join(others) or 'none'}?)")
    return out


def _check_date(text: str, path: Path, row: int) -> None:
    """Refuse a date that is not a calendar date written YYYY-MM-DD."""
    try:
        if not _DATE.match(text):
            raise ValueError("not written YYYY-MM-DD")
        datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise DataError(path.name, row, f"date {_show(text)} is not a valid date YYYY-MM-DD ({exc})") from None
