"""Hypothesis over what issue 23 hardened: generated scheme plugins (that exit, raise, collide,
repeat or replace), output that fails part-way (a full disk, a closed pipe) and users' own
intents. Each is checked against an oracle written here, not against the code's own answer."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pcidesign
from pcidesign.cli import main
from pcidesign.model import params, registry
from pcidesign.model.errors import PcidesignError, SchemeError, UnknownNameError
from pcidesign.model.guestabi import GUEST_VALUES
from pcidesign.schemes import loader

BUILTIN = ("status-quo", "model-subelement", "impl-attribute")
IDS = st.sampled_from([*BUILTIN, "mine", "yours", "a.b_c-1", "bad id", "x+y", "", "evil\x1b[31m", "é", "-lead"])
ID_RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
COUNTER = itertools.count()

HEAD = "from pcidesign import Scheme\nfrom pcidesign.schemes.status_quo import StatusQuo\n"


def one(sid: str) -> str:
    return f'Scheme(id={sid!r}, title="t", thread="t", naming="n", pros=("p",), cons=("c",), dialect_class=StatusQuo)'


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("plugins")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(["none", "exit0", "exit1", "exit-text", "raise", "base-exception"]),
       ids=st.lists(IDS, max_size=3), as_list=st.booleans(),
       replaces=st.lists(st.sampled_from([*BUILTIN, "mine"]), max_size=2, unique=True))
def test_a_generated_plugin_is_accepted_exactly_when_it_follows_the_rules(
        plugin_dir: Path, action: str, ids: list[str], as_list: bool, replaces: list[str]) -> None:
    assume(as_list or len(ids) == 1)
    body = HEAD + {"none": "", "exit0": "import sys\nsys.exit(0)\n", "exit1": "import sys\nsys.exit(1)\n",
                   "exit-text": "raise SystemExit('bye')\n", "raise": "raise RuntimeError('boom')\n",
                   "base-exception": "raise GeneratorExit()\n"}[action]
    if replaces:
        body += f"REPLACES = {set(replaces)!r}\n"
    body += (f"SCHEMES = [{', '.join(one(i) for i in ids)}]\n" if as_list else f"SCHEME = {one(ids[0])}\n")
    path = plugin_dir / f"plugin_{next(COUNTER)}.py"
    path.write_text(body)

    valid_ids = all(ID_RULE.fullmatch(i) for i in ids)
    taken = set(registry.scheme_ids())
    expect_ok = (action == "none" and ids and valid_ids and len(set(ids)) == len(ids)
                 and set(replaces) <= set(ids) and all((i in taken) == (i in replaces) for i in ids))
    before = registry.registered()
    try:
        loader.load(str(path))
    except SchemeError as exc:
        assert not expect_ok, (body, exc)
        assert path.name in str(exc) and "\x1b" not in str(exc).replace("\\x1b", "")
        assert registry.registered() == before  # a refused plugin leaves the registry as it was
    else:
        assert expect_ok, body
        for i in ids:
            assert registry.get(i).id == i and registry.owner(i) == f"plugin {str(path)!r}"
            assert (registry.replaced_by(i) is not None) == (i in replaces)
    finally:
        loader.reset()
    assert registry.scheme_ids()[:8] == pcidesign.schemes.scheme_ids()[:8]
    assert registry.owner("model-subelement") == "a built-in scheme"


# -- output that fails part-way ----------------------------------------------------------------------
class FailingOutput(io.StringIO):
    """Standard output that fails with ``error`` once more than ``limit`` characters are written."""

    def __init__(self, limit: int, error: type[OSError]) -> None:
        super().__init__()
        self.limit, self.error, self.count = limit, error, 0

    def write(self, s: str) -> int:
        if self.count + len(s) > self.limit:
            raise self.error(28, "No space left on device") if self.error is OSError else self.error(32, "Broken pipe")
        self.count += len(s)
        return len(s)


OUTPUT_COMMANDS = [
    ("schemes", "--format", "csv"),
    ("releases", "--format", "json"),
    ("intents",),
    ("matrix", "--scheme", "status-quo", "--scenario", "restart", "--timeline", "real", "--intent", "pci-root"),
    ("explain", "--scheme", "model-subelement", "--scenario", "restart", "--intent", "pci-bridge/chassisNr=7",
     "--from", "3.2.0", "--to", "9.0.0"),
    ("paths", "--scheme", "status-quo", "--max-hops", "1", "--intent", "pci-root", "--timeline", "real"),
]
_FULL: dict[tuple[str, ...], int] = {}


def _run(argv: tuple[str, ...], stdout: io.StringIO) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OUTPUT_COMMANDS), st.integers(min_value=0, max_value=4000),
       st.sampled_from([OSError, BrokenPipeError]))
def test_output_failing_at_any_point_is_one_line_or_quiet(argv: tuple[str, ...], limit: int,
                                                          error: type[OSError]) -> None:
    if argv not in _FULL:
        code, _ = _run(argv, out := io.StringIO())
        assert code == 0
        _FULL[argv] = len(out.getvalue())
    code, err = _run(argv, FailingOutput(limit, error))
    assert "Traceback" not in err
    if _FULL[argv] <= limit:  # everything fitted: nothing failed
        assert code == 0 and err == ""
    elif error is BrokenPipeError:
        assert code == 141 and err == ""
    else:
        assert code == 1 and err == f"pcidesign {argv[0]}: error: cannot write the output: No space left on device\n"


# -- users' own intents -------------------------------------------------------------------------------
CAT = pcidesign.load_catalog()
PLAIN = [i for i, v in CAT.intents.items() if not v.target and not v.auto]
FIELDS = sorted({r.field for rules in GUEST_VALUES.values() for r in rules})
FORM = re.compile(r"-?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
WORDS = {r.field: {w for w, _ in r.words} for rules in GUEST_VALUES.values() for r in rules if r.words}
"""Fields written as words (``hotplug``: on, off) rather than numbers."""
VALUE = st.one_of(st.sampled_from(["0", "7", "010", "08", "0x10", "0X1f", "0x", "256", "-1", "1_0", " 5", "abc",
                                   "", "9" * 300, "on", "off", "On"]),
                  st.from_regex(r"-?(0x[0-9a-f]{1,3}|[0-9]{1,4})", fullmatch=True))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([*PLAIN, "nosuch", "q35-auto", "pci-bridge/chassisNr=5"]),
       st.lists(st.tuples(st.sampled_from([*FIELDS, "nosuchfield", ""]), st.booleans(), VALUE), min_size=1,
                max_size=3))
def test_a_users_intent_is_accepted_exactly_when_its_fields_and_forms_are_right(
        base: str, parts: list[tuple[str, bool, str]]) -> None:
    iid = base + "".join(f"/{f}{'=' if eq else ''}{v}" for f, eq, v in parts)
    cls = CAT.intents[base].cls if base in PLAIN else None
    fields = {r.field for r in GUEST_VALUES.get(cls, ())} if cls else set()
    names = [f for f, _, _ in parts]
    valid = (cls is not None and all(f in fields for f in names) and len(set(names)) == len(names)
             and all(eq and (v in WORDS[f] if f in WORDS else FORM.fullmatch(v)) for f, eq, v in parts)
             and "/" not in "".join(v for *_, v in parts))
    if iid in CAT.intents:
        valid = True
    try:
        it = CAT.intent(iid)
    except UnknownNameError as exc:
        assert not valid, iid
        assert isinstance(exc, PcidesignError)
        with pytest.raises(PcidesignError):
            params.check(intents=[iid])
        return
    assert valid, iid
    params.check(intents=[iid])
    assert it.id == iid and it.cls == CAT.intents[iid.split("/")[0]].cls
    result = pcidesign.run("model-subelement", "restart", iid, "3.2.0", "9.0.0")
    assert result.outcome is not None


@pytest.mark.parametrize("iid", ["pci-bridge/nosuchfield=1", "pci-bridge/chassisNr=abc", "nosuch/port=1"])
def test_a_bad_intent_exits_2_on_every_command_that_takes_one(iid: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["matrix", "--scheme", "status-quo", "--scenario", "restart", "--intent", iid],
                 ["explain", "--scheme", "status-quo", "--scenario", "restart", "--intent", iid,
                  "--from", "3.2.0", "--to", "9.0.0"],
                 ["paths", "--scheme", "status-quo", "--intent", iid]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and "valid:" in err
