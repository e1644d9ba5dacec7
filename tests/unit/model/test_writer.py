"""The writer axis (issue 19): what an application writes for "the default controller" is one
rule for every scheme, so Idea 1 and Ján's proposal are judged alike."""

from __future__ import annotations

import pytest
from lxml import etree

import pcidesign
from pcidesign.analysis import compare
from pcidesign.model import engine, registry
from pcidesign.model.errors import UnknownNameError
from pcidesign.model.setting import AXES, Setting


def written_model(scheme: str, release: str, intent: str, writer: str) -> dict[str, str]:
    cat = pcidesign.load_catalog()
    d = registry.get(scheme).dialect(cat.host(cat.release(release)), cat, Setting(timeline="whatif", writer=writer))
    xml = engine.write_intent(d, cat.intent(intent))
    assert xml is not None
    return dict(etree.fromstring(xml).find(".//controller[@index='1']").attrib)


def test_the_writer_axis_is_declared_with_class_as_default() -> None:
    assert AXES["writer"].choices == ("class", "newest")
    assert Setting().writer == "class"
    assert Setting(writer="newest").cli_args() == ("--writer", "newest")
    with pytest.raises(UnknownNameError, match="class, newest"):
        Setting(writer="oldest")


def test_class_writes_the_class_alone_or_the_first_documented_device() -> None:
    assert written_model("multiplex-model", "3.2.0", "pcie-root-port", "class")["model"] == "pcie-root-port"
    # Ján's proposal has no class form for a root port: the device the class was documented with
    assert written_model("model-is-device", "3.2.0", "pcie-root-port", "class")["model"] == "ioh3420"
    assert written_model("model-is-device", "H1", "dmi-to-pci-bridge", "class")["model"] == "dmi-to-pci-bridge"


def test_newest_names_the_hosts_newest_default_in_the_schemes_syntax() -> None:
    assert written_model("multiplex-model", "3.2.0", "pcie-root-port", "newest")["model"] == "generic-pcie-root-port"
    assert written_model("model-is-device", "3.2.0", "pcie-root-port", "newest")["model"] == "pcie-root-port"
    assert written_model("model-is-device", "H1", "dmi-to-pci-bridge", "newest")["model"] == "generic-dmi-bridge"
    got = written_model("written-subtype", "3.2.0", "pcie-root-port", "newest")
    assert (got["subType"], got["model"]) == ("pcie-root-port", "pcie-root-port")
    # a scheme that cannot spell the newest device writes the class alone
    assert written_model("status-quo", "3.2.0", "pcie-root-port", "newest")["model"] == "pcie-root-port"


@pytest.mark.parametrize("writer", ["class", "newest"])
def test_issue_19_acceptance_3_idea1_and_jans_proposal_get_the_same_benefit(writer: str) -> None:
    frame = compare.measures(["model-is-device", "multiplex-model"], "real", setting=Setting(writer=writer))
    by = {v: list(g["gets_preferred"]) for v, g in frame.groupby("variant")}
    assert by["model-is-device"] == by["multiplex-model"]
    assert any(by["model-is-device"]) == (writer == "newest")
