"""A private libvirt QEMU driver and private QEMU processes, started and stopped by their PIDs.

libvirt 6.1 and later can run its QEMU driver inside the client (``qemu:///embed?root=DIR``): no
daemon, no socket, every file (config, state, logs, capabilities cache, pid files) under ``DIR``.
Each ``virsh`` invocation opens the driver afresh, which is what a daemon restart does: it loads
every saved config under ``DIR/etc/qemu`` and reconnects to the guests still running. Nothing of
the host's libvirt (``/etc/libvirt``, ``/run/libvirt``, its daemons) is read or touched.

As root, libvirt's privileged QEMU driver wants the ``libvirt-qemu`` user (created by
``libvirt-daemon-system``, which calibration does not need); the stack therefore runs ``virsh``
as the unprivileged user ``nobody`` with a private ``HOME`` and ``XDG_*`` folders, the way
``qemu:///session`` runs. Guests use TCG (``<domain type='qemu'>``), so no ``/dev/kvm`` either.

Every process started here is recorded by PID: the ``virsh`` children, the QEMU processes the
embedded driver daemonizes (their ``DIR/run/qemu/*.pid`` files, and any process whose command
line names ``DIR``), and the QEMU processes started directly for migrations. :meth:`Stack.close`
stops them all (SIGTERM, then SIGKILL) and removes ``DIR``; it runs on normal exit, on errors, on
Ctrl-C, and on SIGTERM (see :func:`terminate_as_exit`).
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pcidesign.model.errors import PcidesignError

INSTALL_HINT = ("install the stack with 'apt-get install --no-install-recommends libvirt-daemon-driver-qemu "
                "libvirt-daemon qemu-system-x86 libvirt-clients' (Debian/Ubuntu)")
QEMU_BINARY = "qemu-system-x86_64"
TIMEOUT = 60.0


class StackUnavailable(PcidesignError):
    """The real stack (virsh with the QEMU driver, QEMU) cannot be started here."""


class StackError(PcidesignError):
    """The real stack started but did something calibration cannot interpret."""


@dataclass(frozen=True)
class Ran:
    """One finished ``virsh`` invocation."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def errors(self) -> list[str]:
        """virsh's ``error: ...`` lines, without the generic ones that only name the command."""
        out = []
        for line in self.stderr.splitlines():
            if line.startswith("error: "):
                text = line[len("error: "):].strip()
                if not text.startswith(("Failed to define domain", "failed to get domain", "Failed to start domain",
                                        "failed to connect to the hypervisor")):
                    out.append(text)
        return out

    @property
    def log(self) -> list[str]:
        """libvirt's own log lines (``... : error : function:line : message``), message part only."""
        out = []
        for line in self.stderr.splitlines():
            m = _LOG_LINE.match(line)
            if m:
                out.append(f"{m.group(1)}: {m.group(3)} ({m.group(2)})")
        return out


