"""The report in a real browser: headless Chromium opens ``index.html`` (and a notebook page and a
findings page) at 1920 x 1080 and reports what it sees; the test checks that every image loaded,
every local link resolves, the findings fill the first screen, and no table is cut off.

Skipped, with the install hint, when no Chromium is installed (``.ci/run`` installs Debian's).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import synthetic_report
from conftest import chromium

from pcidesign.model.catalog import load
from pcidesign.report import runner as report

VIEWPORT = (1920, 1080)

# Loads each page given in the query string into a 1920x1080 iframe, waits for its images, and
# writes what it found as JSON into <pre id="result">.
HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>harness</title></head><body>
<iframe id="f" style="width: %(w)dpx; height: %(h)dpx; border: 0"></iframe><pre id="result"></pre>
<script>
const pages = new URLSearchParams(location.search).getAll("page");
const frame = document.getElementById("f");
const sleep = ms => new Promise(r => setTimeout(r, ms));
function load(src) { return new Promise(r => { frame.onload = r; frame.src = src; }); }
function overflowing(el, doc) {
  for (let a = el.parentElement; a && a !== doc.body; a = a.parentElement) {
    const s = doc.defaultView.getComputedStyle(a);
    if (["auto", "scroll"].includes(s.overflowX)) return false;
  }
  return el.getBoundingClientRect().right > doc.documentElement.clientWidth + 1;
}
async function inspect(page) {
  await load(page);
  const doc = frame.contentDocument;
  const imgs = Array.from(doc.images);
  for (let i = 0; i < 100 && !imgs.every(im => im.complete); i++) await sleep(100);
  const table = doc.getElementById("findings-table");
  return {
    page: page,
    url: doc.location.href,
    images: imgs.map(im => ({src: im.currentSrc || im.src, complete: im.complete, width: im.naturalWidth})),
    links: Array.from(doc.querySelectorAll("a[href]")).map(a => {
      const u = new URL(a.getAttribute("href"), doc.baseURI);
      const here = u.origin + u.pathname === doc.location.origin + doc.location.pathname;
      return {href: u.href, anchor: here && u.hash ? !!doc.getElementById(decodeURIComponent(u.hash.slice(1))) : null};
    }),
    findings: table ? {top: table.getBoundingClientRect().top, bottom: table.getBoundingClientRect().bottom,
                       rows: table.tBodies[0].rows.length} : null,
    cut_off: Array.from(doc.querySelectorAll("table")).filter(t => overflowing(t, doc))
                  .map(t => (t.id || t.className || t.outerHTML.slice(0, 80))),
    too_wide: Array.from(doc.querySelectorAll("table.grid, table.overview, table.findings")).filter(t => {
      const box = t.closest(".box") || doc.documentElement;
      return box.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right > doc.documentElement.clientWidth + 1;
    }).map(t => (t.closest("[id]") || t).id + " " + Math.round(t.getBoundingClientRect().width) + "px"),
    grids: doc.querySelectorAll("table.grid, table.overview").length,
    viewport: [doc.documentElement.clientWidth, frame.clientHeight],
  };
}
(async () => {
  const out = [];
  for (const p of pages) out.push(await inspect(p));
  document.getElementById("result").textContent = JSON.stringify(out);
  document.title = "done";
})();
</script></body></html>"""



