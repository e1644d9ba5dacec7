"""Controllers libvirt adds itself to a q35 guest that names none, release by release.

A q35 domain with devices but only ``pcie-root`` gets, at define, the controllers its devices
need; which ones changed twice, and each is added as a user would write the class alone, so the
scheme's fill-in gives it the device of that release:

* before 2.5.0: a ``dmi-to-pci-bridge`` and a ``pci-bridge`` behind it, for every device
  (libvirt from 1.1.2; facts §10);
* from 2.5.0: a ``pcie-root-port`` per Express device, the bridge pair only for a legacy PCI
  device (libvirt NEWS 2.5.0: "any unaddressed PCI device that is an Express device ... will be
  placed on an Express controller (i.e. a pcie-root-port) ... with the root ports added as
  needed");
* from 4.3.0: a legacy PCI device goes behind a ``pcie-to-pci-bridge`` on its own root port
  (the class arrives in 4.3.0, facts §1, §10).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pcidesign.model.catalog import Key, version_key

if TYPE_CHECKING:
    from pcidesign.model.catalog import Catalog, Intent, Release

EXPRESS_MODELS = frozenset({"virtio"})
"""``<interface><model type>`` values the model treats as Express devices (virtio 1.0)."""

DEVICES: tuple[tuple[str, int], ...] = (("virtio", 2), ("e1000", 1))
"""The NICs of a ``-auto`` intent, (model, how many): two Express and one legacy PCI device."""
EXPRESS = sum(n for m, n in DEVICES if m in EXPRESS_MODELS)
LEGACY = sum(n for m, n in DEVICES if m not in EXPRESS_MODELS)

RULES: tuple[tuple[Key, str], ...] = (
    (version_key("1.1.2"), "bridges"),
    (version_key("2.5.0"), "root-ports"),
    (version_key("4.3.0"), "pcie-to-pci"),
)


def added(release: Key, express: int, legacy: int) -> list[str]:
    """The classes, in index order, a release adds for ``express`` Express and ``legacy`` legacy
    PCI devices on a q35 guest with no controller but the root."""
    rule = ""
    for since, name in RULES:
        if release >= since:
            rule = name
    if not rule or express + legacy == 0:
        return []
    if rule == "bridges":
        return ["dmi-to-pci-bridge", "pci-bridge"]
    out = ["pcie-root-port"] * express
    if legacy:
        out += ["dmi-to-pci-bridge", "pci-bridge"] if rule == "root-ports" else ["pcie-root-port", "pcie-to-pci-bridge"]
    return out


def in_naming_scope(cat: "Catalog", intent: "Intent", a: "Release", b: "Release") -> bool:
    """Whether the cell (``intent``, written at ``a``, read at ``b``) is in scope ``naming``: both
    releases know the intent (:meth:`Catalog.knows`) and, for a domain-level intent, ``b`` knows
    every class ``a`` adds (elsewhere every scheme fails alike)."""
    if not (cat.knows(a, intent) and cat.knows(b, intent)):
        return False
    if not intent.auto:
        return True
    classes = set(added(a.key, EXPRESS, LEGACY))
    return classes <= cat.known_classes(a) and classes <= cat.known_classes(b)
