"""Cells that cannot feel an axis share their work with the default setting's (docs/benchmarks.md):
a release does the same on every timeline, ``app_xml`` only reaches the migration that takes the
application's XML, and ``writer`` only what is written for "the default controller". Shared means
the very same remembered result; the frames stay those computed without sharing."""

from __future__ import annotations

import pandas as pd
import pytest

from pcidesign.analysis import matrices
from pcidesign.model import engine, registry
from pcidesign.model.setting import Setting

WHATIF = Setting(timeline="whatif")


@pytest.fixture(autouse=True)
def _cold() -> None:
    engine.clear_cache()


def run(setting: Setting, scenario: str = "migrate", intent: str = "pcie-root-port:ioh3420",
        a: str = "1.2.19", b: str = "3.2.0") -> engine.Result:
    return engine.run("model-subelement", scenario, intent, a, b, setting=setting)


def test_a_release_on_two_timelines_is_computed_once() -> None:
    assert run(Setting(timeline="real")) is run(WHATIF)
    assert registry.model_setting(WHATIF) is registry.model_setting(Setting())


def test_app_xml_is_felt_only_by_the_migration_that_takes_the_applications_xml() -> None:
    creation = WHATIF.replace(app_xml="creation")
    assert run(creation) is run(WHATIF)
    app = run(creation, "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0")
    assert app is not run(WHATIF, "migrate-app-xml", "pcie-root-port", "1.2.19", "9.0.0")
    assert app.outcome.value == "rejected"  # the creation XML is refused at the source (docs/facts-flows.md)


def test_writer_is_felt_only_by_intents_that_leave_the_device_to_the_release() -> None:
    newest = WHATIF.replace(writer="newest")
    for named in ("pcie-root-port:ioh3420", "pci-root", "pcie-root"):
        assert run(newest, intent=named) is run(WHATIF, intent=named)
    default = run(newest, intent="pcie-root-port", a="3.2.0", b="1.2.19")
    assert default is not run(WHATIF, intent="pcie-root-port", a="3.2.0", b="1.2.19")
    # the newest device of 3.2.0 is written out, which 1.2.19 does not know
    assert '<model name="pcie-root-port"/>' in default.steps[0].xml_in.decode()


def test_shared_frames_equal_frames_computed_apart() -> None:
    setting = WHATIF.replace(writer="newest", app_xml="creation")
    kwargs = dict(intents=["pcie-root-port", "pcie-root-port:ioh3420", "pci-root"], releases=["1.2.19", "3.2.0", "H1"])
    schemes = ["model-subelement", "model-is-device"]
    default = matrices.sweep(schemes, None, setting=WHATIF, **kwargs)
    shared = matrices.sweep(schemes, None, setting=setting, **kwargs)  # reuses the default's cells
    engine.clear_cache()  # the setting alone, nothing of the default's in the memo
    alone = matrices.sweep(schemes, None, setting=setting, **kwargs)
    pd.testing.assert_frame_equal(shared, alone)
    assert not default["outcome"].equals(shared["outcome"])  # the two axes do move some cells
