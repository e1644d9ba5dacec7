"""Fleet impact: what each scheme would do to a directory of real domain XML files.

:func:`scan` streams every ``*.xml`` file under a directory (as ``virsh dumpxml`` writes
them), maps each PCI controller to an intent -- ``CLASS:DEVICE`` when ``<model name>`` pins the
device, ``CLASS`` otherwise -- and asks the engine, per scheme, target release and scenario,
what happens to that intent when the fleet moves from the release it runs today (``source``)
to the target. A domain's outcome is the worst failure among its controllers; a domain without
one that holds a controller the scheme cannot express counts as ``not-expressible``, not as ``ok``
(:func:`domain_outcome`). Each target is an upgrade (newer than ``source``) or a downgrade
(older); ``direction`` keeps one kind, and the scan says which it reports.

The release the fleet runs today defaults to the newest non-hypothetical release of the
timeline: files written by ``virsh dumpxml`` on today's hosts carry the device names that
release filled in, so that is where they were "written". Pass ``source`` for a fleet that
still runs an older libvirt.

Memory does not grow with the fleet: domains with the same multiset of intents share one
*signature*; the scan keeps a count per signature and the first few domain names of each (as
many as the worst-domains table can show), and computes outcomes once per signature. Worker
processes (``jobs``) send one compact tally per work item (:class:`_Tally`), merged in the files'
order, so the result is the same whatever the number of jobs. Files
that cannot be read or are not domain XML become error rows (:class:`FileError`); the scan goes
on unless ``strict``. Every text taken from a file (names, values, the parser's error messages)
is escaped (``xmlsafe.display``, ``safetext.printable``) before it enters a frame.
"""

from __future__ import annotations

import functools
import os
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from lxml import etree

from pcidesign.analysis import parallel
from pcidesign.model import autoadd, engine
from pcidesign.analysis.matrices import OUTCOME_DTYPE
from pcidesign.model import scenarios as _scenarios
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, Intent, Release, load
from pcidesign.model.dialect import Dialect, Rejection, parse_index
from pcidesign.model.errors import PcidesignError, UnknownNameError
from pcidesign.model.vocab import BY_SEVERITY, Outcome
from pcidesign.model.xmlsafe import KINDS, XMLRefused, display, parse_domain, read_file
from pcidesign.model.resources import data_dir
from pcidesign.schemes import OWNER
from pcidesign.model.safetext import printable
from pcidesign.model.setting import SCOPES
from pcidesign.model.transitions import bulk

SAMPLE_DIR = data_dir() / "fleet-sample"
"""The sample fleet shipped with pcidesign (resolved from the package, not the working directory)."""

SCENARIOS: tuple[str, ...] = ("restart", "migrate")
"""The scenarios a fleet scan reports by default: an upgrade/downgrade of the hosts, and a live migration."""

DIRECTIONS: tuple[str, ...] = ("both", "upgrade", "downgrade")
"""Which targets a scan takes: newer releases than the one the fleet runs (upgrade), older ones
(downgrade), or both."""

SUMMARY_COLUMNS = ["scheme", "target", "scenario", "outcome", "domains", "controllers"]
WORST_COLUMNS = ["scheme", "target", "scenario", "domain", "file", "outcome", "controllers", "at_worst", "detail"]
ERROR_COLUMNS = ["file", "kind", "error"]
UNMAPPED_COLUMNS = ["file", "domain", "controller", "reason"]
MAX_UNMAPPED_ROWS = 1000
"""Unmapped-controller rows kept verbatim; beyond that only the count grows."""

Signature = tuple[str, ...]
"""The sorted intent ids of a domain's PCI controllers (with repeats)."""


class FleetError(PcidesignError):
    """A fleet scan that cannot start (the directory is missing or not a directory)."""


MACHINE_COLUMNS = ["target", "qemu", "domains", "cannot_run", "machines"]


@dataclass(frozen=True)
class DomainInfo:
    """One domain file as the fleet scan sees it."""

    file: str
    name: str
    machine: str
    intents: Signature
    unmapped: tuple[tuple[str, str], ...] = ()
    """(controller, reason) for each PCI controller that maps to no intent of the catalog."""


@dataclass(frozen=True)
class FileError:
    """A file the scan could not use, and why."""

    file: str
    kind: str
    error: str


