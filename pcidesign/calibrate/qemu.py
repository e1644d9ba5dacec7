"""Calibration against libvirt 9.0.0's QEMU driver and QEMU 7.2 itself, check by check.

Every probe domain (``data/calibration/*.xml`` by default, or any directory of domain XML files)
goes through a private embedded QEMU driver (:mod:`pcidesign.calibrate.stack`) and through the
model, ``model-subelement`` at 9.0.0 on QEMU 7.2, by :func:`pcidesign.model.engine.roundtrip`:
the very function ``pcidesign roundtrip --release 9.0.0 --qemu 7.2.0`` prints, so the two cannot
drift apart. The checks, one row each:

- ``define``: accepted or rejected, the message word for word;
- ``saved``: per PCI controller of the saved config (``dumpxml --inactive``): class and
  ``<model name>``, the ``<target>`` fields, the address; the machine type; the controllers the
  driver adds (never counted as agreement: ``unmodelled`` when the model has no such rule);
- ``migratable``: the PCI controllers of ``dumpxml --inactive --migratable``;
- ``start``: ``start --paused`` and ``info qtree``: the device QEMU created for each controller,
  and its chassis / port / bus number, against the hardware the model says the guest runs;
- ``load``: the probe placed as a saved config in the driver's config folder, then a driver
  start (a daemon restart): listed by ``virsh list --all`` or not (with libvirt's log line), and
  for a config that loads although ``define`` refuses it, what ``start`` says;
- ``migrate``: the pairs of ``data/calibration/migrate/`` (``NAME.src.xml``, ``NAME.dst.xml``):
  each end defined by the real driver, then two QEMU processes started directly with the
  controllers of those saved configs, the destination with ``-incoming``, QMP ``migrate``:
  completed or refused (QEMU's message), and what the destination shows afterwards; against the
  model's migrate rule (:func:`pcidesign.model.engine.migration_event`);
- ``restore``: for the pairs whose ``pairs.csv`` row says ``restore=yes``, the same two ends
  through libvirt itself: the source defined, started and saved (``virsh save``), then
  ``virsh restore --xml DST``: libvirt's ABI check compares the destination XML with the saved
  definition (refused: ``rejected``, libvirt's message word for word), then QEMU loads the saved
  state into the destination's devices (refused: ``aborted``); against the model's check of an
  application's XML (:func:`pcidesign.model.engine.migrate_with_xml`, the ``migrate-app-xml`` hop,
  which runs the same ABI check).

A difference the model does not represent yet (target values the driver fills in, addresses it
assigns, machine aliases, controllers it adds, rules listed in ``unmodelled.csv``) is reported
as ``unmodelled`` with its reason, never as agreement.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from pcidesign.calibrate import stack as _stack
from pcidesign.model import engine
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog, Host, load
from pcidesign.model.csvdata import parse_csv
from pcidesign.model.setting import DOCUMENT
from pcidesign.model.dialect import Purpose
from pcidesign.model.domain import Hardware
from pcidesign.model.errors import PcidesignError
from pcidesign.model.resources import data_dir
from pcidesign.model.vocab import Outcome
from pcidesign.model.xmlsafe import XMLRefused, display, parse_domain, read_file, to_bytes

PROBES_DIR = data_dir() / "calibration"
"""The shipped probes: every ``*.xml`` here, ``migrate/`` pairs, ``qemu-probes.csv`` and ``unmodelled.csv``."""

RELEASE, QEMU = "9.0.0", "7.2.0"
SCHEME = "model-subelement"
COLUMNS = ["probe", "check", "field", "outcome", "real", "model", "status", "detail"]
STATUSES = ("agree", "DISAGREE", "unmodelled", "not-compared")
ISSUE_ABI = "guest ABI (not modelled yet: docs/calibration.md#not-modelled)"
TARGET_QEMU = {"chassisNr": "chassis_nr", "chassis": "chassis", "port": "port", "busNr": "bus_nr"}
"""``<target>`` attribute -> the QEMU property libvirt passes it as."""
HEX_FIELDS = ("port",)


class CalibrationError(PcidesignError):
    """A probe set that cannot be used (a broken file or listing)."""


@dataclass
class Probe:
    """One probe domain, the QEMU devices to hide from libvirt for it, and its fact."""

    file: Path
    lacks: tuple[str, ...] = ()
    fact: str = ""
    source: str = ""


@dataclass
class Pair:
    """A migration check: the source and destination domain files, what differs, and whether the
    pair also goes through libvirt's save and ``restore --xml`` (its ABI check)."""

    name: str
    src: Path
    dst: Path
    fact: str = ""
    restore: bool = False


@dataclass
class Row:
    """One check's result (see :data:`COLUMNS`)."""

    probe: str
    check: str
    field: str
    outcome: str
    real: str
    model: str
    status: str
    detail: str = ""


@dataclass
class Unmodelled:
    """Rules the model is known not to have, by probe and check, with the reason."""

    reasons: dict[tuple[str, str], str] = field(default_factory=dict)

    def get(self, probe: str, check: str) -> str | None:
        """The reason listed for ``probe`` (file name) and ``check``, if any."""
        return self.reasons.get((probe, check)) or self.reasons.get((probe, "*"))


