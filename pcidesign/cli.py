"""``pcidesign``: argument parsing and printing over the same API the notebooks use.

Exit status: 0 on success, 1 when the analysis found a failure you asked it to fail on (or a
release rejected the input), 2 for bad usage (unknown names, unreadable input). Every error goes
through :func:`error`, which escapes control characters an input file may have put in it.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from pcidesign.model import engine, kinds, params
from pcidesign.model import registry as schemes
from pcidesign.model import scenarios
from pcidesign.render import table, text
from pcidesign.render.progress import Progress
from pcidesign.model.catalog import DEFAULT_TIMELINE, Catalog, load
from pcidesign.model.errors import PcidesignError, UnknownNameError
from pcidesign.model.safetext import printable
from pcidesign.model.setting import AXES, DOCUMENT, SCOPES, SHOWN_SCOPE, Setting

FORMATS = ("table", "csv", "json")


class UsageError(PcidesignError):
    """Bad usage that argparse cannot see (exit 2)."""


def error(message: object) -> None:
    """Print one error message to standard error, every control character but newline and tab
    escaped (a file name, a ``model`` value or a parser message may carry ESC, C1 or bidi
    controls)."""
    print(printable(message, keep="\n\t"), file=sys.stderr)


def _timeline_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeline", default=DEFAULT_TIMELINE, help="timeline of releases (default: %(default)s)")


def _scheme_arg(p: argparse.ArgumentParser, required: bool = True, help: str = "") -> None:
    p.add_argument("--scheme", required=required, help=help or "scheme id (see 'pcidesign schemes')")


def _kind_arg(p: argparse.ArgumentParser) -> None:
    scheme = "--scheme" in p._option_string_actions
    p.add_argument("--kind", default=None, metavar="KIND",
                   help=f"the device kind: {', '.join(kinds.KINDS)} (see 'pcidesign kinds'; default: "
                        + ("the kind of --scheme, else " if scheme else "") + f"{kinds.DEFAULT_KIND})")


def _kind(args: argparse.Namespace) -> kinds.DeviceKind:
    """The device kind of ``--kind`` (exit 2 naming the valid kinds when it is unknown); without
    it, the kind of ``--scheme`` (so a witness command printed without ``--kind`` replays), else
    the PCI controllers."""
    given = getattr(args, "kind", None)
    if given is not None:
        return kinds.get(given)
    sid = getattr(args, "scheme", None)
    if isinstance(sid, str) and sid:
        return kinds.get(schemes.get(sid).kind)
    return kinds.get(kinds.DEFAULT_KIND)


def _kind_scheme(args: argparse.Namespace, command: str) -> str:
    """``--scheme``, checked to be a scheme (or variant) of the command's kind; the kind's own
    default scheme when none is given and the kind has one; otherwise a usage error."""
    kind = _kind(args)
    sid = getattr(args, "scheme", None)
    if not sid:
        if not kind.default_scheme:
            raise UsageError(f"{command} needs --scheme for kind {kind.id} (see 'pcidesign schemes')")
        return kind.default_scheme
    scheme = schemes.get(sid)
    if scheme.kind != kind.id:
        raise UnknownNameError(f"scheme of kind {kind.id}", sid, schemes.variant_ids(kind=kind.id),
                               f"--kind {kind.id} (scheme {scheme.id!r} is of kind {scheme.kind})")
    return sid


def _axes_args(p: argparse.ArgumentParser, skip: Sequence[str] = (), shows_cells: bool = False) -> None:
    """One option per axis of the setting (:data:`pcidesign.model.setting.AXES`) but ``skip``:
    ``--timeline``, ``--machine``, ``--pairing``, ``--scope`` ..., with the axis's help and default.
    A command that ``shows_cells`` to a reader defaults to scope
    :data:`~pcidesign.model.setting.SHOWN_SCOPE` (the naming signal apart)."""
    from pcidesign.model.setting import SHOWN_SCOPE

    for axis in AXES.values():
        if axis.name in skip:
            continue
        default = axis.default if axis.name == "timeline" else None  # None: "not given", the setting's default
        shown = axis.default
        if shows_cells and axis.name == "scope":
            default = shown = SHOWN_SCOPE
        p.add_argument("--" + axis.name.replace("_", "-"), dest=axis.name, default=default,
                       metavar=axis.name.upper()[0],
                       help=f"{axis.help} (default: {shown})")


def _jobs_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="worker processes sharing the work (default: the CPU count; 1: a single process); "
                        "the output is the same whatever N")


def _jobs(text: str) -> int:
    """A ``--jobs`` value: a whole number of at least 1."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: a whole number >= 1 (1: a single process)")
    return n


def _setting(args: argparse.Namespace) -> Setting:
    """The setting the command's axis options describe, checked against the catalog (exit 2 naming
    the axis and its valid values when one is unknown)."""
    given = {name: getattr(args, name, None) for name in AXES}
    params.check(_catalog(args), **given)
    return Setting.of(None, **given).check(_catalog(args))


def paths_default_hops() -> tuple[object, ...]:
    """The hops ``paths`` uses unless told otherwise."""
    from pcidesign.analysis.paths import DEFAULT_HOPS

    return DEFAULT_HOPS


def _catalog(args: argparse.Namespace) -> "Catalog":
    """The catalog of the command's device kind (the facts; the axes travel in :func:`_setting`)."""
    return _kind(args).catalog()


def _format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default: %(default)s)")