@dataclass
class _Group:
    count: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class FleetScan:
    """The result of a scan: frames for the CLI and the notebooks, and the totals."""

    directory: str
    timeline: str
    source: str
    targets: tuple[str, ...]
    schemes: tuple[str, ...]
    scenarios: tuple[str, ...]
    files: int
    domains: int
    controllers: int
    unmapped: int
    summary: pd.DataFrame
    """One row per (scheme, target, scenario, outcome): domains and controllers ending there."""
    worst: pd.DataFrame
    """The worst-off domains by name per (scheme, target, scenario): failures only, worst first."""
    errors: pd.DataFrame
    """One row per file that could not be used: file, kind (see ``xmlsafe.KINDS``), error."""
    unmapped_rows: pd.DataFrame
    """PCI controllers that map to no intent (an unknown class or device), not counted in outcomes."""
    direction: str = "both"
    """The targets asked for: ``both``, ``upgrade`` (newer than ``source``) or ``downgrade`` (older)."""
    moves: dict[str, str] = field(default_factory=dict)
    """Per target: ``upgrade``, ``downgrade`` or ``same`` (the release the fleet runs)."""
    scope: str = "all"
    """``all``: every domain counted; ``naming``: a domain holding a controller whose cell (intent,
    the release the fleet runs, the target) is outside scope ``naming`` is left out at that target
    (the target cannot hold that controller whatever the scheme), see :attr:`left_out`."""
    left_out: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Under scope ``naming``, per target: (domains, controllers) left out (empty under ``all``)."""
    read_from: str = "directory"
    """Where the domains came from: ``directory`` (``directory`` is a folder of XML files) or
    ``libvirt`` (``directory`` is a libvirt URI; each "file" is a defined domain's inactive XML)."""
    machines: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MACHINE_COLUMNS))
    """Per target: how many domains name a machine type the target's QEMU does not have
    (data/machines.csv; an alias such as ``q35`` runs everywhere), and which machines those are.
    The outcomes above assume the machine runs (the naming question alone)."""

    def targets_of(self, move: str) -> tuple[str, ...]:
        """The targets that are ``move`` (``upgrade``, ``downgrade`` or ``same``), in timeline order."""
        return tuple(t for t in self.targets if self.moves.get(t) == move)

    @property
    def ok(self) -> bool:
        """True when every file was read and understood as a domain."""
        return self.errors.empty

    def error_counts(self) -> dict[str, int]:
        """How many files failed, per kind."""
        return {k: int(v) for k, v in self.errors["kind"].value_counts().items()}

    def totals(self) -> pd.DataFrame:
        """One row of totals: files, domains, controllers, unmapped controllers, errors."""
        row = {"directory": self.directory, "timeline": self.timeline, "from": self.source,
               "files": self.files, "domains": self.domains, "controllers": self.controllers,
               "unmapped_controllers": self.unmapped, "errors": len(self.errors)}
        return pd.DataFrame([row])

    def wide(self, what: str = "domains") -> pd.DataFrame:
        """Per (scheme, target, scenario), one column per outcome (worst first) counting ``what``."""
        if what not in ("domains", "controllers"):
            raise UnknownNameError("count", what, ["domains", "controllers"])
        order = [o.value for o in BY_SEVERITY]
        frame = self.summary.pivot_table(index=["scheme", "target", "scenario"], columns="outcome",
                                         values=what, aggfunc="sum", observed=False, sort=False)
        frame = frame.reindex(columns=order, fill_value=0).fillna(0).astype(int)
        frame.columns.name = None
        return frame.reset_index()

    def affected(self) -> pd.DataFrame:
        """Per (scheme, target, scenario), the domains whose outcome is a failure, by outcome (long)."""
        fails = [o.value for o in BY_SEVERITY if o.is_failure]
        return self.summary[self.summary["outcome"].isin(fails)].reset_index(drop=True)


# -- reading one file -------------------------------------------------------------------------------
def domain_info(root: etree._Element, file: str, catalog: Catalog) -> DomainInfo:
    """Map a parsed ``<domain>`` to its name, machine and the intent of each PCI controller."""
    name, machine, intents, unmapped = _mapped(root, file, catalog)
    return DomainInfo(file, name, machine, intents, unmapped)


def _mapped(root: etree._Element, file: str, catalog: Catalog,
            ) -> tuple[str, str, Signature, tuple[tuple[str, str], ...]]:
    """:func:`domain_info`'s fields (name, machine, intents, unmapped), without the object.

    The paths select what lxml's ``find("name")``, ``find("os/type")`` and
    ``iterfind("devices/controller[@type='pci']")`` select (the first match in document order,
    or every match in document order; elements and attributes without a namespace), without
    ElementPath's per-call cost: child iteration, and one compiled XPath for the controllers."""
    name_el = next(root.iterchildren("name"), None)
    name = display((name_el.text or "").strip()) if name_el is not None else ""
    if not name:
        name = f"(unnamed: {file})"
    machine = ""
    for os_el in root.iterchildren("os"):
        ostype = next(os_el.iterchildren("type"), None)
        if ostype is not None:
            machine = display(ostype.get("machine") or "")
            break
    intents: list[str] = []
    unmapped: list[tuple[str, str]] = []
    known = _known_elements(catalog, _schemes.get(WRITER))
    for elem in _PCI_CONTROLLERS(root):
        # what an element stands for (its index read by the reader's release, its intent) is a
        # function of its text: a fleet repeats a few hundred distinct controller elements,
        # each read once (the key leaves the element's tail out)
        key = _tostring(elem, with_tail=False)
        found = known.get(key)
        if found is None:
            if len(known) >= _KNOWN_LIMIT:
                known.clear()
            found = known[key] = _element_of(elem, catalog)
        refusal, intent, reason = found
        if refusal is not None:  # no libvirt wrote it: refused, not counted (a 10,000-digit index)
            raise XMLRefused("rejected", file, refusal)
        if intent is None:
            unmapped.append((f"index {display(elem.get('index', '?'))}", reason))
        else:
            intents.append(intent)
    return name, machine or "-", tuple(sorted(intents)), tuple(unmapped)


