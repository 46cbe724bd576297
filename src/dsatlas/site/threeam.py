"""The 3 AM section of a page, drawn from data: the page's `failure_modes`, each signal's one threshold
with its provenance, and, on incident pages, what misled the responders and what restored service.

Everything here is escaped HTML in raw-HTML blocks (like the Sources & figures table): cells link only to
sources outside the atlas, so nothing needs the engine's Markdown pass.
"""

from __future__ import annotations

from .. import safe
from ..loader import Data
from ..model import FailureMode, IncidentFacts, PageMeta, Signal
from ..opendata import row_anchor

HEADING = "What breaks at 3 AM"
ANCHOR = "what-breaks-at-3-am"  # the toc slug of HEADING




def threshold_html(signal: Signal | None, data: Data) -> str:
    """A signal's name and threshold, with a visible *sourced* or *suggested* mark."""
    if signal is None:
        return "<em>unknown signal</em>"
    threshold = signal.threshold
    head = (f'<strong title="{safe.attribute(signal.measures)}">{_e(signal.name)}</strong>: '
            f"{_e(threshold.condition)}")
    if threshold.provenance == "sourced":
        source = data.sources.get(threshold.source or "")
        where = _e(threshold.locator or "")
        cited = (f'<a href="{_href(source.url)}">{_e(source.title)}</a>, {where}'
                 if source else f"{_e(threshold.source or '')}, {where}")
        mark = f'<span class="dsatlas-sourced">sourced</span> ({cited})'
    else:
        mark = (f'<span class="dsatlas-suggested" title="{safe.attribute(threshold.reasoning or "")}">'
                "suggested</span> (no source publishes this threshold: "
                f"{_e(threshold.reasoning or '')})")
    return f"{head}<br>{mark}"


def failure_mode_row(index: int, mode: FailureMode, data: Data) -> str:
    done = ""
    if mode.as_done_by:
        source = data.sources.get(mode.as_done_by)
        title = _e(source.title) if source else _e(mode.as_done_by)
        href = _href(source.url) if source else "#"
        where = f", {_e(mode.locator)}" if mode.locator else ""
        done = f'<br><small>As done: <a href="{href}">{title}</a>{where}</small>'
    cells = [_e(mode.symptom), threshold_html(data.signals.get(mode.signal), data),
             f"{_e(mode.first_action)}<br><small><strong>Risk:</strong> {_e(mode.risk)}</small>{done}",
             _e(mode.follow_up)]
    return f'<tr id="{row_anchor(index)}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def section(meta: PageMeta, data: Data, incident: IncidentFacts | None = None) -> list[str]:
    """The Markdown lines of the 3 AM section (heading plus raw-HTML tables)."""
    out = [f"## {HEADING}", ""]
    if incident is not None:
        out += _incident_tables(incident, data)
    if meta.failure_modes:
        head = "".join(f"<th>{cell}</th>" for cell in ("Symptom", "Signal and threshold",
                                                        "First action (and its risk)", "Follow-up"))
        rows = "\n".join(failure_mode_row(index, mode, data) for index, mode in enumerate(meta.failure_modes))
        out.append(f'<table class="dsatlas-3am">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>')
    else:
        out.append("This page describes no failure modes yet.")
    return out


def _incident_tables(incident: IncidentFacts, data: Data) -> list[str]:
    misled = "\n".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in (
            _e(item.seen), _e(item.looked_like), _e(item.actually), _cite(item.source, item.locator, data)))
        + "</tr>" for item in incident.misled_by)
    worked = "\n".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in (
            _e(item.action), _e(item.effect), _offset(incident, item.at), _cite(item.source, item.locator, data)))
        + "</tr>" for item in incident.what_worked)
    return ["**What misled the responders**", "",
            "<table>\n<thead><tr><th>They saw</th><th>It looked like</th><th>It was</th><th>Source</th></tr>"
            f"</thead>\n<tbody>\n{misled}\n</tbody>\n</table>", "",
            "**What restored service**", "",
            "<table>\n<thead><tr><th>Action</th><th>Effect</th><th>When</th><th>Source</th></tr></thead>\n"
            f"<tbody>\n{worked}\n</tbody>\n</table>", ""]


def _offset(incident: IncidentFacts, at) -> str:
    if at is None:
        return "–"
    minutes = round((at - incident.started).total_seconds() / 60)
    hours, rest = divmod(abs(minutes), 60)
    sign = "-" if minutes < 0 else "+"
    return f"T{sign}{hours}h{rest:02d}m ({at:%Y-%m-%d %H:%M} UTC)" if hours else f"T{sign}{rest}m ({at:%H:%M} UTC)"


def _cite(source_id: str, locator: str | None, data: Data) -> str:
    source = data.sources.get(source_id)
    if source is None:
        return _e(source_id)
    where = f", {_e(locator)}" if locator else ""
    return f'<a href="{_href(source.url)}">{_e(source.title)}</a>{where}'


def _e(text: str) -> str:
    return safe.html(" ".join(str(text).split()))


def _href(target: object) -> str:
    """A source's URL as an attribute value, through the one URL check (a refused scheme links nowhere)."""
    return safe.attribute(safe.url(target) or "#")
