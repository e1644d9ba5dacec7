"""The axes of a verdict in one frozen, validated object: :class:`Setting`.

A verdict of pcidesign ("what happens to this guest between these two releases") depends on the
facts (the catalog) and on a few *assumptions*: which timeline of releases, which machine type
the user writes, which QEMU runs with each release, which cells count. Each assumption is an
*axis*, declared once in :data:`AXES` with its default, its valid values and its help; from that
one table come the :class:`Setting` fields' validation, the CLI options (``--machine`` ...), the
notebooks' ``setting`` parameter, every figure's title (:meth:`Setting.label`) and the witness
commands (:meth:`Setting.cli_args`), so that an axis added here reaches all of them::

    from pcidesign.model.setting import Setting
    s = Setting(timeline="whatif").replace(machine="q35")
    s.label()        # 'timeline whatif · machine q35'
    s.cli_args()     # ('--timeline', 'whatif', '--machine', 'q35')

Only this module (and the parameter schema built from it) spells an axis's default value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace as _replace
from typing import Any

from pcidesign.model.errors import UnknownNameError


@dataclass(frozen=True)
class Axis:
    """One assumption a verdict depends on."""

    name: str
    default: str
    help: str
    choices: tuple[str, ...] | None = None
    """The valid values; None when they come from the catalog (then ``open_form`` says what they look like)."""
    open_form: str = ""
    """For an axis whose values the catalog decides: a description of them for error messages."""
    in_label: bool = True
    """Whether :meth:`Setting.label` names this axis when it has its default value."""


MACHINE_MODES: tuple[str, ...] = ("assumed", "alias")
"""The ``machine`` axis besides a versioned machine: ``assumed`` (the machine is taken to run on
every host: only the naming is judged) and ``alias`` (the user writes ``pc`` or ``q35``, which the
defining host replaces with its QEMU's newest versioned machine)."""

MACHINE_FAMILIES: dict[str, str] = {"pc": "pc-i440fx", "q35": "pc-q35"}
"""The machine aliases a user writes, and the family of versioned machines libvirt replaces them with."""

PAIRINGS: tuple[str, ...] = ("bundled", "libvirt-only", "release-day")
"""Which QEMU runs with each release: ``bundled`` (each release with the QEMU of its time),
``libvirt-only`` (libvirt changes on a host, QEMU stays: every release of a question runs the QEMU
of the newest release it involves) or ``release-day`` (each release with the newest QEMU released
on or before its own date, ``data/qemu-releases.csv``: "of its time" is sometimes the next QEMU)."""

WRITERS: tuple[str, ...] = ("class", "newest")
"""What an application writes for a guest that wants "the default controller", the same rule for
every scheme: ``class`` (only what the scheme needs to name the class; where the scheme has no
form naming the class alone, the device the class's documentation named when it appeared, e.g.
``ioh3420`` for a root port) or ``newest`` (the newest default device the defining host's QEMU
offers, named in the scheme's syntax; the class alone where the scheme cannot name it). The
default is ``class``: applications write the class and leave the device to libvirt (virt-manager's
``Guest.add_q35_pcie_controllers()`` adds ``<controller type='pci' model='pcie-root-port'/>``)."""

SCOPES: tuple[str, ...] = ("all", "naming")
"""``all`` cells, or ``naming``: only cells whose intent both releases know (its class, and ``<target>``
when it writes guest-visible values), where the naming scheme alone decides."""

APP_XMLS: tuple[str, ...] = ("migratable", "migratable-edited", "creation")
"""The destination XML an application sends with ``virsh migrate --xml``: ``migratable`` (the
source's MIGRATABLE dumpxml: what nova's ``get_updated_guest_xml()`` and VDSM's
``migratable_domain_xml()`` start from), ``migratable-edited`` (that XML with the addresses kept
and the device names removed) or ``creation`` (the XML the guest was defined with)."""

SHOWN_SCOPE: str = SCOPES[1]
"""The scope of the commands that show cells to a reader (``matrix``, ``paths``, the explorer, the
report's grids and notebooks): ``naming``, the naming signal apart, saying what it left out;
``--scope all`` shows everything. The axis's own default (``all``) stays what the model's answers
(findings, compare, a sweep) compute on unless a question says otherwise."""

AXES: dict[str, Axis] = {a.name: a for a in (
    Axis("timeline", "real", "the timeline of releases (see `pcidesign releases`)",
         open_form="a timeline of data/releases.csv", in_label=True),
    Axis("machine", MACHINE_MODES[0],
         "the machine a user writes: assumed (taken to run everywhere: the naming alone), pc or q35 (an alias "
         "the defining host replaces with its QEMU's newest machine), or a versioned machine such as pc-q35-2.4",
         open_form="assumed, alias, pc, q35, or a versioned machine of data/machines.csv such as pc-q35-2.4",
         in_label=False),
    Axis("pairing", PAIRINGS[0],
         "which QEMU runs with each release: bundled (each with the QEMU of its time) or libvirt-only "
         "(QEMU stays, libvirt changes: every release runs the QEMU of the newest release involved) or release-day "
         "(each release with the newest QEMU released on or before its date)",
         choices=PAIRINGS, in_label=False),
    Axis("writer", WRITERS[0],
         "what an application writes for a guest that wants the default controller, the same for every "
         "scheme: class (the class alone, or the device the class's documentation first named where the "
         "scheme cannot name a class alone) or newest (the newest default device of the defining host)",
         choices=WRITERS, in_label=False),
    Axis("scope", SCOPES[0],
         "which cells count: all, or naming (only cells whose intent both releases know, where the naming "
         "scheme alone decides)", choices=SCOPES, in_label=False),
    Axis("app_xml", APP_XMLS[0],
         "the destination XML of migrate-app-xml (virsh migrate --xml): migratable (the source's MIGRATABLE "
         "dumpxml, as nova and VDSM send), migratable-edited (that XML without device names, addresses kept) or "
         "creation (the XML the guest was defined with)", choices=APP_XMLS, in_label=False),
)}
"""Every axis of a verdict, by name, in the order labels and commands list them."""

_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}\Z")


