"""Hops: one thing an operator does to a guest, and :data:`HOPS`, the table that says what each is.

Each hop is a function ``(state, dialect) -> (next state or None, step)``: the state after the
hop (None when the history ends: rejected, domain lost, migration aborted) and the
:class:`Step` that records what went in, what came out and why. :data:`HOPS` gives, for each
:class:`~pcidesign.model.vocab.Hop`, its function, where it happens (at the release holding the
guest, or at any release), what it needs (a save image), whether it writes the saved config to
disk, whether the path search may use it and its short code in drawings. :func:`apply` is a
lookup in that table; the scenarios (:mod:`pcidesign.model.engine`) and the path search
(:mod:`pcidesign.analysis.paths`) both go through it.
"""

from __future__ import annotations

from collections.abc import Callable
import copy
from dataclasses import dataclass

from pcidesign.model import domain, statuscaps
from pcidesign.model.catalog import Host, Release, version_key
from pcidesign.model.dialect import Controller, Dialect, Rejection
from pcidesign.model.guestabi import rules_for
from pcidesign.model.domain import MACHINE_INDEX, DomainDef, Hardware
from pcidesign.model.errors import HopError
from pcidesign.model.frozen import quick_init
from pcidesign.model.setting import MACHINE_FAMILIES
from pcidesign.model.transitions import changed, describe, format_def, on_reset, parse, start_def
from pcidesign.model.vocab import Hop, Outcome


@quick_init
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
    origin: bytes | None = None
    """The XML the domain was defined with (what an application that kept it would send)."""
    started: Host | None = None
    """The host (release and QEMU) whose daemon started the running QEMU process (None: the
    holding one): its capability flags are in the status XML (:mod:`pcidesign.model.statuscaps`)."""

    @property
    def release(self) -> str:
        """The id of the release whose daemon holds the guest."""
        return self.dialect.release.id

    @property
    def started_host(self) -> Host:
        """The host whose daemon started the guest's QEMU: its capability flags are the guest's."""
        return self.started if self.started is not None else self.dialect.host

    @property
    def starter(self) -> Release:
        """The release whose daemon started the guest's QEMU (its flags are in the status XML)."""
        return self.started_host.release

    @property
    def hardware(self) -> Hardware:
        """The devices the running guest has."""
        return self.running if self.running is not None else self.live.hardware

    @property
    def config(self) -> bytes:
        """The config as this daemon would save it now (``virsh dumpxml --inactive``)."""
        return format_def(self.dialect, self.persistent)

    @property
    def key(self) -> tuple[str, bytes, bytes, bytes, Hardware, str]:
        """A value that identifies the state (equal keys, equal futures): the release, the saved
        file, the config the daemon holds, the MIGRATABLE XML it would send, the running devices
        and the release that started the running QEMU."""
        sent = format_def(self.dialect, self.live, migratable=True)
        return (str(self.dialect.host), self.saved, self.config, sent, self.hardware, str(self.started_host))


@quick_init
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
    return State(d, saved, parsed, live, origin=xml), Step(
        Hop.DEFINE, d.release.id, xml, saved, live.hardware, None,
        f"{rel} saves the config; the guest runs with {describe(live.hardware)}")