# -- inputs ---------------------------------------------------------------------------------------
def _csv(path: Path, key: str) -> list[dict[str, str]]:
    """The rows of an optional CSV file of a probe folder (none if it is absent); the file must
    have the column ``key``. Bad content raises :class:`DataError` with the file and row."""
    if not path.is_file():
        return []
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"{display(path)}: cannot read: {exc.strerror or exc}") from None
    return [row for _, row in parse_csv(data, display(path), [key]).rows]


def load_probes(directory: str | os.PathLike[str] | None = None) -> tuple[list[Probe], list[Pair], Unmodelled]:
    """The probes (every ``*.xml`` of ``directory``), the migration pairs and the unmodelled list."""
    base = Path(directory) if directory is not None else PROBES_DIR
    if not base.is_dir():
        raise CalibrationError(f"--probes {display(base)}: not a directory of domain XML files")
    facts = {r.get("probe", ""): r for r in _csv(base / "probes.csv", "probe") + _csv(base / "qemu-probes.csv", "probe")}
    probes = []
    for path in sorted(base.glob("*.xml")):
        row = facts.get(path.name, {})
        lacks = tuple(x for x in (row.get("lacks") or "").split() if x)
        probes.append(Probe(path, lacks, row.get("fact", ""), row.get("source", "")))
    pairs = []
    mig = base / "migrate"
    mrows = {r.get("pair", ""): r for r in _csv(mig / "pairs.csv", "pair")}
    for src in sorted(mig.glob("*.src.xml")) if mig.is_dir() else []:
        name = src.name[: -len(".src.xml")]
        dst = mig / f"{name}.dst.xml"
        if not dst.is_file():
            raise CalibrationError(f"{display(src)}: no destination file {display(dst.name)!r} beside it")
        row = mrows.get(name, {})
        flag = (row.get("restore") or "").strip().lower()
        if flag not in ("", "yes", "no"):
            raise CalibrationError(f"{display(mig / 'pairs.csv')}: pair {name!r}: restore {flag!r} is not one of: "
                                   "yes, no (or empty)")
        pairs.append(Pair(name, src, dst, row.get("fact", ""), flag == "yes"))
    if not probes and not pairs:
        raise CalibrationError(f"--probes {display(base)}: no *.xml domain files")
    unmod = Unmodelled({(r.get("probe", ""), r.get("check", "")): r.get("reason", "")
                        for r in _csv(base / "unmodelled.csv", "probe")})
    return probes, pairs, unmod


def prepare(data: bytes, name: str, source: str) -> bytes:
    """The probe as run here: TCG (``type='qemu'``), the host's emulator, the given name."""
    root = parse_domain(data, source)
    root.set("type", "qemu")
    for old in root.findall("name"):
        root.remove(old)
    for old in root.findall("uuid"):
        root.remove(old)
    for emu in root.findall("devices/emulator"):
        emu.getparent().remove(emu)
    elem = etree.Element("name")
    elem.text = name
    root.insert(0, elem)
    return to_bytes(root)


# -- the model side -------------------------------------------------------------------------------
def model_host(catalog: Catalog, lacks: tuple[str, ...] = ()) -> Host:
    """9.0.0 on QEMU 7.2 (``pcidesign roundtrip --release 9.0.0 --qemu 7.2.0``), minus ``lacks``."""
    host = catalog.host(catalog.release(RELEASE), QEMU)
    if lacks:
        return catalog.host_with(host.release, sorted(host.devices - set(lacks)), host.qemu)
    return host


@dataclass
class Model:
    """What the model says for one document: saved XML or error, MIGRATABLE XML and hardware or error."""

    saved: bytes | None
    error: str | None
    sent: bytes | None
    start_error: str | None
    hardware: Hardware | None


def predict(xml: bytes, host: Host, catalog: Catalog, purpose: Purpose = "define") -> Model:
    """``engine.roundtrip`` twice: the saved config, then MIGRATABLE (which starts the guest)."""
    saved = engine.roundtrip(SCHEME, host, xml, catalog=catalog, purpose=purpose, setting=DOCUMENT)
    if saved.error is not None:
        return Model(None, saved.error, None, None, None)
    sent = engine.roundtrip(SCHEME, host, xml, migratable=True, catalog=catalog, purpose=purpose, setting=DOCUMENT)
    return Model(saved.xml, None, sent.xml, sent.error, sent.hardware)


# -- reading libvirt's XML ------------------------------------------------------------------------
@dataclass(frozen=True)
class Ctrl:
    """A PCI controller as compared: class, name, target fields, address fields."""

    index: str
    cls: str
    name: str | None
    target: dict[str, str]
    address: dict[str, str]


def controllers(xml: bytes) -> dict[str, Ctrl]:
    """The PCI controllers of a domain document, by index."""
    out = {}
    for e in parse_domain(xml, "<dumpxml>").iterfind("devices/controller[@type='pci']"):
        model, target, address = e.find("model"), e.find("target"), e.find("address")
        out[e.get("index", "?")] = Ctrl(
            e.get("index", "?"), e.get("model", "?"), model.get("name") if model is not None else None,
            dict(target.attrib) if target is not None else {}, dict(address.attrib) if address is not None else {})
    return out