class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A small report, served over HTTP from a local port: (root folder, base URL, run folder)."""
    exe = chromium("check the report in a browser")
    root = tmp_path_factory.mktemp("served")
    summary = report.run(root / "reports", ["real"], ["status-quo", "model-subelement"], ["restart"], progress=False)
    assert summary.failed == 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    (root / "harness.html").write_text(HARNESS % {"w": VIEWPORT[0], "h": VIEWPORT[1]})
    (root / "control.html").write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><a href="nowhere.html">x</a><a href="#nothing">y</a>'
        f'<table id="too-wide"><tr><td style="min-width: {3 * VIEWPORT[0]}px">wide</td></tr></table>'
        f'<div class="box" id="box" style="overflow-x: auto"><table class="grid"><tr><td style="min-width: '
        f'{3 * VIEWPORT[0]}px">wide</td></tr></table></div></body></html>')
    synthetic_report.write(root / "synthetic")
    yield exe, root, f"http://127.0.0.1:{server.server_address[1]}", root / "reports" / summary.folder
    server.shutdown()


def look(exe: str, base: str, pages: list[str], profile: Path) -> list[dict]:
    """What Chromium saw on each page (see HARNESS)."""
    query = "&".join(f"page={p}" for p in pages)
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
           f"--user-data-dir={profile}", f"--window-size={VIEWPORT[0] + 40},{VIEWPORT[1] + 200}",
           "--virtual-time-budget=60000", "--dump-dom", f"{base}/harness.html?{query}"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.S)
    assert found and found.group(1), f"the harness reported nothing; chromium said: {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def local_file(root: Path, base: str, url: str) -> Path | None:
    if not url.startswith(base + "/"):
        return None
    return root / unquote(urlsplit(url).path).lstrip("/")


def test_the_report_in_a_browser(served, tmp_path) -> None:
    exe, root, base, run = served
    rel = run.relative_to(root).as_posix()
    summary = json.loads((run / "summary.json").read_text())
    notebook_page = next(r["html_file"] for r in summary["runs"] if r["notebook"] == "03_compare")
    answer_page = next((run / "findings").rglob("model-subelement.html")).relative_to(root).as_posix()
    pages = [f"/{rel}/index.html", f"/{rel}/{notebook_page}", f"/{answer_page}"]
    seen = look(exe, base, pages + ["/control.html"], tmp_path / "profile")
    assert [s["page"] for s in seen] == pages + ["/control.html"]
    control = seen.pop()  # a page made to fail every check: the checks can see a failure
    assert [img["width"] for img in control["images"]] == [0]
    assert not local_file(root, base, control["links"][0]["href"]).is_file()
    assert control["links"][1]["anchor"] is False
    assert control["cut_off"] == ["too-wide"]
    assert [w.split()[0] for w in control["too_wide"]] == ["box"]

    index = seen[0]
    assert index["images"] or index["findings"], "the index shows something"
    for s in seen:
        for img in s["images"]:
            assert img["complete"] and img["width"] > 0, f"{s['page']}: image did not load: {img['src'][:100]}"
        for link in s["links"]:
            if link["anchor"] is not None:
                assert link["anchor"], f"{s['page']}: no element for {link['href']}"
                continue
            target = local_file(root, base, link["href"])
            if target is not None:
                assert target.is_file(), f"{s['page']}: broken link {link['href']}"
        assert not s["cut_off"], f"{s['page']}: tables cut off (neither fitting nor scrolling): {s['cut_off']}"

    local = [link for link in index["links"] if local_file(root, base, link["href"])]
    assert len(local) > 20, "the index links its pages"
    f = index["findings"]
    assert f is not None and f["rows"] >= 8
    assert f["bottom"] <= VIEWPORT[1], f"the findings table ends at {f['bottom']} px, below the first screen"


def test_the_default_report_fits_1920_px(served, tmp_path) -> None:
    """The front page and every grid page at the default report's size (every scheme, scenario and
    pair of releases): no grid or table wider than its box, so nothing needs a sideways scroll."""
    exe, root, base, _run = served
    timelines = list(load().timelines)
    pages = ["/synthetic/index.html", *(f"/synthetic/grids-{t}.html" for t in timelines)]
    seen = look(exe, base, pages, tmp_path / "profile")
    assert [s["page"] for s in seen] == pages
    for s in seen:
        assert s["grids"] > 0, f"{s['page']}: no grid found"
        assert not s["too_wide"], f"{s['page']}: wider than their box at {VIEWPORT[0]} px: {s['too_wide']}"
        assert not s["cut_off"], s["page"]
    index = seen[0]
    assert index["findings"]["bottom"] <= VIEWPORT[1], "the findings table fills the first screen"
    assert (root / "synthetic" / "index.html").stat().st_size < 1_500_000


def pdf_pages(exe: str, url: str, out: Path, profile: Path) -> int:
    """Print ``url`` to PDF with Chromium (its print CSS applies) and count the pages."""
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}",
           "--no-pdf-header-footer", f"--print-to-pdf={out}", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert out.is_file(), f"no PDF; chromium said: {done.stderr[-2000:]}"
    counts = re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", out.read_bytes(), re.S)
    assert counts, "no page tree in the PDF"
    return max(int(c) for c in counts)


def test_the_summary_prints_on_one_page(served, tmp_path) -> None:
    """summary.html of a run, and at the default report's full size, prints to one landscape page."""
    exe, root, base, run = served
    rel = run.relative_to(root).as_posix()
    page = (run / "summary.html").read_text()
    assert 'id="bottom-line"' in page and 'id="summary-findings"' in page and "Pareto front, timeline real" in page
    assert page.count('<ol class="picks">') <= 1
    for url in (f"{base}/{rel}/summary.html", f"{base}/synthetic/summary.html"):
        pdf = tmp_path / "summary.pdf"
        pdf.unlink(missing_ok=True)
        assert pdf_pages(exe, url, pdf, tmp_path / "profile") == 1, url
    # the check can fail: a page twice as long prints on two pages
    long = root / "synthetic" / "long.html"
    text = (root / "synthetic" / "summary.html").read_text()
    body = text[text.index('<div class="cols">'):text.rindex("</body>")]
    long.write_text(text.replace("</body>", body + "</body>"))
    pdf = tmp_path / "long.pdf"
    assert pdf_pages(exe, f"{base}/synthetic/long.html", pdf, tmp_path / "profile") > 1
