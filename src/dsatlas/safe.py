"""The one sanitising boundary: every piece of author or data text that reaches the site passes here.

Pages, facts and source records are untrusted input (docs/security.md). Each way text can reach HTML
has one function, and every writer in `dsatlas.site` uses these, never its own escaping:

- `text`: plain text pasted into generated Markdown (escaped for HTML and for Markdown syntax);
- `html` / `attribute`: plain text pasted into raw HTML, as element text or an attribute value;
- `label`: plain text the theme's templates print without escaping (titles, navigation, descriptions);
- `url`: a link target, kept only when it is http(s), relative or `#…`, percent-encoded so it cannot
  end the Markdown link or HTML attribute it is pasted into;
- `prose`: author Markdown rendered and passed through nh3's allow-list (used for a page whose prose
  carries refused constructs: a draft, or a waived finding, still publishes nothing active);
- `refusals`: what in author prose would reach the reader as active content or an off-site request,
  found by rendering it with the site's own Markdown engine (the `prose_safety` gate reports these).
"""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from urllib.parse import quote

import markdown as _markdown
import nh3

# The Markdown extensions the site's engine runs (site/config.py writes them into mkdocs.yml; the engine
# always adds fenced_code). The gate renders prose with the same list so it sees what readers would get.
MARKDOWN_EXTENSIONS: list = ["tables", "attr_list", "md_in_html", "admonition", {"toc": {"permalink": True}}]
_ENGINE_DEFAULTS = ["fenced_code"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|{}])")  # {…} would be read as an attribute list
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")  # browsers drop tabs/newlines inside a URL's scheme
SAFE_SCHEMES = ("http", "https")
# Kept as they are in a URL: RFC 3986 reserved characters and '%' (existing escapes), less the ones that
# end a Markdown link or an HTML attribute: ( ) [ ] ' are percent-encoded like < > " ` \ and spaces.
_URL_KEEP = "!#$%&*+,/:;=?@~"

# What author prose may become in HTML: the elements Markdown itself writes, nothing else.
PROSE_TAGS = {"a", "abbr", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1",
              "h2", "h3", "h4", "h5", "h6", "hr", "img", "li", "ol", "p", "pre", "span", "strong", "sub",
              "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul"}
PROSE_ATTRIBUTES = {"*": {"id", "class", "title"}, "a": {"href"}, "img": {"src", "alt"},
                    "td": {"style"}, "th": {"style"}}
_MARKDOWN_ATTRIBUTES = {"id", "class", "title", "href", "src", "alt"}  # what Markdown syntax itself sets
_ALIGN_STYLE = re.compile(r"^\s*text-align:\s*(left|right|center)\s*;?\s*$")  # the tables extension's
_URL_ATTRIBUTES = {"href", "src"}
MAX_MARKUP_CHARS = 1_000  # `<` or `[` in one page body; the 36 real pages have at most 26
_CODE_BLOCK = re.compile(r'<pre(?: (?:class|id)="[^"<>]*")*><code(?: (?:class|id)="[^"<>]*")*>[^<]*</code></pre>\Z')
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);\Z")


# ---- plain text -----------------------------------------------------------------------------------


