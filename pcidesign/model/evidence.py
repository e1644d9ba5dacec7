"""The kind of evidence behind each fact a verdict cites (docs/facts.md, "Kinds of evidence").

A trace's notes cite the facts that decide it (``facts §7``, ``qemu-facts.md §4``, "observed on
9.0.0"); :func:`of_text` turns those citations into what backs them, so that ``explain`` can say
whether a verdict rests on libvirt's source at a tag, libvirt's own test data, the real 9.0.0 with
QEMU 7.2, the 2015 thread, or an inference. The table mirrors the "Evidence:" lines of each section
of docs/facts.md; a unit test keeps the two equal.
"""

from __future__ import annotations

import re

KINDS: tuple[str, ...] = ("source", "test data", "docs", "measured", "thread", "inferred")
"""The kinds of evidence, as docs/facts.md names them."""

BY_SECTION: dict[int, tuple[str, ...]] = {
    1: ("source", "docs"),
    2: ("source",),
    3: ("source", "test data", "measured"),
    4: ("source", "measured"),
    5: ("source", "measured"),
    6: ("source", "measured"),
    7: ("source", "measured"),
    8: ("thread",),
    9: ("source", "docs", "measured"),
    10: ("source", "test data", "measured", "thread", "inferred"),
}
"""facts §N -> the kinds of evidence its section names, in the order of :data:`KINDS`."""

_FACTS = re.compile(r"\bfacts (§\d+(?:(?:, | and |-)§?\d+)*)")
_MEASURED = re.compile(r"qemu-facts\.md|data/calibration/|observed on 9\.0\.0|measured")


def of_text(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The citations in ``text`` with their kinds of evidence, in order of first citation:
    ``(("facts §7", ("source", "measured")), ("measurement", ("measured",)))``."""
    out: dict[str, tuple[str, ...]] = {}
    for m in _FACTS.finditer(text):
        for n in (int(x) for x in re.findall(r"\d+", m.group(1))):
            if n in BY_SECTION:
                out.setdefault(f"facts §{n}", BY_SECTION[n])
    if _MEASURED.search(text):
        out.setdefault("a measurement with libvirt 9.0.0 and QEMU 7.2 (pcidesign calibrate)", ("measured",))
    return tuple(out.items())


def line(text: str) -> str:
    """``evidence: facts §7 (source, measured); ...`` for the citations of ``text`` ('' if none)."""
    cited = of_text(text)
    if not cited:
        return ""
    return "evidence: " + "; ".join(f"{what} ({', '.join(kinds)})" for what, kinds in cited)
