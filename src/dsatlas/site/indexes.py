"""Generated index pages: the home page, one per category and per company/incident/subject folder
(a card per page), the symptom index built from every page's failure modes, and the tag index.
"""

from __future__ import annotations

from .. import safe
from ..loader import Data
from . import markup
from .catalog import SitePage
from .threeam import row_anchor, threshold_html
from .tree import Folder, ancestors, short_title

SYMPTOMS_FOLDER = "symptoms"
TAGS_DOC = "tags.md"
PROGRESS_DOC = "progress.md"


def folder_markdown(folder: Folder, tree: Folder, data: Data, extras: list[tuple[str, str]]) -> str:
    """An index page: breadcrumbs, what this folder is, its facts, then a card per folder and page.

    `extras` are (title, doc) links shown on the home page (symptoms, tags, progress).
    """
    doc = markup.folder_doc(folder.path)
    out = [markup.front_matter(folder.title), ""]
    if folder.path:
        crumbs = [f"[{safe.text(parent.title)}]({markup.link(doc, markup.folder_doc(parent.path))})"
                  for parent in ancestors(tree, folder.path)[:-1]]
        out += [" › ".join(crumbs), "{: .dsatlas-breadcrumbs }", ""]
    out += [f"# {safe.text(folder.title)}", ""]
    if folder.summary:
        out += [f"*{safe.text(folder.summary)}*", ""]
    count = folder.page_count()
    out += [f"{count} page{'s' if count != 1 else ''}" + (f" in {len(folder.folders)} sections"
                                                            if folder.folders else "") + ".", ""]
    if not folder.path and extras:
        out += ["For the night shift: " + " · ".join(f"[{title}]({markup.link(doc, target)})"
                                                       for title, target in extras), ""]
    out += _facts(folder, data)
    cards = [_folder_card(child, doc) for child in folder.folders]
    cards += [_page_card(page, folder, doc) for page in folder.pages]
    if cards:
        out += ['<div class="grid cards" markdown>', "", *cards, "</div>", ""]
    return "\n".join(out)


def _folder_card(child: Folder, doc: str) -> str:
    count = child.page_count()
    lines = [f"-   **[{safe.text(child.title)}]({markup.link(doc, markup.folder_doc(child.path))})**", ""]
    if child.summary:
        lines += [f"    {safe.text(child.summary)}", ""]
    detail = f"{count} page{'s' if count != 1 else ''}"
    if child.date:
        detail = f"{child.date} · {detail}"
    lines += [f"    {detail}", ""]
    return "\n".join(lines)


def _page_card(page: SitePage, folder: Folder, doc: str) -> str:
    target = markup.link(doc, markup.page_doc(page.id))
    return "\n".join([
        f"-   **[{safe.text(short_title(page, folder))}]({target})**", "",
        f"    {safe.text(page.meta.summary)}", "",
        f"    `{page.meta.kind.value}` · as of {page.meta.as_of}", "",
    ])


def _facts(folder: Folder, data: Data) -> list[str]:
    """Company and incident folders show their structured facts: written once in data/, shown here."""
    parent, _, slug = folder.path.rpartition("/")
    if parent == "systems" and slug in data.companies:
        company = data.companies[slug]
        rows = [[f"**{safe.text(fact.value)}**", safe.text(fact.means), _source(fact.source, data),
                 fact.as_of, fact.confidence] for fact in company.facts.values()]
        if not rows:
            return []
        return ["## Key figures", "", *markup.table(["Figure", "Meaning", "Source", "Date", "Confidence"], rows), ""]
    if parent == "incidents" and slug in data.incidents:
        incident = data.incidents[slug]
        rows = [["Started", f"{incident.started:%Y-%m-%d %H:%M} UTC"]]
        if incident.detected:
            rows.append(["Detected", f"{incident.detected:%Y-%m-%d %H:%M} UTC"])
        if incident.mitigated:
            rows.append(["Mitigated", f"{incident.mitigated:%Y-%m-%d %H:%M} UTC"])
        rows.append(["Resolved", f"{incident.resolved:%Y-%m-%d %H:%M} UTC"])
        rows.append(["Trigger", safe.text(incident.trigger)])
        rows.append(["Root cause", safe.text(incident.root_cause)])
        sources = ", ".join(_source(source, data) for source in incident.sources)
        rows.append(["Sources", sources])
        return ["## Facts", "", *markup.table(["", ""], rows), ""]
    return []


def _source(source_id: str, data: Data) -> str:
    source = data.sources.get(source_id)
    if source is None:
        return safe.text(source_id)
    return safe.markdown_link(source.publisher, source.url)


# ---- the symptom index ---------------------------------------------------------------------------


def symptom_documents(tree: Folder, data: Data) -> dict[str, str]:
    """symptoms/index.md plus one page per category: symptom → the page's 3 AM row, with the signal's
    threshold and its sourced/suggested mark."""
    docs: dict[str, str] = {}
    index_doc = markup.folder_doc(SYMPTOMS_FOLDER)
    overview = [markup.front_matter("Symptom index"), "", "# Symptom index", "",
                "Every failure mode's symptom from every page's *What breaks at 3 AM* section, sorted, linked "
                "to its row, with the signal's threshold. Search also finds symptoms.", ""]
    cards = []
    for category in tree.folders:
        entries = []
        for folder in category.walk():
            for page in folder.pages:
                entries.extend((index, mode, page) for index, mode in enumerate(page.meta.failure_modes))
        if not entries:
            continue
        doc = f"{SYMPTOMS_FOLDER}/{category.path}.md"
        entries.sort(key=lambda item: (item[1].symptom.lower(), item[2].id, item[0]))
        rows = [[safe.html(mode.symptom), _symptom_link(page, doc, index),
                 threshold_html(data.signals.get(mode.signal), data)] for index, mode, page in entries]
        docs[doc] = "\n".join([markup.front_matter("Symptoms: " + category.title), "",
                               f"# Symptoms: {safe.text(category.title)}", "",
                               markup.html_table(["Symptom", "Page", "Signal and threshold"], rows), ""])
        cards.append(f"-   **[{safe.text(category.title)}]({markup.link(index_doc, doc)})**\n\n"
                     f"    {len(entries)} symptoms\n")
    if cards:
        overview += ['<div class="grid cards" markdown>', "", *cards, "</div>", ""]
    else:
        overview.append("No page has a 3 AM table yet.")
    docs[index_doc] = "\n".join(overview) + "\n"
    return docs


def _symptom_link(page: SitePage, doc: str, index: int) -> str:
    target = markup.link(doc, markup.page_doc(page.id).removesuffix(".md") + ".html", row_anchor(index))
    return f'<a href="{safe.attribute(target)}">{safe.html(page.meta.title)}</a>'



# ---- the tag index -------------------------------------------------------------------------------


def tags_markdown(tags: dict[str, list[str]], pages: dict[str, SitePage]) -> str:
    out = [markup.front_matter("Tags"), "", "# Tags", ""]
    for tag in sorted(tags):
        out += [f"## {tag} {{#tag-{tag}}}", ""]
        for page_id in sorted(tags[tag], key=lambda item: pages[item].meta.title.lower()):
            page = pages[page_id]
            out.append(f"- [{safe.text(page.meta.title)}]({markup.link(TAGS_DOC, markup.page_doc(page_id))})")
        out.append("")
    if not tags:
        out.append("No page has tags yet.")
    return "\n".join(out) + "\n"
