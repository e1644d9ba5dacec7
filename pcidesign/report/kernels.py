"""Warm Jupyter kernels for the report's workers: one per worker, reset between notebooks.

Starting a kernel and importing pandas and matplotlib into it costs more than most notebooks
take to run. By default each worker process keeps one kernel and reuses it for its next job,
after a reset (user namespace, figures, working directory, execution count, pcidesign's scheme
registry and transition cache); a kernel that ran a failing notebook is thrown away.
``fresh=True`` starts one kernel per notebook instead. Only public jupyter_client API is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

KERNEL = "python3"
"""The kernel every notebook runs with (papermill's ``kernel_name``)."""

_KERNEL: Any = None
_KERNEL_LOG = "kernels.log"
_RESET = """
get_ipython().run_line_magic("reset", "-f")
import os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
get_ipython().execution_count = 1
if "pcidesign" in _sys.modules:
    # the model as a fresh kernel has it: no remembered transitions, only the schemes that load
    _sys.modules["pcidesign.schemes.loader"].reset()
    _sys.modules["pcidesign.model.engine"].clear_cache()
del _os, _sys
"""


def _kernel_manager_class() -> Any:
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager

    class WarmClient(AsyncKernelClient):  # type: ignore[misc]
        """A client kept connected across jobs: each new connection waits a fixed 0.2 s for the
        kernel's output channel to settle, which adds up over a batch."""

        def start_channels(self, *args: Any, **kwargs: Any) -> None:
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
            if not self.__dict__.get("_ready"):
                await super().wait_for_ready(timeout=timeout)
                self.__dict__["_ready"] = True

    class ReusableKernel(AsyncKernelManager):  # type: ignore[misc]
        """A kernel manager that hands out one warm client (nbclient leaves it open)."""

        def client(self, **kwargs: Any) -> Any:
            kc = self.__dict__.get("_warm")
            if kc is None:
                self.client_factory = WarmClient
                kc = self.__dict__["_warm"] = super().client(**kwargs)
            return kc

        def close_client(self) -> None:
            kc = self.__dict__.pop("_warm", None)
            if kc is not None:
                try:
                    kc.stop_channels()
                except Exception:  # noqa: BLE001 - closing a client of a dead kernel
                    pass

    return ReusableKernel


def start_kernel(root: str) -> Any:
    """Start a kernel (its output to ``kernels.log`` under ``root``) and wait until it answers."""
    from jupyter_core.utils import run_sync

    km = _kernel_manager_class()(kernel_name=KERNEL)
    log = open(Path(root) / _KERNEL_LOG, "ab")  # noqa: SIM115 - the kernel process keeps it
    try:
        run_sync(km.start_kernel)(stdout=log, stderr=log, cwd=str(Path.cwd()))
    finally:
        log.close()
    try:
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=120)
    except BaseException:
        stop_kernel(km)
        raise
    km.__dict__["_used"] = False
    return km


def stop_kernel(km: Any) -> None:
    """Stop ``km``'s kernel now (a dead one is fine)."""
    from jupyter_core.utils import run_sync

    km.close_client()
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - it may be dead already
        pass


def reset_kernel(km: Any, timeout: float = 30.0) -> None:
    """Clear what the last notebook left in the kernel (on the shell channel only: no output)."""
    from jupyter_core.utils import run_sync

    async def reset() -> dict[str, Any]:
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=timeout)
        msg_id = kc.execute(_RESET.format(cwd=str(Path.cwd())), silent=True, store_history=False)
        while True:
            reply: dict[str, Any] = await kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    content = run_sync(reset)()["content"]
    if content.get("status") != "ok":
        raise RuntimeError(f"kernel reset failed: {content.get('ename')}: {content.get('evalue')}")


def acquire(root: str, fresh: bool) -> tuple[Any, bool]:
    """The kernel for the next job, and whether it was just started: this worker's warm one
    (reset), or a new one."""
    global _KERNEL
    km = _KERNEL
    if km is not None and (fresh or not alive(km)):
        stop_kernel(km)
        km = _KERNEL = None
    if km is not None and km.__dict__.get("_used"):
        try:
            reset_kernel(km)
        except Exception:  # noqa: BLE001 - a kernel that cannot be reset is replaced
            stop_kernel(km)
            km = None
    if km is None:
        km = start_kernel(root)
        if not fresh:
            _KERNEL = km
            import multiprocessing.util

            multiprocessing.util.Finalize(None, stop_kernel, args=(km,), exitpriority=10)
        return km, True
    return km, False


def alive(km: Any) -> bool:
    """Whether ``km``'s kernel process still runs."""
    from jupyter_core.utils import run_sync

    try:
        return bool(run_sync(km.is_alive)())
    except Exception:  # noqa: BLE001
        return False


def release(km: Any, ok: bool, fresh: bool) -> None:
    """Give ``km`` back after a job: kept warm for the next one, or stopped (a failed notebook,
    or ``fresh`` kernels)."""
    global _KERNEL
    km.__dict__["_used"] = True
    if fresh or not ok:
        stop_kernel(km)
        if _KERNEL is km:
            _KERNEL = None
