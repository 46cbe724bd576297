"""The terminal view: `dsatlas show PAGE-ID` and `dsatlas find TEXT`, for a jump host with no browser.

Both read the open-data slices (opendata.py), never a built site: what the terminal shows is what
/atlas.json publishes. On a terminal the output is Rich tables; piped, it is plain text, one item per
line, so `grep` and `less` work on it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from rich.console import Console
from rich.markup import escape as e
from rich.table import Table

NEAREST = 5  # unknown page id: this many suggestions


def nearest_ids(wanted: str, known: list[str]) -> list[str]:
    """The known page ids closest to a mistyped one: by spelling, then those containing its last part."""
    close = difflib.get_close_matches(wanted, known, n=NEAREST, cutoff=0.5)
    tail = wanted.rstrip("/").rpartition("/")[2]
    if tail:
        close += [page_id for page_id in known if tail in page_id and page_id not in close]
    return close[:NEAREST]


def threshold_text(signal: dict | None, why: bool = False) -> str:
    """A signal's threshold with its provenance mark: sourced (by whom, where) or suggested (with `why`:
    the reasoning; the Signals section gives it once)."""
    if signal is None:
        return "unknown signal"
    threshold = signal["threshold"]
    if threshold["provenance"] == "sourced":
        return f"{threshold['condition']} [sourced: {threshold['source']}, {threshold['locator']}]"
    return f"{threshold['condition']} [suggested: {threshold['reasoning']}]" if why else \
        f"{threshold['condition']} [suggested]"


def _source_text(source_id: str, record: dict | None, locator: str | None) -> str:
    cited = (f"{record['title']} ({record['publisher']}, {record['published']}) {record['url']}" if record
             else source_id)
    return f"{cited}, {locator}" if locator else cited


def show(document: dict, console: Console) -> None:
    """A page's 3 AM table, its signals and its key figures (operator figures first) with their sources."""
    page = document["pages"][0]
    modes = page["failure_modes"]
    figures = sorted(page["figures"], key=lambda figure: figure["operator"] is None)
    plain = not console.is_terminal
    if plain:
        _plain_show(page, modes, figures, document["signals"], console)
        return
    console.print(f"[bold]{e(page['title'])}[/bold]  ({page['id']})")
    console.print(f"{e(page['summary'])}\n[dim]as of {page['as_of']} · {page['kind']} · {page['url']}[/dim]")
    table = Table(title="What breaks at 3 AM", show_lines=True, expand=True)
    for column in ("#", "Symptom", "Signal and threshold", "First action", "Risk"):
        table.add_column(column)
    for index, mode in enumerate(modes, 1):
        signal = mode["signal_record"]
        name = signal["name"] if signal else mode["signal"]
        table.add_row(str(index), e(mode["symptom"]), f"[bold]{e(name)}[/bold]\n{e(threshold_text(signal))}",
                      e(mode["first_action"]), e(mode["risk"]))
    console.print(table if modes else "This page describes no failure modes yet.")
    signals = Table(title="Signals", expand=True)
    for column in ("Signal", "Class", "Measures", "Threshold"):
        signals.add_column(column)
    for signal in document["signals"]:
        signals.add_row(f"{e(signal['name'])}\n[dim]{signal['id']}[/dim]", signal["class"], e(signal["measures"]),
                        e(threshold_text(signal, why=True)))
    if document["signals"]:
        console.print(signals)
    key = Table(title="Key figures", expand=True)
    for column in ("Figure", "Means", "Source", "As of", "Conf."):
        key.add_column(column)
    for figure in figures:
        mark = f" [dim]({figure['operator']})[/dim]" if figure["operator"] else ""
        key.add_row(f"[bold]{e(figure['label'])}[/bold]{mark}", e(figure["means"]),
                    e(_source_text(figure["source"], figure["source_record"], figure["locator"])), figure["as_of"],
                    figure["confidence"])
    console.print(key if figures else "This diagram draws no figures.")


def _plain_show(page: dict, modes: list[dict], figures: list[dict], signals: list[dict], console: Console) -> None:
    out = [f"{page['title']} ({page['id']})", page["summary"],
           f"as of {page['as_of']} · {page['kind']} · {page['url']}", "", "What breaks at 3 AM"]
    if not modes:
        out.append("  This page describes no failure modes yet.")
    for index, mode in enumerate(modes, 1):
        signal = mode["signal_record"]
        out += [f"  {index}. symptom: {mode['symptom']}",
                f"     signal: {signal['name'] if signal else mode['signal']} ({mode['signal']}): "
                f"{threshold_text(signal)}",
                f"     first action: {mode['first_action']}", f"     risk: {mode['risk']}"]
    out += ["", "Signals"]
    out += [f"  {signal['id']} ({signal['class']}): {signal['name']}: {signal['measures']} "
            f"Threshold: {threshold_text(signal, why=True)}" for signal in signals] or ["  none"]
    out += ["", "Key figures"]
    out += [f"  {figure['label']}{' (' + figure['operator'] + ')' if figure['operator'] else ''}: {figure['means']} "
            f"[{figure['confidence']}, as of {figure['as_of']}] source: "
            f"{_source_text(figure['source'], figure['source_record'], figure['locator'])}" for figure in figures]
    if not figures:
        out.append("  This diagram draws no figures.")
    _lines(console, out)


def matches(document: dict, text: str) -> Iterator[tuple[dict, int, dict]]:
    """(page, index, failure mode) whose symptom, signal (name or id) or page title hold every word of `text`,
    ignoring case."""
    words = text.casefold().split()
    for page in document["pages"]:
        for index, mode in enumerate(page["failure_modes"]):
            signal = mode["signal_record"] or {}
            haystack = " ".join((mode["symptom"], mode["signal"], signal.get("name", ""), page["title"])).casefold()
            if all(word in haystack for word in words):
                yield page, index, mode


def find(found: list[tuple[dict, int, dict]], console: Console) -> None:
    if not console.is_terminal:
        _lines(console, [f"{page['id']}#{mode['anchor']}\t{mode['symptom']}\t{mode['signal']}: "
                         f"{threshold_text(mode['signal_record'])}" for page, _, mode in found])
        return
    table = Table(title=f"{len(found)} failure mode(s)", show_lines=True, expand=True)
    for column in ("Page", "Symptom", "Signal and threshold", "First action"):
        table.add_column(column)
    for page, _, mode in found:
        signal = mode["signal_record"]
        table.add_row(f"{page['id']}\n[dim]#{mode['anchor']}[/dim]", e(mode["symptom"]),
                      f"[bold]{e(signal['name'] if signal else mode['signal'])}[/bold]\n{e(threshold_text(signal))}",
                      e(mode["first_action"]))
    console.print(table)


def _lines(console: Console, lines: list[str]) -> None:
    """Plain text exactly as written: no markup, no wrapping, no highlighting."""
    console.file.write("".join(line + "\n" for line in lines))