SCHEME_MODULE_HELP = ("load schemes from this module name or .py file (SCHEME or SCHEMES in it); repeatable; "
                      "also read from $PCIDESIGN_SCHEMES and the 'pcidesign.schemes' entry points")


class _Parser(argparse.ArgumentParser):
    """Every subcommand also takes ``--scheme-module``, after the subcommand as before it."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.prog != "pcidesign":
            self.add_argument("--scheme-module", action="append", dest="sub_scheme_modules", metavar="MODULE",
                              default=argparse.SUPPRESS, help=SCHEME_MODULE_HELP)

    def error(self, message: str) -> NoReturn:
        """argparse's usage error (exit 2), with the control characters of an argument escaped (a
        shell glob can pass a hostile file name as an unrecognised argument)."""
        self.print_usage(sys.stderr)
        self.exit(2, printable(f"{self.prog}: error: {message}", keep="\n\t") + "\n")


DESCRIPTION = (
    "Which way of naming a PCI controller's QEMU device in libvirt domain XML keeps guests safe "
    "across libvirt and QEMU releases? pcidesign models each scheme proposed in the 2015 libvirt "
    "design discussion, runs define, restart, re-save, live migration, save/restore and more "
    "between any two releases (or along whole paths), says what happens to the guest, from 'ok' "
    "to 'guest-changed', and explains every verdict hop by hop with the XML. Start with "
    "'pcidesign findings' (the discussion's questions, answered per scheme) or 'pcidesign report' "
    "(the notebooks and grids for a design review)."
)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, one subcommand per verb."""
    parser = _Parser(prog="pcidesign", description=DESCRIPTION)
    parser.add_argument("--scheme-module", action="append", dest="scheme_modules", metavar="MODULE", default=[],
                        help=SCHEME_MODULE_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("kinds", help="list the device kinds (PCI controllers, interfaces ...) the model knows")
    _format_arg(p)
    p.set_defaults(func=cmd_kinds)

    p = sub.add_parser("schemes", help="list the schemes with their pros and cons")
    p.add_argument("--variants", action="store_true",
                   help="also list each scheme's variants (SCHEME+fill=POLICY, SCHEME+migratable=POLICY)")
    _format_arg(p)
    _kind_arg(p)
    p.set_defaults(func=cmd_schemes)

    p = sub.add_parser("releases", help="list the releases of a timeline")
    _timeline_arg(p)
    _format_arg(p)
    _kind_arg(p)
    p.set_defaults(func=cmd_releases)

    p = sub.add_parser("intents", help="list the controller intents")
    _format_arg(p)
    _kind_arg(p)
    p.set_defaults(func=cmd_intents)

    p = sub.add_parser("matrix", help="the outcome of a scenario for every intent and pair of releases")
    _scheme_arg(p, required=False, help="scheme id (see 'pcidesign schemes'); required for the PCI controllers; "
                                        "for another kind, none compares every scheme and fill policy of the kind")
    _kind_arg(p)
    p.add_argument("--scenario", required=True, help=f"one of: {', '.join(scenarios.scenario_ids())}")
    p.add_argument("--intent", action="append", dest="intents", metavar="INTENT",
                   help="limit to this intent (repeatable; default: all)")
    _format_arg(p)
    _axes_args(p, shows_cells=True)
    _jobs_arg(p)
    p.set_defaults(func=cmd_matrix)

    p = sub.add_parser("explain", help="every hop's XML and the verdict for one cell, or for one path")
    _scheme_arg(p, required=False, help="scheme id (see 'pcidesign schemes'); required for the PCI controllers; "
                                        "another kind has a default (see 'pcidesign kinds')")
    _kind_arg(p)
    p.add_argument("--scenario", help="the scenario of the cell (with --intent, --from and --to)")
    p.add_argument("--intent")
    p.add_argument("--from", dest="from_", metavar="RELEASE")
    p.add_argument("--to", dest="to", metavar="RELEASE")
    p.add_argument("--path", metavar="PATH", help="instead of a cell, replay a path as 'paths' prints it: "
                   "'define INTENT@RELEASE > HOP@RELEASE > ...'")
    _axes_args(p, skip=("scope",))
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("roundtrip", help="what a release saves (or sends) for a whole domain XML file")
    _scheme_arg(p, required=False, help="scheme id (see 'pcidesign schemes'); required for the PCI controllers; "
                                        "another kind has a default (see 'pcidesign kinds')")
    _kind_arg(p)
    p.add_argument("--release", required=True)
    _timeline_arg(p)
    p.add_argument("--qemu", type=_not_empty, help="QEMU version on the host (default: the release's own)")
    p.add_argument("--migratable", action="store_true", help="print the MIGRATABLE XML a migration sends")
    p.add_argument("file", type=Path, help="domain XML file ('-' for standard input)")
    p.set_defaults(func=cmd_roundtrip)

    # -- fleet and calibrate --
    p = sub.add_parser("fleet", help="what each scheme would do to a directory of domain XML files, or to the "
                                     "domains a libvirt connection defines (--connect)")
    p.add_argument("directory", type=_folder, metavar="DIR", nargs="?",
                   help="directory of domain XML files (recursive, *.xml; '.' for the current folder)")
    p.add_argument("--connect", metavar="URI", type=_not_empty,
                   help="instead of DIR: read every defined domain's inactive XML from this libvirt URI "
                        "(read-only; e.g. qemu:///system, test:///default; needs libvirt-python: "
                        "pip install 'pcidesign[connect]')")
    _timeline_arg(p)
    p.add_argument("--target", action="append", dest="targets", metavar="RELEASE",
                   help="target release (repeatable; default: every release of the timeline but --from)")
    p.add_argument("--scheme", action="append", dest="schemes", metavar="S",
                   help="scheme id (repeatable; default: all)")
    p.add_argument("--current", dest="source", metavar="RELEASE",
                   help="the release the fleet runs today (default: the newest real release of the timeline)")
    p.add_argument("--from", dest="deprecated_source", metavar="RELEASE", help="deprecated name of --current")
    p.add_argument("--worst", type=int, default=5, metavar="N",
                   help="worst-off domains listed per scheme, target and scenario (default: %(default)s)")
    p.add_argument("--show", choices=("summary", "worst", "errors", "machines"), default="summary",
                   help="the table --format csv prints (default: %(default)s)")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first file that cannot be used (default: report it and go on)")
    p.add_argument("--direction", choices=("upgrade", "downgrade", "both"), default="both",
                   help="targets newer than --current (upgrade), older (downgrade) or both (default: %(default)s)")
    p.add_argument("--scope", choices=SCOPES, default=SHOWN_SCOPE,
                   help="naming: leave out, per target, the domains holding a controller the target (or the "
                        "current release) does not know, where every scheme fails alike, and count them apart; "
                        "all: count every domain (default: %(default)s)")
    _format_arg(p)
    _jobs_arg(p)
    p.set_defaults(func=cmd_fleet)

    p = sub.add_parser("calibrate", help="compare the model-subelement scheme with a real libvirt (and QEMU)")
    p.add_argument("--driver", choices=("test", "qemu"), default="test",
                   help="test: virsh's test:///default (the generic parser); qemu: a private embedded QEMU "
                        "driver and real QEMU processes (define, start, restart, live migration) "
                        "(default: %(default)s)")
    p.add_argument("--virsh", default=None, metavar="PATH", help="the virsh to run (default: virsh on PATH)")
    p.add_argument("--probes", type=Path, default=None, metavar="DIR",
                   help="directory of probe domains (default: the calibration set shipped with pcidesign)")
    _format_arg(p)
    p.set_defaults(func=cmd_calibrate)

    # -- paths --
    p = sub.add_parser("paths", help="outcomes reachable by paths of up to K hops, with shortest counterexamples")
    _scheme_arg(p, required=False)
    _kind_arg(p)
    p.add_argument("--max-hops", type=int, default=None, metavar="K",
                   help="hops after the define (default: 3; with --notions: the number of releases of the timeline)")
    p.add_argument("--hops", default=",".join(h.value for h in paths_default_hops()),
                   help="allowed hops, comma-separated, of: " + ", ".join(params.HOPS) + " (default: %(default)s)")
    p.add_argument("--intent", action="append", dest="intents", metavar="INTENT",
                   help="limit to this intent (repeatable; default: all)")
    p.add_argument("--start", metavar="RELEASE", help="define only at this release (default: any)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: %(default)s)")
    p.add_argument("--all-schemes", action="store_true", help="one row per scheme: worst outcome and its witness")
    p.add_argument("--all-variants", action="store_true",
                   help="one row per scheme and each of its single-policy variants")
    p.add_argument("--notions", action="store_true",
                   help="the three notions side by side (pairwise, adjacent, closure): each reachable outcome's "
                        "shortest path")
    p.add_argument("--fail-on", metavar="OUTCOME", help="exit 1 if this outcome or a worse one is reachable")
    _axes_args(p, shows_cells=True)
    p.set_defaults(func=cmd_paths)

    p = sub.add_parser("findings", help="the thread's questions, each answered by the model per variant")
    p.add_argument("--timeline", default=None,
                   help="answer every question on this timeline (default: each question's own)")
    p.add_argument("--question", action="append", dest="questions", metavar="ID",
                   help="only this question (repeatable; default: all of data/questions.csv)")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table",
                   help="output format (default: %(default)s)")
    p.add_argument("--assume", action="append", default=[], metavar="AXIS=VALUE",
                   help="answer under another value of an assumption axis (repeatable), e.g. writer=newest; "
                        "each answer still says which one-axis changes flip it")
    _kind_arg(p)
    _axes_args(p, skip=("timeline", "scope"))
    _jobs_arg(p)
    p.set_defaults(func=cmd_findings)

    p = sub.add_parser("compare", help="each variant against a support policy, with benefit, expressiveness "
                                       "and the Pareto front")
    p.add_argument("--policy", default="upstream", help="support policy of data/support-policies.csv "
                                                         "(default: %(default)s)")
    p.add_argument("--costs", action="store_true",
                   help="draw the Pareto front over the thread's costs too (data/costs.csv; lower is better)")
    p.add_argument("--fleet", type=_folder, default=None, metavar="DIR",
                   help="the fleet whose guests weigh the benefit per guest (a folder of domain XML; "
                        "default: the bundled sample data/fleet-sample)")
    p.add_argument("--variant", action="append", dest="variants", metavar="V",
                   help="variant id (repeatable; default: the default report's: every scheme and each filling "
                        "scheme's +fill=define-only)")
    p.add_argument("--format", choices=("table", "markdown", "json"), default="table",
                   help="output format (default: %(default)s)")
    p.add_argument("--fail-on-violation", action="store_true",
                   help="exit 1 if any variant compared breaks a rule of the policy")
    _axes_args(p)
    _jobs_arg(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="run the notebooks over the parameter grid into a report folder")
    p.add_argument("--out", type=_folder, default=Path("reports"), help="folder of report runs (default: %(default)s)")
    p.add_argument("--timeline", action="append", dest="timelines", metavar="T",
                   help="timeline to report on (repeatable; default: every timeline)")
    p.add_argument("--scheme", action="append", dest="schemes", metavar="S",
                   help="limit to this scheme or variant (repeatable; default: every scheme and each filling "
                        "scheme's +fill=define-only variant)")
    p.add_argument("--variant", action="append", dest="variants", metavar="V",
                   help="add this variant to the schemes covered (repeatable), e.g. model-subelement+fill=never")
    p.add_argument("--scenario", action="append", dest="scenarios", metavar="S", help="limit to scenario (repeatable)")
    _axes_args(p, skip=("timeline", "scope"))
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="notebooks run in parallel (default: %(default)s)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every notebook (slower; default: each worker reuses one, reset)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    p.add_argument("--keep", type=_positive, default=None, metavar="N",
                   help="after the run, remove all but the N newest finished runs under --out (the run "
                        "'latest' points to is always kept; default: keep every run)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("diff", help="what moved between two report runs (or two findings.json files), and why")
    p.add_argument("old", metavar="OLD", help="a report run (reports/run-...), its summary.json or a findings.json")
    p.add_argument("new", metavar="NEW", help="the run or findings.json to compare with OLD")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: %(default)s)")
    p.add_argument("--fail-on-change", action="store_true",
                   help="exit 1 when an answer, front, cell, question or variant moved")
    p.set_defaults(func=cmd_diff)

    for name in WIDE_COMMANDS:
        sub.choices[name].add_argument("--wide", action="store_true",
                                       help="tables as wide as their cells (default: wrapped or cut with '…' "
                                            "to the terminal's width, $COLUMNS, or 100 columns)")
    return parser


