"""Calibration: what a real libvirt keeps, drops and rejects, against what ``model-subelement`` predicts.

Each probe domain in ``data/calibration/`` (listed with its fact and source in ``probes.csv``)
goes through the real ``virsh -c test:///default 'define FILE; dumpxml NAME'`` -- one virsh
invocation, because the test driver's state lives only as long as its connection -- and
through :func:`pcidesign.engine.roundtrip` (scheme ``model-subelement``, release 9.0.0,
purpose ``define``). The two are compared on what the test driver shares with the qemu driver:
the generic XML parser of ``src/conf/domain_conf.c``:

- accepted or rejected, and the error message word for word;
- for each PCI controller of the probe: the attributes kept, the child elements kept (with their
  attributes), and an explicit ``<model name>`` kept as written.

Not compared, because the test driver is not the qemu driver: the ``<model name>`` libvirt
*fills in* when there is none (the qemu driver's post-parse, from the host's QEMU; the test
driver fills nothing), the implicit root bus the qemu driver adds, and the qemu driver's
validation (probes marked ``shared_by = qemu-driver``, such as a name that does not fit its
class, are run and shown but not counted). Those facts come from the sources cited in
``data/*.csv`` and docs/facts.md (observed with the qemu driver).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from lxml import etree

from pcidesign.model import engine
from pcidesign.model.catalog import Catalog, load
from pcidesign.model.csvdata import parse_csv
from pcidesign.model.errors import PcidesignError
from pcidesign.model.xmlsafe import XMLRefused, display, parse_domain, read_file
from pcidesign.model.resources import data_dir

PROBES_DIR = data_dir() / "calibration"
"""The probe domains shipped with pcidesign, and ``probes.csv`` describing them."""

RELEASE = "9.0.0"
"""The release the model is compared at (Debian 12's libvirt-clients is 9.0.0)."""

SCHEME = "model-subelement"
INSTALL_HINT = "install it with 'apt-get install libvirt-clients' (Debian/Ubuntu), or pass --virsh PATH"
COLUMNS = ["probe", "expect", "shared_by", "libvirt", "model", "status", "detail", "fact", "source"]
STATUSES = ("agree", "DISAGREE", "not-compared")
TIMEOUT = 60


class CalibrationError(PcidesignError):
    """Calibration cannot run: no virsh, a broken probe set, or virsh failing in an unexpected way."""


@dataclass(frozen=True)
class Probe:
    """One probe domain and what it is meant to show."""

    file: Path
    expect: str  # keep, drop or reject
    shared_by: str  # parser (calibrated) or qemu-driver (cited, not compared)
    fact: str
    source: str


@dataclass(frozen=True)
class Verdict:
    """What one side did with a probe: the XML it wrote back, or its error message."""

    xml: bytes | None
    error: str | None


def load_probes(directory: str | os.PathLike[str] | None = None) -> list[Probe]:
    """The probes listed in ``probes.csv`` of ``directory`` (the shipped set by default), checked:
    a file that cannot be parsed raises :class:`~pcidesign.model.errors.DataError` (file, row and
    problem), a bad probe :class:`CalibrationError`."""
    base = Path(directory) if directory is not None else PROBES_DIR
    listing = base / "probes.csv"
    try:
        data = listing.read_bytes()
    except OSError as exc:
        raise CalibrationError(f"{display(listing)}: cannot read the probe list: {exc.strerror or exc}") from None
    table = parse_csv(data, display(listing), ["probe", "expect", "shared_by"])
    out = []
    for n, row in table.rows:
        if row.get("expect") not in ("keep", "drop", "reject") or row.get("shared_by") not in ("parser", "qemu-driver"):
            raise CalibrationError(f"{display(listing)}, row {n}: expect must be keep, drop or reject and "
                                   f"shared_by parser or qemu-driver, got {row.get('expect')!r}, {row.get('shared_by')!r}")
        path = base / (row.get("probe") or "")
        if not path.is_file():
            raise CalibrationError(f"{display(listing)}, row {n}: no probe file {display(path.name)!r}")
        out.append(Probe(path, row["expect"], row["shared_by"], row.get("fact", ""), row.get("source", "")))
    if not out:
        raise CalibrationError(f"{display(listing)}: no probes")
    return out


def find_virsh(virsh: str | None = None) -> str:
    """The virsh to run: ``virsh`` if given (a path or a name on PATH), else ``virsh`` on PATH."""
    found = shutil.which(virsh or "virsh")
    if found is None:
        what = f"{virsh!r} is not an executable" if virsh else "virsh is not on PATH"
        raise CalibrationError(f"{what}; {INSTALL_HINT}")
    return found


def virsh_version(virsh: str) -> str:
    """``virsh --version`` (the libvirt the calibration ran against)."""
    done = subprocess.run([virsh, "--version"], capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return done.stdout.strip() or "?"


_DOMAIN = re.compile(rb"<domain[\s>].*</domain>", re.DOTALL)


def real(probe: Probe, virsh: str) -> Verdict:
    """Define the probe with the real virsh's test driver and dump it back, in one invocation."""
    root = parse_domain(read_file(probe.file), probe.file.name)
    name = root.findtext("name") or ""
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise CalibrationError(f"{probe.file.name}: probe domain names must be plain ([A-Za-z0-9._-]), got {name!r}")
    with tempfile.TemporaryDirectory(prefix="pcidesign-calibrate-") as tmp:
        copy = Path(tmp) / "probe.xml"  # a path with no characters virsh's command parser would split on
        copy.write_bytes(read_file(probe.file))
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            done = subprocess.run([virsh, "-q", "-c", "test:///default", f"define {copy}; dumpxml {name}"],
                                  capture_output=True, timeout=TIMEOUT, env=env, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CalibrationError(f"{probe.file.name}: running {virsh} failed: {exc}") from None
    m = _DOMAIN.search(done.stdout)
    if done.returncode == 0 and m is not None:
        return Verdict(m.group(0), None)
    errors = [line[len("error: "):].strip() for line in done.stderr.decode("utf-8", "replace").splitlines()
              if line.startswith("error: ")]
    errors = [e for e in errors if not e.startswith(("Failed to define domain", "failed to get domain"))]
    if not errors:
        raise CalibrationError(f"{probe.file.name}: virsh exited {done.returncode} without a domain or an error: "
                               f"{done.stderr.decode('utf-8', 'replace').strip()!r}")
    return Verdict(None, errors[0])


def predicted(probe: Probe, catalog: Catalog | None = None) -> Verdict:
    """What ``model-subelement`` at 9.0.0 says a ``define`` of the probe does."""
    cat = catalog or load()
    host = cat.host(cat.release(RELEASE))
    result = engine.roundtrip(SCHEME, host, read_file(probe.file), catalog=cat, purpose="define")
    return Verdict(result.xml, result.error)


# -- comparing --------------------------------------------------------------------------------------
Tree = tuple[str, tuple[tuple[str, str], ...], tuple["Tree", ...]]
"""An element as compared: tag, sorted attributes, children (text and comments ignored)."""
Shape = tuple[tuple[tuple[str, str], ...], tuple[Tree, ...], str | None]
"""A controller as compared: its attributes, its other children (whole subtrees), its model name."""


def _tree(elem: etree._Element) -> Tree:
    return (str(elem.tag), tuple(sorted(elem.attrib.items())),
            tuple(sorted(_tree(c) for c in elem if isinstance(c.tag, str))))


def _pci(xml: bytes) -> dict[str, etree._Element]:
    return {e.get("index", "?"): e for e in parse_domain(xml, "<dumpxml>").iterfind("devices/controller[@type='pci']")}


def _shape(elem: etree._Element) -> Shape:
    attrs = tuple(sorted(elem.attrib.items()))
    children = tuple(sorted(_tree(c) for c in elem if isinstance(c.tag, str) and c.tag != "model"))
    model = elem.find("model")
    return attrs, children, (model.get("name") if model is not None else None)


def summarize(probe_xml: bytes, verdict: Verdict) -> str:
    """``rejected: MESSAGE``, ``kept``, or ``dropped: X, Y`` (what of the probe's controllers is gone)."""
    if verdict.error is not None:
        return f"rejected: {verdict.error}"
    assert verdict.xml is not None
    before, after = _pci(probe_xml), _pci(verdict.xml)
    gone: list[str] = []
    for idx, elem in before.items():
        if idx not in after:
            gone.append(f"controller {idx}")
            continue
        out = after[idx]
        gone += [f"@{a}" for a in elem.attrib if a not in out.attrib]
        kept_tags = {c.tag for c in out if isinstance(c.tag, str)}
        for child in elem:
            if not isinstance(child.tag, str):
                continue
            if child.tag not in kept_tags:
                gone.append(f"<{child.tag}>")
            elif child.tag == "model" and child.get("name") is None:
                gone.append("<model> (no name; any name written back is a fill-in)")
            elif child.tag != "model":
                same = next((c for c in out if c.tag == child.tag), None)
                if same is None:
                    continue
                gone += [f"<{child.tag} @{a}>" for a in child.attrib if a not in same.attrib]
                inner = {c.tag for c in same if isinstance(c.tag, str)}
                gone += [f"<{child.tag}><{c.tag}>" for c in child if isinstance(c.tag, str) and c.tag not in inner]
    return "dropped: " + ", ".join(gone) if gone else "kept"


def compare(probe: Probe, libvirt: Verdict, model: Verdict) -> tuple[str, str]:
    """(status, detail) for one probe: ``agree``, ``DISAGREE`` or ``not-compared``."""
    if probe.shared_by != "parser":
        return "not-compared", "a qemu-driver fact: the test driver does not share it (cited, not calibrated)"
    if (libvirt.error is None) != (model.error is None):
        return "DISAGREE", (f"libvirt {'rejects' if libvirt.error else 'accepts'}, "
                            f"the model {'rejects' if model.error else 'accepts'}")
    if libvirt.error is not None:
        if libvirt.error != model.error:
            return "DISAGREE", f"messages differ: libvirt {libvirt.error!r}, model {model.error!r}"
        return "agree", "rejected with the same message"
    assert libvirt.xml is not None and model.xml is not None
    probe_ctrls = _pci(probe.file.read_bytes())
    real_ctrls, model_ctrls = _pci(libvirt.xml), _pci(model.xml)
    diffs, notes = [], []
    for idx, elem in probe_ctrls.items():
        if (idx in real_ctrls) != (idx in model_ctrls):
            diffs.append(f"controller {idx}: {'kept' if idx in real_ctrls else 'dropped'} by libvirt only")
            continue
        if idx not in real_ctrls:
            continue
        r, m = _shape(real_ctrls[idx]), _shape(model_ctrls[idx])
        if r[0] != m[0]:
            diffs.append(f"controller {idx} attributes: libvirt {dict(r[0])}, model {dict(m[0])}")
        if r[1] != m[1]:
            diffs.append(f"controller {idx} children: libvirt {_children(r[1])}, model {_children(m[1])}")
        explicit = elem.find("model")
        if explicit is not None and explicit.get("name") is not None:
            if r[2] != m[2]:
                diffs.append(f"controller {idx} <model name>: libvirt {r[2]!r}, model {m[2]!r}")
        elif r[2] != m[2]:
            notes.append(f"index {idx}: the model fills in {m[2]!r} (qemu driver), the test driver "
                         f"{'fills in ' + repr(r[2]) if r[2] else 'fills in nothing'}")
    if diffs:
        return "DISAGREE", "; ".join(diffs)
    return "agree", "same attributes and children kept" + (f" ({'; '.join(notes)}: not compared)" if notes else "")


def _children(children: tuple[Tree, ...]) -> str:
    def one(t: Tree) -> str:
        tag, attrs, kids = t
        head = f"<{tag}" + "".join(f" {k}={v!r}" for k, v in attrs)
        return head + (">" + "".join(one(k) for k in kids) + f"</{tag}>" if kids else "/>")
    return ", ".join(one(c) for c in children) or "none"


def run(virsh: str | None = None, probes: str | os.PathLike[str] | None = None,
        catalog: Catalog | None = None) -> pd.DataFrame:
    """Run every probe through the real virsh and the model; one row per probe (see :data:`COLUMNS`).

    Raises :class:`CalibrationError` (saying how to install virsh) when there is no virsh.
    """
    exe = find_virsh(virsh)
    cat = catalog or load()
    rows = []
    for probe in load_probes(probes):
        data = read_file(probe.file)
        try:
            parse_domain(data, probe.file.name)
        except XMLRefused as exc:
            raise CalibrationError(f"probe {exc}: pcidesign's reader refuses it, so it was not given to virsh") from None
        try:
            libvirt = real(probe, exe)
        except XMLRefused as exc:
            raise CalibrationError(f"virsh printed XML pcidesign refuses for {probe.file.name}: {exc}") from None
        model = predicted(probe, cat)
        status, detail = compare(probe, libvirt, model)
        rows.append((probe.file.name, probe.expect, probe.shared_by, summarize(data, libvirt), summarize(data, model),
                     status, detail, probe.fact, probe.source))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame.attrs["virsh"] = exe
    frame.attrs["libvirt"] = virsh_version(exe)
    return frame


def agrees(frame: pd.DataFrame) -> bool:
    """True when no compared probe disagrees."""
    return not (frame["status"] == "DISAGREE").any()


def render(frame: pd.DataFrame, fmt: str = "table") -> str:
    """The calibration table as text (with a verdict line), CSV or JSON."""
    from pcidesign.render.text import render as render_frame

    if fmt != "table":
        return render_frame(frame, fmt) + ("" if fmt == "csv" else "\n")
    shown = frame[["probe", "shared_by", "status", "expect", "libvirt", "model"]]
    counts = frame["status"].value_counts()
    lines = [
        f"calibration of {SCHEME} at {RELEASE} against virsh {frame.attrs.get('libvirt', '?')} "
        f"(test:///default: the generic parser, not the qemu driver)",
        render_frame(shown, "table"),
        "",
        ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES),
    ]
    for _, row in frame[frame["status"] == "DISAGREE"].iterrows():
        lines.append(f"DISAGREE {row['probe']}: {row['detail']}")
    return "\n".join(lines) + "\n"
