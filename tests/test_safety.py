"""Untrusted input, as an attacker writes it: each construct that would reach a reader as active content
or an off-site request is a finding at its file line (`dsatlas check`), and `dsatlas.safe` keeps what
it is given from ending the Markdown or HTML it is pasted into. The browser side is tests/site/test_site_security.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import check_codes, edit

from dsatlas import safe

STORAGE = Path("content/systems/acme/storage.md")
PROSE = "How Acme keeps its orders."
DIAGRAM_FIRST = "flowchart LR\n"


def findings_for(atlas: Path, page: Path = STORAGE) -> list[tuple[str, int]]:
    return [(code, line) for path, code, line in check_codes(atlas) if path == str(page)]


def line_of(atlas: Path, marker: str, page: Path = STORAGE) -> int:
    """The file line where `marker` first appears: where the finding must point."""
    text = (atlas / page).read_text()
    return text[: text.index(marker)].count("\n") + 1


CASES = [
    # (name, old, new, code, marker: the text on the line the finding points at)
    ("inline_img_onerror", PROSE, "How Acme <img src=x onerror=alert(1)> keeps its orders.", "ATL103", "<img"),
    # not a tag to CommonMark, but Python-Markdown (the site's engine) passes it through as HTML
    ("slash_separated_tag", PROSE, "How Acme <img/src=x onerror=alert(1)> keeps orders.", "ATL103", "<img"),
    ("script", PROSE, "How Acme <script>alert(1)</script> keeps orders.", "ATL103", "<script>"),
    ("html_block", PROSE, PROSE + '\n\n<div markdown="1">\n**x**\n</div>', "ATL103", "<div"),
    ("html_comment", PROSE, PROSE + "\n\n<!-- --><script>alert(1)</script>", "ATL103", "<!--"),
    # markdown-it sees a fenced block here, Python-Markdown (the site's engine) sees prose with raw HTML
    ("fence_in_a_quote", PROSE, PROSE + "\n\n> ~~~\n> <img src=x onerror=alert(1)>\n> ~~~", "ATL103", "> <img"),
    ("html_inside_pre_code", PROSE, PROSE + "\n\n<pre><code><img src=x onerror=alert(1)></code></pre>", "ATL103",
     "<pre>"),
    ("attribute_list_handler", "# Acme — Storage", '# Acme — Storage {: onclick="alert(1)" }', "ATL103",
     "{: onclick"),
    ("javascript_link", "[the architecture](architecture.md)", "[the architecture](javascript:alert(1))",
     "ATL104", "javascript:"),
    ("entity_hidden_scheme", "[the architecture](architecture.md)", "[the architecture](jav&#x61;script:alert(1))",
     "ATL104", "jav&#x61;"),
    ("reference_style_link", "[the architecture](architecture.md).",
     "[the architecture][arch].\n\n[arch]: javascript:alert(1)", "ATL104", "[arch]: "),
    ("data_link", PROSE, PROSE + " See [runbook](data:text/html,x).", "ATL104", "data:"),
    ("offsite_image", PROSE, "How Acme keeps ![graph](https://evil.example/g.png) orders.", "ATL104", "![graph]"),
    # Python-Markdown is quadratic in '[' and '<': past a bound the page is refused unread, quickly
    ("too_many_brackets", PROSE, PROSE + " " + "x [" * 1_001, "ATL104", "x ["),
    ("attribute_list_href", "[the architecture](architecture.md)",
     '[the architecture](architecture.md){: href="javascript:alert(1)" }', "ATL104", "{: href"),
]


@pytest.mark.parametrize(("old", "new", "code", "marker"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_prose_is_a_finding_at_its_line(atlas, old, new, code, marker):
    edit(atlas / STORAGE, old, new)
    assert (code, line_of(atlas, marker)) in findings_for(atlas)


def test_markdown_that_only_looks_dangerous_passes(atlas):
    edit(atlas / STORAGE, PROSE,
         "How Acme keeps `<script>` out, writes p99 &lt; 200 ms, and links [docs](https://example.com/a_(b)) "
         "and [top](#acme-storage) {: .note }")
    assert findings_for(atlas) == []


DIAGRAM = [
    # (name, text put before the flowchart line, code, marker)
    ("theme_css_import", '%%{init: {"themeCSS": "@import url(https://evil.example/x.css);"}}%%\n', "ATL105", "%%{"),
    ("security_level", "%%{init: {'securityLevel': 'loose'}}%%\n", "ATL105", "%%{"),
    ("font_family_css", '%%{init: {"themeVariables": {"fontFamily": "x;} .node {display: none"}}}%%\n', "ATL105",
     "%%{"),
    ("front_matter_config", "---\nconfig:\n  theme: dark\n  themeCSS: '.a {}'\n---\n", "ATL105", "themeCSS"),
    ("unreadable_directive", "%%{init: {theme: dark}}%%\n", "ATL105", "%%{"),
    ("offsite_label_image", "", "ATL105", "<img"),
]


@pytest.mark.parametrize(("prefix", "code", "marker"), [d[1:] for d in DIAGRAM], ids=[d[0] for d in DIAGRAM])
def test_refused_diagram_configuration_is_a_finding(atlas, prefix, code, marker):
    page = atlas / STORAGE
    if prefix:
        edit(page, DIAGRAM_FIRST, prefix + DIAGRAM_FIRST)
    else:
        edit(page, 'api["Order API"]', "api[\"<img src='https://evil.example/i.png'> Order API\"]")
    assert (code, line_of(atlas, marker)) in findings_for(atlas)


def test_harmless_diagram_configuration_passes(atlas):
    edit(atlas / STORAGE, DIAGRAM_FIRST, '%%{init: {"theme": "neutral", "flowchart": {"curve": "basis"}, '
         '"themeVariables": {"primaryColor": "#FFAA00"}}}%%\n' + DIAGRAM_FIRST)
    assert findings_for(atlas) == []


def test_click_is_refused_with_a_clear_message_not_url_is_not_defined(atlas):
    edit(atlas / STORAGE, "  class api serviceStyle", '  class api serviceStyle\n  click api "https://example.com"')
    found = [(path, code, line) for path, code, line in check_codes(atlas) if path == str(STORAGE)]
    assert found == [(str(STORAGE), "ATL106", line_of(atlas, "click api"))]


def test_source_record_with_a_javascript_url_is_a_data_finding(atlas):
    record = atlas / "data/sources/acme-blog-2023.yaml"
    edit(record, "url: https://engineering.example.com/acme-edge-2023", "url: javascript:alert(1)")
    assert ("data/sources/acme-blog-2023.yaml", "ATL004", 2) in check_codes(atlas)


# ---- what the writers paste -------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                    "jav&#x61;script:alert(1)", "data:text/html,<script>", "vbscript:x",
                                    "file:///etc/passwd"])
def test_url_refuses_every_other_scheme(target):
    assert safe.url(target) is None
    assert safe.markdown_link("label", target) == "label"


def test_url_cannot_end_the_markdown_link_it_is_pasted_into():
    # a valid http URL (pydantic accepts it) that, pasted raw, adds a second, javascript: link
    href = safe.url("https://evil.example/x)[click](javascript:alert(1))")
    assert href is not None and not set("()[]<> \"'") & set(href)
    assert safe.url("../storage.md#x") == "../storage.md#x"


def test_label_leaves_nothing_a_template_could_read_as_a_tag():
    # Material prints titles raw, and once through `striptags`, which decodes entities first
    for title in ("</title><script>alert(1)</script>", "&lt;/title&gt;&lt;script&gt;", "&amp;lt;script&amp;gt;"):
        assert not set("<>") & set(safe.label(title))
        assert "&lt;" not in safe.label(title) and "&gt;" not in safe.label(title)


def test_text_escapes_what_markdown_would_read_as_markup():
    assert safe.text('x {: onclick="alert(1)" }') == 'x \\{: onclick="alert(1)" \\}'
    assert safe.text("<img src=x>") == "&lt;img src=x&gt;"
