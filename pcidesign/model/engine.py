"""Hops and scenarios over whole domain documents; the outcome and its step-by-step trace.

A transition (dialect, input document, what is done) is a pure function; each distinct one is
computed once and remembered, which keeps matrices and multi-hop paths cheap. The engine knows
no scheme by name: it only calls the dialect a scheme gives for a release.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from pcidesign.model import domain, verdict
from pcidesign.model import scenarios as _scenarios
from pcidesign.model import registry as _schemes
from pcidesign.model.catalog import Catalog, Host, Intent, load
from pcidesign.model.dialect import GUEST_VALUES, Dialect, Purpose, Rejection, Values
from pcidesign.model.domain import MACHINE_INDEX, DomainDef, Hardware
from pcidesign.model.errors import HopError
from pcidesign.model.vocab import Hop, Outcome

T = TypeVar("T")

# -- transitions, each computed once --------------------------------------------------------------
_CACHE: dict[tuple[object, ...], object] = {}


_MISSING = object()


def _memo(key: tuple[object, ...], compute: Callable[[], T]) -> T:
    value = _CACHE.get(key, _MISSING)
    if value is _MISSING:  # computed outside any handler: a scheme's own error is not chained to a KeyError
        value = compute()  # raises before anything is stored: no half state
        _CACHE[key] = value
    return value  # type: ignore[return-value]


def transitions_computed() -> int:
    """How many distinct transitions have been computed (and remembered) so far."""
    return len(_CACHE)


def clear_cache() -> None:
    """Forget every remembered transition (for benchmarks and tests)."""
    _CACHE.clear()
    _run.cache_clear()


def parse(d: Dialect, xml: bytes, purpose: Purpose) -> DomainDef | Rejection:
    """``d``'s release parses a whole document for ``purpose``."""
    return _memo((d, "parse", xml, purpose), lambda: domain.parse(d, xml, purpose))


def format_def(d: Dialect, defn: DomainDef, migratable: bool = False) -> bytes:
    """``d``'s release formats ``defn``: the saved config, or MIGRATABLE."""
    return _memo((d, "format", defn, migratable), lambda: domain.format(d, defn, migratable))


def start_def(d: Dialect, defn: DomainDef) -> DomainDef | Rejection:
    """``d``'s release starts the guest of ``defn`` on its host."""
    return _memo((d, "start", defn), lambda: domain.start(d, defn))


def write_intent(d: Dialect, intent: Intent) -> bytes | None:
    """The domain XML a user writes for ``intent`` at ``d``'s release, or None."""
    machine = d.catalog.classes[intent.cls].machine
    return _memo((d, "write", intent.id), lambda: domain.intent_domain(d, intent, machine))


# -- hops -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class State:
    """Where a guest is: the release running it, its saved config, and what that daemon holds."""

    dialect: Dialect
    saved: bytes
    persistent: DomainDef
    live: DomainDef
    running: Hardware | None = None
    """The devices the guest really runs with when they differ from what this daemon believes
    (``live``): after a daemon that reads the status XML otherwise took the guest over."""
    image: bytes | None = None
    """The domain XML in a save image or snapshot (the guest is stopped at a save)."""

    @property
    def release(self) -> str:
        """The id of the release whose daemon holds the guest."""
        return self.dialect.release.id

    @property
    def hardware(self) -> Hardware:
        """The devices the running guest has."""
        return self.running if self.running is not None else self.live.hardware

    @property
    def config(self) -> bytes:
        """The config as this daemon would save it now (``virsh dumpxml --inactive``)."""
        return format_def(self.dialect, self.persistent)

    @property
    def key(self) -> tuple[str, bytes, bytes, bytes, Hardware]:
        """A value that identifies the state (equal keys, equal futures): the release, the saved
        file, the config the daemon holds, the MIGRATABLE XML it would send, the running devices."""
        sent = format_def(self.dialect, self.live, migratable=True)
        return (str(self.dialect.host), self.saved, self.config, sent, self.hardware)


