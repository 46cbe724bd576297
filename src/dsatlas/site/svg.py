"""Make Mermaid's SVG fit a page: fewer bytes, and no blank line that would end a Markdown HTML block.

Mermaid writes coordinates with 15 significant digits, embeds each edge's points as base64 JSON for
its own runtime animations, and defines a dozen arrowhead markers of which a diagram uses one or two;
none of that is visible. Rounding path data to 0.01 px, dropping `data-points` and unused markers
roughly halves a diagram without changing a pixel a reader can see.
"""

from __future__ import annotations

import re

_LONG_NUMBER = re.compile(r"-?\d+\.\d{3,}(?:e-?\d+)?")
_GEOMETRY_ATTR = re.compile(r'(\s(?:d|points|transform)=")([^"]*)"')
_DATA_POINTS = re.compile(r'\sdata-points="[^"]*"')
_BLANK_LINES = re.compile(r"\n\s*\n+")
_MARKER = re.compile(r'<marker\b[^>]*\bid="([^"]+)"[^>]*>.*?</marker>', re.S)
_MARKER_USE = re.compile(r"""url\((?:&quot;|["'])?#([^)"'&\s]+)""")


def _round(match: re.Match) -> str:
    text = f"{float(match.group()):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def compact_svg(svg: str) -> str:
    """Round geometry to 0.01 px, drop runtime-only attributes and unused markers, remove blank lines."""
    svg = _DATA_POINTS.sub("", svg)
    used = set(_MARKER_USE.findall(svg))
    svg = _MARKER.sub(lambda m: m.group(0) if m.group(1) in used else "", svg)
    svg = _GEOMETRY_ATTR.sub(lambda m: m.group(1) + _LONG_NUMBER.sub(_round, m.group(2)) + '"', svg)
    return _BLANK_LINES.sub("\n", svg).strip()


# ---- legibility: how large a diagram's labels are on the page -------------------------------------

# The widest an SVG is shown on a content page at a 1400 px laptop window: the content column (the
# table of contents hidden, the grid at 90rem: dsatlas.css) less the figure's padding. A browser test
# (tests/site/test_site_browser.py) measures it, so this number cannot drift from the layout.
DIAGRAM_WIDTH_PX = 1106
MIN_LABEL_PX = 11.0  # below this, labels are hard to read at arm's length: the strict build fails
_VIEWBOX = re.compile(r'<svg\b[^>]*?\bviewBox="\s*[-\d.e]+[\s,]+[-\d.e]+[\s,]+([\d.e]+)[\s,]+[\d.e]+\s*"')
_ROOT_ID = re.compile(r'<svg\b[^>]*?\bid="([^"]+)"')


def label_font_px(svg: str) -> float:
    """The labels' font size: Mermaid sets it on the diagram's root rule (`#id{…font-size:16px…}`)."""
    root = _ROOT_ID.search(svg)
    if root:
        rule = re.search(r"#" + re.escape(root.group(1)) + r"\{[^}]*?font-size:\s*([\d.]+)px", svg)
        if rule:
            return float(rule.group(1))
    return 16.0  # Mermaid's default


def svg_width(svg: str) -> float | None:
    match = _VIEWBOX.search(svg)
    return float(match.group(1)) if match else None


def label_px(svg: str, width: float = DIAGRAM_WIDTH_PX) -> float | None:
    """The labels' size on the page: a diagram wider than `width` is scaled down to fit it."""
    natural = svg_width(svg)
    if not natural:
        return None
    return label_font_px(svg) * min(1.0, width / natural)
