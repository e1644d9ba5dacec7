"""The explorer as a reviewer drives it: ``notebooks/00_explore.ipynb`` in JupyterLab, in headless
Chromium. The test starts ``jupyter lab`` on a free local port with a token, opens the notebook,
runs it, selects a variant in the dropdown, clicks a cell of the heatmap and reads the explanation.

Chromium is driven through its DevTools protocol (``--remote-debugging-port``; ``websocket``, the
client jupyter-server itself depends on), and JupyterLab's commands through ``window.jupyterapp``
(``--LabApp.expose_app_in_browser``). Every wait is generous and polls for what it waits for; no
duration is asserted. Skipped, with the install hint, when no Chromium is installed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, chromium

WAIT = 300.0
"""Seconds any one step may take before the test gives up (a busy machine runs a kernel slowly)."""



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(what: str, probe: Any, timeout: float = WAIT, every: float = 0.5) -> Any:
    """Call ``probe`` until it returns something true; fail naming ``what`` after ``timeout``."""
    end = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < end:
        last = probe()
        if last:
            return last
        time.sleep(every)
    pytest.fail(f"gave up waiting for {what} (last seen: {str(last)[:500]})")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process this test started (its own process group), SIGTERM then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=20)


class DevTools:
    """The few DevTools-protocol calls the test needs, over the page's websocket."""

    def __init__(self, url: str) -> None:
        import websocket

        self.ws = websocket.create_connection(url, timeout=WAIT, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg["result"]

    def js(self, expression: str) -> Any:
        """The value of ``expression`` in the page (awaited when it is a promise)."""
        got = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in got:
            raise AssertionError(f"the page threw: {got['exceptionDetails']}")
        return got["result"].get("value")

    def close(self) -> None:
        self.ws.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DevTools, str]]:
    """JupyterLab serving a copy of the explorer notebook, and a Chromium page on it."""
    exe = chromium("drive the explorer in JupyterLab")
    pytest.importorskip("websocket", reason="websocket-client (a jupyter-server dependency) is not installed")
    home = tmp_path_factory.mktemp("lab")
    (home / "work").mkdir()
    shutil.copy(ROOT / "notebooks" / "00_explore.ipynb", home / "work" / "00_explore.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'work'}", "--allow-root",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=", "--ServerApp.port_retries=0"],
        cwd=home / "work", env=env, stdout=(home / "lab.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    chrome = None
    tools = None
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited: {(home / 'lab.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for("jupyter lab to answer", up)
        profile = home / "profile"
        chrome = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             f"--user-data-dir={profile}", "--window-size=1920,1080", "--remote-debugging-port=0",
             "--remote-allow-origins=*", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=(home / "chromium.log").open("wb"), start_new_session=True)
        active = profile / "DevToolsActivePort"
        wait_for("Chromium's DevTools port", lambda: active.is_file() and active.read_text().strip())
        dport = active.read_text().split()[0]

        def page_url() -> str | None:
            with urllib.request.urlopen(f"http://127.0.0.1:{dport}/json/list", timeout=5) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            return pages[0]["webSocketDebuggerUrl"] if pages else None

        tools = DevTools(wait_for("a Chromium page", page_url))
        tools.call("Emulation.setFocusEmulationEnabled", enabled=True)  # a headless page has no focus of its own
        tools.call("Page.navigate", url=f"{base}/lab/tree/00_explore.ipynb?token={token}")
        yield tools, str(home)
    finally:
        if tools is not None:
            tools.close()
        if chrome is not None:
            stop(chrome)
        stop(server)


# The notebook's panel in JupyterLab's main area.
PANEL = ("Array.from(window.jupyterapp.shell.widgets('main'))"
         ".find(w => w.sessionContext && w.title.label === '00_explore.ipynb')")
# Finds the <select> of the ipywidgets dropdown whose description is NAME.
SELECT = """(name => {
  for (const box of document.querySelectorAll('.widget-dropdown')) {
    const label = box.querySelector('label');
    if (label && label.textContent.trim() === name) return box.querySelector('select');
  }
  return null;
})"""
# The explanation: the HTML widget holding the chosen cell's heading.
EXPLAINED = "(() => { const h = document.querySelector('.widget-html h4'); " \
            "return h ? h.closest('.widget-html').innerText : ''; })()"
STATUS = "(() => { const s = " + SELECT + "('variant'); if (!s) return ''; " \
         "const box = s.closest('.widget-vbox'); const h = box && box.querySelector('.widget-html'); " \
         "return h ? h.innerText : ''; })()"


def notebook_defaults() -> dict[str, str]:
    """The parameters cell of the explorer notebook, as values."""
    import ast

    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "00_explore.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {n.target.id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.value is not None}


def failing_variant() -> str:
    """The name (with id) of the first variant of the explorer's dropdown, other than the notebook's
    default, that has at least two failing cells in the notebook's view."""
    from pcidesign.model import registry
    from pcidesign.report import explorer

    p = notebook_defaults()
    for v in registry.variant_ids():
        if v == registry.get(p["variant"]).id:
            continue
        view = explorer.view(v, p["scenario"], p["timeline"], p["pairing"] or None, p["intents"])
        if len(view.failing) >= 2:
            return registry.label_of(v)
    pytest.fail("no variant but the default fails in the notebook's view")


def test_select_a_variant_click_a_cell_read_the_explanation(lab: tuple[DevTools, str]) -> None:
    tools, _home = lab
    wait_for("the notebook open with an idle kernel", lambda: tools.js(
        f"(() => {{ try {{ const p = {PANEL}; const k = p && p.sessionContext.session && p.sessionContext.session.kernel; "
        "return !!k && k.status === 'idle'; } catch (e) { return false; } })()"))  # false until JupyterLab loads
    tools.js(f"(() => {{ window.jupyterapp.shell.activateById({PANEL}.id); return true; }})()")
    wait_for("the notebook to be the current widget", lambda: tools.js(
        f"window.jupyterapp.shell.currentWidget === {PANEL}"))
    tools.js("window.jupyterapp.commands.execute('notebook:run-all-cells').then(() => true)")
    buttons = wait_for("the explorer's heatmap (a button per pair of releases)", lambda: tools.js(
        "document.querySelectorAll('.widget-gridbox button').length"))
    assert buttons >= 16
    wait_for("the first explanation", lambda: tools.js(EXPLAINED))

    # select a variant other than the notebook's default, by its name in the thread: the first in
    # the dropdown's order with failing cells in the notebook's view (scope naming)
    label = failing_variant()
    options = tools.js(SELECT + "('variant').options.length")
    texts = [tools.js(f"{SELECT}('variant').options[{i}].textContent").replace("\xa0", " ") for i in range(options)]
    assert label in texts, "the dropdown lists each variant by its name in the thread with the id beside it"
    tools.js(f"(() => {{ const s = {SELECT}('variant'); s.selectedIndex = {texts.index(label)}; "
             "s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()")
    wait_for(f"the heatmap to redraw for {label}", lambda: label in (tools.js(STATUS) or "").replace("\xa0", " "))
    wait_for(f"the explanation of a cell of {label}",
             lambda: label in tools.js(EXPLAINED).replace("\xa0", " "))

    # click the heatmap cell of the last failing cell listed (not the one selected after a redraw)
    failing = tools.js(SELECT + "('failing cell').options.length")
    assert failing >= 2, f"{label} has failing cells in this view"
    last = tools.js(f"{SELECT}('failing cell').options[{failing - 1}].textContent").replace("\xa0", " ")
    outcome, rest = last.split(": ", 1)
    _intent, a, _arrow, b = rest.split()
    clicked = tools.js(f"""(() => {{
      const b = Array.from(document.querySelectorAll('.widget-gridbox button'))
                     .find(x => x.title.startsWith({json.dumps(f"{a} -> {b}: ")}));
      if (!b) return null;
      b.click();
      return b.title;
    }})()""")
    assert clicked, f"no heatmap button for {a} -> {b}"
    text = wait_for(f"the explanation of {a} -> {b}",
                    lambda: (lambda t: t if f"{a} \u2192 {b}" in t else "")(tools.js(EXPLAINED).replace("\xa0", " ")))
    assert label in text and clicked.split(": ")[1] in text.splitlines()[0]
    assert len(text) > 200, "the cell is explained hop by hop, not only named"
    chosen = tools.js(f"(() => {{ const s = {SELECT}('failing cell'); "
                      "return s.selectedIndex < 0 ? '' : s.options[s.selectedIndex].textContent; })()")
    assert f"{a} -> {b}" in chosen.replace("\xa0", " "), "the dropdown follows the clicked cell"
    assert outcome  # the option named an outcome