@dataclass(frozen=True)
class Step:
    """One hop as it happened: what went in, what came out, and what it did to the guest."""

    hop: Hop
    release: str
    """The id of the release where the hop happened (the note names its QEMU when it is not the release's own)."""
    xml_in: bytes | None
    xml_out: bytes | None
    hardware: Hardware | None
    event: Outcome | None
    note: str


def _values(values: Values) -> str:
    return f"[{' '.join(f'{k}={v}' for k, v in values)}]" if values else ""


@functools.lru_cache(maxsize=8192)
def describe(hw: Hardware) -> str:
    """``1:pcie-root-port=ioh3420[chassis=1 port=8]``, for the controllers that have a device."""
    parts = [f"machine {dev}" if i == MACHINE_INDEX else f"{i}:{cls}={dev}{_values(vals)}"
             for i, cls, dev, vals in hw if dev != "-"]
    return ", ".join(parts) if parts else "root bus only"


@functools.lru_cache(maxsize=8192)
def changed(before: Hardware, after: Hardware) -> str:
    """What differs between two hardware lists, in words (a device, or a guest-visible value)."""
    b, a = {i: (c, d, v) for i, c, d, v in before}, {i: (c, d, v) for i, c, d, v in after}
    diffs = []
    for i in sorted(set(a) | set(b)):
        if a.get(i) == b.get(i):
            continue
        if i in a and i in b and a[i][:2] == b[i][:2]:
            was, now = dict(b[i][2]), dict(a[i][2])
            vals = [f"{k} {was.get(k, '-')} -> {now.get(k, '-')}" for k in dict.fromkeys([*was, *now])
                    if was.get(k) != now.get(k)]
            diffs.append(f"index {i}: {a[i][0]} {a[i][1]} {', '.join(vals)}")
            continue
        was = f"{b[i][0]} {b[i][1]}" if i in b else "nothing"
        now = f"{a[i][0]} {a[i][1]}" if i in a else "nothing"
        diffs.append(f"machine {b[i][1]} -> {a[i][1]}" if i == MACHINE_INDEX and i in a and i in b
                     else f"index {i}: {was} -> {now}")
    return "; ".join(diffs)


def define(d: Dialect, xml: bytes) -> tuple[State | None, Step]:
    """A user defines ``xml`` at ``d``'s release and starts the guest there."""
    rel = str(d.host)
    parsed = parse(d, xml, "define")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.DEFINE, d.release.id, xml, None, None, Outcome.REJECTED, f"{rel} rejects the XML: {parsed.message}")
    saved = format_def(d, parsed)
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(Hop.DEFINE, d.release.id, xml, saved, None, Outcome.REJECTED,
                          f"{rel} defines the domain but cannot start it: {live.message}")
    return State(d, saved, parsed, live), Step(
        Hop.DEFINE, d.release.id, xml, saved, live.hardware, None,
        f"{rel} saves the config; the guest runs with {describe(live.hardware)}")


def restart(state: State, d: Dialect) -> tuple[State | None, Step]:
    """The daemon of ``d``'s release loads the saved config and starts the guest."""
    rel = str(d.host)
    parsed = parse(d, state.saved, "load")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.RESTART, d.release.id, state.saved, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} fails to load the saved config ({parsed.message}): the domain vanishes "
                          "from 'virsh list --all' (FACTS.md §7)")
    live = start_def(d, parsed)
    config = format_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(Hop.RESTART, d.release.id, state.saved, config, None, Outcome.REJECTED,
                          f"{rel} loads the config but refuses to start the guest: {live.message}")
    return State(d, state.saved, parsed, live), Step(
        Hop.RESTART, d.release.id, state.saved, config, live.hardware, None,
        f"{rel} loads the saved config and starts the guest with {describe(live.hardware)}")


