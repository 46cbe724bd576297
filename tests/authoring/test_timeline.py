"""Incident clocks: a post-mortem's local wall-clock times become UTC in its IANA zone, daylight saving included."""

from __future__ import annotations

import datetime as dt

import pytest

from dsatlas.authoring.timeline import local_to_utc


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize("zone, local, expected", [
    # US Pacific on 7 Nov 2021: PDT (UTC-7) until 02:00, when the clocks went back to 01:00 PST (UTC-8)
    ("America/Los_Angeles", "2021-11-06 23:50", "2021-11-07 06:50"),
    ("America/Los_Angeles", "2021-11-07 00:59", "2021-11-07 07:59"),
    ("America/Los_Angeles", "2021-11-07 02:00", "2021-11-07 10:00"),
    ("America/Los_Angeles", "2021-11-07 03:15", "2021-11-07 11:15"),
    # the Roblox post-mortem labels 28 Oct 2021 times "PST", but PDT was in effect: 13:37 is 20:37 UTC
    ("America/Los_Angeles", "2021-10-28 13:37", "2021-10-28 20:37"),
    ("America/Los_Angeles", "2017-02-28 09:37", "2017-02-28 17:37"),  # AWS S3, in PST
    # Europe/London on 27 Mar 2022: GMT (UTC+0) until 01:00, then BST (UTC+1)
    ("Europe/London", "2022-03-27 00:30", "2022-03-27 00:30"),
    ("Europe/London", "2022-03-27 02:30", "2022-03-27 01:30"),
    ("UTC", "2022-03-27 02:30", "2022-03-27 02:30"),
])
def test_local_times_convert_across_a_daylight_saving_change(zone, local, expected):
    assert local_to_utc(local, zone) == utc(expected)


def test_the_repeated_hour_needs_a_fold_and_the_skipped_hour_does_not_exist():
    with pytest.raises(ValueError, match="happened twice in America/Los_Angeles.*fold=0"):
        local_to_utc("2021-11-07 01:30", "America/Los_Angeles")
    assert local_to_utc("2021-11-07 01:30", "America/Los_Angeles", fold=0) == utc("2021-11-07 08:30")  # PDT
    assert local_to_utc("2021-11-07 01:30", "America/Los_Angeles", fold=1) == utc("2021-11-07 09:30")  # PST
    with pytest.raises(ValueError, match="does not exist in Europe/London"):
        local_to_utc("2022-03-27 01:30", "Europe/London")
    with pytest.raises(ValueError, match="already carries an offset"):
        local_to_utc(dt.datetime(2022, 3, 27, 1, 30, tzinfo=dt.UTC), "Europe/London")
