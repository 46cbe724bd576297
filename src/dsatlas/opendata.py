"""Open data: the loaded, validated atlas as one JSON document (`dsatlas export`, the site's /atlas.json).

`atlas_document` is the one function that turns the model into plain data; a page's own JSON
(/<page-id>.json) and the terminal view (`dsatlas show`, `dsatlas find`) are slices of the same data.
The shape is published as JSON Schema, generated from `AtlasExport` below: those models describe the
export, they are not used to build it, so the schema test compares two independent descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import Field

from .loader import CONTENT_DIR, Data, discover, load_page
from .model import (
    CompanyFacts,
    FailureMode,
    Figure,
    IncidentFacts,
    Kind,
    PageId,
    PageMeta,
    PartialDate,
    Signal,
    Slug,
    Source,
    Strict,
)

FORMAT = "dsatlas-atlas/1"
SCHEMA_FILE = "atlas.schema.json"
ATLAS_FILE = "atlas.json"


def page_url(page_id: str) -> str:
    """Where a page lives in the built site."""
    return f"/{page_id}.html"


def page_json_url(page_id: str) -> str:
    """Where a page's own JSON lives in the built site: a slice of /atlas.json."""
    return f"/{page_id}.json"


def page_json_doc(page_id: str) -> str:
    """A page's JSON in the site's file tree (beside its Markdown): served at page_json_url."""
    return f"{page_id}.json"


def row_anchor(index: int) -> str:
    """The id of failure mode `index` (0-based) on its page: the site's 3 AM row, linked from the symptom
    index and named in the export."""
    return f"fm-{index + 1}"


# ---- the published shape (JSON Schema) ------------------------------------------------------------


class ExportFigure(Figure):
    source_record: Source | None = Field(description="The record of `source` (null only in a draft export).")


class ExportFailureMode(FailureMode):
    anchor: str = Field(description="Fragment of this row on the page's site URL, e.g. 'fm-1'.")
    signal_record: Signal | None = Field(description=(
        "The record of `signal`: its threshold, with provenance (null only in a draft export)."))


class ExportPage(Strict):
    id: PageId
    url: str = Field(description="Path of the page in the built site.")
    json_url: str = Field(description="Path of this page's own JSON (a slice of atlas.json) in the built site.")
    title: str
    kind: Kind
    subject: Slug
    summary: str
    tags: list[Slug]
    as_of: PartialDate
    sources: list[Slug]
    figures: list[ExportFigure]
    failure_modes: list[ExportFailureMode]
    related: list[PageId]


class AtlasExport(Strict):
    """The Distributed Systems Atlas as open data: /atlas.json, and each page's /<page-id>.json slice."""

    format: str = Field(pattern=r"^dsatlas-atlas/1$", description="This shape's name and version.")
    pages: list[ExportPage]
    signals: list[Signal]
    sources: list[Source]
    companies: list[CompanyFacts]
    incidents: list[IncidentFacts] = Field(description="With timelines, misled_by and what_worked.")


def json_schema() -> dict:
    schema = AtlasExport.model_json_schema(mode="serialization", by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


# ---- the data -------------------------------------------------------------------------------------


def _dump(record) -> dict:
    return record.model_dump(mode="json", by_alias=True)


def atlas_document(pages: Iterable[tuple[str, object]], data: Data, whole: bool = True) -> dict:
    """Pages (id, PageMeta) and the data/ records as plain JSON values.

    `whole`: every signal, source, company and incident; otherwise only the records the pages draw on
    (a page's own JSON)."""
    exported, signals, subjects = [], set(), set()
    for page_id, meta in sorted(pages, key=lambda item: item[0]):
        figures = [{**_dump(figure), "source_record": _record(data.sources, figure.source)}
                   for figure in meta.figures]
        modes = [{**_dump(mode), "anchor": row_anchor(index), "signal_record": _record(data.signals, mode.signal)}
                 for index, mode in enumerate(meta.failure_modes)]
        signals.update(mode.signal for mode in meta.failure_modes)
        subjects.add(meta.subject)
        exported.append({
            "id": page_id, "url": page_url(page_id), "json_url": page_json_url(page_id), "title": meta.title,
            "kind": meta.kind.value, "subject": meta.subject, "summary": meta.summary, "tags": list(meta.tags),
            "as_of": meta.as_of, "sources": list(meta.sources), "figures": figures, "failure_modes": modes,
            "related": list(meta.related),
        })

    def chosen(records: dict, wanted: set[str]) -> list[dict]:
        return [_dump(records[key]) for key in sorted(records) if whole or key in wanted]

    document = {"format": FORMAT, "pages": exported, "signals": chosen(data.signals, signals),
                "sources": [], "companies": chosen(data.companies, subjects),
                "incidents": chosen(data.incidents, subjects)}
    document["sources"] = chosen(data.sources, set(_cited(document)))
    return document


def _record(records: dict, key: str) -> dict | None:
    record = records.get(key)
    return _dump(record) if record is not None else None


def _cited(value) -> Iterable[str]:
    """Every source id the document cites, wherever it stands (figures, signals, timelines, facts)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("source", "as_done_by") and isinstance(item, str):
                yield item
            elif key == "sources" and isinstance(item, list) and all(isinstance(x, str) for x in item):
                yield from item
            else:
                yield from _cited(item)
    elif isinstance(value, list):
        for item in value:
            yield from _cited(item)


def page_document(page_id: str, meta, data: Data) -> dict:
    """One page's JSON: the same shape as atlas.json, holding that page and the records it draws on."""
    return atlas_document([(page_id, meta)], data, whole=False)


def site_documents(pages: Iterable, data: Data, memo: dict | None = None) -> dict[str, str]:
    """The open-data files of the site: /atlas.json, /atlas.schema.json and /<page-id>.json per page.

    `memo` (kept by `dsatlas serve` between builds) holds each file with what it was made from (the
    data's digest and the front matter: all they read): an edit to a page's text makes none of them
    again, a new page its own file and /atlas.json, not 900."""
    import json

    pages = list(pages)
    memo = {} if memo is None else memo
    made_from = (data.digest, [(page.id, page.meta) for page in pages])
    if memo.get("atlas", (None,))[0] != made_from:
        memo["atlas"] = (made_from, json.dumps(atlas_document(made_from[1], data), ensure_ascii=False) + "\n")
    if "schema" not in memo:  # made from the code alone
        memo["schema"] = json.dumps(json_schema(), indent=2) + "\n"
    documents = {ATLAS_FILE: memo["atlas"][1], SCHEMA_FILE: memo["schema"]}
    kept_pages = memo.setdefault("pages", {})
    for page in pages:
        page_from = (data.digest, page.meta)
        kept = kept_pages.get(page.id)
        if kept is None or kept[0] != page_from:
            kept = kept_pages[page.id] = (page_from, json.dumps(page_document(page.id, page.meta, data),
                                                                ensure_ascii=False) + "\n")
        documents[page_json_doc(page.id)] = kept[1]
    for gone in set(kept_pages) - {page.id for page in pages}:
        del kept_pages[gone]
    return documents


def load_pages(root: Path) -> list[tuple[str, PageMeta]]:
    """(id, front matter) of every content page whose front matter loads; `dsatlas check` says why others
    do not."""
    content = root / CONTENT_DIR
    if not content.is_dir():
        return []
    pages = []
    for path in discover([content]):
        if path.suffix == ".md":
            page = load_page(path, root)
            if page.id is not None and page.meta is not None:
                pages.append((page.id, page.meta))
    return pages
