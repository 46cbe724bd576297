"""The Markdown side of a page: front matter, fenced blocks, the 3 AM table and links.

Everything here returns file line numbers (1-based) so every finding can point at the right line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FENCE_OPEN_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")
LINK_RE = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


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


@dataclass
class Fence:
    info: str  # the language word after the fence, e.g. "mermaid"
    start_line: int  # file line of the opening fence
    end_line: int | None  # file line of the closing fence; None when unclosed
    text: str  # content between the fences


def find_fences(body: str, body_line: int) -> list[Fence]:
    """All fenced code blocks, CommonMark-style: a fence closes with the same character, at least as long."""
    fences: list[Fence] = []
    lines = body.split("\n")
    index = 0
    while index < len(lines):
        match = FENCE_OPEN_RE.match(lines[index].rstrip("\r"))
        if not match or (match.group(2)[0] == "`" and "`" in match.group(3)):
            index += 1
            continue
        marker = match.group(2)
        start = index
        content: list[str] = []
        index += 1
        closed = False
        while index < len(lines):
            stripped = lines[index].rstrip("\r")
            candidate = stripped.strip()
            if (
                len(stripped) - len(stripped.lstrip(" ")) <= 3
                and candidate
                and set(candidate) == {marker[0]}
                and len(candidate) >= len(marker)
            ):
                closed = True
                break
            content.append(stripped)
            index += 1
        fences.append(
            Fence(
                info=match.group(3).lower(),
                start_line=body_line + start,
                end_line=body_line + index if closed else None,
                text="\n".join(content),
            )
        )
        index += 1
    return fences


@dataclass
class Table:
    heading_line: int
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (file line, cells)


def _cells(line: str) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", inner)]


def section_table(body: str, body_line: int, heading: str) -> tuple[int | None, Table | None]:
    """Find `## <heading>` and the first table under it (before the next heading of any level)."""
    lines = body.split("\n")
    in_fence = False
    heading_index = None
    for index, line in enumerate(lines):
        if FENCE_OPEN_RE.match(line):
            in_fence = not in_fence
        if in_fence:
            continue
        match = HEADING_RE.match(line)
        if heading_index is None:
            if match and match.group(2).strip().lower() == heading.lower():
                heading_index = index
            continue
        if match:
            break
        if line.strip().startswith("|"):
            table_lines = []
            for offset, candidate in enumerate(lines[index:]):
                if not candidate.strip().startswith("|"):
                    break
                table_lines.append((index + offset, candidate))
            header = _cells(table_lines[0][1])
            table = Table(heading_index + body_line, header, table_lines[0][0] + body_line)
            for number, raw in table_lines[1:]:
                cells = _cells(raw)
                if all(re.fullmatch(r":?-{2,}:?", cell) for cell in cells if cell):
                    continue
                table.rows.append((number + body_line, cells))
            return heading_index + body_line, table
    return (heading_index + body_line if heading_index is not None else None), None


@dataclass
class Link:
    target: str
    line: int
    col: int


def find_links(body: str, body_line: int) -> list[Link]:
    """Markdown links outside code fences."""
    links: list[Link] = []
    in_fence = False
    for index, line in enumerate(body.split("\n")):
        if FENCE_OPEN_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for match in LINK_RE.finditer(line):
            links.append(Link(match.group(2), body_line + index, match.start(2) + 1))
    return links


def first_heading(body: str, body_line: int) -> tuple[int, str] | None:
    for index, line in enumerate(body.split("\n")):
        match = HEADING_RE.match(line)
        if match and len(match.group(1)) == 1:
            return body_line + index, match.group(2)
    return None
