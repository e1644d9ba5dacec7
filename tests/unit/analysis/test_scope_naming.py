"""The naming signal apart (issue 24): ``paths`` and ``matrix`` default to scope ``naming``, leave
out the cells where every scheme fails alike (a class new at a release, a ``<target>`` value an
old release cannot hold) and say how many; ``--scope all`` shows everything."""

from __future__ import annotations

import pytest

from pcidesign.analysis import paths
from pcidesign.analysis.scope import left_out, scope_releases
from pcidesign.cli import main
from pcidesign.model import autoadd
from pcidesign.model.catalog import load
from pcidesign.model.setting import AXES, SHOWN_SCOPE, Setting
from pcidesign.model.vocab import Outcome


def test_the_model_computes_on_all_and_readers_see_naming() -> None:
    assert AXES["scope"].default == "all" and Setting().scope == "all"
    assert SHOWN_SCOPE == "naming"


def test_scope_releases_are_pairwise_in_scope() -> None:
    cat = load()
    rels = cat.timeline("whatif")
    for it in cat.intents.values():
        kept = scope_releases(cat, it, rels)
        assert all(autoadd.in_naming_scope(cat, it, a, b) for a in kept for b in kept)
        assert all(cat.knows(r, it) for r in kept)
    chassis = next(i for i in cat.intents.values() if i.target)
    assert "1.2.18" not in [r.id for r in scope_releases(cat, chassis, rels)]  # no <target> before 1.2.19


def test_left_out_counts_by_why() -> None:
    cat = load()
    rels = cat.timeline("whatif")
    its = list(cat.intents.values())
    gone = left_out(cat, its, rels)
    out_of_scope = sum(not autoadd.in_naming_scope(cat, it, a, b) for it in its for a in rels for b in rels)
    assert gone.total == out_of_scope and gone.target > 0 and gone.classes > 0
    assert "target-value" in gone.text() and str(gone.total) in gone.text()
    assert left_out(cat, [i for i in its if not i.target and i.cls in cat.known_classes(rels[0])][:1], rels).total == 0


def test_paths_naming_leaves_the_chassis_number_out() -> None:
    """Scope all: status quo changes the guest only through the chassis-number intent (a <target>
    value 1.2.18 cannot hold); scope naming leaves that cell out."""
    every, none_left = paths.explore_scoped("status-quo", "whatif", 1, setting=Setting(timeline="whatif", scope="all"))
    assert none_left.total == 0
    assert every.reaches(Outcome.GUEST_CHANGED)
    assert load().intent(every.witnesses[Outcome.GUEST_CHANGED].intent).target
    naming, gone = paths.explore_scoped("status-quo", "whatif", 1, setting=Setting(timeline="whatif", scope="naming"))
    assert not naming.reaches(Outcome.GUEST_CHANGED) and gone.target > 0
    assert naming.intents == every.intents  # every intent searched, each within its releases
    for w in naming.witnesses.values():
        cat = load()
        it = cat.intent(w.intent)
        assert all(autoadd.in_naming_scope(cat, it, cat.release(a), cat.release(b))
                   for a in w.releases for b in w.releases)


def test_paths_and_matrix_say_what_they_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["paths", "--scheme", "status-quo", "--timeline", "whatif", "--max-hops", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("scope naming: left out") and "target-value cells" in out
    assert main(["paths", "--scheme", "status-quo", "--timeline", "whatif", "--max-hops", "1", "--scope", "all"]) == 0
    assert "left out" not in capsys.readouterr().out
    assert main(["matrix", "--scheme", "status-quo", "--scenario", "restart", "--format", "csv"]) == 0
    got = capsys.readouterr()
    assert "left out" not in got.err + got.out  # CSV stays data
    rows = got.out.strip().splitlines()[1:]
    assert main(["matrix", "--scheme", "status-quo", "--scenario", "restart", "--format", "csv", "--scope", "all"]) == 0
    every = capsys.readouterr()
    cat = load()
    gone = left_out(cat, list(cat.intents.values()), cat.timeline("real"))
    assert len(every.out.strip().splitlines()[1:]) - len(rows) == gone.total
    assert main(["matrix", "--scheme", "status-quo", "--scenario", "restart"]) == 0
    assert f"left out {gone.total} cells" in capsys.readouterr().out.replace("\n", " ")
