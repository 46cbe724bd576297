"""Generated index pages: the home page, one per category and per company/incident/subject folder
(a card per page), the symptom index by signal class and signal, one page per signal, and the tag index.
"""

from __future__ import annotations

from typing import get_args

from .. import safe
from ..loader import Data
from ..model import FailureMode, SignalClass
from . import markup
from .catalog import SitePage
from .threeam import row_anchor, threshold_html
from .tree import Folder, ancestors, short_title

SYMPTOMS_FOLDER = "symptoms"
TAGS_DOC = "tags.md"
PROGRESS_DOC = "progress.md"


def folder_markdown(folder: Folder, tree: Folder, data: Data, extras: list[tuple[str, str]]) -> str:
    """An index page: breadcrumbs, what this folder is, its facts, then a card per folder and page.

    The root folder is the home page (home_markdown), which shows `extras`: (title, doc) links to the
    symptom index, signals, tags and progress.
    """
    if not folder.path:
        return home_markdown(folder, data, extras)
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


# ---- the home page -------------------------------------------------------------------------------

LATEST_INCIDENTS = 5
SEARCH_HINT = ("Type a symptom as you see it (*503s at the edge*, *replica lag*, *config push*): search "
               "finds the 3 AM rows, signals and pages. Press `/` on any page to search.")


def home_markdown(tree: Folder, data: Data, extras: list[tuple[str, str]]) -> str:
    """The home page for the night shift: search first, then "I see…" by signal class, the latest
    incidents, the companies with one key figure each, coverage, and the sections."""
    doc = markup.folder_doc("")
    pages = [page for folder in tree.walk() for page in folder.pages]
    out = [markup.front_matter(tree.title, hide=["toc"]), "", f"# {safe.text(tree.title)}", "",
           f"*{safe.text(tree.summary)}*", "",
           # the theme's own search toggle (the header's search icon is a <label> for the same checkbox)
           '<label class="dsatlas-search" for="__search">'
           "Search symptoms, signals, systems and incidents…</label>", "", SEARCH_HINT,
           "{: .dsatlas-search-hint }", ""]
    out += ["## I see…", "", '<div class="grid cards dsatlas-isee" markdown>', ""]
    modes = _modes_by_class(pages, data)
    for signal_class in SIGNAL_CLASSES:
        count = len(modes[signal_class])
        out += [f"-   **[{CLASS_TITLES[signal_class]}]({markup.link(doc, class_doc(signal_class))})**", "",
                f"    {count} failure mode{'s' if count != 1 else ''}", ""]
    out += ["</div>", ""]
    out += _latest_incidents(tree, data, doc)
    out += _company_grid(tree, data, doc)
    out += _coverage(pages, data)
    if extras:
        out += ["For the night shift: " + " · ".join(f"[{title}]({markup.link(doc, target)})"
                                                       for title, target in extras), ""]
    cards = [_folder_card(child, doc) for child in tree.folders]
    if cards:
        out += ["## Sections", "", '<div class="grid cards" markdown>', "", *cards, "</div>", ""]
    return "\n".join(out)


def _latest_incidents(tree: Folder, data: Data, doc: str) -> list[str]:
    if not data.incidents:
        return []
    folders = {folder.path for folder in tree.walk()}
    latest = sorted(data.incidents.values(), key=lambda item: (item.started, item.slug), reverse=True)
    rows = []
    for incident in latest[:LATEST_INCIDENTS]:
        title = safe.text(incident.title)
        path = f"incidents/{incident.slug}"
        if path in folders:
            title = f"[{title}]({markup.link(doc, markup.folder_doc(path))})"
        rows.append([f"{incident.started:%Y-%m-%d}", _duration(incident), title, safe.text(incident.trigger)])
    return ["## Latest incidents", "", *markup.table(["Date", "Duration", "Incident", "Trigger"], rows), ""]