def _holding(state: State, d: Dialect | None, hop: str) -> Dialect:
    """The dialect of the release holding the guest, for a hop that can only happen there."""
    if d is not None and d is not state.dialect:
        raise HopError(f"{hop} happens at the release holding the guest ({state.release}), not {d.release.id}")
    return state.dialect


def resave(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """The daemon holding the guest writes its config back to disk."""
    d = _holding(state, d, "resave")
    saved = format_def(d, state.persistent)
    rel = str(d.host)
    return State(d, saved, state.persistent, state.live), Step(
        Hop.RESAVE, d.release.id, state.saved, saved, state.live.hardware, None, f"{rel} writes the config back to disk")


def migration_event(source: Hardware, destination: Hardware, src: str, dst: str) -> tuple[Outcome | None, str]:
    """What QEMU does with a live migration between guests built with ``source`` and ``destination``
    hardware: None when they are the same; ``aborted`` (and why) when the destination refuses the
    stream; ``guest-changed`` when the stream loads although a guest-visible value differs.

    A plain migration runs no ABI check in libvirt (FACTS.md §9); the destination QEMU refuses
    a stream whose devices it does not have (measured with QEMU 7.2: "Unknown savevm section or
    instance", data/calibration/qemu-facts.md), and one whose checked values differ (a root
    port's ``port``, a pxb's ``bus_nr``); it does not check the others (``chassis``,
    ``chassis_nr``, a pxb-pcie's ``bus_nr``), so the migration completes and the guest meets the
    destination's value at its next cold boot (:data:`pcidesign.model.dialect.GUEST_VALUES`). The calibration against real QEMU calls this
    same function, so the model's rule and the measurement cannot drift apart.
    """
    if source == destination:
        return None, ""
    s, d = {e[0]: e for e in source}, {e[0]: e for e in destination}
    if MACHINE_INDEX in s and MACHINE_INDEX in d and s[MACHINE_INDEX] != d[MACHINE_INDEX]:
        return Outcome.ABORTED, (
            f"QEMU on {dst} refuses the incoming stream: 'Machine type received is '{s[MACHINE_INDEX][2]}' and "
            f"local is '{d[MACHINE_INDEX][2]}'' (measured, data/calibration/qemu-facts.md §4 pair 7), and the guest "
            f"stays on {src}")
    if set(s) != set(d) or any(s[i][1:3] != d[i][1:3] for i in s):
        return Outcome.ABORTED, (
            f"{dst} builds {changed(source, destination)}; libvirt runs no ABI check on a plain migration "
            f"(FACTS.md §9), so QEMU on {dst} refuses the incoming stream ('Unknown savevm section or instance', "
            f"measured: data/calibration/qemu-facts.md) and the guest stays on {src}")
    for i in s:
        if s[i] == d[i]:
            continue
        rules = {r.prop: r for r in GUEST_VALUES.get(s[i][1], ())}
        was, now = dict(s[i][3]), dict(d[i][3])
        refused = [k for k in rules if was.get(k) != now.get(k) and rules[k].checked]
        if refused:
            return Outcome.ABORTED, (
                f"{dst} builds {changed(source, destination)}; QEMU on {dst} checks {', '.join(refused)} when it "
                f"loads the stream and refuses it ({'; '.join(rules[k].source for k in refused)}), and the guest "
                f"stays on {src}")
    quiet = sorted({k for i in s if s[i] != d[i] for k, v in s[i][3] if dict(d[i][3]).get(k) != v})
    return Outcome.GUEST_CHANGED, (
        f"{dst} builds {changed(source, destination)}; QEMU does not check {', '.join(quiet)} when it loads the stream "
        "(measured, data/calibration/qemu-facts.md §4): the migration completes, the guest keeps the old value "
        f"until its next cold boot on {dst} and then gets the new one without a word")


def migrate(state: State, d: Dialect) -> tuple[State | None, Step]:
    """Live migration from the release holding the guest to ``d``'s release."""
    src, rel = str(state.dialect.host), str(d.host)
    sent = format_def(state.dialect, state.live, migratable=True)
    parsed = parse(d, sent, "incoming")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.MIGRATE, d.release.id, sent, None, None, Outcome.REJECTED,
                          f"{rel} refuses the incoming XML ({parsed.message}); the guest keeps running on {src}")
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(Hop.MIGRATE, d.release.id, sent, None, None, Outcome.REJECTED,
                          f"{rel} cannot start the incoming guest ({live.message}); it keeps running on {src}")
    event, why = migration_event(state.hardware, live.hardware, src, rel)
    if event is not None:
        return None, Step(Hop.MIGRATE, d.release.id, sent, None, live.hardware, event, why)
    saved = format_def(d, parsed)
    return State(d, saved, parsed, live), Step(
        Hop.MIGRATE, d.release.id, sent, saved, live.hardware, None,
        f"{src} sends MIGRATABLE XML; {rel} accepts it and runs the guest with {describe(live.hardware)}")