WIDE_COMMANDS = ("schemes", "releases", "intents", "matrix", "explain", "fleet", "paths", "findings", "compare",
                 "diff")
"""The subcommands that print tables or wrapped prose: each takes ``--wide``."""


def _width(args: argparse.Namespace) -> int | None:
    """The width a table may take: the terminal's (``$COLUMNS`` first; 100 with no terminal), or
    None (no limit) with ``--wide``."""
    return None if getattr(args, "wide", False) else table.terminal_width()


def cmd_kinds(args: argparse.Namespace) -> int:
    """``pcidesign kinds``: the device kinds, with how each is selected, identified and named."""
    import pandas as pd

    rows = []
    for k in kinds.KINDS.values():
        cat = k.catalog()
        rows.append({"kind": k.id, "title": k.title, "elements": k.selector, "identity": k.identity,
                     "named_by": k.named_by, "guest_visible": " ".join(k.guest_visible),
                     "schemes": " ".join(k.scheme_ids()), "default_scheme": k.default_scheme or "-",
                     "intents": len(cat.intents), "releases": " ".join(r.id for r in cat.releases),
                     "data": f"data/{k.data}" if k.data else "data", "questions": f"data/{k.questions}",
                     "default_rules": [{"since": r.since_text, "arch": r.arch or "any", "machine": r.machine or "any",
                                        "prefer": list(r.prefer), "asks_qemu": r.check, "source": r.source}
                                       for r in kinds.default_rules(k)],
                     "sources": k.sources})
    if args.format == "json":
        import json

        print(json.dumps(rows, indent=2))
        return 0
    if args.format == "csv":
        frame = pd.DataFrame(rows).drop(columns=["default_rules"])
        print(text.render(frame, "csv"), end="")
        return 0
    width = _width(args)
    frame = pd.DataFrame([{"kind": r["kind"], "elements": r["elements"], "identity": r["identity"],
                           "schemes": r["schemes"], "intents": r["intents"]} for r in rows])
    print(text.render(frame, "table", width))
    print()
    for r in rows:
        print(table.paragraph(f"{r['kind']}: {r['title']}; named by {r['named_by']}; the guest sees "
                              f"{r['guest_visible']}; releases {r['releases']}; data in {r['data']}", width,
                              "", "  "))
    return 0