def other_controllers(xml: bytes) -> list[str]:
    """``type[:model]`` of the controllers that are not PCI."""
    root = parse_domain(xml, "<dumpxml>")
    return [f"{e.get('type')}" + (f":{e.get('model')}" if e.get("model") else "")
            for e in root.iterfind("devices/controller") if e.get("type") != "pci"]


def machine(xml: bytes) -> str:
    """The ``machine`` attribute of ``<os><type>``."""
    t = parse_domain(xml, "<dumpxml>").find("os/type")
    return (t.get("machine") or "") if t is not None else ""


def _num(value: str) -> int | None:
    try:
        return int(value, 0)
    except ValueError:
        return None


def _fmt(d: dict[str, str]) -> str:
    return " ".join(f"{k}={v}" for k, v in d.items()) or "none"


def _name(c: Ctrl | None) -> str:
    if c is None:
        return "absent"
    return c.cls + (f" <model name={c.name}>" if c.name else "")


# -- qtree ------------------------------------------------------------------------------------------
_DEV = re.compile(r'^(\s*)dev: ([\w.-]+), id "([^"]*)"')
_PROP = re.compile(r"^\s*(chassis_nr|chassis|port|bus_nr|addr) = (\S+)")
_PCIID = re.compile(r"pci id ([0-9a-f]{4}:[0-9a-f]{4})")


def qtree_devices(text: str) -> dict[str, dict[str, str]]:
    """From ``info qtree``: per device id (``pci.N``), its type, pci id and the properties we compare."""
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    depth = -1
    for line in text.splitlines():
        m = _DEV.match(line)
        if m:
            current = {"type": m.group(2)} if m.group(3) else None
            depth = len(m.group(1))
            if current is not None:
                out[m.group(3)] = current
            continue
        if current is None:
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= depth or line.strip().startswith(("bus:", "dev:")):
            if line.strip().startswith("bus:"):
                current = None
            continue
        p = _PROP.match(line)
        if p and p.group(1) not in current:
            current[p.group(1)] = p.group(2).strip('"')
        i = _PCIID.search(line)
        if i and "pci_id" not in current:
            current["pci_id"] = i.group(1)
    return out


