"""Write ``data/fleet-sample/``: a sample fleet of domain XML files, as ``virsh dumpxml`` prints them.

Each domain is described by one line of ``FLEET`` below (who created it, which machine, which
era of libvirt dumped it, and its PCI topology); :func:`domain_xml` turns it into the XML the
tool and era typically produce. The output is deterministic (uuids and MACs derive from the
name), so re-running the script rewrites the same files.

    python benchmarks/gen_fleet_sample.py [OUTDIR]
"""

from __future__ import annotations

import hashlib
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "fleet-sample"


@dataclass(frozen=True)
class Spec:
    """One domain of the sample: file name, domain name, creator, machine, era, PCI layout."""

    file: str
    name: str
    tool: str  # virt-manager, virt-install, nova, ovirt
    machine: str  # e.g. pc-i440fx-2.3, pc-q35-7.2
    era: str  # "old": dumped by libvirt < 1.2.19 (no <model name>); "new": filled in
    layout: tuple[tuple[str, str | None], ...]  # (class, device) for each controller after the root
    memory_mib: int = 2048
    vcpus: int = 2
    os_hint: str = "linux"


def _h(name: str, salt: str) -> bytes:
    return hashlib.sha256(f"{salt}:{name}".encode()).digest()


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pcidesign-fleet-sample/{name}"))


def _mac(name: str, n: int, prefix: str = "52:54:00") -> str:
    b = _h(name, f"mac{n}")
    return f"{prefix}:{b[0]:02x}:{b[1]:02x}:{b[2]:02x}"


ROOT_PORT_START = 0x10


def _controllers(spec: Spec) -> tuple[list[str], list[int]]:
    """Controller XML lines and the bus numbers where endpoint devices can go."""
    q35 = "q35" in spec.machine
    lines = [f"    <controller type='pci' index='0' model='{'pcie-root' if q35 else 'pci-root'}'/>"]
    buses: list[int] = []
    port = ROOT_PORT_START
    root_slot = 1 if not q35 else 2
    idx = 0
    upstream_bus = None
    for cls, dev in spec.layout:
        idx += 1
        name = f"\n      <model name='{dev}'/>" if dev and spec.era == "new" else ""
        target = ""
        if cls == "pcie-root-port":
            target = f"\n      <target chassis='{idx}' port='0x{port:x}'/>" if spec.era == "new" else ""
            slot, func = 2 + (port - ROOT_PORT_START) // 8, (port - ROOT_PORT_START) % 8
            addr = (f"<address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x{func:x}'"
                    f"{' multifunction=' + repr('on') if func == 0 else ''}/>")
            port += 1
            buses.append(idx)
        elif cls == "pcie-switch-upstream-port":
            addr = f"<address type='pci' domain='0x0000' bus='0x{buses[-1]:02x}' slot='0x00' function='0x0'/>"
            buses.pop()
            upstream_bus = idx
        elif cls == "pcie-switch-downstream-port":
            target = f"\n      <target chassis='{idx}' port='0x{idx - (upstream_bus or 0) - 1:x}'/>" if spec.era == "new" else ""
            addr = (f"<address type='pci' domain='0x0000' bus='0x{upstream_bus:02x}' "
                    f"slot='0x{idx - (upstream_bus or 0) - 1:02x}' function='0x0'/>")
            buses.append(idx)
        elif cls == "dmi-to-pci-bridge":
            addr = "<address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x0'/>"
        elif cls == "pcie-to-pci-bridge":
            addr = f"<address type='pci' domain='0x0000' bus='0x{buses.pop():02x}' slot='0x00' function='0x0'/>"
            buses.append(idx)
        elif cls == "pci-bridge":
            parent = idx - 1 if spec.layout[idx - 2][0] in ("dmi-to-pci-bridge", "pcie-to-pci-bridge") and idx > 1 else 0
            target = f"\n      <target chassisNr='{idx}'/>" if spec.era == "new" else ""
            addr = f"<address type='pci' domain='0x0000' bus='0x{parent:02x}' slot='0x{(0x1f if parent == 0 else 1):02x}' function='0x0'/>"
            buses.append(idx)
        elif cls == "pci-expander-bus":
            bus_nr = 254 - 4 * (idx - 1)
            target = f"\n      <target busNr='{bus_nr}'>\n        <node>{(idx - 1) % 2}</node>\n      </target>"
            addr = f"<address type='pci' domain='0x0000' bus='0x00' slot='0x{root_slot + 8 + idx:02x}' function='0x0'/>"
            buses.append(idx)
        elif cls == "pcie-expander-bus":
            bus_nr = 252 - 4 * (idx - 1)
            target = f"\n      <target busNr='{bus_nr}'>\n        <node>{(idx - 1) % 2}</node>\n      </target>"
            addr = f"<address type='pci' domain='0x0000' bus='0x00' slot='0x{0x0a + idx:02x}' function='0x0'/>"
        else:
            raise ValueError(f"{spec.file}: no layout rule for {cls}")
        lines.append(f"    <controller type='pci' index='{idx}' model='{cls}'>{name}{target}\n      {addr}\n    </controller>")
    return lines, buses


