"""Render: Mermaid diagrams to SVG at build time, in Debian's Chromium, cached by content hash.

Readers must see diagrams offline and with JavaScript off, so nothing is drawn in their browser. One
headless Chromium serves the whole build; each core gets its own context with the pinned
`mermaid.min.js` loaded once, and pulls diagrams from a shared queue. Every request the page makes is
a local file or refused, so a render never touches the network. Results are cached in the store's
`render` table by (diagram text, Mermaid version, theme), so a warm build renders nothing and an edit
re-renders one diagram.
"""

from __future__ import annotations

import asyncio
import html
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..engine import _error_result, find_mermaid_js, mermaid_version
from ..store import cache_key
from .svg import compact_svg

# Bump when the Mermaid configuration or the SVG post-processing changes: old cache entries then miss.
RENDER_FORMAT = "3"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]
# The whole render stage of one build, browser start included. A cold render of the 900-page test atlas
# takes a few minutes on 2 cores; a build still rendering after 15 minutes has a hung browser, and saying
# so beats waiting for ever (a CI job would be killed without a word).
RENDER_DEADLINE_S = 900.0
# Verdana's metrics at render time (DejaVu Sans is its close cousin on Debian) match what most readers'
# browsers substitute, so labels drawn here still fit their boxes there.
FONT_FAMILY = 'Verdana, "DejaVu Sans", Geneva, sans-serif'
_HOST_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="{script}"></script></head><body></body></html>"""
# Config keys a diagram's `%%{init}%%` or front matter can never change here (Mermaid's `secure` list:
# its own defaults plus what can load CSS or change how labels become HTML). `dsatlas check` refuses
# these directives first (ATL105); this is the renderer's own guarantee.
SECURE_CONFIG_KEYS = ["secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering",
                      "maxEdges", "themeCSS", "fontFamily", "altFontFamily", "htmlLabels", "dompurifyConfig",
                      "arrowMarkerAbsolute"]
# The SVG is inlined into every page, so whatever in it could make a reader's browser fetch something
# is taken out in Chromium's own DOM and CSSOM before it leaves the render page: scripts and embeds,
# event handlers, links and sources that are not `#fragments`, and CSS (style sheets, style attributes,
# presentation attributes) that imports, loads fonts or points `url()` anywhere but `#fragments`.
_SCRUB = r"""
const FETCHES = /url\(|image-set\(|image\(|cross-fade\(|src\(|@import|@font-face|\\/i;
const LOCAL_URL = /url\(\s*(['"]?)#[^)'"]*\1\s*\)/gi;
const fetches = (value) => FETCHES.test(String(value).replace(LOCAL_URL, ''));
const DROP = new Set(['script', 'iframe', 'object', 'embed', 'link', 'meta', 'base', 'audio', 'video',
                      'source', 'track', 'frame', 'frameset', 'portal']);
const LINKS = new Set(['href', 'xlink:href', 'src', 'srcset', 'action', 'formaction', 'poster',
                       'background', 'data', 'ping', 'lowsrc']);
const cleanDeclarations = (style) => {
  for (const name of [...style]) {
    if (fetches(style.getPropertyValue(name))) style.removeProperty(name);
  }
};
const cleanRules = (holder) => {
  for (let index = holder.cssRules.length - 1; index >= 0; index--) {
    const rule = holder.cssRules[index];
    if (rule instanceof CSSImportRule || rule instanceof CSSFontFaceRule) { holder.deleteRule(index); continue; }
    if (rule.style) cleanDeclarations(rule.style);
    if (rule.cssRules) cleanRules(rule);
  }
};
const cleanCss = (css) => {
  if (!fetches(css)) return css;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);  // a constructed sheet drops @import rules by itself
  cleanRules(sheet);
  return [...sheet.cssRules].map((rule) => rule.cssText).join('\n');
};
window.__dsatlasScrub = (svg) => {
  const box = document.createElement('template');  // inert: nothing in it loads or runs
  box.innerHTML = svg;
  for (const element of [...box.content.querySelectorAll('*')]) {
    const tag = element.localName.toLowerCase();
    if (DROP.has(tag)) { element.remove(); continue; }
    if (tag === 'style') { element.textContent = cleanCss(element.textContent); continue; }
    for (const attribute of [...element.attributes]) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value;
      if (name.startsWith('on') || (LINKS.has(name) && !value.trim().startsWith('#'))) {
        element.removeAttribute(attribute.name);
      } else if (name === 'style' && fetches(value)) {
        cleanDeclarations(element.style);
      } else if (fetches(value)) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  return box.innerHTML;
};
"""
_INIT = """([theme, font, secure]) => {
  mermaid.initialize({startOnLoad: false, securityLevel: 'strict', theme: theme, secure: secure,
                      fontFamily: font, themeVariables: {fontFamily: font}});
  window.__dsatlasRender = async (id, text) => {
    try {
      const out = await mermaid.render(id, text);
      return {ok: true, svg: window.__dsatlasScrub(out.svg)};
    } catch (e) {
      document.body.replaceChildren();
      return {ok: false, message: String((e && e.message) || e)};
    }
  };
}"""


class RendererUnavailable(Exception):
    """Chromium or Mermaid is missing; the message says how to install it."""


class RenderDeadlineExceeded(Exception):
    """The whole render stage ran past its deadline (a hung browser, or far too much to draw)."""


@dataclass(frozen=True)
class RenderJob:
    key: str  # render_key(text, …): identical diagrams render once
    text: str
    path: str  # file shown in errors
    line: int  # file line of the opening ```mermaid fence


@dataclass(frozen=True)
class RenderFailure:
    key: str
    path: str
    line: int  # file line Mermaid complained about
    message: str

    def human(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def render_key(text: str, mermaid: str, theme: str) -> str:
    return cache_key("render", RENDER_FORMAT, mermaid, theme, text)


def find_chromium() -> Path:
    """Debian's Chromium ($DSATLAS_CHROMIUM overrides): the site never downloads a browser."""
    override = os.environ.get("DSATLAS_CHROMIUM")
    candidates = [Path(override)] if override else [CHROMIUM, Path(shutil.which("chromium") or CHROMIUM)]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise RendererUnavailable(
        "Chromium is not installed at /usr/bin/chromium: run `scripts/ensure-chromium.sh` (it installs "
        "Debian's `chromium` package with apt-get), or set DSATLAS_CHROMIUM to a Chromium binary"
    )


class DiagramRenderer:
    """One headless Chromium with one Mermaid-loaded page per worker; start it only when needed.

    Uses Playwright's async API on a private event loop, so the browser survives between calls
    (`dsatlas serve` keeps it warm) while callers stay synchronous.
    """

    def __init__(self, theme: str = "default", workers: int | None = None, timeout_s: float = 30.0,
                 mermaid_js: Path | None = None):
        self.theme = theme
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout_s = timeout_s
        self.mermaid_js = mermaid_js or find_mermaid_js()
        self.mermaid_version = mermaid_version(str(self.mermaid_js))
        self._host_dir: tempfile.TemporaryDirectory | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._playwright = None
        self._browser = None
        self._slots: list = []  # (context, page) per worker; None after a hang until work needs it
        self.blocked: list[str] = []  # URLs the render pages tried to fetch and were refused
        self._progress: Callable[[int, int], None] | None = None
        self._done = self._total = 0

    def key(self, text: str) -> str:
        return render_key(text, self.mermaid_version, self.theme)

    def render(self, jobs: list[RenderJob], progress: Callable[[int, int], None] | None = None,
               deadline_s: float | None = None) -> tuple[dict[str, str], list[RenderFailure]]:
        """Render each distinct diagram once; SVGs by key, and one failure per failed job.

        `deadline_s` bounds the whole call, browser start included: the per-diagram timeout cannot catch
        a browser that hangs while starting, opening a page or closing one.
        """
        unique: dict[str, RenderJob] = {}
        for job in jobs:
            unique.setdefault(job.key, job)
        if not unique:
            return {}, []
        self._progress, self._done, self._total = progress, 0, len(unique)
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        work = self._render_all(list(unique.values()))
        try:
            outcome = self._loop.run_until_complete(asyncio.wait_for(work, deadline_s) if deadline_s else work)
        except TimeoutError:
            self._abandon_browser()
            raise RenderDeadlineExceeded(
                f"the diagrams did not finish rendering within {deadline_s:g} s ({self._done} of {self._total} "
                "drawn): Chromium may be hung; build again, or allow more time with --render-deadline"
            ) from None
        svgs = {key: value for key, value in outcome.items() if isinstance(value, str)}
        failures = []
        for job in jobs:
            result = outcome.get(job.key)
            if not isinstance(result, str):
                failures.append(RenderFailure(job.key, job.path, job.line + result[0], result[1]))
        return svgs, failures

    def _abandon_browser(self) -> None:
        """After a deadline: close what still answers within a few seconds, then forget the browser."""
        try:
            self._loop.run_until_complete(asyncio.wait_for(self._shutdown(), 10))
        except Exception:  # noqa: BLE001 - a hung browser may fail to close in any way; it is dropped anyway
            pass
        self._slots, self._browser, self._playwright = [], None, None

    def close(self) -> None:
        if self._loop is None:
            return
        self._loop.run_until_complete(self._shutdown())
        self._loop.close()
        self._loop = None

    # ---- inside the event loop --------------------------------------------------------------------

    async def _render_all(self, jobs: list[RenderJob]) -> dict[str, str | tuple[int, str]]:
        await self._start(min(self.workers, len(jobs)))
        queue: asyncio.Queue[RenderJob] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        results: dict[str, str | tuple[int, str]] = {}
        await asyncio.gather(*(self._work(index, queue, results) for index in range(len(self._slots))))
        return results

    async def _work(self, index: int, queue: asyncio.Queue, results: dict) -> None:
        while not queue.empty():
            job = queue.get_nowait()
            results[job.key] = await self._render_one(index, job)
            self._done += 1
            if self._progress:
                self._progress(self._done, self._total)

    async def _render_one(self, index: int, job: RenderJob) -> str | tuple[int, str]:
        """The compact SVG, or (line inside the diagram, message) when Mermaid fails or hangs."""
        if self._slots[index] is None:
            self._slots[index] = await self._new_slot()
        page = self._slots[index][1]
        try:
            answer = await asyncio.wait_for(page.evaluate("([id, text]) => window.__dsatlasRender(id, text)",
                                                          ["d" + job.key[:16], job.text]), self.timeout_s)
        except TimeoutError:
            await self._drop_slot(index)  # the page may still be busy with it
            return 0, (f"Mermaid did not finish rendering within {self.timeout_s:g} s: simplify the "
                       "diagram or split the view")
        if answer["ok"]:
            return compact_svg(answer["svg"])
        parsed = _error_result(answer["message"])
        return parsed.line, f"Mermaid could not render this diagram: {parsed.message}"

    async def _start(self, wanted: int) -> None:
        if self._browser is None:
            from playwright.async_api import async_playwright

            chromium = find_chromium()
            self._playwright = await async_playwright().start()
            try:
                self._browser = await self._playwright.chromium.launch(
                    executable_path=str(chromium), args=CHROMIUM_FLAGS, headless=True)
            except Exception as err:  # noqa: BLE001 - Playwright raises its own Error types
                await self._playwright.stop()
                self._playwright = None
                raise RendererUnavailable(f"{chromium} did not start: {str(err).splitlines()[0]}") from None
        missing = wanted - len(self._slots)
        if missing > 0:
            self._slots.extend(await asyncio.gather(*(self._new_slot() for _ in range(missing))))

    async def _new_slot(self):
        context = await self._browser.new_context()
        await context.route("**/*", self._refuse_network)
        page = await context.new_page()
        await page.goto(self._host_page())
        await page.evaluate(_SCRUB)
        await page.evaluate(_INIT, [self.theme, FONT_FAMILY, SECURE_CONFIG_KEYS])
        return context, page

    async def _drop_slot(self, index: int) -> None:
        context = self._slots[index][0]
        self._slots[index] = None
        try:
            await context.close()
        except Exception:  # noqa: BLE001 - a hung page may refuse to close cleanly; it is gone anyway
            pass

    def _host_page(self) -> str:
        """A file:// page that loads the pinned mermaid.min.js from disk (no server, no network)."""
        if self._host_dir is None:
            self._host_dir = tempfile.TemporaryDirectory(prefix="dsatlas-render-")
            host = Path(self._host_dir.name) / "render.html"
            host.write_text(_HOST_PAGE.format(script=html.escape(self.mermaid_js.resolve().as_uri())))
        return (Path(self._host_dir.name) / "render.html").as_uri()

    async def _refuse_network(self, route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            await route.continue_()
        else:
            self.blocked.append(url)
            await route.abort()

    async def _shutdown(self) -> None:
        for slot in self._slots:
            try:
                if slot is not None:
                    await slot[0].close()
            except Exception:  # noqa: BLE001 - closing what may already be gone
                pass
        self._slots = []
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        if self._host_dir is not None:
            self._host_dir.cleanup()
            self._host_dir = None
