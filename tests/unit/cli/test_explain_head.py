"""The head of ``pcidesign explain`` names the variant as the thread does, with its id beside it."""

from __future__ import annotations

import pytest

from pcidesign import cli
from pcidesign.model import engine
from pcidesign.render import text


def test_explain_opens_with_the_thread_name_and_the_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain", "--scheme", "impl-attribute", "--scenario", "restart", "--intent",
                     "dmi-to-pci-bridge", "--from", "1.2.19", "--to", "1.2.18"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert head.startswith("Idea 4 (impl-attribute), scenario restart, intent dmi-to-pci-bridge, from 1.2.19 to 1.2.18")


def test_without_a_namer_the_head_keeps_the_id() -> None:
    result = engine.run("model-is-device", "restart", "dmi-to-pci-bridge", "1.2.19", "1.2.18")
    assert text.explanation(result).startswith("scheme model-is-device, scenario restart")
    assert text.explanation(result, name=lambda s: f"<{s}>").startswith("<model-is-device>, scenario restart")