def _metadata(spec: Spec) -> str:
    if spec.tool == "nova":
        project = _h(spec.name, "project").hex()[:32]
        user = _h(spec.name, "user").hex()[:32]
        flavor = "m1.large" if spec.memory_mib >= 8192 else "m1.medium" if spec.memory_mib >= 4096 else "m1.small"
        return f"""  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:package version="26.2.1"/>
      <nova:name>{spec.os_hint}-{spec.name[-4:]}</nova:name>
      <nova:creationTime>2023-03-14 09:26:53</nova:creationTime>
      <nova:flavor name="{flavor}">
        <nova:memory>{spec.memory_mib}</nova:memory>
        <nova:disk>40</nova:disk>
        <nova:swap>0</nova:swap>
        <nova:ephemeral>0</nova:ephemeral>
        <nova:vcpus>{spec.vcpus}</nova:vcpus>
      </nova:flavor>
      <nova:owner>
        <nova:user uuid="{user}">admin</nova:user>
        <nova:project uuid="{project}">production</nova:project>
      </nova:owner>
      <nova:root type="image" uuid="{_uuid(spec.name + '-image')}"/>
    </nova:instance>
  </metadata>
"""
    if spec.tool == "ovirt":
        return f"""  <metadata xmlns:ns1="http://ovirt.org/vm/tune/1.0" xmlns:ovirt-vm="http://ovirt.org/vm/1.0">
    <ns1:qos/>
    <ovirt-vm:vm xmlns:ovirt-vm="http://ovirt.org/vm/1.0">
      <ovirt-vm:clusterVersion>4.7</ovirt-vm:clusterVersion>
      <ovirt-vm:destroy_on_reboot type="bool">False</ovirt-vm:destroy_on_reboot>
      <ovirt-vm:launchPaused>false</ovirt-vm:launchPaused>
      <ovirt-vm:memGuaranteedSize type="int">{spec.memory_mib}</ovirt-vm:memGuaranteedSize>
      <ovirt-vm:resumeBehavior>auto_resume</ovirt-vm:resumeBehavior>
    </ovirt-vm:vm>
  </metadata>
"""
    if spec.tool in ("virt-manager", "virt-install") and spec.era == "new":
        osid = "http://microsoft.com/win/10" if spec.os_hint == "windows" else "http://fedoraproject.org/fedora/37"
        return f"""  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="{osid}"/>
    </libosinfo:libosinfo>
  </metadata>
"""
    return ""


