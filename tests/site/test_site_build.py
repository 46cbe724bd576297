# ruff: noqa: F811 - the fixtures come from sitekit (see its docstring), so pytest arguments shadow them
"""`dsatlas build` end to end on the fixture atlas: what a reader gets, and what a strict build refuses."""

from __future__ import annotations

import html as html_lib
import json
import re
import typing
from pathlib import Path

import yaml
from sitekit import ARCHITECTURE, STORAGE, built, copy_atlas, dsatlas, edit, fresh_atlas, replaced  # noqa: F401

from dsatlas.site.build import BuildFailed, _verify_navigation
from dsatlas.site.config import nav_docs

EXTERNAL_RESOURCE = re.compile(r"<(?:script|img|iframe)[^>]+src=\"(?:https?:)?//|<link[^>]+href=\"(?:https?:)?//|"
                               r"@import\s+url\(\s*['\"]?(?:https?:)?//|fonts\.googleapis|fonts\.gstatic")


def _html(root: Path, doc: str) -> str:
    return (root / "site" / doc).read_text()


def test_build_writes_every_page_with_its_diagram_as_inline_svg(built):
    root, result = built
    pages = sorted(path.relative_to(root / "content").with_suffix("") for path in (root / "content").rglob("*.md"))
    assert f"built {len(pages)} pages" in result.stdout
    for page in pages:
        html = _html(root, f"{page.as_posix()}.html")
        figure = re.search(r'<figure class="dsatlas-diagram"[^>]*>(.*?)</figure>', html, re.S)
        assert figure, f"{page}: no diagram figure"
        assert figure.group(1).startswith("<svg") and "</svg>" in figure.group(1)
        assert "```mermaid" not in html and 'class="mermaid"' not in html


def test_inline_svg_block_has_no_blank_line_in_the_generated_markdown(built):
    root, _ = built
    text = (root / "build" / "site-src" / "docs" / "systems" / "acme" / "architecture.md").read_text()
    block = text[text.index("<figure"): text.index("</figure>")]
    assert "\n\n" not in block and "\n" not in block.strip()


def test_page_has_sources_table_as_of_breadcrumbs_and_related(built):
    root, _ = built
    html = _html(root, "systems/acme/architecture.html")
    table = html[html.index('id="sources-figures"'):]
    assert "<th>Figure</th>" in table and "<th>Meaning</th>" in table and "<th>Confidence</th>" in table
    assert "Hosting cost reported in the annual filing" in table
    assert 'href="https://investors.example.com/acme-10k-2024"' in table
    assert "<strong>As of</strong> 2024-12" in html
    crumbs = re.search(r'<p class="dsatlas-breadcrumbs">(.*?)</p>', html, re.S).group(1)
    assert [name for name in re.findall(r">([^<>]+)</a>", crumbs)] == ["Distributed Systems Atlas", "Systems", "Acme"]
    related = html[html.index('id="related-pages"'):]
    assert 'href="storage.html"' in related  # declared in `related`


def test_navigation_is_generated_from_content_and_lists_every_page(built):
    root, _ = built
    config = yaml.safe_load((root / "build" / "site-src" / "mkdocs.yml").read_text())
    listed = set(nav_docs(config["nav"]))
    for path in (root / "content").rglob("*.md"):
        assert path.relative_to(root / "content").as_posix() in listed, f"{path} not in nav"
    generated = {path.relative_to(root / "build" / "site-src" / "docs").as_posix()
                 for path in (root / "build" / "site-src" / "docs").rglob("*.md")}
    assert generated == listed
    assert "navigation.prune" in config["theme"]["features"] and config["theme"]["font"] is False
    assert config["plugins"] == ["search"] and "hooks" not in config


def test_index_pages_have_a_card_per_page_and_the_symptom_index_links_the_3am_tables(built):
    root, _ = built
    company = _html(root, "systems/acme/index.html")
    assert 'class="grid cards"' in company
    for path in (root / "content" / "systems" / "acme").glob("*.md"):
        assert f'href="{path.stem}.html"' in company
    assert "Peak edge requests per second" in company  # key figures from data/companies/acme.yaml
    symptoms = _html(root, "symptoms/saturation.html")  # the fixture's signals are all of class saturation
    row = re.search(r"<td>Edge returns 503s</td>\s*<td><a href=\"([^\"]+)\"", symptoms)
    assert row and row.group(1) == "../systems/acme/architecture.html#fm-1"  # the page's first failure mode
    page = _html(root, "systems/acme/architecture.html")
    assert '<tr id="fm-1"><td>Edge returns 503s</td>' in page  # the row the index links to
    assert "suggested</span>" in page  # the fixture's thresholds are suggested, and say so
    assert 'id="tag-fixture"' in _html(root, "tags.html")


