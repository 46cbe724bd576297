# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""The built atlas in a real browser (Playwright + Debian's Chromium), served by `dsatlas serve` on loopback.

Every request that does not go to 127.0.0.1 is blocked and recorded: the site must work offline.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from sitekit import STORAGE, Server, browser, built, copy_atlas, edit, server, watched_page  # noqa: F401

PAGE = "/systems/acme/architecture.html"
SEARCH_WAIT = 60_000  # ms: Material loads the index in a web worker; generous for a loaded machine


@pytest.fixture
def offline(browser):
    """New pages whose non-loopback requests are refused; the refused URLs are in `blocked`, the messages of
    script dialogs (alert, confirm, prompt: what injected script shows first) in `dialogs`."""
    contexts = []
    blocked: list[str] = []
    dialogs: list[str] = []

    def new_page(javascript: bool = True, width: int = 1280):
        context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
        contexts.append(context)
        return watched_page(context, blocked, dialogs)

    new_page.blocked = blocked
    new_page.dialogs = dialogs
    yield new_page
    for context in contexts:
        context.close()


def _viewbox(page) -> list[float]:
    return [float(value) for value in page.get_attribute("figure.dsatlas-diagram svg", "viewBox").split()]


def test_page_shows_its_diagram_svg_and_sources_table(server, offline):
    page = offline()
    page.goto(server.url + PAGE)
    svg = page.locator("figure.dsatlas-diagram svg")
    box = svg.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    assert svg.locator("text=Envoy 1.27").count() >= 1  # the diagram's own labels, drawn at build time
    table = page.locator("h2#sources-figures ~ div table").first
    assert table.locator("th").all_inner_texts()[:5] == ["Figure", "Meaning", "Source", "Date", "Confidence"]
    assert table.locator("text=Peak edge requests per second").is_visible()
    assert offline.blocked == []


def _search(page, query: str) -> None:
    """Type `query` into the search box of the open page (replacing what was there)."""
    box = page.locator("input.md-search__input")
    box.fill("")
    box.press_sequentially(query)


def test_search_finds_a_page_by_the_meaning_of_a_figure(server, offline):
    page = offline()
    page.goto(server.url + "/index.html")
    # "instance" is only in the meaning of the r6g.4xlarge figure, in the sources table; only the index has it
    _search(page, "instance")
    expect(page.locator(".md-search-result__meta")).to_have_text("1 matching document", timeout=SEARCH_WAIT)
    shown = [link.get_attribute("href") for link in page.locator(".md-search-result__item > a").all()]
    assert shown and all("systems/acme/architecture.html" in href for href in shown), shown
    assert any(href.endswith("#sources-figures") for href in shown), shown  # the section with the meanings
    assert offline.blocked == []


def test_search_does_not_match_raw_mermaid_source(server, offline):
    page = offline()
    page.goto(server.url + "/index.html")
    _search(page, "Envoy")  # a word in the architecture page's prose: the index is loaded and answers
    expect(page.locator('.md-search-result__item a[href*="systems/acme/architecture.html"]').first).to_be_attached(
        timeout=SEARCH_WAIT)
    _search(page, "classDef")  # in every diagram's source, in no page's text
    expect(page.locator(".md-search-result__meta")).to_have_text("No matching documents", timeout=SEARCH_WAIT)
    expect(page.locator(".md-search-result__item")).to_have_count(0)


def test_zoom_and_pan(server, offline):
    page = offline()
    page.goto(server.url + PAGE)
    whole = _viewbox(page)
    page.get_by_role("button", name="Zoom in").click()
    zoomed = _viewbox(page)
    assert zoomed[2] < whole[2] * 0.75 and zoomed[3] < whole[3] * 0.75
    svg = page.locator("figure.dsatlas-diagram svg")
    svg.scroll_into_view_if_needed()  # the mouse can only drag what is on the screen
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2 + 60, steps=5)
    page.mouse.up()
    panned = _viewbox(page)
    assert panned[0] < zoomed[0] and panned[1] < zoomed[1] and panned[2] == zoomed[2]
    page.get_by_role("button", name="Show the whole diagram").click()
    assert _viewbox(page) == whole