def domain_xml(spec: Spec) -> str:
    """The domain XML ``virsh dumpxml`` prints for ``spec``."""
    q35 = "q35" in spec.machine
    kib = spec.memory_mib * 1024
    ctrl_lines, buses = _controllers(spec)
    free_buses = list(buses)

    def addr(slot: int) -> str:
        if q35:
            bus = free_buses.pop(0) if free_buses else 0
            return f"<address type='pci' domain='0x0000' bus='0x{bus:02x}' slot='0x00' function='0x0'/>"
        return f"<address type='pci' domain='0x0000' bus='0x00' slot='0x{slot:02x}' function='0x0'/>"

    if spec.tool == "nova":
        disk_src = f"<source file='/var/lib/nova/instances/{_uuid(spec.name)}/disk'/>"
        disk_drv = "<driver name='qemu' type='qcow2' cache='none' discard='ignore'/>"
        iface = (f"    <interface type='bridge'>\n      <mac address='{_mac(spec.name, 0, 'fa:16:3e')}'/>\n"
                 f"      <source bridge='qbr{_h(spec.name, 'port').hex()[:11]}'/>\n"
                 f"      <target dev='tap{_h(spec.name, 'port').hex()[:11]}'/>\n      <model type='virtio'/>\n"
                 f"      <mtu size='1450'/>\n      {addr(3)}\n    </interface>")
    elif spec.tool == "ovirt":
        disk_src = (f"<source dev='/rhev/data-center/mnt/blockSD/{_uuid('sd')}/images/"
                    f"{_uuid(spec.name + 'img')}/{_uuid(spec.name + 'vol')}'/>")
        disk_drv = "<driver name='qemu' type='raw' cache='none' error_policy='stop' io='native'/>"
        iface = (f"    <interface type='bridge'>\n      <mac address='{_mac(spec.name, 0, '56:6f:1a')}'/>\n"
                 f"      <source bridge='ovirtmgmt'/>\n      <model type='virtio'/>\n"
                 f"      <filterref filter='vdsm-no-mac-spoofing'/>\n      <link state='up'/>\n"
                 f"      {addr(3)}\n    </interface>")
    else:
        disk_src = f"<source file='/var/lib/libvirt/images/{spec.name}.qcow2'/>"
        disk_drv = "<driver name='qemu' type='qcow2'" + (" discard='unmap'/>" if spec.era == "new" else "/>")
        iface = (f"    <interface type='network'>\n      <mac address='{_mac(spec.name, 0)}'/>\n"
                 f"      <source network='default'/>\n      <model type='{'e1000e' if spec.os_hint == 'windows' and q35 else 'virtio'}'/>\n"
                 f"      {addr(3)}\n    </interface>")
    disk_bus = "sata" if spec.os_hint == "windows" else "virtio"
    disk_dev = "sda" if disk_bus == "sata" else "vda"
    disk_addr = ("<address type='drive' controller='0' bus='0' target='0' unit='0'/>" if disk_bus == "sata"
                 else addr(4))
    emulator = "/usr/bin/qemu-system-x86_64" if spec.era == "new" else "/usr/libexec/qemu-kvm"
    usb = ("    <controller type='usb' index='0' model='qemu-xhci' ports='15'>\n      " + addr(5) + "\n    </controller>"
           if q35 and spec.era == "new" else
           "    <controller type='usb' index='0' model='ich9-ehci1'>\n"
           "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x7'/>\n    </controller>\n"
           "    <controller type='usb' index='0' model='ich9-uhci1'>\n      <master startport='0'/>\n"
           "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1d' function='0x0' multifunction='on'/>\n"
           "    </controller>")
    sata = ("    <controller type='sata' index='0'>\n"
            "      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>\n    </controller>"
            if q35 else
            "    <controller type='ide' index='0'>\n"
            "      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>\n    </controller>")
    graphics = ("    <graphics type='spice' autoport='yes'>\n      <listen type='address'/>\n"
                "      <image compression='off'/>\n    </graphics>" if spec.tool in ("virt-manager", "ovirt") else
                "    <graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'>\n"
                "      <listen type='address' address='0.0.0.0'/>\n    </graphics>")
    video_model = "qxl" if spec.tool in ("virt-manager", "ovirt") else ("virtio" if spec.era == "new" else "cirrus")
    video = (f"    <video>\n      <model type='{video_model}' vram='16384' heads='1' primary='yes'/>\n"
             f"      <address type='pci' domain='0x0000' bus='0x00' slot='0x0{1 if q35 else 2}' function='0x0'/>\n    </video>")
    cpu = ("  <cpu mode='host-passthrough' check='none' migratable='on'/>\n" if spec.era == "new" and spec.tool != "ovirt"
           else "  <cpu mode='custom' match='exact' check='partial'>\n    <model fallback='forbid'>"
                f"{'Cascadelake-Server-noTSX' if spec.era == 'new' else 'SandyBridge'}</model>\n"
                "    <topology sockets='16' dies='1' cores='1' threads='1'/>\n  </cpu>\n"
           if spec.tool == "ovirt" else "  <cpu mode='host-model' check='partial'/>\n")
    sysinfo = ""
    if spec.tool in ("nova", "ovirt"):
        maker, product = ("OpenStack Foundation", "OpenStack Nova") if spec.tool == "nova" else ("oVirt", "RHEL")
        sysinfo = (f"  <sysinfo type='smbios'>\n    <system>\n      <entry name='manufacturer'>{maker}</entry>\n"
                   f"      <entry name='product'>{product}</entry>\n      <entry name='serial'>{_uuid(spec.name + 'serial')}</entry>\n"
                   f"      <entry name='uuid'>{_uuid(spec.name)}</entry>\n    </system>\n  </sysinfo>\n")
    features = "    <acpi/>\n    <apic/>\n" + ("    <hyperv mode='custom'>\n      <relaxed state='on'/>\n"
                                                  "      <vapic state='on'/>\n      <spinlocks state='on' retries='8191'/>\n"
                                                  "    </hyperv>\n" if spec.os_hint == "windows" else "")
    if q35 and spec.era == "new":
        features += "    <vmport state='off'/>\n"
    return f"""<domain type='kvm'>
  <name>{spec.name}</name>
  <uuid>{_uuid(spec.name)}</uuid>
{_metadata(spec)}  <memory unit='KiB'>{kib}</memory>
  <currentMemory unit='KiB'>{kib}</currentMemory>
  <vcpu placement='static'>{spec.vcpus}</vcpu>
{sysinfo}  <os>
    <type arch='x86_64' machine='{spec.machine}'>hvm</type>
    <boot dev='hd'/>
{"    <smbios mode='sysinfo'/>" + chr(10) if sysinfo else ""}  </os>
  <features>
{features}  </features>
{cpu}  <clock offset='{"localtime" if spec.os_hint == "windows" else "utc"}'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <disk type='{"block" if spec.tool == "ovirt" else "file"}' device='disk'>
      {disk_drv}
      {disk_src}
      <target dev='{disk_dev}' bus='{disk_bus}'/>
      {disk_addr}
    </disk>
{usb}
{sata}
{chr(10).join(ctrl_lines)}
{iface}
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <input type='tablet' bus='usb'>
      <address type='usb' bus='0' port='1'/>
    </input>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
{graphics}
{video}
    <memballoon model='virtio'>
      {addr(6)}
    </memballoon>
  </devices>
</domain>
"""


