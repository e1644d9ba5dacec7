"""Scenarios over whole domain documents: the outcome and its step-by-step trace.

A scenario is a define followed by hops (:mod:`pcidesign.model.hops`) at two releases, A and B;
:func:`run` plays one for one intent under one scheme and one :class:`~pcidesign.model.setting.Setting`,
and :class:`Trail` holds the verdict rule of a history. Results are remembered in the transitions'
cache (:data:`pcidesign.model.transitions.CACHE`), keyed on (scheme, scenario, intent, hosts,
catalog, setting). The engine knows no scheme by name: it only calls the dialect a scheme gives
for a release.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from pcidesign.model import domain, kinds, verdict
from pcidesign.model import registry as _schemes
from pcidesign.model import scenarios as _scenarios
from pcidesign.model.catalog import Catalog, Host, Intent, Release, load
from pcidesign.model.dialect import Dialect, Purpose, Rejection
from pcidesign.model.domain import Hardware
from pcidesign.model.errors import HopError
from pcidesign.model.frozen import quick_init
from pcidesign.model.hops import (  # noqa: F401  (re-exported: the engine's public names)
    HOPS, HopKind, State, Step, apply, daemon_restart, define, edit, hop_kind, migrate, migrate_app_xml,
    migrate_with_xml, migration_event, resave, restart, restore, revert, save, snapshot, validation_error,
)
from pcidesign.model.setting import DEFAULT as DEFAULT_SETTING
from pcidesign.model.setting import Setting
from pcidesign.model.transitions import (  # noqa: F401  (re-exported)
    CACHE, changed, describe, format_def, parse, reset, start_def, transitions_computed, write_intent,
)
from pcidesign.model.transitions import _memo, on_reset
from pcidesign.model.vocab import Hop, Outcome


def clear_cache() -> None:
    """Forget every remembered transition and result (for benchmarks and tests)."""
    reset()


def judge(scheme: _schemes.Scheme, reference: bytes, final: bytes) -> tuple[Outcome, str]:
    """Compare the config at the end with the one saved at the start (same hardware assumed)."""
    return _memo((scheme, "judge", reference, final), _judge, scheme, reference, final)


def _judge(scheme: _schemes.Scheme, reference: bytes, final: bytes) -> tuple[Outcome, str]:
    doc = kinds.document(scheme.dialect_class.kind)
    before, after = doc.elements(reference), doc.elements(final)
    pins = scheme.dialect_class.pins
    lost = [i for i, e in before.items() if pins(e) and not (i in after and pins(after[i]))]
    if lost:
        return Outcome.INFO_LOST, (
            f"the same devices, but the config no longer names the device of {doc.identity_words} "
            f"{', '.join(map(str, lost))}: it now depends on the default of whichever release reads it")
    if domain.canonical(before) != domain.canonical(after):  # type: ignore[arg-type]
        return Outcome.REWRITTEN, f"the same devices; the {doc.noun} XML text changed"
    return Outcome.OK, f"the same devices and the same {doc.noun} XML"


# -- scenarios --------------------------------------------------------------------------------------
@quick_init
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
    setting: Setting | None = None,
) -> Result:
    """Run ``scenario`` for ``intent`` under ``scheme`` and ``setting``, writing at release ``a``
    and reading at ``b`` (release ids, or hosts whose QEMU is given)."""
    cat = catalog or load()
    st = setting or DEFAULT_SETTING
    sch = _schemes.get(scheme)
    scn = _scenarios.get(scenario)
    it = intent if isinstance(intent, Intent) else cat.intent(intent)
    ha = a if isinstance(a, Host) else cat.host(cat.release(a))
    hb = b if isinstance(b, Host) else cat.host(cat.release(b))
    return run_row(sch, scn, it, ha, [hb], cat, st)[0]


_PLAIN = (DEFAULT_SETTING.app_xml, DEFAULT_SETTING.writer)


def cell_setting(st: Setting, scn: _scenarios.Scenario, it: Intent, cat: Catalog) -> Setting:
    """``st`` (a model setting) with the axes this cell cannot feel put back to their defaults, so
    that the cell shares every transition with the default setting's: ``app_xml`` outside a
    scenario with a migration that takes the application's XML, and ``writer`` for an intent that
    is written the same whatever the writer (a named device, a root bus, a domain-level intent:
    :meth:`~pcidesign.model.dialect.Dialect.written_intents`)."""
    if (st.app_xml, st.writer) == _PLAIN:
        return st
    return _cell_setting(st, any(h is Hop.MIGRATE_APP_XML for h, _ in scn.steps),
                         it.device is None and not it.auto and cat.legacy_device(it.cls) is not None)


@functools.lru_cache(maxsize=1024)
def _cell_setting(st: Setting, feels_app_xml: bool, feels_writer: bool) -> Setting:
    return st.replace(app_xml=None if feels_app_xml else DEFAULT_SETTING.app_xml,
                      writer=None if feels_writer else DEFAULT_SETTING.writer)


def run_row(
    scheme: _schemes.Scheme,
    scenario: _scenarios.Scenario,
    intent: Intent,
    a: Host,
    bs: Sequence[Host],
    catalog: Catalog,
    setting: Setting,
) -> list[Result]:
    """:func:`run` for one row of a matrix: ``intent`` written at ``a`` and read at each of ``bs``,
    the same results (and the same remembered objects) as calling :func:`run` per cell, with
    what the row shares (the setting, the dialects, the written XML) looked up once."""
    st = cell_setting(_schemes.model_setting(setting), scenario, intent, catalog)  # the hosts carry the pairing
    out = []
    bundled = setting.bundled
    da: Dialect | None = None  # the dialect of A, looked up once per row
    for b in bs:
        ha, hb = (a, b) if bundled else paired(catalog, setting, a, b)
        key = (scheme, scenario, intent, ha, hb, catalog, st)
        got = CACHE.data.get(key)
        if got is None:
            if da is None or da.host is not ha:
                da = scheme.dialect(ha, catalog, st)
            got = CACHE.put(key, _run(scheme, scenario, intent, da, scheme.dialect(hb, catalog, st)))
        out.append(got)
    return out  # type: ignore[return-value]


def pairing_qemu(setting: Setting, releases: Sequence[Release], release: Release | None = None,
                 catalog: Catalog | None = None) -> str | None:
    """The QEMU ``release`` runs in a question over ``releases`` under ``setting``'s pairing: None
    when each runs its own (``bundled``); the QEMU of the newest of ``releases`` (``libvirt-only``:
    libvirt changes on the host, QEMU stays); the newest QEMU released on or before ``release``'s
    date (``release-day``, :meth:`Catalog.release_day_qemu`; needs ``release``). The pair of a
    matrix cell and the timeline of a path search both ask here."""
    if setting.pairing == "release-day":
        if release is None:
            raise ValueError("the release-day pairing gives each release its own QEMU: name the release")
        return (catalog or load()).release_day_qemu(release)
    if not setting.libvirt_only:
        return None
    return max(releases, key=lambda r: r.key).qemu


def paired(cat: Catalog, setting: Setting, ha: Host, hb: Host) -> tuple[Host, Host]:
    """The hosts of a pair under ``setting``'s pairing (see :func:`pairing_qemu`)."""
    if setting.bundled:
        return ha, hb
    return _paired(cat, setting.pairing, ha, hb)


