"""The QEMU capability flags in a running guest's status XML, and which daemon can read them.

While a guest runs, libvirt keeps a *status XML* (the live definition plus private data) and
rewrites it at every change; a daemon that starts reads it back to take the guest over. Its
private data lists the capability flags of the QEMU the guest runs with, by name
(``<qemuCaps><flag name='...'/></qemuCaps>``, written by ``qemuDomainObjPrivateXMLFormat``).
Three facts of libvirt's source decide what that means across releases:

* a daemon refuses a status XML that names a flag it does not know:
  ``qemuDomainObjPrivateXMLParse`` (``src/qemu/qemu_domain.c``) fails with "Unknown qemu
  capabilities flag %s" (read at v1.2.19, v3.2.0 and v4.0.0; the message is in 9.0.0's
  ``libvirt_driver_qemu.so``). The status file does not load (``virDomainObjListLoadStatus``
  returns nothing and ``virDomainObjListLoadAllConfigs`` goes on, ``src/conf/domain_conf.c`` at
  v1.2.19), so the daemon loses the running domain: its QEMU keeps running, unmanaged, and a
  persistent domain is listed as shut off from its saved config.
* the flags are those of the daemon that *started* the QEMU process: ``qemuProcessStart`` looks
  them up for the binary (``virQEMUCapsCacheLookupCopy``), while ``qemuProcessReconnect`` keeps
  the flags read from the status XML and queries the binary only when there are none ("If
  upgrading from old libvirtd we won't have found any caps in the domain status, so re-query
  them", ``src/qemu/qemu_process.c`` at v1.2.19, v3.2.0 and v4.0.0). A daemon restart does not
  change them; a start, a migration (the destination starts a new QEMU) or a restore does.
* every release in the timeline knows more flags than the one before: the list
  (``VIR_ENUM_IMPL(virQEMUCaps, ...)`` in ``src/qemu/qemu_capabilities.c``) only grows, retired
  flags keep their names, and it has 192 names at v1.2.18, 196 at v1.2.19, 221 at v1.3.4, 244 at
  v2.5.0, 253 at v3.2.0 and 282 at v4.0.0. :data:`NEW_FLAG` names, per release, one flag its
  list adds over the timeline release before it whose device or feature that release's QEMU has,
  so a status XML it writes lists that flag.

The model's rule (:func:`unknown_flag`): a daemon older than the release that started the
guest's QEMU refuses its status XML. The rule does not depend on the naming scheme.
"""

from __future__ import annotations

from pcidesign.model.catalog import Release, version_key

NEW_FLAG: dict[str, tuple[str, str]] = {
    "1.2.19": ("ioh3420", "qemu_capabilities.c at v1.2.19 (not at v1.2.18); QEMU 2.4 has the ioh3420 device"),
    "1.3.4": ("pxb", "qemu_capabilities.c at v1.3.4 (not at v1.2.19); QEMU 2.6 has the pxb device"),
    "2.5.0": ("intel-iommu", "qemu_capabilities.c at v2.5.0 (not at v1.3.4); QEMU 2.7 has the intel-iommu device"),
    "3.2.0": ("pcie-root-port", "qemu_capabilities.c at v3.2.0 (not at v2.5.0); QEMU 2.9 has the device"),
    "4.0.0": ("qemu-xhci", "qemu_capabilities.c at v4.0.0 (not at v3.2.0); QEMU 2.11 has the qemu-xhci device"),
    "4.3.0": ("pcie-pci-bridge", "not in qemu_capabilities.c at v4.0.0, named by 9.0.0's QEMU driver; taken "
              "to come with the pcie-to-pci-bridge class of 4.3.0, whose QEMU 2.12 has the device"),
    "9.0.0": ("virtio-iommu-pci", "not in qemu_capabilities.c at v4.0.0, named by 9.0.0's QEMU driver; QEMU 7.2 "
              "has the device"),
}
"""Per release of the timelines: a capability flag its list has and the previous release's lacks,
that the release's QEMU sets, with where that was read."""


def unknown_flag(started: Release, reader: Release) -> tuple[str, str] | None:
    """The flag (and its source) in the status XML of a guest whose QEMU a daemon of ``started``
    started that a daemon of ``reader`` does not know, or None when ``reader`` knows them all
    (it is ``started`` or newer).

    The flag named is the one added by the first release after ``reader`` up to ``started``; a
    hypothetical release is taken to add the flag of the device it brings."""
    if reader.key >= started.key:
        return None
    for rid, (flag, source) in NEW_FLAG.items():
        if rid == reader.id:
            continue
        key = version_key(rid)
        if reader.key < key <= started.key:
            return flag, source
    return (f"the flag of the device {started.id} adds",
            f"hypothetical: {started.id} is taken to add a capability flag for the device it brings")