def _fixture_failure_modes(root: Path) -> list[tuple[str, str]]:
    """(page id, signal id) of every failure mode in the fixture atlas, read from the front matter."""
    found = []
    for path in sorted((root / "content").rglob("*.md")):
        meta = yaml.safe_load(path.read_text().split("---\n")[1])
        page_id = path.relative_to(root / "content").with_suffix("").as_posix()
        found += [(page_id, mode["signal"]) for mode in meta.get("failure_modes", [])]
    return found


def test_home_page_is_for_the_night_shift(built):
    from dsatlas.model import SignalClass

    root, _ = built
    home = _html(root, "index.html")
    assert home.index('for="__search"') < home.index('id="i-see"')  # search first, then "I see…"
    modes = _fixture_failure_modes(root)
    isee = home[home.index('id="i-see"'):home.index('id="latest-incidents"')]
    entries = re.findall(r'<a href="symptoms/([a-z-]+)\.html">[^<]+</a></strong></p>\s*<p>(\d+) failure mode', isee)
    assert [name for name, _ in entries] == list(typing.get_args(SignalClass))
    assert dict(entries)["saturation"] == str(len(modes)) and dict(entries)["latency"] == "0"
    # the fixture incident: 2024-03-05, 45 minutes, its trigger, linked to its folder
    assert re.search(r"<td>2024-03-05</td>\s*<td>\d+ (?:h \d\d )?min</td>\s*<td><a href=\"incidents/acme-2024-03-05/"
                     r"index.html\">", home)
    assert "<strong>1.2M req/s</strong> Peak edge requests per second" in home  # Acme's first key figure
    pages = len(list((root / "content").rglob("*.md")))
    signals = len(list((root / "data" / "signals").glob("*.yaml")))
    sourced = sum("provenance: sourced" in path.read_text() for path in (root / "data" / "signals").glob("*.yaml"))
    assert f"{pages} pages · " in home and f" · {signals} signals · " in home
    assert f"{round(100 * sourced / signals)}% of thresholds sourced ({sourced} of {signals};" in home


def test_each_signal_has_a_page_with_its_definition_threshold_and_uses(built):
    root, _ = built
    modes = _fixture_failure_modes(root)
    for path in (root / "data" / "signals").glob("*.yaml"):
        record = yaml.safe_load(path.read_text())
        page = _html(root, f"signals/{record['id']}.html")
        assert html_lib.escape(record["measures"], quote=False) in page
        assert 'href="../symptoms/saturation.html"' in page
        assert html_lib.escape(record["threshold"]["condition"], quote=False) in page
        uses = [page_id for page_id, signal in modes if signal == record["id"]]
        assert len(re.findall(r'<a href="\.\./[^"]+\.html#fm-\d+"', page)) == len(uses), record["id"]
    envoy = _html(root, "signals/fx-envoy-5xx-rate-1.html")
    assert 'href="../systems/acme/architecture.html#fm-1">Edge returns 503s</a>' in envoy
    sourced = _html(root, "signals/fx-5xx-rate-above-2.html")
    assert "sourced</span>" in sourced and "section 'Alerts', first table row" in sourced


def test_no_cdn_font_host_or_external_script_anywhere_in_the_output(built):
    root, _ = built
    for path in (root / "site").rglob("*"):
        if path.suffix in (".html", ".css", ".js"):
            match = EXTERNAL_RESOURCE.search(path.read_text(errors="replace"))
            assert match is None, f"{path}: {match.group(0)}"


def test_search_index_has_meanings_symptoms_and_tags_but_no_mermaid_source(built):
    root, _ = built
    index = json.loads(_html(root, "search/search_index.json"))
    page = [entry for entry in index["docs"] if entry["location"].startswith("systems/acme/architecture.html")]
    text = " ".join(entry["text"] for entry in page)
    assert "Hosting cost reported in the annual filing" in text
    assert "Edge returns 503s" in text
    assert any("fixture" in entry.get("tags", []) for entry in page)
    everything = json.dumps(index)
    for source_only in ("classDef", "accTitle", "flowchart TB", "edgeStyle"):
        assert source_only not in everything


def test_built_pages_stay_under_150_kb(built):
    root, _ = built
    for path in (root / "content").rglob("*.md"):
        html = root / "site" / path.relative_to(root / "content").with_suffix(".html")
        assert html.stat().st_size <= 150 * 1024, f"{html}: {html.stat().st_size} bytes"


def test_second_build_renders_nothing(fresh_atlas):
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 0, result.stderr
    assert " 0 diagram(s) rendered" in result.stdout


