"""Issue 13, one date format everywhere: the audit trail's details show the dates and times an
event's data stores as ISO text in the reader's format, and leave other text alone."""

from __future__ import annotations

import pytest
from django.utils import translation

from pumpurs.audit.registry import event_details


@pytest.mark.parametrize(
    ("language", "stored", "shown"),
    [
        ("lv", "2026-09-01", "1.09.2026"),
        ("en", "2026-09-01", "1 Sep 2026"),
        ("lv", "2026-11-12T08:03:00+00:00", "12.11.2026 10:03"),  # Riga time
        ("lv", "2026-02-30", "2026-02-30"),  # not a day: as stored
        ("lv", "2025/26-1", "2025/26-1"),
        ("lv", "LV-123", "LV-123"),
    ],
)
def test_dates_in_an_events_data_read_in_the_one_format(language: str, stored: str, shown: str) -> None:
    with translation.override(language):
        assert event_details("no.such.event", {"given_on": stored}) == [("given_on", shown)]
