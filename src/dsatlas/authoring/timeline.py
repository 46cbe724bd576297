"""Incident clocks: T+ offsets and durations computed from UTC timestamps, never typed by hand.

Post-mortems give local wall-clock times in the facts' `source_timezone` (an IANA zone name);
`local_to_utc` turns them into the UTC timestamps the facts file stores, daylight saving included.
T+0 is the incident's `started` time. Offsets read like the post-mortems we draw from: `T+0`,
`T+45m`, `T+1h09m`, `T-6h07m`, `T+2h00m30s`; the figures gate sees each as a declared figure.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def local_to_utc(wall: dt.datetime | str, zone: str, fold: int | None = None) -> dt.datetime:
    """A post-mortem's local wall-clock time in IANA `zone` as a UTC datetime.

    `wall` is naive ('2021-11-07 01:30' or a datetime without tzinfo). A time that falls in the hour
    the clocks skip does not exist and is refused; one in the hour they repeat is ambiguous and needs
    `fold` (0: the first pass, still on summer time; 1: the second).
    """
    if isinstance(wall, str):
        wall = dt.datetime.fromisoformat(wall)
    if wall.tzinfo is not None:
        raise ValueError(f"{wall.isoformat()} already carries an offset: pass the local wall-clock time only")
    tz = zoneinfo.ZoneInfo(zone)
    first, second = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        if first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != wall:
            raise ValueError(f"{wall:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skipped that hour")
        if fold is None:
            raise ValueError(f"{wall:%Y-%m-%d %H:%M} happened twice in {zone} (the clocks went back): "
                             "pass fold=0 for the first, fold=1 for the second")
        first = wall.replace(tzinfo=tz, fold=fold)
    return first.astimezone(dt.UTC)


def _parts(seconds: int) -> tuple[int, int, int]:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return hours, minutes, secs


def span(seconds: int) -> str:
    """A non-negative span as '45m', '1h09m', '18h47m', with ':ss' seconds only when present."""
    hours, minutes, secs = _parts(seconds)
    text = f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"
    return text + (f"{secs:02d}s" if secs else "")


def offset_label(started: dt.datetime, at: dt.datetime) -> str:
    """The T+ offset of `at` from `started`: 'T+0', 'T+1h09m', 'T-6h07m'."""
    seconds = round((at - started).total_seconds())
    if seconds == 0:
        return "T+0"
    return ("T+" if seconds > 0 else "T-") + span(abs(seconds))


def clock_label(at: dt.datetime, started: dt.datetime) -> str:
    """'23:27 UTC' on the day the incident started, '1 Feb 00:36 UTC' on any other day."""
    at = at.astimezone(dt.UTC)
    clock = at.strftime("%H:%M:%S" if at.second else "%H:%M")
    if at.date() == started.astimezone(dt.UTC).date():
        return f"{clock} UTC"
    return f"{at.day} {at.strftime('%b')} {clock} UTC"


def long_clock(at: dt.datetime) -> str:
    """'23:27 UTC on 31 Jan 2017', for the arithmetic in a figure's note."""
    at = at.astimezone(dt.UTC)
    return f"{at.strftime('%H:%M:%S' if at.second else '%H:%M')} UTC on {at.day} {at.strftime('%b %Y')}"


def spoken_span(seconds: int) -> str:
    hours, minutes, secs = _parts(abs(seconds))
    words = [f"{hours} h"] if hours else []
    words.append(f"{minutes} min")
    if secs:
        words.append(f"{secs} s")
    return " ".join(words)


def offset_note(started: dt.datetime, at: dt.datetime, facts_path: str) -> str:
    """The arithmetic behind an offset, as a figure's `note` shows it."""
    seconds = round((at - started).total_seconds())
    if seconds >= 0:
        sum_text = f"{long_clock(at)} minus {long_clock(started)} (T+0)"
    else:
        sum_text = f"{long_clock(started)} (T+0) minus {long_clock(at)}"
    return f"{sum_text} = {spoken_span(seconds)}; computed by dsatlas from {facts_path}."
