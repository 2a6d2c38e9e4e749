"""When a job is due: a schedule (``HH:MM`` daily in local time, ``*/N`` every N minutes, ``off``)
and the slots it defines. Pure functions of the schedule and the moment asked about.

A slot is a scheduled moment. The slot due at ``now`` is the latest one not after ``now``; a worker
that was down for three days finds one due slot, not three, so a missed job runs once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from pumpurs.core.env import schedule_value_valid

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Schedule:
    text: str  # as configured: "05:30", "*/10" or "off"

    def __post_init__(self) -> None:
        if not schedule_value_valid(self.text):
            raise ValueError(f"Not a schedule: {self.text!r} (HH:MM, */N or off).")

    @property
    def is_off(self) -> bool:
        return self.text == "off"

    @property
    def every_minutes(self) -> int | None:
        return int(self.text[2:]) if self.text.startswith("*/") else None

    def due_slot(self, now: dt.datetime) -> dt.datetime | None:
        """The latest slot at or before ``now`` (None when the job is off)."""
        if self.is_off:
            return None
        every = self.every_minutes
        if every is not None:
            step = dt.timedelta(minutes=every)
            return EPOCH + ((now - EPOCH) // step) * step
        today = now.astimezone(_zone()).date()
        slot = self._daily(today)
        return slot if slot <= now else self._daily(today - dt.timedelta(days=1))

    def next_slot(self, now: dt.datetime) -> dt.datetime | None:
        """The first slot after ``now`` (None when the job is off)."""
        if self.is_off:
            return None
        every = self.every_minutes
        if every is not None:
            due = self.due_slot(now)
            assert due is not None
            return due + dt.timedelta(minutes=every)
        today = now.astimezone(_zone()).date()
        slot = self._daily(today)
        return slot if slot > now else self._daily(today + dt.timedelta(days=1))

    def _daily(self, day: dt.date) -> dt.datetime:
        hour, minute = (int(part) for part in self.text.split(":"))
        # A wall-clock time that a DST change skips or repeats resolves as zoneinfo does (fold 0).
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=_zone()).astimezone(dt.UTC)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)