# -- the checks -------------------------------------------------------------------------------------
class Calibration:
    """One run: a stack, the catalog, the rows."""

    def __init__(self, stack: _stack.Stack, catalog: Catalog, unmodelled: Unmodelled) -> None:
        self.stack = stack
        self.catalog = catalog
        self.unmodelled = unmodelled
        self.rows: list[Row] = []
        self.facts: dict[str, object] = {}

    def add(self, probe: str, check: str, fld: str, outcome: str, real: str, model: str, status: str,
            detail: str = "") -> None:
        """Record one row; a disagreement listed in ``unmodelled.csv`` becomes ``unmodelled``."""
        if status == "DISAGREE":
            reason = self.unmodelled.get(probe, check)
            if reason:
                status, detail = "unmodelled", f"{reason} ({detail})" if detail else reason
        self.rows.append(Row(probe, check, fld, outcome, real, model, status, detail))

    # -- caps: hiding a device from libvirt -------------------------------------------------------
    def _caps_files(self) -> list[Path]:
        return sorted((self.stack.folder / "cache" / "qemu" / "capabilities").glob("*.xml"))

    def hide(self, devices: tuple[str, ...]) -> dict[Path, bytes]:
        """Remove ``devices``' capability flags from the driver's cache (restored by :meth:`unhide`)."""
        saved = {}
        for path in self._caps_files():
            data = path.read_bytes()
            saved[path] = data
            for dev in devices:
                data = data.replace(f"<flag name='{dev}'/>\n".encode(), b"")
            path.write_bytes(data)
        return saved

    @staticmethod
    def unhide(saved: dict[Path, bytes]) -> None:
        """Put the capability files back."""
        for path, data in saved.items():
            path.write_bytes(data)

    # -- one probe -------------------------------------------------------------------------------
    def probe(self, probe: Probe) -> None:
        """define, saved, migratable and start checks for one probe."""
        label = probe.file.name
        name = "p-" + re.sub(r"[^A-Za-z0-9_-]", "-", probe.file.stem)[:40]
        xml = prepare(read_file(probe.file), name, label)
        model = predict(xml, model_host(self.catalog, probe.lacks), self.catalog)
        hidden = self.hide(probe.lacks) if probe.lacks else {}
        try:
            path = self.stack.put(f"{name}.xml", xml)
            ran = self.stack.virsh(f"define {path}", "echo @@@@", f"dumpxml --inactive {name}", "echo @@@@",
                                   f"dumpxml --inactive --migratable {name}")
            parts = ran.stdout.split("@@@@")
            saved = parts[1].strip().encode() if len(parts) > 1 and "<domain" in parts[1] else None
            sent = parts[2].strip().encode() if len(parts) > 2 and "<domain" in parts[2] else None
            error = None if saved is not None else (ran.errors[0] if ran.errors else f"virsh failed: {ran.stderr.strip()}")
            self.define_row(label, error, model)
            if saved is not None and model.saved is not None:
                self.saved_rows(label, xml, saved, model)
                if sent is not None and model.sent is not None:
                    self.migratable_rows(label, sent, model.sent)
                self.start_rows(label, name, saved, model)
            if saved is not None:
                self.stack.virsh(f"undefine {name}")
        finally:
            if hidden:
                self.unhide(hidden)

    def define_row(self, label: str, error: str | None, model: Model) -> None:
        """Accepted or rejected at define, the message word for word."""
        m_error = model.error or model.start_error
        real = f"rejected: {error}" if error else "accepted"
        said = f"rejected: {m_error}" if m_error else "accepted"
        outcome = "rejected" if error or m_error else "ok"
        if (error is None) != (m_error is None):
            self.add(label, "define", "verdict", outcome, real, said, "DISAGREE",
                     f"libvirt {'rejects' if error else 'accepts'}, the model {'rejects' if m_error else 'accepts'}")
        elif error is not None and error != m_error:
            self.add(label, "define", "message", outcome, real, said, "DISAGREE", "the messages differ")
        elif error is not None and model.error is None:
            self.add(label, "define", "message", outcome, real, said, "agree",
                     "the same message; libvirt refuses at define, the model when it starts the guest")
        else:
            self.add(label, "define", "verdict" if error is None else "message", outcome, real, said, "agree")

    def saved_rows(self, label: str, written: bytes, saved: bytes, model: Model) -> None:
        """Per controller: class and name, target, address; the machine; the controllers added."""
        assert model.saved is not None
        real, pred, wrote = controllers(saved), controllers(model.saved), controllers(written)
        outcome = "ok" if model.saved == written else "rewritten"
        for idx, m in pred.items():
            r = real.get(idx)
            if r is None or (r.cls, r.name) != (m.cls, m.name):
                self.add(label, "saved", f"controller {idx}: class, name", outcome, _name(r), _name(m), "DISAGREE")
                continue
            self.add(label, "saved", f"controller {idx}: class, name", outcome, _name(r), _name(m), "agree")
            self.field_row(label, "saved", f"controller {idx}: target", outcome, r.target, m.target,
                           "the <target> values the QEMU driver fills in (chassisNr, chassis, port, busNr)")
            w = wrote.get(idx)
            if m.address or r.address:
                ra = {k: str(_num(v)) if _num(v) is not None else v for k, v in r.address.items()}
                ma = {k: str(_num(v)) if _num(v) is not None else v for k, v in m.address.items()}
                if ma and ra == ma:
                    self.add(label, "saved", f"controller {idx}: address", outcome, _fmt(r.address), _fmt(m.address),
                             "agree")
                elif not ma and (w is None or not w.address):
                    self.add(label, "saved", f"controller {idx}: address", outcome, _fmt(r.address), "none",
                             "unmodelled", "the PCI addresses the driver assigns")
                else:
                    self.add(label, "saved", f"controller {idx}: address", outcome, _fmt(r.address), _fmt(m.address),
                             "DISAGREE")
        added = [f"{i}:{_name(c)}" for i, c in real.items() if i not in pred]
        others = other_controllers(saved)
        if added or others:
            self.add(label, "saved", "controllers added", outcome, ", ".join(added + others) or "none",
                     "none", "unmodelled", "the controllers the QEMU driver adds (USB, SATA, root ports for their "
                     "slots and for hotplug): " + ISSUE_ABI)
        rm, mm = machine(saved), machine(model.saved)
        if rm == mm:
            self.add(label, "saved", "machine", outcome, rm, mm, "agree")
        else:
            self.add(label, "saved", "machine", outcome, rm, mm, "unmodelled" if mm in ("q35", "pc") else "DISAGREE",
                     f"alias canonicalisation at define: {ISSUE_ABI}" if mm in ("q35", "pc") else "")

    def field_row(self, label: str, check: str, fld: str, outcome: str, real: dict[str, str], model: dict[str, str],
                  what: str) -> None:
        """Compare the fields the model has (text as formatted); fields only libvirt has are unmodelled."""
        if not real and not model:
            return
        common = {k: v for k, v in model.items() if k in real}
        same = all(real[k] == v for k, v in common.items()) and set(model) <= set(real)
        if not same:
            numeric = all(_num(real.get(k, "")) == _num(v) for k, v in model.items())
            self.add(label, check, fld, outcome, _fmt(real), _fmt(model), "DISAGREE",
                     "the same values, formatted differently" if numeric else "")
        elif set(real) - set(model):
            self.add(label, check, fld, outcome, _fmt(real), _fmt(model), "unmodelled", f"{what}: {ISSUE_ABI}")
        else:
            self.add(label, check, fld, outcome, _fmt(real), _fmt(model), "agree")

    def migratable_rows(self, label: str, sent: bytes, model_sent: bytes) -> None:
        """The PCI controllers MIGRATABLE keeps: class and name, for the indexes the model knows."""
        real, pred = controllers(sent), controllers(model_sent)
        r = ", ".join(f"{i}:{_name(c)}" for i, c in real.items() if i in pred) or "none"
        m = ", ".join(f"{i}:{_name(c)}" for i, c in pred.items()) or "none"
        self.add(label, "migratable", "PCI controllers", "ok", r, m, "agree" if r == m else "DISAGREE")

    def start_rows(self, label: str, name: str, saved: bytes, model: Model) -> None:
        """``start --paused``, ``info qtree``: the devices and values QEMU got, against the model's guest."""
        ran = self.stack.virsh(f"start --paused {name}", f"qemu-monitor-command --hmp {name} 'info qtree'",
                               f"destroy {name}", timeout=90)
        started = "Domain" in ran.stdout or "dev:" in ran.stdout
        err = None if "dev:" in ran.stdout else (ran.errors[0] if ran.errors else "start failed")
        if err is not None or model.start_error is not None:
            status = "agree" if err == model.start_error else "DISAGREE"
            self.add(label, "start", "verdict", "rejected", f"rejected: {err}" if err else "started",
                     f"rejected: {model.start_error}" if model.start_error else "started", status)
            return
        del started
        devs = qtree_devices(ran.stdout)
        assert model.hardware is not None
        real_cfg = controllers(saved)
        aliases = {e.get("index", "?"): a.get("name", "")
                   for e in parse_domain(saved, "<dumpxml>").iterfind("devices/controller[@type='pci']")
                   for a in e.findall("alias")}
        pred_cfg = controllers(model.saved) if model.saved else {}
        got, want = [], []
        for idx, cls, dev, _values in model.hardware:
            if dev == "-" or cls == "machine":
                continue
            q = devs.get(aliases.get(str(idx), f"pci.{idx}"), {})
            got.append(f"{idx}:{q.get('type', 'absent')}" + (f"[{q['pci_id']}]" if "pci_id" in q else ""))
            want.append(f"{idx}:{dev}")
            qvals = {t: q[p] for t, p in TARGET_QEMU.items() if p in q}
            cfg = real_cfg.get(str(idx))
            # what libvirt saved is what QEMU got (a check of the real stack itself)
            if cfg is not None:
                bad = [t for t, v in cfg.target.items() if t in qvals and _num(v) != _num(qvals[t])]
                if bad:
                    self.add(label, "start", f"controller {idx}: target -> QEMU", "ok", _fmt(qvals), _fmt(cfg.target),
                             "DISAGREE", "libvirt's saved <target> differs from what QEMU was given")
            m_target = pred_cfg[str(idx)].target if str(idx) in pred_cfg else {}
            if qvals:
                mine = {k: v for k, v in m_target.items() if k in qvals}
                if mine and all(_num(v) == _num(qvals[k]) for k, v in mine.items()):
                    status, why = ("agree", "") if set(mine) == set(qvals) else (
                        "unmodelled", f"values QEMU gets from the driver's fill-in: {ISSUE_ABI}")
                elif mine:
                    status, why = "DISAGREE", ""
                else:
                    status, why = "unmodelled", f"the values QEMU gets ({_fmt(qvals)}) come from the driver's fill-in: {ISSUE_ABI}"
                self.add(label, "start", f"controller {idx}: QEMU values", "ok", _fmt(qvals), _fmt(mine), status, why)
        r, m = ", ".join(got) or "none", ", ".join(want) or "none"
        same = [g.split("[")[0] for g in got] == want
        self.add(label, "start", "devices (info qtree)", "ok", r, m, "agree" if same else "DISAGREE")

    # -- daemon restart: saved configs the driver loads or not ------------------------------------------
    def load(self, probes: list[Probe]) -> None:
        """Place every probe as a saved config, restart the driver, compare who vanishes."""
        names = {}
        for probe in probes:
            name = "l-" + re.sub(r"[^A-Za-z0-9_-]", "-", probe.file.stem)[:40]
            xml = prepare(read_file(probe.file), name, probe.file.name)
            self.stack.put_config(name, xml)
            names[name] = (probe, xml)
        ran = self.stack.virsh("list --all --name")
        listed = set(ran.stdout.split())
        log: dict[str, str] = {}
        previous = ""
        for line in ran.log:
            m = re.search(r"Failed to load config for domain '([^']+)'", line)
            if m:
                log[m.group(1)] = f"{line}, after {previous}" if previous else line
            previous = line
        self.facts["load-log"] = sorted(log.values())
        for name, (probe, xml) in names.items():
            label = probe.file.name
            host = model_host(self.catalog, probe.lacks)
            m = predict(xml, host, self.catalog, purpose="load")
            real_lost = name not in listed
            real = f"vanished: {log.get(name, 'no log line')}" if real_lost else "listed"
            said = f"vanished: {m.error}" if m.error else "listed"
            outcome = "domain-lost" if (real_lost or m.error) else "ok"
            self.add(label, "load", "listed after restart", outcome, real, said,
                     "agree" if real_lost == (m.error is not None) else "DISAGREE")
            if not real_lost and m.error is None and m.start_error is not None:
                hidden = self.hide(probe.lacks) if probe.lacks else {}
                try:
                    start = self.stack.virsh(f"start --paused {name}", f"destroy {name}", timeout=90)
                finally:
                    self.unhide(hidden)
                err = start.errors[0] if start.errors else None
                self.add(label, "load", "start after restart", "rejected", f"rejected: {err}" if err else "started",
                         f"rejected: {m.start_error}", "agree" if err == m.start_error else "DISAGREE")

    # -- live migration between two QEMU processes ---------------------------------------------------
    def migrate(self, pair: Pair) -> None:
        """Define both ends with the real driver, run QEMU twice, migrate; compare with the model."""
        label = f"migrate/{pair.name}"
        ends = {}
        for role, path in (("src", pair.src), ("dst", pair.dst)):
            name = f"m-{role}-" + re.sub(r"[^A-Za-z0-9_-]", "-", pair.name)[:40]
            xml = prepare(read_file(path), name, path.name)
            f = self.stack.put(f"{name}.xml", xml)
            ran = self.stack.virsh(f"define {f}", "echo @@@@", f"dumpxml --inactive {name}", f"undefine {name}")
            part = ran.stdout.split("@@@@")[-1]
            if "<domain" not in part:
                raise CalibrationError(f"{display(path)}: the QEMU driver refuses it: {'; '.join(ran.errors)}")
            saved = part[part.index("<domain"): part.rindex("</domain>") + len("</domain>")].encode()
            ends[role] = (xml, saved)
        host = model_host(self.catalog)
        m_src = predict(ends["src"][0], host, self.catalog)
        m_dst = predict(ends["dst"][0], host, self.catalog)
        if m_src.hardware is None or m_dst.hardware is None:
            raise CalibrationError(f"{label}: the model cannot start one end: {m_src.start_error or m_dst.start_error}")
        event, why = engine.migration_event(m_src.hardware, m_dst.hardware, "the source", "the destination")
        result = self.run_migration(label, ends["src"][1], ends["dst"][1])
        real = "completed" if result["completed"] else f"refused: {result['message']}"
        refused = event is Outcome.ABORTED
        said = ("refused (aborted)" if refused else "completed, the guest changes at its next cold boot (guest-changed)"
                if event is Outcome.GUEST_CHANGED else "completed")
        outcome = "aborted" if refused or not result["completed"] else "ok"
        detail = f"{pair.fact}; destination afterwards: {result['after']}" if pair.fact else f"destination: {result['after']}"
        status = "agree" if (not refused) == bool(result["completed"]) else "DISAGREE"
        self.add(label, "migrate", "QEMU completes or refuses", outcome, real, said, status, detail)
        self.facts.setdefault("migrations", []).append({"pair": pair.name, **result})  # type: ignore[union-attr]

    # -- libvirt's save and restore --xml: its ABI check, then QEMU loading the saved state -----------
    def restore(self, pair: Pair) -> None:
        """Save the source guest, restore it with the destination XML; compare with the model's check
        of an application's XML (:func:`pcidesign.model.engine.migrate_with_xml`)."""
        label = f"migrate/{pair.name}"
        name = "r-" + re.sub(r"[^A-Za-z0-9_-]", "-", pair.name)[:40]
        uuid = f"{zlib.crc32(pair.name.encode()):08x}-0000-4000-8000-000000000000"
        src, dst = (with_uuid(prepare(read_file(p), name, p.name), uuid) for p in (pair.src, pair.dst))
        said_kind, said, said_detail = self.model_restore(src, dst)
        fs, fd = self.stack.put(f"{name}.src.xml", src), self.stack.put(f"{name}.dst.xml", dst)
        image = self.stack.private_dir("images") / f"{name}.img"
        try:
            ran = self.stack.virsh(f"define {fs}", f"start --paused {name}", f"save {name} {image}", timeout=90)
            if not image.exists():
                raise CalibrationError(f"{label}: the source guest could not be saved: {'; '.join(ran.errors)}")
            ran = self.stack.virsh(f"restore {image} --xml {fd} --paused", timeout=90)
        finally:
            self.stack.virsh(f"destroy {name}", f"undefine {name}")
            image.unlink(missing_ok=True)
        error = ran.errors[-1] if ran.returncode != 0 and ran.errors else None
        qemu_said = self.qemu_log(name)
        if ran.returncode == 0:
            kind, real = "ok", "restored"
        elif any("load of migration failed" in line for line in qemu_said):
            # libvirt words it as "qemu unexpectedly closed the monitor: ..." or, when QEMU exits a
            # moment later, "operation failed: domain is no longer running": QEMU's log says why
            kind, real = "aborted", "refused by QEMU: " + " / ".join(qemu_said)
        else:
            kind, real = "rejected", f"rejected by libvirt: {error or ran.stderr.strip()}"
        # a refusal by libvirt agrees only when the model quotes libvirt's message word for word
        agree = kind == said_kind and (kind != "rejected" or (error is not None and error in said_detail))
        outcome = kind if kind == said_kind else "aborted" if "aborted" in (kind, said_kind) else "rejected"
        self.add(label, "restore", "libvirt's ABI check, then QEMU", outcome, real, said,
                 "agree" if agree else "DISAGREE", f"{pair.fact}; model: {said_detail}" if pair.fact else said_detail)

    def qemu_log(self, name: str) -> list[str]:
        """What the last QEMU process of domain ``name`` wrote to its log (``log/qemu/NAME.log``:
        the lines after the last start, without the time stamps and the shut-down lines)."""
        path = self.stack.folder / "log" / "qemu" / f"{name}.log"
        text = path.read_text(errors="replace") if path.is_file() else ""
        last = text.rsplit("starting up", 1)[-1]
        return [re.sub(r"^\S+ qemu-system-\w+: ", "", line) for line in last.splitlines()
                if re.match(r"^\S+ qemu-system-\w+: ", line) and "terminating on signal" not in line]

    def model_restore(self, src: bytes, dst: bytes) -> tuple[str, str, str]:
        """The model's verdict on ``restore --xml`` of ``dst`` over a saved ``src`` guest: its kind
        (``ok``, ``aborted``, ``rejected``), in words, and the model's note."""
        d = _schemes.get(SCHEME).dialect(model_host(self.catalog), self.catalog, DOCUMENT)
        state, step = engine.define(d, src)
        if state is None:
            raise CalibrationError(f"the model cannot define and start the source: {step.note}")
        _, step = engine.migrate_with_xml(state, d, dst, given=True)
        if step.event is Outcome.REJECTED:
            return "rejected", "rejected by libvirt: " + step.note, step.note
        if step.event is Outcome.ABORTED:
            return "aborted", "refused by QEMU (aborted)", step.note
        changes = " (guest-changed: the guest meets the new value at its next cold boot)"
        return "ok", "restored" + (changes if step.event is Outcome.GUEST_CHANGED else ""), step.note

    def run_migration(self, label: str, src: bytes, dst: bytes) -> dict[str, object]:
        """Start both QEMUs from the saved configs, let the source run, migrate, and look at the destination."""
        sock = self.stack.folder / "direct" / "migration.sock"
        (self.stack.folder / "direct").mkdir(exist_ok=True)
        sock.unlink(missing_ok=True)
        args = {role: qemu_args(xml) for role, xml in (("src", src), ("dst", dst))}
        try:
            qs, _ = self.stack.qemu("src", *args["src"])
            qd, errfile = self.stack.qemu("dst", *args["dst"], incoming=f"unix:{sock}")
            qs.execute("cont")
            time.sleep(0.7)  # the firmware numbers the buses behind the bridges
            qs.execute("migrate", uri=f"unix:{sock}")
            status = ""
            for _ in range(200):
                reply = qs.execute("query-migrate").get("return", {})
                status = str(reply.get("status", "")) if isinstance(reply, dict) else ""
                if status in ("completed", "failed", "cancelled"):
                    break
                time.sleep(0.05)
            time.sleep(0.3)
            alive = self.stack.alive("dst")
            after = "not running (QEMU exited)"
            if alive:
                qtree = qtree_devices(qd.hmp("info qtree"))
                pci = qd.hmp("info pci")
                ids = re.findall(r"PCI device ([0-9a-f]{4}:[0-9a-f]{4})", pci)
                state = qd.execute("query-status").get("return", {})
                after = (f"{state.get('status') if isinstance(state, dict) else '?'}; "
                         + ", ".join(f"{k}={v.get('type')}" + "".join(f" {p}={v[p]}" for p in ("chassis_nr", "chassis", "port", "bus_nr") if p in v)
                                     for k, v in sorted(qtree.items()) if k.startswith("pci."))
                         + f"; info pci ids {' '.join(ids)}")
            src_state = qs.execute("query-status").get("return", {})
            qs.close()
            qd.close()
        finally:
            self.stack.stop_direct()
        err = errfile.read_text(errors="replace")
        lines = [ln.split(": ", 1)[-1] for ln in err.splitlines() if "terminating on signal" not in ln]
        return {"completed": alive, "source_status": status,
                "source_after": src_state.get("status") if isinstance(src_state, dict) else "?",
                "message": " / ".join(lines), "after": after,
                "src_args": " ".join(args["src"][1]), "dst_args": " ".join(args["dst"][1]),
                "src_machine": args["src"][0], "dst_machine": args["dst"][0]}


