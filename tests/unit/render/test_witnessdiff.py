"""The answer pages' witness: the first XML whole, every later XML as a marked diff against the
one before it (or "unchanged"), never the whole XML twice per step."""

from __future__ import annotations

from pcidesign.model import engine
from pcidesign.render import text, witnessdiff


def test_diff_lines_marks_what_changed() -> None:
    old = "<a>\n  <b/>\n  <c/>\n</a>"
    new = "<a>\n  <b/>\n  <d/>\n</a>"
    lines = witnessdiff.diff_lines(old, new)
    assert [ln.kind for ln in lines] == ["hunk", "same", "same", "del", "add", "same"]
    assert [ln.text for ln in lines if ln.kind in ("del", "add")] == ["  <c/>", "  <d/>"]
    assert witnessdiff.diff_lines(old, old) == ()


def test_a_cell_step_by_step_with_diffs() -> None:
    r = engine.run("model-subelement", "restart", "pcie-root-port", "3.2.0", "1.2.19")
    v = witnessdiff.view(r)
    assert len(v.steps) == len(r.steps) == 2
    first, second = v.steps
    xml_in, saved = first.blocks
    assert xml_in.against is None and "\n".join(ln.text for ln in xml_in.lines) == r.steps[0].xml_in.decode().rstrip()
    assert saved.against == "XML in of step 0" and saved.changed
    assert ("add", '      <model name="pcie-root-port"/>') in [(ln.kind, ln.text) for ln in saved.lines]
    # 3.2.0 also fills the root port's <target> (chassis = index, port = its slot 1 << 3)
    assert ("add", '      <target chassis="1" port="0x8"/>') in [(ln.kind, ln.text) for ln in saved.lines]
    assert saved.added == 4 and saved.removed == 1
    # the next step reads the config just saved: unchanged, so no XML is repeated
    [again] = second.blocks
    assert not again.changed and again.lines == () and again.against == "saved config of step 0"
    assert v.verdict.startswith(f"verdict: {r.outcome.value}")
    # the same steps and notes as the plain-text explanation
    plain = text.explanation(r)
    for s in v.steps:
        assert s.note.split("  [")[0] in plain


def test_every_xml_line_shown_once_or_as_context() -> None:
    """The page never holds more XML lines than the plain text that prints every XML whole."""
    r = engine.run("status-quo", "migrate-roundtrip", "pcie-root-port", "3.2.0", "1.2.19")
    v = witnessdiff.view(r)
    shown = sum(len(b.lines) for s in v.steps for b in s.blocks)
    whole = sum(len(x.decode().splitlines()) for st in r.steps for x in (st.xml_in, st.xml_out) if x is not None)
    assert 0 < shown < whole
