"""Small Markdown-writing helpers shared by the generated pages: escaping and relative links."""

from __future__ import annotations

import html
import posixpath
import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def text(value: str) -> str:
    """Plain text safe inside Markdown (also inside a table cell): no markup, no raw HTML."""
    escaped = html.escape(" ".join(str(value).split()), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)


def attribute(value: str) -> str:
    return html.escape(" ".join(str(value).split()), quote=True)


def page_doc(page_id: str) -> str:
    """Where a content page lives in the generated tree: its id plus `.md`, so author links keep working."""
    return f"{page_id}.md"


def folder_doc(folder: str) -> str:
    return f"{folder}/index.md" if folder else "index.md"


def link(from_doc: str, to_doc: str, anchor: str = "") -> str:
    """A relative link between two generated documents (the engine checks it in strict mode)."""
    target = posixpath.relpath(to_doc, posixpath.dirname(from_doc) or ".")
    return f"{target}#{anchor}" if anchor else target


def titleize(slug: str) -> str:
    """`read-your-writes` → `Read your writes`; used for folders that have no facts record."""
    words = slug.replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table; cells must already be escaped with `text` or be trusted Markdown."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return lines


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """A table as one raw-HTML block (no blank line inside); cells must already be escaped HTML.

    No class attribute: Material styles only `table:not([class])`. A space between cells: the search
    index keeps only the text, and `<td>a</td><td>b</td>` would index one word "ab"."""
    head = " ".join(f"<th>{cell}</th>" for cell in header)
    body = "\n".join("<tr>" + " ".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