def with_uuid(xml: bytes, uuid: str) -> bytes:
    """``xml`` with ``<uuid>`` after ``<name>`` (a restore with other XML needs the same UUID)."""
    root = parse_domain(xml, "<probe>")
    for old in root.findall("uuid"):
        root.remove(old)
    elem = etree.Element("uuid")
    elem.text = uuid
    name = root.find("name")
    root.insert(list(root).index(name) + 1 if name is not None else 0, elem)
    return to_bytes(root)


def qemu_args(saved: bytes) -> tuple[str, list[str]]:
    """The machine and ``-device`` arguments for a saved config's PCI controllers, as libvirt builds them."""
    mach = machine(saved)
    root_bus = "pcie.0" if "q35" in mach else "pci.0"
    devices = []
    for idx, c in sorted(controllers(saved).items(), key=lambda kv: int(kv[0])):
        if c.name is None:
            continue
        bus = _num(c.address.get("bus", "0")) or 0
        slot, fn = _num(c.address.get("slot", "0")) or 0, _num(c.address.get("function", "0")) or 0
        parts = [c.name, f"id=pci.{idx}", f"bus={root_bus if bus == 0 else f'pci.{bus}'}", f"addr=0x{slot:x}.0x{fn:x}"]
        if c.address.get("multifunction") == "on":
            parts.append("multifunction=on")
        for t, p in TARGET_QEMU.items():
            if t in c.target:
                parts.append(f"{p}={_num(c.target[t])}")
        if c.target.get("hotplug") in ("on", "off"):  # libvirt passes it only when the XML has it
            parts.append(f"hotplug={c.target['hotplug']}")
        devices.append(",".join(parts))
    return mach, devices


