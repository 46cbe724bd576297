"""The renderer on its own: real Mermaid in real Chromium, errors located in the page, SVGs made compact."""

from __future__ import annotations

import re

import pytest

from dsatlas.site.render import DiagramRenderer, RenderJob, render_key
from dsatlas.site.svg import compact_svg

FLOWCHART = """flowchart LR
  accTitle: Two boxes
  accDescr: A client calls an API.
  client["Client"] --> api["Orders API<br/>12K req/s"]
"""


@pytest.fixture(scope="module")
def renderer():
    chromium = DiagramRenderer(workers=2, timeout_s=20)
    yield chromium
    chromium.close()


def test_renders_mermaid_to_a_compact_inline_svg(renderer):
    svgs, failures = renderer.render([RenderJob(renderer.key(FLOWCHART), FLOWCHART, "content/a.md", 20)])
    assert failures == []
    svg = svgs[renderer.key(FLOWCHART)]
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Orders API" in svg and "12K req/s" in svg
    assert "<title" in svg and "Two boxes" in svg  # accTitle becomes the SVG's accessible name
    assert "\n\n" not in svg and "data-points=" not in svg
    assert not re.search(r' d="[^"]*\d\.\d{3}', svg)
    assert renderer.blocked == []  # Mermaid asked the network for nothing


def test_a_diagram_mermaid_rejects_fails_at_its_file_line(renderer):
    broken = "sequenceDiagram\n  A->>B: hello\n  deactivate A\n"
    good = "flowchart TB\n  x --> y\n"
    svgs, failures = renderer.render([RenderJob(renderer.key(broken), broken, "content/b.md", 30),
                                      RenderJob(renderer.key(good), good, "content/c.md", 5)])
    assert renderer.key(good) in svgs and renderer.key(broken) not in svgs
    assert len(failures) == 1
    failure = failures[0]
    # the fence opens on line 30; Mermaid names no line for this error, so it is the diagram's first line
    assert (failure.path, failure.line) == ("content/b.md", 31)
    assert "inactivate an inactive participant" in failure.message
    assert failure.human().startswith(f"content/b.md:{failure.line}: Mermaid could not render")


def test_cache_key_is_text_version_and_theme():
    base = render_key("flowchart TB\n a-->b", "12.3.0", "default")
    assert base == render_key("flowchart TB\n a-->b", "12.3.0", "default")
    assert base != render_key("flowchart TB\n a-->c", "12.3.0", "default")
    assert base != render_key("flowchart TB\n a-->b", "12.4.0", "default")
    assert base != render_key("flowchart TB\n a-->b", "12.3.0", "dark")


def test_compact_svg_rounds_geometry_and_removes_blank_lines():
    raw = ('<svg viewBox="0 0 10 10">\n\n<path d="M1.23456789 2.00000001 L-0.0001234 3.5" '
           'data-points="W3siGV9" transform="translate(10.123456, 4)"/>\n  \n<text x="1.23456">a</text></svg>')
    out = compact_svg(raw)
    assert 'd="M1.23 2 L0 3.5"' in out and 'transform="translate(10.12, 4)"' in out
    assert 'x="1.23456"' in out  # only geometry attributes are rounded
    assert "data-points" not in out and "\n\n" not in out
