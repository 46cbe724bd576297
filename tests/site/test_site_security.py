# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""The built site in a real Chromium, fed what an attacker would write: no script runs, nothing active is
left in the page, and no request leaves the site (every non-file request is blocked and counted).

Two atlases: one whose hostile text is valid and must pass a strict `dsatlas build` (titles, summaries,
facts, source records: text that is shown, escaped), and one with what `dsatlas check` refuses (raw
HTML, javascript: links, Mermaid CSS imports, off-site images, click), built as a draft.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sitekit import ARCHITECTURE, STORAGE, browser, built, copy_atlas, dsatlas, edit, watched_page  # noqa: F401

EVIL = "evil.example"


def xss(n: int) -> str:
    return f"<img src=x onerror=alert({n})>"


def _valid_hostile(root: Path) -> None:
    """Hostile text in every field a page, a facts file and a source record show, all of it valid."""
    edit(root / ARCHITECTURE, "title: Acme — Architecture",
         'title: "Acme — Architecture </title><script>alert(1)</script> &lt;script&gt;alert(2)&lt;/script&gt;"')
    edit(root / ARCHITECTURE, "summary: A fixture architecture page that passes every gate, used by the dsatlas tests.",
         f'summary: "Fixture page {xss(3)} passes every gate\\" onfocus=\\"alert(4)\\" {{: onclick=\\"alert(40)\\" }}"')
    edit(root / ARCHITECTURE, "means: Peak edge requests per second", f'means: "Peak edge requests {xss(5)}"')
    company = root / "data/companies/acme.yaml"
    edit(company, "name: Acme", f'name: "Acme {xss(6)}"')
    edit(company, "summary: A fictional fixture company used by the dsatlas tests.",
         f'summary: "A fictional company {xss(7)} {{: onclick=\\"alert(8)\\" }}"')
    edit(company, "means: Peak edge requests per second", f'means: "Peak {xss(9)} per second"')
    incident = root / "data/incidents/acme-2024-03-05.yaml"
    edit(incident, "title: Acme checkout outage", f'title: "Acme checkout outage {xss(10)}"')
    edit(incident, "trigger: A configuration push removed the database connection limit.",
         f'trigger: "A configuration push {xss(11)}"')
    source = root / "data/sources/acme-blog-2023.yaml"
    edit(source, 'title: "How Acme serves its edge traffic"', f'title: "How Acme serves {xss(12)}"')
    edit(source, "publisher: Acme Engineering Blog", f'publisher: "Acme Blog {xss(13)}"')
    # a valid http URL that, pasted raw into a Markdown link, appends a working javascript: link
    edit(source, "url: https://engineering.example.com/acme-edge-2023",
         "url: https://engineering.example.com/x)[click](javascript:alert(14))")
    edit(root / STORAGE, "- symptom: Replica falls behind", f'- symptom: "Replica falls behind {xss(15)}"')
    edit(root / STORAGE, "- symptom: Primary disk fills", '- symptom: "Primary disk fills <script>alert(27)</script>"')


def _refused_prose_and_diagrams(root: Path) -> None:
    """What `dsatlas check` refuses (ATL103–ATL106): only a draft build publishes it."""
    page = root / STORAGE
    edit(page, "How Acme keeps its orders.",
         f"How Acme {xss(20)} keeps <img/src=x onerror=alert(21)> its orders. [Runbook](javascript:alert(22)) "
         f"[ref][r] ![graph](https://{EVIL}/g.png)\n\n[r]: jav&#x61;script:alert(23)\n\n"
         f'<div onmouseover="alert(24)">hover</div>\n\n<script>alert(25)</script>')
    edit(page, "# Acme — Storage", '# Acme — Storage {: onclick="alert(26)" }')
    edit(page, "flowchart LR\n", f'%%{{init: {{"themeCSS": "@import url(https://{EVIL}/a.css); .node rect '
         f'{{ fill: url(https://{EVIL}/f.svg#x) }}", "fontFamily": "x;}} @import url(https://{EVIL}/b.css);"}}}}%%\n'
         "flowchart LR\n")
    edit(page, 'api["Order API"]', f"api[\"<img src='https://{EVIL}/i.png'> Order API\"]")
    edit(page, "  class api serviceStyle", '  class api serviceStyle\n  click api "https://example.com"')