# -- running it -------------------------------------------------------------------------------------
def run(probes: str | os.PathLike[str] | None = None, catalog: Catalog | None = None,
        virsh: str | None = None) -> pd.DataFrame:
    """Run every check against the real stack; one row per check (see :data:`COLUMNS`).

    Raises :class:`pcidesign.calibrate.stack.StackUnavailable` (with the install hint) when the
    stack cannot start, :class:`CalibrationError` for a probe set that cannot be used
    (:class:`~pcidesign.model.errors.DataError`, with the file and row, for a CSV file of it).
    """
    cat = catalog or load()  # whole documents: their machine types are judged too (setting DOCUMENT)
    plist, pairs, unmod = load_probes(probes)
    for path in [p.file for p in plist] + [f for pair in pairs for f in (pair.src, pair.dst)]:
        try:
            parse_domain(read_file(path), path.name)
        except XMLRefused as exc:
            raise CalibrationError(f"probe {exc}: pcidesign's reader refuses it, so it was not given to the "
                                   "real stack") from None
    began = time.monotonic()
    with _stack.terminate_as_exit(), _stack.Stack(virsh=virsh) as st:
        cal = Calibration(st, cat, unmod)
        root = str(st.folder)
        version = st.virsh("version").stdout
        try:
            for probe in plist:
                cal.probe(probe)
            cal.load(plist)
            for pair in pairs:
                cal.migrate(pair)
                if pair.restore:
                    cal.restore(pair)
        except XMLRefused as exc:
            raise CalibrationError(f"the real stack printed XML pcidesign refuses: {exc}") from None
    frame = pd.DataFrame([r.__dict__ for r in cal.rows], columns=COLUMNS)
    frame.attrs["versions"] = " ".join(version.split())
    frame.attrs["seconds"] = round(time.monotonic() - began, 1)
    frame.attrs["facts"] = cal.facts
    frame.attrs["root"] = root
    return frame