RP, RPI = ("pcie-root-port", "pcie-root-port"), ("pcie-root-port", "ioh3420")
DMI, PB = ("dmi-to-pci-bridge", "i82801b11-bridge"), ("pci-bridge", "pci-bridge")
UP, DOWN = ("pcie-switch-upstream-port", "x3130-upstream"), ("pcie-switch-downstream-port", "xio3130-downstream")
PXB, PXBE = ("pci-expander-bus", "pxb"), ("pcie-expander-bus", "pxb-pcie")
P2P = ("pcie-to-pci-bridge", "pcie-pci-bridge")

FLEET: tuple[Spec, ...] = (
    # virt-manager on desktops and lab hosts: i440fx (old and new), q35 with generic root ports
    Spec("virt-manager_i440fx_fedora22-desktop_old.xml", "fedora22-desktop", "virt-manager", "pc-i440fx-2.3", "old", ()),
    Spec("virt-manager_i440fx_win7-accounting_old.xml", "win7-accounting", "virt-manager", "pc-i440fx-2.1", "old", (), 4096, 2, "windows"),
    Spec("virt-manager_i440fx_centos7-build_new.xml", "centos7-build", "virt-manager", "pc-i440fx-7.2", "new", (), 8192, 4),
    Spec("virt-manager_i440fx_debian12-lab-bridge_new.xml", "debian12-lab", "virt-manager", "pc-i440fx-7.2", "new", (PB,)),
    Spec("virt-manager_q35_fedora37-workstation_new.xml", "fedora37-workstation", "virt-manager", "pc-q35-7.2", "new", (RP,) * 14 + (P2P,), 4096, 4),
    Spec("virt-manager_q35_win10-dev_new.xml", "win10-dev", "virt-manager", "pc-q35-7.2", "new", (RP,) * 14, 8192, 4, "windows"),
    Spec("virt-manager_q35_win11-tpm_new.xml", "win11-tpm", "virt-manager", "pc-q35-7.2", "new", (RP,) * 14 + (P2P,), 8192, 4, "windows"),
    Spec("virt-manager_q35_ubuntu1604-ioh3420_new.xml", "ubuntu1604-ioh3420", "virt-manager", "pc-q35-2.5", "new", (RPI,) * 4),
    Spec("virt-manager_q35_rhel7-dmi-bridge_old.xml", "rhel7-dmi", "virt-manager", "pc-q35-2.1", "old", (DMI, PB)),
    Spec("virt-manager_q35_rhel7-dmi-bridge_new.xml", "rhel7-dmi-resaved", "virt-manager", "pc-q35-2.1", "new", (DMI, PB)),
    # virt-install from scripts and kickstarts
    Spec("virt-install_i440fx_ks-web01_old.xml", "ks-web01", "virt-install", "pc-i440fx-rhel7.0.0", "old", ()),
    Spec("virt-install_i440fx_ks-web02_new.xml", "ks-web02", "virt-install", "pc-i440fx-rhel7.6.0", "new", ()),
    Spec("virt-install_i440fx_pxb-numa-nfv_new.xml", "nfv-vrouter-01", "virt-install", "pc-i440fx-7.2", "new", (PXB, PXB), 16384, 8),
    Spec("virt-install_q35_pxb-pcie-numa-dpdk_new.xml", "dpdk-gw-01", "virt-install", "pc-q35-7.2", "new", (RP,) * 4 + (PXBE, PXBE), 16384, 8),
    Spec("virt-install_q35_ioh3420-switch_new.xml", "hpc-node-gpu01", "virt-install", "pc-q35-2.8", "new", (RPI, RPI, UP, DOWN, DOWN, DOWN, DOWN), 32768, 16),
    Spec("virt-install_q35_generic-switch_new.xml", "hpc-node-gpu07", "virt-install", "pc-q35-7.2", "new", (RP, RP, UP, DOWN, DOWN, DOWN, DOWN), 32768, 16),
    Spec("virt-install_q35_ci-runner-ioh3420_new.xml", "ci-runner-03", "virt-install", "pc-q35-2.6", "new", (RPI,) * 6),
    Spec("virt-install_q35_ci-runner-generic_new.xml", "ci-runner-11", "virt-install", "pc-q35-6.2", "new", (RP,) * 6),
    Spec("virt-install_q35_mixed-ioh3420-generic_new.xml", "db-replica-02", "virt-install", "pc-q35-4.2", "new", (RPI,) * 4 + (RP,) * 4, 16384, 8),
    Spec("virt-install_q35_pcie-to-pci-legacy-nic_new.xml", "legacy-nic-app", "virt-install", "pc-q35-5.2", "new", (RP,) * 4 + (P2P,)),
    Spec("virt-install_q35_dmi-only_old.xml", "q35-first-try", "virt-install", "pc-q35-2.1", "old", (DMI, PB)),
    # OpenStack nova compute nodes: instance-XXXXXXXX names, i440fx by default, q35 for some flavors
    *(Spec(f"nova_i440fx_instance-{n:08x}_new.xml", f"instance-{n:08x}", "nova", "pc-i440fx-6.2", "new", (), m, c)
      for n, m, c in ((0x1a2b, 2048, 1), (0x1a2c, 4096, 2), (0x1c07, 8192, 4), (0x1d11, 2048, 1), (0x1e42, 16384, 8))),
    *(Spec(f"nova_i440fx_instance-{n:08x}_old.xml", f"instance-{n:08x}", "nova", "pc-i440fx-2.0", "old", (), m, c)
      for n, m, c in ((0x0031, 2048, 1), (0x0047, 4096, 2))),
    *(Spec(f"nova_q35_instance-{n:08x}_rootports_new.xml", f"instance-{n:08x}", "nova", "pc-q35-6.2", "new", (RP,) * k, m, c)
      for n, k, m, c in ((0x2001, 8, 4096, 2), (0x2002, 16, 8192, 4), (0x2003, 24, 16384, 8), (0x2004, 8, 4096, 2))),
    Spec("nova_q35_instance-00002f10_ioh3420-rootports_new.xml", "instance-00002f10", "nova", "pc-q35-2.11", "new", (RPI,) * 8, 4096, 2),
    Spec("nova_q35_instance-00003000_pci-bridge_new.xml", "instance-00003000", "nova", "pc-q35-6.2", "new", (RP,) * 8 + (P2P, PB), 8192, 4),
    Spec("nova_i440fx_instance-00003101_pci-bridge_new.xml", "instance-00003101", "nova", "pc-i440fx-6.2", "new", (PB,), 4096, 2),
    # oVirt / RHV hosts: pc or q35, named by the admins
    Spec("ovirt_i440fx_prod-db-01_old.xml", "prod-db-01", "ovirt", "pc-i440fx-rhel7.0.0", "old", (), 32768, 8),
    Spec("ovirt_i440fx_prod-db-02_new.xml", "prod-db-02", "ovirt", "pc-i440fx-rhel7.6.0", "new", (PB,), 32768, 8),
    Spec("ovirt_i440fx_hosted-engine_new.xml", "HostedEngine", "ovirt", "pc-i440fx-rhel7.6.0", "new", (), 16384, 4),
    Spec("ovirt_q35_erp-app-01_ioh3420_new.xml", "erp-app-01", "ovirt", "pc-q35-rhel7.6.0", "new", (RPI,) * 16, 16384, 4),
    Spec("ovirt_q35_erp-app-02_generic_new.xml", "erp-app-02", "ovirt", "pc-q35-rhel8.6.0", "new", (RP,) * 16, 16384, 4),
    Spec("ovirt_q35_mail-01_dmi-bridge_new.xml", "mail-01", "ovirt", "pc-q35-rhel7.3.0", "new", (DMI, PB) + (RPI,) * 2, 8192, 2),
    Spec("ovirt_q35_fileserver_switch_new.xml", "fileserver-02", "ovirt", "pc-q35-rhel8.6.0", "new", (RP, RP, UP, DOWN, DOWN), 8192, 4),
    Spec("ovirt_q35_win2019-rds_new.xml", "win2019-rds-01", "ovirt", "pc-q35-rhel8.6.0", "new", (RP,) * 16, 16384, 8, "windows"),
    Spec("ovirt_i440fx_win2012-legacy_old.xml", "win2012-legacy", "ovirt", "pc-i440fx-rhel7.0.0", "old", (), 8192, 4, "windows"),
    Spec("ovirt_q35_sap-hana-numa_pxb-pcie_new.xml", "sap-hana-01", "ovirt", "pc-q35-rhel8.6.0", "new", (RP,) * 4 + (PXBE, PXBE, PXBE, PXBE), 262144, 32),
    Spec("ovirt_i440fx_jumpbox_pxb_new.xml", "jumpbox-numa", "ovirt", "pc-i440fx-rhel7.6.0", "new", (PXB,), 4096, 2),
    Spec("ovirt_q35_monitoring_new.xml", "monitoring-01", "ovirt", "pc-q35-rhel8.6.0", "new", (RP,) * 8 + (P2P,), 8192, 4),
)


def main(argv: list[str]) -> int:
    """Write every domain of ``FLEET`` into ``argv[0]`` (default: data/fleet-sample)."""
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    names = [s.file for s in FLEET]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate file names in FLEET")
    for spec in FLEET:
        (out / spec.file).write_text(domain_xml(spec), encoding="utf-8")
    print(f"wrote {len(FLEET)} domains to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
