"""`pcidesign --help` opens with what the tool is for, in a user's words, not the module's
developer docstring."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_help_opens_with_what_the_tool_is_for() -> None:
    got = subprocess.run([sys.executable, "-m", "pcidesign.cli", "--help"], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert got.returncode == 0, got.stderr
    first = got.stdout.split("\n\n")[1]  # the paragraph after the usage line
    words = " ".join(first.split())
    assert "argument parsing" not in words and "``" not in words, words
    for said in ("PCI controller", "libvirt", "releases", "guest", "pcidesign findings", "pcidesign report"):
        assert said in words, f"--help's first paragraph does not say {said!r}: {words}"