def agrees(frame: pd.DataFrame) -> bool:
    """True when no check disagrees."""
    return not (frame["status"] == "DISAGREE").any()


def render(frame: pd.DataFrame, fmt: str = "table") -> str:
    """The checks as text (with a verdict line and the disagreements), CSV or JSON."""
    from pcidesign.render.text import render as render_frame

    if fmt != "table":
        return render_frame(frame, fmt) + ("" if fmt == "csv" else "\n")
    counts = frame["status"].value_counts()
    shown = frame[["probe", "check", "field", "status", "real", "model"]].copy()
    for col in ("real", "model"):
        shown[col] = shown[col].map(lambda s: s if len(s) <= 70 else s[:67] + "...")
    lines = [
        f"calibration of {SCHEME} at {RELEASE} (QEMU {QEMU}) against the real QEMU driver and QEMU "
        f"({frame.attrs.get('versions', '?')}), {frame.attrs.get('seconds', '?')} s",
        render_frame(shown, "table"), "",
        f"{len(frame)} checks: " + ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES),
    ]
    for _, row in frame[frame["status"] == "DISAGREE"].iterrows():
        lines.append(f"DISAGREE {row['probe']} {row['check']} [{row['field']}]: real {row['real']!r}; "
                     f"model {row['model']!r}" + (f"; {row['detail']}" if row["detail"] else ""))
    unmod = frame[frame["status"] == "unmodelled"]
    if len(unmod):
        lines.append("")
        lines.append("unmodelled, by reason (--format csv shows every row with both sides):")
        reasons = unmod["detail"].map(lambda d: re.sub(r" \(.*\)$", "", d.split(": ")[0] if d.startswith("the values QEMU gets") else d))
        for reason, group in unmod.groupby(reasons, sort=False):
            where = sorted(set(group["probe"]))
            lines.append(f"  {len(group):3d} x {reason}: " + ", ".join(where[:4]) + (f" and {len(where) - 4} more" if len(where) > 4 else ""))
    return "\n".join(lines) + "\n"


def iter_rows(frame: pd.DataFrame) -> Iterator[Row]:
    """The frame's rows as :class:`Row` objects."""
    for rec in frame.to_dict("records"):
        yield Row(**{k: str(v) for k, v in rec.items()})