@functools.lru_cache(maxsize=65536)
def _paired(cat: Catalog, pairing: str, ha: Host, hb: Host) -> tuple[Host, Host]:
    setting = DEFAULT_SETTING.replace(pairing=pairing)
    rels = (ha.release, hb.release)
    qa, qb = (pairing_qemu(setting, rels, r, cat) for r in rels)
    if qa is None or qb is None:
        return ha, hb
    return cat.host(ha.release, qa), cat.host(hb.release, qb)


on_reset(_paired.cache_clear)


def _run(sch: _schemes.Scheme, scn: _scenarios.Scenario, it: Intent, da: Dialect, db: Dialect) -> Result:
    dialects = {"A": da, "B": db}
    first = dialects[scn.steps[0][1]]
    xml = write_intent(first, it)
    if xml is None:
        return Result(sch.id, scn.id, it.id, da.release.id, db.release.id, Outcome.NOT_EXPRESSIBLE,
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
    setting: Setting | None = None,
) -> Result:
    """Run ``scenario`` for a whole domain document defined at ``a`` (``label`` names it in the result)."""
    cat = catalog or load()
    st = setting or DEFAULT_SETTING
    sch = _schemes.get(scheme)
    a, b = paired(cat, st, a, b)
    return _play(sch, _scenarios.get(scenario), xml, {"A": sch.dialect(a, cat, st), "B": sch.dialect(b, cat, st)},
                 label)