_PCI_CONTROLLERS = etree.XPath("devices/controller[@type='pci']")
"""The PCI controllers of a ``<domain>``, in document order (evaluated on a tree, parses nothing)."""
_tostring = etree.tostring


def _element_of(elem: etree._Element, catalog: Catalog) -> tuple[str | None, str | None, str]:
    """What a PCI controller element of a dumpxml file stands for: (why the reader's release
    refuses its index, or None; its intent, or None; why there is none)."""
    reader = _reader(catalog)
    index = parse_index(elem.get("index"), reader.release.key)
    if isinstance(index, Rejection):
        return f"{reader.release.id} rejects it: {display(index.message)}", None, ""
    intent, reason = _intent_of(elem, catalog)
    return None, intent, reason


WRITER = "model-subelement"
"""The scheme that wrote the files: real libvirt (what shipped in 1.2.19), as ``virsh dumpxml`` writes."""


_KNOWN_LIMIT = 100_000
"""Distinct controller elements remembered per catalog (:func:`domain_info`) before starting afresh."""


@functools.lru_cache(maxsize=8)
def _known_elements(catalog: Catalog, writer: _schemes.Scheme) -> dict[bytes, tuple[str | None, str | None, str]]:
    """What the controller elements read so far with ``catalog`` and the scheme ``writer`` stand
    for (:func:`_element_of`; a registry change makes another scheme object)."""
    return {}


def _reader(catalog: Catalog) -> Dialect:
    """The dialect that reads a dumpxml file: the shipped scheme at the newest real release."""
    return _reader_of(catalog, _schemes.get(WRITER))


@functools.lru_cache(maxsize=8)
def _reader_of(catalog: Catalog, writer: _schemes.Scheme) -> Dialect:
    newest = [r for r in catalog.releases if not r.hypothetical][-1]
    return writer.dialect(catalog.host(newest), catalog)


def _intent_of(elem: etree._Element, catalog: Catalog) -> tuple[str | None, str]:
    """The intent a controller element of a dumpxml file stands for, as the dialect reads it
    (the class and the device it names, nothing filled in), or None and why."""
    cls = elem.get("model")
    if cls is None:
        return None, "no model attribute"
    if cls not in catalog.classes:
        return None, f"unknown class '{display(cls)}'; known: {', '.join(catalog.classes)}"
    ctrl = _reader(catalog).read(elem, -1, cls)
    if isinstance(ctrl, Rejection):
        return None, display(ctrl.message)
    iid = cls if ctrl.device is None else f"{cls}:{ctrl.device}"
    if iid not in catalog.intents:
        known = [i for i in catalog.intents if i.split(":")[0] == cls]
        return None, f"no intent '{display(iid)}' in the catalog; known for {cls}: {', '.join(known)}"
    return iid, ""


def read_domain(path: str | os.PathLike[str], file: str | None = None, catalog: Catalog | None = None) -> DomainInfo:
    """Read one domain XML file safely (``xmlsafe``) and map it; raises ``XMLRefused`` if unusable."""
    label = file if file is not None else display(path)
    root = parse_domain(read_file(path, source=label), label)
    return domain_info(root, label, catalog or load())


def iter_files(directory: Path) -> Iterator[tuple[Path, str, XMLRefused | None]]:
    """Every ``*.xml`` file under ``directory`` in a stable order, as (path, label, error).

    Streams (one directory listing at a time); does not follow symbolic links to directories;
    a directory that cannot be listed yields an error row and the walk goes on.
    """
    for folder, prefix, names, refused in _folders(directory):
        if refused is not None:
            yield folder, refused.source, refused
        for name in names:
            yield folder / name, display(prefix + name), None