def cmd_schemes(args: argparse.Namespace) -> int:
    import pandas as pd

    kind = _kind(args).id
    rows = [{"id": s.id, "thread": s.thread, "naming": s.naming, "fills": s.fills,
             "policies": " ".join(f"{n}={'|'.join(v)}" for n, v in s.policies.items()) or "-",
             "pros": " | ".join(s.pros), "cons": " | ".join(s.cons), "name": s.name,
             "source": schemes.owner(s.id) + (" (replacing)" if schemes.replaced_by(s.id) else "")}
            for s in schemes.all_schemes(kind)]
    if args.variants:
        rows = [{"id": v, "scheme": schemes.get(v).base or v, "name": schemes.name_of(v)}
                for v in schemes.variant_ids(kind=kind)]
    if args.format != "table":
        print(text.render(pd.DataFrame(rows), args.format))
    elif args.variants:
        print(text.render(pd.DataFrame(rows)[["name", "id"]], "table", _width(args)))  # the id starts with the scheme
    else:
        width = _width(args)
        for s in schemes.all_schemes(kind):
            policies = "; ".join(f"{n}: {', '.join(v)}" for n, v in s.policies.items())
            print(table.paragraph(f"{s.name} ({s.id}): {s.title}", width))
            print(table.paragraph(f"in the thread: {s.thread}", width, "  ", "    "))
            print(table.paragraph(f"naming: {s.naming}", width, "  ", "    "))
            print(table.paragraph(f"policies: {policies}" if policies else
                                  "policies: none (its XML fixes every device)", width, "  ", "    "))
            for p in s.pros:
                print(table.paragraph(f"+ {p}", width, "  ", "    "))
            for c in s.cons:
                print(table.paragraph(f"- {c}", width, "  ", "    "))
            print()
    return 0