def _play(sch: _schemes.Scheme, scn: _scenarios.Scenario, xml: bytes, dialects: dict[str, Dialect], label: str) -> Result:
    a, b = dialects["A"].release.id, dialects["B"].release.id
    first = dialects[scn.steps[0][1]]
    state, step = _define(first, xml)
    if state is None:
        # the scheme wrote it, the release refused it at define (a value out of the release's
        # range, say): that release's clear error before anything changed
        return Result(sch.id, scn.id, label, a, b, Outcome.REJECTED,
                      f"{label} is refused at define by {first.host}: {step.note}", (step,))
    trail = Trail(sch, state, step)
    for hop, role in scn.steps[1:]:
        trail.hop(hop, dialects[role])
        if trail.state is None:  # a terminal event ended the history
            break
    outcome, detail = trail.verdict()
    return Result(sch.id, scn.id, label, a, b, outcome, detail, tuple(trail.steps))


def _define(d: Dialect, xml: bytes) -> tuple[State | None, Step]:
    """:func:`define`, remembered: the same define gives the same :class:`State` object, so the
    hops after it are remembered too (:func:`_hop`)."""
    return _memo((d, "define", xml), define, d, xml)


def _hop(hop: Hop, state: State, d: Dialect, reference: State) -> tuple[State | None, Step]:
    """:func:`apply`, remembered per (hop, state, release, define's state), with the step judged
    against the hardware right after the define (``guest-changed``, see :class:`Trail`). States
    are compared by identity: a remembered hop returns the same next state, so every history
    that shares a prefix (the scenarios from one define, the cells of one row) computes it once."""
    return _memo((hop, state, d, reference), _judged_hop, hop, state, d, reference)


def _judged_hop(hop: Hop, state: State, d: Dialect, reference: State) -> tuple[State | None, Step]:
    reference_hw = reference.hardware
    nxt, step = apply(hop, state, d)
    event = verdict.hop_event(step.event, step.hardware, reference_hw)
    if event is not step.event:
        assert step.hardware is not None  # hop_event reports a change only with hardware
        step = Step(step.hop, step.release, step.xml_in, step.xml_out, step.hardware, event,
                    f"{step.note}; the guest had {describe(reference_hw)}: it changed without a word "
                    f"({changed(reference_hw, step.hardware)})")
    return nxt, step


class Trail:
    """A guest's history after its define: the steps, the worst event so far, and the verdict.

    This is where a scenario's rules live: a step whose running devices differ from those after
    the define is ``guest-changed``; the worst event wins; a terminal event ends the history; a
    history that ends normally is judged against the config saved at define.
    """

    def __init__(self, scheme: _schemes.Scheme, state: State, define_step: Step) -> None:
        self.scheme = scheme
        self.state: State | None = state
        self.origin = state
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
        self.state, step = _hop(hop, self.state, d, self.origin)
        self.steps.append(step)
        if step.event is not None and verdict.worse(self.worst, step.event) is not self.worst:
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
              catalog: Catalog | None = None, purpose: Purpose = "define", setting: Setting | None = None) -> Roundtrip:
    """Parse ``xml`` at ``host`` for ``purpose`` and format it back: saved config, or (started) MIGRATABLE."""
    d = _schemes.get(scheme).dialect(host, catalog or load(), setting or DEFAULT_SETTING)
    parsed = parse(d, xml, purpose)
    if isinstance(parsed, Rejection):
        return Roundtrip(None, parsed.message, None)
    if not migratable:
        return Roundtrip(format_def(d, parsed), None, None)
    live = start_def(d, parsed)
    if isinstance(live, Rejection):
        return Roundtrip(None, live.message, None)
    return Roundtrip(format_def(d, live, migratable=True), None, live.hardware)