# ---- strict by construction -----------------------------------------------------------------------


def test_unknown_related_id_fails_with_file_and_line(fresh_atlas):
    edit(fresh_atlas / STORAGE, "related: [systems/acme/architecture]", "related: [systems/acme/archtecture]")
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1
    assert re.search(rf"{STORAGE}:\d+:\d+: ATL922 related 'systems/acme/archtecture'", result.stderr)
    assert "build failed" in result.stderr and not (fresh_atlas / "site").exists()


def test_broken_internal_link_fails(fresh_atlas):
    edit(fresh_atlas / STORAGE, "[the architecture](architecture.md)", "[the architecture](architecure.md)")
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1
    assert re.search(rf"{STORAGE}:\d+:\d+: ATL921", result.stderr)


def test_page_failing_a_gate_fails_the_build_and_draft_shows_the_problem_on_the_page(fresh_atlas):
    edit(fresh_atlas / ARCHITECTURE, "signal: fx-envoy-5xx-rate-1", "signal: fx-no-such-signal")
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1 and f"{ARCHITECTURE}:" in result.stderr and "ATL703" in result.stderr
    draft = dsatlas(fresh_atlas, "build", "--draft")
    assert draft.returncode == 0, draft.stderr
    html = (fresh_atlas / "site" / "systems" / "acme" / "architecture.html").read_text()
    assert "Draft: this page does not pass" in html and "ATL703" in html


def test_diagram_that_does_not_render_in_time_fails_with_file_line(tmp_path):


    root = copy_atlas(tmp_path / "atlas")
    for path in (root / "content").rglob("*.md"):
        if not path.match("systems/acme/storage.md"):
            path.unlink()
    edit(root / STORAGE, "related: [systems/acme/architecture]\n", "")
    edit(root / STORAGE, " See also [the architecture](architecture.md).", "")
    result = dsatlas(root, "build", "--timeout", "0.001")
    assert result.returncode == 1, result.stdout + result.stderr
    fence_line = (root / STORAGE).read_text().split("\n").index("```mermaid") + 1
    assert f"{STORAGE}:{fence_line}:1: ATL982 Mermaid did not finish rendering within 0.001 s" in result.stderr


def test_content_may_not_take_a_generated_path(fresh_atlas):
    (fresh_atlas / "content" / "systems" / "acme" / "index.md").write_text(
        replaced((fresh_atlas / STORAGE).read_text(), "kind: storage", "kind: request-flow"))
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1 and "ATL981" in result.stderr


def test_content_may_not_take_the_signals_folder(fresh_atlas):
    (fresh_atlas / "content" / "signals").mkdir()
    (fresh_atlas / "content" / "signals" / "latency.md").write_text((fresh_atlas / STORAGE).read_text())
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1 and "content/signals/latency.md:1:1: ATL981" in result.stderr, result.stderr


def test_a_page_missing_from_the_navigation_is_refused():
    documents = {"index.md": "", "systems/index.md": "", "systems/a.md": ""}
    try:
        _verify_navigation([{"Home": "index.md"}, {"Systems": ["systems/index.md"]}], documents)
    except BuildFailed as err:
        assert err.lines == ["systems/a.md: not in the navigation"]
    else:
        raise AssertionError("a page missing from the navigation was accepted")


def test_missing_chromium_is_a_clear_usage_error(tmp_path):


    root = copy_atlas(tmp_path / "atlas")
    result = dsatlas(root, "build", env={"DSATLAS_CHROMIUM": str(tmp_path / "no-chromium")})
    assert result.returncode == 2
    assert "Chromium is not installed" in result.stderr and "Traceback" not in result.stderr


def test_an_unreadably_wide_diagram_fails_the_strict_build_with_its_label_size(fresh_atlas):
    chain = " --> ".join(f'n{i}["step {chr(97 + i)} of the long chain"]' for i in range(24))
    edit(fresh_atlas / STORAGE, "  api --> primary --> replica", f"  api --> primary --> replica\n  {chain}")
    result = dsatlas(fresh_atlas, "build")
    assert result.returncode == 1
    found = re.search(rf"{STORAGE}:\d+:1: ATL983 labels render at (\d+\.\d) px", result.stderr)
    assert found and float(found.group(1)) < 11, result.stderr
    draft = dsatlas(fresh_atlas, "build", "--draft")
    assert draft.returncode == 0 and "ATL983" in draft.stderr


def test_the_build_reports_its_smallest_labels(built):
    _, result = built
    found = re.search(r"smallest diagram labels: (\d+\.\d) px on (\S+) ", result.stdout)
    assert found and float(found.group(1)) >= 11, result.stdout
