"""The Markdown side of a page: front matter, then one parse of the body into blocks with line spans.

Front matter is split by hand (it is YAML, not Markdown). The body is parsed once with markdown-it-py,
CommonMark plus tables; the result is a `Document`: fenced blocks, links (inline and reference-style),
headings and tables, each at its 1-based file line. The loader, the gates and the site all read that
one result, so they can never disagree about where a fence ends or which table is the 3 AM table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

THREE_AM_HEADING = "What breaks at 3 AM"


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass
class Split:
    front_matter: str
    front_matter_line: int  # file line of the front matter's first line
    body: str
    body_line: int  # file line of the body's first line


def split_front_matter(text: str) -> Split:
    """Split `---` front matter from the body; the opening line must be the file's first."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip("\r").lstrip("\ufeff") != "---":
        raise FrontMatterError(
            "no front matter: the file must start with a '---' line, the YAML keys, and a closing '---'", 1
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r") in ("---", "..."):
            return Split(
                front_matter="\n".join(lines[1:index]),
                front_matter_line=2,
                body="\n".join(lines[index + 1 :]),
                body_line=index + 2,
            )
    raise FrontMatterError("front matter is not closed: add a '---' line after the last key", 1)


@dataclass(frozen=True)
class Fence:
    info: str  # the language word after the fence, lowercased, e.g. "mermaid"
    start_line: int  # file line of the opening fence
    end_line: int | None  # file line of the closing fence; None when unclosed
    text: str  # content between the fences


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for `#`, 2 for `##`…
    text: str
    line: int
    last_line: int  # the same line, or the `===` underline of a setext heading


@dataclass(frozen=True)
class Link:
    target: str  # as written (not URL-encoded)
    line: int  # where the target is written: the link itself, or its reference definition
    col: int


@dataclass
class Table:
    heading_line: int | None  # the heading the table sits under, if any
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (file line, cells)


@dataclass
class Document:
    """One page body, parsed once. Every line is a file line."""

    body_line: int
    fences: list[Fence] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)  # top-level ones (not inside quotes or lists)
    links: list[Link] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # top-level ones
    prose_words: int = 0  # words in paragraphs (lists and quotes too): not headings, tables, fences or link targets
    prose_line: int | None = None  # file line of the first paragraph

    @property
    def diagrams(self) -> list[Fence]:
        return [fence for fence in self.fences if fence.info == "mermaid"]

    def first_heading(self, level: int = 1) -> Heading | None:
        return next((heading for heading in self.headings if heading.level == level), None)

    def section_table(self, title: str) -> tuple[int | None, Table | None]:
        """The heading titled `title` (any level) and the first table under it, before the next heading."""
        wanted = title.strip().lower()
        for index, heading in enumerate(self.headings):
            if heading.text.strip().lower() != wanted:
                continue
            end = self.headings[index + 1].line if index + 1 < len(self.headings) else None
            for table in self.tables:
                if table.header_line > heading.line and (end is None or table.header_line < end):
                    return heading.line, table
            return heading.line, None
        return None, None

    @property
    def three_am(self) -> tuple[int | None, Table | None]:
        """The 3 AM section's heading line and its table: the gate and the site both read this."""
        return self.section_table(THREE_AM_HEADING)


_parser = None


def _markdown_it():
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        parser = MarkdownIt("commonmark").enable("table")
        parser.normalizeLink = lambda url: url  # keep targets as written: they are compared with page ids
        parser.validateLink = lambda url: True  # every target is a link here; the site decides what is safe
        parser.core.ruler.at("inline", _inline_where_links_can_be)
        _parser = parser
    return _parser