def test_with_javascript_off_the_diagram_is_still_there(server, offline):
    page = offline(javascript=False)
    page.goto(server.url + PAGE)
    box = page.locator("figure.dsatlas-diagram svg").bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    assert page.get_by_role("button", name="Zoom in").count() == 0  # no dead controls without JS


def test_browsing_and_searching_never_leave_loopback(server, offline):
    page = offline(width=390)  # a phone
    for path in ("/index.html", "/systems/index.html", PAGE, "/symptoms/saturation.html",
                 "/signals/fx-envoy-5xx-rate-1.html", "/tags.html"):
        # goto waits for "load" (every script, style sheet, font and image); the live-reload script's long
        # poll, the last script to run, shows the page's scripts have run and made their requests
        with page.expect_request(lambda request: "/.dsatlas/build" in request.url):
            page.goto(server.url + path)
    _search(page, "Envoy")
    expect(page.locator(".md-search-result__item").first).to_be_attached(timeout=SEARCH_WAIT)
    assert offline.blocked == [] and offline.dialogs == []


def test_an_edit_shows_up_in_the_open_page(tmp_path, built, offline):
    root = copy_atlas(tmp_path / "atlas", render_cache_from=built[0])
    served = Server(root)
    try:
        page = offline()
        with page.expect_request(lambda request: "/.dsatlas/build" in request.url):
            page.goto(served.url + "/systems/acme/storage.html")  # the live-reload script is long-polling
        edit(root / STORAGE, "How Acme keeps its orders.", "How Acme keeps its orders, replicated.")
        page.locator("text=How Acme keeps its orders, replicated.").wait_for(timeout=60_000)  # no reload by hand
        served.wait_for(r"rebuilt \(incremental\) 1 page", 60)
        assert offline.blocked == []
    finally:
        served.stop()


def test_the_diagram_width_the_build_measures_is_the_width_the_page_gives(server, offline):
    from dsatlas.site.svg import DIAGRAM_WIDTH_PX

    page = offline(width=1400)
    page.goto(server.url + PAGE)
    available = page.evaluate("""() => {
        const figure = document.querySelector('figure.dsatlas-diagram');
        const style = getComputedStyle(figure);
        return figure.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight); }""")
    assert abs(available - DIAGRAM_WIDTH_PX) <= 2, available


def _row_exists(page, url: str) -> bool:
    """Open `url` (…html#fm-N) and say whether the page has a 3 AM row with that id."""
    anchor = url.rsplit("#", 1)[1]
    page.goto(url)
    return page.locator(f'table.dsatlas-3am tr[id="{anchor}"]').count() == 1


def test_home_i_see_entries_lead_to_real_3am_rows(server, offline):
    from dsatlas.model import SignalClass

    page = offline(width=1400)
    page.goto(server.url + "/index.html")
    page.locator("label.dsatlas-search").click()  # search first: the big box opens the theme's search
    expect(page.locator("input.md-search__input")).to_be_focused()
    page.keyboard.press("Escape")
    entries = page.locator(".dsatlas-isee li a")
    assert entries.count() == len(SignalClass.__args__)
    page.get_by_role("link", name="Saturation", exact=True).first.click()  # the fixture's signals' class
    page.wait_for_url("**/symptoms/saturation.html")
    links = [link.get_attribute("href") for link in page.locator('a[href*=".html#fm-"]').all()]
    assert links, "the saturation page links no 3 AM row"
    page.locator('a[href*=".html#fm-"]').first.click()  # click through, as a reader does
    page.wait_for_url("**/*.html#fm-*")
    anchor = page.url.rsplit("#", 1)[1]
    expect(page.locator(f'table.dsatlas-3am tr[id="{anchor}"]')).to_have_count(1)
    base = server.url + "/symptoms/"
    missing = [href for href in links if not _row_exists(page, base + href)]
    assert missing == []
    assert offline.blocked == []


