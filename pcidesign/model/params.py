"""The one parameter schema: every parameter a notebook, the report or the CLI takes, declared once.

Each :class:`Param` says its type, what an empty value means, its bounds and where its valid
values come from (the catalog, the scheme registry, the scenarios, a fixed vocabulary).
:func:`check` validates a set of parameters against it; the notebooks' first cell, the report's
pre-flight check and the CLI all call it, so a value is judged the same everywhere. It imports
only the model, so the batch runner can check a whole grid without loading pandas or matplotlib.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pcidesign.model import registry, scenarios
from pcidesign.model.catalog import DEFAULT_TIMELINE, LEGACY_PC_FAMILY, Catalog, load
from pcidesign.model.hops import HOPS as _HOP_TABLE
from pcidesign.model.setting import AXES, MACHINE_FAMILIES, MACHINE_MODES, SCOPES  # noqa: F401  (re-exported: the schema's scopes)
from pcidesign.model.errors import PcidesignError, UnknownNameError

HOPS: tuple[str, ...] = tuple(k.hop.value for k in _HOP_TABLE.values() if k.searchable)
"""The hops a path may use after its define, in tie-break order (the hop table's order)."""

MAX_HOPS_LIMIT = 50
"""The largest path budget accepted: beyond it the search only repeats states (and takes long)."""

Kind = Literal["str", "int", "list[str]"]
Valid = Callable[[Catalog, str], Iterable[str]]


class ParameterError(PcidesignError, ValueError):
    """A parameter of the wrong type or shape (a version given as a number, a negative count)."""


@dataclass(frozen=True)
class Param:
    """One parameter: its type, the values it may take, and what empty means."""

    name: str
    kind: Kind
    help: str
    what: str = ""
    """What one value names ("scheme", "release", ...), for the error message."""
    valid: Valid | None = None
    """The valid values, given the catalog and the timeline; None: any value of the kind."""
    empty: str = ""
    """What an empty string or list means (``""``: empty is not allowed)."""
    minimum: int | None = None
    maximum: int | None = None


def _releases(cat: Catalog, timeline: str) -> Iterable[str]:
    return (r.id for r in cat.timeline(timeline))


def _schemes(cat: Catalog, timeline: str) -> Iterable[str]:
    return registry.scheme_ids()


def _machines(cat: Catalog, timeline: str) -> Iterable[str]:
    # the pc-0.x/pc-1.x machines are known to roundtrip, not an axis (it writes pc-i440fx-V or pc-q35-V)
    return (*MACHINE_MODES, *MACHINE_FAMILIES, *(m for m, i in cat.machines.items() if i.family != LEGACY_PC_FAMILY))


def _scenarios(cat: Catalog, timeline: str) -> Iterable[str]:
    return scenarios.scenario_ids()


def _intents(cat: Catalog, timeline: str) -> Iterable[str]:
    return cat.intents


def _fixed(values: tuple[str, ...]) -> Valid:
    return lambda cat, timeline: values


def _axis_valid(name: str) -> Valid:
    if name == "timeline":
        return lambda cat, t: cat.timelines
    if name == "machine":
        return _machines
    return _fixed(AXES[name].choices or ())


def _axis_params() -> tuple[Param, ...]:
    """One parameter per axis of :data:`pcidesign.model.setting.AXES` (plus ``setting``, a
    notebook's mapping of axis values), so that an axis declared there is checked everywhere."""
    return tuple(Param(a.name, "str", a.help, a.name, _axis_valid(a.name)) for a in AXES.values())


SCHEMA: dict[str, Param] = {p.name: p for p in (
    *_axis_params(),
    Param("scheme", "str", "scheme id (see `pcidesign schemes`)", "scheme", _schemes),
    Param("schemes", "list[str]", "scheme ids", "scheme", _schemes, empty="every scheme"),
    Param("scenario", "str", "scenario id", "scenario", _scenarios),
    Param("scenarios", "list[str]", "scenario ids", "scenario", _scenarios, empty="every scenario"),
    Param("intent", "str", "intent id (see `pcidesign intents`)", "intent", _intents),
    Param("intents", "list[str]", "intent ids", "intent", _intents, empty="every intent"),
    Param("releases", "list[str]", "release ids of the timeline", "release", _releases, empty="every release"),
    Param("targets", "list[str]", "target release ids of the timeline", "release", _releases,
          empty="every release but the current one"),
    Param("start", "str", "define only at this release", "release", _releases, empty="any release"),
    Param("source", "str", "the release the fleet runs today", "release", _releases,
          empty="the newest real release of the timeline"),
    Param("hops", "list[str]", "the hops a path may use", "hop", _fixed(HOPS)),
    Param("max_hops", "int", "hops after the define", minimum=1, maximum=MAX_HOPS_LIMIT),
    Param("explain", "int", "how many of the worst cells to explain step by step; 0: none", minimum=0, maximum=1000),
    Param("worst", "int", "worst-off domains listed per scheme, target and scenario", minimum=0, maximum=100_000),
    Param("fleet_dir", "str", "directory of domain XML files", empty="the sample fleet shipped with pcidesign"),
    Param("out_dir", "str", "absolute folder for PNG/CSV output", empty="write nothing"),
    Param("results", "str", "a file of results the report computed once for this timeline",
          empty="compute them here"),
)}
"""Every parameter by name."""


def _text(name: str, value: object) -> str:
    if not isinstance(value, str):
        hint = " (write versions as strings, e.g. '1.2.19')" if isinstance(value, (int, float)) else ""
        raise ParameterError(f"parameter {name} must be a string, not {type(value).__name__} {value!r}{hint}")
    return value


def _bounds(p: Param) -> str:
    """The range of an ``int`` parameter in words: ``from 0 to 1000``, ``>= 1``, or empty."""
    if p.minimum is not None and p.maximum is not None:
        return f" from {p.minimum} to {p.maximum}"
    if p.minimum is not None:
        return f" >= {p.minimum}"
    if p.maximum is not None:
        return f" <= {p.maximum}"
    return ""


def _whole(p: Param, value: object) -> int:
    """``value`` if it is a whole number (not a bool, a float or a text) within ``p``'s bounds; the
    error names the parameter, its meaning and its valid range."""
    wanted = f"parameter {p.name} ({p.help}) must be a whole number{_bounds(p)}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParameterError(f"{wanted}, not {type(value).__name__} {value!r}")
    if p.minimum is not None and value < p.minimum or p.maximum is not None and value > p.maximum:
        raise ParameterError(f"{wanted}, not {value}")
    return value


def of_kind(kind: str, value: object) -> bool:
    """Whether ``value`` has the type a notebook declares as ``kind`` (``str``, ``int``,
    ``list[str]``; other declared types are not checked)."""
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    if kind.startswith("list"):
        return isinstance(value, list) and (kind != "list[str]" or all(isinstance(v, str) for v in value))
    return True


def check_one(p: Param, value: object, cat: Catalog, timeline: str) -> None:
    """Check one parameter's value (ParameterError or UnknownNameError naming it and the valid values)."""
    if p.kind == "int":
        _whole(p, value)
        return
    if p.kind == "str":
        values = [_text(p.name, value)]
    else:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise ParameterError(f"parameter {p.name} must be a list of strings, not {type(value).__name__} {value!r}")
        values = [_text(f"{p.name}[{i}]", v) for i, v in enumerate(value)]
        if len(set(values)) != len(values):
            seen: set[str] = set()
            twice = list(dict.fromkeys(v for v in values if v in seen or seen.add(v)))  # type: ignore[func-returns-value]
            more = f" and {len(twice) - 5} more" if len(twice) > 5 else ""
            raise ParameterError(f"parameter {p.name} lists a value twice: {', '.join(map(repr, twice[:5]))}{more} "
                                 f"({len(values)} values given)")
    if not values or values == [""]:
        if not p.empty:
            raise ParameterError(f"parameter {p.name} must not be empty")
        return
    if p.what == "scheme":  # a variant id (SCHEME+POLICY=VALUE) is valid wherever a scheme id is
        for v in values:
            try:
                registry.get(v)
            except UnknownNameError as exc:
                where = f"parameter {p.name}" + (f", {exc.where}" if exc.where else "")
                raise UnknownNameError(exc.kind, exc.value, exc.valid, where) from None
        return
    if p.what == "intent":  # an intent of the catalog, or one with the user's own <target> values
        for v in values:
            try:
                cat.intent(v)
            except UnknownNameError as exc:
                where = f"parameter {p.name}" + (f", {exc.where}" if exc.where else "")
                raise type(exc)(exc.kind, exc.value, exc.valid, where) from None
        return
    if p.valid is not None:
        valid = tuple(p.valid(cat, timeline))
        where = f"parameter {p.name}" + (f" (timeline {timeline})" if p.what == "release" else "")
        for v in values:
            if v not in valid:
                elsewhere = cat.timelines_with(v) if p.what == "release" else ()
                raise UnknownNameError(p.what or p.name, v, valid, where, elsewhere)


def check(catalog: Catalog | None = None, **params: Any) -> dict[str, Any]:
    """Check parameters by name against :data:`SCHEMA`; return them unchanged, or raise.

    Releases are checked against ``timeline`` (or the default timeline). ``None`` is accepted for
    any parameter (the caller's default applies). Names the schema does not know are returned
    unchecked (a notebook may have parameters of its own). Raises :class:`ParameterError` for a
    wrong type, shape or range, :class:`UnknownNameError` (naming the parameter and listing the
    valid values) for an unknown name.
    """
    cat = catalog or load()
    timeline = params.get("timeline")
    if timeline is not None:
        check_one(SCHEMA["timeline"], timeline, cat, DEFAULT_TIMELINE)
    line = timeline or DEFAULT_TIMELINE
    for name, value in params.items():
        if value is None or name == "timeline" or name not in SCHEMA:
            continue
        check_one(SCHEMA[name], value, cat, line)
    return dict(params)


def help_text(name: str) -> str:
    """The schema's help for ``name``, with what an empty value means (for CLI and docs)."""
    p = SCHEMA[name]
    return p.help + (f"; empty: {p.empty}" if p.empty else "")


def known(params: Mapping[str, Any]) -> list[str]:
    """The names among ``params`` that the schema checks."""
    return [n for n in params if n in SCHEMA]