def text(value: object) -> str:
    """Plain text safe inside generated Markdown (also inside a table cell): no markup, no raw HTML."""
    escaped = _html.escape(" ".join(str(value).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def html(value: object) -> str:
    """Plain text as HTML element content."""
    return _html.escape(str(value), quote=False)


def attribute(value: object) -> str:
    """Plain text as a quoted HTML attribute value."""
    return _html.escape(" ".join(str(value).split()), quote=True)


def label(value: object) -> str:
    """Text for the slots the theme prints unescaped (page titles, navigation, `<title>`, descriptions).

    Material's templates print titles raw, and once through `striptags`, which decodes entities: so
    escaping is not enough. Entities are decoded until none is left and `<` `>` become `‹` `›`; what
    remains cannot start a tag in either slot. Quote it with `attribute` for an attribute slot.
    """
    value = " ".join(str(value).split())
    while (decoded := _html.unescape(value)) != value:
        value = decoded
    return value.translate({ord("<"): "‹", ord(">"): "›"})


# ---- links ----------------------------------------------------------------------------------------


def scheme(target: str) -> str | None:
    """The URL scheme a browser would see in `target` (lowercase), or None for a relative target."""
    match = _SCHEME.match(_IGNORED_IN_URLS.sub("", _html.unescape(target)))
    return match.group(1).lower() if match else None


def url(target: object) -> str | None:
    """A safe href for `target`: http(s), relative or `#…`; None for any other scheme.

    The result is percent-encoded so it can be pasted into a Markdown link `[…](here)` or, through
    `attribute`, into an HTML attribute without ending either.
    """
    value = str(target).strip()
    found = scheme(value)
    if found is not None and found not in SAFE_SCHEMES:
        return None
    return quote(value, safe=_URL_KEEP)


def markdown_link(label_text: object, target: object) -> str:
    """`[label](target)` with both made safe; just the label when the target is refused."""
    href = url(target)
    return f"[{text(label_text)}]({href})" if href else text(label_text)


def html_link(label_text: object, target: object) -> str:
    """`<a href>` with both made safe; just the label when the target is refused."""
    href = url(target)
    return f'<a href="{attribute(href)}">{html(label_text)}</a>' if href else html(label_text)


# ---- author prose ---------------------------------------------------------------------------------


@cache
def _markdown_engine(raw_html: bool) -> _markdown.Markdown:
    """One engine per process and mode (building one costs more than converting a page); reset per use."""
    names, configs = [], {}
    for item in MARKDOWN_EXTENSIONS + _ENGINE_DEFAULTS:
        name, config = next(iter(item.items())) if isinstance(item, dict) else (item, None)
        if raw_html or name != "md_in_html":
            names.append(name)
            if config:
                configs[name] = config
    engine = _markdown.Markdown(extensions=names, extension_configs=configs)
    if not raw_html:  # leave raw HTML as placeholders: `refusals` reports it from the stash instead
        engine.postprocessors.deregister("raw_html")
    return engine


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "src" and (scheme(value) is not None or value.strip().startswith("//")):
        return None  # an image from another site is a request off the site
    if name == "style" and not _ALIGN_STYLE.match(value):
        return None
    return value


def prose(markdown_text: str) -> str:
    """Author Markdown as HTML with nothing active left: Markdown, then nh3's allow-list.

    One block of HTML with no blank line, so it can stand in generated Markdown as a raw HTML block.
    """
    if _crowded(markdown_text, 1):  # too much for the engine in bounded time: shown as plain text
        return f'<div class="dsatlas-sanitised"><p>{html(" ".join(markdown_text.split()))}</p></div>'
    rendered = _markdown_engine(raw_html=True).reset().convert(markdown_text)
    cleaned = nh3.clean(rendered, tags=PROSE_TAGS, attributes=PROSE_ATTRIBUTES, url_schemes=set(SAFE_SCHEMES),
                        attribute_filter=_keep_attribute, strip_comments=True, link_rel=None)
    return '<div class="dsatlas-sanitised">\n' + re.sub(r"\n\s*\n+", "\n", cleaned).strip() + "\n</div>"


@dataclass(frozen=True)
class Refusal:
    line: int  # file line
    col: int
    code: str  # ATL103 raw HTML or attribute, ATL104 link or image target
    message: str


class _Elements(HTMLParser):
    """Every start tag with its attributes, from the HTML Markdown wrote."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def refusals(body: str, body_line: int = 1) -> list[Refusal]:
    """Raw HTML, attributes Markdown syntax does not write, and unsafe link/image targets in author prose.

    The prose is rendered with the site's own Markdown engine and extensions, so what is found here is
    what a reader's browser would get, including reference-style links and `{: attr }` lists.
    """
    crowded = _crowded(body, body_line)
    if crowded:
        return crowded
    engine = _markdown_engine(raw_html=False).reset()
    rendered = engine.convert(body)
    locate = _Locator(body, body_line)
    found: list[Refusal] = []
    for chunk in engine.htmlStash.rawHtmlBlocks:
        chunk = str(chunk).strip()
        if not chunk or _ENTITY.match(chunk) or _CODE_BLOCK.match(chunk):
            continue  # Python-Markdown stashes entities and fenced code too: text, nothing active
        line, col = locate(chunk)
        shown = " ".join(chunk.split())
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        found.append(Refusal(line, col, "ATL103", f"raw HTML {shown!r} in the page: write Markdown instead "
                             "(for the characters themselves, use `code` or &lt;)"))
    parser = _Elements()
    parser.feed(rendered)
    parser.close()
    for tag, attrs in parser.found:
        for name, value in attrs:
            value = value or ""
            if name not in _MARKDOWN_ATTRIBUTES and not (name == "style" and _ALIGN_STYLE.match(value)):
                line, col = locate(f"{name}=", name)
                found.append(Refusal(line, col, "ATL103", f"attribute {name!r} on <{tag}> (from a {{: …}} "
                                     "attribute list): only ids and classes may be set; remove it"))
            elif name in _URL_ATTRIBUTES:
                refused = _refused_target(tag, name, value)
                if refused:
                    line, col = locate(value, _html.escape(value), value.partition(":")[2])
                    found.append(Refusal(line, col, "ATL104", refused))
    return sorted(set(found), key=lambda item: (item.line, item.col, item.code, item.message))


def _crowded(body: str, body_line: int) -> list[Refusal]:
    """Python-Markdown (the site's engine) takes time quadratic in the `[` and `<` of a paragraph: 4,000
    of them cost seconds, 400,000 hours. Past MAX_MARKUP_CHARS the page is refused unread, which also
    keeps such a page from stalling the site build."""
    found = []
    for char, code, what in (("<", "ATL103", "raw HTML"), ("[", "ATL104", "links")):
        count = body.count(char)
        if count > MAX_MARKUP_CHARS:
            at = body.index(char)
            line = body_line + body.count("\n", 0, at)
            found.append(Refusal(line, at - (body.rfind("\n", 0, at) + 1) + 1, code,
                                 f"{count:,} {char!r} characters (at most {MAX_MARKUP_CHARS:,}): too many to check "
                                 f"for {what} in bounded time; a page never needs that many, remove them"))
    return found


def _refused_target(tag: str, name: str, value: str) -> str | None:
    found = scheme(value)
    shown = value if len(value) <= 40 else value[:39] + "…"
    if name == "src" and (found is not None or value.strip().startswith("//")):
        return (f"image {shown!r} is on another site: readers' browsers would fetch it; save the image in the "
                "atlas and link it relatively")
    if found is not None and found not in SAFE_SCHEMES:
        return (f"link target {shown!r} uses {found}:, which the site refuses: link to an http(s) address, "
                "a relative page or a #heading")
    return None


class _Locator:
    """File line and column of a construct, found by its text (first unused occurrence)."""

    def __init__(self, body: str, body_line: int):
        self.body, self.body_line = body, body_line
        self.used: dict[str, int] = {}

    def __call__(self, *needles: str) -> tuple[int, int]:
        for needle in needles:
            if not needle:
                continue
            start = self.used.get(needle, 0)
            at = self.body.find(needle, start)
            if at == -1:
                at = self.body.find(needle)
            if at != -1:
                self.used[needle] = at + 1
                before = self.body[:at]
                return self.body_line + before.count("\n"), at - (before.rfind("\n") + 1) + 1
        return self.body_line, 1
