"""Warm Jupyter kernels for the report's workers, through jupyter_client's public API only.

Starting a kernel and importing pandas and matplotlib into it costs more than most notebooks take
to run, so each worker process keeps one kernel (a :class:`WarmKernel`: a manager and one
connected client) and reuses it for its next notebook, after a reset that leaves it as a fresh
kernel would be:

* the user namespace, figures, working directory and execution count of the last notebook gone;
* the engine's cache of transitions cleared;
* the scheme registry rebuilt: the built-in schemes and the plugins that load
  (``PCIDESIGN_SCHEMES``, entry points), and not a scheme the last notebook registered.

A kernel whose notebook failed, or that cannot be reset, is replaced. Kernels run with IPython's
history off (a shared history database prints warnings into the pages). A start that fails (two
kernels of different workers can race for a port) is retried with new ports.

Every kernel's process id is written into a folder the batch gives (``pid_dir``), so that an
interrupted batch can end every kernel it started.
"""

from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERNEL = "python3"
"""The kernel spec the notebooks run in."""

KERNEL_ARGS = ["--HistoryManager.enabled=False"]
"""Extra arguments of every kernel: no history database (its warnings would reach the pages)."""

START_ATTEMPTS = 3
"""How often a kernel start is tried before the notebook fails (a lost port race is retried)."""

READY_TIMEOUT = 120.0
"""Seconds a new kernel has to answer."""

KERNEL_LOG = "kernels.log"
"""The kernels' own output, in the run folder (empty unless something went wrong)."""

RESET = """
get_ipython().run_line_magic("reset", "-f")
import os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
get_ipython().execution_count = 1
if "pcidesign" in _sys.modules:
    _sys.modules["pcidesign"].reset()  # no remembered transitions, only the schemes that load
del _os, _sys
"""
"""What a warm kernel runs between two notebooks (silently, on the shell channel)."""


@dataclass
class WarmKernel:
    """A running kernel, its one client (kept connected across notebooks), and whether a
    notebook has run on it since it started or was reset."""

    manager: Any
    client: Any
    pid: int | None
    used: bool = False
    pid_file: Path | None = field(default=None, repr=False)


def _run(coro_fn: Any, *args: Any, **kwargs: Any) -> Any:
    from jupyter_core.utils import run_sync

    return run_sync(coro_fn)(*args, **kwargs)


def _start_once(log_dir: Path, pid_dir: Path | None = None) -> WarmKernel:
    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name=KERNEL)
    with open(log_dir / KERNEL_LOG, "ab") as log:
        _run(km.start_kernel, extra_arguments=list(KERNEL_ARGS), stdout=log, stderr=log, cwd=os.getcwd())
    pid = getattr(km.provisioner, "pid", None)
    pid = pid if isinstance(pid, int) else None
    pid_file = None
    if pid_dir is not None and pid is not None:  # listed the moment it exists, not once it is ready:
        pid_file = pid_dir / f"kernel-{pid}"  # a batch interrupted while it starts ends it too
        pid_file.write_text(str(pid))
    kc = km.client()
    try:
        kc.start_channels()
        _run(kc.wait_for_ready, timeout=READY_TIMEOUT)
    except BaseException:
        _shutdown(km, kc)
        if pid_file is not None:
            with contextlib.suppress(OSError):
                pid_file.unlink()
        raise
    kc.allow_stdin = False
    return WarmKernel(km, kc, pid, pid_file=pid_file)


def start(log_dir: Path, pid_dir: Path | None = None) -> WarmKernel:
    """Start a kernel and connect one client, retrying a start that fails (a port another process
    took between choosing and binding it); raises the last failure after :data:`START_ATTEMPTS`."""
    last: Exception | None = None
    for attempt in range(START_ATTEMPTS):
        try:
            kernel = _start_once(log_dir) if pid_dir is None else _start_once(log_dir, pid_dir)
        except Exception as exc:  # noqa: BLE001 - any failed start is retried with fresh ports
            last = exc
            time.sleep(0.2 * (attempt + 1))
            continue
        return kernel
    assert last is not None
    raise last


def _shutdown(km: Any, kc: Any) -> None:
    with contextlib.suppress(Exception):
        kc.stop_channels()
    with contextlib.suppress(Exception):
        _run(km.shutdown_kernel, now=True)