def _folders(directory: Path) -> Iterator[tuple[Path, str, list[str], XMLRefused | None]]:
    """Each folder under ``directory`` in :func:`iter_files`' order, as (folder, the prefix of
    its files' labels, the names of its ``*.xml`` files, sorted; or the refusal to list it).

    A file's label is ``display(prefix + name)``: its path relative to ``directory`` (a name
    from a listing holds no ``/``, so that is what ``Path.relative_to`` gives), built without
    a ``Path`` per file."""
    stack: list[tuple[Path, str]] = [(directory, "")]
    while stack:
        current, prefix = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in it)
        except OSError as exc:
            label = _label(current, directory)
            yield current, prefix, [], XMLRefused("unreadable", label,
                                                  f"cannot list directory: {exc.strerror or exc}")
            continue
        subdirs: list[tuple[Path, str]] = []
        names: list[str] = []
        for name, is_dir in entries:
            if is_dir:
                subdirs.append((current / name, f"{prefix}{name}/"))
            elif name.lower().endswith(".xml"):
                names.append(name)
        yield current, prefix, names, None
        stack.extend(reversed(subdirs))


def _label(path: Path, base: Path) -> str:
    try:
        rel = path.relative_to(base)
    except ValueError:
        rel = path
    return display(str(rel) if str(rel) != "." else str(path))


def signatures(directory: str | os.PathLike[str] = SAMPLE_DIR, catalog: Catalog | None = None) -> list[Signature]:
    """The intent signature of every usable domain file under ``directory``, read as :func:`scan`
    reads them (files that cannot be read or mapped are left out; :func:`scan` reports them)."""
    cat = catalog or load()
    return [sig for part in _read_all(_folders(_directory(directory)), cat, 1, worst=0, every=True)
            for sig in part.order or ()]


def _directory(directory: str | os.PathLike[str]) -> Path:
    """``directory`` as a folder of domain XML files, or a :class:`FleetError` saying what to give."""
    base = Path(directory)
    if not base.is_dir():
        raise FleetError(f"{display(str(base))}: not a directory (give the directory holding the domain XML files, "
                         f"such as the sample {display(str(SAMPLE_DIR))})")
    return base


# -- the scan ---------------------------------------------------------------------------------------
def default_source(catalog: Catalog, timeline: str) -> Release:
    """The release a fleet runs today by default: the newest non-hypothetical one of ``timeline``."""
    real = [r for r in catalog.timeline(timeline) if not r.hypothetical]
    if not real:
        raise UnknownNameError("timeline", timeline, [t for t in catalog.timelines
                                                       if any(not r.hypothetical for r in catalog.timelines[t])],
                               "(it has no real release to run a fleet at)")
    return real[-1]


def domain_outcome(outcomes: Sequence[Outcome]) -> Outcome:
    """A domain's outcome from its controllers': the worst failure; without one, ``not-expressible``
    when the scheme cannot express one of them (such a domain cannot be written at all, so it is not
    ``ok``); else the worst of the rest (``ok`` for a domain without PCI controllers)."""
    worst = Outcome.worst(list(outcomes)) if outcomes else Outcome.OK
    if not worst.is_failure and Outcome.NOT_EXPRESSIBLE in outcomes:
        return Outcome.NOT_EXPRESSIBLE
    return worst


def move(source: Release, target: Release) -> str:
    """``upgrade`` when ``target`` is newer than ``source``, ``downgrade`` when older, else ``same``."""
    return "upgrade" if target.key > source.key else "downgrade" if target.key < source.key else "same"


def scan(
    directory: str | os.PathLike[str] = SAMPLE_DIR,
    timeline: str = DEFAULT_TIMELINE,
    targets: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    source: str | None = None,
    scenarios: Sequence[str] = SCENARIOS,
    strict: bool = False,
    worst: int = 10,
    catalog: Catalog | None = None,
    progress: Callable[[int], None] | None = None,
    direction: str = "both",
    steps: Callable[[int, int, str], None] | None = None,
    jobs: int | None = 1,
    scope: str = "all",
) -> FleetScan:
    """Scan every domain XML under ``directory``: outcomes per scheme, target release and scenario.

    ``targets`` default to every release of ``timeline`` except ``source``; ``schemes`` to all;
    ``source`` (the release the fleet runs today) to :func:`default_source`. With ``strict`` the
    first unusable file raises its ``XMLRefused``; otherwise it becomes a row of ``errors``.
    ``worst`` bounds the worst-domains table per (scheme, target, scenario). ``direction``
    (``upgrade``, ``downgrade``, ``both``) keeps the targets newer or older than ``source``; a
    target given in the other direction, or none left, is an error. ``progress(domains)`` is
    called every 1000 domains read, ``steps(done, total, "scheme -> target")`` before each
    scheme and target is evaluated. ``jobs`` worker processes read the files (None: one per CPU;
    1: this process alone); the result is the same whatever their number. ``scope`` ``naming``
    leaves out, per target, the domains holding a controller outside scope ``naming`` (an intent the
    target or the current release does not know: every scheme fails alike) and counts them apart
    (:attr:`FleetScan.left_out`); ``all`` (the default) counts every domain.
    """
    cat = catalog or load()
    base = _directory(directory)
    workers = parallel.jobs_of(jobs) if _schemes.owner(WRITER) == OWNER else 1
    return _scan(display(base), "directory", _read_all(_folders(base), cat, workers, max(worst, 0)), cat, timeline,
                 targets, schemes, source, scenarios, strict, worst, progress, direction, steps, scope)