def cmd_releases(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = [{"release": r.id, "libvirt": r.libvirt or "-", "qemu": r.qemu, "date": r.date or "-",
             "hypothetical": r.hypothetical, "adds": r.adds} for r in _catalog(args).timeline(args.timeline)]
    print(text.render(pd.DataFrame(rows), args.format, _width(args)))
    return 0


def cmd_intents(args: argparse.Namespace) -> int:
    import pandas as pd

    rows = [{"intent": i.id, "class": i.cls, "device": i.device or "(default)", "note": i.note}
            for i in _catalog(args).intents.values()]
    print(text.render(pd.DataFrame(rows), args.format, _width(args)))
    return 0


def cmd_matrix(args: argparse.Namespace) -> int:
    from pcidesign.analysis import matrices as analysis

    params.check(_catalog(args), intents=args.intents, timeline=args.timeline)  # a repeated --intent is refused
    kind = _kind(args)
    if not args.scheme and kind.default_scheme:
        return _matrix_compared(args, kind)
    args.scheme = _kind_scheme(args, "matrix")
    st = _setting(args)
    frame = analysis.matrix(args.scheme, args.scenario, intents=args.intents, catalog=_catalog(args), setting=st,
                            jobs=args.jobs)
    frame["outcome"] = frame["outcome"].astype(str)
    _scope_note(args, st, args.intents)
    if args.format == "table":
        same = [c for c in ("scheme", "scenario", "timeline") if c in frame and frame[c].nunique() == 1]
        if same and not frame.empty:  # said once above the table, the scheme by its name
            print(f"{schemes.label_of(args.scheme)}, scenario {args.scenario}, timeline {args.timeline}: "
                  f"{len(frame)} cells")
            frame = frame.drop(columns=same)
        print(text.render(frame, "table", _width(args)))
        return 0
    print(text.render(frame, args.format), end="" if args.format == "csv" else "\n")
    return 0


def _matrix_compared(args: argparse.Namespace, kind: kinds.DeviceKind) -> int:
    """``matrix`` without ``--scheme`` for a kind that compares its variants: every scheme of the
    kind and each fill policy side by side; the table shows the cells where they differ, and
    counts the cells where every variant has the same outcome."""
    import pandas as pd

    from pcidesign.analysis import matrices as analysis

    st, cat = _setting(args), _catalog(args)
    ids = kind.compared_variants()
    frame = pd.concat([analysis.matrix(v, args.scenario, intents=args.intents, catalog=cat, setting=st, jobs=args.jobs)
                       for v in ids], ignore_index=True)
    frame["outcome"] = frame["outcome"].astype(str)
    if args.format != "table":
        print(text.render(frame, args.format), end="" if args.format == "csv" else "\n")
        return 0
    _scope_note(args, st, args.intents)
    width = _width(args)
    labels = {v: kind.variant_column(v) for v in ids}
    wide = frame.pivot_table(index=["intent", "from", "to"], columns="scheme", values="outcome", aggfunc="first",
                             sort=False)[list(ids)].rename(columns=labels)
    differ = wide.nunique(axis=1) > 1
    alike = wide[~differ].iloc[:, 0].value_counts()
    same = ", ".join(f"{o} {n}" for o, n in alike.items()) or "none"
    print(table.paragraph(f"{kind.title}, scenario {args.scenario}, timeline {st.timeline}: {len(wide)} cells under "
                          f"each of {len(ids)} variants; {int(differ.sum())} where the variants differ (below); "
                          f"alike under every variant: {same} (--format csv or json give every cell)", width))
    if kind.note:
        print(table.paragraph(kind.note, width))
    print(text.render(wide[differ].reset_index(), "table", width))
    for v in ids:
        print(table.paragraph(f"{labels[v]} = {v} ({schemes.name_of(v)})", width, "  ", "    "))
    return 0


def _scope_note(args: argparse.Namespace, st: Setting, intents: Sequence[str] | None) -> None:
    """Under scope ``naming``, say how many cells were left out and why, above a table (CSV and
    JSON stay data; their setting is the command line's)."""
    if st.scope != "naming" or args.format != "table":
        return
    from pcidesign.analysis.scope import left_out

    cat = _catalog(args)
    its = [cat.intent(i) for i in intents] if intents else list(cat.intents.values())
    note = left_out(cat, its, cat.timeline(st.timeline)).text()
    if note:
        print(table.paragraph(note, _width(args)))


def cmd_explain(args: argparse.Namespace) -> int:
    args.scheme = _kind_scheme(args, "explain")
    cat, st = _catalog(args), _setting(args)
    if args.path is not None:
        from pcidesign.analysis import paths

        if args.scenario or args.from_ or args.to:
            raise UsageError("give --path, or --scenario with --intent, --from and --to; not both")
        intent, start, route = paths.parse_path(args.path)
        if args.intent is not None and args.intent != intent:
            raise UsageError(f"--intent {args.intent} differs from the path's intent {intent}")
        for _, rid in ((None, start), *route):
            cat.release(rid, st.timeline)
        print(text.explanation(paths.replay(args.scheme, intent, start, route, catalog=cat, setting=st),
                               _width(args)))
        return 0
    missing = [o for o, v in (("--scenario", args.scenario), ("--intent", args.intent), ("--from", args.from_),
                              ("--to", args.to)) if not v]
    if missing:
        raise UsageError(f"explain needs {', '.join(missing)} (a cell), or --path (a path)")
    frm, to = cat.release(args.from_, st.timeline), cat.release(args.to, st.timeline)
    print(text.explanation(engine.run(args.scheme, args.scenario, args.intent, frm.id, to.id, cat, st), _width(args),
                           schemes.label_of))
    return 0


def cmd_roundtrip(args: argparse.Namespace) -> int:
    scheme = schemes.get(_kind_scheme(args, "roundtrip"))
    cat = _catalog(args)
    # a whole document: the machine it names is checked against the host's QEMU
    judged = DOCUMENT.replace(timeline=args.timeline)
    host = cat.host(cat.release(args.release, args.timeline), args.qemu)
    data = _read_input(args.file)
    result = engine.roundtrip(scheme, host, data, migratable=args.migratable, catalog=cat, setting=judged)
    if result.error is not None:
        error(f"error: {host} rejects {args.file}: {result.error}")
        return 1
    assert result.xml is not None
    sys.stdout.write(result.xml.decode() + "\n")
    return 0


def _read_input(path: Path) -> bytes:
    from pcidesign.model.xmlsafe import MAX_BYTES, parse_domain, read_file

    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        data = read_file(path)  # bounded; XMLRefused names the file (exit 2)
    parse_domain(data, "<stdin>" if str(path) == "-" else str(path))  # refuse hostile input, naming it
    return data


def cmd_fleet(args: argparse.Namespace) -> int:
    """``pcidesign fleet``: print the scan; exit 1 if any file could not be used."""
    from pcidesign.analysis import fleet
    from pcidesign.render import fleettext
    from pcidesign.model.xmlsafe import XMLRefused

    args.schemes = _unique_variants(args, args.schemes)
    params.check(worst=args.worst, targets=args.targets, source=args.source, schemes=args.schemes,
                 timeline=args.timeline)
    if args.deprecated_source is not None:
        if args.source is not None:
            raise UsageError("give --current only (--from is its deprecated name)")
        print("pcidesign fleet: note: --from is deprecated; say --current", file=sys.stderr)
        args.source = args.deprecated_source
    if (args.directory is None) == (args.connect is None):
        raise UsageError("give a directory of domain XML files (DIR) or a libvirt URI (--connect URI); "
                         + ("not both" if args.connect is not None else "neither was given"))
    try:
        with Progress("pcidesign fleet", unit="evaluation") as bar:
            note = lambda n: bar.set_note(f"{n:,} domains read")  # noqa: E731
            if args.connect is not None:
                from pcidesign.analysis import fleetconnect

                result = fleetconnect.scan(args.connect, timeline=args.timeline, targets=args.targets,
                                           schemes=args.schemes, source=args.source, strict=args.strict,
                                           worst=args.worst, direction=args.direction, progress=note, steps=bar,
                                           scope=args.scope)
            else:
                result = fleet.scan(args.directory, args.timeline, args.targets, args.schemes, args.source,
                                    strict=args.strict, worst=args.worst, direction=args.direction,
                                    progress=note, steps=bar, jobs=args.jobs, scope=args.scope)
    except XMLRefused as exc:
        error(f"pcidesign fleet: error ({exc.kind}): {exc}; stopped (--strict)")
        return 1
    print(fleettext.render(result, args.format, args.show, _width(args), schemes.name_of), end="")
    return 0 if result.ok else 1


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``pcidesign calibrate``: one row per probe (per check with ``--driver qemu``); exit 1 on any
    disagreement, 2 when the real stack cannot be started (with the install hint)."""
    if args.driver == "qemu":
        from pcidesign.calibrate import qemu

        found = qemu.run(probes=args.probes, virsh=args.virsh)
        print(qemu.render(found, args.format), end="")
        return 0 if qemu.agrees(found) else 1
    from pcidesign.calibrate import testdriver as calibrate

    frame = calibrate.run(virsh=args.virsh, probes=args.probes)
    print(calibrate.render(frame, args.format), end="")
    return 0 if calibrate.agrees(frame) else 1


def _print_notions(args: argparse.Namespace, paths: object) -> int:
    """``paths --notions``: per notion, each reachable outcome and its shortest path."""
    import json

    from pcidesign.analysis import paths as p

    with Progress("pcidesign paths") as bar:
        bar.set_note("three notions")
        by = p.notions(args.scheme, None, args.max_hops, args.hops, args.intents, args.start,
                       catalog=_catalog(args), setting=_setting(args))
    if args.format == "json":
        doc = {n: {o.value: w.to_dict(xml=False) for o, w in e.witnesses.items()} for n, e in by.items()}
        print(json.dumps({"scheme": schemes.get(args.scheme).id, "timeline": args.timeline,
                          "max_hops": args.max_hops, "notions": doc}, indent=2))
    else:
        width = _width(args)
        print(table.paragraph(f"{schemes.label_of(args.scheme)}, timeline {args.timeline}, paths of 1 to "
                              f"{args.max_hops} hops; each cell: the hops of the shortest path reaching the "
                              "outcome", width))
        print(text.render(p.notion_outcomes(by).reset_index(), "table", width))
        for n, e in by.items():
            print(f"\n{n}: worst {e.worst.value}")
            for o, w in e.witnesses.items():
                print(table.paragraph(f"{o.value:15} {w.hops} hop(s): {w.describe()}", width, "  ", " " * 18))
    return 0


def cmd_paths(args: argparse.Namespace) -> int:
    """``pcidesign paths``: reachable outcomes and shortest witnesses; exit 1 per ``--fail-on``."""
    import json

    from pcidesign.analysis import paths
    from pcidesign.model.vocab import Outcome

    if args.fail_on is not None and not args.fail_on.strip():
        raise UsageError("--fail-on needs an outcome; valid: " + ", ".join(o.value for o in Outcome))
    fail_on = Outcome.parse(args.fail_on) if args.fail_on else None
    kind = _kind(args)
    if args.scheme:
        args.scheme = _kind_scheme(args, "paths")
    if args.max_hops is None:
        args.max_hops = len(_catalog(args).timeline(args.timeline)) if args.notions else paths.DEFAULT_MAX_HOPS
    params.check(_catalog(args), max_hops=args.max_hops, hops=[h.strip() for h in args.hops.split(",")],
                 intents=args.intents, start=args.start, timeline=args.timeline)
    many = args.all_schemes or args.all_variants
    if not many and not args.scheme:
        raise UsageError("give --scheme S, --all-schemes or --all-variants; valid schemes: "
                         + ", ".join(schemes.scheme_ids(kind.id)))
    if many and args.scheme:
        raise UsageError("give --scheme S or --all-schemes/--all-variants, not both")
    if args.all_schemes and args.all_variants:
        raise UsageError("give --all-schemes or --all-variants, not both")
    if args.notions:
        if many:
            raise UsageError("--notions compares the notions for one --scheme")
        return _print_notions(args, paths)
    ids = (list(schemes.variant_ids(kind=kind.id)) if args.all_variants else list(schemes.scheme_ids(kind.id))
           if args.all_schemes else [schemes.get(args.scheme).id])
    with Progress("pcidesign paths", unit="scheme") as bar:
        found = paths.explore_all(ids, None, args.max_hops, args.hops, args.intents, args.start,
                                  catalog=_catalog(args), setting=_setting(args), progress=bar)
    width = _width(args)
    _scope_note(args, _setting(args), args.intents)
    if many:
        frame = paths.worst_table(found)
        if args.format == "table":
            frame = table.named(frame, "scheme", schemes.name_of)
        print(text.render(frame, args.format, width))
    elif args.format == "json":
        print(json.dumps(found[0].to_dict(), indent=2))
    else:
        e = found[0]
        print(table.paragraph(f"{schemes.label_of(e.scheme)}, timeline {e.timeline}, paths of 1 to {e.max_hops} "
                              f"hops ({', '.join(h.value for h in e.hops)}), start {e.start or 'any release'}: "
                              f"{text.count(e.paths)} paths over {text.count(e.states)} states", width) + "\n")
        print(text.render(e.frame().drop(columns=["why"]), "table", width))
        st = _setting(args)
        for w in e.witnesses.values():
            print("\n" + text.explanation(w, width) + "\n" + table.command(w.command(st), width, "Replay: "))
    if fail_on is not None and any(e.reaches(fail_on, or_worse=True) for e in found):
        return 1
    return 0


def cmd_findings(args: argparse.Namespace) -> int:
    """``pcidesign findings``: every question of data/questions.csv answered per variant."""
    from pcidesign.analysis import findings
    from pcidesign.render import findingstext

    from pcidesign.analysis import robustness

    params.check(_catalog(args), timeline=args.timeline)
    setting = _setting(args)
    for assumption in args.assume:
        setting = setting.replace(**dict([robustness.parse_assumption(assumption)])).check(_catalog(args))
    kind = _kind(args)
    with Progress("pcidesign findings", unit="question") as bar:
        found = findings.findings(args.timeline, questions=args.questions, setting=setting, progress=bar,
                                  jobs=args.jobs, robust=True, data_dir=kind.data_dir() if kind.data else None)
    sys.stdout.write(findingstext.render(found, args.format, _width(args), schemes.name_of))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``pcidesign compare``: variants against a support policy, with what each buys."""
    from pcidesign.analysis import compare
    from pcidesign.render import comparetext

    params.check(schemes=args.variants, timeline=args.timeline)  # unknown or repeated variants are refused
    args.variants = _unique_variants(args, args.variants)
    with Progress("pcidesign compare") as bar:
        bar.set_note(f"{len(args.variants or schemes.default_variants())} variants against policy {args.policy}")
        result = compare.compare(args.variants, None, args.policy, _catalog(args), _setting(args), jobs=args.jobs,
                                 costs=args.costs, fleet=args.fleet)
    sys.stdout.write(comparetext.render(result, args.format, _width(args), schemes.name_of))
    return 1 if args.fail_on_violation and not all(v.meets for v in result.verdicts) else 0


def _not_empty(text: str) -> str:
    """A value that must not be empty (an empty one would silently mean the default)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave the option out for the default)")
    return text


def _folder(text: str) -> Path:
    """A folder argument: an empty string is refused (it would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (say '.' for the current folder)")
    return Path(text)


def _positive(text: str) -> int:
    """A count of at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def cmd_report(args: argparse.Namespace) -> int:
    from pcidesign.report import runner as report

    try:
        params.check(schemes=args.schemes)
        params.check(schemes=args.variants)
        args.schemes = _unique_variants(args, args.schemes)
        args.variants = _unique_variants(args, args.variants)
        summary = report.run(args.out, args.timelines, args.schemes, args.scenarios, args.jobs, args.progress,
                             fresh_kernels=args.fresh_kernels, variants=args.variants, setting=_setting(args))
    except report.ReportWriteError as exc:
        print(f"pcidesign report: error: {exc}", file=sys.stderr)
        return 1
    except report.Interrupted as exc:
        print(f"pcidesign report: interrupted by {exc}; the unfinished run was removed, earlier runs and "
              "'latest' are unchanged", file=sys.stderr)
        _exit_now(exc.status)
    folder = Path(args.out) / summary.folder
    print(f"{summary.jobs - summary.failed} of {summary.jobs} notebooks ran in {summary.seconds:.1f} s; "
          f"open {folder / 'index.html'}")
    for rec in summary.runs:
        if rec.status != "ok":
            print(f"FAILED {rec.id}: {rec.error}", file=sys.stderr)
    if args.keep is not None:
        removed = report.prune(args.out, args.keep)
        if removed:
            print(f"removed {len(removed)} older run{'s' if len(removed) != 1 else ''} (--keep {args.keep}): "
                  f"{', '.join(removed)}")
    return summary.exit_code


def _unique_variants(args: argparse.Namespace, ids: list[str] | None) -> list[str] | None:
    """The schemes or variants given, each once under its canonical id (two spellings of one
    variant are one), with a note on standard error for each merge."""
    if not ids:
        return ids
    params.check(schemes=ids)  # an unknown id is refused first, naming it
    unique, notes = schemes.unique(ids)
    for note in notes:
        error(f"pcidesign {args.command}: note: {note}")
    return list(unique)


def _drop_stdout() -> None:
    """Point standard output at /dev/null, so that the output still buffered is not written
    (and fails again) at exit (the Python documentation's advice for SIGPIPE)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a captured stdout): nothing at exit either
        pass


def cmd_diff(args: argparse.Namespace) -> int:
    """``pcidesign diff``: what moved between two runs and why; exit 1 with ``--fail-on-change``
    when something moved, 2 when an input is not a run (``DiffInputError``)."""
    from pcidesign.report import diff

    found = diff.diff(args.old, args.new)
    sys.stdout.write(diff.render(found, args.format, _width(args)))
    return 1 if args.fail_on_change and found.moved else 0


def _exit_now(status: int) -> NoReturn:
    """End the process at once with ``status``, after an interrupted report has ended its workers
    and kernels and removed its run: no interpreter shutdown, which would wait for the worker
    pool's manager thread (tens of seconds) or abort in a native thread still running."""
    import os

    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os._exit(status)


class _Terminated(BaseException):
    """SIGTERM, raised where the command is (as Ctrl-C raises KeyboardInterrupt)."""


@contextlib.contextmanager
def _command_signals() -> Iterator[None]:
    """Within: SIGINT raises KeyboardInterrupt and SIGTERM :class:`_Terminated`, so that every
    command ends with one line and the shell's status (130, 143); a signal the shell made us ignore
    stays ignored. Replaces the handlers ``import pcidesign`` put in place for the start-up."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(_signum: int, _frame: object) -> None:
        raise _Terminated

    old = {}
    for sig, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, terminated)):
        previous = signal.getsignal(sig)
        if previous is not signal.SIG_IGN:
            old[sig] = previous
            signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, previous in old.items():
            if getattr(previous, "__name__", "") == "_startup_signal" or previous is None:
                previous = signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL
            signal.signal(sig, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    with _command_signals():
        try:
            return _main(argv)
        except KeyboardInterrupt:
            print("pcidesign: interrupted by SIGINT", file=sys.stderr)
            return 130
        except _Terminated:
            print("pcidesign: interrupted by SIGTERM", file=sys.stderr)
            return 143


def _main(argv: Sequence[str] | None = None) -> int:
    from pcidesign.schemes import loader

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
        return exc.code if isinstance(exc.code, int) else 2
    try:
        for spec in args.scheme_modules + getattr(args, "sub_scheme_modules", []):
            loader.add_to_env(spec)
        loader.check()
        for sid, by in loader.replacements().items():  # a replaced built-in is never silent
            error(f"pcidesign {args.command}: note: scheme {sid!r} is the one {by} gives, replacing "
                  "the one registered before it")
        status = int(args.func(args))
        sys.stdout.flush()  # inside the guard: a full disk or a closed pipe is seen here, not at exit
        return status
    except PcidesignError as exc:
        error(f"pcidesign {args.command}: error: {exc}")
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly, as Unix tools do
        _drop_stdout()
        return 141
    except OSError as exc:
        if exc.filename is None:  # writing the output failed (a full disk, an I/O error)
            _drop_stdout()
            error(f"pcidesign {args.command}: error: cannot write the output: {exc.strerror or exc}")
        else:
            error(f"pcidesign {args.command}: error: {exc.filename}: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        print(f"pcidesign {args.command}: interrupted by SIGINT", file=sys.stderr)
        return 130
    except _Terminated:
        print(f"pcidesign {args.command}: interrupted by SIGTERM", file=sys.stderr)
        return 143
    except Exception as exc:
        plugin = loader.plugin_of(exc)
        if plugin is None:
            raise  # pcidesign's own bug: the traceback is the report
        error(f"pcidesign {args.command}: error: the scheme plugin {plugin} failed: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