def stop(kernel: WarmKernel) -> None:
    """Stop the kernel and close its client (quietly, if it is dead already)."""
    _shutdown(kernel.manager, kernel.client)
    if kernel.pid_file is not None:
        with contextlib.suppress(OSError):
            kernel.pid_file.unlink()


def alive(kernel: WarmKernel) -> bool:
    """Whether the kernel process still runs."""
    try:
        return bool(_run(kernel.manager.is_alive))
    except Exception:  # noqa: BLE001
        return False


def reset(kernel: WarmKernel, timeout: float = 30.0) -> None:
    """Leave the kernel as a fresh one would be (see the module docstring); raises RuntimeError
    if the kernel reports an error."""
    kc = kernel.client

    async def run_reset() -> dict[str, Any]:
        msg_id = kc.execute(RESET.format(cwd=os.getcwd()), silent=True, store_history=False)
        while True:
            reply: dict[str, Any] = await kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    content = _run(run_reset)["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel reset failed: {content.get('ename')}: {content.get('evalue')}")
    kernel.used = False


class Pool:
    """The kernels of one worker process: one warm kernel reused (or a fresh one per notebook)."""

    def __init__(self, log_dir: Path, pid_dir: Path | None, fresh: bool = False) -> None:
        self.log_dir = log_dir
        self.pid_dir = pid_dir
        self.fresh = fresh
        self.warm: WarmKernel | None = None
        self._finalizer: Any = None

    def acquire(self) -> tuple[WarmKernel, bool]:
        """The kernel for the next notebook, and whether it was just started."""
        kernel = self.warm
        if kernel is not None and not alive(kernel):
            self._drop()
            kernel = None
        if kernel is not None and kernel.used:
            try:
                reset(kernel)
            except Exception:  # noqa: BLE001 - a kernel that cannot be reset is replaced
                self._drop()
                kernel = None
        if kernel is not None:
            return kernel, False
        kernel = start(self.log_dir, self.pid_dir)
        if not self.fresh:
            self.warm = kernel
            if self._finalizer is None:
                self._finalizer = multiprocessing.util.Finalize(self, self.close, exitpriority=10)
        return kernel, True

    def release(self, kernel: WarmKernel, ok: bool) -> None:
        """Hand the kernel back after a notebook: kept warm if it ran cleanly, else stopped."""
        kernel.used = True
        if self.fresh or not ok:
            stop(kernel)
            if self.warm is kernel:
                self.warm = None

    def _drop(self) -> None:
        if self.warm is not None:
            stop(self.warm)
            self.warm = None

    def close(self) -> None:
        """Stop the warm kernel (at the worker's exit)."""
        self._drop()


def kill_listed(pid_dir: Path) -> list[int]:
    """End every kernel whose process id is listed in ``pid_dir`` (with its process group: a
    kernel runs in a session of its own); returns the ids signalled."""
    import signal

    killed: list[int] = []
    for f in sorted(pid_dir.glob("kernel-*")):
        try:
            pid = int(f.read_text())
        except (OSError, ValueError):
            continue
        for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            try:
                kill()
                killed.append(pid)
                break
            except (ProcessLookupError, PermissionError):
                continue
    return killed


_ENGINE_REGISTERED = False
ENGINE = "pcidesign-warm"
"""The papermill engine that runs a notebook on a :class:`WarmKernel`'s connected client."""


def register_engine() -> None:
    """Register :data:`ENGINE` with papermill (idempotent).

    papermill's own engine asks the kernel manager for a new client per notebook, which connects
    and waits for the kernel's output channel to settle each time; this engine hands nbclient the
    warm kernel's client (papermill's documented engine extension point, ``kc=`` below).
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return

    class WarmEngine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: float | None = None, kc: Any = None,
                                     **kwargs: Any) -> Any:
            import logging

            for unused in ("input_path", "timeout", "startup_timeout"):
                kwargs.pop(unused, None)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
                log=logging.getLogger("papermill"), log_output=log_output, stdout_file=stdout_file,
                stderr_file=stderr_file, **kwargs)
            client.kc = kc  # the warm client: nbclient skips creating and readying one
            return client.execute()

    papermill_engines.register(ENGINE, WarmEngine)
    _ENGINE_REGISTERED = True