_INTERNED: dict[tuple[object, ...], "Setting"] = {}
"""Every valid setting made so far, by its values: one object per setting."""


@dataclass(frozen=True, eq=False)
class Setting:
    """The axes of a verdict (see :data:`AXES`): frozen, validated, hashable (caches key on it).

    Unknown values of a fixed-choice axis raise :class:`UnknownNameError` at construction;
    values the catalog decides (a timeline, a versioned machine) are checked by :meth:`check`.
    Settings are interned: two settings with the same values are the same object, so equality
    and hashing are identity's (a cache lookup per cell costs no Python call).
    """

    def __new__(cls, *args: object, **kwargs: object) -> "Setting":
        key = (*args, *(kwargs.get(n, AXES[n].default) for n in list(AXES)[len(args):]))
        if len(key) == len(AXES):
            got = _INTERNED.get(key)
            if got is not None:
                return got
        return super().__new__(cls)

    timeline: str = AXES["timeline"].default
    machine: str = AXES["machine"].default
    pairing: str = AXES["pairing"].default
    writer: str = AXES["writer"].default
    scope: str = AXES["scope"].default
    app_xml: str = AXES["app_xml"].default

    def __reduce__(self) -> tuple[type["Setting"], tuple[str, ...]]:
        # rebuilt through __init__ on unpickling (and so interned in the process that reads it)
        return (self.__class__, tuple(getattr(self, f.name) for f in fields(self)))

    def __post_init__(self) -> None:
        for f in fields(self):
            axis, value = AXES[f.name], getattr(self, f.name)
            if not isinstance(value, str):
                raise UnknownNameError(axis.name, repr(value), axis.choices or [axis.open_form])
            if axis.choices is not None and value not in axis.choices:
                raise UnknownNameError(axis.name, value, axis.choices)
            if axis.choices is None and not _VALUE.match(value):
                raise UnknownNameError(axis.name, value, [axis.open_form])
        _INTERNED.setdefault(tuple(getattr(self, f.name) for f in fields(self)), self)

    # -- building ---------------------------------------------------------------------------------
    def replace(self, **changes: Any) -> "Setting":
        """This setting with some axes changed (``None`` keeps an axis as it is); validated."""
        unknown = [k for k in changes if k not in AXES]
        if unknown:
            raise UnknownNameError("axis", unknown[0], AXES)
        kept = {k: v for k, v in changes.items() if v is not None and v != ""}
        return _replace(self, **kept) if kept else self

    @classmethod
    def of(cls, setting: "Setting | Mapping[str, Any] | None" = None, **changes: Any) -> "Setting":
        """A setting from a Setting, a mapping of axis values (a notebook's ``setting`` parameter)
        or nothing (the defaults), with ``changes`` applied (``None`` values ignored)."""
        if isinstance(setting, Setting):
            base = setting
        elif setting is None:
            base = DEFAULT
        elif isinstance(setting, Mapping):
            base = DEFAULT.replace(**dict(setting))
        else:
            raise TypeError(f"setting must be a Setting or a mapping of axes ({', '.join(AXES)}), "
                            f"not {type(setting).__name__}")
        return base.replace(**changes)

    # -- reading ----------------------------------------------------------------------------------
    def changed(self) -> dict[str, str]:
        """The axes whose values differ from their defaults, in :data:`AXES` order."""
        return {name: getattr(self, name) for name in AXES if getattr(self, name) != AXES[name].default}

    def as_dict(self) -> dict[str, str]:
        """Every axis with its value (for JSON and papermill)."""
        return {name: getattr(self, name) for name in AXES}

    def label(self, skip: Iterable[str] = ()) -> str:
        """One line for titles, captions and "how" texts: every axis that is shown by default and
        every axis changed from its default (``skip``: axes the caller already says)."""
        shown = [f"{name} {getattr(self, name)}" for name, axis in AXES.items()
                 if name not in skip and (axis.in_label or getattr(self, name) != axis.default)]
        return " · ".join(shown)

    def cli_args(self, skip: Iterable[str] = ()) -> tuple[str, ...]:
        """The command-line options that reproduce this setting (changed axes only)."""
        out: list[str] = []
        for name, value in self.changed().items():
            if name not in skip:
                out += [option(name), value]
        return tuple(out)

    # -- the machine axis ---------------------------------------------------------------------------
    @property
    def checks_machine(self) -> bool:
        """Whether the machine type is part of what is judged (any machine but the assumed one)."""
        return self.machine != MACHINE_MODES[0]

    @property
    def bundled(self) -> bool:
        """Whether each release runs with its own QEMU (the ``bundled`` pairing)."""
        return self.pairing == PAIRINGS[0]

    @property
    def libvirt_only(self) -> bool:
        """Whether QEMU stays while libvirt changes (the ``libvirt-only`` pairing)."""
        return self.pairing == PAIRINGS[1]

    def written_machine(self, family_alias: str, machines: Mapping[str, Any]) -> str:
        """The machine a user writes for a guest of the ``pc`` or ``q35`` family under this axis:
        the alias itself, or that family's machine of the chosen version."""
        version = machine_version(self.machine, machines)
        if version in MACHINE_MODES:
            return family_alias
        return f"{MACHINE_FAMILIES[family_alias]}-{version}"

    def check(self, catalog: Any) -> "Setting":
        """Check the axes the catalog decides (the timeline; the machine's version) and return self."""
        catalog.timeline(self.timeline)
        machine_version(self.machine, catalog.machines)
        return self