def restart(state: State, d: Dialect) -> tuple[State | None, Step]:
    """The daemon of ``d``'s release loads the saved config and starts the guest."""
    rel = str(d.host)
    parsed = parse(d, state.saved, "load")
    if isinstance(parsed, Rejection):
        return None, Step(Hop.RESTART, d.release.id, state.saved, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} fails to load the saved config ({parsed.message}): the domain vanishes "
                          "from 'virsh list --all' (facts §7)")
    live = start_def(d, parsed)
    config = format_def(d, parsed)
    if isinstance(live, Rejection):
        return None, Step(Hop.RESTART, d.release.id, state.saved, config, None, Outcome.REJECTED,
                          f"{rel} loads the config but refuses to start the guest: {live.message}")
    return State(d, state.saved, parsed, live, origin=state.origin), Step(
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
    return State(d, saved, state.persistent, state.live, state.running,
                 started=state.started, origin=state.origin), Step(
        Hop.RESAVE, d.release.id, state.saved, saved, state.live.hardware, None, f"{rel} writes the config back to disk")


def migration_event(source: Hardware, destination: Hardware, src: str, dst: str) -> tuple[Outcome | None, str]:
    """What QEMU does with a live migration between guests built with ``source`` and ``destination``
    hardware: None when they are the same; ``aborted`` (and why) when the destination refuses the
    stream; ``guest-changed`` when the stream loads although a guest-visible value differs.

    A plain migration runs no ABI check in libvirt (facts §9); the destination QEMU refuses
    a stream whose devices it does not have (measured with QEMU 7.2: "Unknown savevm section or
    instance", data/calibration/qemu-facts.md), and one whose checked values differ (a root
    port's ``port``, a pxb's ``bus_nr``, a port's ``hotplug``, and the bus number of the expander
    a device sits behind, which is part of the device's saved-state name:
    :data:`pcidesign.model.guestabi.BEHIND_EXPANDER`); it does not check the others
    (``chassis``, ``chassis_nr``, the ``bus_nr`` of a pxb-pcie with nothing behind it), so the
    migration completes and the guest meets the destination's value at its next cold boot
    (:func:`pcidesign.model.guestabi.rules_for`). The calibration against real QEMU calls this
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
            f"(facts §9), so QEMU on {dst} refuses the incoming stream ('Unknown savevm section or instance', "
            f"measured: data/calibration/qemu-facts.md) and the guest stays on {src}")
    for i in s:
        if s[i] == d[i]:
            continue
        rules = rules_for(s[i][1])
        was, now = dict(s[i][3]), dict(d[i][3])
        refused = [k for k in rules if was.get(k) != now.get(k) and rules[k].checked]
        if refused:
            return Outcome.ABORTED, (
                f"{dst} builds {changed(source, destination)}; QEMU on {dst} checks {', '.join(refused)} when it "
                f"loads the stream and refuses it ({'; '.join(rules[k].source for k in refused)}), and the guest "
                f"stays on {src}")
    quiet = sorted({k for i in s if s[i] != d[i] for k in {*dict(s[i][3]), *dict(d[i][3])}
                    if dict(s[i][3]).get(k) != dict(d[i][3]).get(k)})
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
    parsed = started_incoming(d, parsed)
    saved = format_def(d, parsed)
    return State(d, saved, parsed, live, origin=state.origin), Step(
        Hop.MIGRATE, d.release.id, sent, saved, live.hardware, None,
        f"{src} sends MIGRATABLE XML; {rel} accepts it and runs the guest with {describe(live.hardware)}")


def started_incoming(d: Dialect, parsed: DomainDef) -> DomainDef:
    """The definition an incoming guest keeps after ``d``'s release started it: ``parsed``, with
    the devices filled in when the release fills at start (:meth:`Dialect.fill_at_start`:
    model-subelement at 1.2.19 to 1.3.4, whose ``qemuProcessStart`` fills the one definition an
    incoming domain has)."""
    if not d.fill_at_start():
        return parsed
    return domain.interned(DomainDef(parsed.doc, parsed.machine, tuple(d.fill(c) for c in parsed.controllers),
                                     parsed.machine_type))


def daemon_restart(state: State, d: Dialect) -> tuple[State | None, Step]:
    """The daemon of ``d``'s release takes the running guest over: it parses the status XML (the
    live definition, everything filled in; no validation, as for a saved config) and reconnects
    to QEMU, which keeps running as it was.

    The status XML also lists the capability flags of the QEMU the guest runs with, those of the
    daemon that started it; a daemon that does not know one of them refuses the whole file
    ("Unknown qemu capabilities flag %s", ``qemuDomainObjPrivateXMLParse``,
    ``src/qemu/qemu_domain.c`` at v1.2.19, v3.2.0 and v4.0.0): a daemon older than the release
    that started the guest loses the running domain, whatever the scheme
    (:mod:`pcidesign.model.statuscaps`). The daemon that reconnects keeps those flags
    (``qemuProcessReconnect``, ``src/qemu/qemu_process.c`` at the same tags)."""
    rel = str(d.host)
    status = format_def(state.dialect, state.live)
    unknown = statuscaps.unknown_flag(state.starter, d.release)
    caps = ""
    if unknown is not None:
        flag, source = unknown
        caps = (f"its <qemuCaps> lists the flags of the QEMU that {state.starter.id} started, and {rel} does not "
                f"know '{flag}' ('Unknown qemu capabilities flag {flag}': qemuDomainObjPrivateXMLParse, "
                f"src/qemu/qemu_domain.c at v1.2.19; {source})")
    parsed = parse(d, status, "load")
    if isinstance(parsed, Rejection):
        also = (f"; had it read the definition, it would refuse the private data: {caps}, whatever the naming "
                "scheme" if caps else "")
        return None, Step(Hop.DAEMON_RESTART, d.release.id, status, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} cannot parse the status XML of the running guest ({parsed.message}): the guest "
                          "keeps running, unmanaged: libvirt no longer lists it, and it can be neither stopped, "
                          f"migrated nor saved through libvirt (qemuProcessReconnect){also}")
    if unknown is not None:
        return None, Step(Hop.DAEMON_RESTART, d.release.id, status, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} refuses the status XML of the running guest: {caps}: the guest keeps running, "
                          "unmanaged, and libvirt lists the domain as shut off from its saved config; this happens "
                          "whatever the naming scheme")
    persistent = parse(d, state.saved, "load")
    if isinstance(persistent, Rejection):
        return None, Step(Hop.DAEMON_RESTART, d.release.id, state.saved, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} fails to load the saved config ({persistent.message}): the domain vanishes from "
                          "'virsh list --all' (facts §7), the guest keeps running unmanaged")
    view = start_def(d, parsed)
    real = state.hardware
    if isinstance(view, Rejection):
        return None, Step(Hop.DAEMON_RESTART, d.release.id, status, None, None, Outcome.DOMAIN_LOST,
                          f"{rel} cannot reconnect to the running guest ({view.message}): it keeps running, unmanaged")
    note = f"{rel} reads the status XML and reconnects; the guest keeps running with {describe(real)}"
    if view.hardware != real:
        note += (f"; {rel} now believes it runs {describe(view.hardware)}, which it will build at the next start "
                 f"({changed(real, view.hardware)})")
    return State(d, state.saved, persistent, view, real if view.hardware != real else None,
                 started=state.started_host, origin=state.origin), Step(
        Hop.DAEMON_RESTART, d.release.id, status, format_def(d, persistent), real, None, note)


def save(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """``virsh save``: the guest stops; its memory and MIGRATABLE XML go into an image (as
    ``qemuDomainSaveInternal`` writes it), at the release holding the guest."""
    d = _holding(state, d, "save")
    image = format_def(d, state.live, migratable=True)
    return State(d, state.saved, state.persistent, state.live, state.running, image,
                 started=state.started, origin=state.origin), Step(
        Hop.SAVE, d.release.id, None, image, state.hardware, None,
        f"{d.host} writes the guest's memory and its MIGRATABLE XML to a save image; the guest stops")


def snapshot(state: State, d: Dialect | None = None) -> tuple[State | None, Step]:
    """A snapshot of the running guest at the release holding it: the metadata keeps the domain
    definition (``<domainsnapshot><domain>``, formatted as the saved config is)."""
    d = _holding(state, d, "snapshot")
    image = format_def(d, state.live)
    return State(d, state.saved, state.persistent, state.live, state.running, image,
                 started=state.started, origin=state.origin), Step(
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
    return State(d, state.saved, keep, live, origin=state.origin), Step(
        hop, d.release.id, state.image, format_def(d, keep), live.hardware, event,
        why or f"{rel} reads the {what}, QEMU loads the saved state, the guest runs with {describe(live.hardware)}")


def validation_error(d: Dialect, xml: bytes) -> str | None:
    """libvirt's schema error for ``xml`` at ``d``'s release (``virsh edit``, ``define --validate``),
    or None. The model's rule: the schema of a release has exactly the controller attributes and
    children its parser keeps, so anything it would drop fails validation (facts §4; RelaxNG
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
    return State(d, saved, parsed, state.live, state.running, started=state.started, origin=state.origin), Step(
        Hop.EDIT, d.release.id, xml, saved, state.hardware, None, f"{rel} validates and saves the edited config")


ASSIGN_AT_PARSE = version_key("1.3.5")
"""From 1.3.5 a parse assigns PCI addresses and adds the controllers they need (the
``assignAddressesCallback`` of the post-parse, ``src/conf/domain_conf.c`` at v1.3.5, not at
v1.3.4), so the source fills in what an application's XML leaves out before it compares."""

CANONICAL_AT_PARSE = version_key("1.3.4")
"""From 1.3.4 (read there; not at 1.2.19, where only define and create do it, in
``src/qemu/qemu_driver.c``) the post-parse replaces a machine alias with the versioned machine
(``qemuCanonicalizeMachine`` in ``qemuDomainDefPostParse``, ``src/qemu/qemu_domain.c``)."""

_CAPS_DIALECTS: dict[tuple[Dialect, Host], Dialect] = {}
on_reset(_CAPS_DIALECTS.clear)


def with_caps(d: Dialect, host: Host) -> Dialect:
    """``d`` filling devices from ``host``'s QEMU capabilities (the running guest's), not its own."""
    if host is d.host:
        return d
    got = _CAPS_DIALECTS.get((d, host))
    if got is None:
        got = copy.copy(d)
        got.caps_host = host
        got.twin = got if d.twin is d else with_caps(d.twin, host)
        _CAPS_DIALECTS[(d, host)] = got
    return got


def application_xml(state: State) -> bytes:
    """The destination XML an application sends with ``virsh migrate --xml``, after the ``app_xml``
    axis of the setting: the source's MIGRATABLE dumpxml (``migratable``: nova's
    ``get_updated_guest_xml()`` starts from it, VDSM's ``migratable_domain_xml()`` returns it),
    that XML with the device names removed and the rest (addresses) kept
    (``migratable-edited``), or the XML the guest was defined with (``creation``)."""
    kind = state.dialect.setting.app_xml
    if kind == "creation":
        if state.origin is None:
            raise HopError("migrate-app-xml with the creation XML needs the XML the domain was defined with")
        return state.origin
    live = state.live
    if kind == "migratable-edited":
        ctrls = tuple(Controller(c.index, c.cls, None, "old", c.kept) for c in live.controllers)
        live = domain.interned(DomainDef(live.doc, live.machine, ctrls, live.machine_type))
    return format_def(state.dialect, live, migratable=True)


def _unaddressed(state: State, app_xml: bytes, given: bool) -> list[int]:
    """The controllers of the application's XML that need a PCI address and have none. The
    MIGRATABLE dumpxml of a running guest carries every address libvirt assigned (the model's
    documents do not spell them out), so only the creation XML (or XML ``given`` as such) can lack one."""
    if state.dialect.setting.app_xml != "creation" and not given:
        return []
    cat = state.dialect.catalog
    return sorted(i for i, e in domain.controller_elements(app_xml).items()
                  if cat.legacy_device(e.get("model", "")) is not None and e.find("address") is None)


def migrate_app_xml(state: State, d: Dialect) -> tuple[State | None, Step]:
    """Live migration to ``d``'s release with destination XML from the application
    (``virsh migrate --xml``; which XML: :func:`application_xml`).

    The *source* parses it with the running guest's QEMU capabilities, checks its ABI against the
    live definition and formats what it sends (``qemuMigrationBeginPhase``,
    ``src/qemu/qemu_migration.c`` around lines 3026-3037 at v1.2.19; at v3.2.0 and v4.0.0 parsed
    with ``priv->qemuCaps``, the flags of the QEMU that runs the guest). So a device the XML does
    not name is filled in from the *source's* capabilities. The ABI check
    (``virDomainDefCheckABIStability``, ``src/conf/domain_conf.c`` at v1.2.19) compares the
    machine type, the controllers' type, index and class (``virDomainControllerDefCheckABIStability``)
    and their addresses (``virDomainDeviceInfoCheckABIStability``: "Target device address type %s
    does not match source %s"), not the device name nor the ``<target>`` values (measured with
    9.0.0: ``save-image-define``, the same check, accepts another device or port,
    data/calibration/qemu-facts.md §4). Up to 1.3.4 the parse assigns no address and adds no
    controller, so XML without ``<address>`` is refused at the source; from 1.3.5 the parse
    assigns them (:data:`ASSIGN_AT_PARSE`; the model takes the controllers it adds to be the
    running ones) and from 1.3.4 it canonicalises a machine alias (:data:`CANONICAL_AT_PARSE`).
    The destination then parses what was sent and starts the guest; QEMU loads the stream as for
    any migration (:func:`migration_event`)."""
    return migrate_with_xml(state, d, application_xml(state))


def migrate_with_xml(state: State, d: Dialect, app_xml: bytes, given: bool = False) -> tuple[State | None, Step]:
    """:func:`migrate_app_xml` with ``app_xml`` as the application's XML (``given``: any XML, so
    its addresses are looked at whatever the setting's ``app_xml`` says). ``virsh restore --xml``
    and ``save-image-define`` run the same ABI check on the image's definition
    (``qemuDomainSaveImageUpdateDef``, ``src/qemu/qemu_driver.c`` at v4.0.0; ``qemuSaveImageUpdateDef``,
    ``src/qemu/qemu_saveimage.c`` in the 9.x releases), which is how the calibration measures this
    function against libvirt 9.0.0 and QEMU 7.2 (``pcidesign calibrate --driver qemu``)."""
    src_d = state.dialect
    src, rel = str(src_d.host), str(d.host)
    at = src_d.release.id
    caps_d = with_caps(src_d, state.started_host)

    def refused(why: str, xml: bytes = app_xml, where: str = at) -> tuple[None, Step]:
        return None, Step(Hop.MIGRATE_APP_XML, where, xml, None, None, Outcome.REJECTED, why)

    parsed = parse(caps_d, app_xml, "incoming")
    if isinstance(parsed, Rejection):
        return refused(f"the source {src} refuses the application's XML ({parsed.message}); the guest keeps running "
                       "there")
    assigns = src_d.release.key >= ASSIGN_AT_PARSE
    machine = parsed.machine_type
    if machine in MACHINE_FAMILIES and src_d.release.key >= CANONICAL_AT_PARSE:
        machine = src_d.catalog.canonical_machine(machine, state.started_host)
    live = state.live
    if machine is not None and live.machine_type is not None and machine != live.machine_type:
        return refused(f"the source {src} compares the application's XML with the running guest: unsupported "
                       f"configuration: Target domain machine type {machine} does not match source "
                       f"{live.machine_type} (virDomainDefCheckABIStability); the guest keeps running there")
    mine = {c.index: c for c in live.controllers}
    theirs = {c.index: c for c in parsed.controllers}
    missing = [i for i in mine if i not in theirs]
    if missing and assigns:
        theirs.update({i: mine[i] for i in missing})
    if set(mine) != set(theirs) or any(mine[i].cls != theirs[i].cls for i in mine):
        diff = sorted(set(mine) ^ set(theirs)) or [i for i in sorted(mine) if mine[i].cls != theirs[i].cls]
        i = diff[0]
        what = (f"Target domain controller count {len(theirs)} does not match source {len(mine)}"
                if len(mine) != len(theirs) else
                f"Target controller model {theirs[i].cls} does not match source {mine[i].cls} (index {i})")
        return refused(f"the source {src} compares the application's XML with the running guest: unsupported "
                       f"configuration: {what} (virDomainDefCheckABIStability); the guest keeps running there")
    bare = [] if assigns else _unaddressed(state, app_xml, given)
    if bare:
        return refused(f"the source {src} compares the application's XML with the running guest: unsupported "
                       "configuration: Target device address type none does not match source pci (controller "
                       f"index {bare[0]}: the XML has no <address>, and {at} assigns none when it parses; "
                       "virDomainDeviceInfoCheckABIStability); the guest keeps running there")
    checked = domain.interned(DomainDef(parsed.doc, parsed.machine, tuple(theirs[i] for i in sorted(theirs)), machine))
    sent = format_def(caps_d, checked, migratable=True)
    incoming = parse(d, sent, "incoming")
    if isinstance(incoming, Rejection):
        return refused(f"{rel} refuses the XML the source sent ({incoming.message}); the guest keeps running on "
                       f"{src}", sent, d.release.id)
    started = start_def(d, incoming)
    if isinstance(started, Rejection):
        return refused(f"{rel} cannot start the incoming guest ({started.message}); it keeps running on {src}",
                       sent, d.release.id)
    event, why = migration_event(state.hardware, started.hardware, src, rel)
    if event is Outcome.ABORTED:
        unnamed = [c.index for c in checked.controllers if c.device is None and src_d.catalog.legacy_device(c.cls)]
        filled = (f"the source {src} sends the application's XML without a device name (index "
                  f"{', '.join(map(str, unnamed))}: {at} fills none in when it parses), so {rel} fills in its own "
                  "default" if unnamed else
                  f"the source {src} fills the application's XML in from the running guest's QEMU capabilities "
                  f"(those {state.started_host} started it with)")
        why = (f"{filled}; the ABI check at the source passes (it compares classes, indexes and addresses, not device "
               f"names or <target> values: measured), then {why}")
        return None, Step(Hop.MIGRATE_APP_XML, d.release.id, sent, None, started.hardware, event, why)
    incoming = started_incoming(d, incoming)
    saved = format_def(d, incoming)
    return State(d, saved, incoming, started, origin=state.origin), Step(
        Hop.MIGRATE_APP_XML, d.release.id, sent, saved, started.hardware, event,
        why or f"the source {src} checks the application's XML and sends it; {rel} runs the guest with "
        f"{describe(started.hardware)}")


def restore(state: State, d: Dialect) -> tuple[State | None, Step]:
    """``virsh restore`` of the save image at ``d``'s release."""
    return _from_image(Hop.RESTORE, state, d)


def revert(state: State, d: Dialect) -> tuple[State | None, Step]:
    """``virsh snapshot-revert`` to the snapshot at ``d``'s release."""
    return _from_image(Hop.REVERT, state, d)


@dataclass(frozen=True)
class HopKind:
    """What a hop is: its function and the facts the engine, the path search and drawings need."""

    hop: Hop
    do: Callable[[State, Dialect], tuple[State | None, Step]]
    at_holder: bool
    """True when it happens at the release holding the guest (resave, save, snapshot, edit)."""
    needs_image: bool = False
    """True when it needs a save image or snapshot taken before (restore, revert)."""
    writes_config: bool = False
    """True when the release writes the saved config file (so "saved config" is a file after it)."""
    searchable: bool = True
    """True when the path search may use it."""
    code: str = ""
    """A short code for drawings of paths."""


HOPS: dict[Hop, HopKind] = {k.hop: k for k in (
    HopKind(Hop.RESTART, restart, at_holder=False, code="R"),
    HopKind(Hop.RESAVE, lambda s, d: resave(s, d), at_holder=True, writes_config=True, code="W"),
    HopKind(Hop.MIGRATE, migrate, at_holder=False, writes_config=True, code="M"),
    HopKind(Hop.DAEMON_RESTART, daemon_restart, at_holder=False, code="D"),
    HopKind(Hop.SAVE, lambda s, d: save(s, d), at_holder=True, code="S"),
    HopKind(Hop.RESTORE, restore, at_holder=False, needs_image=True, code="L"),
    HopKind(Hop.SNAPSHOT, lambda s, d: snapshot(s, d), at_holder=True, code="P"),
    HopKind(Hop.REVERT, revert, at_holder=False, needs_image=True, code="V"),
    HopKind(Hop.MIGRATE_APP_XML, migrate_app_xml, at_holder=False, writes_config=True, code="X"),
    HopKind(Hop.EDIT, lambda s, d: edit(s, d), at_holder=True, writes_config=True, code="E"),
)}
"""Every hop after a define, in the order that breaks ties in the path search."""


def hop_kind(hop: Hop | str) -> HopKind:
    """The table entry of ``hop`` (a Hop or its name), or an error listing the valid hops."""
    kind = HOPS.get(hop)  # type: ignore[call-overload]
    if kind is not None:
        return kind
    try:
        return HOPS[Hop(hop)]
    except (ValueError, KeyError):
        from pcidesign.model.errors import UnknownNameError

        raise UnknownNameError("hop", str(hop), [h.value for h in HOPS]) from None


def apply(hop: Hop, state: State, d: Dialect) -> tuple[State | None, Step]:
    """Do ``hop`` to ``state`` at ``d``'s release (a lookup in :data:`HOPS`); the state after it
    keeps the XML the domain was defined with."""
    kind = HOPS.get(hop) or hop_kind(hop)  # type: ignore[call-overload]
    if kind.needs_image and state.image is None:
        raise HopError(f"{kind.hop.value} needs a {'save image' if kind.hop is Hop.RESTORE else 'snapshot'} "
                       "taken before it")
    nxt, step = kind.do(state, _holding(state, d, kind.hop.value) if kind.at_holder else d)
    return nxt, step