def scan_documents(
    documents: Iterable[tuple[str, bytes | XMLRefused]],
    where: str,
    timeline: str = DEFAULT_TIMELINE,
    targets: Sequence[str] | None = None,
    schemes: Sequence[str] | None = None,
    source: str | None = None,
    scenarios: Sequence[str] = SCENARIOS,
    strict: bool = False,
    worst: int = 10,
    catalog: Catalog | None = None,
    progress: Callable[[int], None] | None = None,
    direction: str = "both",
    steps: Callable[[int, int, str], None] | None = None,
    read_from: str = "libvirt",
    scope: str = "all",
) -> FleetScan:
    """:func:`scan` over domain XML documents that are not files: ``(label, XML bytes)`` pairs, or
    ``(label, XMLRefused)`` for one that could not be fetched (as a libvirt connection yields them,
    :mod:`pcidesign.analysis.fleetconnect`). ``where`` names them (a URI); ``read_from`` says what it
    is (``libvirt``). Each document goes through the same safe parser and mapping as a file; the
    other arguments are :func:`scan`'s, and so is the result."""
    cat = catalog or load()
    return _scan(display(where), read_from, _read_documents(documents, cat, max(worst, 0)), cat, timeline, targets,
                 schemes, source, scenarios, strict, worst, progress, direction, steps, scope)


def _read_documents(documents: Iterable[tuple[str, bytes | XMLRefused]], cat: Catalog, worst: int,
                    ) -> Iterator[_Tally]:
    """What each document adds to the scan (one :class:`_Tally` each, in order), as
    :func:`_read_all` tallies files."""
    for label, data in documents:
        label = display(label)
        part = _Tally(worst)
        if isinstance(data, XMLRefused):
            part.refused("file", label, data.kind, data.source, data.problem)
        else:
            try:
                with bulk():
                    fields = _mapped(parse_domain(data, label), label, cat)
            except XMLRefused as exc:
                part.refused("file", label, exc.kind, exc.source, exc.problem)
            else:
                part.domain(label, *fields)
        yield part


def _scan(
    where: str,
    read_from: str,
    records: Iterator[_Tally],
    cat: Catalog,
    timeline: str,
    targets: Sequence[str] | None,
    schemes: Sequence[str] | None,
    source: str | None,
    scenarios: Sequence[str],
    strict: bool,
    worst: int,
    progress: Callable[[int], None] | None,
    direction: str,
    steps: Callable[[int, int, str], None] | None,
    scope: str = "all",
) -> FleetScan:
    """The scan proper, over the ``records`` read (lazily: the arguments are checked first)."""
    if scope not in SCOPES:
        raise UnknownNameError("scope", scope, SCOPES)
    rels = cat.timeline(timeline)
    src = cat.release(source, timeline) if source is not None else default_source(cat, timeline)
    tgts = [cat.release(t, timeline) for t in targets] if targets else [r for r in rels if r is not src]
    if direction not in DIRECTIONS:
        raise UnknownNameError("direction", direction, DIRECTIONS)
    if direction != "both":
        kept = [t for t in tgts if move(src, t) == direction]
        wrong = [t.id for t in tgts if move(src, t) != direction]
        newer = "newer" if direction == "upgrade" else "older"
        if targets and wrong:
            valid = [r.id for r in rels if move(src, r) == direction]
            raise FleetError(f"target {wrong[0]} is not {newer} than {src.id}, the release the fleet runs; "
                             f"--direction {direction} takes: {', '.join(valid) or f'none on timeline {timeline}'}")
        if not kept:
            raise FleetError(f"no release of timeline {timeline} is {newer} than {src.id}, the release the fleet "
                             f"runs: --direction {direction} needs another --current or --timeline")
        tgts = kept
    schs = list(dict.fromkeys(_schemes.get(s) for s in (schemes or _schemes.scheme_ids())))  # one per variant
    scns = [_scenarios.get(s) for s in scenarios]
    if worst < 0:
        raise UnknownNameError("worst count", worst, ["a number >= 0"])

    total = _Tally(worst)
    try:
        for part in records:
            if strict and part.errors:  # the first refusal in the files' order stops the scan
                _progress(progress, total.domains, total.domains + part.first_error_at)
                raise XMLRefused(*part.errors[0][1:])
            _progress(progress, total.domains, total.domains + part.domains)
            total.merge(part)
    finally:
        close = getattr(records, "close", None)
        if close is not None:  # stops the workers now, whether the scan ended or stopped
            close()
    groups = total.groups
    errors = [FileError(label, kind, printable(str(XMLRefused(kind, source, problem))))  # lxml's text is the file's
              for label, kind, source, problem in total.errors]
    files, domains, controllers, unmapped = total.files, total.domains, total.controllers, total.unmapped
    unmapped_rows, machine_counts = total.unmapped_rows, total.machines

    summary, worst_frame, left = _evaluate(groups, cat, src, tgts, schs, scns, timeline, worst, steps, scope)
    return FleetScan(
        directory=where, timeline=timeline, source=src.id, targets=tuple(t.id for t in tgts),
        schemes=tuple(s.id for s in schs), scenarios=tuple(s.id for s in scns),
        files=files, domains=domains, controllers=controllers, unmapped=unmapped,
        summary=summary, worst=worst_frame,
        errors=pd.DataFrame([(e.file, e.kind, e.error) for e in errors], columns=ERROR_COLUMNS),
        unmapped_rows=pd.DataFrame(unmapped_rows, columns=UNMAPPED_COLUMNS),
        machines=machine_table(machine_counts, tgts, cat),
        direction=direction, moves={t.id: move(src, t) for t in tgts}, read_from=read_from,
        scope=scope, left_out=left,
    )


