"""Rewrites the generated parts of the docs from the model (``make docs-findings``): the findings
section of ``docs/findings.md`` (``pcidesign findings --format markdown``) and the findings
headline of ``README.md``. With ``--check`` it rewrites nothing and exits 1 when either differs
from what the model computes now (``tests/test_docs.py`` runs the same comparison)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pcidesign.analysis import findings
from pcidesign.analysis.findings import Finding
from pcidesign.model import registry
from pcidesign.render import findingstext as ft

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "findings.md"
README = ROOT / "README.md"


def regenerated(found: Sequence[Finding]) -> dict[Path, str]:
    """The findings page and the README as they should read for ``found``."""
    page = ft.replace_section(PAGE.read_text(encoding="utf-8"), ft.markdown(found, registry.name_of))
    readme = ft.replace_section(README.read_text(encoding="utf-8"), ft.headline(found),
                                ft.HEADLINE_BEGIN, ft.HEADLINE_END)
    return {PAGE: page, README: readme}


def main(argv: Sequence[str]) -> int:
    """Rewrite the generated parts (or with ``--check``, report the stale ones); the exit status."""
    check = "--check" in argv
    stale = []
    for path, text in regenerated(findings.findings()).items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"out of date: {', '.join(map(str, stale))}; run `{ft.REGENERATE}`", file=sys.stderr)
        return 1
    for path in stale:
        print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
