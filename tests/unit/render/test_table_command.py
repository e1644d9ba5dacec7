"""Commands a reader copies (``Replay:``, ``explain:``) fit the terminal and still paste into a shell
as the one command they were (issue 24: every CLI line within the width)."""

from __future__ import annotations

import shlex
import shutil
import subprocess

import pytest

from pcidesign.render import table

COMMANDS = [
    "pcidesign explain --scheme status-quo --timeline real --path 'define dmi-to-pci-bridge:generic-dmi-bridge@1.2.18 "
    "> restart@1.2.19 > resave@1.2.19 > restart@1.2.18 > migrate@1.2.19' --machine q35",
    "pcidesign explain --scheme x --path 'it'\"'\"'s a long argument with a quote in it and more words than a line'",
    "pcidesign explain --scheme model-subelement --scenario restart --intent pcie-root-port --from 1.2.19 --to 1.2.18",
]


@pytest.mark.parametrize("cmd", COMMANDS)
@pytest.mark.parametrize("width", [100, 60, 40, 25])
def test_a_command_fits_and_the_shell_reads_the_same_words(cmd: str, width: int) -> None:
    out = table.command(cmd, width, "Replay: ")
    assert max(len(line) for line in out.split("\n")) <= width
    assert out.startswith("Replay: pcidesign ")
    pasted = out.removeprefix("Replay: ")
    sh = shutil.which("sh")
    if sh is None:
        pytest.skip("no POSIX shell to paste into")
    got = subprocess.run([sh, "-c", "printf '%s\\n' " + pasted.split(" ", 1)[1]], capture_output=True,
                         text=True).stdout.split("\n")[:-1]
    assert got == shlex.split(cmd)[1:]


def test_without_a_width_the_command_is_one_line() -> None:
    assert table.command(COMMANDS[0], None, "Replay: ") == "Replay: " + COMMANDS[0]
