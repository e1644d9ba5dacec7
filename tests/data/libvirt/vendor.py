"""Copy libvirt's controller-related test data at each modelled release out of a libvirt git
directory (a clone of libvirt/libvirt, or the RWTH-OS/libvirt mirror that has its history up to
4.0.0) into this folder, and write ORIGIN.csv (release, commit, source path, file here).

    python tests/data/libvirt/vendor.py GIT_DIR

Selected: every x86_64 ``tests/qemuxml2argvdata`` input with a ``<controller type='pci'>`` of a
class other than the root buses, or a q35 machine; its ``.args``; its ``qemuxml2xmloutdata``
output when there is one; and the ``DO_TEST`` capability lists of both test programs
(``caps.txt``). The files are libvirt's, under the LGPL (see README.md).
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

RELEASES = {"1.2.18": "bcfdd8e83", "1.2.19": "66c5f02b9", "1.3.4": "52f187460", "2.5.0": "20f9a22c2",
            "3.2.0": "a2436b799", "4.0.0": "9160dfbfc"}
HERE = Path(__file__).resolve().parent
ROOTS = ("pci-root", "pcie-root")


def git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def blob(repo: str, commit: str, path: str) -> tuple[bytes, str]:
    """The file at ``path``, following a symbolic link (libvirt links many xml2xml outputs to
    their inputs), and the path it was read from."""
    mode = git(repo, "ls-tree", commit, path).split()[0]
    data = git(repo, "show", f"{commit}:{path}")
    if mode == b"120000":
        target = str(Path(path).parent / data.decode().strip())
        return blob(repo, commit, _normalize(target))
    return data, path


def _normalize(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def wanted(xml: str) -> bool:
    if "arch='x86_64'" not in xml and 'arch="x86_64"' not in xml:
        return False
    models = re.findall(r"<controller type=['\"]pci['\"][^>]*model=['\"]([a-z0-9-]+)['\"]", xml)
    return any(m not in ROOTS for m in models) or bool(re.search(r"machine=['\"][^'\"]*q35", xml))


def main(repo: str) -> None:
    rows = []
    for release, commit in RELEASES.items():
        out = HERE / release
        out.mkdir(exist_ok=True)
        names = git(repo, "ls-tree", "--name-only", commit, "tests/qemuxml2argvdata/").decode().split()
        outs = set(git(repo, "ls-tree", "--name-only", commit, "tests/qemuxml2xmloutdata/").decode().split())
        caps: dict[str, str] = {}
        for program in ("tests/qemuxml2argvtest.c", "tests/qemuxml2xmltest.c"):
            text = git(repo, "show", f"{commit}:{program}").decode()
            for name, body in re.findall(r'DO_TEST\("([^"]+)",(.*?)\);', text, re.S):
                flags = " ".join(re.findall(r"QEMU_CAPS_\w+", body))
                caps.setdefault(name, flags)
        kept = []
        for path in names:
            m = re.fullmatch(r"tests/qemuxml2argvdata/(?:qemuxml2argv-)?(.+)\.xml", path)
            if not m:
                continue
            name = m.group(1)
            xml = git(repo, "show", f"{commit}:{path}").decode()
            args_path = path[:-4] + ".args"
            if not wanted(xml) or args_path not in names:
                continue
            (out / f"{name}.in.xml").write_text(xml)
            (out / f"{name}.args").write_bytes(git(repo, "show", f"{commit}:{args_path}"))
            rows += [(release, commit, path, f"{release}/{name}.in.xml"), (release, commit, args_path, f"{release}/{name}.args")]
            for candidate in (f"tests/qemuxml2xmloutdata/qemuxml2xmlout-{name}.xml", f"tests/qemuxml2xmloutdata/{name}.xml"):
                if candidate in outs:
                    data, source = blob(repo, commit, candidate)
                    (out / f"{name}.out.xml").write_bytes(data)
                    rows.append((release, commit, source if source == candidate else f"{candidate} -> {source}",
                                 f"{release}/{name}.out.xml"))
            kept.append(name)
        (out / "caps.txt").write_text("".join(f"{n}: {caps.get(n, '')}\n" for n in sorted(kept)))
        rows.append((release, commit, "tests/qemuxml2argvtest.c, tests/qemuxml2xmltest.c (DO_TEST lists)", f"{release}/caps.txt"))
    with open(HERE / "ORIGIN.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["release", "commit", "source", "file"])
        w.writerows(rows)


if __name__ == "__main__":
    main(sys.argv[1])