def option(name: str) -> str:
    """The command-line option of axis ``name`` (``app_xml`` -> ``--app-xml``)."""
    return "--" + name.replace("_", "-")


def machine_version(text: str, machines: Mapping[str, Any]) -> str:
    """``assumed`` or ``alias`` (also for ``pc`` and ``q35``), or the version of a versioned machine
    (``2.4`` from ``pc-q35-2.4``, ``pc-i440fx-2.4`` or ``2.4``) that ``machines`` lists; else an
    error listing the valid values."""
    if text in MACHINE_MODES:
        return text
    if text in MACHINE_FAMILIES:
        return MACHINE_MODES[1]
    version = text
    for family in MACHINE_FAMILIES.values():
        if text.startswith(family + "-"):
            version = text[len(family) + 1:]
    if any(".".join(map(str, m.version)) == version or m.name.endswith("-" + version) for m in machines.values()):
        return version
    raise UnknownNameError("machine", text, [*MACHINE_MODES, *MACHINE_FAMILIES,
                                             "a versioned machine such as pc-q35-2.4 (data/machines.csv)"])


DEFAULT = Setting()
"""Every axis at its default."""

DOCUMENT = Setting(machine=MACHINE_MODES[1])
"""The setting a whole document is read under (``roundtrip``, the golden files, the fleet): the
machine it names is judged against the host's QEMU."""