def test_symptom_and_signal_pages_link_only_to_rows_that_exist(server, offline):
    page = offline()
    page.goto(server.url + "/symptoms/index.html")
    classes = [server.url + "/symptoms/" + link.get_attribute("href")
               for link in page.locator(".md-content .grid.cards a").all()]
    page.goto(server.url + "/signals/index.html")
    signals = [server.url + "/signals/" + link.get_attribute("href") for link in page.locator(".md-content td a").all()]
    assert len(classes) == 12 and signals
    targets = set()
    for url in classes + signals:
        page.goto(url)
        folder = url.rsplit("/", 1)[0] + "/"
        targets.update(folder + link.get_attribute("href") for link in page.locator('a[href*=".html#fm-"]').all())
    assert targets
    missing = [url for url in sorted(targets) if not _row_exists(page, url)]
    assert missing == []
    assert offline.blocked == []


MEASURED_LABEL_PX = """figure => {
    const svg = figure.querySelector('svg');
    return svg.getBoundingClientRect().width / svg.viewBox.baseVal.width; }"""


def _label_px(page) -> float:
    """The diagram's label size as drawn: its font size times the scale the browser shows the SVG at."""
    from dsatlas.site.svg import label_font_px

    figure = page.locator("figure.dsatlas-diagram")
    return label_font_px(figure.locator("svg").evaluate("svg => svg.outerHTML")) * figure.evaluate(MEASURED_LABEL_PX)


def test_diagram_label_size_at_1400_px_and_on_a_390_px_phone(server, offline, record_property):
    laptop = offline(width=1400)
    laptop.goto(server.url + PAGE)
    expect(laptop.get_by_role("button", name="Zoom in")).to_be_visible()
    expect(laptop.get_by_role("button", name="Full screen, fit to width")).to_be_hidden()  # a phone's button
    at_1400 = _label_px(laptop)
    assert at_1400 >= 11, at_1400

    phone = offline(width=390)
    phone.goto(server.url + PAGE)
    figure = phone.locator("figure.dsatlas-diagram")
    fit = phone.get_by_role("button", name="Full screen, fit to width")
    expect(fit).to_be_visible()
    first = figure.locator("button:visible").first  # offered first, before the zoom buttons
    assert first.get_attribute("aria-label") == "Full screen, fit to width"
    phone.get_by_role("button", name="Zoom in").click()
    zoomed = _viewbox(phone)
    fit.click()
    expect(figure).to_have_class(re.compile(r"\bdsatlas-fullview\b"))
    assert _viewbox(phone) == zoomed  # the figure keeps its zoom in full screen
    phone.get_by_role("button", name="Show the whole diagram").click()
    box = figure.locator("svg").bounding_box()
    assert abs(box["width"] - phone.viewport_size["width"]) <= 12, box  # fit to the screen's width
    at_390 = _label_px(phone)
    record_property("label_px", {"1400": round(at_1400, 2), "390 full screen": round(at_390, 2)})
    print(f"label px: {at_1400:.2f} at 1400 px, {at_390:.2f} at 390 px in full screen")
    phone.keyboard.press("Escape")
    expect(figure).not_to_have_class(re.compile(r"\bdsatlas-fullview\b"))


def test_a_page_links_its_own_json_and_the_site_serves_atlas_json_with_its_schema(server, offline):
    import jsonschema

    page = offline()
    page.goto(server.url + PAGE)
    with page.expect_navigation():
        page.get_by_role("link", name="this page as JSON").click()
    assert urlparse(page.url).path == "/systems/acme/architecture.json"
    own = json.loads(page.locator("body").inner_text())
    assert [item["id"] for item in own["pages"]] == ["systems/acme/architecture"]
    assert own["pages"][0]["url"] == PAGE
    fetched = page.evaluate("""async () => Promise.all(['/atlas.json', '/atlas.schema.json'].map(
        async (path) => { const response = await fetch(path); return [response.status, await response.json()]; }))""")
    (atlas_status, atlas), (schema_status, schema) = fetched
    assert atlas_status == schema_status == 200
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(atlas)
    validator.validate(own)
    assert own["pages"][0] in atlas["pages"]
    assert offline.blocked == []
