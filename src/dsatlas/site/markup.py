"""Small Markdown-writing helpers shared by the generated pages: front matter, relative links, tables.

Escaping is not done here: every piece of author or data text goes through `dsatlas.safe`.
"""

from __future__ import annotations

import posixpath

from .. import safe


def front_matter(title: str, description: str | None = None, tags: list[str] | None = None,
                 hide: list[str] | None = None) -> str:
    """A generated document's front matter. The theme prints these values unescaped, so each is a `label`.
    `hide` names theme parts the page goes without (`toc`)."""
    lines = ["---", f"title: {_yaml_string(safe.label(title))}"]
    if description is not None:
        lines.append(f"description: {_yaml_string(safe.attribute(safe.label(description)))}")
    if hide:
        lines.append("hide: [" + ", ".join(hide) + "]")
    if tags:
        lines.append("tags: [" + ", ".join(_yaml_string(safe.label(tag)) for tag in tags) + "]")
    return "\n".join(lines + ["---"])


def _yaml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def page_doc(page_id: str) -> str:
    """Where a content page lives in the generated tree: its id plus `.md`, so author links keep working."""
    return f"{page_id}.md"


def folder_doc(folder: str) -> str:
    return f"{folder}/index.md" if folder else "index.md"


def link(from_doc: str, to_doc: str, anchor: str = "") -> str:
    """A relative link between two generated documents (the engine checks it in strict mode)."""
    target = posixpath.relpath(to_doc, posixpath.dirname(from_doc) or ".")
    if safe.scheme(target) is not None:  # a file named like a URL scheme (`javascript:x.md`) stays relative
        target = "./" + target
    return safe.url(f"{target}#{anchor}" if anchor else target)


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