def daemon_restart(state: State, d: Dialect) -> tuple[State | None, Step]:
    """The daemon of ``d``'s release takes the running guest over: it parses the status XML (the
    live definition, everything filled in; no validation, as for a saved config) and reconnects
    to QEMU, which keeps running as it was."""
    rel = str(d.host)
    status = format_def(state.dialect, state.live)
    parsed = parse(d, status, "load")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.DAEMON_RESTART, d.release.id, status, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} cannot parse the status XML of the running guest ({parsed.message}): the guest "
                          "keeps running, unmanaged: libvirt no longer lists it, and it can be neither stopped, "
                          "migrated nor saved through libvirt (qemuProcessReconnect)")
    persistent = parse(d, state.saved, "load")
    if isinstance(persistent, Rejection):
        return None, Step(Hop.DAEMON_RESTART, d.release.id, state.saved, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} fails to load the saved config ({persistent.message}): the domain vanishes from "
                          "'virsh list --all' (FACTS.md §7), the guest keeps running unmanaged")
    view = start_def(d, parsed)
    real = state.hardware
    if isinstance(view, Rejection):
        return None, Step(Hop.DAEMON_RESTART, d.release.id, status, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} cannot reconnect to the running guest ({view.message}): it keeps running, unmanaged")
    note = f"{rel} reads the status XML and reconnects; the guest keeps running with {describe(real)}"
    if view.hardware != real:
        note += (f"; {rel} now believes it runs {describe(view.hardware)}, which it will build at the next start "
                 f"({changed(real, view.hardware)})")
    return State(d, state.saved, persistent, view, real if view.hardware != real else None), Step(
        Hop.DAEMON_RESTART, d.release.id, status, format_def(d, persistent), real, None, note)