def _inline_where_links_can_be(state) -> None:
    """markdown-it's inline step, skipping text that cannot hold a link written in place.

    Only links are read from inline tokens (heading and cell text is the block's own), and a
    reference-style link is reported at its definition, which the block step records. A link written
    in place needs `](` (inline) or `<` (autolink): a paragraph of 400 KB of `[` then costs nothing,
    where the inline parser spends ~30 µs per bracket."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if "](" in token.content or "<" in token.content:
                state.md.inline.parse(token.content, state.md, state.env, token.children)


def parse_body(body: str, body_line: int = 1) -> Document:
    """Parse a page body (or any Markdown text) whose first line is file line `body_line`."""
    env: dict = {}
    tokens = _markdown_it().parse(body, env)
    lines = body.split("\n")
    doc = Document(body_line=body_line)
    heading: Heading | None = None
    table: Table | None = None
    in_head = False
    link_cursor: dict[int, int] = {}
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("fence",) and token.map:
            doc.fences.append(_fence(token, lines, body_line))
        elif kind == "heading_open" and token.map and token.level == 0:
            heading = Heading(int(token.tag[1:]), tokens[index + 1].content.strip(), body_line + token.map[0],
                              body_line + token.map[1] - 1)
            doc.headings.append(heading)
        elif kind == "table_open" and token.map and token.level == 0:
            table = Table(heading.line if heading else None, [], body_line + token.map[0])
            doc.tables.append(table)
        elif kind == "table_close":
            table = None
        elif kind in ("thead_open", "thead_close"):
            in_head = kind == "thead_open"
        elif kind == "tr_open" and table is not None and not in_head and token.map:
            table.rows.append((body_line + token.map[0], []))
        elif kind == "inline":
            if tokens[index - 1].type == "paragraph_open":
                doc.prose_words += count_words(token.content)
                if doc.prose_line is None and token.map:
                    doc.prose_line = body_line + token.map[0]
            if table is not None and tokens[index - 1].type in ("th_open", "td_open"):
                cell = token.content.strip()
                if in_head:
                    table.header.append(cell)
                elif table.rows:
                    table.rows[-1][1].append(cell)
            if token.map:
                doc.links.extend(_inline_links(token, lines, body_line, env, link_cursor))
    for reference in env.get("references", {}).values():
        doc.links.append(_definition_link(reference, lines, body_line))
    doc.links.sort(key=lambda link: (link.line, link.col))
    return doc


_ALNUM = re.compile(r"[^\W_]")


def count_words(text: str) -> int:
    """Words a reader reads: whitespace-separated runs holding a letter or digit, a link's target left
    out (`[text](target)` counts its text). Linear in the text, like every read of a page body."""
    words = 0
    for run in text.split():
        if "](" in run:
            run = run.split("](", 1)[0]
        if _ALNUM.search(run):
            words += 1
    return words


def parse_markdown(text: str) -> Document:
    """A whole Markdown file with no front matter (a dashboard, a README): lines count from 1."""
    return parse_body(text, 1)


def _fence(token, lines: list[str], body_line: int) -> Fence:
    start, end = token.map
    marker = token.markup
    last = lines[end - 1].strip() if end - 1 > start and end - 1 < len(lines) else ""
    closed = (end - 1 > start and last and set(last) == {marker[0]} and len(last) >= len(marker)
              and len(lines[end - 1]) - len(lines[end - 1].lstrip(" ")) <= 3)
    text = token.content[:-1] if token.content.endswith("\n") else token.content
    info = token.info.split()[0].lower() if token.info.strip() else ""
    return Fence(info=info, start_line=body_line + start, end_line=body_line + end - 1 if closed else None,
                 text=text)


def _inline_links(token, lines: list[str], body_line: int, env: dict, cursor: dict[int, int]) -> list[Link]:
    """Inline links and autolinks of one block, each at the line and column where its target is written.

    Links that come from a reference definition are reported once, at the definition (parse_body)."""
    start, end = token.map
    references = {value["href"] for value in env.get("references", {}).values()}
    found = []
    breaks = 0
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            breaks += 1
        elif child.type == "link_open":
            href = child.attrGet("href") or ""
            prefixes = ("<",) if child.markup == "autolink" else ("](<", "](", "]( ", "](\t")
            link = _locate(href, lines, min(start + breaks, end - 1), end, body_line, cursor, prefixes)
            if link is not None:
                found.append(link)
            elif href not in references:
                found.append(Link(href, body_line + min(start + breaks, end - 1), 1))
    return found


def _locate(href: str, lines: list[str], first: int, end: int, body_line: int, cursor: dict[int, int],
            prefixes: tuple[str, ...]) -> Link | None:
    """Find `href` written right after one of `prefixes`, from line `first` of the block on.

    `cursor` remembers how far each line has been consumed, so two links to one target get two columns."""
    for number in range(first, min(end, len(lines))):
        line = lines[number]
        for prefix in prefixes:
            at = line.find(prefix + href, cursor.get(number, 0))
            if at != -1:
                cursor[number] = at + len(prefix) + len(href)
                return Link(href, body_line + number, at + len(prefix) + 1)
        if number > first and line.lstrip().startswith(href):  # `[text](` then the target on its own line
            at = line.index(href)
            cursor[number] = at + len(href)
            return Link(href, body_line + number, at + 1)
    return None


def _definition_link(reference: dict, lines: list[str], body_line: int) -> Link:
    """A reference definition `[label]: target`: the link is where its target is written."""
    start, end = reference["map"]
    href = reference["href"]
    for number in range(start, min(end, len(lines))):
        line = lines[number]
        at = line.find(href, line.find("]:") + 2 if number == start else 0)
        if at != -1:
            return Link(href, body_line + number, at + 1)
    return Link(href, body_line + start, 1)