def _duration(incident) -> str:
    minutes = incident.impact.duration_minutes
    if minutes is None:
        minutes = round((incident.resolved - incident.started).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def _company_grid(tree: Folder, data: Data, doc: str) -> list[str]:
    """One card per company with its first key figure (the one its facts record lists first)."""
    folders = {folder.path for folder in tree.walk()}
    cards = []
    for slug, company in sorted(data.companies.items(), key=lambda item: item[1].name.lower()):
        name = safe.text(company.name)
        if f"systems/{slug}" in folders:
            name = f"[{name}]({markup.link(doc, markup.folder_doc(f'systems/{slug}'))})"
        lines = [f"-   **{name}**", ""]
        fact = next(iter(company.facts.values()), None)
        if fact is not None:
            lines += [f"    **{safe.text(fact.value)}** {safe.text(fact.means)} ({fact.as_of}, "
                      f"{_source(fact.source, data)})", ""]
        cards.append("\n".join(lines))
    if not cards:
        return []
    return ["## Companies", "", '<div class="grid cards" markdown>', "", *cards, "</div>", ""]


def _coverage(pages: list[SitePage], data: Data) -> list[str]:
    signals = list(data.signals.values())
    sourced = sum(1 for signal in signals if signal.threshold.provenance == "sourced")
    share = f"{round(100 * sourced / len(signals))}%" if signals else "no"
    figures = sum(len(page.meta.figures) for page in pages)
    return ["## Coverage", "",
            f"{len(pages)} pages · {figures} figures · {len(data.sources)} sources · {len(signals)} signals · "
            f"{share} of thresholds sourced ({sourced} of {len(signals)}; the rest are suggested, "
            "with their reasoning)", ""]


# ---- the symptom index, by signal class and signal -----------------------------------------------

SIGNAL_CLASSES: tuple[str, ...] = get_args(SignalClass)
CLASS_TITLES = {"latency": "Latency", "traffic": "Traffic", "errors": "Errors", "saturation": "Saturation",
                "replication-lag": "Replication lag", "consistency": "Consistency", "dependency": "A dependency",
                "config-push": "A config push", "capacity": "Capacity", "data-loss": "Data loss",
                "network": "The network", "time": "Time and clocks"}
SIGNALS_FOLDER = "signals"
Use = tuple[SitePage, int, FailureMode]  # a page, the failure mode's index on it, the failure mode


def class_doc(signal_class: str) -> str:
    return f"{SYMPTOMS_FOLDER}/{signal_class}.md"


def signal_doc(signal_id: str) -> str:
    return f"{SIGNALS_FOLDER}/{signal_id}.md"


def _uses(pages: list[SitePage]) -> dict[str, list[Use]]:
    """signal id → every failure mode that watches it, in page order."""
    found: dict[str, list[Use]] = {}
    for page in pages:
        for index, mode in enumerate(page.meta.failure_modes):
            found.setdefault(mode.signal, []).append((page, index, mode))
    return found


def _modes_by_class(pages: list[SitePage], data: Data) -> dict[str, list[Use]]:
    by_class: dict[str, list[Use]] = {signal_class: [] for signal_class in SIGNAL_CLASSES}
    for signal_id, uses in _uses(pages).items():
        signal = data.signals.get(signal_id)
        if signal is not None:
            by_class[signal.signal_class].extend(uses)
    return by_class


def symptom_documents(tree: Folder, data: Data) -> dict[str, str]:
    """symptoms/index.md plus symptoms/<class>.md for every signal class: each failure mode grouped by its
    signal, linked to its page's 3 AM row, with the signal's threshold and its sourced/suggested mark."""
    pages = [page for folder in tree.walk() for page in folder.pages]
    uses = _uses(pages)
    index_doc = markup.folder_doc(SYMPTOMS_FOLDER)
    docs: dict[str, str] = {index_doc: ""}
    cards = []
    for signal_class in SIGNAL_CLASSES:
        doc = class_doc(signal_class)
        title = CLASS_TITLES[signal_class]
        signals = sorted((signal for signal in data.signals.values()
                          if signal.signal_class == signal_class and signal.id in uses),
                         key=lambda signal: (signal.name.lower(), signal.id))
        out = [markup.front_matter("I see: " + title), "", f"# I see: {safe.text(title)}", "",
               f"Every failure mode in the atlas whose signal is of class `{signal_class}`, grouped by signal. "
               "Each row links to the page's *What breaks at 3 AM* row.", ""]
        count = 0
        for signal in signals:
            entries = sorted(uses[signal.id], key=lambda use: (use[2].symptom.lower(), use[0].id, use[1]))
            count += len(entries)
            rows = [[safe.html(mode.symptom), _row_link(page, doc, index)]
                    for page, index, mode in entries]
            out += [f"## {safe.text(signal.name)} {{#{signal.id}}}", "",
                    f'<p class="dsatlas-threshold">{threshold_html(signal, data)}</p>', "",
                    f"[About this signal]({markup.link(doc, signal_doc(signal.id))})", "",
                    markup.html_table(["Symptom", "Page (its 3 AM row)"], rows), ""]
        if not signals:
            out.append(f"No failure mode in the atlas watches a `{signal_class}` signal yet.")
        docs[doc] = "\n".join(out) + "\n"
        cards.append(f"-   **[{title}]({markup.link(index_doc, doc)})**\n\n"
                     f"    {count} failure mode{'s' if count != 1 else ''}, {len(signals)} "
                     f"signal{'s' if len(signals) != 1 else ''}\n")
    overview = [markup.front_matter("Symptom index"), "", "# Symptom index", "",
                "Every failure mode from every page's *What breaks at 3 AM* section, by the class of the signal "
                "that shows it, then by signal, linked to its row with the signal's threshold. Search also "
                "finds symptoms.", "", '<div class="grid cards" markdown>', "", *cards, "</div>", ""]
    docs[index_doc] = "\n".join(overview) + "\n"
    return docs


def signal_documents(tree: Folder, data: Data) -> dict[str, str]:
    """signals/index.md plus one page per signal: definition, threshold and provenance, and its uses."""
    pages = [page for folder in tree.walk() for page in folder.pages]
    uses = _uses(pages)
    index_doc = markup.folder_doc(SIGNALS_FOLDER)
    docs: dict[str, str] = {index_doc: ""}
    rows = []
    ordered = sorted(data.signals.values(), key=lambda signal: (SIGNAL_CLASSES.index(signal.signal_class),
                                                               signal.name.lower(), signal.id))
    for signal in ordered:
        doc = signal_doc(signal.id)
        title = CLASS_TITLES[signal.signal_class]
        used = uses.get(signal.id, [])
        definition = [["Name", safe.html(signal.name)],
                      ["Measures", safe.html(signal.measures)],
                      ["Class", f'<a href="{safe.attribute(_html_link(doc, class_doc(signal.signal_class)))}">'
                                f"{safe.html(title)}</a>"],
                      ["Threshold", threshold_html(signal, data)]]
        if signal.sources:
            definition.append(["Sources", ", ".join(_source_html(source, data) for source in signal.sources)])
        out = [markup.front_matter("Signal: " + signal.name), "",
               f"# {safe.text(signal.name)}", "", markup.html_table(["", ""], definition), "",
               "## Used by", ""]
        if used:
            out.append(markup.html_table(["Page", "Failure mode (its 3 AM row)"], [
                [safe.html(page.meta.title),
                 f'<a href="{safe.attribute(_html_link(doc, markup.page_doc(page.id), row_anchor(index)))}">'
                 f"{safe.html(mode.symptom)}</a>"] for page, index, mode in used]))
        else:
            out.append("No page's failure modes watch this signal yet.")
        docs[doc] = "\n".join(out) + "\n"
        mark = "sourced" if signal.threshold.provenance == "sourced" else "suggested"
        rows.append([f"[{safe.text(signal.name)}]({markup.link(index_doc, doc)})", title,
                     safe.text(signal.threshold.condition), mark, str(len(used))])
    overview = [markup.front_matter("Signals"), "", "# Signals", "",
                "Every signal the atlas's failure modes watch: what it measures, its one threshold and where "
                "that threshold comes from.", ""]
    overview += markup.table(["Signal", "Class", "Threshold", "Provenance", "Failure modes"], rows) if rows else [
        "No signal is recorded yet."]
    docs[index_doc] = "\n".join(overview) + "\n"
    return docs


def _html_link(doc: str, target_doc: str, anchor: str = "") -> str:
    """A link from raw HTML: the engine does not rewrite those, so it points at the built .html file."""
    return markup.link(doc, target_doc.removesuffix(".md") + ".html", anchor)


def _row_link(page: SitePage, doc: str, index: int) -> str:
    target = _html_link(doc, markup.page_doc(page.id), row_anchor(index))
    return f'<a href="{safe.attribute(target)}">{safe.html(page.meta.title)}</a>'


def _source_html(source_id: str, data: Data) -> str:
    source = data.sources.get(source_id)
    if source is None:
        return safe.html(source_id)
    return safe.html_link(source.title, source.url)


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