ACTIVE = """() => {
  const handlers = [];
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (attribute.name.startsWith('on')) handlers.push(element.localName + ' ' + attribute.name);
    }
  }
  const links = [...document.querySelectorAll('[href], [src]')]
    .map((element) => element.getAttribute('href') || element.getAttribute('src') || '')
    .filter((target) => /^\\s*(javascript|data|vbscript):/i.test(target.replace(/[\\s\\u0000-\\u001f]/g, '')));
  const scripts = [...document.scripts].filter((script) => /alert/.test(script.textContent)).length;
  return {handlers, links, scripts};
}"""


@contextmanager
def loopback(site: Path):
    """The built site over HTTP on 127.0.0.1 (search needs a web worker, which file:// pages cannot start)."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def visit_every_page(browser, site: Path) -> dict:
    """Open every page of the site with every non-loopback request blocked, search once for the payload,
    and report the script dialogs, the blocked requests and any active content left in a page."""
    context = browser.new_context()
    outside: list[str] = []
    dialogs: list[str] = []
    active: dict[str, dict] = {}
    page = watched_page(context, outside, dialogs)
    documents = sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                       if "assets" not in path.parts)
    assert len(documents) > 20
    with loopback(site) as base:
        for document in documents:
            page.goto(f"{base}/{document}")  # waits for "load": every image, style sheet and font requested
            found = page.evaluate(ACTIVE)
            if any(found.values()):
                active[document] = found
        page.goto(f"{base}/index.html")
        page.locator("input.md-search__input").press_sequentially("onerror")
        page.locator(".md-search-result__meta", has_text=re.compile(r"\d+ matching")).wait_for(timeout=20_000)
        page.locator(".md-search-result__item").first.wait_for(timeout=20_000)
        found = page.evaluate(ACTIVE)  # the results, drawn from the search index, are in the page now
        if any(found.values()):
            active["search results"] = found
        context.close()
    return {"dialogs": dialogs, "outside": outside, "active": active}


@pytest.fixture(scope="module")
def hostile_strict(tmp_path_factory, built):
    root = copy_atlas(tmp_path_factory.mktemp("hostile") / "atlas", render_cache_from=built[0])
    _valid_hostile(root)
    result = dsatlas(root, "build", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr  # hostile text is valid text
    return root


@pytest.fixture(scope="module")
def hostile_draft(tmp_path_factory, built):
    root = copy_atlas(tmp_path_factory.mktemp("refused") / "atlas", render_cache_from=built[0])
    _valid_hostile(root)
    _refused_prose_and_diagrams(root)
    check = dsatlas(root, "check")
    for code in ("ATL103", "ATL104", "ATL105", "ATL106"):
        assert code in check.stdout, check.stdout
    result = dsatlas(root, "build", "--draft", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def test_hostile_text_in_a_strict_build_runs_nothing_and_requests_nothing(browser, hostile_strict):
    seen = visit_every_page(browser, hostile_strict / "site")
    assert seen == {"dialogs": [], "outside": [], "active": {}}


@contextmanager
def static_page(browser, document: Path):
    """One built page opened from disk with JavaScript off: what the page itself says."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(document.as_uri())
        yield page
    finally:
        context.close()


def test_hostile_text_is_shown_as_text(browser, hostile_strict):
    with static_page(browser, hostile_strict / "site/systems/acme/architecture.html") as page:
        assert "onerror=alert(3)" in page.locator(".md-content").inner_text()  # the summary, escaped not dropped
        assert "alert(1)" in page.title()
        sources = page.locator("h2#sources-figures ~ ol a")
        assert "onerror=alert(12)" in sources.first.inner_text()
        assert sources.count() == 2  # one link per source: the URL did not add a second one


def test_refused_content_in_a_draft_build_runs_nothing_and_requests_nothing(browser, hostile_draft):
    seen = visit_every_page(browser, hostile_draft / "site")
    assert seen == {"dialogs": [], "outside": [], "active": {}}


def test_draft_page_with_refused_prose_keeps_its_text_and_diagram(browser, hostile_draft):
    with static_page(browser, hostile_draft / "site/systems/acme/storage.html") as page:
        content = page.locator(".md-content").inner_text()
        assert "keeps" in content and "Runbook" in content
        assert page.locator("figure.dsatlas-diagram svg").count() == 1
        svg = page.locator("figure.dsatlas-diagram").inner_html()
        assert EVIL not in svg and "@import" not in svg