def save(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """``virsh save``: the guest stops; its memory and MIGRATABLE XML go into an image (as
    ``qemuDomainSaveInternal`` writes it), at the release holding the guest."""
    d = _holding(state, d, "save")
    image = format_def(d, state.live, migratable=True)
    return State(d, state.saved, state.persistent, state.live, state.running, image), Step(
        Hop.SAVE, d.release.id, None, image, state.hardware, None,
        f"{d.host} writes the guest's memory and its MIGRATABLE XML to a save image; the guest stops")


def snapshot(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """A snapshot of the running guest at the release holding it: the metadata keeps the domain
    definition (``<domainsnapshot><domain>``, formatted as the saved config is)."""
    d = _holding(state, d, "snapshot")
    image = format_def(d, state.live)
    return State(d, state.saved, state.persistent, state.live, state.running, image), Step(
        Hop.SNAPSHOT, d.release.id, None, image, state.hardware, None,
        f"{d.host} takes a snapshot; its metadata holds the domain definition")


def _from_image(hop: Hop, state: State, d: Dialect) -> tuple[State | None, Step]:
    rel = str(d.host)
    if state.image is None:
        raise HopError(f"{hop.value} needs a {'save image' if hop is Hop.RESTORE else 'snapshot'} taken before it")
    what = "save image" if hop is Hop.RESTORE else "snapshot's domain definition"
    parsed = parse(d, state.image, "incoming")
    if isinstance(parsed, Rejection):
        return None, Step(hop, d.release.id, state.image, None, None, Outcome.REJECTED,
                          f"{rel} refuses the {what} ({parsed.message}); the image is kept, the guest stays stopped")
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(hop, d.release.id, state.image, None, None, Outcome.REJECTED,
                          f"{rel} cannot start the guest of the {what}: {live.message}")
    event, why = migration_event(state.hardware, live.hardware, f"the {what}", rel)
    why = f"restoring loads a migration stream from a file: {why}" if why else why
    if event is Outcome.ABORTED:
        return None, Step(hop, d.release.id, state.image, None, live.hardware, event,
                          why.replace("the incoming stream", "the saved state").replace("and the guest stays on",
                                                                                        "and the guest stays in"))
    persistent = parse(d, state.saved, "load")
    keep = persistent if not isinstance(persistent, Rejection) else parsed
    return State(d, state.saved, keep, live), Step(
        hop, d.release.id, state.image, format_def(d, keep), live.hardware, event,
        why or f"{rel} reads the {what}, QEMU loads the saved state, the guest runs with {describe(live.hardware)}")


def validation_error(d: Dialect, xml: bytes) -> str | None:
    """libvirt's schema error for ``xml`` at ``d``'s release (``virsh edit``, ``define --validate``),
    or None. The model's rule: the schema of a release has exactly the controller attributes and
    children its parser keeps, so anything it would drop fails validation (FACTS.md §4; RelaxNG
    ``docs/schemas/domaincommon.rng`` has no extension points for the PCI controller)."""
    parsed = parse(d, xml, "load")
    if isinstance(parsed, Rejection):
        return None  # the parse error comes first
    kept = domain.controller_elements(format_def(d, parsed))
    for index, elem in domain.controller_elements(xml).items():
        mine = kept.get(index)
        if mine is None:
            continue
        extra_attrs = [a for a in elem.attrib if a not in mine.attrib]
        extra_children = [c.tag for c in elem if isinstance(c.tag, str) and mine.find(c.tag) is None]
        if extra_children:
            return ("XML document failed to validate against schema: Unable to validate doc against "
                    f"domain.rng: Extra element {extra_children[0]} in interleave: Element controller failed to "
                    "validate content")
        if extra_attrs:
            return ("XML document failed to validate against schema: Unable to validate doc against "
                    f"domain.rng: Invalid attribute {extra_attrs[0]} for element controller")
    return None


def edit(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """The user re-defines the config file as it is on disk (last written by whichever release saved
    it) through validation at the release holding the guest (``virsh define --validate``, or an
    edit of the file); the guest keeps running until its next start. ``virsh edit`` itself starts
    from ``dumpxml --inactive``, which already dropped what the release does not know."""
    d = _holding(state, d, "edit")
    rel = str(d.host)
    xml = state.saved
    error = validation_error(d, xml)
    if error is not None:
        return None, Step(Hop.EDIT, d.release.id, xml, None, None, Outcome.REJECTED,
                          f"{rel} refuses the edited config: {error}")
    parsed = parse(d, xml, "define")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.EDIT, d.release.id, xml, None, None, Outcome.REJECTED, f"{rel} refuses the edited "
                          f"config: {parsed.message}")
    saved = format_def(d, parsed)
    return State(d, saved, parsed, state.live, state.running), Step(
        Hop.EDIT, d.release.id, xml, saved, state.hardware, None, f"{rel} validates and saves the edited config")


def migrate_app_xml(state: State, d: Dialect, app_xml: bytes) -> tuple[State | None, Step]:
    """Live migration to ``d``'s release with destination XML supplied by the application
    (``virsh migrate --xml``, as nova and oVirt do): the XML the application wrote for the domain.

    libvirt parses it at the destination and runs its ABI stability check against the source's
    definition, which compares the controllers' classes and indexes but not the device name nor
    the ``<target>`` values (measured with 9.0.0: ``save-image-define``/``restore --xml``, the same
    check, accepts another device or port, data/calibration/qemu-facts.md §4); QEMU then loads
    the stream as for any migration."""
    src, rel = str(state.dialect.host), str(d.host)
    parsed = parse(d, app_xml, "incoming")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.MIGRATE_APP_XML, d.release.id, app_xml, None, None, Outcome.REJECTED,
                          f"{rel} refuses the application's XML ({parsed.message}); the guest keeps running on {src}")
    mine = {(c.index, c.cls) for c in state.live.controllers}
    theirs = {(c.index, c.cls) for c in parsed.controllers}
    if mine != theirs:
        diff = sorted(theirs ^ mine)[0]
        return None, Step(Hop.MIGRATE_APP_XML, d.release.id, app_xml, None, None, Outcome.REJECTED,
                          f"{rel}: unsupported configuration: the application's XML does not match the source's "
                          f"controllers (index {diff[0]}, {diff[1]}): libvirt's ABI stability check refuses it")
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(Hop.MIGRATE_APP_XML, d.release.id, app_xml, None, None, Outcome.REJECTED,
                          f"{rel} cannot start the incoming guest ({live.message}); it keeps running on {src}")
    event, why = migration_event(state.hardware, live.hardware, src, rel)
    if event is Outcome.ABORTED:
        why = ("libvirt's ABI stability check passes (it compares classes and indexes, not device names or "
               f"<target> values: measured), then {why}")
        return None, Step(Hop.MIGRATE_APP_XML, d.release.id, app_xml, None, live.hardware, event, why)
    saved = format_def(d, parsed)
    return State(d, saved, parsed, live), Step(
        Hop.MIGRATE_APP_XML, d.release.id, app_xml, saved, live.hardware, event,
        why or f"{rel} accepts the application's XML and runs the guest with {describe(live.hardware)}")


def apply(hop: Hop, state: State, d: Dialect, origin: bytes | None = None) -> tuple[State | None, Step]:
    """Do ``hop`` to ``state`` at ``d``'s release (``origin``: the XML the domain was defined
    with, which ``migrate-app-xml`` sends as the application's XML)."""
    if hop is Hop.RESTART:
        return restart(state, d)
    if hop is Hop.RESAVE:
        return resave(state, d)
    if hop is Hop.MIGRATE:
        return migrate(state, d)
    if hop is Hop.DAEMON_RESTART:
        return daemon_restart(state, d)
    if hop is Hop.SAVE:
        return save(state, d)
    if hop is Hop.SNAPSHOT:
        return snapshot(state, d)
    if hop in (Hop.RESTORE, Hop.REVERT):
        return _from_image(hop, state, d)
    if hop is Hop.EDIT:
        return edit(state, d)
    if hop is Hop.MIGRATE_APP_XML:
        if origin is None:
            raise HopError("migrate-app-xml needs the XML the application defined the domain with")
        return migrate_app_xml(state, d, origin)
    raise HopError(f"hop {hop.value!r} needs XML; valid here: {', '.join(h.value for h in Hop if h is not Hop.DEFINE)}")


def judge(scheme: _schemes.Scheme, reference: bytes, final: bytes) -> tuple[Outcome, str]:
    """Compare the config at the end with the one saved at the start (same hardware assumed)."""
    return _memo((scheme, "judge", reference, final), lambda: _judge(scheme, reference, final))


def _judge(scheme: _schemes.Scheme, reference: bytes, final: bytes) -> tuple[Outcome, str]:
    before, after = domain.controller_elements(reference), domain.controller_elements(final)
    pins = scheme.dialect_class.pins
    lost = [i for i, e in before.items() if pins(e) and not (i in after and pins(after[i]))]
    if lost:
        return Outcome.INFO_LOST, (
            f"the same devices, but the config no longer names the device of controller index "
            f"{', '.join(map(str, lost))}: it now depends on the default of whichever release reads it")
    if domain.canonical(before) != domain.canonical(after):
        return Outcome.REWRITTEN, "the same devices; the controller XML text changed"
    return Outcome.OK, "the same devices and the same controller XML"


# -- scenarios --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Result:
    """The outcome of one scenario for one intent from release ``from_`` to release ``to``
    (the scenario's A and B), with its trace."""

    scheme: str
    scenario: str
    intent: str
    from_: str
    to: str
    outcome: Outcome
    detail: str
    steps: tuple[Step, ...]

    @property
    def a(self) -> str:
        """Deprecated name of :attr:`from_` (the scenario's release A)."""
        return self.from_

    @property
    def b(self) -> str:
        """Deprecated name of :attr:`to` (the scenario's release B)."""
        return self.to


def run(
    scheme: str | _schemes.Scheme,
    scenario: str | _scenarios.Scenario,
    intent: str | Intent,
    a: str | Host,
    b: str | Host,
    catalog: Catalog | None = None,
) -> Result:
    """Run ``scenario`` for ``intent`` under ``scheme``, writing at release ``a`` and reading at ``b``."""
    cat = catalog or load()
    sch = _schemes.get(scheme)
    scn = _scenarios.get(scenario)
    it = intent if isinstance(intent, Intent) else cat.intent(intent)
    ha = a if isinstance(a, Host) else cat.host(cat.release(a))
    hb = b if isinstance(b, Host) else cat.host(cat.release(b))
    ha, hb = paired(cat, ha, hb)
    return _run(sch, scn, it, ha, hb, cat)


def paired(cat: Catalog, ha: Host, hb: Host) -> tuple[Host, Host]:
    """The hosts of a pair under the catalog's pairing: as given (``bundled``), or both with the
    QEMU of the newer release (``libvirt-only``: libvirt changes on one host, QEMU stays)."""
    if cat.pairing != "libvirt-only":
        return ha, hb
    newer = max((ha, hb), key=lambda h: h.release.key)
    return cat.host(ha.release, newer.qemu), cat.host(hb.release, newer.qemu)


@functools.lru_cache(maxsize=None)
def _run(sch: _schemes.Scheme, scn: _scenarios.Scenario, it: Intent, ha: Host, hb: Host, cat: Catalog) -> Result:
    dialects = {"A": sch.dialect(ha, cat), "B": sch.dialect(hb, cat)}
    first = dialects[scn.steps[0][1]]
    xml = write_intent(first, it)
    if xml is None:
        return Result(sch.id, scn.id, it.id, ha.release.id, hb.release.id, Outcome.NOT_EXPRESSIBLE,
                      f"{it.id} cannot be written at {first.host} under {sch.id}", ())
    return _play(sch, scn, xml, dialects, it.id)


def run_document(
    scheme: str | _schemes.Scheme,
    scenario: str | _scenarios.Scenario,
    xml: bytes,
    a: Host,
    b: Host,
    catalog: Catalog | None = None,
    label: str = "<document>",
) -> Result:
    """Run ``scenario`` for a whole domain document defined at ``a`` (``label`` names it in the result)."""
    cat = catalog or load()
    sch = _schemes.get(scheme)
    a, b = paired(cat, a, b)
    return _play(sch, _scenarios.get(scenario), xml, {"A": sch.dialect(a, cat), "B": sch.dialect(b, cat)}, label)


def _play(sch: _schemes.Scheme, scn: _scenarios.Scenario, xml: bytes, dialects: dict[str, Dialect], label: str) -> Result:
    ha, hb = dialects["A"].host, dialects["B"].host

    def result(outcome: Outcome, detail: str, steps: list[Step]) -> Result:
        return Result(sch.id, scn.id, label, ha.release.id, hb.release.id, outcome, detail, tuple(steps))

    first = dialects[scn.steps[0][1]]
    state, step = define(first, xml)
    if state is None:
        return result(Outcome.NOT_EXPRESSIBLE, f"{label} cannot be used at {first.host}: {step.note}", [step])
    trail = Trail(sch, state, step)
    for hop, role in scn.steps[1:]:
        trail.hop(hop, dialects[role])
        if trail.ended:
            break
    return result(*trail.verdict(), trail.steps)


class Trail:
    """A guest's history after its define: the steps, the worst event so far, and the verdict.

    This is where a scenario's rules live: a step whose running devices differ from those after
    the define is ``guest-changed``; the worst event wins; a terminal event ends the history; a
    history that ends normally is judged against the config saved at define.
    """

    def __init__(self, scheme: _schemes.Scheme, state: State, define_step: Step) -> None:
        self.scheme = scheme
        self.state: State | None = state
        self.steps = [define_step]
        self.reference, self.reference_hw = state.saved, state.hardware
        self.worst, self.why = Outcome.OK, ""

    @property
    def ended(self) -> bool:
        """True after a terminal event (rejected, domain-lost, aborted)."""
        return self.state is None

    def hop(self, hop: Hop, d: Dialect) -> Step:
        """Do ``hop`` at ``d``'s release and record it."""
        if self.state is None:
            raise HopError("the history already ended with a terminal event")
        self.state, step = apply(hop, self.state, d, self.steps[0].xml_in)
        event = verdict.hop_event(step.event, step.hardware, self.reference_hw)
        if event is not step.event:
            assert step.hardware is not None  # hop_event reports a change only with hardware
            step = Step(step.hop, step.release, step.xml_in, step.xml_out, step.hardware, event,
                        f"{step.note}; the guest had {describe(self.reference_hw)}: it changed without a word "
                        f"({changed(self.reference_hw, step.hardware)})")
        self.steps.append(step)
        if verdict.worse(self.worst, step.event) is not self.worst:
            self.worst, self.why = step.event, f"at {step.hop} on {step.release}: {step.note}"
        return step

    def verdict(self) -> tuple[Outcome, str]:
        """The outcome if the history stopped here, and why."""
        judged: list[tuple[Outcome, str]] = []

        def judge_config() -> Outcome:
            assert self.state is not None
            judged.append(judge(self.scheme, self.reference, self.state.config))
            return judged[0][0]

        final = verdict.outcome(self.worst, self.state is None, judge_config)
        if judged and (final is not self.worst or not self.why):
            return judged[0]
        return self.worst, self.why


# -- one release, one document ----------------------------------------------------------------------
@dataclass(frozen=True)
class Roundtrip:
    """What a release does with a whole document: the XML it writes, or libvirt's error."""

    xml: bytes | None
    error: str | None
    hardware: Hardware | None


def roundtrip(scheme: str | _schemes.Scheme, host: Host, xml: bytes, migratable: bool = False,
              catalog: Catalog | None = None, purpose: Purpose = "define") -> Roundtrip:
    """Parse ``xml`` at ``host`` for ``purpose`` and format it back: saved config, or (started) MIGRATABLE."""
    d = _schemes.get(scheme).dialect(host, catalog or load())
    parsed = parse(d, xml, purpose)
    if isinstance(parsed, Rejection):
        return Roundtrip(None, parsed.message, None)
    if not migratable:
        return Roundtrip(format_def(d, parsed), None, None)
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return Roundtrip(None, live.message, None)
    return Roundtrip(format_def(d, live, migratable=True), None, live.hardware)