def _progress(progress: Callable[[int], None] | None, before: int, after: int) -> None:
    """``progress(n)`` for each multiple of 1000 domains read after ``before`` up to ``after``."""
    if progress is not None:
        for n in range((before // 1000 + 1) * 1000, after + 1, 1000):
            progress(n)


class _Tally:
    """What a run of documents adds to a scan, in their order: per signature the count and the
    first ``worst`` domains, per machine the count, every refusal, the first unmapped controllers.

    Its size depends on the distinct signatures and the refusals, not on the run's length: a
    worker sends one per work item, and the scan merges them in the items' order
    (:meth:`merge`), which gives what reading every domain here, in order, gives."""

    __slots__ = ("worst", "files", "domains", "controllers", "unmapped", "groups", "machines", "errors",
                 "unmapped_rows", "first_error_at", "order")

    def __init__(self, worst: int, every: bool = False) -> None:
        self.worst = worst
        self.files = self.domains = self.controllers = self.unmapped = 0
        self.groups: dict[Signature, _Group] = {}
        self.machines: dict[str, int] = {}
        self.errors: list[tuple[str, str, str, str]] = []
        """(label, kind, source, problem) of each refusal, in order."""
        self.unmapped_rows: list[tuple[str, str, str, str]] = []
        self.first_error_at = 0
        """The domains read before the first refusal (where a strict scan stops)."""
        self.order: list[Signature] | None = [] if every else None
        """With ``every``: each domain's signature, in order (:func:`signatures`)."""

    def domain(self, file: str, name: str, machine: str, intents: Signature,
               unmapped: tuple[tuple[str, str], ...]) -> None:
        """Count one domain read from ``file`` (the fields of :class:`DomainInfo`)."""
        self.files += 1
        self.domains += 1
        self.machines[machine] = self.machines.get(machine, 0) + 1
        self.controllers += len(intents)
        if unmapped:
            self.unmapped += len(unmapped)
            for ctrl, reason in unmapped:
                if len(self.unmapped_rows) < MAX_UNMAPPED_ROWS:
                    self.unmapped_rows.append((file, name, ctrl, reason))
        group = self.groups.get(intents)
        if group is None:
            group = self.groups[intents] = _Group()
        group.count += 1
        if len(group.examples) < self.worst:
            group.examples.append((name, file))
        if self.order is not None:
            self.order.append(intents)

    def refused(self, origin: str, label: str, kind: str, source: str, problem: str) -> None:
        """Record a refusal: of a ``file`` (which counts as a file read) or of a ``walk``
        (a directory that could not be listed)."""
        if not self.errors:
            self.first_error_at = self.domains
        self.files += origin == "file"
        self.errors.append((label, kind, source, problem))

    def merge(self, part: _Tally) -> None:
        """Add ``part``, the run that follows this one."""
        self.files += part.files
        self.domains += part.domains
        self.controllers += part.controllers
        self.unmapped += part.unmapped
        for machine, n in part.machines.items():
            self.machines[machine] = self.machines.get(machine, 0) + n
        self.errors.extend(part.errors)
        room = MAX_UNMAPPED_ROWS - len(self.unmapped_rows)
        if room > 0:
            self.unmapped_rows.extend(part.unmapped_rows[:room])
        for sig, got in part.groups.items():
            group = self.groups.get(sig)
            if group is None:
                group = self.groups[sig] = _Group()
            group.count += got.count
            room = self.worst - len(group.examples)
            if room > 0:
                group.examples.extend(got.examples[:room])
        if self.order is not None and part.order is not None:
            self.order.extend(part.order)


CHUNK = 500
"""Files a worker reads per work item (the parent keeps a few items per worker in flight)."""

_Segment = tuple[str, ...] | tuple[str, str, str, list[str]]
"""A piece of a work item: ``("dir", folder, label prefix, names)``, files to read, or
``("walk", label, kind, source, problem)``, a directory that could not be listed."""


def _read_all(folders: Iterator[tuple[Path, str, list[str], XMLRefused | None]], cat: Catalog, jobs: int,
              worst: int, every: bool = False) -> Iterator[_Tally]:
    """What each run of :data:`CHUNK` files adds to the scan, in order, read by ``jobs``
    processes (``folders`` as :func:`_folders` yields them; ``worst`` and ``every`` as for
    :class:`_Tally`)."""
    items = _work_items(folders, worst, every)
    if jobs <= 1:
        return (_tally_item(item, cat) for item in items)
    return _shared(items, cat, jobs)


_Item = tuple[int, bool, list[_Segment]]
"""A work item: (worst, every, segments), see :class:`_Tally` and :data:`_Segment`."""


def _work_items(folders: Iterator[tuple[Path, str, list[str], XMLRefused | None]], worst: int,
                every: bool) -> Iterator[_Item]:
    """The files of ``folders`` (and the folders that could not be listed), :data:`CHUNK` a work item."""
    segments: list[_Segment] = []
    size = 0
    for folder, prefix, names, refused in folders:
        if refused is not None:
            segments.append(("walk", refused.source, refused.kind, refused.source, refused.problem))
            size += 1
        where = str(folder)
        start = 0
        while start < len(names):
            take = names[start:start + max(CHUNK - size, 1)]
            segments.append(("dir", where, prefix, take))
            size += len(take)
            start += len(take)
            if size >= CHUNK:
                yield worst, every, segments
                segments, size = [], 0
        if size >= CHUNK:
            yield worst, every, segments
            segments, size = [], 0
    if segments:
        yield worst, every, segments


class _PoolFailed:
    """What the thread driving the workers raised, handed to the scan to raise."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _shared(items: Iterator[_Item], cat: Catalog, jobs: int) -> Iterator[_Tally]:
    """:func:`_tally_item` of each item, in order: ``jobs`` worker processes read them
    (:func:`parallel.ordered`, driven from a thread), and this process reads the items it takes
    while the workers start (a second or so, spent reading instead of waiting).

    Both take the next item from ``items`` under a lock; each item's tally depends on the item
    alone, and the tallies are handed on in the items' order, so the result does not depend on
    who read which. Closing this generator (the scan ending, or stopping at a refusal under
    ``strict``) stops the workers and waits for the thread."""
    lock = threading.Lock()
    numbered = enumerate(items)
    stop = threading.Event()
    results: queue.SimpleQueue[tuple[int, _Tally] | _PoolFailed | None] = queue.SimpleQueue()

    def take() -> tuple[int, _Item] | None:
        with lock:
            return None if stop.is_set() else next(numbered, None)

    def for_pool() -> Iterator[tuple[int, _Item]]:
        while (got := take()) is not None:
            yield got

    def drive() -> None:
        try:
            for got in parallel.ordered(_read_numbered, for_pool(), jobs, cat):
                results.put(got)
                if stop.is_set():
                    break
        except BaseException as exc:  # handed on: the scan raises it
            results.put(_PoolFailed(exc))
        results.put(None)

    thread = threading.Thread(target=drive, name="pcidesign-fleet-workers", daemon=True)
    thread.start()
    ready: dict[int, _Tally] = {}
    expected = 0
    started = False
    try:
        while True:
            while expected in ready:
                yield ready.pop(expected)
                expected += 1
            if not started and results.empty():
                mine = take()
                if mine is not None:
                    ready[mine[0]] = _tally_item(mine[1], cat)
                    continue
            got = results.get()
            if got is None:
                break
            if isinstance(got, _PoolFailed):
                raise got.error
            started = True
            ready[got[0]] = got[1]
        while expected in ready:
            yield ready.pop(expected)
            expected += 1
    finally:
        stop.set()
        thread.join()


def _read_numbered(numbered: tuple[int, _Item]) -> tuple[int, _Tally]:
    """In a worker: :func:`_read_chunk` of a numbered work item, with its number."""
    return numbered[0], _read_chunk(numbered[1])


def _read_chunk(item: _Item) -> _Tally:
    """In a worker (or here): read and map each file of a work item, and tally them."""
    return _tally_item(item, parallel.catalog())


def _tally_item(item: _Item, cat: Catalog) -> _Tally:
    """Read and map each file of a work item with ``cat``, and tally them."""
    worst, every, segments = item
    part = _Tally(worst, every)
    with bulk():
        for segment in segments:
            if segment[0] == "walk":
                part.refused(*segment)
                continue
            _, folder, prefix, names = segment
            for name in names:
                label = display(prefix + name)
                try:
                    fields = _mapped(parse_domain(read_file(os.path.join(folder, name), source=label), label),
                                     label, cat)
                except XMLRefused as exc:
                    part.refused("file", label, exc.kind, exc.source, exc.problem)
                else:
                    part.domain(label, *fields)
    return part


def machine_table(counts: dict[str, int], targets: Sequence[Release], cat: Catalog) -> pd.DataFrame:
    """Per target release: the domains whose machine type its QEMU cannot run, from ``counts``
    (machine as written -> domains)."""
    rows = []
    for t in targets:
        host = cat.host(t)
        lacking = {m: n for m, n in counts.items() if m not in ("-", "") and not cat.runs_machine(host, m)}
        rows.append({"target": t.id, "qemu": host.qemu, "domains": sum(counts.values()),
                     "cannot_run": sum(lacking.values()),
                     "machines": " ".join(f"{m} ({n})" for m, n in sorted(lacking.items()))})
    return pd.DataFrame(rows, columns=MACHINE_COLUMNS)


def _evaluate(
    groups: dict[Signature, _Group],
    cat: Catalog,
    src: Release,
    tgts: list[Release],
    schs: list[_schemes.Scheme],
    scns: list[_scenarios.Scenario],
    timeline: str,
    worst: int,
    steps: Callable[[int, int, str], None] | None = None,
    scope: str = "all",
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, tuple[int, int]]]:
    ha = cat.host(src)
    intents: dict[str, Intent] = {i: cat.intent(i) for sig in groups for i in sig}
    # under scope naming, per target, the signatures holding an intent outside the scope: left out
    out_of_scope: dict[str, set[Signature]] = {}
    left: dict[str, tuple[int, int]] = {}
    if scope == "naming":
        for tgt in tgts:
            outside = {i for i, it in intents.items() if not autoadd.in_naming_scope(cat, it, src, tgt)}
            sigs = out_of_scope[tgt.id] = {sig for sig in groups if outside.intersection(sig)}
            left[tgt.id] = (sum(groups[g].count for g in sigs), sum(groups[g].count * len(g) for g in sigs))
    summary_rows: list[tuple[str, str, str, str, int, int]] = []
    worst_rows: list[tuple[object, ...]] = []
    for n, sch in enumerate(schs):
        for m, tgt in enumerate(tgts):
            if steps is not None:
                steps(n * len(tgts) + m, len(schs) * len(tgts), f"{sch.id} -> {tgt.id}")
            hb = cat.host(tgt)
            for scn in scns:
                results = {i: engine.run(sch, scn, it, ha, hb, cat) for i, it in intents.items()}
                dom: Counter[Outcome] = Counter()
                ctl: Counter[Outcome] = Counter()
                ranked: list[tuple[int, int, Signature, Outcome]] = []
                skipped = out_of_scope.get(tgt.id, set())
                for sig, group in groups.items():
                    if sig in skipped:
                        continue
                    outs = [results[i].outcome for i in sig]
                    w = domain_outcome(outs)
                    dom[w] += group.count
                    for o in outs:
                        ctl[o] += group.count
                    if w.is_failure:
                        ranked.append((w.severity, sum(o is w for o in outs), sig, w))
                for o in BY_SEVERITY:
                    summary_rows.append((sch.id, tgt.id, scn.id, o.value, dom[o], ctl[o]))
                ranked.sort(key=lambda r: (-r[0], -r[1], r[2]))
                shown = 0
                for _, at_worst, sig, w in ranked:
                    hit = next(i for i in sig if results[i].outcome is w)
                    detail = f"{hit}: {results[hit].detail}"
                    for name, file in groups[sig].examples:
                        if shown >= worst:
                            break
                        worst_rows.append((sch.id, tgt.id, scn.id, name, file, w.value, len(sig), at_worst, detail))
                        shown += 1
                    if shown >= worst:
                        break
    summary = pd.DataFrame(summary_rows, columns=SUMMARY_COLUMNS)
    worst_frame = pd.DataFrame(worst_rows, columns=WORST_COLUMNS)
    for frame in (summary, worst_frame):
        frame["outcome"] = frame["outcome"].astype(OUTCOME_DTYPE)
    return summary, worst_frame, left


def refusal_kinds() -> tuple[str, ...]:
    """The kinds an error row can have (the same as ``xmlsafe.KINDS``)."""
    return KINDS


__all__ = [
    "DIRECTIONS", "SAMPLE_DIR", "SCENARIOS", "signatures", "DomainInfo", "FileError", "FleetError", "FleetScan",
    "default_source", "domain_info", "domain_outcome", "move", "iter_files", "read_domain", "refusal_kinds", "scan",
    "scan_documents",
]