_LOG_LINE = re.compile(r"^\S+ \S+: \d+: (error|warning|info) : (\S+) : (.*)$")
"""libvirt's log format: ``DATE TIME: THREAD: LEVEL : FUNCTION:LINE : MESSAGE``."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return False


def processes_naming(text: str) -> list[int]:
    """PIDs of the processes whose command line contains ``text`` (this process excluded)."""
    found = []
    needle = text.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if needle in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def stop_pids(pids: Sequence[int], grace: float = 5.0) -> list[int]:
    """SIGTERM each PID, wait up to ``grace`` seconds, SIGKILL what is left; the PIDs still alive."""
    live = [p for p in dict.fromkeys(pids) if p > 1 and p != os.getpid() and _pid_alive(p)]
    for pid in live:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while live and time.monotonic() < deadline:
        for pid in live:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
        live = [p for p in live if _pid_alive(p)]
        if live:
            time.sleep(0.05)
    for pid in live:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.05)
    for pid in live:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
    return [p for p in live if _pid_alive(p)]


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """While inside, SIGTERM raises SystemExit(143) so that every ``finally`` (and so every
    cleanup) runs; Ctrl-C already raises KeyboardInterrupt. A no-op outside the main thread."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class QMP:
    """A minimal QMP client over a unix socket (commands and their replies; events skipped)."""

    def __init__(self, path: Path, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.settimeout(timeout)
                self.sock.connect(str(path))
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise StackError(f"QEMU's QMP socket {path.name} did not open within {timeout:.0f} s") from None
                time.sleep(0.05)
        self.stream = self.sock.makefile("rwb")
        self._line()  # the greeting
        self.execute("qmp_capabilities")

    def _line(self) -> dict[str, object]:
        raw = self.stream.readline()
        if not raw:
            raise StackError("QEMU closed its QMP socket")
        reply: dict[str, object] = json.loads(raw)
        return reply

    def execute(self, command: str, **arguments: object) -> dict[str, object]:
        """Run one QMP command; its reply (``return`` or ``error``)."""
        self.stream.write(json.dumps({"execute": command, "arguments": arguments}).encode() + b"\n")
        self.stream.flush()
        while True:
            reply = self._line()
            if "event" not in reply:
                return reply

    def hmp(self, line: str) -> str:
        """A human monitor command through QMP; its text output."""
        reply = self.execute("human-monitor-command", **{"command-line": line})
        out = reply.get("return", "")
        return out if isinstance(out, str) else ""

    def close(self) -> None:
        """Close the socket (the QEMU process is stopped by :class:`Stack`)."""
        with contextlib.suppress(OSError):
            self.stream.close()
            self.sock.close()


class Stack:
    """A private embedded QEMU driver under a temporary folder, plus QEMU processes started directly.

    Use as a context manager; :meth:`close` stops every process it started, by PID.
    """

    def __init__(self, virsh: str | None = None, qemu: str | None = None) -> None:
        self.virsh_path = shutil.which(virsh or "virsh")
        self.qemu_path = shutil.which(qemu or QEMU_BINARY)
        if self.virsh_path is None:
            raise StackUnavailable(f"{'virsh' if virsh is None else repr(virsh)} not found; {INSTALL_HINT}")
        if self.qemu_path is None:
            raise StackUnavailable(f"{qemu or QEMU_BINARY} not found; {INSTALL_HINT}")
        self.root: Path | None = None
        self.pids: list[int] = []
        self.user: int | None = None
        self.group: int | None = None
        self._qemus: list[subprocess.Popen[bytes]] = []

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self.open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Create the private folder and check that the embedded QEMU driver starts."""
        self.root = Path(tempfile.mkdtemp(prefix="pcidesign-qemu-"))
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            self.user, self.group = nobody.pw_uid, nobody.pw_gid
            os.chown(self.root, nobody.pw_uid, nobody.pw_gid)
            closed = [p for p in self.root.parents if p.stat().st_mode & 0o001 == 0]
            if closed:
                raise StackUnavailable(f"the user 'nobody' (which runs the embedded driver) cannot reach {self.root}: "
                                       f"{closed[0]} is closed to other users; set TMPDIR to a folder every user "
                                       "can traverse, such as /tmp")
        self.root.chmod(0o755)
        ran = self.virsh("uri")
        if ran.returncode != 0:
            why = "; ".join(ran.errors) or ran.stderr.strip() or f"exit status {ran.returncode}"
            raise StackUnavailable(f"the embedded libvirt QEMU driver does not start ({why}); {INSTALL_HINT}")

    @property
    def uri(self) -> str:
        """The private connection URI."""
        return f"qemu:///embed?root={self.folder}"

    @property
    def folder(self) -> Path:
        """The private root folder (config in ``etc/qemu``, state in ``run/qemu``, logs in ``log``)."""
        if self.root is None:
            raise StackError("the stack is not open")
        return self.root

    def close(self) -> None:
        """Stop every process this stack started (by PID) and remove its folder."""
        pids = [p.pid for p in self._qemus] + self.pids
        if self.root is not None:
            pids += self.guest_pids() + processes_naming(str(self.root))
        left = stop_pids(pids)
        for proc in self._qemus:
            with contextlib.suppress(Exception):
                proc.wait(timeout=1)
        self._qemus.clear()
        if left:
            raise StackError(f"processes {left} did not stop")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def started(self) -> list[int]:
        """PIDs of the processes this stack started that are still alive."""
        pids = [p.pid for p in self._qemus] + self.pids
        if self.root is not None:
            pids += self.guest_pids() + processes_naming(str(self.root))
        return [p for p in dict.fromkeys(pids) if _pid_alive(p)]

    # -- the embedded driver -----------------------------------------------------------------
    def env(self) -> dict[str, str]:
        """The environment for virsh: C locale and every per-user folder inside the stack."""
        base = self.folder
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C",
            "HOME": str(base), "XDG_RUNTIME_DIR": str(base / "run"), "XDG_CONFIG_HOME": str(base / "config"),
            "XDG_CACHE_HOME": str(base / "cache"), "XDG_DATA_HOME": str(base / "data"),
            "LIBVIRT_LOG_OUTPUTS": "3:stderr",
        }

    def virsh(self, *commands: str, timeout: float = TIMEOUT) -> Ran:
        """Run ``virsh -q -c URI 'CMD; CMD'`` (one connection: one driver start, like a daemon start)."""
        assert self.virsh_path is not None
        args = (self.virsh_path, "-q", "-c", self.uri, "; ".join(commands))
        kwargs: dict[str, object] = {}
        if self.user is not None:
            kwargs = {"user": self.user, "group": self.group, "extra_groups": []}
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                    env=self.env(), cwd=self.folder, **kwargs)  # type: ignore[call-overload]
        except OSError as exc:
            raise StackUnavailable(f"cannot run {self.virsh_path}: {exc}; {INSTALL_HINT}") from None
        self.pids.append(proc.pid)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise StackError(f"virsh {'; '.join(commands)!r} did not finish within {timeout:.0f} s") from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.pids.remove(proc.pid)
        self.pids += [p for p in self.guest_pids() if p not in self.pids]
        return Ran(args, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))

    def guest_pids(self) -> list[int]:
        """PIDs from the embedded driver's pid files (its QEMU processes)."""
        pids = []
        run = self.folder / "run" / "qemu"
        for path in sorted(run.glob("*.pid")) if run.is_dir() else []:
            if path.name == "driver.pid":
                continue
            with contextlib.suppress(OSError, ValueError):
                pids.append(int(path.read_text().strip()))
        return pids

    def put(self, name: str, data: bytes) -> Path:
        """Write a file into the stack's folder, readable by the user virsh runs as."""
        path = self.folder / "in" / name
        path.parent.mkdir(exist_ok=True)
        path.parent.chmod(0o755)
        path.write_bytes(data)
        path.chmod(0o644)
        return path

    def private_dir(self, name: str) -> Path:
        """A folder of the stack the user virsh runs as may write to (save images)."""
        path = self.folder / name
        path.mkdir(exist_ok=True)
        if self.user is not None:
            os.chown(path, self.user, self.group or -1)
        return path

    def put_config(self, name: str, data: bytes) -> Path:
        """Place ``data`` as a saved config the driver will load at its next start (``etc/qemu/NAME.xml``)."""
        folder = self.folder / "etc" / "qemu"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.xml"
        path.write_bytes(data)
        if self.user is not None:
            for p in (self.folder / "etc", folder, path):
                os.chown(p, self.user, self.group or -1)
        return path

    # -- QEMU started directly -----------------------------------------------------------------
    def qemu(self, name: str, machine: str, devices: Sequence[str], incoming: str | None = None) -> tuple[QMP, Path]:
        """Start a paused TCG QEMU with ``devices`` and a QMP socket; its QMP client and stderr file."""
        assert self.qemu_path is not None
        base = self.folder / "direct"
        base.mkdir(exist_ok=True)
        qmp = base / f"{name}.qmp"
        args = [self.qemu_path, "-machine", machine, "-accel", "tcg", "-m", "64", "-nodefaults", "-display", "none",
                "-S", "-qmp", f"unix:{qmp},server=on,wait=off", "-serial", "none", "-monitor", "none"]
        for dev in devices:
            args += ["-device", dev]
        if incoming:
            args += ["-incoming", incoming]
        errfile = base / f"{name}.stderr"
        with errfile.open("wb") as err:
            proc = subprocess.Popen(args, stdout=err, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        self._qemus.append(proc)
        try:
            return QMP(qmp), errfile
        except StackError:
            proc.wait(timeout=10) if proc.poll() is not None else None
            raise StackError(f"QEMU did not start: {errfile.read_text(errors='replace').strip()}") from None

    def alive(self, qmp_name: str) -> bool:
        """Whether the directly started QEMU whose QMP socket is ``qmp_name`` still runs."""
        for proc in self._qemus:
            if f"{qmp_name}.qmp" in " ".join(map(str, proc.args)):  # type: ignore[arg-type]
                return proc.poll() is None
        return False

    def stop_direct(self) -> None:
        """Stop the QEMU processes started directly (by PID)."""
        stop_pids([p.pid for p in self._qemus])
        for proc in self._qemus:
            with contextlib.suppress(Exception):
                proc.wait(timeout=1)
        self._qemus.clear()
